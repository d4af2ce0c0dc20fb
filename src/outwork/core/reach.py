"""Where a file sits in a package: the test, example and documentation folders of a package that
its installer never runs, told apart from the package's own code.

Shared by the layers that weigh what a package's tests hold less than what its code does: the
packages layer (which also knows which test modules the package's code imports), and the layers
that judge one file at a time (an identity document, an archive member's name). Folder names
are read as whole words (``unit_tests``, ``test-data``, ``docs_src``), never as fragments:
``latest/``, ``contest/`` and ``docker/`` are code like any other. A package cannot lower its
own code by calling itself a test: its root folder (``NAME-VERSION/`` of an sdist) and the
folder named like the distribution never count.
"""

from __future__ import annotations

import re

from outwork.core.artifact import INSTALLED_PACKAGE_FOLDERS, MEMBER_SEP, PACKAGE_SUFFIXES

#: Words that name a folder of code the package does not import (tests, examples, docs).
TEST_WORDS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "unittest",
        "unittests",
        "testdata",
        "example",
        "examples",
        "doc",
        "docs",
        "documentation",
        "bench",
        "benches",
        "benchmark",
        "benchmarks",
        "demo",
        "demos",
        "sample",
        "samples",
    }
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_SEPARATORS = re.compile(r"[-_.]+")
#: A version after a distribution's name in an archive's or a root folder's name.
_VERSION = re.compile(r"^(?P<name>.+?)-(?P<version>v?\d[\w.+!-]*)$")


def names_tests(name: str) -> bool:
    """Whether a folder or module name is, word by word, one of :data:`TEST_WORDS`."""
    return any(word in TEST_WORDS for word in _WORD_SPLIT.split(name.lower()))


#: Suffixes of documentation: read by people and rendered by sites, run by nothing that finds
#: it by this name (a script that starts one by path is another matter, judged there).
DOCUMENTATION_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc")
#: Names of documentation files, whatever their suffix (``README``, ``CHANGELOG.txt``).
DOCUMENTATION_STEMS = frozenset(
    {"readme", "changelog", "changes", "history", "license", "licence", "authors", "notice"}
)


def names_documentation(name: str) -> bool:
    """Whether a file's name says documentation: a Markdown, reST or AsciiDoc file, or a
    README, CHANGELOG, LICENSE... with no suffix or a text one."""
    lower = name.rsplit("/", 1)[-1].lower()
    if lower.endswith(DOCUMENTATION_SUFFIXES):
        return True
    stem, dot, suffix = lower.partition(".")
    return stem in DOCUMENTATION_STEMS and (not dot or suffix == "txt")


def _canonical(name: str) -> str:
    return _SEPARATORS.sub("_", name.lower())


def _distribution(archive: str) -> str:
    """The distribution an archive's file name names: ``botocore`` of ``botocore-1.44.5.tar.gz``
    and of ``botocore-1.44.5-py3-none-any.whl``."""
    name = archive.rsplit("/", 1)[-1]
    for suffix in sorted(PACKAGE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    if archive.lower().endswith(".whl"):
        return name.split("-", 1)[0]
    match = _VERSION.match(name)
    return match.group("name") if match else name


def _own(folder: str, distribution: str) -> bool:
    """The package's own folder: its sdist root (``NAME-VERSION``) or its import package."""
    wanted = _canonical(distribution)
    match = _VERSION.match(folder)
    stem = match.group("name") if match else folder
    return bool(wanted) and _canonical(stem) == wanted


def package_folders(path: str) -> list[str] | None:
    """The folders of a file below the package that holds it, the package's own ones left out:
    for a member of a package archive (an sdist, a wheel, an npm tarball, at any depth), the
    folders inside the outermost such archive; for a file of an installed tree, those below
    ``site-packages``/``node_modules`` and the package's folder. None outside any package."""
    if MEMBER_SEP in path:
        chain = path.split(MEMBER_SEP)
        for index, container in enumerate(chain[:-1]):
            if container.lower().endswith(PACKAGE_SUFFIXES):
                inside = "/".join(chain[index + 1 :]).split("/")[:-1]
                distribution = _distribution(container)
                return [p for p in inside if p and p != "." and not _own(p, distribution)]
    parts = path.replace(MEMBER_SEP, "/").split("/")[:-1]
    last = max((i for i, p in enumerate(parts) if p in INSTALLED_PACKAGE_FOLDERS), default=None)
    if last is None:
        return None
    below = parts[last + 1 :]
    skip = 2 if below and below[0].startswith("@") else 1  # an npm scope, then the package
    return below[skip:]


def in_package_tests(path: str) -> bool:
    """Whether a file sits in a test, example or documentation folder of a package: data its
    installer never runs and its users' configuration never is."""
    folders = package_folders(path)
    return folders is not None and any(names_tests(folder) for folder in folders)


__all__ = [
    "DOCUMENTATION_SUFFIXES",
    "TEST_WORDS",
    "in_package_tests",
    "names_documentation",
    "names_tests",
    "package_folders",
]
