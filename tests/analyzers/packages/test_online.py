"""Online registry checks (PKG031-PKG036) against a loopback registry that serves our documents."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.packages.online import (
    OnlineOptions,
    check,
    npm_facts,
    pypi_facts,
    subject_of,
)
from outwork.core.analyzer import AnalysisContext, Component
from outwork.core.findings import Finding
from outwork.engine.pipeline import ScanOptions, scan
from outwork.sources.registries import pypi_json_base
from tests.analyzers.packages.helpers import sdist
from tests.analyzers.packages.registry_server import (
    ESTABLISHED_PYPI,
    Registry,
    npm_doc,
    pypi_doc,
)

REQUIREMENTS = """\
requests==2.32.3
ghost-helper-lib==1.0
fresh-thing==0.1
old-single==1.0
old-norepo>=1
reqeusts==0.1
http-magic-tool==2.0
reqeusts-toolbelt2==1.0
"""

PACKAGE_JSON = """\
{
  "name": "app",
  "version": "1.0.0",
  "dependencies": {
    "left-pad": "1.3.0",
    "@acme/ghost": "1.0.0",
    "evil-removed": "1.0.0",
    "brand-new-npm": "0.0.1"
  }
}
"""


@pytest.fixture
def registry() -> Iterator[Registry]:
    server = Registry()
    server.pypi(ESTABLISHED_PYPI["requests"])
    server.pypi(pypi_doc("fresh-thing", {"0.1": 3}))
    server.pypi(
        pypi_doc("old-single", {"1.0": 2000}, {"Repository": "https://gitlab.com/a/old-single"})
    )
    server.pypi(
        pypi_doc("old-norepo", {"1.0": 2000, "1.1": 1500}, {"Homepage": "https://example.org"})
    )
    server.pypi(pypi_doc("reqeusts", {"0.1": 2}))
    borrowed = {"Source": "https://github.com/psf/requests"}
    server.pypi(pypi_doc("http-magic-tool", {"1.0": 900, "2.0": 800}, borrowed))
    server.pypi(pypi_doc("reqeusts-toolbelt2", {"0.9": 900, "1.0": 800}, borrowed))
    server.npm(npm_doc("left-pad", {"1.2.0": 3000, "1.3.0": 2500}, "git+https://github.com/x/y"))
    server.npm(
        npm_doc("evil-removed", {"0.0.1-security": 10}, description="security holding package")
    )
    server.npm(npm_doc("brand-new-npm", {"0.0.1": 1}))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    return tmp_path


def _online(findings: list[Finding]) -> dict[tuple[str, str, int | None], Finding]:
    return {
        (f.code, Path(f.location.path).name, f.location.line): f
        for f in findings
        if f.code.startswith("PKG03")
    }


def test_library_scan_reports_registry_facts_at_the_declaring_line(
    registry: Registry, project: Path
) -> None:
    result = scan(
        [str(project)],
        ScanOptions(jobs=1, offline=False, analyzer_options=registry.options()),
    )
    found = _online(result.findings)
    label = {k: v.severity.label for k, v in found.items()}
    assert label[("PKG031", "requirements.txt", 2)] == "high"  # ghost-helper-lib: 404
    # new, single, no repository: the combination raises the strongest signal's finding
    assert label[("PKG032", "requirements.txt", 3)] == "medium"
    assert label[("PKG033", "requirements.txt", 3)] == "info"
    assert label[("PKG034", "requirements.txt", 3)] == "info"
    assert (
        "single release, no source repository" in found[("PKG032", "requirements.txt", 3)].message
    )
    assert label[("PKG033", "requirements.txt", 4)] == "info"  # old single release, a repository
    assert ("PKG034", "requirements.txt", 4) not in label
    assert label[("PKG034", "requirements.txt", 5)] == "info"  # established, no repository
    assert label[("PKG032", "requirements.txt", 6)] == "high"  # ... and imitates requests
    assert not [k for k in label if k[1] == "requirements.txt" and k[2] == 1]  # requests: fine
    # starjacking judged from the registry's metadata of a dependency
    assert label[("PKG030", "requirements.txt", 7)] == "medium"
    assert label[("PKG030", "requirements.txt", 8)] == "high"
    assert "github.com/psf/requests" in found[("PKG030", "requirements.txt", 7)].message
    assert label[("PKG031", "package.json", 6)] == "high"  # @acme/ghost
    assert label[("PKG036", "package.json", 7)] == "critical"  # security holding package
    assert label[("PKG032", "package.json", 8)] == "medium"  # brand-new-npm
    assert not [k for k in label if k[2] == 5 and k[1] == "package.json"]  # left-pad: fine
    assert "PKG035" not in {k[0] for k in label}
    ghost = found[("PKG031", "requirements.txt", 2)]
    assert ghost.subject == "pkg:pypi/ghost-helper-lib@1.0"
    assert "anyone can register" in ghost.message
    # one look-up per name, however many places name it
    assert len(registry.requests) == len(set(registry.requests))
    assert "/npm/@acme%2fghost" in registry.requests


def test_offline_scans_never_touch_the_network(registry: Registry, project: Path) -> None:
    result = scan([str(project)], ScanOptions(jobs=1, analyzer_options=registry.options()))
    assert not _online(result.findings)
    from outwork.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    run(
        ["scan", str(project), "--index-url", f"{registry.url}/pypi", "--no-cache", "-f", "json"],
        out,
        err,
    )
    assert not _online([Finding.from_dict(f) for f in json.loads(out.getvalue())["findings"]])
    assert registry.requests == []


def test_cli_online_with_index_url(registry: Registry, project: Path) -> None:
    from outwork.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    code = run(
        [
            "scan",
            str(project / "requirements.txt"),
            "--online",
            "--index-url",
            f"{registry.url}/pypi",
            "--no-cache",
            "-f",
            "json",
        ],
        out,
        err,
    )
    assert code == 1, err.getvalue()
    data = json.loads(out.getvalue())
    ghost = [f for f in data["findings"] if f["code"] == "PKG031"]
    assert ghost and ghost[0]["location"]["line"] == 2
    assert ghost[0]["location"]["path"].endswith("requirements.txt")
    assert all(p.startswith("/pypi/") for p in registry.requests)


def test_selecting_only_pkg_still_checks_declared_dependencies(
    registry: Registry, project: Path
) -> None:
    from outwork.cli.main import run

    argv = ["scan", str(project / "requirements.txt"), "--select", "PKG", "--no-cache", "-f"]
    out, err = io.StringIO(), io.StringIO()
    run([*argv, "json", "--online", "--index-url", f"{registry.url}/pypi"], out, err)
    codes = {f["code"] for f in json.loads(out.getvalue())["findings"]}
    assert "PKG031" in codes, err.getvalue()
    assert all(c.startswith("PKG") for c in codes)  # the dependencies ran, their rules did not


def test_simple_index_url_is_mapped_to_the_json_api(registry: Registry, project: Path) -> None:
    assert pypi_json_base("https://pypi.org/simple/") == "https://pypi.org/pypi"
    assert pypi_json_base("https://pypi.org/pypi") == "https://pypi.org/pypi"
    assert pypi_json_base("http://127.0.0.1:8080") == "http://127.0.0.1:8080/pypi"
    options = {"packages.pypi_url": f"{registry.url}/simple"}
    result = scan(
        [str(project / "requirements.txt")],
        ScanOptions(jobs=1, offline=False, analyzer_options=options),
    )
    assert ("PKG031", "requirements.txt", 2) in _online(result.findings)


def test_unreachable_registry_is_reported_not_silent(project: Path) -> None:
    closed = Registry()
    url = closed.url
    closed.close()  # nothing listens there any more
    result = scan(
        [str(project)],
        ScanOptions(
            jobs=1,
            offline=False,
            analyzer_options={"packages.pypi_url": f"{url}/pypi", "packages.npm_url": url},
        ),
    )
    assert not result.errors
    incomplete = [f for f in result.findings if f.code == "PKG035"]
    assert len(incomplete) == 1
    assert incomplete[0].severity.label == "info"
    assert "could not run for 12 of 12 packages" in incomplete[0].message
    assert "cannot be reached" in incomplete[0].message
    assert not [f for f in result.findings if f.code in ("PKG031", "PKG032")]


def test_http_errors_and_oversized_documents_are_incomplete(registry: Registry) -> None:
    registry.routes["/pypi/huge/json"] = b"{" + b" " * 5000 + b"}"
    registry.routes["/pypi/garbled/json"] = b"not json"
    components = [
        ("req.txt", Component("library", n, None, f"pkg:pypi/{n}", {"line": i}))
        for i, n in enumerate(["huge", "garbled"], start=1)
    ]
    options = registry.options() | {"packages.online_max_bytes": 2048}
    found = check(components, AnalysisContext(offline=False, options=options))
    assert [f.code for f in found] == ["PKG035"]
    assert found[0].properties["unchecked"] == ["pypi:huge", "pypi:garbled"]
    assert "larger than 2048 bytes" in found[0].properties["errors"]["pypi:huge"]
    assert "invalid JSON" in found[0].properties["errors"]["pypi:garbled"]


def test_server_errors_are_incomplete_too() -> None:
    failing = Registry(status=503)
    try:
        components = [("r.txt", Component("library", "x", None, "pkg:pypi/x-y"))]
        found = check(components, AnalysisContext(offline=False, options=failing.options()))
    finally:
        failing.close()
    assert [f.code for f in found] == ["PKG035"]
    assert "HTTP 503" in found[0].message


def test_lookup_budget_is_bounded_and_reported(registry: Registry) -> None:
    components = [
        ("req.txt", Component("library", n, None, f"pkg:pypi/{n}", {"line": i}))
        for i, n in enumerate(["requests", "fresh-thing", "ghost-one", "ghost-two"], start=1)
    ]
    options = registry.options() | {"packages.online_max_lookups": 2}
    found = check(components, AnalysisContext(offline=False, options=options))
    assert len(registry.requests) == 2
    incomplete = [f for f in found if f.code == "PKG035"]
    assert incomplete and "2 of 4 packages were not checked" in incomplete[0].message
    assert "pypi:ghost-one" in incomplete[0].evidence


def test_own_archive_missing_from_the_registry_is_low(registry: Registry, tmp_path: Path) -> None:
    (tmp_path / "inhouse-tool-1.0.tar.gz").write_bytes(
        sdist("inhouse-tool", "1.0", {"setup.py": "from setuptools import setup\nsetup()\n"})
    )
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "setup.py").write_text("import os\nos.system('echo hi')\n")
    result = scan(
        [str(tmp_path)], ScanOptions(jobs=1, offline=False, analyzer_options=registry.options())
    )
    missing = [f for f in result.findings if f.code == "PKG031"]
    assert len(missing) == 1
    assert missing[0].location.path.endswith("inhouse-tool-1.0.tar.gz")
    assert missing[0].severity.label == "low"
    # a loose checkout is named after its folder, not a published name: never looked up
    assert registry.requests == ["/pypi/inhouse-tool/json"]


def test_non_registry_dependencies_are_not_looked_up() -> None:
    assert subject_of(Component("library", "x", None, "pkg:cargo/x@1")) is None
    assert subject_of(Component("library", "X_Y", None, "pkg:pypi/X_Y@1")).name == "x-y"  # type: ignore[union-attr]
    scoped = subject_of(Component("library", "@a/b", None, "pkg:npm/%40a/b@1.0"))
    assert scoped is not None and scoped.name == "@a/b"
    components = [("r.txt", Component("library", "x", None, "pkg:pypi/x", {"source": "vcs"}))]
    assert check(components, AnalysisContext(offline=False)) == []


def test_registry_documents_are_read_defensively() -> None:
    assert pypi_facts({"info": None, "releases": None}).releases is None
    assert pypi_facts({"info": {}, "releases": {"1.0": []}}).releases == 0
    facts = pypi_facts(
        {"info": {"project_urls": {"Code": "https://hg.example.org/x"}}, "releases": {}}
    )
    assert facts.repository == "https://hg.example.org/x"  # labelled as the source
    assert npm_facts({"versions": {}, "time": {"unpublished": {}}}).unpublished
    assert npm_facts({"versions": {"1.0.0": {}}, "repository": "github:a/b"}).repository
    assert npm_facts({"versions": [1, 2], "time": "x"}).unpublished


def test_options_are_coerced_and_clamped() -> None:
    options = OnlineOptions.from_options(
        {"packages": {"online_workers": "999", "online_max_lookups": "x"}, "packages.npm_url": ""}
    )
    assert options.workers == 32
    assert options.max_lookups == OnlineOptions().max_lookups
    assert options.npm_url == OnlineOptions().npm_url


def test_workspaces_aliases_and_installed_packages(registry: Registry) -> None:
    def dep(name: str, spec: str | None = None, source: str = "registry") -> Component:
        props: dict[str, object] = {"line": 1, "source": source}
        if spec:
            props["specifier"] = spec
        return Component("library", name, None, f"pkg:npm/{name}", props)

    components = [
        ("package.json", dep("my-workspace-lib", "workspace:*")),
        ("package.json", dep("local-thing", "file:../local-thing")),
        ("package.json", dep("pad", "npm:left-pad@^1.3.0")),
        ("node_modules/gone/package.json", dep("gone-from-npm", source="installed")),
    ]
    found = check(components, AnalysisContext(offline=False, options=registry.options()))
    assert sorted(registry.requests) == ["/npm/gone-from-npm", "/npm/left-pad"]
    assert [(f.code, f.severity.label) for f in found] == [("PKG031", "medium")]
    assert "registry removed it" in found[0].message


def test_registry_target_is_checked_online_too(registry: Registry) -> None:
    from outwork.cli.main import run

    archive = sdist("brandnew", "0.1", {"setup.py": "from setuptools import setup\nsetup()\n"})
    doc = pypi_doc("brandnew", {"0.1": 1})
    doc["releases"]["0.1"][0]["url"] = "/files/brandnew-0.1.tar.gz"
    registry.pypi(doc)
    registry.routes["/files/brandnew-0.1.tar.gz"] = archive
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", "pypi:brandnew==0.1", "--online", "--index-url", registry.url, "--no-cache"]
    code = run([*argv, "-f", "json"], out, err)
    assert code == 1, err.getvalue()
    new = [f for f in json.loads(out.getvalue())["findings"] if f["code"] == "PKG032"]
    assert new and new[0]["location"]["path"] == "pypi:brandnew==0.1/brandnew-0.1.tar.gz"
    assert new[0]["message"].startswith("package 'brandnew' was first published")
    assert new[0]["severity"] == "medium"


def test_unreachable_registry_is_given_up_after_a_few_tries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import outwork.analyzers.packages.online as online
    from outwork.sources.registries import RegistryUnreachableError

    calls: list[str] = []

    def unreachable(url: str, **_: object) -> None:
        calls.append(url)
        raise RegistryUnreachableError("pypi.example cannot be reached (test)")

    monkeypatch.setattr(online, "fetch_document", unreachable)
    components = [
        ("r.txt", Component("library", f"p{i}", None, f"pkg:pypi/p{i}")) for i in range(200)
    ]
    options = {"packages.pypi_url": "https://pypi.example/pypi", "packages.online_workers": 1}
    found = check(components, AnalysisContext(offline=False, options=options))
    assert len(calls) == online.UNREACHABLE_AFTER
    assert [f.code for f in found] == ["PKG035"]
    assert "could not run for 200 of 200 packages" in found[0].message


def test_a_registry_that_drips_bytes_is_cut_off() -> None:
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{")
        while not stop.is_set():
            try:
                conn.sendall(b" ")
            except OSError:
                break
            time.sleep(0.02)
        conn.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/pypi"
    options = {"packages.pypi_url": url, "packages.online_timeout": 0.3}
    started = time.monotonic()
    try:
        components = [("r.txt", Component("library", "x", None, "pkg:pypi/slow-one"))]
        found = check(components, AnalysisContext(offline=False, options=options))
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 5
    assert [f.code for f in found] == ["PKG035"]
    assert "too slowly" in found[0].message


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    ["info", "releases", "urls", "versions", "time", "dist-tags", "repository", "description"]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=6))
def test_hostile_registry_documents_never_crash(doc: dict[str, object]) -> None:
    pypi_facts(doc)
    npm_facts(doc)


def test_young_package_whose_own_code_is_risky_is_high(tmp_path: Path) -> None:
    """A postinstall script alone is medium; in a package first published days ago with one
    release and no repository, the registry history raises it to high. The same code in an
    established package, and a young package with harmless code, are not raised."""
    from tests.analyzers.packages.helpers import npm_tarball

    server = Registry()
    server.npm(npm_doc("fresh-hook", {"0.0.1": 2}))
    server.npm(npm_doc("steady-hook", {"1.0.0": 2000, "1.1.0": 1500}, "git+https://x.org/s/h"))
    server.npm(npm_doc("fresh-plain", {"0.0.1": 2}))
    try:
        for name, hook in (("fresh-hook", True), ("steady-hook", True), ("fresh-plain", False)):
            scripts = {"postinstall": "node install.js"} if hook else {}
            manifest = json.dumps({"name": name, "version": "1.0.0", "scripts": scripts})
            files = {"install.js": "console.log('set up')\n", "index.js": "module.exports = 1\n"}
            (tmp_path / f"{name}-1.0.0.tgz").write_bytes(npm_tarball(manifest, files))
        result = scan(
            [str(tmp_path)], ScanOptions(jobs=1, offline=False, analyzer_options=server.options())
        )
    finally:
        server.close()
    young = {
        Path(f.location.path).name: f
        for f in result.findings
        if f.code == "PKG032"  # first published days ago
    }
    assert set(young) == {"fresh-hook-1.0.0.tgz", "fresh-plain-1.0.0.tgz"}
    assert young["fresh-hook-1.0.0.tgz"].severity.label == "high"
    assert "its own code scores 5/10" in young["fresh-hook-1.0.0.tgz"].message
    assert young["fresh-plain-1.0.0.tgz"].severity.label == "medium"
    assert "own code" not in young["fresh-plain-1.0.0.tgz"].message
    verdicts = {
        Path(f.location.path).name: f.severity.label for f in result.findings if f.code == "PKG020"
    }
    assert verdicts.get("steady-hook-1.0.0.tgz") == "medium"  # offline verdict, not raised
