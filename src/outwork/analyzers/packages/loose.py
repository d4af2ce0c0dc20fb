"""Metadata checks on unpacked trees: the package metadata an archive would carry, met as loose
files.

A package archive is judged whole, its metadata included (typosquatting PKG010,
dependency-confusion versions PKG011, another project's repository PKG030, the verdict PKG020:
``package._metadata_signals``). The same package unpacked leaves that metadata as files of its
own, which this module judges with the same signals and weights:

- **installed**: ``site-packages/NAME-VER.dist-info/METADATA``, ``*.egg-info/PKG-INFO`` under
  ``site-packages`` or ``dist-packages``, ``NAME.egg/EGG-INFO/PKG-INFO``, and
  ``node_modules/NAME/package.json`` (``node_modules/@scope/NAME/package.json``). The package
  has already been installed: findings say so and tell the user to look at what it ran.
- **unpacked**: a ``PKG-INFO`` at the top of an unpacked sdist, a ``*.dist-info/METADATA``
  outside an environment (an unpacked wheel): a package, judged as its archive would be.
- **checkout**: a project's own ``pyproject.toml`` ``[project]``, ``setup.cfg`` ``[metadata]``,
  a ``package.json`` outside ``node_modules`` and a development ``*.egg-info``. Nobody installs a
  checkout by typing its name, and registries do not show its links, so what typosquatting and
  borrowed repositories are about is not in play yet: the signals are reported at low, for the
  record of what the project would claim once published, and give no verdict of their own.
  Where the folder also holds a ``PKG-INFO`` (an unpacked sdist) that file speaks for it.

Installed and unpacked packages get the package component (``pkg:pypi/NAME@VER``,
``pkg:npm/NAME@VER``, with the same purl the dependencies analyzer gives the same file, so
SBOMs merge them) and a verdict when the signals warrant one. The online registry checks of
installed packages come from the dependencies analyzer's components; the online module skips
components made of loose files, so a package is never looked up twice.
"""

from __future__ import annotations

import configparser
import enum
import itertools
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from outwork.analyzers.packages.package import (
    PackageFiles,
    Verdict,
    _metadata_signals,
    score_signals,
)
from outwork.analyzers.packages.signals import Signal
from outwork.core.analyzer import Emitted
from outwork.core.artifact import MEMBER_SEP, Artifact
from outwork.core.findings import Finding
from outwork.core.rules import Severity

#: Names of the loose metadata files this module reads (``package.json`` goes through the
#: analyzer's manifest path, which calls :func:`manifest_metadata`).
METADATA_NAMES = frozenset({"METADATA", "PKG-INFO", "pyproject.toml", "setup.cfg"})
ENVIRONMENT_DIRS = frozenset({"site-packages", "dist-packages"})
#: Largest metadata file read (a METADATA holds the long description too).
MAX_BYTES = 1 << 20
_HEAD = 65536
_BLANK_LINE = re.compile(r"\r?\n\r?\n")


class Role(enum.Enum):
    INSTALLED = "installed"
    UNPACKED = "unpacked"
    CHECKOUT = "checkout"


def accepts_name(path: str, name: str) -> bool:
    """Cheap test (name and parent folder) for the analyzer's ``accepts``: whether a loose file
    is package metadata this module reads."""
    if name not in METADATA_NAMES:
        return False
    parent = _parts(path)[-2:-1]
    folder = parent[0] if parent else ""
    if name == "METADATA":
        return folder.endswith(".dist-info")
    return True


def _parts(path: str) -> list[str]:
    return [p for p in path.replace(MEMBER_SEP, "/").split("/") if p and p != "."]


def _where(artifact: Artifact) -> list[str]:
    """The artifact's folders, from the file system when it is on disk (a relative target
    would hide the ``site-packages`` above it)."""
    if artifact.fs_path:
        # abspath: string work only, where resolve() would stat every folder up to the root
        return _parts(os.path.abspath(artifact.fs_path).replace(os.sep, "/"))  # noqa: PTH100
    return _parts(artifact.path)


def python_role(artifact: Artifact) -> Role | None:
    parts = _where(artifact)
    name = parts[-1] if parts else ""
    folder = parts[-2] if len(parts) >= 2 else ""
    installed = any(p in ENVIRONMENT_DIRS for p in parts[:-1])
    if "node_modules" in parts[:-1]:
        return None  # a Python project vendored as data of an npm package
    if name == "METADATA":
        return Role.INSTALLED if installed else Role.UNPACKED
    if name == "PKG-INFO":
        if folder == "EGG-INFO" or (installed and folder.endswith(".egg-info")):
            return Role.INSTALLED
        if folder.endswith(".egg-info"):
            # development metadata (``pip install -e``, ``setup.py egg_info``, or the egg-info an
            # sdist carries): the project's own files beside it speak for it
            if artifact.fs_path and _beside_project(Path(artifact.fs_path).parent.parent):
                return None
            return Role.CHECKOUT
        return Role.UNPACKED
    if installed:
        return None  # a pyproject.toml or setup.cfg shipped as data of an installed package
    if artifact.fs_path and (Path(artifact.fs_path).parent / "PKG-INFO").is_file():
        return None  # an unpacked sdist: its PKG-INFO speaks for the project
    return Role.CHECKOUT


def _beside_project(folder: Path) -> bool:
    for base in (folder, folder.parent):
        if any(
            (base / n).is_file() for n in ("setup.py", "pyproject.toml", "setup.cfg", "PKG-INFO")
        ):
            return True
    return False


def npm_role(artifact: Artifact) -> Role | None:
    """``node_modules/NAME/package.json`` is installed; a manifest deeper inside an installed
    package (its tests, fixtures, examples) is none; any other is a project's own."""
    parts = _where(artifact)
    if "node_modules" not in parts[:-1]:
        return Role.CHECKOUT
    if len(parts) >= 3 and parts[-3] == "node_modules":
        return Role.INSTALLED
    if len(parts) >= 4 and parts[-4] == "node_modules" and parts[-3].startswith("@"):
        return Role.INSTALLED
    return None


# --- reading the metadata ----------------------------------------------------------------------


def _pkg_info(name: str, version: str, urls: Iterable[tuple[str, str]]) -> str:
    """A PKG-INFO holding what a checkout's configuration says, for the shared checks."""
    lines = ["Metadata-Version: 2.1", f"Name: {name}"]
    if version:
        lines.append(f"Version: {version}")
    for label, url in urls:
        lines.append(
            f"Home-page: {url}" if label == "Home-page" else f"Project-URL: {label}, {url}"
        )
    return "\n".join(lines) + "\n"


def _one_line(value: object) -> str:
    text = str(value).strip()
    return "" if "\n" in text or "\r" in text else text


def _from_pyproject(text: str) -> tuple[str, str, str] | None:
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    project = doc.get("project")
    if not isinstance(project, dict):
        return None
    name = _one_line(project.get("name") or "")
    if not name:
        return None
    version = project.get("version")
    version = _one_line(version) if isinstance(version, str) else ""
    urls = project.get("urls")
    pairs = (
        [(_one_line(k), _one_line(v)) for k, v in urls.items() if isinstance(v, str)]
        if isinstance(urls, dict)
        else []
    )
    return name, version, _pkg_info(name, version, [(k, v) for k, v in pairs if k and v][:64])


def _from_setup_cfg(text: str) -> tuple[str, str, str] | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_section("metadata"):
        return None
    meta = parser["metadata"]
    name = _one_line(meta.get("name", ""))
    if not name:
        return None
    version = _one_line(meta.get("version", ""))
    pairs: list[tuple[str, str]] = []
    for key in ("url", "home_page", "home-page", "download_url"):
        url = _one_line(meta.get(key, "")).split()
        if url:
            pairs.append(("Home-page", url[0]))  # what follows a space is a comment
    for line in meta.get("project_urls", "").splitlines():
        label, _, value = line.partition("=")
        url = value.split()
        if url:
            pairs.append((label.strip() or "Source", url[0]))
    return name, version, _pkg_info(name, version, pairs[:64])


def _from_headers(text: str) -> tuple[str, str, str] | None:
    """Name and version of a header block (a plain scan: the email parser costs more than the
    rest of the checks, and ``repository`` parses the links with it anyway)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon and key in ("Name", "Version") and key not in found:
            found[key] = value.strip()
    name = found.get("Name", "")
    if not name:
        return None
    return name, found.get("Version", ""), text


# --- judging -----------------------------------------------------------------------------------


_INSTALLED_REMEDIATION = {
    "pypi": (
        "This package is already installed, so whatever it runs at install and import time has"
        " had its chance to run. If it is not the package you meant, uninstall it, review the"
        " files its RECORD lists (and any .pth file) for what they did, and rotate the"
        " credentials reachable from this environment."
    ),
    "npm": (
        "This package is already installed, so its install scripts have run. If it is not the"
        " package you meant, remove it from node_modules and the lockfile, review its lifecycle"
        " scripts for what they did, and rotate the credentials reachable from this machine."
    ),
}


def _adapt(signals: list[Signal], role: Role) -> list[Signal]:
    out: list[Signal] = []
    for s in signals:
        if role is Role.CHECKOUT:
            s = replace(
                s,
                severity=min(s.severity, Severity.LOW),
                message=s.message + " (a source checkout's own metadata)",
            )
        elif role is Role.INSTALLED and s.severity >= Severity.MEDIUM:
            s = replace(s, message=s.message + " (already installed)")
        out.append(s)
    return out


def _locate(
    signals: list[Signal], text: str, name: str, version: str, *, remap: bool
) -> list[Signal]:
    """Lines in the file itself: the name for PKG010, the version for PKG011, and with
    ``remap`` (a checkout's configuration, judged through a PKG-INFO made of it) the URL for
    PKG030."""
    lines = text[:_HEAD].splitlines()

    def find(needle: str, key: str) -> int | None:
        return next(
            (
                i
                for i, line in enumerate(lines, 1)
                if needle and needle in line and key in line.lower()
            ),
            None,
        )

    out: list[Signal] = []
    for s in signals:
        line = s.line
        if s.rule.code == "PKG010" and line is None:
            line = find(name, "name")
        elif s.rule.code == "PKG011" and line is None:
            line = find(version, "version")
        elif remap and s.line is not None:
            line = find(s.evidence.split(": ", 1)[-1], "")
        out.append(replace(s, line=line))
    return out


def analyze_metadata(artifact: Artifact) -> Iterator[Emitted]:
    """A loose ``METADATA``, ``PKG-INFO``, ``pyproject.toml`` or ``setup.cfg``."""
    role = python_role(artifact)
    if role is None or artifact.size > MAX_BYTES:
        return
    text = artifact.text()
    name = artifact.name
    if name in ("METADATA", "PKG-INFO"):
        # the headers end at the first blank line; the long description after it is not read
        end = _BLANK_LINE.search(text, 0, _HEAD)
        text = text[: end.start() + 1] if end else text[:_HEAD]
    if name == "pyproject.toml":
        parsed = _from_pyproject(text)
    elif name == "setup.cfg":
        parsed = _from_setup_cfg(text)
    else:
        parsed = _from_headers(text)
    if parsed is None:
        return
    project, version, info = parsed
    texts = {"PKG-INFO": info}
    if role is Role.INSTALLED and artifact.fs_path:
        signals = _metadata_signals("pypi", project, version, PackageFiles(name, texts))
        if _needs_install_code(signals):
            texts.update(dict.fromkeys(_pth_files(Path(artifact.fs_path)), ""))
    signals = _metadata_signals("pypi", project, version, PackageFiles(name, texts))
    signals = _locate(signals, text, project, version, remap=info is not text)
    yield from _judged("pypi", project, version, _adapt(signals, role), role)


def manifest(
    artifact: Artifact, text: str, behaviour: list[Signal], name: str, version: str
) -> Iterator[Emitted]:
    """A loose ``package.json``: its lifecycle-script signals (``behaviour``) with the metadata
    signals graded by where it lies. An installed package gets its component and verdict, as a
    tarball does; a manifest inside an installed package (tests, fixtures) no metadata checks;
    any other manifest a verdict only when its scripts show something."""
    from outwork.analyzers.packages.analysis import _emit, _verdict  # analysis imports loose

    role = npm_role(artifact)
    signals = list(behaviour)
    if role is not None and name:
        files = PackageFiles("package.json", {"package.json": text})
        meta = _metadata_signals("npm", name, version, files)
        signals += _adapt(_locate(meta, text, name, version, remap=False), role)
    if role is Role.INSTALLED and name:
        yield from _judged("npm", name, version, signals, role)
        return
    yield from _emit(signals, rebase=False)
    if behaviour:
        score, severity, reasons = score_signals(signals)
        yield from _verdict(
            Verdict("npm", name or artifact.name, version, score, severity, signals, reasons), ""
        )


def _needs_install_code(signals: list[Signal]) -> bool:
    """A borrowed repository weighs more with install-time code: worth reading RECORD for."""
    return any(s.rule.code == "PKG030" and s.severity < Severity.HIGH for s in signals)


def _pth_files(metadata: Path) -> list[str]:
    """Top-level ``.pth`` files the installed distribution's RECORD lists."""
    record = metadata.parent / "RECORD"
    try:
        if record.stat().st_size > 8 << 20:
            return []
        text = record.read_text("utf-8", "replace")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        entry = line.split(",", 1)[0].strip()
        if entry.endswith(".pth") and "/" not in entry:
            out.append(entry)
    return out[:16]


def _judged(
    ecosystem: str, name: str, version: str, signals: list[Signal], role: Role
) -> Iterator[Emitted]:
    from outwork.analyzers.packages.analysis import _emit, _verdict  # analysis imports loose

    remediation = _INSTALLED_REMEDIATION[ecosystem] if role is Role.INSTALLED else ""
    emitted: Iterable[Emitted] = _emit(signals, rebase=False)
    if role is not Role.CHECKOUT:  # a checkout's own metadata gets no verdict of its own
        score, severity, reasons = score_signals(signals)
        verdict = Verdict(ecosystem, name, version, score, severity, signals, reasons)
        emitted = itertools.chain(emitted, _verdict(verdict, ""))
    for item in emitted:
        if remediation and isinstance(item, Finding) and item.severity >= Severity.MEDIUM:
            item = replace(item, remediation=remediation)
        yield item
