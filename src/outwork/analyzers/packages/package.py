"""Package-level analysis: read an sdist, wheel or npm tarball in memory and judge it whole.

The archive is read through the sources' bounded reader, within the scan's budgets: only
source, metadata and the first bytes of every other member are kept. What runs at install time
is worked out from the package's structure (``setup.py``, the modules it imports, in-tree build
backends, ``.pth`` files, npm lifecycle scripts); everything else is judged by when it runs
(import or call).
"""

from __future__ import annotations

import configparser
import fnmatch
import gc
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import BinaryIO, Literal

from outwork.analyzers.packages import (
    combinations,
    destinations,
    opaque,
    repository,
    typosquat,
)
from outwork.analyzers.packages.data import STRONG_COMMAND_RE, WEAK_COMMAND_RE
from outwork.analyzers.packages.headers import first, metadata_headers
from outwork.analyzers.packages.jsscan import DEFAULT_WINDOW, scan_javascript, scan_package_json
from outwork.analyzers.packages.pyscan import PythonScanner, module_exports, scan_pth
from outwork.analyzers.packages.rules import (
    CredentialHarvesting,
    DependencyConfusionVersion,
    DisguisedExecutable,
    InstallTimeNetwork,
    NpmInstallScript,
    ObfuscatedCodeExecution,
    ObfuscationIndicators,
    PackageRiskVerdict,
    SecretExfiltration,
    SuspiciousCommandExecution,
    SuspiciousJavaScript,
    TyposquattingName,
    UnreadMember,
    javascript,
)
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.analyzers.packages.stores import OwnTree
from outwork.analyzers.packages.unpacks import Unpack
from outwork.core.artifact import Kind, MemberNeeds, ReadMember, classify
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding
from outwork.core.purl import purl
from outwork.core.reach import ANY_ARCHIVE, PackageReach, in_tests, names_tests
from outwork.core.rules import Severity
from outwork.sources.reader import ArchiveError, ArchiveStop, BudgetStop, Member, iter_members

#: Suffixes of archives the packages layer reads whole.
PACKAGE_SUFFIXES = (".whl", ".egg", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar")
SOURCE_SUFFIXES = (".py", ".pyw", ".pth", ".js", ".cjs", ".mjs", ".sh", ".bat", ".cmd", ".ps1")
JAVASCRIPT_SUFFIXES = (".js", ".cjs", ".mjs")
META_NAMES = frozenset(
    {"setup.py", "setup.cfg", "pyproject.toml", "pkg-info", "metadata", "package.json", "wheel"}
)
#: Members kept as text besides sources and metadata: what names the package's entry points.
KEPT_NAMES = META_NAMES | {"entry_points.txt", "binding.gyp"}
NATIVE_SOURCE_SUFFIXES = (
    ".c",
    ".cc",
    ".cpp",
    ".cxx",
    ".pyx",
    ".rs",
    ".go",
    ".f90",
    ".f",
    ".cu",
    ".h",
)
HONEST_BINARY_SUFFIXES = (
    ".so",
    ".dll",
    ".exe",
    ".dylib",
    ".pyd",
    ".node",
    ".bin",
    ".o",
    ".a",
    ".lib",
)
MEDIA_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".ico",
    ".bmp",
    ".wav",
    ".mp3",
    ".pdf",
    ".svg",
    ".ttf",
)
#: Members that hold no code by their name: documentation, media and data. What was not read
#: of them weighs less than unread code (:func:`unread_signals`).
INERT_SUFFIXES = (
    *MEDIA_SUFFIXES,
    ".txt",
    ".md",
    ".rst",
    ".csv",
    ".tsv",
    ".json",
    ".xml",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".html",
    ".htm",
    ".css",
    ".webp",
    ".tif",
    ".tiff",
    ".mp4",
    ".woff",
    ".woff2",
    ".otf",
    ".eot",
)
_VERSIONED_LIBRARY = re.compile(r"\.(so|dylib|dll)(\.\d+)+$")


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of one package archive the analysis keeps; what the archive may cost to read
    (members, bytes, ratio, time) is the scan's :class:`~outwork.core.budgets.Budgets`."""

    #: Bytes of source and metadata kept, all members together: the largest popular sdists
    #: carry up to about 190 MiB of them (ansible's collections); a package past it is
    #: reported unread (PKG017), never judged on what came first alone.
    text_bytes: int = 256 * 1024 * 1024
    #: Largest single source member kept.
    member_bytes: int = 16 * 1024 * 1024


#: Bytes of a member that is not kept as text read to tell what it holds.
HEAD_BYTES = 8192


class Texts(Mapping[str, str]):
    """The members of an archive kept as text, held as the bytes read and decoded (UTF-8, errors
    replaced) each time one is looked up. A ``str`` with a single character outside the Basic
    Multilingual Plane takes four bytes for each of its characters: the sources of a large
    package held as ``str`` took about twice the memory of their bytes (docs/benchmarks.md,
    "Issue 11"). Loops that look for a few members iterate the names and read only those."""

    def __init__(self) -> None:
        self._raw: dict[str, bytes] = {}

    def add(self, name: str, raw: bytes) -> None:
        self._raw[name] = raw

    def __getitem__(self, name: str) -> str:
        return self._raw[name].decode("utf-8", "replace")

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True, slots=True)
class Unread:
    """A member the packages layer did not read (whole), and why: reported (PKG017), never
    dropped in silence. ``member`` is empty where the reading of the archive itself stopped,
    so that the members after that point were never seen."""

    member: str
    reason: str
    #: Whether another finding already reports it (a carrier cut short: PKG016).
    reported: bool = False
    #: Whether it was left unread only for its size (past :attr:`Limits.member_bytes`).
    oversize: bool = False

    def __str__(self) -> str:
        if not self.member:
            return f"archive could not be read completely: {self.reason}"
        return f"{self.member}: {self.reason}"


#: ELF machines of GPU code objects (``EM_CUDA``, NVIDIA's ``.cubin`` kernels; ``EM_AMDGPU``,
#: AMD's code objects): a GPU driver loads them, no CPU runs them, and the host's kernel refuses
#: to execute an ELF of another machine, so no name makes one a disguised executable.
GPU_MACHINES = frozenset({190, 224})


def gpu_code(head: bytes) -> bool:
    """Whether an ELF header names a GPU's machine (:data:`GPU_MACHINES`)."""
    if len(head) < 20 or not head.startswith(b"\x7fELF") or head[5] not in (1, 2):
        return False
    order: Literal["little", "big"] = "little" if head[5] == 1 else "big"
    return int.from_bytes(head[18:20], order) in GPU_MACHINES


@dataclass(slots=True)
class PackageFiles:
    """What the packages layer keeps of one archive."""

    archive: str
    texts: Mapping[str, str] = field(default_factory=Texts)
    #: member -> (kind of its content, bytes read of it) for members not kept as text
    others: dict[str, tuple[Kind, int]] = field(default_factory=dict)
    #: what could not be read, or not read whole
    notes: list[Unread] = field(default_factory=list)
    is_wheel: bool = False
    #: member -> bytes kept of it: archives named as other files, native executables
    #: (:mod:`.opaque`)
    carriers: dict[str, bytes] = field(default_factory=dict)
    #: members that are GPU code objects (:func:`gpu_code`)
    gpu_code: set[str] = field(default_factory=set)


def looks_like_package_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(PACKAGE_SUFFIXES)


def member_bytes(name: str, head: bytes) -> int:
    """The most :func:`read_archive` reads of a member (with the default :class:`Limits`), from
    its name as the archive spells it and its first :data:`HEAD_BYTES` bytes: a source or
    metadata member up to the size kept as text, a carrier up to what :mod:`.opaque` opens,
    any other member its head."""
    lower = PurePosixPath(name).name.lower()
    if lower.endswith(SOURCE_SUFFIXES) or lower in KEPT_NAMES:
        return Limits().member_bytes + 1
    start = head[:HEAD_BYTES]
    if opaque.worth_keeping(classify(start, lower, len(start)), name):
        return max(opaque.MEMBER_BYTES, HEAD_BYTES)
    return HEAD_BYTES


#: What :func:`read_archive` reads of an archive's members, kept for it by the walk of the
#: archive (beyond the texts and carriers it keeps, and heads, it reads the archive itself).
MEMBER_NEEDS = MemberNeeds(
    member_bytes, Limits().text_bytes + opaque.PACKAGE_BYTES + 32 * 1024 * 1024
)


def read_archive(
    data: bytes | BinaryIO | tuple[ReadMember, ...],
    name: str,
    limits: Limits | None = None,
    budgets: Budgets | None = None,
    stops: list[Finding] | None = None,
) -> PackageFiles | None:
    """Members of a package archive, or None when it is not a package.

    ``stops``, when given, receives the finding of every budget that stopped the reading (a
    bomb, too many members), so that a caller reading outside the engine reports it.

    ``data`` is the archive's bytes, a seekable binary stream (a file on disk) or what the walk
    of the archive kept of its members (:data:`MEMBER_NEEDS`). Members come
    through the sources' bounded reader one at a time, each read only as far as needed (a
    source member whole, any other member its first bytes), so memory follows what is kept,
    not the archive's size. A member that cannot be read is noted and the next one read.
    """
    limits = limits or Limits()
    texts = Texts()
    files = PackageFiles(archive=name, texts=texts, is_wheel=name.lower().endswith(".whl"))
    budget = limits.text_bytes
    reserve = limits.member_bytes
    carrier_budget = opaque.PACKAGE_BYTES
    try:
        for member in iter_members(data, budgets, path=name):
            if not member.regular:
                continue
            if member.encrypted:
                # the sources report encrypted members (CORE005); nothing here can read them
                files.notes.append(Unread(member.name, "encrypted, not readable"))
                continue
            lower = PurePosixPath(member.name).name.lower()
            keep = lower.endswith(SOURCE_SUFFIXES) or lower in KEPT_NAMES
            try:
                content = member.read(limits.member_bytes + 1 if keep else HEAD_BYTES)
            except ArchiveStop:
                raise
            except ArchiveError as exc:
                files.notes.append(Unread(member.name, f"not readable ({exc})"))
                if stops is not None and isinstance(exc, BudgetStop):
                    stops.append(exc.finding)
                continue
            # metadata past the text budget is still kept, from a reserve of its own: without
            # it the archive would not be known as a package and its budget hit not reported
            meta = lower in META_NAMES and reserve >= len(content)
            if keep and len(content) <= limits.member_bytes and (budget > 0 or meta):
                if budget > 0:
                    budget -= len(content)
                else:
                    reserve -= len(content)
                texts.add(member.name, content)
            else:
                if keep:
                    why = not_kept_reason(content, limits, budget)
                    over = len(content) > limits.member_bytes
                    files.notes.append(Unread(member.name, why, oversize=over))
                kind = classify(content[:HEAD_BYTES], lower, len(content))
                files.others[member.name] = (kind, len(content))
                if kind is Kind.ELF and gpu_code(content[:HEAD_BYTES]):
                    files.gpu_code.add(member.name)
                if carrier_budget > 0 and opaque.worth_keeping(kind, member.name):
                    try:
                        whole = _read_on(member, content, min(opaque.MEMBER_BYTES, carrier_budget))
                    except ArchiveStop:
                        raise
                    except ArchiveError as exc:
                        # what was read is opened; the carrier's analysis reports it cut short
                        files.notes.append(
                            Unread(member.name, f"not readable to its end ({exc})", reported=True)
                        )
                        if stops is not None and isinstance(exc, BudgetStop):
                            stops.append(exc.finding)
                        whole = content
                    carrier_budget -= len(whole)
                    files.carriers[member.name] = whole
    except ArchiveError as exc:
        files.notes.append(Unread("", str(exc)))
        if stops is not None and isinstance(exc, BudgetStop):
            stops.append(exc.finding)
        if not files.texts and not files.others:
            return None
    if not any(PurePosixPath(m).name.lower() in META_NAMES for m in files.texts):
        return None
    return files


def not_kept_reason(content: bytes, limits: Limits, budget: int) -> str:
    """Why a source or metadata member was not kept as text (a budget of :class:`Limits`)."""
    if len(content) > limits.member_bytes:
        return (
            f"not analysed: larger than the {limits.member_bytes // (1024 * 1024)} MiB a source"
            " member may take"
        )
    return (
        f"not analysed: the package's sources passed the {limits.text_bytes // (1024 * 1024)}"
        " MiB kept of them"
    )


def _read_on(member: Member, head: bytes, limit: int) -> bytes:
    """A member's first ``limit`` bytes, ``head`` already read: a zip member reads again from
    its start, a tar member goes on where it stopped."""
    if len(head) < HEAD_BYTES:
        return head  # the whole member
    more = member.read(limit)
    if more[: len(head)] == head:
        return more
    return head + more[: max(0, limit - len(head))]


# --- judging a package -------------------------------------------------------------------------


@dataclass(slots=True)
class Verdict:
    """What the analysis of one package concluded, with the signals behind it."""

    ecosystem: str
    name: str
    version: str
    score: float
    severity: Severity | None
    signals: list[Signal]
    reasons: list[str]
    #: What of the package its installer and its code never run (for the layers judging one
    #: file at a time; empty where the package was not read whole).
    reach: PackageReach = field(default_factory=PackageReach)

    @property
    def purl(self) -> str:
        return purl(self.ecosystem, self.name, self.version or None)


class _CollectorPause:
    """The cyclic garbage collector off while a package is analysed.

    Syntax trees are millions of young container objects without cycles: the collector's
    passes over them cost about a tenth of the analysis and find almost nothing (a few hundred
    objects over all of the largest package of the benign set). Reference counting still frees
    each tree when its module is done. Nested and concurrent pauses share one switch, which is
    set back as it was found when the last one ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._was_enabled:
                    gc.enable()


collector_paused = _CollectorPause()


def analyze_files(files: PackageFiles, window: int = DEFAULT_WINDOW) -> Verdict:
    """The package's verdict; JavaScript parsed in syntax trees of at most ``window`` bytes of
    source (the scan's per-file memory budget)."""
    with collector_paused():
        return _analyze_files(files, window)


def _analyze_files(files: PackageFiles, window: int) -> Verdict:
    texts = files.texts
    npm_manifest = _npm_manifest(texts)
    if npm_manifest is not None:
        signals, name, version = _analyze_npm(files, npm_manifest, window)
        ecosystem = "npm"
        links: dict[str, set[str]] = {}
        unpackaged: frozenset[str] = frozenset()
        unpacked: list[tuple[str, Unpack]] | None = None  # not read for JavaScript: any
    else:
        signals, name, version, links, unpackaged, unpacked = _analyze_python(files)
        ecosystem = "pypi"
    signals.extend(_binaries(files, ecosystem))
    signals.extend(
        opaque.analyze(
            files.carriers,
            source_package=not files.is_wheel,
            pure=_claims_pure(files, ecosystem),
        )
    )
    if name:
        signals.extend(_metadata_signals(ecosystem, name, version, files))
        if ecosystem == "pypi":
            signals.extend(_shadow_signals(name, files, signals))
    own = _own_folders(files.texts, name or _name_from_archive(files.archive))
    # a test module that the package's own code imports runs as part of the package
    imported = frozenset(
        target
        for member, targets in links.items()
        if not in_tests(member, own)
        for target in targets
    )
    reach = PackageReach(own, imported, unpackaged)
    reach = replace(reach, unpacks=_unpacks(unpacked, reach))
    signals = [_lower_for_tests(s, reach) for s in signals]
    # an unread test module cannot be told apart from one the package imports: tests count as
    # tests only where the package's own code imports no test module at all
    imports_tests = any(not in_tests(member, own) for member in links)
    signals.extend(
        unread_signals(files.notes, signals, lambda m: not imports_tests and in_tests(m, own))
    )
    score, severity, reasons = score_signals(signals)
    return Verdict(
        ecosystem,
        name or _name_from_archive(files.archive),
        version,
        score,
        severity,
        signals,
        reasons,
        reach,
    )


def _unpacks(
    unpacked: list[tuple[str, Unpack]] | None, reach: PackageReach
) -> tuple[tuple[str, str], ...]:
    """What of the package its own code unpacks, as :attr:`PackageReach.unpacks`: the
    extractions of the code it runs (its install code, its modules, a test module it
    imports), an archive named by a pattern of its file name; one whose archive is not known
    counts at install and import time (``*``: any archive), not in a function that runs only
    when called, whose archive is its caller's. ``None`` (a package whose code was not read
    for extractions): any."""
    if unpacked is None:
        return ((ANY_ARCHIVE, ""),)
    found = {
        (u.pattern, f"{member}:{u.line}")
        for member, u in unpacked
        if reach.weighs_less(member) is None
        and (u.pattern != ANY_ARCHIVE or u.ctx is not Context.RUNTIME)
    }
    return tuple(sorted(found))


def unread_signals(
    notes: list[Unread], signals: list[Signal], in_tests: Callable[[str], bool]
) -> list[Signal]:
    """PKG017 for what the archive's reading left unread (``notes``), judged beside the
    package's other ``signals``: a member that may hold code, or a stop of the reading
    itself, is high; a data member is medium when the rest of the package was read and found
    clean (nothing of medium weight), high otherwise; code in a test or example folder that
    nothing of the package imports (``in_tests``) is medium, as what tests do weighs less.
    JavaScript left unread for its size alone is medium: the verdict would not cover it if it
    were read (an npm package's JavaScript past 8 MiB is not parsed, PKG012 medium, so a
    payload padded to 9 MiB gets no more; a Python package's JavaScript is not judged as code
    its install or import runs, at any size)."""
    pending = [note for note in notes if not note.reported]
    if not pending:
        return []
    clean = all(s.severity < Severity.MEDIUM for s in signals)
    groups: dict[str, list[Unread]] = {}
    for note in pending:
        if note.member and _inert(note.member):
            kind = "documentation or data by name"
        elif note.oversize and note.member.lower().endswith(JAVASCRIPT_SUFFIXES):
            kind = "JavaScript larger than a source member may take, not judged read either"
        elif note.member and in_tests(note.member):
            kind = "tests or examples nothing of the package imports"
        else:
            kind = "may hold code"
        groups.setdefault(kind, []).append(note)
    out: list[Signal] = []
    for what, group in groups.items():
        if what == "may hold code":
            severity, why = Severity.HIGH, ""
        elif what.startswith("documentation") and not clean:
            severity, why = Severity.HIGH, " beside findings of medium weight"
        else:
            severity, why = Severity.MEDIUM, ""
        names = ", ".join(str(n) for n in group[:5]) + (
            f" and {len(group) - 5} more" if len(group) > 5 else ""
        )
        out.append(
            Signal(
                UnreadMember,
                severity,
                f"{len(group)} member{'s' if len(group) > 1 else ''} not read ({what}): the"
                f" verdict does not cover {'them' if len(group) > 1 else 'it'}{why}",
                group[0].member,
                None,
                clip(names, 600),
                Context.IMPORT,
            )
        )
    return out


def _inert(member: str) -> bool:
    """Whether a member holds no code by its name (documentation, media, data); the names
    the installer or the analysis read as code or metadata are never inert."""
    lower = PurePosixPath(member).name.lower()
    return lower not in KEPT_NAMES and lower.endswith(INERT_SUFFIXES)


def _npm_manifest(texts: Mapping[str, str]) -> str | None:
    candidates = [m for m in texts if PurePosixPath(m).name == "package.json"]
    if not candidates:
        return None
    if any(PurePosixPath(m).name.lower() in ("pkg-info", "metadata", "setup.py") for m in texts):
        return None
    return min(candidates, key=lambda m: m.count("/"))


def _analyze_python(
    files: PackageFiles,
) -> tuple[list[Signal], str, str, dict[str, set[str]], frozenset[str], list[tuple[str, Unpack]]]:
    texts = files.texts
    unpacked: list[tuple[str, Unpack]] = []  # (module, an archive it unpacks)
    roots = _roots(texts)
    meta = _python_metadata(texts)
    name, version = meta.get("name", ""), meta.get("version", "")
    signals: list[Signal] = []
    contexts: dict[str, Context] = {}
    whole: set[str] = set()
    queue: list[str] = []
    for member in texts:
        pure = PurePosixPath(member)
        lower = pure.name.lower()
        if lower == "setup.py" and _depth_below_root(member, roots) == 0:
            contexts[member] = Context.INSTALL
            whole.add(member)
            queue.append(member)
        elif lower.endswith(".pth"):
            found: list[Unpack] = []
            signals.extend(scan_pth(texts[member], member, found))
            unpacked += [(member, u) for u in found]
    backend = set(_build_backend_modules(texts, roots))
    for member in backend:
        contexts[member] = Context.INSTALL
        queue.append(member)
    for member in _build_hook_files(texts, roots):
        contexts[member] = Context.INSTALL
        whole.add(member)  # the backend calls its functions and methods: all of it runs
        queue.append(member)
    #: module -> what it imports; its signals are taken when it is scanned, and the scanner
    #: (its source, syntax tree and facts) is let go before the next module
    scanned: dict[str, set[str]] = {}
    module_signals: list[Signal] = []
    seen: set[str] = set()
    exports = _StarExports(texts, roots)
    tree = OwnTree([*texts, *files.others, *files.carriers])
    while queue:
        member = queue.pop(0)
        if member in seen:
            continue
        seen.add(member)
        scanner = PythonScanner(
            texts[member],
            member,
            contexts[member],
            whole_file_context=member in whole,
            setup_script=member in whole and PurePosixPath(member).name.lower() == "setup.py",
            star_exports=exports.bind(member),
            own_files=tree.reader(member),
            command_line_kept=(
                _command_line_kept(texts, member, roots)
                if member in whole and PurePosixPath(member).name.lower() == "setup.py"
                else None
            ),
        )
        scanner.run()
        module_signals.extend(scanner.signals)
        unpacked += [(member, u) for u in scanner.unpacked]
        scanned[member] = scanner.imports | scanner.relative_imports
        for target in _launched_files(scanner.launched, member, texts, roots):
            if target in seen:
                continue
            if target.lower().endswith((".py", ".pyw")):
                contexts[target] = Context.INSTALL
                whole.add(target)  # started as a program: its main block runs too
                queue.append(target)
            else:
                seen.add(target)
                signals.extend(_scan_script(texts[target], target))
        if member not in whole and member not in backend:
            continue  # one level: what setup.py and build backends import runs at install
        for module in scanned[member]:
            for candidate in _module_files(module, member, texts, roots):
                if candidate not in seen:
                    contexts[candidate] = Context.INSTALL
                    queue.append(candidate)
    entries = _entry_modules(texts, roots)
    for member, text in texts.items():
        if member in scanned or not member.lower().endswith((".py", ".pyw")):
            continue
        scanner = PythonScanner(
            text,
            member,
            Context.IMPORT,
            star_exports=exports.bind(member),
            entry=entries.get(member, frozenset()),
            own_files=tree.reader(member),
        )
        scanner.run()
        module_signals.extend(scanner.signals)
        unpacked += [(member, u) for u in scanner.unpacked]
        scanned[member] = scanner.imports | scanner.relative_imports
    signals.extend(_regrade_unreached(module_signals, texts, frozenset(entries)))
    links: dict[str, set[str]] = {}
    for member, imported in scanned.items():
        for module in imported:
            if any(names_tests(part) for part in module.split(".")):
                links.setdefault(member, set()).update(_module_files(module, member, texts, roots))
    unpackaged = (
        frozenset()
        if files.is_wheel
        else _unpackaged_modules(texts, roots, name, frozenset(entries))
    )
    return signals, name, version, links, unpackaged, unpacked


def _unpackaged_modules(
    texts: Mapping[str, str], roots: list[str], name: str, entries: frozenset[str]
) -> frozenset[str]:
    """Modules of a source distribution that no package of it holds: maintainer scripts
    (``scripts/``, ``tools/``, a bootloader's build system), which the build does not install
    and which run only when someone starts them by hand.

    A module counts when its top folder (below the sdist's root, or below ``src/``) is no
    regular package (no ``__init__.py``), is not the distribution's import name, not named in
    ``top_level.txt`` nor in the build configuration (``setup.py``, ``setup.cfg``,
    ``pyproject.toml``: ``packages=["tools"]``, a namespace package's include), while the sdist
    does hold a regular top-level package (so a package made only of namespace folders is never
    taken for scripts); and no other module of the package names the folder as a module or a
    path (an import, at any time, ``importlib``, ``runpy``), starts it at install, or names it
    as an entry point.

    Where the build declares the one folder its Python code comes from (maturin's
    ``python-source``: a Rust project's sdist holds its crates, their test data and its tools
    beside it), a module in a folder outside it counts whatever its folder is called (the
    crate's folder often bears the import name), unless the build's ``include`` or ``data``
    puts it in the wheel; the other conditions hold as above. Likewise where scikit-build-core
    builds from a CMake project in a subfolder (``cmake.source-dir``): the wheel holds the
    packages it copies and what CMake installs, whose sources are taken to lie in that
    subfolder (see ``_python_sources``)."""
    py = [m for m in texts if m.lower().endswith((".py", ".pyw"))]
    tops: dict[str, tuple[str, str]] = {}  # member -> (its root incl. src/, top folder)
    packages: set[str] = set()
    sources = _python_sources(texts, roots)
    outside: set[str] = set()  # modules outside the folder the build takes Python code from
    for member in py:
        placed = _placed(member, roots, sources)
        if placed is None:
            continue  # scikit-build-core's CMake project: it may install anything there
        root, rel, out = placed
        if out:
            outside.add(member)
            tops[member] = (root, rel.partition("/")[0])
            continue
        top, sep, rest = rel.partition("/")
        if not sep:
            continue  # a module at the root: ``py_modules``
        if rest == "__init__.py":
            packages.add(root + top)
        tops[member] = (root, top)
    if not packages and not outside:
        return frozenset()
    named = {re.sub(r"[-_.]+", "_", name.lower())} if name else set()
    config = ""
    for member, text in texts.items():
        lower = PurePosixPath(member).name.lower()
        if lower == "top_level.txt":
            named |= {line.strip().lower() for line in text.splitlines() if line.strip()}
        elif lower in ("setup.py", "setup.cfg", "pyproject.toml") and member.count("/") <= 1:
            config += text + "\n"
    candidates: set[str] = set()
    for member, (root, top) in tops.items():
        if member in outside and member not in entries:
            candidates.add(member)
            continue
        if root + top in packages or top.lower() in named or member in entries:
            continue
        if re.search(rf"(?<![\w/.\\-]){re.escape(top)}(?![\w/\\-])", config):
            files = _files_named_in(config, top)
            if files is None:
                # the build names the folder (a file path inside it, such as an exclusion, is
                # no package): it may be a namespace package the build installs
                continue
            # named only through files inside it (``os.path.join(HERE, "scripts", "x.py")``,
            # started at build time): those and what they import are reached, the rest not
            if _reached_from(root, top, files, member, tops, texts):
                continue
        candidates.add(member)
    if not candidates:
        return frozenset()
    # named by the package's other modules as a module or a path, in code run at any time
    # (an import inside a function, ``importlib``, ``runpy``): they may run it, unless they
    # are tests (started by hand, as the folder itself is). A folder outside what
    # the wheel holds is run only by what the wheel may hold
    by_hand = _tests_run_by_hand(py, roots, texts)
    for top in {tops[c][1] for c in candidates}:
        # a test names the folder to run its scripts by hand, as the tests themselves are
        namers = [m for m in py if m not in candidates and m not in by_hand]
        if all(c in outside for c in candidates if tops[c][1] == top):
            namers = [m for m in namers if m not in outside and not _names_tests_file(m)]
        candidates = _drop_named(candidates, top, namers, tops, texts)
    return frozenset(candidates)


def _drop_named(
    candidates: set[str],
    top: str,
    namers: list[str],
    tops: Mapping[str, tuple[str, str]],
    texts: Mapping[str, str],
) -> set[str]:
    """``candidates`` less the modules of folder ``top`` that one of ``namers`` may run: the
    whole folder where one names it, only the files it names by their path (a script it
    starts) and what they import where that is all it names."""
    for m in namers:
        if not _names_folder(texts[m], top, candidates):
            continue
        files = _files_named_only(texts[m], top)
        if files is None:
            return {c for c in candidates if tops[c][1] != top}
        # a script the module starts by its path: it and what it imports are reached
        candidates = {
            c
            for c in candidates
            if tops[c][1] != top or not _reached_from(tops[c][0], top, files, c, tops, texts)
        }
    return candidates


def _files_named_only(text: str, top: str) -> set[str] | None:
    """The files of folder ``top`` a module names by their path, parts quoted apart
    (``os.path.join(HERE, "scripts", "internal", "x.py")``), where that is the only way it
    names the folder; None where it imports it or names it otherwise."""
    word = re.escape(top)
    if re.search(rf"^\s*(?:from|import)\s[^\n]*\b{word}\b", text, re.M) or re.search(
        rf"[\"'](?:\./)?{word}[./\\]", text
    ):
        return None
    return _files_named_in(text, top)


def _files_named_in(config: str, top: str) -> set[str] | None:
    """The Python files inside folder ``top`` that the build configuration names by their path
    (``os.path.join(HERE, "scripts", "internal", "x.py")``, ``"scripts/x.py"``), as paths below
    the root; None where it names the folder otherwise (``packages=["scripts"]``, a glob)."""
    files: set[str] = set()
    for match in re.finditer(rf"(?<![\w/.\\-]){re.escape(top)}(?![\w/\\-])", config):
        parts = [top]
        rest = config[match.end() :]
        if rest.startswith("/"):
            path = re.match(r"[\w./-]+", rest[1:])
            parts += (path.group(0) if path else "").split("/")
        else:
            rest = rest.lstrip("\"'")
            while True:
                part = re.match(r"""\s*,\s*["']([\w.-]+)["']""", rest)
                if part is None:
                    break
                parts.append(part.group(1))
                rest = rest[part.end() :]
        if len(parts) < 2 or not parts[-1].endswith(".py") or "" in parts or ".." in parts:
            return None
        files.add("/".join(parts))
    return files or None


#: ``from pkg.mod import a, b``, ``import a.b, c``: what an import statement names.
_IMPORT_NAMES = re.compile(
    r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w ,()]+)|import\s+([\w., ]+))", re.M
)


def _reached_from(
    root: str,
    top: str,
    files: set[str],
    member: str,
    tops: Mapping[str, tuple[str, str]],
    texts: Mapping[str, str],
) -> bool:
    """Whether ``member`` is one of ``files`` (paths below ``root``) or a module of folder
    ``top`` that they import, directly or through each other (``import helper`` beside the
    started script, ``from scripts.internal import helper``)."""
    folder = [m for m, (r, t) in tops.items() if r == root and t == top]
    reached = {root + f for f in files if root + f in texts}
    work = list(reached)
    while work:
        text = texts.get(work.pop(), "")
        imported = {
            part
            for line in _IMPORT_NAMES.findall(text)
            for chunk in line
            for part in re.split(r"[\s,.()]+", chunk)
            if part
        }
        for other in folder:
            if other not in reached and PurePosixPath(other).stem in imported:
                reached.add(other)
                work.append(other)
    return member in reached


def _tests_run_by_hand(py: list[str], roots: list[str], texts: Mapping[str, str]) -> set[str]:
    """Test modules (:func:`_is_test_module`) whose top folder no other module names (imports,
    or names as a path): only a test runner, started by hand, runs them."""
    tests = {m for m in py if _is_test_module(m)}
    out: set[str] = set()
    folders: dict[str, bool] = {}
    for m in tests:
        root = next((r for r in reversed(roots) if m.startswith(r)), "")
        top = m[len(root) :].partition("/")[0]
        if top not in folders:
            folders[top] = not any(
                _names_folder(texts[n], top, set()) for n in py if n not in tests
            )
        if folders[top]:
            out.add(m)
    return out


def _is_test_module(member: str) -> bool:
    """Whether a module sits in a ``tests`` (``test``, ``testing``) folder or is a test file
    (``test_*.py``, ``*_test.py``, ``conftest.py``): a test runner starts it, by hand."""
    path = PurePosixPath(member)
    stem = path.stem.lower()
    return (
        any(part.lower() in ("tests", "test", "testing") for part in path.parts[1:-1])
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem == "conftest"
    )


def _names_tests_file(member: str) -> bool:
    """Whether a module's folders or its own name are named for tests or examples."""
    return any(names_tests(part) for part in PurePosixPath(member).with_suffix("").parts)


#: Per root: the folders the wheel's Python code comes from, as (the folder, the part of it
#: above the package names, None where CMake may install anything from it), and the globs of
#: what else the build puts in the wheel.
_Sources = tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]


def _placed(
    member: str, roots: list[str], sources: Mapping[str, _Sources]
) -> tuple[str, str, bool] | None:
    """Where a module sits: its root (with ``src/``, or the part of the build's Python folder
    above the package names), its path below it, and whether it lies outside what the build
    puts in the wheel (then below the root whose build says so). None for a module of
    scikit-build-core's CMake project, which may install anything."""
    root = next((r for r in reversed(roots) if member.startswith(r)), "")
    rel = member[len(root) :]
    # the innermost root whose build declares its Python code's folders (a project nested in
    # it, with a setup.py of its own, is not what its wheel is built from)
    built = next((r for r in reversed(roots) if member.startswith(r) and r in sources), None)
    if built is None:
        if rel.startswith("src/"):
            return root + "src/", rel[len("src/") :], False
        return root, rel, False
    folders, installed = sources[built]
    inner = member[len(built) :]
    folder = next((f for f in folders if inner.startswith(f[0])), None)
    if folder is None:
        if "/" in inner and not any(fnmatch.fnmatchcase(inner, glob) for glob in installed):
            return built, inner, True
        return root, rel, False
    if folder[1] is None:
        return None
    if built == root:
        return root + folder[1], rel[len(folder[1]) :], False
    return root, rel, False


def _python_sources(texts: Mapping[str, str], roots: list[str]) -> dict[str, _Sources]:
    """For each root whose ``pyproject.toml`` declares where the wheel's Python code comes
    from: the folders that hold it, each as (the folder, the part of it above the package
    names: ``("python/", "python/")``, ``("src/pkg/", "src/")``), and the globs of what else
    the build puts in the wheel. A root whose configuration is not read is left out (judged as
    any other sdist)."""
    import tomllib  # as in _build_backend_modules: most packages scanned hold none

    out: dict[str, _Sources] = {}
    for root in roots:
        text = texts.get(root + "pyproject.toml")
        if text is None or ("python-source" not in text and "scikit_build_core" not in text):
            continue
        try:
            doc = tomllib.loads(text[:262144])
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            continue
        backend = (_table(doc, "build-system") or {}).get("build-backend")
        if backend == "maturin":
            source = _maturin_sources(doc)
        elif backend == "scikit_build_core.build":
            source = _scikit_build_sources(doc, root, texts)
        else:
            continue
        if source is not None:
            out[root] = source
    return out


def _maturin_sources(
    doc: dict[str, object],
) -> _Sources | None:
    """maturin's ``python-source`` folder, and its ``include`` entries not limited to the sdist
    and its ``data`` folder."""
    maturin = _table(doc, "tool", "maturin") or {}
    folder = _relative_folder(maturin.get("python-source"))
    if not folder:
        return None
    installed: list[str] = []
    entries = maturin.get("include")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            installed.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
            formats = entry.get("format", ["sdist", "wheel"])
            if formats != "sdist" and formats != ["sdist"]:
                installed.append(entry["path"])
    data = maturin.get("data")
    if isinstance(data, str):
        installed.append(data.strip("/") + "/*")
    return ((folder, folder),), tuple(glob.removeprefix("./") for glob in installed)


#: scikit-build-core settings that, set by an override, may change what the wheel holds.
_SCIKIT_BUILD_SOURCES = ("wheel.packages", "cmake.source-dir", "sdist.", "metadata.")


def _scikit_build_sources(
    doc: dict[str, object], root: str, texts: Mapping[str, str]
) -> _Sources | None:
    """What a scikit-build-core wheel may hold when the CMake project sits in a subfolder
    (``cmake.source-dir``): that folder (CMake installs what it likes, taken from there), the
    packages it copies (``wheel.packages``, else the first of ``src/<name>``,
    ``python/<name>`` and ``<name>`` for the normalised project name, all three counted), and
    what the build itself reads (``sdist.include``, a metadata provider's module). None where
    the CMake project is the root (anything may be installed), where an override may change
    these settings, or where a setting is not of a known shape."""
    tool = _table(doc, "tool", "scikit-build")
    if tool is None:
        return None
    cmake = _table(tool, "cmake") or {}
    source = _relative_folder(cmake.get("source-dir", tool.get("cmake.source-dir")))
    if not source:
        return None
    overrides = tool.get("overrides", [])
    if not isinstance(overrides, list) or any(
        not isinstance(o, dict)
        or any(k.startswith(_SCIKIT_BUILD_SOURCES) for k in o)
        or "packages" in (_table(o, "wheel") or {})
        or "source-dir" in (_table(o, "cmake") or {})
        or "sdist" in o
        or "metadata" in o
        for o in overrides
    ):
        return None
    wheel = _table(tool, "wheel") or {}
    packages = wheel.get("packages", tool.get("wheel.packages"))
    project = _table(doc, "project") or {}
    name = project.get("name")
    folders: list[str | None] = []
    if isinstance(packages, dict):
        packages = list(packages.values())
    if isinstance(packages, list):
        folders = [_relative_folder(p) for p in packages]
    elif packages is None and isinstance(name, str):
        normal = re.sub(r"[-.]", "_", name)
        for base in ("src/", "python/", ""):
            pattern = (root + base + normal + "/").lower()
            found = {m[len(root) :] for m in texts if m.lower().startswith(pattern)}
            folders += sorted({f[: len(base) + len(normal) + 1] for f in found})
    else:
        return None
    if None in folders or "" in folders:
        return None
    kept: list[tuple[str, str | None]] = [
        (f, f[: f.rstrip("/").rfind("/") + 1]) for f in folders if f
    ]
    kept.append((source, None))  # CMake's sources: whatever it installs from there
    installed: list[str] = []
    sdist = _table(tool, "sdist") or {}
    include = sdist.get("include", tool.get("sdist.include", []))
    for entry in include if isinstance(include, list) else []:
        if isinstance(entry, str) and entry.strip("/"):
            glob = entry.strip("/").removeprefix("./").removeprefix("/")
            installed += [glob, glob + "/*"]
    metadata = _table(tool, "metadata") or {}
    for setting in metadata.values():
        provider = setting.get("provider") if isinstance(setting, dict) else None
        where = setting.get("provider-path", "") if isinstance(setting, dict) else ""
        if isinstance(provider, str) and isinstance(where, str):
            module = (where.strip("/") + "/").lstrip("/") + provider.replace(".", "/")
            installed += [module.removeprefix("./") + ".py", module.removeprefix("./") + "/*"]
    return tuple(kept), tuple(installed)


def _relative_folder(value: object) -> str | None:
    """A folder of the configuration as ``"a/b/"``; ``""`` for the root; None when it is no
    plain relative path."""
    if not isinstance(value, str):
        return None
    folder = value.strip().removeprefix("./").strip("/")
    if folder in ("", "."):
        return ""
    if ".." in folder.split("/") or "\\" in folder or any(c in folder for c in "*?[{$"):
        return None
    return folder + "/"


#: What ``_regrade_unreached`` appends to a finding of a module nothing of its package reaches.
UNREACHED_NOTE = "(in a module nothing of the package imports, names or starts)"
#: Members that list the archive's files (a name there is no use of the file).
_LISTINGS = frozenset({"record", "sources.txt", "installed-files.txt", "manifest.in"})


def _regrade_unreached(
    signals: list[Signal], texts: Mapping[str, str], entries: frozenset[str]
) -> list[Signal]:
    """Findings of a module's top level graded one column further (as code reached from import
    time) where nothing of the package reaches the module: its top level runs only when its
    user imports or runs it by hand (a maintainer script kept inside the package). What its
    rule grades high or critical in that column (code downloaded and run, the environment sent
    to a webhook) stays so; a plain download or a configured value sent does not.

    A module counts when it is a submodule of a regular package (not its ``__init__``, not a
    top-level module: those are what users import) that defines no function or class (a
    script: a module that defines what users import runs when they import it, as a library's
    public module does), was scanned as imported code (not reached
    from install time nor started by it), no entry point names it, no other text of the
    package (modules, build configuration, ``.pth`` files, entry points; not the archive's
    file listings, nor comments) names it as a word (an import at any time, ``importlib`` of a
    constant name, ``__all__``, a path), and no module of the package imports a computed name
    in code that runs on import (folder discovery may load anything)."""
    if any(
        s.rule is ObfuscationIndicators
        and s.reachable is not None
        and s.message.startswith("imports a module whose name is computed")
        for s in signals
    ):
        return signals
    candidates = {
        s.path
        for s in signals
        if s.reachable is not None
        and s.reachable < s.severity
        and s.context is Context.IMPORT
        and s.path not in entries
        and _script_submodule(s.path, texts)
    }
    unreached = {m for m in candidates if not _named_elsewhere(m, texts)}
    if not unreached:
        return signals
    return [
        s
        if s.path not in unreached or s.reachable is None or s.reachable >= s.severity
        else Signal(
            s.rule,
            s.reachable,
            f"{s.message} {UNREACHED_NOTE}",
            s.path,
            s.line,
            s.evidence,
            s.context,
            s.relations,
        )
        for s in signals
    ]


#: A function or class defined anywhere in a module.
_DEFINES_RE = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w", re.MULTILINE)


def _script_submodule(member: str, texts: Mapping[str, str]) -> bool:
    """A Python module of a regular package, other than its ``__init__``, that defines no
    function or class: statements only, a script that offers nothing to import (a module
    that defines what a user imports runs on that import)."""
    pure = PurePosixPath(member)
    return (
        pure.suffix.lower() in (".py", ".pyw")
        and pure.name != "__init__.py"
        and f"{pure.parent.as_posix()}/__init__.py" in texts
        and _DEFINES_RE.search(texts.get(member, "def x")) is None
    )


def _named_elsewhere(member: str, texts: Mapping[str, str]) -> bool:
    """Whether a text of the package other than ``member`` names the module's name as a word
    outside a comment."""
    stem = PurePosixPath(member).stem
    word = re.compile(rf"(?<![\w.-]){re.escape(stem)}(?!\w)")
    for other, text in texts.items():
        if other == member or stem not in text:
            continue
        if PurePosixPath(other).name.lower() in _LISTINGS:
            continue
        for hit in word.finditer(text):
            line_start = text.rfind("\n", 0, hit.start()) + 1
            before = text[line_start : hit.start()]
            if "#" not in before or any(q in before for q in "\"'"):
                return True
    return False


def _names_folder(text: str, top: str, candidates: set[str]) -> bool:
    """Whether a module's text imports the folder ``top`` or names a module or path in it: an
    import statement, a quoted dotted name or path that starts with it (``"tools.sync"``,
    ``'tools/sync.py'``), or the folder and one of its entries quoted apart (``os.path.join(
    here, "tools", "sync.py")``)."""
    word = re.escape(top)
    statement = re.compile(
        rf"^\s*(?:from\s+{word}(?:\.[\w.]+)?\s+import\b"
        rf"|import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*{word}\b)",
        re.MULTILINE,
    )
    if statement.search(text) or re.search(rf"[\"'](?:\./)?{word}[./\\]", text):
        return True
    if not re.search(rf"[\"']{word}[\"']", text):
        return False
    entries = {
        part
        for c in candidates
        if f"/{top}/" in f"/{c}"
        for part in _entry_names(c.split(f"{top}/", 1)[1].split("/", 1)[0])
    }
    return any(re.search(rf"[\"']{re.escape(e)}[\"']", text) for e in entries)


def _entry_names(entry: str) -> tuple[str, ...]:
    """How code names a folder's entry: ``sync.py`` also as ``sync``."""
    stem = entry.rsplit(".", 1)[0] if entry.endswith((".py", ".pyw")) else entry
    return (entry, stem) if stem != entry else (entry,)


class _StarExports:
    """``from MODULE import *`` between modules of one package: what the imported module binds
    (constants, imports, simple functions), read once per module and only for small modules."""

    MAX_SOURCE = 64 * 1024

    def __init__(self, texts: Mapping[str, str], roots: list[str]) -> None:
        self.texts = texts
        self.roots = roots
        self.cache: dict[str, dict[str, object]] = {}

    def bind(self, importer: str) -> Callable[[str, int], dict[str, object] | None]:
        return lambda module, level: self.lookup(module, level, importer)

    def lookup(self, module: str, level: int, importer: str) -> dict[str, object] | None:
        if level > 1:
            return None
        if level == 1:
            base = importer.rsplit("/", 1)[0] + "/" if "/" in importer else ""
            rel = module.replace(".", "/")
            found = [
                c
                for c in (f"{base}{rel}.py", f"{base}{rel}/__init__.py" if rel else "")
                if c in self.texts and c != importer
            ]
        else:
            found = _module_files(module, importer, self.texts, self.roots)
        if not found or len(self.texts[found[0]]) > self.MAX_SOURCE:
            return None
        target = found[0]
        if target not in self.cache:
            self.cache[target] = {}  # a cycle of star imports reads as empty
            self.cache[target] = module_exports(self.texts[target])
        return self.cache[target]


def _launched_files(
    launched: set[str], importer: str, texts: Mapping[str, str], roots: list[str]
) -> list[str]:
    out: list[str] = []
    base = importer.rsplit("/", 1)[0] + "/" if "/" in importer else ""
    for item in sorted(launched):
        if item.startswith("module:"):
            module = item[len("module:") :]
            out += _module_files(module, importer, texts, roots)
            # ``python -m pkg`` runs the package's ``__main__`` module
            out += _module_files(f"{module}.__main__", importer, texts, roots)
            continue
        for prefix in dict.fromkeys([base, *roots]):
            candidate = _normalise(prefix + item)
            if candidate in texts:
                out.append(candidate)
                break
    return out


#: ``argv`` read and nothing else: an item or a slice (not assigned or deleted), a membership
#: test, its length, a comparison of the whole, its import from ``sys`` under its own name.
_ARGV_READS = (
    re.compile(r"argv\s*\[[^\[\]\n]*\](?!\s*(=(?!=)|[-+*]=))"),
    re.compile(r"argv\s*[=!]="),
)
_ARGV_READ_BEFORE = re.compile(r"(\bin\s+|\blen\(\s*)(sys\s*\.\s*)?$|^\s*from\s+sys\s+import\s")
_ARGV_WORD = re.compile(r"\bargv\b")


#: ``def main(argv``: a function's first parameter named ``argv``; ``main(sys.argv)``: the
#: whole of ``sys.argv`` handed to a function by name.
_ARGV_PARAMETER = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(\s*$")
_ARGV_HANDED = re.compile(r"(?<![\w.])(\w+)\s*\(\s*sys\s*\.\s*$")


def _argv_handed(text: str, before: str, after: str) -> bool:
    """Whether this ``argv`` is the first parameter of a function (``def main(argv``) or the
    whole ``sys.argv`` handed to a function of the same text defined once with such a
    parameter and bound nowhere else (``main(sys.argv)``): the parameter is then
    ``sys.argv`` under its own name, and each of its uses is checked as ``sys.argv``'s are."""
    if _ARGV_PARAMETER.match(before) and re.match(r"argv\s*[,)]", after):
        return True
    handed = _ARGV_HANDED.search(before)
    if not handed or not re.match(r"argv\s*\)", after):
        return False
    name = re.escape(handed.group(1))
    defined = re.findall(rf"^\s*(?:async\s+)?def\s+{name}\s*\((\s*argv\s*[,)])?", text, re.M)
    bound = re.search(
        rf"(?<![\w.]){name}\s*(=(?!=)|:=)|\bimport\b[^\n]*\b{name}\b|\bclass\s+{name}\b", text
    )
    return len(defined) == 1 and bool(defined[0]) and not bound


def _argv_changed(text: str) -> bool:
    """Whether code may change ``sys.argv`` or take it under another name: ``argv`` anywhere
    but where :data:`_ARGV_READS` read it (``sys.argv.append(...)``, ``sys.argv = [...]``,
    ``args = sys.argv``, ``helper(sys.argv)``, ``getattr(sys, "argv")``, ``del sys.argv[1]``),
    or hands it whole to a parameter named ``argv`` (:func:`_argv_handed`)."""
    for match in _ARGV_WORD.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        before = text[start : match.start()]
        if before.rstrip().endswith("del") or re.search(r"\bdel\s+(sys\s*\.\s*)?$", before):
            return True
        after = text[match.start() : match.start() + 200]
        if any(r.match(after) for r in _ARGV_READS) or _argv_handed(text, before, after):
            continue
        if before.lstrip().startswith("from") and _ARGV_READ_BEFORE.search(before):
            if not re.match(r"argv\s+as\b", after):
                continue  # ``from sys import argv``, under its own name
        elif _ARGV_READ_BEFORE.search(before) and not re.match(r"argv\s*[.=(\[]", after):
            continue  # ``x in sys.argv``, ``len(sys.argv)``
        return True
    return False


#: Imports and file names in code, for what a ``setup.py`` runs in its own process.
_IMPORTS = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<from>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>[\w ,\t()*]+)|"
    r"import[ \t]+(?P<modules>[\w., \t]+))",
    re.M,
)
_NAMED_FILE = re.compile(r"[\"']([\w./-]+\.(?:py|sh|bat|cmd|ps1))[\"']")


def _install_reach(texts: Mapping[str, str], setup: str, roots: list[str]) -> set[str]:
    """``setup`` and the package's modules and scripts it imports or names, and theirs: the
    code that can run before or around its own statements when pip starts it."""
    reach, queue = {setup}, [setup]
    while queue:
        member = queue.pop()
        text = texts[member]
        found: list[str] = []
        for match in _IMPORTS.finditer(text):
            names = re.split(r"[\s,()]+", match.group("names") or "")
            if match.group("from") is not None:
                module = match.group("from")
                if module.startswith("."):
                    found += _relative_files(module, names, member, texts)
                else:
                    found += _module_files(module, member, texts, roots)
                    for n in names:
                        if n and n != "*":
                            found += _module_files(f"{module}.{n}", member, texts, roots)
            else:
                for part in (match.group("modules") or "").split(","):
                    dotted = part.split(" as ")[0].strip().split(".")
                    for depth in range(1, len(dotted) + 1):  # ``import a.b`` runs a's too
                        found += _module_files(".".join(dotted[:depth]), member, texts, roots)
        launched = set(_NAMED_FILE.findall(text))
        found += _launched_files(launched, member, texts, roots)
        for target in found:
            if target not in reach:
                reach.add(target)
                queue.append(target)
    return reach


def _relative_files(
    module: str, names: list[str], importer: str, texts: Mapping[str, str]
) -> list[str]:
    """The files ``from .module import names`` of ``importer`` can load."""
    level = len(module) - len(module.lstrip("."))
    folder = importer.split("/")[:-1]
    folder = folder[: len(folder) - (level - 1)] if level > 1 else folder
    path = "/".join([*folder, *[p for p in module.lstrip(".").split(".") if p]])
    prefix = path + "/" if path else ""
    candidates = [f"{prefix}__init__.py", f"{path}.py"]
    candidates += [f"{prefix}{n}.py" for n in names if n and n != "*"]
    candidates += [f"{prefix}{n}/__init__.py" for n in names if n and n != "*"]
    return [c for c in candidates if c in texts and c != importer]


def _command_line_kept(
    texts: Mapping[str, str], setup: str, roots: list[str]
) -> Callable[[str], bool]:
    """For ``setup``: whether a word reaches its command line only by hand. No code that runs
    in its process (:func:`_install_reach`) changes ``sys.argv`` (:func:`_argv_changed`), and
    none of it but ``setup`` names the word (a module or script that starts ``setup.py
    WORD``). Read on first use: most ``setup.py`` files test no such word."""
    code: dict[str, str] = {}

    def kept(word: str) -> bool:
        if not code:
            code.update((m, texts[m]) for m in _install_reach(texts, setup, roots))
        if any(_ARGV_WORD.search(t) and _argv_changed(t) for t in code.values()):
            return False
        named = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
        return not any(named.search(t) for m, t in code.items() if m != setup)

    return kept


#: A line a shell, PowerShell or batch script runs nothing of: a comment of its own (``#``,
#: ``REM``, ``::``). A comment after a command is kept with it: a quote can hide where it starts.
_COMMENT_LINE = re.compile(r"^\s*(#(?!!)|(rem|::)(\s|$))", re.IGNORECASE)


def _scan_script(text: str, member: str) -> list[Signal]:
    """A shell or batch script started at install time: its dangerous lines."""
    out: list[Signal] = []
    for number, line in enumerate(text.splitlines()[:100_000], start=1):
        if _COMMENT_LINE.match(line):
            continue
        match = STRONG_COMMAND_RE.search(line)
        if match:
            out.append(
                Signal(
                    SuspiciousCommandExecution,
                    Severity.CRITICAL,
                    "script started at install time runs a downloader, shell or encoded command",
                    member,
                    number,
                    clip(line),
                    Context.INSTALL,
                    ("executes-at-install",),
                )
            )
        elif WEAK_COMMAND_RE.search(line):
            out.append(
                Signal(
                    SuspiciousCommandExecution,
                    Severity.HIGH,
                    "script started at install time reaches the network or installs software",
                    member,
                    number,
                    clip(line),
                    Context.INSTALL,
                    ("executes-at-install",),
                )
            )
    return out[:20]


def _analyze_npm(files: PackageFiles, manifest: str, window: int) -> tuple[list[Signal], str, str]:
    texts = files.texts
    signals, info = scan_package_json(texts[manifest], manifest)
    base = manifest.rsplit("/", 1)[0] + "/" if "/" in manifest else ""
    install_files = {_normalise(base + f) for f in info.get("install_files", [])}
    # ``node dir`` and ``require('./dir')`` load the folder's index.js
    install_files |= {f"{f.removesuffix('.js')}/index.js" for f in install_files}
    main = info.get("main_file")
    for member in texts:
        if PurePosixPath(member).name.lower() == "binding.gyp":
            signals.extend(_gyp_signals(texts[member], member))
    # shell, PowerShell and other scripts a lifecycle script starts: their dangerous lines
    started = {_normalise(base + f) for f in info.get("install_scripts", [])}
    for member in sorted(started & texts.keys()):
        if not member.lower().endswith((".js", ".cjs", ".mjs")):
            signals.extend(_scan_script(texts[member], member))
    for member in texts:
        if not member.lower().endswith((".js", ".cjs", ".mjs")):
            continue
        text = texts[member]
        if member in install_files:
            ctx = Context.INSTALL
        elif main and member == _normalise(base + main):
            ctx = Context.IMPORT
        else:
            ctx = Context.IMPORT if "node_modules/" not in member else Context.RUNTIME
        signals.extend(scan_javascript(text, member, ctx, window))
    return signals, str(info.get("name", "")), str(info.get("version", ""))


def _gyp_signals(text: str, member: str) -> list[Signal]:
    """``binding.gyp`` command expansions that download or hide commands: node-gyp runs them
    on ``npm install``."""
    out: list[Signal] = []
    for line, command in javascript.gyp_commands(text):
        judged = javascript.gyp_command(command)
        if judged is not None:
            severity, message = judged
            out.append(
                Signal(
                    NpmInstallScript,
                    severity,
                    message,
                    member,
                    line,
                    clip(command),
                    Context.INSTALL,
                    ("executes-at-install",),
                )
            )
    return out


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _roots(texts: Mapping[str, str]) -> list[str]:
    """Directories holding the package's top (where setup.py / PKG-INFO sit)."""
    roots = {
        m.rsplit("/", 1)[0] + "/" if "/" in m else ""
        for m in texts
        if PurePosixPath(m).name.lower() in ("setup.py", "pkg-info", "pyproject.toml", "setup.cfg")
    }
    if not roots:
        roots = {""}
    return sorted(roots, key=len)


def _depth_below_root(member: str, roots: list[str]) -> int:
    for root in roots:
        if member.startswith(root):
            return member[len(root) :].count("/")
    return member.count("/")


def _module_files(
    module: str, importer: str, texts: Mapping[str, str], roots: list[str]
) -> list[str]:
    parts = [p for p in module.split(".") if p]
    if not parts:
        return []
    rel = "/".join(parts)
    bases = [*list(roots), importer.rsplit("/", 1)[0] + "/" if "/" in importer else ""]
    bases += [r + "src/" for r in roots]
    found: list[str] = []
    for base in dict.fromkeys(bases):
        for candidate in (f"{base}{rel}.py", f"{base}{rel}/__init__.py"):
            if candidate in texts and candidate != importer:
                found.append(candidate)
    return found


def _build_backend_modules(texts: Mapping[str, str], roots: list[str]) -> list[str]:
    out: list[str] = []
    for member in texts:
        if PurePosixPath(member).name != "pyproject.toml":
            continue
        text = texts[member]
        import tomllib  # wheels, most packages scanned, hold no pyproject.toml

        try:
            doc = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            continue  # pip cannot read it either: nothing of it runs
        build = doc.get("build-system", {})
        backend = build.get("build-backend") if isinstance(build, dict) else None
        paths = build.get("backend-path", []) if isinstance(build, dict) else []
        if not isinstance(backend, str) or not isinstance(paths, list) or not paths:
            continue
        base = member.rsplit("/", 1)[0] + "/" if "/" in member else ""
        module = backend.split(":", 1)[0].replace(".", "/")
        for p in paths:
            if not isinstance(p, str):
                continue
            prefix = _normalise(base + p)
            prefix = prefix + "/" if prefix else ""
            for candidate in (f"{prefix}{module}.py", f"{prefix}{module}/__init__.py"):
                if candidate in texts:
                    out.append(candidate)
    return out


def _build_hook_files(texts: Mapping[str, str], roots: list[str]) -> list[str]:
    """Files of a source distribution that its build backend loads and runs while building
    it, as pip does on install, like ``setup.py``: hatchling's custom build and metadata hooks
    (``[tool.hatch.build.hooks.custom]``, per target under ``[tool.hatch.build.targets.*]``,
    ``[tool.hatch.metadata.hooks.custom]``, in ``pyproject.toml`` or ``hatch.toml``; ``path``,
    ``hatch_build.py`` by default) and its ``code`` version source (a file it runs for the
    version); pdm-backend's build hook (``pdm_build.py``, or ``[tool.pdm.build]
    custom-hook``) and pdm-pep517's ``setup-script``; poetry-core's build script
    (``[tool.poetry.build] script``, or ``build = "..."``); setuptools' command classes named
    by configuration (``[tool.setuptools.cmdclass]``, ``setup.cfg``'s ``cmdclass``), whose
    modules it imports to build. Each counts only under the backend that runs it."""
    import tomllib  # as in _build_backend_modules: most packages scanned hold none

    out: list[str] = []
    for member in texts:
        name = PurePosixPath(member).name
        if name == "setup.cfg" and _depth_below_root(member, roots) == 0:
            for module in _cfg_commands(texts[member]):
                out.extend(_module_files(module, "", texts, roots))
            continue
        if name not in ("pyproject.toml", "hatch.toml"):
            continue
        try:
            doc = tomllib.loads(texts[member][:262144])
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            continue
        base = member.rsplit("/", 1)[0] + "/" if "/" in member else ""
        if name == "hatch.toml":
            paths = _hatch_hooks(doc)
        else:
            build = doc.get("build-system")
            backend = build.get("build-backend") if isinstance(build, dict) else None
            tool = doc.get("tool")
            tool = tool if isinstance(tool, dict) else {}
            backend = backend if isinstance(backend, str) else ""
            paths = _backend_hooks(backend, tool)
            if not backend or backend.startswith("setuptools"):
                for value in (_table(tool, "setuptools", "cmdclass") or {}).values():
                    if isinstance(value, str):
                        module = value.replace(":", ".").rsplit(".", 1)[0]
                        out.extend(_module_files(module, "", texts, roots))
        for path in paths:
            candidate = _normalise(base + path)
            if candidate in texts and candidate.lower().endswith((".py", ".pyw")):
                out.append(candidate)
    return out


def _cfg_commands(text: str) -> list[str]:
    """Modules of the command classes ``setup.cfg``'s ``[options] cmdclass`` names."""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text[:65536])
    except configparser.Error:
        return []
    value = parser.get("options", "cmdclass", fallback="")
    out: list[str] = []
    for line in value.splitlines():
        _, sep, target = line.partition("=")
        if sep and target.strip():
            out.append(target.strip().replace(":", ".").rsplit(".", 1)[0])
    return out


def _table(doc: object, *keys: str) -> dict[str, object] | None:
    """``doc[k1][k2]...`` when every step is a table, else None (absent)."""
    for key in keys:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc if isinstance(doc, dict) else None


def _hatch_hooks(hatch: dict[str, object] | None) -> list[str]:
    """The files hatchling runs from its configuration (``[tool.hatch]`` or ``hatch.toml``):
    a custom hook's table, even empty, enables it at its default path."""
    if hatch is None:
        return []
    hooks = [
        _table(hatch, "build", "hooks", "custom"),
        _table(hatch, "metadata", "hooks", "custom"),
    ]
    for target in (_table(hatch, "build", "targets") or {}).values():
        hooks.append(_table(target, "hooks", "custom"))
    paths = [
        str(hook.get("path")) if isinstance(hook.get("path"), str) else "hatch_build.py"
        for hook in hooks
        if hook is not None
    ]
    version = _table(hatch, "version") or {}
    if version.get("source") == "code" and isinstance(version.get("path"), str):
        paths.append(str(version["path"]))
    return paths


def _backend_hooks(backend: str, tool: dict[str, object]) -> list[str]:
    """The in-tree files ``backend`` runs while it builds, from ``[tool]``."""
    if backend.startswith("hatchling"):
        return _hatch_hooks(_table(tool, "hatch"))
    if backend.startswith("pdm.backend"):
        hook = (_table(tool, "pdm", "build") or {}).get("custom-hook", "pdm_build.py")
        return [hook] if isinstance(hook, str) else []
    if backend.startswith("pdm.pep517"):
        script = (_table(tool, "pdm", "build") or {}).get("setup-script")
        return [script] if isinstance(script, str) else []
    if backend.startswith("poetry.core"):
        build = (_table(tool, "poetry") or {}).get("build")
        script = build.get("script") if isinstance(build, dict) else build
        return [script] if isinstance(script, str) else []
    return []


def _entry_points(texts: Mapping[str, str]) -> list[str]:
    """``module:attr`` of every entry point the package declares: console and GUI scripts and
    plugin groups, from ``entry_points.txt`` (wheels, egg-info) and ``pyproject.toml``'s
    ``[project.scripts]``, ``[project.gui-scripts]`` and ``[project.entry-points.*]``."""
    found: list[str] = []
    for member in texts:
        base = PurePosixPath(member).name
        if base == "entry_points.txt":
            parser = configparser.RawConfigParser(delimiters=("=",), strict=False)
            try:
                parser.read_string(texts[member][:65536])
            except configparser.Error:
                continue
            found.extend(parser[s][k] for s in parser.sections() for k in parser[s])
        elif base == "pyproject.toml":
            import tomllib  # as in _build_backend_modules: most packages scanned hold none

            try:
                project = tomllib.loads(texts[member][:65536]).get("project", {})
            except (tomllib.TOMLDecodeError, ValueError, RecursionError):
                continue
            if not isinstance(project, dict):
                continue
            groups = [project.get("scripts"), project.get("gui-scripts")]
            plugins = project.get("entry-points")
            if isinstance(plugins, dict):
                groups.extend(plugins.values())
            for group in groups:
                if isinstance(group, dict):
                    found.extend(v for v in group.values() if isinstance(v, str))
    return found


def _entry_modules(texts: Mapping[str, str], roots: list[str]) -> dict[str, frozenset[str]]:
    """Module file -> the functions (``func``, ``Class.method``) entry points name in it, and
    those a package's ``__init__`` calls at import (:func:`_called_on_import`)."""
    out: dict[str, set[str]] = {
        m: set(names) for m, names in _called_on_import(texts, roots).items()
    }
    for value in _entry_points(texts):
        module, _, attr = value.split("[", 1)[0].strip().partition(":")
        attr = attr.strip()
        if not module or not attr:
            continue
        for member in _module_files(module.strip(), "", texts, roots):
            out.setdefault(member, set()).add(attr)
    return {m: frozenset(a) for m, a in out.items()}


#: ``from .sync import push`` (one line, or names in parentheses on it).
_FROM_IMPORT = re.compile(
    r"^from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([\w \t,]+)\)?[ \t]*(?:#.*)?$", re.M
)


def _called_on_import(texts: Mapping[str, str], roots: list[str]) -> dict[str, frozenset[str]]:
    """Module file -> its functions that a package's ``__init__.py`` or ``__main__.py``
    imports by name and calls at its top level (``from .sync import push`` then ``push()``):
    they run when the package is imported or started, as an entry point's function runs when
    its command starts."""
    out: dict[str, set[str]] = {}
    for member, text in texts.items():
        if PurePosixPath(member).name not in ("__init__.py", "__main__.py") or "import" not in text:
            continue
        for match in _FROM_IMPORT.finditer(text):
            called: set[str] = set()
            for part in match.group(2).split(","):
                name, _, alias = part.strip().partition(" as ")
                local = (alias or name).strip()
                if local.isidentifier() and re.search(
                    rf"^(?:[\w.]+[ \t]*=[ \t]*)?{re.escape(local)}[ \t]*\(", text, re.M
                ):
                    called.add(name.strip())
            if not called:
                continue
            module = match.group(1)
            if module.startswith(".."):
                continue  # a parent package's module: left to the import-time walk
            for target in _module_files(module.lstrip("."), member, texts, roots):
                if module.startswith(".") and not target.startswith(member.rsplit("/", 1)[0]):
                    continue
                out.setdefault(target, set()).update(called)
    return {m: frozenset(n) for m, n in out.items()}


def _python_metadata(texts: Mapping[str, str]) -> dict[str, str]:
    for member in sorted(texts, key=lambda m: m.count("/")):
        if PurePosixPath(member).name.lower() in ("pkg-info", "metadata"):
            headers = metadata_headers(texts[member][:65536])
            name = first(headers, "Name")
            if name:
                return {
                    "name": name,
                    "version": first(headers, "Version"),
                    "home": first(headers, "Home-page"),
                }
    return {}


def _name_from_archive(archive: str) -> str:
    base = PurePosixPath(archive.rsplit("!/", 1)[-1]).name
    for suffix in PACKAGE_SUFFIXES:
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
            break
    return re.split(r"-\d", base, maxsplit=1)[0]


def _claims_pure(files: PackageFiles, ecosystem: str) -> bool:
    """Whether the package says it holds no native code: a ``none-any`` wheel, or a source
    package without native sources."""
    wheel_tags = ""
    for member in files.texts:
        if PurePosixPath(member).name == "WHEEL":
            text = files.texts[member]
            wheel_tags = " ".join(line for line in text.splitlines() if line.startswith("Tag:"))
    names = list(files.texts) + list(files.others)
    if files.is_wheel or wheel_tags:
        return "none-any" in wheel_tags or files.archive.lower().endswith("none-any.whl")
    if ecosystem == "npm":
        return not any(n.lower().endswith(("binding.gyp", ".cc", ".c")) for n in names)
    return not any(n.lower().endswith(NATIVE_SOURCE_SUFFIXES) for n in names)


def _binaries(files: PackageFiles, ecosystem: str) -> list[Signal]:
    pure = _claims_pure(files, ecosystem)
    signals: list[Signal] = []
    for member, (kind, _size) in files.others.items():
        lower = member.lower()
        if member in files.gpu_code:
            continue  # a GPU kernel, whatever its name: nothing the host runs
        if kind in (Kind.ELF, Kind.PE, Kind.MACHO):
            honest = lower.endswith(HONEST_BINARY_SUFFIXES) or _VERSIONED_LIBRARY.search(lower)
            if not honest and PurePosixPath(lower).suffix:
                # native wheels and sdists ship GPU kernels and objects in ELF under many names
                signals.append(
                    Signal(
                        DisguisedExecutable,
                        Severity.HIGH if pure else Severity.MEDIUM,
                        f"{kind.value.upper()} executable disguised as "
                        f"{PurePosixPath(lower).suffix} file",
                        member,
                        None,
                        f"content starts with {kind.value} magic",
                        Context.IMPORT,
                    )
                )
            elif pure:
                signals.append(
                    Signal(
                        DisguisedExecutable,
                        Severity.MEDIUM,
                        f"{kind.value.upper()} executable in a package that claims to be pure",
                        member,
                        None,
                        f"{kind.value} binary",
                        Context.IMPORT,
                    )
                )
        elif lower.endswith(MEDIA_SUFFIXES) and kind in (Kind.PYTHON, Kind.SHELL, Kind.JAVASCRIPT):
            signals.append(
                Signal(
                    DisguisedExecutable,
                    Severity.HIGH,
                    f"{kind.value} script disguised as {PurePosixPath(lower).suffix} file",
                    member,
                    None,
                    f"content is {kind.value}",
                    Context.IMPORT,
                )
            )
    return signals


def _metadata_signals(ecosystem: str, name: str, version: str, files: PackageFiles) -> list[Signal]:
    signals: list[Signal] = []
    where = next(
        (
            m
            for m in files.texts
            if PurePosixPath(m).name.lower() in ("pkg-info", "metadata", "package.json")
        ),
        "",
    )
    squat = typosquat.check(name, ecosystem)
    if squat:
        signals.append(
            Signal(
                TyposquattingName,
                Severity.MEDIUM,
                f"name {name!r} imitates the popular {ecosystem} package {squat.target!r} "
                f"({squat.how})",
                where,
                None,
                f"{name} ~ {squat.target}",
                Context.INSTALL,
            )
        )
    signals.extend(repository.signals(ecosystem, name, files.texts, squat is not None))
    major = re.match(r"\s*v?(\d+)", version or "")
    if major and int(major.group(1)) >= 99 and int(major.group(1)) < 1900:
        signals.append(
            Signal(
                DependencyConfusionVersion,
                Severity.MEDIUM,
                f"version {version} is high enough to win a dependency-confusion race",
                where,
                None,
                version,
                Context.INSTALL,
            )
        )
    return signals


def _shadow_signals(name: str, files: PackageFiles, signals: list[Signal]) -> list[Signal]:
    """PKG010 for each top-level module the package ships that a popular project owns
    (``requests/``, ``yaml/``): installed, it replaces that module for every program of the
    environment. High when the module's own files carry a behaviour of medium or more (a
    trojanised copy); medium alone (a fork under another name)."""
    members = [*files.texts, *files.others]
    if files.is_wheel:
        data_dirs = {
            "/".join(m.split("/", 2)[:2]) + "/"
            for m in members
            if m.count("/") >= 2
            and m.split("/", 1)[0].endswith(".data")
            and m.split("/", 2)[1] in ("purelib", "platlib")
        }
        prefixes = ["", *sorted(data_dirs)]
    else:
        roots = _roots(files.texts)
        prefixes = [r for r in roots if r.count("/") == roots[0].count("/")]
        prefixes += [r + "src/" for r in prefixes]
    modules = typosquat.top_level_modules(members, prefixes)
    out = []
    for shadow in typosquat.shadows(name, modules):
        folder = shadow.member.removesuffix("__init__.py")
        inside = [
            s
            for s in signals
            if s.severity >= Severity.MEDIUM
            and s.rule is not TyposquattingName
            and (s.path == shadow.member or (folder.endswith("/") and s.path.startswith(folder)))
        ]
        severity = Severity.HIGH if inside else Severity.MEDIUM
        carries = f"; its code {inside[0].message}" if inside else ""
        out.append(
            Signal(
                TyposquattingName,
                severity,
                f"ships the top-level module {shadow.module!r} of the popular project"
                f" {shadow.owner!r}: installed, it replaces that module for every program of the"
                f" environment{carries}",
                shadow.member,
                None,
                f"{name} ships {shadow.module} ({shadow.owner})",
                Context.INSTALL,
            )
        )
    return out


def _own_folders(texts: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Folder prefixes that are the package itself, whatever words its name holds: the sdist's
    top folders and the import package named like the distribution (``duck_test_pkg/``). A
    package cannot lower its own code by calling itself a test."""
    roots = _roots(texts)
    own = [r for r in roots if r and r.count("/") == roots[0].count("/")]
    wanted = re.sub(r"[-_.]+", "_", name.lower())
    for member in texts:
        parts = member.split("/")
        for depth, part in enumerate(parts[:3][: len(parts) - 1]):
            if re.sub(r"[-_.]+", "_", part.lower()) == wanted:
                own.append("/".join(parts[: depth + 1]) + "/")
                break
    return tuple(sorted(set(own), key=len, reverse=True))


def _lower_for_tests(signal: Signal, reach: PackageReach) -> Signal:
    """Tests, examples, docs and benchmarks are not imported by the package, nor are the
    scripts of an sdist that no package of it holds: what their top level does weighs two
    levels less, what they do when called one (``reach`` says which members these are).
    Install-time code (which pip runs whatever its folder is called) is never lowered, nor are
    the package's own folders for the words in its name, nor test modules that the package's
    own code imports."""
    if signal.context is Context.INSTALL or signal.severity <= Severity.LOW:
        return signal
    note = reach.weighs_less(signal.path)
    if note is None:
        return signal
    steps = 2 if signal.context is Context.IMPORT else 1
    return Signal(
        signal.rule,
        Severity(max(Severity.LOW, signal.severity - steps)),
        f"{signal.message} {note}",
        signal.path,
        signal.line,
        signal.evidence,
        signal.context,
        signal.relations,
    )


_SCORE = {
    Severity.INFO: 0.5,
    Severity.LOW: 2.0,
    Severity.MEDIUM: 5.0,
    Severity.HIGH: 8.0,
    Severity.CRITICAL: 10.0,
}


def _hidden_install_code(signals: list[Signal]) -> bool:
    """Install-time code that executes a computed value in a file that hides itself (an
    indicator of medium weight: a builtin reached by a computed name, packed lines, encrypted
    code). An import by a name that does not fold is no such sign: it is how test and plugin
    discovery load the modules that files or configuration name, while a name written in the
    code and only disguised (joined characters, reversed or encoded text) folds and is judged
    as the import of that name."""
    executes = {
        s.path
        for s in signals
        if s.rule is ObfuscatedCodeExecution
        and s.context is Context.INSTALL
        and s.severity >= Severity.MEDIUM
    }
    return any(
        s.rule is ObfuscationIndicators and s.severity >= Severity.MEDIUM and s.path in executes
        for s in signals
    )


def _stealer(signals: list[Signal]) -> bool:
    """A file that names credential stores and sends to a chat webhook or sends secrets is a
    stealer, even when its code only runs when called."""
    harvest = {s.path for s in signals if s.rule is CredentialHarvesting}
    for s in signals:
        if s.path not in harvest:
            continue
        if (s.rule is SecretExfiltration and s.severity >= Severity.HIGH) or (
            s.rule is SuspiciousJavaScript and "sends" in s.message
        ):
            return True
        if s.rule is InstallTimeNetwork and destinations.named("messaging-webhook").search(
            s.evidence
        ):
            return True
    return False


def score_signals(signals: list[Signal]) -> tuple[float, Severity | None, list[str]]:
    """Risk 0-10: the strongest signal, plus one per further independent kind of evidence."""
    relevant = [s for s in signals if s.rule is not PackageRiskVerdict]
    if not relevant:
        return 0.0, None, []
    ranked = sorted(relevant, key=lambda s: -_SCORE[s.severity])
    score = _SCORE[ranked[0].severity]
    strong_rules = {s.rule.code for s in relevant if s.severity >= Severity.MEDIUM}
    score = min(10.0, score + 0.5 * max(0, len(strong_rules) - 1))
    if ranked[0].severity < Severity.HIGH:
        score = min(score, 6.5)
    elif ranked[0].severity < Severity.CRITICAL:
        score = min(score, 8.5)
    if _stealer(relevant) or _hidden_install_code(relevant):
        score = max(score, 8.0)
    combined = combinations.strongest(relevant)
    if combined is not None:
        score = max(score, 9.0 if combined[0].severity is Severity.CRITICAL else 7.5)
    severity = (
        Severity.CRITICAL
        if score >= 9
        else Severity.HIGH
        if score >= 7
        else Severity.MEDIUM
        if score >= 4
        else Severity.LOW
        if score >= 1.5
        else Severity.INFO
    )
    reasons: list[str] = []
    if combined is not None:
        combo, shown = combined
        where = ", ".join(f"{s.rule.code} {s.path}:{s.line or ''}".rstrip(":") for s in shown)
        reasons.append(f"signals that add up ({combo.severity.label}): {combo.summary} [{where}]")
    for s in ranked:
        reason = f"{s.rule.name} ({s.severity.label}): {s.message}"
        if reason not in reasons:
            reasons.append(reason)
        if len(reasons) >= 5:
            break
    return score, severity, reasons
