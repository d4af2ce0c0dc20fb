"""Match dependencies against the advisory store: per-ecosystem version rules, alias merging,
CVSS scoring, fixed versions and the smallest upgrade that clears every advisory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from outwork.analyzers.dependencies.context import RATING_ORDER, Rating
from outwork.analyzers.dependencies.cvss import base_score, rating_for_score
from outwork.analyzers.dependencies.model import Dependency
from outwork.analyzers.dependencies.versions import (
    fixed_versions,
    is_affected,
    smallest_fix,
    sort_versions,
)
from outwork.store.advisories import Advisory, AdvisoryLookup, normalize_name

_QUALITATIVE: dict[str, Rating] = {
    "CRITICAL": Rating.CRITICAL,
    "HIGH": Rating.HIGH,
    "MODERATE": Rating.MEDIUM,
    "MEDIUM": Rating.MEDIUM,
    "LOW": Rating.LOW,
}
#: Which identifier names a merged group in messages, by prefix, best first.
_ID_PREFERENCE = ("CVE-", "GHSA-", "PYSEC-", "RUSTSEC-", "GO-", "MAL-")


@dataclass(frozen=True, slots=True)
class Match:
    """One vulnerability (its aliases merged) affecting one dependency."""

    dependency: Dependency
    primary: str
    advisory_ids: tuple[str, ...]
    aliases: tuple[str, ...]
    malicious: bool
    summary: str
    fixed: tuple[str, ...]
    upgrade: str | None
    rating: Rating
    cvss_vector: str | None
    cvss_score: float | None


def match_dependencies(store: AdvisoryLookup, dependencies: Iterable[Dependency]) -> list[Match]:
    """Every vulnerability affecting every dependency that has an exact version."""
    by_ecosystem: dict[str, list[Dependency]] = defaultdict(list)
    for dep in dependencies:
        if dep.version:
            by_ecosystem[dep.ecosystem].append(dep)
    matches: list[Match] = []
    for ecosystem, deps in by_ecosystem.items():
        found = store.lookup(ecosystem, (d.name for d in deps))
        for dep in deps:
            advisories = found.get(normalize_name(ecosystem, dep.name))
            if advisories:
                matches.extend(match_one(dep, advisories))
    return matches


def match_one(dep: Dependency, advisories: Sequence[Advisory]) -> list[Match]:
    assert dep.version is not None
    hits: list[tuple[Advisory, list[dict[str, Any]]]] = []
    every_entry: list[dict[str, Any]] = []
    for advisory in advisories:
        entries = advisory.affected_for(dep.ecosystem, dep.name)
        every_entry.extend(entries)
        affecting = [e for e in entries if is_affected(dep.ecosystem, dep.version, e)]
        if affecting:
            hits.append((advisory, affecting))
    if not hits:
        return []
    upgrade = smallest_fix(dep.ecosystem, dep.version, every_entry)
    out: list[Match] = []
    for group in _merge_aliases(hits):
        ids = sorted({a.id for a, _ in group})
        identifiers = {i for a, _ in group for i in (a.id, *a.aliases)}
        aliases = sorted(identifiers - set(ids))
        primary = _primary(identifiers)
        fixed = sort_versions(
            dep.ecosystem, (f for _, es in group for e in es for f in fixed_versions(e))
        )
        vector, score = _best_cvss(a for a, _ in group)
        rating = rating_for_score(score) if score is not None else _qualitative(group)
        summary = next(
            (str(a.record.get("summary")) for a, _ in group if a.record.get("summary")), ""
        )
        out.append(
            Match(
                dependency=dep,
                primary=primary,
                advisory_ids=tuple(ids),
                aliases=tuple(aliases),
                malicious=any(i.startswith("MAL-") for i in ids),
                summary=summary,
                fixed=tuple(fixed),
                upgrade=upgrade,
                rating=rating,
                cvss_vector=vector,
                cvss_score=score,
            )
        )
    return out


def _merge_aliases(
    hits: list[tuple[Advisory, list[dict[str, Any]]]],
) -> list[list[tuple[Advisory, list[dict[str, Any]]]]]:
    """Union records that share any identifier (their id or an alias)."""
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, (advisory, _) in enumerate(hits):
        for identifier in (advisory.id, *advisory.aliases):
            if identifier in owner:
                parent[find(index)] = find(owner[identifier])
            else:
                owner[identifier] = index
    groups: dict[int, list[tuple[Advisory, list[dict[str, Any]]]]] = defaultdict(list)
    for index, hit in enumerate(hits):
        groups[find(index)].append(hit)
    return sorted(groups.values(), key=lambda g: min(a.id for a, _ in g))


def _primary(identifiers: set[str]) -> str:
    for prefix in _ID_PREFERENCE:
        chosen = sorted(i for i in identifiers if i.startswith(prefix))
        if chosen:
            return chosen[0]
    return sorted(identifiers)[0]


def _best_cvss(advisories: Iterable[Advisory]) -> tuple[str | None, float | None]:
    best: tuple[str | None, float | None] = (None, None)
    for advisory in advisories:
        for entry in advisory.record.get("severity") or ():
            if not isinstance(entry, dict) or not isinstance(entry.get("score"), str):
                continue
            score = base_score(entry["score"])
            if score is not None and (best[1] is None or score > best[1]):
                best = (entry["score"], score)
    return best


def _qualitative(group: list[tuple[Advisory, list[dict[str, Any]]]]) -> Rating:
    levels: list[Rating] = []
    for advisory, entries in group:
        specific = advisory.record.get("database_specific")
        candidates = [specific] + [e.get("ecosystem_specific") for e in entries]
        for data in candidates:
            if isinstance(data, dict) and isinstance(data.get("severity"), str):
                level = _QUALITATIVE.get(data["severity"].upper())
                if level is not None:
                    levels.append(level)
    return max(levels, key=RATING_ORDER.index) if levels else Rating.UNRATED
