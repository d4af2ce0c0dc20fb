"""Matching one lockfile, manifest or SBOM: the implementation behind
:meth:`~outwork.analyzers.dependencies.DependencyAnalyzer.analyze`.

Kept out of the package's ``__init__`` so that learning the analyzer and its rules (every scan
does, whatever it selects) does not import the parsers, the version algebra and the store.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from outwork.analyzers.dependencies.matching import match_dependencies
from outwork.analyzers.dependencies.model import Dependency, ParseResult
from outwork.analyzers.dependencies.parsers import parser_for
from outwork.analyzers.dependencies.parsers.others import parse_sbom
from outwork.analyzers.dependencies.parsers.python import (
    EXTRA_INDEX,
    INSECURE_INDEX,
    UNPINNED,
    UNVERIFIED_URL,
)
from outwork.analyzers.dependencies.rules import (
    DependencyFileUnparseable,
    DependencyWithoutIntegrity,
    ExtraIndexDependencyConfusion,
    InsecurePackageIndex,
    UnpinnedRequirement,
)
from outwork.analyzers.dependencies.rules.advisories import check_matches
from outwork.analyzers.dependencies.rules.database import (
    Located,
    check_stale,
    check_unchecked,
)
from outwork.core.analyzer import AnalysisContext, Component, Emitted, QueryAdvisories
from outwork.core.artifact import MEMBER_SEP, Artifact
from outwork.core.errors import BudgetExceeded
from outwork.core.findings import Fact, Finding, finding
from outwork.core.rules import Rule
from outwork.store import STALE_AFTER_DAYS
from outwork.store.advisories import (
    DB_FILENAME,
    AdvisoryDatabaseMissingError,
    AdvisoryLookup,
    AdvisoryStore,
    RecordSet,
    ecosystem_key,
)

#: An open store, the age in days of its oldest feed, and the ecosystems it has feeds for.
OpenStore = tuple[AdvisoryStore, float | None, frozenset[str]]

#: Largest lockfile read (bytes); bigger ones are refused with a CORE008 error, never truncated.
MAX_LOCKFILE_BYTES = 64 * 1024 * 1024
#: Sources whose version is the one really installed and can be matched.
MATCHABLE_SOURCES = frozenset({"registry", "installed", "sbom"})


def database_path(context: AnalysisContext) -> Path | None:
    configured = context.options.get("dependencies.db")
    if configured:
        return Path(str(configured))
    if context.data_dir:
        return Path(context.data_dir) / DB_FILENAME
    return None


_AT_LINE_RE = re.compile(r"\bline (\d+)")

_NOTICE_RULES: dict[str, type[Rule]] = {
    UNPINNED: UnpinnedRequirement,
    UNVERIFIED_URL: DependencyWithoutIntegrity,
    EXTRA_INDEX: ExtraIndexDependencyConfusion,
    INSECURE_INDEX: InsecurePackageIndex,
}


def analyze(
    stores: dict[tuple[str, int, int], OpenStore], artifact: Artifact, context: AnalysisContext
) -> Iterator[Emitted]:
    """Notices, inventory and advisory matches of one lockfile, manifest or SBOM; ``stores``
    keeps the advisory stores opened so far (see :func:`open_store`)."""
    if artifact.size > MAX_LOCKFILE_BYTES:
        raise BudgetExceeded(f"lockfile {artifact.path}", MAX_LOCKFILE_BYTES)
    parser = parser_for(artifact.path) or parse_sbom
    text = artifact.text()
    try:
        result: ParseResult = parser(text)
    except (ValueError, SyntaxError, RecursionError) as exc:
        # JSON, TOML and Unicode errors are ValueErrors, XML's ParseError is a SyntaxError.
        yield _unparseable(exc)
        return
    yield from _notices(artifact, result)
    yield from _inventory(artifact, result)
    matchable = [d for d in result.dependencies if d.version and d.source in MATCHABLE_SOURCES]
    if not matchable:
        return
    opened = open_store(stores, database_path(context))
    if isinstance(opened, str):
        return  # nothing to match against: the whole-scan step says so once (finish_scan)
    store, _age, feeds = opened
    covered = [d for d in matchable if ecosystem_key(d.ecosystem) in feeds]
    yield from check_matches(artifact.path, match_dependencies(store, covered))


def finish_scan(
    stores: dict[tuple[str, int, int], OpenStore],
    components: Sequence[tuple[str, Component]],
    context: AnalysisContext,
) -> Iterator[Finding | Fact]:
    """Once per scan: the dependencies no advisory data covered. With a fetcher (first use,
    network allowed), the data for their ecosystems (only those) is fetched and they are
    matched here; what stays unchecked, and a stale database, are one VUL003 each."""
    pending, late = _pending(components)
    if not pending:
        return
    db_path = database_path(context)
    opened = open_store(stores, db_path)
    feeds = frozenset() if isinstance(opened, str) else opened[2]
    needed = tuple(sorted(e for e in pending if ecosystem_key(e) not in feeds))
    reason = opened if isinstance(opened, str) else "the advisory database holds no feed for them"
    if not isinstance(opened, str):
        # packages other layers found (an image's OS packages) are matched here, once
        covered = {e: late[e] for e in late if e not in needed}
        yield from _match_fetched(opened[0], covered)
    if needed and context.fetch_advisories is not None and db_path is not None:
        # feeds are per distribution (Debian), advisories per release (Debian:12)
        feeds_wanted = tuple(sorted({e.split(":", 1)[0] for e in needed}))
        failure = context.fetch_advisories(db_path, feeds_wanted)
        opened = open_store(stores, db_path)
        if not isinstance(opened, str):
            fetched = [e for e in needed if ecosystem_key(e) in opened[2]]
            yield from _match_fetched(opened[0], {e: pending[e] for e in fetched})
            needed = tuple(e for e in needed if e not in fetched)
        reason = failure or reason
    if needed and context.query_advisories is not None:
        answered, failure = yield from _match_queried(context.query_advisories, pending, needed)
        needed = tuple(e for e in needed if e not in answered)
        reason = failure or reason
    if needed:
        yield check_unchecked({e: pending[e] for e in needed}, reason, db_path)
    if not isinstance(opened, str) and len(needed) < len(pending):
        max_age = float(context.options.get("dependencies.max_age_days", STALE_AFTER_DAYS))
        first = next(iter(pending.values()))[0]
        yield from check_stale(opened[1], max_age, db_path, first[0], first[1].line)


def _pending(
    components: Sequence[tuple[str, Component]],
) -> tuple[dict[str, list[Located]], dict[str, list[Located]]]:
    """Matchable dependencies of the scan's lockfiles, manifests and SBOMs, by ecosystem; and
    among them those another layer found (``match: finish``, an image's OS packages: matched
    by their source package, placed at their database), which only this step matches."""
    pending: dict[str, list[Located]] = {}
    late: dict[str, list[Located]] = {}
    for path, component in components:
        props = component.properties
        if "lockfile" not in props or not component.version:
            continue
        source = str(props.get("source", "registry"))
        if source not in MATCHABLE_SOURCES:
            continue
        line = props.get("line")
        finish = props.get("match") == "finish"
        dep = Dependency(
            str(props["ecosystem"]),
            str(props.get("match_name") or component.name) if finish else component.name,
            str(props.get("match_version") or component.version) if finish else component.version,
            line=line if isinstance(line, int) else None,
            dev=bool(props.get("dev")),
            direct=props.get("direct") if isinstance(props.get("direct"), bool) else None,
            source=source,
        )
        where = str(props.get("located_at") or path) if finish else path
        pending.setdefault(dep.ecosystem, []).append((where, dep))
        if finish:
            late.setdefault(dep.ecosystem, []).append((where, dep))
    return pending, late


def _match_fetched(
    store: AdvisoryLookup, fetched: dict[str, list[Located]]
) -> Iterator[Finding | Fact]:
    """VUL001/VUL002 for dependencies matched after their data was fetched, placed at their
    files (the per-file step ran before the data was there)."""
    by_path: dict[str, list[Dependency]] = {}
    for located in fetched.values():
        for path, dep in located:
            by_path.setdefault(path, []).append(dep)
    for path, deps in by_path.items():
        for item in check_matches(path, match_dependencies(store, deps)):
            if isinstance(item, Finding):
                yield replace(item, location=replace(item.location, path=path))
            elif isinstance(item, Fact):
                yield item


def _match_queried(
    query: QueryAdvisories, pending: dict[str, list[Located]], needed: tuple[str, ...]
) -> Generator[Finding | Fact, None, tuple[tuple[str, ...], str | None]]:
    """VUL001/VUL002 for the dependencies of ``needed`` ecosystems, from the records an advisory
    API answered with for exactly those (``--osv-api``); returns the ecosystems answered, or
    none and why."""
    asked = tuple(
        sorted({(e, dep.name, dep.version) for e in needed for _, dep in pending[e] if dep.version})
    )
    answer = query(asked)
    if isinstance(answer, str):
        return (), f"the OSV API could not be asked either ({answer})"
    records = RecordSet(answer)
    for item in _match_fetched(records, {e: pending[e] for e in needed}):
        if isinstance(item, Finding):
            item = replace(item, properties={**item.properties, "advisory_source": "OSV API"})
        yield item
    return needed, None


def _unparseable(exc: BaseException) -> Emitted:
    if isinstance(exc, RecursionError):
        reason, line = "it nests deeper than outwork follows", None
    else:
        message = str(exc).strip()
        reason = message.splitlines()[0][:300] if message else type(exc).__name__
        line = _error_line(exc)
    return finding(
        DependencyFileUnparseable,
        f"this file does not parse ({reason}); none of its dependencies were checked",
        line=line,
        evidence=type(exc).__name__,
    )


def _error_line(exc: BaseException) -> int | None:
    """The line a parser blamed: JSON's ``lineno``, XML's ``position``, TOML's message."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int) and lineno > 0:
        return lineno
    position = getattr(exc, "position", None)
    if isinstance(position, tuple) and position and isinstance(position[0], int):
        return position[0] or None
    match = _AT_LINE_RE.search(str(exc))
    return int(match.group(1)) if match else None


def open_store(
    stores: dict[tuple[str, int, int], OpenStore], db_path: Path | None
) -> OpenStore | str:
    """The store at ``db_path``, opened once per file version and kept in ``stores``; or why
    it cannot be used."""
    if db_path is None:
        return "no advisory database is configured"
    try:
        st = db_path.stat()
    except OSError:
        return str(AdvisoryDatabaseMissingError(db_path))
    key = (str(db_path), st.st_mtime_ns, st.st_size)
    cached = stores.get(key)
    if cached is None:
        for old in [k for k in stores if k[0] == key[0]]:
            stores.pop(old)[0].close()
        try:
            store = AdvisoryStore(db_path)
            state = store.status()
            feeds = frozenset(ecosystem_key(f.feed) for f in state.feeds)
            cached = (store, state.oldest_age_days(), feeds)
        except Exception as exc:
            return f"the advisory database at {db_path} cannot be read ({exc})"
        stores[key] = cached
    return cached


def _notices(artifact: Artifact, result: ParseResult) -> Iterator[Emitted]:
    inside_archive = MEMBER_SEP in artifact.path
    for notice in result.notices:
        rule = _NOTICE_RULES[notice.code]
        if inside_archive and rule is UnpinnedRequirement:
            continue  # a published package's own requirements are ranges by design
        yield finding(
            rule,
            notice.message,
            line=notice.line,
            evidence=notice.evidence,
            subject=notice.subject,
        )


def _inventory(artifact: Artifact, result: ParseResult) -> Iterator[Emitted]:
    project = _owner_node(artifact.path, result.format)
    seen: set[str] = set()
    for dep in result.dependencies:
        key = dep.purl
        if key in seen:
            continue
        seen.add(key)
        properties: dict[str, Any] = {
            "ecosystem": dep.ecosystem,
            "lockfile": result.format,
            "source": dep.source,
        }
        if dep.line is not None:
            properties["line"] = dep.line
        if dep.dev:
            properties["dev"] = True
        if dep.direct is not None:
            properties["direct"] = dep.direct
        if not dep.version and dep.spec:
            properties["specifier"] = dep.spec
        yield Component("library", dep.name, dep.version, dep.purl, properties)
        yield Fact(project, "depends-on", dep.purl, proof=artifact.path)


_ENVIRONMENT_DIRS = ("site-packages", "dist-packages", "node_modules")


def _owner_node(path: str, fmt: str) -> str:
    """``project:<lockfile>`` for lockfiles and manifests; ``environment:<dir>`` (the
    site-packages or node_modules folder) for what is installed there."""
    if fmt in ("dist-info", "node_modules"):
        parts = path.split("/")
        for index in range(len(parts) - 1, -1, -1):
            if parts[index] in _ENVIRONMENT_DIRS:
                return "environment:" + "/".join(parts[: index + 1])
        return "environment:" + "/".join(parts[:-2])
    return f"project:{path}"
