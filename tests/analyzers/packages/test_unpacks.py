"""What a package's own code unpacks (:mod:`outwork.analyzers.packages.unpacks`), as the reach
the packages layer hands on: by the archive's name where the code tells it, any archive where
it does not."""

from __future__ import annotations

from outwork.analyzers.packages.package import analyze_files, read_archive
from outwork.analyzers.packages.unpacks import pattern
from tests.analyzers.packages.helpers import sdist


def test_the_pattern_of_an_archive_path() -> None:
    assert pattern("tests/data.tar") == "data.tar"
    assert pattern("?/tests/data.tar") == "data.tar"
    assert pattern("?/tests/?.tar") == "*.tar"
    assert pattern("C:\\pkg\\tests\\bad.zip") == "bad.zip"
    for unknown in ("", "?", "?/?", " ? ", "?/?.?"):
        assert pattern(unknown) == "*"


def _unpacks(setup: str, module: str = "") -> tuple[tuple[str, str], ...]:
    members = {
        "setup.py": setup,
        "unp/__init__.py": module,
        "tests/test_x.py": "import tarfile\ntarfile.open('tests/t.tar').extractall('/tmp')\n",
    }
    files = read_archive(sdist("unp", "1.0", members), "unp-1.0.tar.gz")
    assert files is not None
    return analyze_files(files).reach.unpacks


PLAIN = "from setuptools import setup\nsetup(name='unp', version='1.0')\n"


def test_what_the_package_runs_is_read_for_extractions() -> None:
    assert _unpacks(PLAIN) == ()  # the test module's extraction is the tests'
    setup = (
        "import tarfile\nwith tarfile.open('tests/data.tar') as tf:\n    tf.extractall('b')\n"
        + PLAIN
    )
    assert _unpacks(setup) == (("data.tar", "unp-1.0/setup.py:3"),)
    module = (
        "import zipfile\nzf = zipfile.ZipFile(__path__[0] + '/../tests/' + NAME)\nzf.extract('x')\n"
    )
    assert [p for p, _ in _unpacks(PLAIN, module)] == ["*"]
    streamed = "import io, tarfile\ntarfile.open(fileobj=io.BytesIO(b'')).extractall()\n"
    assert [p for p, _ in _unpacks(PLAIN, streamed)] == ["*"]


def test_a_function_of_the_callers_archive_or_another_extract_is_not_unpacking() -> None:
    library = (
        "import tarfile\n\n\ndef unarchive(path, dest):\n    tarfile.open(path).extractall(dest)\n"
    )
    assert _unpacks(PLAIN, library) == ()
    other = "import re\nm = re.compile('x')\nm.extract = None\nresult = thing.extract('a')\n"
    assert _unpacks(PLAIN, other) == ()
