"""The packages analyzer's implementation, loaded on first use (see the package's ``__init__``).

The packages layer (PKG): poisoned PyPI and npm packages, caught before they are installed.

Two ways in. A package archive (sdist, wheel, egg, npm tarball) is read member by member from
its file, within budgets, keeping only source and metadata, so that install-time reasoning can
follow ``setup.py`` into the modules it imports and the verdict covers the package; its members
are then not analysed again one by one.
Loose files of an unpacked tree (a checkout, site-packages, node_modules) are analysed one at a
time, with ``setup.py`` reading the sibling modules it imports through the file system.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from outwork.analyzers.packages import loose, online, syntax, typosquat
from outwork.analyzers.packages.jsscan import scan_javascript, scan_package_json
from outwork.analyzers.packages.package import (
    MEMBER_NEEDS,
    Limits,
    Verdict,
    analyze_files,
    looks_like_package_name,
    read_archive,
    score_signals,
)
from outwork.analyzers.packages.pyscan import PythonScanner, owner_names, scan_pth
from outwork.analyzers.packages.rules import PackageRiskVerdict
from outwork.analyzers.packages.signals import Context, Signal
from outwork.analyzers.packages.stores import on_disk
from outwork.core.analyzer import AnalysisContext, Component, Emitted
from outwork.core.artifact import (
    ARCHIVE_KINDS,
    MEMBER_SEP,
    OS_PACKAGE_FILE,
    Artifact,
    Kind,
    MemberNeeds,
)
from outwork.core.budgets import Budgets
from outwork.core.findings import Fact, Finding, finding
from outwork.core.reach import REACH_COMPONENT, names_documentation
from outwork.core.rules import Severity
from outwork.core.syntaxwindows import window_bytes


def accepts(artifact: Artifact) -> bool:
    if "container-image" in artifact.tags:
        return False  # an image is no package: its layers' files come one by one
    if OS_PACKAGE_FILE in artifact.tags:
        return False  # an OS package's own file, as recorded: no PyPI or npm package's code
    if "image-layer" not in artifact.tags and _inside_package_archive(artifact.path):
        return False  # the archive itself is judged whole (an image's tar is no package)
    if artifact.kind in ARCHIVE_KINDS:
        return looks_like_package_name(artifact.name) or artifact.kind is Kind.ZIP
    if artifact.kind is Kind.JSON:
        return artifact.name == "package.json"
    if loose.accepts_name(artifact.path, artifact.name):
        return artifact.kind not in (Kind.BINARY, Kind.EMPTY)
    if artifact.kind is Kind.TEXT:
        return executed_documentation(artifact)
    return artifact.kind in (Kind.PYTHON, Kind.JAVASCRIPT) and not unnamed_documentation(artifact)


#: What is searched for a documentation file's name: the code files of its installed package,
#: this many at most, this much of each.
NAMING_FILES = 2000
NAMING_BYTES = 1024 * 1024
_NAMING_SUFFIXES = (".py", ".pyw", ".pth", ".js", ".cjs", ".mjs", ".sh", ".bat", ".cmd", ".ps1")
#: A line of Python code: what a document a module runs with ``exec`` would hold.
_PYTHON_LINE = re.compile(
    rb"^\s*(?:import\s+[\w.]+|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+[\s(:]|\w+\s*\()",
    re.M,
)


def unnamed_documentation(artifact: Artifact) -> bool:
    """A README (Markdown, reST...) of an installed package whose code blocks read as Python or
    JavaScript, and that no code file of its package names: documentation, which nothing imports
    or runs by that name. One that a module names (``exec(open(... "README.md").read())``) or
    a script starts (``node README.md``) is read as code, as is one whose package is too large
    to search, or that lies outside an installed package."""
    return names_documentation(artifact.name) and _named_by_package(artifact) is False


def executed_documentation(artifact: Artifact) -> bool:
    """A document of an installed Python package (classified as text by its name) that holds
    lines of Python and that a code file of its package names: a module may run it
    (``exec(open(os.path.join(here, "README.md")).read())``), so it is read as a module."""
    if not names_documentation(artifact.name) or not artifact.fs_path:
        return False
    parts = Path(artifact.fs_path).parts
    if not any(part in loose.ENVIRONMENT_DIRS for part in parts[:-1]):
        return False
    if not _PYTHON_LINE.search(artifact.read(NAMING_BYTES)):
        return False
    return _named_by_package(artifact) is True


def _named_by_package(artifact: Artifact) -> bool | None:
    """Whether a code file of the installed package holding the artifact names it; None when
    that cannot be told (no installed package around it, more code files than are searched)."""
    if not artifact.fs_path:
        return None
    parts = Path(artifact.fs_path).parts
    roots = [
        i for i, part in enumerate(parts[:-1]) if part in loose.ENVIRONMENT_DIRS | {"node_modules"}
    ]
    if not roots:
        return None
    top = roots[-1] + 1
    if top < len(parts) - 1 and parts[top].startswith("@"):
        top += 1  # an npm scope, then the package
    if top >= len(parts) - 1:
        return None  # directly in site-packages: no package of its own to search
    package = Path(*parts[: top + 1])
    needle = artifact.name.encode("utf-8", "surrogateescape")
    searched = 0
    for candidate in package.rglob("*"):
        if "node_modules" in candidate.relative_to(package).parts[:-1]:
            continue  # a package installed inside it is another package
        if not candidate.name.lower().endswith(_NAMING_SUFFIXES) or not candidate.is_file():
            continue
        searched += 1
        if searched > NAMING_FILES:
            return None
        try:
            with candidate.open("rb") as stream:
                if needle in stream.read(NAMING_BYTES):
                    return True
        except OSError:
            return None
    return False


def analyze(artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
    if artifact.kind in ARCHIVE_KINDS:
        yield from _archive(artifact, context.budgets)
    elif artifact.kind is Kind.JSON:
        yield from _loose_manifest(artifact, window_bytes(context.budgets))
    elif loose.accepts_name(artifact.path, artifact.name):
        yield from loose.analyze_metadata(artifact)
    elif artifact.kind is Kind.JAVASCRIPT:
        window = window_bytes(context.budgets)
        yield from _emit(scan_javascript(artifact.text(), "", Context.IMPORT, window), rebase=False)
    else:
        yield from _loose_python(artifact)


def member_needs(archive: Artifact) -> MemberNeeds | None:
    """What the walk of a package archive keeps of its members for :func:`_archive`."""
    return MEMBER_NEEDS if archive.kind in ARCHIVE_KINDS else None


def finish(
    components: Sequence[tuple[str, Component]], context: AnalysisContext
) -> Iterable[Finding]:
    """With ``--online``: the registry checks of every PyPI and npm package of the scan."""
    if context.offline:
        return ()
    return online.check(components, context)


def imitates(name: str, ecosystem: str) -> tuple[str, str] | None:
    """(popular name, how) when ``name`` imitates a popular package of ``ecosystem``."""
    squat = typosquat.check(name, ecosystem)
    return (squat.target, squat.how) if squat is not None else None


def _archive(artifact: Artifact, budgets: Budgets) -> Iterator[Emitted]:
    if artifact.members is not None:  # what the walk kept of them: not decompressed again
        files = read_archive(artifact.members, artifact.name, Limits(), budgets)
    else:
        with artifact.open() as stream:  # a file on disk is read member by member, not whole
            files = read_archive(stream, artifact.name, Limits(), budgets)
    if files is None:
        return
    verdict = analyze_files(files, window_bytes(budgets))
    yield from _emit(verdict.signals, rebase=True)
    yield from _verdict(verdict, "")
    # for the layers that judge the archive's members one at a time (tests, scripts)
    yield Component(REACH_COMPONENT, verdict.name, properties=verdict.reach.to_properties())


def _loose_manifest(artifact: Artifact, window: int) -> Iterator[Emitted]:
    text = artifact.text()
    signals, info = scan_package_json(text, "")
    base = Path(artifact.fs_path).parent if artifact.fs_path else None
    for target in info.get("install_files", []):
        if base is None:
            break
        candidate = (base / target).resolve()
        if (
            base.resolve() in candidate.parents
            and candidate.is_file()
            and candidate.stat().st_size < 8 << 20
        ):
            text = candidate.read_text("utf-8", "replace")
            inner = scan_javascript(text, "", Context.INSTALL, window)
            for s in inner:
                signals.append(
                    Signal(
                        s.rule,
                        s.severity,
                        f"{target}: {s.message}",
                        "",
                        None,
                        f"{target}:{s.line}: {s.evidence}",
                        s.context,
                        s.relations,
                    )
                )
    name, version = info.get("name"), info.get("version")
    yield from loose.manifest(
        artifact,
        text,
        signals,
        name if isinstance(name, str) else "",
        version if isinstance(version, str) else "",
    )


def _loose_python(artifact: Artifact) -> Iterator[Emitted]:
    text = artifact.text()
    name = artifact.name.lower()
    if name.endswith(".pth"):
        yield from _emit(scan_pth(text, ""), rebase=False)
        return
    is_setup = name == "setup.py"
    scanner = PythonScanner(
        text,
        "",
        Context.INSTALL if is_setup else Context.IMPORT,
        whole_file_context=is_setup,
        setup_script=is_setup,
        owners=owner_names(artifact.path),
        own_files=on_disk(artifact.fs_path) if artifact.fs_path else None,
    )
    scanner.run()
    signals = list(scanner.signals)
    if is_setup and artifact.fs_path:
        signals.extend(_sibling_modules(scanner, Path(artifact.fs_path).parent))
    yield from _emit(signals, rebase=False)
    if is_setup:
        score, severity, reasons = score_signals(signals)
        if severity is not None:
            folder = Path(artifact.fs_path).parent.name if artifact.fs_path else ""
            project, version = setup_identity(text, folder)
            yield from _verdict(
                Verdict("pypi", project, version, score, severity, signals, reasons), ""
            )


_FOLDER_VERSION_RE = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.!+]*)$")


def setup_identity(source: str, folder: str) -> tuple[str, str]:
    """The project name and version a loose ``setup.py`` declares (literal ``name=`` and
    ``version=`` of its ``setup()`` call), else read from its folder as an unpacked sdist names
    it (``NAME-VERSION``), else the folder's name and no version."""
    declared: dict[str, str] = {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and syntax.callee_name(node.func) == "setup":
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg in ("name", "version")
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and value.value.strip()
                ):
                    declared[keyword.arg] = value.value.strip()
    match = _FOLDER_VERSION_RE.match(folder)
    if "name" in declared:
        same = match is not None and _canonical(match.group("name")) == _canonical(declared["name"])
        folder_version = match.group("version") if match is not None and same else ""
        return declared["name"], declared.get("version", folder_version)
    if match:
        return match.group("name"), declared.get("version", match.group("version"))
    return folder or "setup.py", declared.get("version", "")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _sibling_modules(setup: PythonScanner, base: Path) -> list[Signal]:
    """What the local modules imported by ``setup.py`` run at install, reported on the import."""
    out: list[Signal] = []
    seen: set[Path] = set()
    for module in sorted(setup.imports | setup.relative_imports):
        rel = Path(*[p for p in module.split(".") if p])
        for candidate in (
            base / rel.with_suffix(".py"),
            base / rel / "__init__.py",
            base / "src" / rel.with_suffix(".py"),
            base / "src" / rel / "__init__.py",
        ):
            if candidate in seen or not candidate.is_file() or candidate.stat().st_size > 8 << 20:
                continue
            seen.add(candidate)
            inner = PythonScanner(candidate.read_text("utf-8", "replace"), "", Context.INSTALL)
            inner.run()
            line = setup.import_lines.get(module)
            for s in inner.signals:
                out.append(
                    Signal(
                        s.rule,
                        s.severity,
                        f"imported module {candidate.relative_to(base).as_posix()}: {s.message}",
                        "",
                        line,
                        f"line {s.line}: {s.evidence}",
                        s.context,
                        s.relations,
                    )
                )
    return out


def _inside_package_archive(path: str) -> bool:
    if MEMBER_SEP not in path:
        return False
    containers = path.split(MEMBER_SEP)[:-1]
    return any(looks_like_package_name(PurePosixPath(c).name) for c in containers)


def _emit(signals: list[Signal], *, rebase: bool) -> Iterator[Emitted]:
    for s in signals:
        yield finding(
            s.rule,
            s.message,
            line=s.line,
            path=s.path if rebase else "",
            severity=s.severity,
            evidence=s.evidence,
            properties={"context": s.context.name.lower()},
        )


def _verdict(verdict: Verdict, path: str) -> Iterator[Emitted]:
    purl = verdict.purl
    yield Component(
        "library",
        verdict.name,
        verdict.version or None,
        purl,
        properties={"outwork:risk-score": verdict.score},
    )
    if verdict.severity is None:
        return
    top = verdict.reasons[0] if verdict.reasons else ""
    yield finding(
        PackageRiskVerdict,
        f"{' '.join(filter(None, (verdict.name, verdict.version)))}: risk {verdict.score:g}/10"
        f" ({verdict.severity.label}): {top}",
        path=path,
        severity=verdict.severity,
        evidence="; ".join(verdict.reasons),
        subject=purl,
        properties={"score": verdict.score, "reasons": verdict.reasons},
    )
    relations = {r for s in verdict.signals for r in s.relations if s.severity >= Severity.HIGH}
    if relations:
        yield Fact("entry:public-registry", "publishes", purl, proof=path)
    if "executes-at-install" in relations:
        yield Fact(purl, "executes-at-install", "jewel:host-code-execution", proof=top)
    if "exfiltrates" in relations:
        yield Fact(purl, "exfiltrates", "jewel:secret:environment", proof=top)
