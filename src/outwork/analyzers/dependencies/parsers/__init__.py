"""Lockfile and manifest parsers, chosen by file name (content decides only for SBOMs).

Every parser takes the file's text and returns a :class:`ParseResult`; none of them executes or
resolves anything, and each keeps the line where a dependency is declared.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from outwork.core import reference
from outwork.core.artifact import posix_name

if TYPE_CHECKING:
    from outwork.analyzers.dependencies.model import ParseResult

Parser = Callable[[str], "ParseResult"]
#: A parser, as ``module:function`` of this package (imported when a file of its kind is met),
#: and the keyword arguments it is called with.
_Spec = tuple[str, dict[str, Any]]

_REQUIREMENTS_RE = re.compile(
    r"^(requirements|constraints)[\w.-]*\.(txt|in)$|^[\w.-]*requirements\.txt$"
)
_PYLOCK_RE = re.compile(r"^pylock(\.[\w-]+)?\.toml$")
_SBOM_NAME_RE = re.compile(r"(\.cdx|\.spdx|\.sbom|^bom|^sbom)[\w.-]*\.json$")

_BY_NAME: dict[str, _Spec] = {
    "pyproject.toml": ("python:parse_pyproject", {}),
    "poetry.lock": ("python:parse_poetry_lock", {}),
    "uv.lock": ("python:parse_uv_lock", {}),
    "pdm.lock": ("python:parse_pdm_lock", {}),
    "pipfile.lock": ("python:parse_pipfile_lock", {}),
    "pipfile": ("python:parse_pipfile", {}),
    "package-lock.json": ("npm:parse_package_lock", {}),
    ".package-lock.json": ("npm:parse_package_lock", {"fmt": "node_modules/.package-lock.json"}),
    "npm-shrinkwrap.json": ("npm:parse_package_lock", {"fmt": "npm-shrinkwrap.json"}),
    "yarn.lock": ("npm:parse_yarn_lock", {}),
    "pnpm-lock.yaml": ("npm:parse_pnpm_lock", {}),
    "cargo.lock": ("others:parse_cargo_lock", {}),
    "go.mod": ("others:parse_go_mod", {}),
    "go.sum": ("others:parse_go_sum", {}),
    "gemfile.lock": ("others:parse_gemfile_lock", {}),
    "gems.locked": ("others:parse_gemfile_lock", {}),
    "composer.lock": ("others:parse_composer_lock", {}),
    "pom.xml": ("others:parse_pom", {}),
    "gradle.lockfile": ("others:parse_gradle_lockfile", {}),
    "buildscript-gradle.lockfile": ("others:parse_gradle_lockfile", {}),
    "packages.lock.json": ("others:parse_nuget_lock", {}),
    "pubspec.lock": ("others:parse_pubspec_lock", {}),
    "mix.lock": ("others:parse_mix_lock", {}),
    "bun.lock": ("others:parse_bun_lock", {}),
    "conan.lock": ("others:parse_conan_lock", {}),
}

#: Content markers that make a JSON file an SBOM whatever its name.
SBOM_MARKERS: tuple[bytes, ...] = (b'"bomFormat"', b'"spdxVersion"')


def parser_for(path: str) -> Parser | None:
    """The parser for a file, from its (logical) path; None when outwork has none."""
    spec = _spec_for(path)
    if spec is None:
        return None
    name, keywords = spec
    parser: Parser = reference.load(f"{__name__}.{name}")
    return partial(parser, **keywords) if keywords else parser


def has_parser(path: str) -> bool:
    """Whether outwork has a parser for this file."""
    return _spec_for(path) is not None


def _spec_for(path: str) -> _Spec | None:
    member = path.rsplit("!/", 1)[-1]
    name = posix_name(member).lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if _PYLOCK_RE.match(name):
        return ("python:parse_pylock", {})
    if _REQUIREMENTS_RE.match(name) or (
        name.endswith((".txt", ".in")) and _parent(member) == "requirements"
    ):
        return ("python:parse_requirements", {"filename": name})
    if name == "metadata" and _parent(member).endswith(".dist-info"):
        return ("python:parse_metadata", {})
    if name == "pkg-info" and _parent(member).endswith(".egg-info"):
        return ("python:parse_metadata", {})
    if name == "package.json":
        parts = PurePosixPath(member).parts
        installed = (len(parts) >= 3 and parts[-3] == "node_modules") or (
            len(parts) >= 4 and parts[-4] == "node_modules" and parts[-3].startswith("@")
        )
        if not installed and "node_modules" in parts:
            return None  # a fixture or example inside an installed package, not a project
        return ("npm:parse_package_json", {"installed": installed})
    if name.endswith(".lockfile") and "dependency-locks" in PurePosixPath(member).parts:
        return ("others:parse_gradle_lockfile", {})
    if _SBOM_NAME_RE.search(name):
        return ("others:parse_sbom", {})
    return None


def _parent(member: str) -> str:
    return PurePosixPath(member).parent.name.lower()


def looks_like_sbom(head: bytes) -> bool:
    return any(marker in head for marker in SBOM_MARKERS)


__all__ = ["Parser", "has_parser", "looks_like_sbom", "parser_for"]
