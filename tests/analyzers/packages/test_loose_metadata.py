"""Metadata checks on unpacked trees: installed site-packages and node_modules, unpacked sdists,
source checkouts (``loose.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.packages import PackageAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Severity
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.packages.registry_server import Registry, npm_doc, pypi_doc


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _metadata(name: str, version: str, *headers: str) -> str:
    return "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *headers])


def _scan(root: Path, options: ScanOptions | None = None) -> ScanResult:
    return scan([str(root)], options or ScanOptions(jobs=1))


def _pkg(result: ScanResult) -> dict[tuple[str, str], Finding]:
    """PKG findings by (code, path relative to the scanned folder's parent)."""
    return {
        (f.code, "/".join(Path(f.location.path).parts[-3:])): f
        for f in result.findings
        if f.code.startswith("PKG")
    }


def _components(result: ScanResult, analyzer: str | None = None) -> list[dict[str, object]]:
    out = []
    for art in result.artifacts:
        for c in art.properties.get("components", ()):
            own = "outwork:risk-score" in (c.get("properties") or {})
            if analyzer is None or (analyzer == "packages") == own:
                out.append(c)
    return out


def test_installed_typosquat_naming_the_real_projects_repository(tmp_path: Path) -> None:
    """The issue's example: an installed ``reqeusts`` whose METADATA names psf/requests."""
    _write(
        tmp_path,
        {
            "site-packages/evil-1.0.dist-info/METADATA": _metadata(
                "reqeusts", "1.0", "Home-page: https://github.com/psf/requests"
            )
        },
    )
    result = _scan(tmp_path)
    found = _pkg(result)
    where = "site-packages/evil-1.0.dist-info/METADATA"
    squat, borrowed, verdict = (found[(c, where)] for c in ("PKG010", "PKG030", "PKG020"))
    assert squat.severity is Severity.MEDIUM and squat.location.line == 2
    assert "already installed" in squat.message
    assert borrowed.severity is Severity.HIGH and borrowed.location.line == 4
    assert verdict.severity is Severity.HIGH and verdict.subject == "pkg:pypi/reqeusts@1.0"
    assert all("already installed" in f.remediation for f in (squat, borrowed, verdict))
    # the same purl as the dependencies analyzer's inventory: one package in an SBOM
    assert {c["purl"] for c in _components(result, "packages")} == {"pkg:pypi/reqeusts@1.0"}
    assert {c["purl"] for c in _components(result, "dependencies")} == {"pkg:pypi/reqeusts@1.0"}


def test_installed_purls_match_the_dependencies_analyzer(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "lib/site-packages/Flask_Login-0.6.3.dist-info/METADATA": _metadata(
                "Flask_Login", "0.6.3+local"
            ),
            "node_modules/@acme/left.pad/package.json": json.dumps(
                {"name": "@acme/left.pad", "version": "1.0.0"}
            ),
        },
    )
    result = _scan(tmp_path)
    ours = sorted(str(c["purl"]) for c in _components(result, "packages"))
    theirs = sorted(str(c["purl"]) for c in _components(result, "dependencies"))
    assert ours == theirs and len(ours) == 2
    assert not _pkg(result)  # nothing to say about either


def test_a_checkout_reports_its_own_metadata_low_without_a_verdict(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "proj/pyproject.toml": '[project]\nname = "reqeusts"\nversion = "999.0"\n'
            '[project.urls]\nSource = "https://github.com/psf/requests"\n',
            "web/package.json": json.dumps({"name": "lodahs", "version": "1.0.0"}, indent=1),
        },
    )
    result = _scan(tmp_path)
    found = _pkg(result)
    assert {k[0] for k in found} == {"PKG010", "PKG011", "PKG030"}
    assert all(f.severity is Severity.LOW for f in found.values())
    assert found[("PKG030", f"{tmp_path.name}/proj/pyproject.toml")].location.line == 5
    assert found[("PKG010", f"{tmp_path.name}/web/package.json")].location.line == 2
    assert not _components(result, "packages")


def test_egg_info_of_a_checkout_is_not_judged_again(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup()\n",
            "src/reqeusts.egg-info/PKG-INFO": _metadata("reqeusts", "1.0"),
        },
    )
    assert not _pkg(_scan(tmp_path))


def test_a_pth_file_in_record_raises_the_borrowed_repository(tmp_path: Path) -> None:
    files = {
        "site-packages/http_magic_tool-1.0.dist-info/METADATA": _metadata(
            "http-magic-tool", "1.0", "Home-page: https://github.com/psf/requests"
        )
    }
    plain = _pkg(_scan(_write(tmp_path / "a", files)))
    key = ("PKG030", "site-packages/http_magic_tool-1.0.dist-info/METADATA")
    assert plain[key].severity is Severity.MEDIUM
    files["site-packages/http_magic_tool-1.0.dist-info/RECORD"] = (
        "http_magic_tool/__init__.py,sha256=x,1\nhttp_magic_tool-init.pth,sha256=y,2\n"
    )
    raised = _pkg(_scan(_write(tmp_path / "b", files)))
    assert raised[key].severity is Severity.HIGH
    assert "runs code at install time" in raised[key].message


def test_online_checks_installed_packages_once(tmp_path: Path) -> None:
    """The registry checks reach installed packages through the dependencies analyzer's
    inventory; the offline PKG030 from the installed METADATA is not repeated online."""
    _write(
        tmp_path,
        {
            "site-packages/http_magic_tool-1.0.dist-info/METADATA": _metadata(
                "http-magic-tool", "1.0", "Home-page: https://github.com/psf/requests"
            )
        },
    )
    server = Registry()
    borrowed = {"Source": "https://github.com/psf/requests"}
    server.pypi(pypi_doc("http-magic-tool", {"1.0": 3}, borrowed))
    try:
        options = ScanOptions(
            jobs=1, offline=False, select=("PKG",), analyzer_options=server.options()
        )
        result = _scan(tmp_path, options)
    finally:
        server.close()
    codes = sorted(f.code for f in result.findings if f.code.startswith("PKG"))
    assert codes.count("PKG030") == 1
    assert "PKG032" in codes  # first release days ago: the online check ran
    assert server.requests == ["/pypi/http-magic-tool/json"]


def test_a_projects_verdict_does_not_hide_its_dependencies_online(tmp_path: Path) -> None:
    """Only the installed package's own metadata stands in for the registry's PKG030: the
    dependencies a project manifest declares are still judged online."""
    manifest = {
        "name": "app",
        "version": "1.0.0",
        "scripts": {"postinstall": "node setup.js"},
        "dependencies": {"quick-date-helper": "1.0.0"},
    }
    _write(tmp_path, {"package.json": json.dumps(manifest, indent=2)})
    server = Registry()
    server.npm(npm_doc("quick-date-helper", {"1.0.0": 900}, "git+https://github.com/lodash/lodash"))
    try:
        options = ScanOptions(
            jobs=1, offline=False, select=("PKG",), analyzer_options=server.options()
        )
        result = _scan(tmp_path, options)
    finally:
        server.close()
    borrowed = [f for f in result.findings if f.code == "PKG030"]
    assert len(borrowed) == 1 and "dependency 'quick-date-helper'" in borrowed[0].message
    assert any(f.code == "PKG020" for f in result.findings)  # the project's own verdict


def test_accepts_loose_metadata_by_name() -> None:
    analyzer = PackageAnalyzer()

    def art(path: str, kind: Kind = Kind.TEXT) -> Artifact:
        return Artifact(path, kind, 10, data=b"x" * 10)

    assert not analyzer.accepts(art("project/README"))
    assert not analyzer.accepts(art("project/METADATA"))  # not in a .dist-info folder
    assert analyzer.accepts(art("site-packages/a-1.dist-info/METADATA"))
    assert analyzer.accepts(art("site-packages/a.egg-info/PKG-INFO"))
    assert analyzer.accepts(art("proj/setup.cfg"))
    assert analyzer.accepts(art("proj/pyproject.toml", Kind.TOML))
    assert not analyzer.accepts(art("site-packages/a-1.dist-info/METADATA", Kind.BINARY))


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["METADATA", "PKG-INFO", "pyproject.toml", "setup.cfg"]),
    body=st.text(max_size=400),
)
def test_hostile_metadata_never_crashes(name: str, body: str) -> None:
    folder = "x-1.dist-info/" if name == "METADATA" else ""
    data = body.encode("utf-8", "replace")
    artifact = Artifact(f"site/{folder}{name}", Kind.TEXT, len(data), data=data)
    analyzer = PackageAnalyzer()
    assert analyzer.accepts(artifact)
    list(analyzer.analyze(artifact, AnalysisContext()))


def test_deeply_nested_pyproject_is_skipped_not_a_crash(tmp_path: Path) -> None:
    _write(tmp_path, {"proj/pyproject.toml": "a = " + "[" * 50_000 + "]" * 50_000 + "\n"})
    result = _scan(tmp_path)
    assert not result.errors and not _pkg(result)
