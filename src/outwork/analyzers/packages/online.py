"""Online registry checks, run once per scan after every artifact (``Analyzer.finish``).

Only with ``--online`` (``context.offline is False``). Every distinct PyPI and npm package the
scan met (packages read from archives, dependencies declared in manifests and lockfiles) is
looked up on its registry, with bounded concurrency, time and bytes, and a per-scan memo:

- the name does not exist (PKG031: "slopsquatting", names that code assistants invent and
  attackers register), or npm replaced it with a security placeholder (PKG036);
- the first release is days old (PKG032), there is one release only (PKG033), the metadata
  names no source repository (PKG034): weak alone, raised together;
- a dependency's registry metadata names another popular project's repository (PKG030, the
  check package archives get offline from their own metadata);
- what could not be checked is reported (PKG035), never silently dropped.

Options (``AnalysisContext.options``, flat ``packages.KEY`` or nested under ``packages``):
``pypi_url``, ``npm_url`` (the CLI's ``--index-url`` and ``--npm-registry``), ``online_max_lookups``
(500), ``online_workers`` (8), ``online_timeout`` (15 s per request), ``online_seconds`` (120 s for
all look-ups), ``online_max_bytes`` (32 MiB per document), ``online_new_days`` (30).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from outwork.analyzers.packages import typosquat
from outwork.analyzers.packages.package import looks_like_package_name
from outwork.analyzers.packages.repository import (
    SOURCE_LABELS,
    Link,
    judge_links,
    parse_repository,
)
from outwork.analyzers.packages.rules.online import (
    NewlyPublishedPackage,
    NoSourceRepository,
    PackageNotOnRegistry,
    PackageRemovedByRegistry,
    RegistryCheckIncomplete,
    SingleReleasePackage,
)
from outwork.analyzers.packages.rules.repository import RepositoryOfAnotherProject
from outwork.core.analyzer import AnalysisContext, Component
from outwork.core.errors import TargetError
from outwork.core.findings import Finding, finding
from outwork.core.rules import Rule, Severity
from outwork.sources import DEFAULT_NPM, DEFAULT_PYPI, RegistryOptions
from outwork.sources.registries import RegistryUnreachableError, document_url, fetch_document

#: Consecutive unreachable answers after which a registry is given up for the rest of the scan.
UNREACHABLE_AFTER = 3
_RISK_SCORE = "outwork:risk-score"
#: An archive's own score from which its registry history can raise it (a medium verdict).
_RISKY_CODE = 4.0


@dataclass(frozen=True, slots=True)
class OnlineOptions:
    pypi_url: str = DEFAULT_PYPI
    npm_url: str = DEFAULT_NPM
    max_lookups: int = 500
    workers: int = 8
    timeout: float = 15.0
    seconds: float = 120.0
    max_bytes: int = 32 * 1024 * 1024
    new_days: int = 30

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> OnlineOptions:
        nested = options.get("packages")
        nested = nested if isinstance(nested, Mapping) else {}

        def get(key: str, default: Any, kind: type) -> Any:
            value = options.get(f"packages.{key}", nested.get(key))
            if value is None or value == "":
                return default
            try:
                return kind(value)
            except (TypeError, ValueError):
                return default

        defaults = cls()
        return cls(
            pypi_url=str(get("pypi_url", defaults.pypi_url, str)),
            npm_url=str(get("npm_url", defaults.npm_url, str)),
            max_lookups=max(0, get("online_max_lookups", defaults.max_lookups, int)),
            workers=min(32, max(1, get("online_workers", defaults.workers, int))),
            timeout=max(0.1, get("online_timeout", defaults.timeout, float)),
            seconds=max(0.1, get("online_seconds", defaults.seconds, float)),
            max_bytes=max(1024, get("online_max_bytes", defaults.max_bytes, int)),
            new_days=max(0, get("online_new_days", defaults.new_days, int)),
        )


@dataclass(frozen=True, slots=True)
class Subject:
    """A name on a registry: PyPI names normalised, npm names as published (with scope)."""

    ecosystem: str
    name: str

    @property
    def display(self) -> str:
        return f"{self.ecosystem}:{self.name}"


@dataclass(frozen=True, slots=True)
class Use:
    """Where the scan met a subject: a dependency a manifest or lockfile declares
    (``declared``), one found installed or listed in an SBOM (``installed``), or a package
    archive that was scanned itself (``package``)."""

    path: str
    line: int | None
    kind: str
    purl: str
    #: The packages analyzer judged this file's own metadata offline (an installed package's
    #: ``METADATA`` or ``package.json``): PKG030 was decided from it already.
    judged: bool = False
    #: A scanned archive's own risk score (0-10, offline verdict), for the combined judgement.
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the registry says about a name."""

    exists: bool = True
    error: str | None = None
    url: str = ""
    removed: bool = False
    unpublished: bool = False
    first_release: datetime | None = None
    #: Versions with files; None when the document does not list them.
    releases: int | None = None
    repository: str | None = None
    #: Every (label, URL) the registry metadata lists, for the starjacking check (PKG030).
    links: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class _Breaker:
    """Gives up on a registry after repeated unreachable answers, so that a scan of 500
    dependencies without a network costs seconds, not 500 timeouts."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def down(self, host: str) -> str | None:
        with self.lock:
            if self.failures.get(host, 0) >= UNREACHABLE_AFTER:
                return self.reasons.get(host)
        return None

    def record(self, host: str, reason: str | None) -> None:
        with self.lock:
            if reason is None:
                self.failures[host] = 0
            else:
                self.failures[host] = self.failures.get(host, 0) + 1
                self.reasons[host] = reason


def subject_of(component: Component) -> Subject | None:
    """The registry name of a component with a ``pkg:pypi`` or ``pkg:npm`` purl."""
    purl = component.purl or ""
    if not purl.startswith(("pkg:pypi/", "pkg:npm/")):
        return None
    rest = purl[4:].split("#", 1)[0].split("?", 1)[0]
    ecosystem, _, path = rest.partition("/")
    last = path.rsplit("/", 1)
    if "@" in last[-1]:
        last[-1] = last[-1].rsplit("@", 1)[0]
    name = urllib.parse.unquote("/".join(last))
    if ecosystem == "pypi":
        name = typosquat.normalise(name)
    if not name or len(name) > 214 or any(c in name for c in "\\ \t\r\n?#"):
        return None
    return Subject(ecosystem, name)


#: npm specifiers that name no registry package (workspaces, local folders, patches).
_LOCAL_SPECS = ("workspace:", "file:", "link:", "portal:", "patch:", "exec:")


def uses(components: Sequence[tuple[str, Component]]) -> dict[Subject, list[Use]]:
    """Subjects in the order the scan met them, with every distinct place they were met.

    Packages read from archives are checked; a package made of loose files (a checkout) is not,
    since its name comes from a folder or a manifest that was never published. Dependencies that
    come from a URL, a VCS, a path or a workspace are not registry names and are not checked
    either; an npm alias (``"x": "npm:real@1"``) is checked under the name it installs.
    """
    found: dict[Subject, list[Use]] = {}
    seen: set[tuple[Subject, str]] = set()
    judged = {
        (path, subject_of(component))
        for path, component in components
        if _RISK_SCORE in component.properties
        and not looks_like_package_name(PurePosixPath(path.rsplit("!/", 1)[-1]).name)
    }
    for path, component in components:
        subject = subject_of(component)
        if subject is None:
            continue
        props = component.properties
        own = _RISK_SCORE in props
        if own and not looks_like_package_name(PurePosixPath(path.rsplit("!/", 1)[-1]).name):
            continue
        source = props.get("source", "registry")
        if source not in ("registry", "installed", "sbom"):
            continue
        spec = props.get("specifier")
        if isinstance(spec, str) and subject.ecosystem == "npm":
            lowered = spec.strip().lower()
            if lowered.startswith(_LOCAL_SPECS):
                continue
            if lowered.startswith("npm:"):
                target = spec.strip()[4:]
                at = target.find("@", 1)
                subject = Subject("npm", target[:at] if at > 0 else target)
        if (subject, path) in seen:
            continue
        seen.add((subject, path))
        line = props.get("line")
        kind = "package" if own else "declared" if source == "registry" else "installed"
        found.setdefault(subject, []).append(
            Use(
                path,
                line if isinstance(line, int) else None,
                kind,
                component.purl or "",
                judged=(path, subject) in judged,
                score=_score(props.get(_RISK_SCORE)) if own else None,
            )
        )
    return found


def _score(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def lookup(subject: Subject, options: OnlineOptions, breaker: _Breaker) -> Facts:
    """The registry's answer for one name; failures become ``Facts.error``, never exceptions."""
    registry = RegistryOptions(pypi_url=options.pypi_url, npm_url=options.npm_url)
    try:
        url = document_url(subject.ecosystem, subject.name, registry)
        host = urllib.parse.urlsplit(url).netloc
    except ValueError as exc:
        return Facts(error=f"{subject.display}: invalid registry URL ({exc})")
    reason = breaker.down(host)
    if reason is not None:
        return Facts(error=reason, url=url)
    try:
        doc = fetch_document(
            url, timeout=options.timeout, max_bytes=options.max_bytes, what=subject.display
        )
    except RegistryUnreachableError as exc:
        breaker.record(host, str(exc))
        return Facts(error=str(exc), url=url)
    except TargetError as exc:
        breaker.record(host, None)
        return Facts(error=str(exc), url=url)
    breaker.record(host, None)
    if doc is None:
        return Facts(exists=False, url=url)
    if not isinstance(doc, dict):
        return Facts(error=f"{subject.display}: unexpected registry answer", url=url)
    facts = pypi_facts(doc) if subject.ecosystem == "pypi" else npm_facts(doc)
    return dataclasses.replace(facts, url=url)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pypi_facts(doc: dict[str, Any]) -> Facts:
    """From PyPI's JSON API document (``/pypi/NAME/json``)."""
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    assert isinstance(info, dict)
    releases = doc.get("releases")
    times: list[datetime] = []
    count: int | None = None
    if isinstance(releases, dict):
        count = 0
        for files in releases.values():
            if not isinstance(files, list) or not files:
                continue
            count += 1
            times += _upload_times(files)
    else:
        urls = doc.get("urls")
        times += _upload_times(urls if isinstance(urls, list) else [])
    links: list[tuple[str, object]] = [("home_page", info.get("home_page"))]
    links.append(("download_url", info.get("download_url")))
    project_urls = info.get("project_urls")
    if isinstance(project_urls, dict):
        links += list(project_urls.items())
    return Facts(
        first_release=min(times) if times else None,
        releases=count,
        repository=_source_link(links),
        links=_links(links),
    )


def _upload_times(files: list[Any]) -> list[datetime]:
    out: list[datetime] = []
    for entry in files:
        if isinstance(entry, dict):
            moment = _when(entry.get("upload_time_iso_8601") or entry.get("upload_time"))
            if moment is not None:
                out.append(moment)
    return out


def _links(links: list[tuple[str, object]]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(label), value.strip())
        for label, value in links[:64]
        if isinstance(value, str) and value.strip()
    )


def _source_link(links: list[tuple[str, object]]) -> str | None:
    for label, value in links:
        if not isinstance(value, str) or not value.strip():
            continue
        if parse_repository(value) is not None or str(label).strip().lower() in SOURCE_LABELS:
            return value.strip()
    return None


def npm_facts(doc: dict[str, Any]) -> Facts:
    """From the npm registry's package document (the "packument")."""
    versions = doc.get("versions") if isinstance(doc.get("versions"), dict) else {}
    assert isinstance(versions, dict)
    times = doc.get("time") if isinstance(doc.get("time"), dict) else {}
    assert isinstance(times, dict)
    if not versions:
        return Facts(unpublished=True)
    tags = doc.get("dist-tags") if isinstance(doc.get("dist-tags"), dict) else {}
    latest = tags.get("latest") if isinstance(tags, dict) else None
    description = str(doc.get("description") or "").lower()
    removed = isinstance(latest, str) and (
        (latest.endswith("-security") and "security holding" in description)
        or latest == "0.0.1-security"
    )
    moments = [m for v in [*versions, "created"] if (m := _when(times.get(v))) is not None]
    manifest = versions.get(latest) if isinstance(latest, str) else None
    manifest = manifest if isinstance(manifest, dict) else {}
    links: list[tuple[str, object]] = []
    for source in (doc, manifest):
        for key in ("repository", "homepage", "bugs"):
            value = source.get(key)
            if isinstance(value, dict):
                value = value.get("url")
            # npm's ``repository`` names the source wherever it is hosted
            links.append(("repository" if key == "repository" else key, value))
    return Facts(
        removed=removed,
        first_release=min(moments) if moments else None,
        releases=len(versions),
        repository=_source_link(links),
        links=_links(links),
    )


# --- findings ----------------------------------------------------------------------------------


def check(
    components: Sequence[tuple[str, Component]],
    context: AnalysisContext,
    *,
    now: datetime | None = None,
) -> list[Finding]:
    """Every online finding for the scan's PyPI and npm components; nothing when offline."""
    if context.offline:
        return []
    options = OnlineOptions.from_options(context.options)
    found = uses(components)
    if not found:
        return []
    subjects = list(found)
    todo, over_budget = subjects[: options.max_lookups], subjects[options.max_lookups :]
    facts = _lookup_all(todo, options)
    now = now or datetime.now(UTC)
    out: list[Finding] = []
    failed: list[tuple[Subject, str]] = []
    for subject in todo:
        answer = facts[subject]
        if answer.error is not None:
            failed.append((subject, answer.error))
            continue
        for use in found[subject]:
            out += _judge(subject, use, answer, now, options)
    incomplete = _incomplete(found, len(subjects), failed, over_budget, options)
    if incomplete is not None:
        out.append(incomplete)
    return out


def _lookup_all(subjects: list[Subject], options: OnlineOptions) -> dict[Subject, Facts]:
    """Look every subject up once (the per-scan memo), a few at a time, within the time budget."""
    memo: dict[Subject, Facts] = {}
    if not subjects:
        return memo
    breaker = _Breaker()
    deadline = time.monotonic() + options.seconds

    def one(subject: Subject) -> Facts:
        if time.monotonic() > deadline:
            return Facts(
                error=f"the time budget of {options.seconds:g} s for look-ups was spent"
                " (packages.online_seconds)"
            )
        try:
            return lookup(subject, options, breaker)
        except Exception as exc:  # one odd answer must not end the scan's checks
            return Facts(error=f"{subject.display}: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=min(options.workers, len(subjects))) as pool:
        for subject, answer in zip(subjects, pool.map(one, subjects), strict=True):
            memo[subject] = answer
    return memo


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _judge(
    subject: Subject, use: Use, facts: Facts, now: datetime, options: OnlineOptions
) -> list[Finding]:
    host = _host(facts.url)
    what = "package" if use.kind == "package" else "dependency"
    props: dict[str, Any] = {"registry": host, "use": use.kind}
    common: dict[str, Any] = {"path": use.path, "line": use.line, "subject": use.purl or None}
    if not facts.exists or facts.unpublished:
        gone = "has no published version left" if facts.unpublished else "does not exist"
        if use.kind == "declared":
            message = (
                f"{what} {subject.name!r} {gone} on {host}: anyone can register the name and "
                "the next install runs their code (an invented, private or removed name)"
            )
            severity = Severity.HIGH
        elif use.kind == "installed":
            message = (
                f"installed {what} {subject.name!r} {gone} on {host}: the registry removed it "
                "(often for malware) or it came from a private index; anyone can now register "
                "the name"
            )
            severity = Severity.MEDIUM
        else:
            message = (
                f"{what} {subject.name!r} {gone} on {host}: built locally or taken from a "
                "private index; reserve the name on the public registry"
            )
            severity = Severity.LOW
        return [
            finding(
                PackageNotOnRegistry,
                message,
                severity=severity,
                evidence=f"GET {facts.url} -> not found",
                properties=props,
                **common,
            )
        ]
    if facts.removed:
        return [
            finding(
                PackageRemovedByRegistry,
                f"{what} {subject.name!r} was replaced on {host} by a security holding package:"
                " the registry removed it as malicious",
                evidence=f"GET {facts.url}: latest is a security placeholder",
                properties=props,
                **common,
            )
        ]
    out = _borrowed(subject, use, facts, host, props, common)
    age = (now - facts.first_release).days if facts.first_release else None
    new = age is not None and age < options.new_days
    single = facts.releases is not None and facts.releases <= 1
    bare = facts.repository is None
    if not (new or single or bare):
        return out
    squat = typosquat.check(subject.name, subject.ecosystem)
    # A scanned archive whose own code already scored medium or more (install-time code,
    # network or process use) is judged with its registry history: that code in a package
    # days old, with one release or no repository, is how fresh malware looks.
    risky = use.score is not None and use.score >= _RISKY_CODE
    # The combination raises the finding of the strongest signal (new, else single); the
    # others keep their own weight, so a package counts once at its combined severity.
    if new and ((single and bare and squat) or (risky and (single or bare))):
        combined = Severity.HIGH
    elif new and (single or bare):
        combined = Severity.MEDIUM
    elif new or (single and bare):
        combined = Severity.LOW
    else:
        combined = Severity.INFO
    parts = []
    if new:
        parts.append(f"first release {age} days ago")
    if single:
        parts.append("a single release" if facts.releases == 1 else "no release files")
    if bare:
        parts.append("no source repository")
    if squat:
        parts.append(f"a name like {squat.target!r}")
    if risky and new:
        parts.append(f"its own code scores {use.score:g}/10")
    together = f" ({', '.join(parts)})" if len(parts) > 1 else ""
    props |= {
        "first_release": facts.first_release.isoformat() if facts.first_release else None,
        "releases": facts.releases,
        "repository": facts.repository,
        "signals": parts,
    }
    count = "one release" if facts.releases == 1 else "no release files"
    signals: list[tuple[type[Rule], str, str]] = []
    if new and facts.first_release is not None:
        signals.append(
            (
                NewlyPublishedPackage,
                f"{what} {subject.name!r} was first published on {host} {age} days ago",
                f"first upload {facts.first_release.date().isoformat()}",
            )
        )
    if single:
        signals.append(
            (
                SingleReleasePackage,
                f"{what} {subject.name!r} has {count} on {host}",
                f"{facts.releases} release(s)",
            )
        )
    if bare:
        signals.append(
            (
                NoSourceRepository,
                f"{what} {subject.name!r} names no source repository on {host}",
                "no repository link in the registry metadata",
            )
        )
    for index, (rule, message, evidence) in enumerate(signals):
        if index == 0:
            severity, message = combined, message + together
        else:
            severity = Severity.LOW if rule is NewlyPublishedPackage else Severity.INFO
        out.append(
            finding(rule, message, severity=severity, evidence=evidence, properties=props, **common)
        )
    return out


def _borrowed(
    subject: Subject,
    use: Use,
    facts: Facts,
    host: str,
    props: dict[str, Any],
    common: dict[str, Any],
) -> list[Finding]:
    """PKG030 from the registry's metadata, for dependencies only (a package read from its
    archive, or installed with its metadata scanned, was judged from that metadata already)."""
    if use.kind == "package" or use.judged or not facts.links:
        return []
    links = [Link(label, url, use.path, use.line) for label, url in facts.links]
    found = judge_links(subject.ecosystem, subject.name, links)
    if found is None:
        return []
    squat = found.imitates or typosquat.check(subject.name, subject.ecosystem) is not None
    message = (
        f"dependency {subject.name!r}: its metadata on {host} names {found.repo.slug}, the"
        f" repository of the popular {subject.ecosystem} project {found.project!r}"
    )
    if squat:
        message += "; the name imitates a popular name"
    return [
        finding(
            RepositoryOfAnotherProject,
            message,
            severity=Severity.HIGH if squat else Severity.MEDIUM,
            evidence=f"{found.link.field}: {found.link.url}",
            properties=props | {"repository": found.repo.slug},
            **common,
        )
    ]


def _incomplete(
    found: dict[Subject, list[Use]],
    total: int,
    failed: list[tuple[Subject, str]],
    over_budget: list[Subject],
    options: OnlineOptions,
) -> Finding | None:
    if not failed and not over_budget:
        return None
    parts: list[str] = []
    if failed:
        parts.append(
            f"online registry checks could not run for {len(failed)} of {total} packages:"
            f" {failed[0][1]}"
        )
    if over_budget:
        parts.append(
            f"{len(over_budget)} of {total} packages were not checked: the budget of"
            f" {options.max_lookups} look-ups per scan was reached (packages.online_max_lookups)"
        )
    unchecked = [s for s, _ in failed] + over_budget
    first = found[unchecked[0]][0]
    names = ", ".join(s.display for s in unchecked[:10])
    more = f" and {len(unchecked) - 10} more" if len(unchecked) > 10 else ""
    return finding(
        RegistryCheckIncomplete,
        "; ".join(parts),
        path=first.path,
        evidence=f"unchecked: {names}{more}",
        properties={
            "unchecked": [s.display for s in unchecked],
            "errors": {s.display: e for s, e in failed},
        },
    )
