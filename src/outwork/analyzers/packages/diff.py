"""Release diff: what a new release of a package does that the release before it did not.

``outwork diff OLD NEW`` reads two releases of one package (sdists, wheels, npm tarballs or
unpacked folders), runs the packages layer on each, and reports in the one findings model:

- PKG040, behaviour the layer finds in the new release with no counterpart in the old one;
- PKG041, network destinations (domains, raw addresses) that the old release never named;
- PKG042, a destination or wallet address replaced inside statements that are otherwise the
  same (aligned by structure, ``align.py``);
- PKG043, executables the old release did not ship;
- PKG044, new install lifecycle scripts, ``.pth`` files, entry points and top-level modules.

Nothing is executed or installed; both sides are read within the scan's budgets.
"""

from __future__ import annotations

import configparser
import ipaddress
import json
import os
import re
import stat
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

from publicsuffixlist import PublicSuffixList

from outwork.analyzers.packages import align
from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import destinations as destination_classes
from outwork.analyzers.packages.jsscan import scan_package_json
from outwork.analyzers.packages.package import (
    HEAD_BYTES,
    KEPT_NAMES,
    META_NAMES,
    SOURCE_SUFFIXES,
    Limits,
    PackageFiles,
    Texts,
    Unread,
    Verdict,
    analyze_files,
    not_kept_reason,
    read_archive,
)
from outwork.analyzers.packages.rules.base import When
from outwork.analyzers.packages.rules.release import (
    BinaryKind,
    DestinationKind,
    HookKind,
    ReleaseAddsBehaviour,
    ReleaseAddsBinary,
    ReleaseAddsDestination,
    ReleaseAddsStartupHook,
    ReleaseSwapsConstant,
    SwapKind,
)
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.analyzers.packages.typosquat import normalise, top_level_modules
from outwork.core.artifact import MEMBER_SEP, Kind, classify
from outwork.core.budgets import Budgets
from outwork.core.corerules import ScanBudgetExceeded
from outwork.core.errors import TargetError, UsageError
from outwork.core.findings import Finding, Location, ScannedArtifact, ScanResult, Skip, finding
from outwork.core.reach import names_tests
from outwork.core.rules import Severity
from outwork.sources import RegistryOptions
from outwork.sources.reader import core_finding
from outwork.sources.registries import download_release_file, previous_release, release_files

_EXECUTABLES = (Kind.ELF, Kind.PE, Kind.MACHO)
_JS_SUFFIXES = (".js", ".cjs", ".mjs")
_PY_SUFFIXES = (".py", ".pyw")


@dataclass(slots=True)
class Release:
    """One side of a diff: what the packages layer kept of it and what it concluded."""

    label: str
    files: PackageFiles
    verdict: Verdict
    form: str
    archive: bool
    #: The folder every member sits in (an sdist's ``NAME-VERSION/``, npm's ``package/``).
    prefix: str = ""
    #: normalised member path -> member
    members: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.verdict.version

    def where(self, member: str) -> str:
        """The logical path of a member, as findings name it."""
        if not member:
            return self.label
        return f"{self.label}{MEMBER_SEP if self.archive else '/'}{member}"

    def key(self, member: str) -> str:
        """A member's path with what differs between any two releases set aside: the top
        folder, and the version in ``*.dist-info``/``*.data`` folder names."""
        rel = member[len(self.prefix) :] if member.startswith(self.prefix) else member
        head, sep, rest = rel.partition("/")
        if sep and head.endswith((".dist-info", ".data", ".egg-info")) and self.version:
            head = head.replace(self.version, "{version}")
        return head + sep + rest


def open_release(
    path: Path, budgets: Budgets, label: str | None = None
) -> tuple[Release, list[Finding]]:
    """Read one release (an archive or an unpacked folder) and run the packages layer on it.
    Returns the release and the findings of budgets that stopped its reading."""
    label = label or str(path)
    stops: list[Finding] = []
    if path.is_dir():
        files = read_tree(path, budgets, stops)
        archive = False
    elif path.is_file():
        with path.open("rb") as stream:
            files = read_archive(stream, path.name, Limits(), budgets, stops)
        archive = True
    else:
        raise TargetError(f"{label}: no such file or folder")
    if files is None:
        if stops:
            raise _UnreadableError(label, [_rebased(f, label, archive) for f in stops])
        raise TargetError(
            f"{label}: not a package (no setup.py, pyproject.toml, PKG-INFO, METADATA or"
            " package.json); name an sdist, a wheel, an npm tarball or an unpacked one"
        )
    verdict = analyze_files(files)
    if verdict.ecosystem == "npm":
        form = "npm"
    elif files.is_wheel or any(_is_wheel_metadata(m) for m in files.texts):
        form = "wheel"
    else:
        form = "sdist"
    release = Release(label, files, verdict, form, archive)
    release.prefix = _common_folder([*files.texts, *files.others])
    release.members = {release.key(m): m for m in [*files.texts, *files.others]}
    return release, [_rebased(f, label, archive) for f in stops]


class _UnreadableError(TargetError):
    """A side that a budget stopped before anything of it was read."""

    def __init__(self, label: str, stops: list[Finding]) -> None:
        super().__init__(f"{label}: {stops[0].message}")
        self.label = label
        self.stops = stops


def _rebased(found: Finding, label: str, archive: bool) -> Finding:
    """A budget's finding placed on the side as the user named it."""
    path = found.location.path
    if not path.startswith(label):
        inner = path.split(MEMBER_SEP, 1)[1] if MEMBER_SEP in path else ""
        path = f"{label}{MEMBER_SEP if archive else '/'}{inner}" if inner else label
    return Finding(
        found.rule,
        found.message,
        found.location.rebase(path),
        found.severity,
        found.confidence,
        found.evidence,
    )


def _is_wheel_metadata(member: str) -> bool:
    parts = member.split("/")
    return len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "WHEEL"


def _common_folder(members: list[str]) -> str:
    tops = {m.split("/", 1)[0] for m in members}
    if len(tops) == 1 and all("/" in m for m in members):
        return tops.pop() + "/"
    return ""


def read_tree(folder: Path, budgets: Budgets, stops: list[Finding]) -> PackageFiles | None:
    """An unpacked package (a checkout, an unpacked sdist or npm tarball) read like an archive:
    sources and metadata kept as text, the first bytes of every other file classified. Links
    are not followed; the scan's budgets bound members, bytes and time."""
    limits = Limits()
    texts = Texts()
    files = PackageFiles(archive=folder.name, texts=texts)
    left = limits.text_bytes
    deadline = time.monotonic() + budgets.max_seconds
    count = 0
    for base, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            path = Path(base) / name
            rel = path.relative_to(folder).as_posix()
            count += 1
            if count > budgets.max_members or time.monotonic() > deadline:
                why = "members" if count > budgets.max_members else "seconds"
                stops.append(
                    core_finding(
                        ScanBudgetExceeded,
                        str(folder),
                        f"{folder.name}: the folder exceeds the scan's budget of {why}; the rest"
                        " was not compared",
                    )
                )
                return files if files.texts else None
            try:
                info = path.lstat()
            except OSError as exc:
                files.notes.append(Unread(rel, f"not readable ({exc.strerror})"))
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            lower = name.lower()
            keep = lower.endswith(SOURCE_SUFFIXES) or lower in KEPT_NAMES
            try:
                with path.open("rb") as fh:
                    content = fh.read(limits.member_bytes + 1 if keep else HEAD_BYTES)
            except OSError as exc:
                files.notes.append(Unread(rel, f"not readable ({exc.strerror})"))
                continue
            if keep and len(content) <= limits.member_bytes and left > 0:
                left -= len(content)
                texts.add(rel, content)
            else:
                if keep:
                    why = not_kept_reason(content, limits, left)
                    over = len(content) > limits.member_bytes
                    files.notes.append(Unread(rel, why, oversize=over))
                files.others[rel] = (
                    classify(content[:HEAD_BYTES], lower, info.st_size),
                    info.st_size,
                )
    if not any(PurePosixPath(m).name.lower() in META_NAMES for m in files.texts):
        return None
    return files


def check_comparable(old: Release, new: Release) -> None:
    """Two releases of different ecosystems, or a wheel and an sdist, do not compare: their
    files differ by design, and every difference would read as a change."""
    if old.verdict.ecosystem != new.verdict.ecosystem:
        raise TargetError(
            f"{old.label} is a {_form_name(old)} and {new.label} a {_form_name(new)}:"
            " compare two releases of one package"
        )
    if old.form != new.form:
        raise TargetError(
            f"{old.label} is a {_form_name(old)} and {new.label} a {_form_name(new)}:"
            " compare a wheel with a wheel and an sdist with an sdist"
        )


def _form_name(release: Release) -> str:
    return {"npm": "npm package", "wheel": "wheel", "sdist": "source distribution"}[release.form]


def compare(old: Release, new: Release) -> list[Finding]:
    """Every change of the new release that the release rules report, in member order."""
    check_comparable(old, new)
    changed = _changed_sources(old, new)
    found = [
        *_new_behaviour(old, new),
        *_new_destinations(old, new, changed),
        *_swapped_constants(old, new, changed),
        *_new_binaries(old, new),
        *_new_hooks(old, new),
    ]
    return sorted(found, key=lambda f: (f.location.path, f.location.line or 0, f.code))


def diff_paths(
    old_path: Path,
    new_path: Path,
    budgets: Budgets | None = None,
    *,
    old_label: str | None = None,
    new_label: str | None = None,
) -> ScanResult:
    """``outwork diff OLD NEW`` as a library call: the result the reporters render."""
    budgets = budgets or Budgets()
    started = time.monotonic()
    sides: list[Release] = []
    stops: list[Finding] = []
    for path, label in ((old_path, old_label), (new_path, new_label)):
        try:
            release, stopped = open_release(path, budgets, label)
        except _UnreadableError as exc:
            # nothing could be read before a budget stopped it: fail closed, with the reason
            return ScanResult(
                findings=list(exc.stops),
                skipped=[Skip(exc.label, str(exc))],
                targets=[str(old_label or old_path), str(new_label or new_path)],
            )
        sides.append(release)
        stops.extend(stopped)
    old, new = sides
    result = ScanResult(findings=[*stops, *compare(old, new)])
    for release in sides:
        result.skipped.extend(Skip(release.label, str(note)) for note in release.files.notes)
        result.artifacts.append(
            ScannedArtifact(
                release.label,
                release.form,
                sum(size for _, size in release.files.others.values()),
                None,
                ("packages",),
                {"purl": release.verdict.purl},
            )
        )
    result.targets = [old.label, new.label]
    result.stats.targets = 2
    result.stats.artifacts = 2
    result.stats.analyzed = 2
    result.stats.seconds = time.monotonic() - started
    return result


# --- PKG040: behaviour ---------------------------------------------------------------------------

_LINE_REF = re.compile(r"\b(line|lines)\s+\d+|:\d+(?=[:\s])")


def _normal_text(text: str, version: str) -> str:
    text = _LINE_REF.sub("", text)
    if version:
        text = text.replace(version, "{version}")
    return " ".join(text.split())


def _new_behaviour(old: Release, new: Release) -> Iterator[Finding]:
    def exact(r: Release, s: Signal) -> tuple[str, str, Context, str, str]:
        return (
            s.rule.code,
            r.key(s.path),
            s.context,
            _normal_text(s.message, r.version),
            _normal_text(s.evidence, r.version),
        )

    def placed(r: Release, s: Signal) -> tuple[str, str, Context, str]:
        return exact(r, s)[:4]

    def moved(r: Release, s: Signal) -> tuple[str, Context, str]:
        key = exact(r, s)
        return key[0], key[2], key[4]

    pools: list[dict[tuple[object, ...], list[Signal]]] = [{}, {}, {}]
    for s in old.verdict.signals:
        for pool, key in zip(pools, (exact(old, s), placed(old, s), moved(old, s)), strict=True):
            pool.setdefault(key, []).append(s)
    for s in new.verdict.signals:
        if _grade(s) <= Severity.INFO:
            continue  # the table's "not raised"
        partner = _take(pools[0], exact(new, s))
        if partner is not None:
            if _grade(s) > _grade(partner):
                yield _behaviour(new, s, f" (graded {partner.severity.label} in {_named(old)})")
            continue
        partner = _take(pools[1], placed(new, s)) or _take(pools[2], moved(new, s))
        if partner is not None and s.severity <= partner.severity:
            continue  # the same behaviour with other arguments, or moved by a refactor
        yield _behaviour(new, s, "")


def _take(pool: dict[tuple[object, ...], list[Signal]], key: tuple[object, ...]) -> Signal | None:
    found = pool.get(key)
    return found.pop() if found else None


_VARIANT_BY_GRADE = {
    Severity.CRITICAL: ReleaseAddsBehaviour.GRADED_CRITICAL,
    Severity.HIGH: ReleaseAddsBehaviour.GRADED_HIGH,
    Severity.MEDIUM: ReleaseAddsBehaviour.GRADED_MEDIUM,
    Severity.LOW: ReleaseAddsBehaviour.GRADED_LOW,
}
_WHEN_BY_CONTEXT = {
    Context.INSTALL: When.INSTALL,
    Context.IMPORT: When.IMPORT,
    Context.RUNTIME: When.CALLED,
}


def _grade(s: Signal) -> Severity:
    """PKG040's severity for a new signal: its row by the signal's grade, its column by when the
    signal's code runs."""
    variant = _VARIANT_BY_GRADE.get(s.severity)
    return variant.severity_in(_WHEN_BY_CONTEXT[s.context]) if variant else Severity.INFO


def _behaviour(new: Release, s: Signal, was: str) -> Finding:
    return finding(
        ReleaseAddsBehaviour,
        f"new in {_named(new)}: {s.rule.code} {s.rule.name} ({s.severity.label},"
        f" {s.context.label}): {s.message}{was}",
        path=new.where(s.path),
        line=s.line,
        severity=_grade(s),
        evidence=s.evidence,
        subject=new.verdict.purl,
        properties={
            "rule": s.rule.code,
            "context": s.context.name.lower(),
            "grade": s.severity.label,
        },
    )


def _named(release: Release) -> str:
    return release.version or release.label


# --- sources that changed ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    """A changed source of the new release, its counterpart in the old one, and the statements
    of both (None where there is none or it does not parse), read once for every check."""

    member: str
    old_member: str | None
    after: list[align.Statement] | None
    before: list[align.Statement] | None


def _language(member: str) -> str | None:
    lower = member.lower()
    if lower.endswith(_PY_SUFFIXES):
        return "python"
    if lower.endswith(_JS_SUFFIXES):
        return "javascript"
    return None


def _changed_sources(old: Release, new: Release) -> list[_Source]:
    """Python and JavaScript members of the new release that the old one lacks or holds with
    other content, with their counterpart in the old release."""
    out: list[_Source] = []
    for key, member in new.members.items():
        language = _language(member)
        if language is None or member not in new.files.texts:
            continue
        partner = old.members.get(key)
        text = new.files.texts[member]
        after = align.statements(text, language)
        if partner is not None and partner in old.files.texts:
            before_text = old.files.texts[partner]
            if before_text == text:
                continue
            out.append(_Source(member, partner, after, align.statements(before_text, language)))
        else:
            out.append(_Source(member, None, after, None))
    return out


# --- destinations --------------------------------------------------------------------------------

_URL = re.compile(r"\b(?:https?|wss?|ftp)://[^\s'\"<>`\\)]+", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_HOSTNAME = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$")
#: Last labels of file names that are also top-level domains: ``setup.py`` is no host.
_FILE_SUFFIXES = frozenset(
    {
        "py", "js", "md", "sh", "rs", "so", "pl", "rb", "go", "ts", "cc", "cs", "pm", "ps", "in",
        "zip", "mov", "json", "txt", "cfg", "ini", "toml", "yml", "yaml", "lock", "log", "csv",
        "html", "css", "png", "gif", "jpg", "svg", "pdf", "xml",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Destination:
    """A network destination named by a string: the domain it belongs to (an address for a raw
    IP) and whether the packages layer counts it as suspicious."""

    domain: str
    text: str
    suspicious: bool

    @property
    def key(self) -> str:
        """What makes it new: its domain, or for a suspicious destination (a webhook on a
        domain the old release linked to for its chat) the whole address."""
        return self.text.lower() if self.suspicious and "://" in self.text else self.domain


@cache
def _suffixes() -> PublicSuffixList:
    # the list bundled with the library (no network); a name under no known suffix is no host
    return PublicSuffixList(accept_unknown=False)


def destinations(text: str, *, bare_hosts: bool = True) -> list[Destination]:
    """The URLs, raw addresses and ``host:port`` pairs a string names; with ``bare_hosts``, also
    a string that is a host name alone (dotted identifiers such as ``db.system.name`` look
    like one: only a swap of one for another counts)."""
    out: list[Destination] = []
    for match in _URL.finditer(text):
        url = match.group(0)
        host = re.sub(r"^[a-z]+://", "", url, flags=re.IGNORECASE).split("/", 1)[0]
        host = host.rsplit("@", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host.strip("[]")
        found = _host(host.lower(), url)
        if found is not None:
            out.append(found)
    if out:
        return out
    whole = text.strip().lower()
    host, colon, port = whole.rpartition(":")
    if colon and port.isdigit() and len(port) <= 5:
        whole, bare_hosts = host, True  # host:port names a destination either way
    if _IPV4.fullmatch(whole) or (bare_hosts and _HOSTNAME.match(whole)):
        found = _host(whole, text.strip())
        if found is not None and whole.rsplit(".", 1)[-1] not in _FILE_SUFFIXES:
            out.append(found)
    return out


def _host(host: str, text: str) -> Destination | None:
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if _local(address):
            return None
        return Destination(str(address), text, True)
    if "." not in host or host.endswith((".local", ".localhost", ".internal", ".example", ".test")):
        return None
    psl = _suffixes()
    if psl.publicsuffix(host) is None:
        return None
    # a host that is itself a suffix of the list's private part (a service's own domain,
    # under which its users get names) is its own domain
    domain = psl.privatesuffix(host) or host
    return Destination(domain, text, destination_classes.suspicious(text))


#: Addresses of this machine and of private networks: what tests and local services use.
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def _local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_loopback
        or address.is_unspecified
        or address.is_link_local
        or address.is_multicast
        or any(address in network for network in _LOCAL_NETWORKS)
    )


def _known_domains(release: Release) -> set[str]:
    """Every domain and address the release names anywhere, code, docs or metadata alike."""
    known: set[str] = set()
    for member in release.files.texts:
        text = release.files.texts[member]
        for match in _URL.finditer(text):
            for dest in destinations(match.group(0)):
                known.update((dest.key, dest.domain))
        for match in _IPV4.finditer(text):
            known.add(match.group(0))
    return known


def _install_members(release: Release) -> set[str]:
    """Members that run at install time by their place: ``setup.py`` at the top, the files an
    npm install lifecycle script runs."""
    out = {m for k, m in release.members.items() if k == "setup.py"}
    manifest = release.members.get("package.json")
    if manifest is not None and manifest in release.files.texts:
        _, info = scan_package_json(release.files.texts[manifest], manifest)
        for target in info.get("install_files", []):
            member = release.members.get(_normal_path(str(target)))
            if member is not None:
                out.add(member)
    return out


def _normal_path(path: str) -> str:
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


def _new_destinations(old: Release, new: Release, changed: list[_Source]) -> Iterator[Finding]:
    if not changed:
        return
    known = _known_domains(old)
    install = _install_members(new)
    reported: set[str] = set()
    for source in changed:
        for value, line in align.strings(source.after or []):
            for dest in destinations(value, bare_hosts=False):
                if dest.key in known or dest.key in reported:
                    continue
                reported.add(dest.key)
                at_install = source.member in install
                kind = (
                    (
                        DestinationKind.SUSPICIOUS_INSTALL
                        if at_install
                        else DestinationKind.SUSPICIOUS
                    )
                    if dest.suspicious
                    else (DestinationKind.DOMAIN_INSTALL if at_install else DestinationKind.DOMAIN)
                )
                yield finding(
                    ReleaseAddsDestination,
                    f"new in {_named(new)}: {clip(dest.key, 100)} ({kind.value}), named nowhere in"
                    f" {_named(old)}",
                    path=new.where(source.member),
                    line=line,
                    severity=_in_tests(
                        new, source.member, ReleaseAddsDestination.severity_in(kind)
                    ),
                    evidence=clip(dest.text),
                    subject=new.verdict.purl,
                    properties={"destination": dest.domain, "kind": kind.name.lower()},
                )


def _in_tests(release: Release, member: str, severity: Severity) -> Severity:
    """One step lower (never below low) in a folder of tests, examples, docs or benchmarks,
    whose code an installation does not import (what it would run is PKG040's, graded by the
    packages layer, which knows when a package imports its tests)."""
    folders = release.key(member).split("/")[:-1]
    if not any(names_tests(part) for part in folders) or severity <= Severity.LOW:
        return severity
    return Severity(severity - 1)


# --- PKG042: swapped constants -------------------------------------------------------------------


def _swapped_constants(old: Release, new: Release, changed: list[_Source]) -> Iterator[Finding]:
    popular = normalise(new.verdict.name) in tables.top_names(new.verdict.ecosystem)
    for source in changed:
        if source.old_member is None:
            continue
        if source.before is None or source.after is None:
            continue
        for swap in align.swaps(source.before, source.after):
            kind = _swap_kind(swap.old, swap.new, popular=popular)
            if kind is None:
                continue
            yield finding(
                ReleaseSwapsConstant,
                f"{kind.value} replaced in a statement otherwise the same as in {_named(old)}:"
                f" {clip(swap.old, 120)!r} became {clip(swap.new, 120)!r}",
                path=new.where(source.member),
                line=swap.new_line,
                severity=_in_tests(new, source.member, ReleaseSwapsConstant.severity_in(kind)),
                evidence=clip(swap.new),
                subject=new.verdict.purl,
                related=(Location(old.where(source.old_member), swap.old_line),),
                properties={
                    "old": swap.old[:500],
                    "new": swap.new[:500],
                    "kind": kind.name.lower(),
                },
            )


def _swap_kind(before: str, after: str, *, popular: bool) -> SwapKind | None:
    old_wallets, new_wallets = wallets(before), wallets(after)
    if old_wallets and new_wallets and old_wallets != new_wallets:
        return SwapKind.WALLET
    old_domains = {d.domain for d in destinations(before)}
    new_domains = {d.domain for d in destinations(after)}
    if old_domains and new_domains and not new_domains <= old_domains:
        return SwapKind.DESTINATION_POPULAR if popular else SwapKind.DESTINATION
    return None


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WALLET = re.compile(
    r"(?<![0-9A-Za-z])(?:0x[0-9a-fA-F]{40}|(?:bc|ltc|tb)1[02-9ac-hj-np-z]{25,87}"
    rf"|[13LMT][{_B58}]{{25,34}}|[{_B58}]{{32,44}})(?![0-9A-Za-z])"
)


def wallets(text: str) -> frozenset[str]:
    """Cryptocurrency addresses in a string: Ethereum-style hex, bech32 (Bitcoin, Litecoin),
    Base58Check (Bitcoin, Litecoin, Tron; the checksum verified) and Solana keys (32 bytes)."""
    found: set[str] = set()
    for match in _WALLET.finditer(text):
        token = match.group(0)
        if token.startswith(("0x", "bc1", "tb1", "ltc1")):
            found.add(token)
            continue
        raw = _base58(token)
        if raw is None:
            continue
        if len(raw) == 25 and _checksum_ok(raw):
            found.add(token)  # Base58Check: Bitcoin, Litecoin, Tron
        elif len(raw) == 32 and not token.isalpha():
            found.add(token)  # a 32-byte key: Solana
    return frozenset(found)


def _base58(token: str) -> bytes | None:
    number = 0
    for char in token:
        index = _B58.find(char)
        if index < 0:
            return None
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(token) - len(token.lstrip("1"))) + body


def _checksum_ok(raw: bytes) -> bool:
    import hashlib

    digest = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()
    return digest[:4] == raw[-4:]


# --- PKG043: binaries ----------------------------------------------------------------------------

_BUILD_HASH = re.compile(r"[-.][0-9a-f]{8,}(?=[-.])")
_NUMBERS = re.compile(r"\d+")


def _binary_key(key: str) -> str:
    """A binary's path with build hashes and version numbers set aside (auditwheel's
    ``libgfortran-040039e1.so.5.0.0``, ``cpython-311``)."""
    return _NUMBERS.sub("#", _BUILD_HASH.sub("", key))


def _new_binaries(old: Release, new: Release) -> Iterator[Finding]:
    before = {_binary_key(k) for k, m in old.members.items() if _kind(old, m) in _EXECUTABLES}
    kind = BinaryKind.FURTHER if before else BinaryKind.FIRST
    for key, member in sorted(new.members.items()):
        found = _kind(new, member)
        if found not in _EXECUTABLES or _binary_key(key) in before:
            continue
        yield finding(
            ReleaseAddsBinary,
            f"new in {_named(new)}: {found.value.upper() if found else ''} executable"
            f" {PurePosixPath(member).name} ({kind.value})",
            path=new.where(member),
            severity=ReleaseAddsBinary.severity_in(kind),
            evidence=f"{found.value if found else ''} binary",
            subject=new.verdict.purl,
            properties={"kind": kind.name.lower()},
        )


def _kind(release: Release, member: str) -> Kind | None:
    held = release.files.others.get(member)
    return held[0] if held else None


# --- PKG044: hooks -------------------------------------------------------------------------------


def _new_hooks(old: Release, new: Release) -> Iterator[Finding]:
    yield from _new_pth(old, new)
    if new.form == "npm":
        yield from _new_lifecycle(old, new)
    else:
        yield from _new_entry_points(old, new)
        yield from _new_modules(old, new)


def _hook(
    new: Release, kind: HookKind, message: str, member: str, line: int | None, evidence: str
) -> Finding:
    return finding(
        ReleaseAddsStartupHook,
        f"new in {_named(new)}: {message}",
        path=new.where(member),
        line=line,
        severity=ReleaseAddsStartupHook.severity_in(kind),
        evidence=clip(evidence),
        subject=new.verdict.purl,
        properties={"kind": kind.name.lower()},
    )


def _new_pth(old: Release, new: Release) -> Iterator[Finding]:
    for key, member in sorted(new.members.items()):
        if key.lower().endswith(".pth") and key not in old.members:
            first = ""
            if member in new.files.texts:
                first = next((x for x in new.files.texts[member].splitlines() if x.strip()), "")
            yield _hook(
                new,
                HookKind.PTH,
                f"{PurePosixPath(member).name}, run by every Python start-up",
                member,
                None,
                first,
            )


def _manifest(release: Release) -> tuple[str, dict[str, object]] | None:
    member = release.members.get("package.json")
    if member is None or member not in release.files.texts:
        return None
    try:
        doc = json.loads(release.files.texts[member])
    except (ValueError, RecursionError):
        return None
    return (member, doc) if isinstance(doc, dict) else None


def _scripts(doc: Mapping[str, object], field_name: str) -> dict[str, str]:
    value = doc.get(field_name)
    if isinstance(value, str) and field_name == "bin":
        return {str(doc.get("name", "")): value}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float)}


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _new_lifecycle(old: Release, new: Release) -> Iterator[Finding]:
    found_new, found_old = _manifest(new), _manifest(old)
    if found_new is None:
        return
    member, doc = found_new
    before = found_old[1] if found_old else {}
    text = new.files.texts[member]
    scripts, old_scripts = _scripts(doc, "scripts"), _scripts(before, "scripts")
    for hook in tables.NPM_INSTALL_SCRIPTS:
        command = scripts.get(hook, "").strip()
        if not command:
            continue
        previous = old_scripts.get(hook, "").strip()
        if previous == command:
            continue
        kind = HookKind.LIFECYCLE_CHANGED if previous else HookKind.LIFECYCLE
        what = f"{hook} script changed (was {previous!r})" if previous else f"{hook} script"
        yield _hook(new, kind, f"{what}: {command}", member, _line_of(text, f'"{hook}"'), command)
    gyp = new.members.get("binding.gyp")
    if gyp is not None and "binding.gyp" not in old.members and "install" not in scripts:
        yield _hook(
            new,
            HookKind.LIFECYCLE,
            "binding.gyp, built by npm at install time",
            gyp,
            None,
            "node-gyp rebuild",
        )
    old_bin = _scripts(before, "bin")
    for name, target in sorted(_scripts(doc, "bin").items()):
        if name not in old_bin:
            yield _hook(
                new,
                HookKind.SCRIPT,
                f"command {name!r} runs {target}",
                member,
                _line_of(text, '"bin"'),
                target,
            )


def entry_points(texts: Mapping[str, str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(group, name) -> (value, member) of every entry point: ``entry_points.txt`` of wheels
    and egg-info, ``[project.scripts]``, ``[project.gui-scripts]`` and
    ``[project.entry-points.*]`` of ``pyproject.toml``."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for member in texts:
        base = PurePosixPath(member).name
        if base == "entry_points.txt":
            parser = configparser.RawConfigParser(delimiters=("=",), strict=False)
            try:
                parser.read_string(texts[member][:65536])
            except configparser.Error:
                continue
            for section in parser.sections():
                for key in parser[section]:
                    found.setdefault((section, key), (parser[section][key].strip(), member))
        elif base == "pyproject.toml" and member.count("/") <= 1:
            try:
                project = tomllib.loads(texts[member][:65536]).get("project", {})
            except (tomllib.TOMLDecodeError, ValueError, RecursionError):
                continue
            if not isinstance(project, dict):
                continue
            groups: dict[str, object] = {
                "console_scripts": project.get("scripts"),
                "gui_scripts": project.get("gui-scripts"),
            }
            plugins = project.get("entry-points")
            if isinstance(plugins, dict):
                groups.update(plugins)
            for group, entries in groups.items():
                if isinstance(entries, dict):
                    for key, value in entries.items():
                        if isinstance(value, str):
                            found.setdefault((group, str(key)), (value, member))
    return found


def _new_entry_points(old: Release, new: Release) -> Iterator[Finding]:
    before = entry_points(old.files.texts)
    for (group, name), (value, member) in sorted(entry_points(new.files.texts).items()):
        if (group, name) in before:
            continue
        script = group in ("console_scripts", "gui_scripts")
        kind = HookKind.SCRIPT if script else HookKind.PLUGIN
        what = f"command {name!r}" if script else f"plugin {name!r} of group {group!r}"
        yield _hook(
            new,
            kind,
            f"{what} runs {value}",
            member,
            _line_of(new.files.texts[member], name),
            f"{name} = {value}",
        )


def _module_prefixes(release: Release) -> list[str]:
    if release.form == "wheel":
        data = {
            "/".join(k.split("/", 2)[:2]) + "/"
            for k in release.members
            if k.count("/") >= 2
            and k.split("/", 1)[0].endswith(".data")
            and k.split("/", 2)[1] in ("purelib", "platlib")
        }
        return ["", *sorted(data)]
    return ["", "src/"]


def _new_modules(old: Release, new: Release) -> Iterator[Finding]:
    def modules(release: Release) -> dict[str, str]:
        found = top_level_modules(release.members, _module_prefixes(release))
        if release.form != "wheel":
            # an sdist's own top-level files (setup.py, noxfile.py) are not installed
            found = {m: k for m, k in found.items() if k.endswith("/__init__.py")}
        return {m: k for m, k in found.items() if not names_tests(m)}

    before = modules(old)
    for module, key in sorted(modules(new).items()):
        if module in before:
            continue
        member = new.members[key]
        yield _hook(new, HookKind.MODULE, f"top-level module {module!r}", member, None, key)


# --- targets: paths and registry releases --------------------------------------------------------


def is_registry(target: str) -> bool:
    return target.startswith(("pypi:", "npm:"))


def diff_targets(
    old: str | None,
    new: str,
    *,
    online: bool = False,
    registry: RegistryOptions | None = None,
    budgets: Budgets | None = None,
) -> ScanResult:
    """Compare two releases named as paths or, when ``online``, as ``pypi:NAME==V`` /
    ``npm:NAME@V`` (``old`` None: the release before ``new``). A registry release is
    downloaded (digests checked) into a private folder removed afterwards; its sdist and its
    wheel are compared with the old release's files of the same form."""
    registry = registry or RegistryOptions()
    named = [t for t in (old, new) if t is not None]
    if any(is_registry(t) for t in named) and not online:
        raise UsageError(
            f"{next(t for t in named if is_registry(t))}: comparing registry releases asks the"
            " registry; add --online"
        )
    if old is None:
        if not is_registry(new):
            raise UsageError("name the old release too: outwork diff OLD NEW")
        old = previous_release(new, registry).display
    with tempfile.TemporaryDirectory(prefix="outwork-diff-") as folder:
        old_files = _side(old, Path(folder) / "old", registry)
        new_files = _side(new, Path(folder) / "new", registry)
        pairs = _pairs(old_files, new_files)
        if not pairs:
            raise TargetError(
                f"{old} and {new} have no files of the same form to compare (sdist with sdist,"
                " wheel with wheel)"
            )
        merged = ScanResult(targets=[old, new])
        for (old_label, old_path), (new_label, new_path) in pairs:
            part = diff_paths(old_path, new_path, budgets, old_label=old_label, new_label=new_label)
            merged.findings += part.findings
            merged.skipped += part.skipped
            merged.artifacts += part.artifacts
            merged.stats.artifacts += part.stats.artifacts
            merged.stats.analyzed += part.stats.analyzed
            merged.stats.seconds += part.stats.seconds
        merged.stats.targets = 2
    return merged


def _side(target: str, folder: Path, registry: RegistryOptions) -> list[tuple[str, Path]]:
    if not is_registry(target):
        return [(target, Path(target))]
    ref, files = release_files(target, registry)
    folder.mkdir(parents=True)
    return [
        (f"{ref.display}/{f.filename}", download_release_file(f, folder, registry)) for f in files
    ]


def _form(path: Path) -> tuple[str, str]:
    """A release file's form and, for a wheel, its tags (``py3-none-any``)."""
    name = path.name.lower()
    if name.endswith(".whl"):
        return "wheel", "-".join(name[: -len(".whl")].split("-")[-3:])
    return ("folder" if path.is_dir() else "archive"), ""


def _pairs(
    old: list[tuple[str, Path]], new: list[tuple[str, Path]]
) -> list[tuple[tuple[str, Path], tuple[str, Path]]]:
    """Old and new files of the same form: the sdists (or npm tarballs, or folders), and one
    wheel, with the same tags where both releases have them (a pure wheel first)."""
    if len(old) == 1 and len(new) == 1:
        return [(old[0], new[0])]
    pairs = []
    sources_old = [o for o in old if _form(o[1])[0] != "wheel"]
    sources_new = [n for n in new if _form(n[1])[0] != "wheel"]
    if sources_old and sources_new:
        pairs.append((sources_old[0], sources_new[0]))
    wheels_old = {_form(o[1])[1]: o for o in old if _form(o[1])[0] == "wheel"}
    for candidate in new:
        form, tags = _form(candidate[1])
        if form == "wheel" and wheels_old:
            partner = wheels_old.get(tags) or next(iter(wheels_old.values()))
            pairs.append((partner, candidate))
            break
    return pairs
