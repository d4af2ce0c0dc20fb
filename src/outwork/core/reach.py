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

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from outwork.core.artifact import INSTALLED_PACKAGE_FOLDERS, MEMBER_SEP, PACKAGE_SUFFIXES
from outwork.core.findings import Finding, Location
from outwork.core.rules import Severity

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


#: The private component the packages layer gives each package archive it reads whole: what
#: of the package its installer and its code never run (:class:`PackageReach`).
REACH_COMPONENT = "_package-reach"
#: What a finding in code the package never runs says of where it sits.
TESTS_NOTE = "(in tests or examples)"
#: The pattern of an extraction whose archive the package's code does not tell: any archive.
ANY_ARCHIVE = "*"
UNPACKAGED_NOTE = "(in a script the package does not install)"


def in_tests(member: str, own: tuple[str, ...]) -> bool:
    """Whether a member of a package sits in a test, example or documentation folder below the
    package's own folders (``own``: folder prefixes, longest first)."""
    for prefix in own:
        if member.startswith(prefix):
            member = member[len(prefix) :]
            break
    return any(names_tests(part) for part in member.split("/")[:-1])


@dataclass(frozen=True, slots=True)
class PackageReach:
    """What of a package archive its installer and its code never run, as the packages layer
    finds it reading the package whole: the test and example modules its own code does not
    import, and the scripts of an sdist that no package of it holds (maintainer scripts no
    build installs and nothing imports, starts by path or declares). Members are named as in
    the archive (``name-1.0/tests/test_x.py``)."""

    #: The package's own folders (its root, its import package), which never count as tests.
    own: tuple[str, ...] = ()
    #: Test modules that the package's own code imports: they run as part of the package.
    imported: frozenset[str] = frozenset()
    #: Modules of an sdist that no package of it holds.
    unpackaged: frozenset[str] = frozenset()
    #: The archives the package's own code unpacks, as (pattern of the archive's file name,
    #: where: ``member:line``): its install code, its modules' top level, a module it runs.
    #: :data:`ANY_ARCHIVE` where an extraction's archive is not known (or the package's code
    #: was not read for extractions, the default): it may unpack anything the package ships.
    unpacks: tuple[tuple[str, str], ...] = ((ANY_ARCHIVE, ""),)

    def weighs_less(self, member: str) -> str | None:
        """The note of a member whose code the package never runs (a test or example module its
        code does not import, a script no package holds), or None for the package's code."""
        if member not in self.imported and in_tests(member, self.own):
            return TESTS_NOTE
        if member in self.unpackaged:
            return UNPACKAGED_NOTE
        return None

    def unpacked_by(self, member: str) -> str | None:
        """Where the package's code unpacks the archive ``member`` (``module:line``, "" when
        the archive of that extraction is not known), or None when nothing of it does."""
        name = member.rsplit("/", 1)[-1].lower()
        for pattern, where in self.unpacks:
            if fnmatch.fnmatchcase(name, pattern.lower()):
                return where
        return None

    def to_properties(self) -> dict[str, list[Any]]:
        return {
            "own": list(self.own),
            "imported": sorted(self.imported),
            "unpackaged": sorted(self.unpackaged),
            "unpacks": [list(pair) for pair in self.unpacks],
        }

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> PackageReach:
        def strings(key: str) -> list[str]:
            value = properties.get(key)
            return [str(v) for v in value] if isinstance(value, list) else []

        raw = properties.get("unpacks")
        unpacks = (
            tuple(
                (str(pair[0]), str(pair[1]))
                for pair in raw
                if isinstance(pair, list) and len(pair) == 2
            )
            if isinstance(raw, list)
            else ((ANY_ARCHIVE, ""),)
        )
        return cls(
            tuple(strings("own")),
            frozenset(strings("imported")),
            frozenset(strings("unpackaged")),
            unpacks,
        )


#: Rules about an archive member that lands outside the extraction folder (CORE002) or a
#: link out of the archive (CORE003), graded by :func:`grade_escapes`.
ESCAPE_RULES = frozenset({"CORE002", "CORE003"})
#: Archives the reader lists without decompressing a member whose name escapes (7z): nothing
#: of such a member was read, so its grade stays.
_UNREAD_ESCAPES = (".7z",)


def grade_escapes(findings: list[Finding], reaches: Mapping[str, PackageReach]) -> list[Finding]:
    """CORE002/CORE003 of a member of an archive nested in a package's test, example or
    documentation data, graded by what the package's code unpacks (``reaches``: each package
    archive's reach, by its path): an installer unpacks the package, never the archives it
    carries, so where neither it nor the package's code (install code, module top level, a
    module it runs) unpacks that archive, the finding is medium, its members read and
    analysed all the same (distlib's hostile test archives); where the code does, or may
    (an extraction whose archive is not known), it keeps its grade and names the code. The
    package's own members, an archive in its own folders, one in a repository or in a
    package whose code was not read, and a 7z member (not decompressed) keep their grade."""
    if not reaches:
        return findings
    return [_graded(f, reaches) for f in findings]


def _graded(found: Finding, reaches: Mapping[str, PackageReach]) -> Finding:
    if found.rule.code not in ESCAPE_RULES or found.severity < Severity.HIGH:
        return found
    chain = found.location.path.split(MEMBER_SEP)
    for index, container in enumerate(chain[:-1]):
        if container.lower().endswith(PACKAGE_SUFFIXES):
            package = MEMBER_SEP.join(chain[: index + 1])
            nested = chain[index + 1] if index + 2 < len(chain) else None
            break
    else:
        return found
    reach = reaches.get(package)
    if reach is None or nested is None or nested.lower().endswith(_UNREAD_ESCAPES):
        return found
    if not in_tests(nested, reach.own):
        return found
    where = reach.unpacked_by(nested)
    if where is not None:
        said = f"{where}" if where else "code whose archive is not known"
        module, _, line = where.rpartition(":")
        related = (
            (Location(f"{package}{MEMBER_SEP}{module}", int(line)),)
            if module and line.isdigit() and int(line) > 0
            else ()
        )
        return replace(
            found,
            message=f"{found.message} (the package's own code may unpack this archive: {said})",
            related=found.related + related,
            properties={**found.properties, "unpacked_by": where},
        )
    return replace(
        found,
        severity=Severity.MEDIUM,
        message=f"{found.message} (an archive in the package's test data that neither its"
        " installer nor its code unpacks; its members are read and analysed all the same)",
        properties={**found.properties, "package_reach": "not unpacked"},
    )


__all__ = [
    "ANY_ARCHIVE",
    "DOCUMENTATION_SUFFIXES",
    "ESCAPE_RULES",
    "REACH_COMPONENT",
    "TESTS_NOTE",
    "TEST_WORDS",
    "UNPACKAGED_NOTE",
    "PackageReach",
    "grade_escapes",
    "in_package_tests",
    "in_tests",
    "names_documentation",
    "names_tests",
    "package_folders",
]
