"""The Python API: ``outwork.scan(...)`` returns the result model the reports are made from.

A thin, typed front to the engine with the command line's defaults, for programs and notebooks.
Like the rest of the library it never prints, never exits, never reads the environment and never
touches the network unless asked (``offline=False`` for registry look-ups); errors are
:class:`~outwork.core.errors.OutworkError` subclasses whose message says what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from outwork.core import policy as pol
from outwork.core.budgets import Budgets
from outwork.core.config import project_root
from outwork.core.errors import UsageError
from outwork.core.findings import ScanResult
from outwork.core.rules import Confidence, Severity
from outwork.engine.pipeline import ScanOptions
from outwork.engine.pipeline import scan as run_scan
from outwork.engine.registry import selector_known
from outwork.sources.exclude import Exclusion

Target = str | Path
T = TypeVar("T")


def scan(
    targets: Target | Sequence[Target] = ".",
    *,
    select: Sequence[str] = ("ALL",),
    ignore: Sequence[str] = (),
    min_confidence: str = "low",
    baseline: Target | None = None,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    offline: bool = True,
    jobs: int | None = None,
    cache_dir: Target | None = None,
    data_dir: Target | None = None,
    budgets: Budgets | None = None,
    ray: str | None = None,
) -> ScanResult:
    """Scan files, folders, archives or ``pypi:``/``npm:`` references and return the result.

    ``select``/``ignore`` take rule codes, prefixes (``"CI"``) or names; findings below
    ``min_confidence`` are dropped; those recorded in ``baseline`` (a file written by
    ``outwork scan --write-baseline``) and inline ``outwork: ignore[...]`` comments are kept
    with ``suppressed`` set. ``exclude`` takes gitignore-style patterns relative to the project
    root (``respect_gitignore`` reads ``.gitignore`` inside git repositories). ``data_dir``
    holds the advisory database (none: dependencies are reported as not checked). Whether
    the result fails a gate is :func:`failed`'s question. ``ray`` names a Ray cluster to
    analyse on (``ray.init``'s address, or ``"local"`` for one of ``jobs`` CPUs started for the
    scan; needs the ``ray`` extra): the result is the same as without.
    """
    names = [str(targets)] if isinstance(targets, str | Path) else [str(t) for t in targets]
    if not names:
        raise UsageError("scan() needs at least one target")
    for selector in (*select, *ignore):
        if not selector_known(selector):
            raise UsageError(f"{selector!r} matches no rule; see `outwork rules` for codes")
    local = next((n for n in names if not n.startswith(("pypi:", "npm:"))), None)
    root = str(project_root(Path(local))) if local else None
    policy = pol.Policy(
        select=tuple(select),
        ignore=tuple(ignore),
        min_confidence=_parse(Confidence.parse, min_confidence),
        fail_on=None,
        baseline=pol.read_baseline(Path(baseline)) if baseline else frozenset(),
        root=root,
    )
    options = ScanOptions(
        jobs=jobs,
        ray=ray,
        budgets=budgets or Budgets(),
        cache_dir=str(cache_dir) if cache_dir else None,
        offline=offline,
        data_dir=str(data_dir) if data_dir else None,
        select=policy.select,
        ignore=policy.ignore,
        exclusion=Exclusion(tuple(exclude), respect_gitignore, root),
    )
    return run_scan(names, options, policy=policy)


def failed(result: ScanResult, fail_on: str = "low") -> bool:
    """Whether an active finding reaches ``fail_on`` (what ``outwork scan`` turns into exit
    code 1)."""
    gate = _parse(Severity.parse, fail_on)
    return any(f.severity >= gate for f in result.active)


def _parse(parser: Callable[[str], T], value: str) -> T:
    try:
        return parser(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
