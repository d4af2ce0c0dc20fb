"""The engine: sends each artifact to the analyzers that read its kind, in parallel, cached.

An analyzer's exception on one artifact becomes an error record (and a CORE008 finding), never an
aborted scan. Results are cached by content digest, the artifact's path inside its root, the
analyzers' versions and the rule set, so a warm rescan of an unchanged tree is cheap.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outwork.core.analyzer import (
    AnalysisContext,
    Analyzer,
    Component,
    FetchAdvisories,
    QueryAdvisories,
    TimeBound,
)
from outwork.core.artifact import (
    MEMBER_SEP,
    NOT_HELD,
    TEXT_KINDS,
    Artifact,
    MemberNeeds,
    join_member,
    layer_origin,
)
from outwork.core.corerules import AnalyzerFailed
from outwork.core.errors import UsageError
from outwork.core.findings import (
    AnalyzerError,
    Fact,
    Finding,
    Location,
    ScannedArtifact,
    ScanResult,
    Skip,
)
from outwork.core.locate import code_frame, resolve, suppression_codes
from outwork.core.policy import Policy
from outwork.core.reach import REACH_COMPONENT, PackageReach, grade_escapes
from outwork.core.rules import layer_selected, ruleset_digest, selector_matches
from outwork.engine.conclude import conclude
from outwork.engine.registry import core_rules, load_analyzers
from outwork.sources import Budgets, Exclusion, RegistryOptions, open_target
from outwork.store.cache import ScanCache

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from outwork.engine.distributed import RayPool

#: Artifacts sent to a worker process in one batch.
BATCH = 32
#: Jobs gathered before a window is analysed, and in-memory bytes that close a window early.
WINDOW_JOBS = 1024
WINDOW_BYTES = 256 * 1024 * 1024
#: Files on disk larger than this are never read whole to hash them: the cache keys them by
#: identity (path, inode, size, times), and reports give them no digest (see :func:`digest_of`).
#: Analyzers read such files in part (a model's headers and pickle, not its tensors): hashing
#: them would read more than the whole analysis, most of all from a cold page cache.
HASH_LIMIT = 16 * 1024 * 1024
#: Windows lighter than this (jobs and bytes) are analysed in process: forking workers and
#: shipping results back costs more than it saves on small files (measured on 2 cores).
INPROCESS_JOBS = WINDOW_JOBS
INPROCESS_BYTES = 16 * 1024 * 1024
#: A larger window is first analysed in process for this long; when its artifacts prove cheaper
#: than POOL_MIN_JOB_SECONDS each (small model files), the scan stays in process, since
#: shipping each one to a worker and its results back costs about as much as analysing it.
PROBE_SECONDS = 0.05
POOL_MIN_JOB_SECONDS = 0.00025
#: Largest text artifact for which snippets and suppressions are read.
TEXT_SCAN_LIMIT = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to scan. Built by the command line from arguments and configuration files."""

    jobs: int | None = None
    budgets: Budgets = field(default_factory=Budgets)
    include_git: bool = False
    #: Directory of the scan cache, or None to disable caching.
    cache_dir: str | None = None
    offline: bool = True
    #: Only run these analyzers (by name); None runs all.
    analyzers: tuple[str, ...] | None = None
    data_dir: str | None = None
    #: Per-analyzer options, passed through AnalysisContext.options.
    analyzer_options: dict[str, Any] = field(default_factory=dict)
    #: Rule selection (codes, prefixes, names): analyzers none of whose rules are selected do
    #: not run at all. The policy still filters findings afterwards, in one place.
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    #: Where ``pypi:``/``npm:`` targets are fetched from (None: the public registries).
    registry: RegistryOptions | None = None
    #: What walks of folders on disk leave out (exclude patterns, .gitignore).
    exclusion: Exclusion = field(default_factory=Exclusion)
    #: Fetches missing advisory data on first use (see ``AnalysisContext.fetch_advisories``);
    #: None never touches the network for it.
    fetch_advisories: FetchAdvisories | None = None
    #: Asks an advisory API for what no local feed covers (see
    #: ``AnalysisContext.query_advisories``); None never does.
    query_advisories: QueryAdvisories | None = None
    #: A Ray cluster to analyse artifacts on (``ray.init``'s address, or ``"local"`` for one
    #: of ``jobs`` CPUs started for the scan); None analyses them on this machine. Needs the
    #: ``ray`` extra (see :mod:`outwork.engine.distributed`).
    ray: str | None = None
    #: The time the scan evaluates as now (POSIX seconds; see ``AnalysisContext.now``); None:
    #: when it starts.
    now: float | None = None


ProgressCallback = Callable[[int, int], None]


@dataclass(slots=True)
class Outcome:
    """What the analyzers produced for one artifact.

    Findings (placed at their full path, with the engine's snippet) and facts stay objects on
    their way from the analyzer to the result; only the cache holds their dict form
    (:meth:`to_cache`, :meth:`from_cache`). Components stay dicts: that is how the result keeps
    them.
    """

    findings: list[Finding] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    markers: dict[str, list[str]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: The scan times over which these results hold, when they depend on the time (cached
    #: with them: a hit outside it is analysed again).
    bound: TimeBound | None = None
    #: The artifact's sha256 as the analysing process knew it: a worker hashes its own copy
    #: of the artifact, so the digest comes back with the results. Not cached: a cache hit
    #: takes the digest its key was made from.
    digest: str | None = None

    def to_cache(self) -> dict[str, Any]:
        findings = []
        for item in self.findings:
            data = item.to_dict()
            if item.snippet:
                data["snippet"] = [[n, text] for n, text in item.snippet]
            findings.append(data)
        return {
            "findings": findings,
            "facts": [f.to_dict() for f in self.facts],
            "components": self.components,
            "markers": self.markers,
            "bound": [self.bound.after, self.bound.before] if self.bound else None,
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Outcome:
        findings = []
        for item in data["findings"]:
            found = Finding.from_dict(item)
            snippet = tuple((int(n), str(t)) for n, t in item.get("snippet") or ())
            findings.append(replace(found, snippet=snippet) if snippet else found)
        bound = data.get("bound")
        return cls(
            findings=findings,
            facts=[Fact.from_dict(f) for f in data["facts"]],
            components=data["components"],
            markers=data["markers"],
            bound=TimeBound(bound[0], bound[1]) if bound else None,
        )


@dataclass(slots=True)
class _Job:
    artifact: Artifact
    analyzers: tuple[str, ...]
    key: str | None
    #: What the artifact's path has before the relative path its cache key names.
    prefix: str = ""
    #: An archive an analyzer reads whole (a package, handed over after its members): seconds
    #: of work, started in the workers, in a batch of its own, as soon as the walk goes on.
    whole: bool = False


#: Stands for a job's path prefix in cached outcomes. JSON writes a NUL inside a string as this
#: escape, so the text can only hold it where a string did; such outcomes are not cached.
_PREFIX_MARK = "\\u0000outwork-prefix\\u0000"


def _encode(outcome: Outcome, prefix: str) -> str | None:
    """An outcome as cache text, the job's location replaced by a mark: a cached result is
    reused for the same content at the same relative path under another root (a second
    checkout, a copied folder) and must then name the new location, not the old one."""
    text = json.dumps(outcome.to_cache(), separators=(",", ":"))
    if _PREFIX_MARK in text:
        return None
    if prefix:
        escaped = json.dumps(prefix)[1:-1]
        for end in ("/", "!", '"'):
            text = text.replace(escaped + end, _PREFIX_MARK + end)
    return text


def _decode(text: str, prefix: str) -> Outcome:
    return Outcome.from_cache(json.loads(text.replace(_PREFIX_MARK, json.dumps(prefix)[1:-1])))


def scan(
    targets: Iterable[str],
    options: ScanOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    policy: Policy | None = None,
) -> ScanResult:
    """Scan targets: analyse, apply ``policy`` (by default every finding is kept), then join
    attack paths from what the policy left (:func:`outwork.engine.conclude.conclude`)."""
    options = options or ScanOptions()
    started = time.monotonic()
    registry = load_analyzers()
    if options.analyzers is not None:
        unknown = sorted(set(options.analyzers) - set(registry))
        if unknown:
            raise UsageError(
                f"unknown analyzer(s) {', '.join(unknown)}; available: {', '.join(registry)}"
            )
        registry = {k: v for k, v in registry.items() if k in options.analyzers}
    chosen = {k: v for k, v in registry.items() if _selected(v, options)}
    for analyzer in list(chosen.values()):
        for name in analyzer.finish_inputs(options.offline):
            if name in registry:  # runs for its components; the policy filters its findings
                chosen.setdefault(name, registry[name])
    registry = chosen
    instances = {name: cls() for name, cls in registry.items()}
    context = _context(options)
    result = ScanResult(targets=list(targets))
    result.stats.targets = len(result.targets)

    cache = ScanCache(options.cache_dir) if options.cache_dir else None
    runner = _Runner(options, context, registry, cache, result, progress)
    acceptors: list[tuple[str, Callable[[Artifact], bool]]] = [
        (name, analyzer.accepts) for name, analyzer in instances.items()
    ]

    def wants(probe: Artifact) -> bool:
        return _wanted(acceptors, probe)

    whole: set[str] = set()  # archives the walk hands over after their members

    def keeps(archive: Artifact) -> MemberNeeds | None:
        needs = _member_needs(instances, acceptors, archive)
        if needs is not None:
            whole.add(archive.path)
        return needs

    try:
        for target in result.targets:
            for item in open_target(
                target,
                options.budgets,
                include_git=options.include_git,
                registry=options.registry,
                wants=wants,
                exclusion=options.exclusion,
                keeps=keeps,
            ):
                if isinstance(item, Finding):
                    result.findings.append(item)
                elif isinstance(item, Skip):
                    result.skipped.append(item)
                else:
                    runner.goes_on()
                    result.stats.artifacts += 1
                    result.stats.bytes += item.size
                    if NOT_HELD in item.tags:
                        continue  # no analyzer accepted it from its start (see _wanted)
                    names = _accepting(acceptors, item)
                    read_whole = item.path in whole
                    whole.discard(item.path)
                    if names:
                        runner.add(_Job(item, names, None, whole=read_whole))
                    # Artifacts no analyzer reads are counted, not listed: keeping a record of
                    # each would make memory grow with the tree (100,000 files: ~46 MiB).
        runner.finish()
    finally:
        runner.close()
    _finish(
        instances,
        replace(
            context,
            fetch_advisories=options.fetch_advisories,
            query_advisories=options.query_advisories,
        ),
        result,
    )
    conclude(result, policy or Policy())
    result.findings.sort(key=_finding_order)
    result.stats.seconds = time.monotonic() - started
    return result


def _finish(instances: dict[str, Analyzer], context: AnalysisContext, result: ScanResult) -> None:
    """Each analyzer's whole-scan step (``Analyzer.finish``), after every artifact; a failure is
    an error record plus CORE008 like any other analyzer failure."""
    components = [
        (art.path, Component.from_dict(c))
        for art in result.artifacts
        for c in art.properties.get("components", ())
    ]
    for name, analyzer in instances.items():
        try:
            for item in analyzer.finish(components, context):
                if isinstance(item, Fact):
                    result.facts.append(item)
                else:
                    result.findings.append(item)
        except Exception as exc:
            where = result.targets[0] if result.targets else ""
            _failed(result, where, name, _describe(exc), " after the scan; results are incomplete")
    # the sources' findings about archives nested in packages, by what each package unpacks
    reaches = {
        path: PackageReach.from_properties(c.properties)
        for path, c in components
        if c.type == REACH_COMPONENT
    }
    result.findings[:] = grade_escapes(result.findings, reaches)


def _describe(exc: Exception) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _failed(result: ScanResult, path: str, analyzer: str, detail: str, consequence: str) -> None:
    """Record an analyzer failure: an error entry and a CORE008 finding (fail closed)."""
    result.errors.append(AnalyzerError(path, analyzer, detail))
    result.findings.append(
        Finding(
            rule=AnalyzerFailed,
            message=f"analyzer {analyzer} failed{consequence}",
            location=Location(path),
            severity=AnalyzerFailed.severity,
            confidence=AnalyzerFailed.confidence,
            evidence=detail[:500],
        )
    )


def _selected(analyzer: type[Analyzer], options: ScanOptions) -> bool:
    """Whether the selection keeps any rule of the analyzer: from its layer's code when the
    entries name whole layers (its rules are then not imported), else rule by rule."""
    by_layer = layer_selected(analyzer.layer, options.select, options.ignore)
    if by_layer is not None:
        return by_layer
    for rule in analyzer.rules:
        chosen = any(selector_matches(s, rule) for s in options.select)
        if chosen and not any(selector_matches(s, rule) for s in options.ignore):
            return True
    return False


def _context(options: ScanOptions) -> AnalysisContext:
    return AnalysisContext(
        offline=options.offline,
        options=dict(options.analyzer_options),
        data_dir=options.data_dir,
        budgets=options.budgets,
        now=options.now if options.now is not None else time.time(),
    )


def _accepting(
    acceptors: list[tuple[str, Callable[[Artifact], bool]]], artifact: Artifact
) -> tuple[str, ...]:
    """The analyzers that read this artifact; one whose ``accepts`` fails does not."""
    names = []
    for name, accepts in acceptors:
        try:
            if accepts(artifact):
                names.append(name)
        except Exception:  # noqa: S112 - a failing check means "not this analyzer"
            continue
    return tuple(names)


def _wanted(acceptors: list[tuple[str, Callable[[Artifact], bool]]], probe: Artifact) -> bool:
    """Whether an archive member must be held, asked of its start (a ``Probe``) while it is
    decompressed. An ``accepts`` that needs more than the start, or fails, counts as a yes:
    a member is dropped only when every analyzer said no on what it looked at, so the same
    analyzers accept it as if it had been held whole."""
    for _name, accepts in acceptors:
        try:
            if accepts(probe):
                return True
        except Exception:  # ContentNotHeldError, or a failure: decided on the whole member
            return True
    return False


def _member_needs(
    instances: dict[str, Analyzer],
    acceptors: list[tuple[str, Callable[[Artifact], bool]]],
    archive: Artifact,
) -> MemberNeeds | None:
    """What the analyzers that read ``archive`` whole read of its members (each member: the
    most any of them reads), or None when none does. One whose ``member_needs`` fails reads
    the archive itself."""
    needs: list[MemberNeeds] = []
    for name in _accepting(acceptors, archive):
        try:
            found = instances[name].member_needs(archive)
        except Exception:  # noqa: S112 - it then reads the archive itself, as before
            continue
        if found is not None:
            needs.append(found)
    if len(needs) <= 1:
        return needs[0] if needs else None
    return MemberNeeds(
        lambda name, head: max(n.bytes_of(name, head) for n in needs),
        max(n.total for n in needs),
    )


def _assign_keys(
    jobs: list[_Job],
    registry: dict[str, type[Analyzer]],
    rules_digests: dict[str, str],
    context: AnalysisContext,
    cache: Any,
) -> None:
    if cache is None:
        return
    # The budgets bound what an analyzer reads (members, windows of a syntax tree): results
    # found under other budgets are not these.
    options = repr((sorted(context.options.items()), context.budgets))
    options_digest = hashlib.sha256(options.encode()).hexdigest()[:16]
    # Per set of analyzers (a handful per scan), not per artifact: cacheable, their versions, and
    # the size below which analysing again costs less than hashing, looking up and storing.
    plans: dict[tuple[str, ...], tuple[str, int] | None] = {}
    keyed: list[tuple[_Job, str]] = []
    for job in jobs:
        if job.analyzers not in plans:
            cacheable = all(registry[n].caches(context.options) for n in job.analyzers)
            plans[job.analyzers] = (
                (
                    ",".join(
                        f"{n}:{registry[n].version}:{rules_digests[n]}" for n in job.analyzers
                    ),
                    min(registry[n].cache_min_bytes for n in job.analyzers),
                )
                if cacheable
                else None
            )
        plan = plans[job.analyzers]
        if plan is not None and job.artifact.size >= plan[1]:
            keyed.append((job, plan[0]))
    known = cache.digests(j.artifact.fs_path for j, _ in keyed if j.artifact.fs_path)
    fresh: list[tuple[str, str, str]] = []
    for job, versions in keyed:
        art = job.artifact
        digest: str | None = None
        if art.fs_path:
            identity = _identity(art.fs_path, art._stat)
            if identity is None:
                continue
            hit = known.get(art.fs_path)
            if hit and hit[0] == identity:
                digest = hit[1]
                if not digest.startswith("stat:"):
                    art.with_digest(digest)
            elif art.size > HASH_LIMIT:
                # Reading 10 GB to key a cache would cost more than the analysis it saves: huge
                # files are keyed by where they are and their inode identity instead (any write
                # changes ctime), never by a partial hash an attacker could collide.
                material = f"{Path(art.fs_path).resolve()}|{identity}"
                digest = (
                    "stat:" + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
                )
                fresh.append((art.fs_path, identity, digest))
            else:
                digest = art.sha256()
                fresh.append((art.fs_path, identity, digest))
        else:
            digest = art.sha256()
        relative = (
            art.path[len(art.root) :] if art.root and art.path.startswith(art.root) else art.name
        )
        if not relative or not art.path.endswith(relative):
            relative = art.path  # no relocatable part: the key names the whole path
        job.prefix = art.path[: len(art.path) - len(relative)]
        material = "|".join((digest, art.kind.value, relative, versions, options_digest))
        job.key = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    cache.put_digests(fresh)


def _identity(fs_path: str, seen: os.stat_result | None = None) -> str | None:
    """What identifies a file's version on disk. ``seen`` is the status the walker took before
    it read the file: a write after it changes the identity, so a stale digest is never reused."""
    try:
        st = seen or os.stat(fs_path)  # noqa: PTH116 - once per cached file: no path object
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


@dataclass(slots=True)
class _Window:
    """Jobs whose analysis has started: their outcomes (cache hits filled in), the jobs left to
    analyse with their index, and those jobs' outcomes as they come."""

    jobs: list[_Job]
    outcomes: list[Outcome | None]
    todo: list[tuple[int, _Job]]
    analysed: Iterator[Outcome]
    #: Analysed already (in process): collected at once, not kept while the walk goes on.
    done: bool
    #: Bytes its jobs hold in memory.
    held: int = 0


class _Runner:
    """Analyses jobs in bounded windows, so that memory stays flat however large the tree.

    Artifacts held in memory (archive members) are released once their window is analysed.
    """

    def __init__(
        self,
        options: ScanOptions,
        context: AnalysisContext,
        registry: dict[str, type[Analyzer]],
        cache: Any,
        result: ScanResult,
        progress: ProgressCallback | None,
    ) -> None:
        self.options = options
        self.context = context
        self.registry = registry
        #: Each analyzer that was handed an artifact: its rules' digest (part of cache keys).
        self.rules_digests: dict[str, str] = {}
        self.cache = cache
        self.result = result
        self.progress = progress
        self.workers = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
        self.pool: ProcessPoolExecutor | None = None
        self.cluster: RayPool | None = _connect(options) if options.ray else None
        self.pending: list[_Job] = []
        self.pending_bytes = 0
        self.seen = 0
        self.done = 0
        self.local: dict[str, Analyzer] = {}
        #: Measured in-process seconds per artifact (None until a large window was probed).
        self.job_seconds: float | None = None
        #: Windows whose analysis was started and not yet collected, oldest first.
        self.running: deque[_Window] = deque()

    def add(self, job: _Job) -> None:
        for name in job.analyzers:
            if name not in self.rules_digests:
                self._load_rules(name)
        self.pending.append(job)
        self.seen += 1
        self.pending_bytes += len(job.artifact.data or b"")
        self.pending_bytes += sum(len(m.data) for m in job.artifact.members or ())
        if len(self.pending) >= WINDOW_JOBS or self.pending_bytes >= WINDOW_BYTES:
            self.flush()

    def _load_rules(self, name: str) -> None:
        """Import an analyzer's rules, in the main process, when it is handed its first
        artifact: findings from workers and from the cache are rebuilt from their codes. A
        layer that reads none of the scan's artifacts is never imported (an empty folder, a
        model file: docs/benchmarks.md, issue 21)."""
        rules = tuple(self.registry[name].rules)
        self.rules_digests[name] = (
            ruleset_digest([*core_rules(), *rules]) if self.cache is not None else ""
        )

    def goes_on(self) -> None:
        """The walk yielded more: an archive analysed whole that came last (its members walked)
        starts now, in the workers, rather than when its window is full."""
        if self.pending and self.pending[-1].whole and self.workers > 1 and self.cluster is None:
            self.flush()

    def flush(self, *, going_on: bool = True) -> None:
        """Start analysing the pending jobs, then collect the oldest windows started before
        while those in analysis hold more than one window (jobs or bytes): workers analyse
        them while the walk reads the next (its archives, its files). ``going_on`` is False
        at the end of the walk."""
        jobs, held = self.pending, self.pending_bytes
        self.pending, self.pending_bytes = [], 0
        if not jobs:
            return
        started = self._start(jobs, going_on)
        started.held = held
        self.running.append(started)
        if started.done:  # analysed in process: nothing to overlap
            while self.running:
                self._complete(self.running.popleft())
            return
        while len(self.running) > 1 and (
            sum(len(w.jobs) for w in self.running) > WINDOW_JOBS
            or sum(w.held for w in self.running) > WINDOW_BYTES
        ):
            self._complete(self.running.popleft())

    def finish(self) -> None:
        """Analyse what is pending and wait for every window."""
        self.flush(going_on=False)
        while self.running:
            self._complete(self.running.popleft())

    def _start(self, jobs: list[_Job], going_on: bool) -> _Window:
        if self.cache is None:  # no keys, no hits, nothing to store: straight into the result
            self._tick(0)
            return _Window(
                jobs, [None] * len(jobs), list(enumerate(jobs)), *self._analyze(jobs, going_on)
            )
        _assign_keys(jobs, self.registry, self.rules_digests, self.context, self.cache)
        cached: dict[str, str] = self.cache.get_many(j.key for j in jobs if j.key)
        outcomes: list[Outcome | None] = []
        todo: list[tuple[int, _Job]] = []
        for index, job in enumerate(jobs):
            hit = cached.get(job.key) if job.key else None
            outcome = _decode(hit, job.prefix) if hit is not None else None
            if outcome and outcome.bound and not outcome.bound.holds_at(self.context.now):
                outcome = None  # results that depended on a time this scan is past (or before)
            outcomes.append(outcome)
            if outcome is None:
                todo.append((index, job))
        self.result.stats.cache_hits += len(jobs) - len(todo)
        self._tick(len(jobs) - len(todo))
        return _Window(jobs, outcomes, todo, *self._analyze([j for _, j in todo], going_on))

    def _complete(self, window: _Window) -> None:
        to_store: list[tuple[str, str]] = []
        for (index, job), outcome in zip(window.todo, window.analysed, strict=True):
            window.outcomes[index] = outcome
            if self.cache is not None and job.key and not outcome.errors:
                text = _encode(outcome, job.prefix)
                if text is not None:
                    to_store.append((job.key, text))
        if self.cache is not None:
            self.cache.put_many(to_store)
        for job, maybe in zip(window.jobs, window.outcomes, strict=True):
            assert maybe is not None
            _collect(job, maybe, self.result)
        self.result.stats.analyzed += len(window.jobs)

    def _analyze(self, jobs: list[_Job], going_on: bool) -> tuple[Iterator[Outcome], bool]:
        """The jobs' outcomes in order, and whether they are all there already: on a cluster,
        window by window; archives read whole go to the workers first, each in a batch of its
        own, when the walk goes on or the workers are running (a scan of one small package
        stays in one process); the other jobs as :meth:`_analyze_jobs` decides."""
        if self.cluster is not None:
            return iter(list(self._analyze_on_cluster(self.cluster, jobs))), True
        if self.workers <= 1 or not (going_on or self.pool is not None):
            return self._analyze_jobs(jobs)
        whole = [j for j in jobs if j.whole]
        if not whole:
            return self._analyze_jobs(jobs)
        in_pool = self._in_pool(whole, size=1)
        others, _done = self._analyze_jobs([j for j in jobs if not j.whole])
        return (next(in_pool) if j.whole else next(others) for j in jobs), False

    def _analyze_jobs(self, jobs: list[_Job]) -> tuple[Iterator[Outcome], bool]:
        """The jobs' outcomes in order, and whether they are all there already: analysed in
        process when they are few, small or cheap; otherwise handed to the worker pool at once,
        so that the workers run while the caller goes on."""
        small = len(jobs) < INPROCESS_JOBS and sum(j.artifact.size for j in jobs) < INPROCESS_BYTES
        if self.workers <= 1 or len(jobs) <= 1 or (small and self.pool is None):
            return iter(list(self._analyze_here(jobs))), True
        cheap = self.job_seconds is None or self.job_seconds < POOL_MIN_JOB_SECONDS
        if self.pool is None and cheap:
            # In process while artifacts prove cheap (CPU time, so that a busy machine does not
            # look like expensive artifacts): the first large window is probed for
            # PROBE_SECONDS, later ones are measured whole and their average decides the next.
            # An analyzer's first artifact also imports its implementation and loads its
            # tables (the models layer's pickle machine): a cost paid once, not counted.
            probing = self.job_seconds is None
            done, counted, spent = 0, 0, 0.0
            probed: list[Outcome] = []
            while done < len(jobs) and not (probing and done and spent >= PROBE_SECONDS):
                job = jobs[done]
                first = any(name not in self.local for name in job.analyzers)
                started = time.process_time()
                probed.append(
                    analyze_artifact(job.artifact, job.analyzers, self.context, self.local)
                )
                if not first:
                    spent += time.process_time() - started
                    counted += 1
                done += 1
                self._tick(1)
            self.job_seconds = spent / max(counted, 1)
            jobs = jobs[done:]
            if not jobs or self.job_seconds < POOL_MIN_JOB_SECONDS:
                return iter([*probed, *self._analyze_here(jobs)]), True
            return itertools.chain(probed, self._in_pool(jobs)), False
        return self._in_pool(jobs), False

    def _in_pool(self, jobs: list[_Job], size: int | None = None) -> Iterator[Outcome]:
        """Submit the jobs to the workers now, in batches of ``size`` (by default as many as
        keep each worker busy twice over, at most :data:`BATCH`); the outcomes come in order
        as they are asked."""
        if self.pool is None:
            self.pool = _new_pool(self.workers)
        size = size or max(1, min(BATCH, len(jobs) // (self.workers * 2) or 1))
        batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
        futures: list[tuple[list[_Job], Future[list[Outcome]]]] = [
            (
                batch,
                self.pool.submit(
                    _analyze_batch, [(j.artifact, j.analyzers) for j in batch], self.context
                ),
            )
            for batch in batches
        ]
        return self._outcomes(futures)

    def _outcomes(
        self, futures: list[tuple[list[_Job], Future[list[Outcome]]]]
    ) -> Iterator[Outcome]:
        for batch, future in futures:
            try:
                outcomes = future.result()
            except Exception as exc:
                message = f"worker process failed: {type(exc).__name__}: {exc}"
                outcomes = [Outcome(errors=[(",".join(j.analyzers), message)]) for j in batch]
                if "BrokenProcessPool" in type(exc).__name__ and self.pool is not None:
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = _new_pool(self.workers)
            self._tick(len(batch))
            yield from outcomes

    def _analyze_on_cluster(self, cluster: RayPool, jobs: list[_Job]) -> Iterator[Outcome]:
        """Every job of the window on the cluster, in batches sized to keep each of its CPUs
        busy twice over; the outcomes come back in the jobs' order."""
        size = max(1, min(BATCH, len(jobs) // (cluster.workers * 2) or 1))
        batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
        shipped = [[(j.artifact, j.analyzers) for j in batch] for batch in batches]
        for batch, outcomes in zip(batches, cluster.map(shipped, self.context), strict=True):
            if isinstance(outcomes, Exception):
                message = f"Ray task failed: {type(outcomes).__name__}: {outcomes}"
                outcomes = [Outcome(errors=[(",".join(j.analyzers), message)]) for j in batch]
            self._tick(len(batch))
            yield from outcomes

    def _analyze_here(self, jobs: list[_Job]) -> Iterator[Outcome]:
        for job in jobs:
            outcome = analyze_artifact(job.artifact, job.analyzers, self.context, self.local)
            self._tick(1)
            yield outcome

    def _tick(self, count: int) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done, self.seen)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.cluster is not None:
            self.cluster.close()
        if self.cache is not None:
            self.cache.close()


def _new_pool(workers: int) -> ProcessPoolExecutor:
    """The scan's worker processes. multiprocessing is imported here, by the scans that start
    workers: a scan analysed in process (an empty folder, a model file) starts without it
    (docs/benchmarks.md, issue 21)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers)


def _connect(options: ScanOptions) -> RayPool:
    """The scan's Ray cluster; Ray is imported here, only by scans that name one."""
    assert options.ray is not None
    try:
        from outwork.engine.distributed import RayPool  # the optional extra, only here
    except ImportError as exc:
        raise UsageError(
            f"--ray needs Ray, which is not installed ({exc}); install outwork's ray extra:"
            " pip install 'outwork[ray]'"
        ) from None
    return RayPool(options.ray, options.jobs, _analyze_batch)


_WORKER_INSTANCES: dict[str, Analyzer] = {}


def _analyze_batch(
    items: list[tuple[Artifact, tuple[str, ...]]], context: AnalysisContext
) -> list[Outcome]:
    return [analyze_artifact(a, names, context, _WORKER_INSTANCES) for a, names in items]


def analyze_artifact(
    artifact: Artifact,
    analyzer_names: tuple[str, ...],
    context: AnalysisContext,
    instances: dict[str, Analyzer],
) -> Outcome:
    """Run the named analyzers on one artifact; never raises."""
    registry = load_analyzers()
    outcome = Outcome()
    # Before the analyzers, so that they all see the same digest (a model's identity) whether
    # or not the cache had already hashed the artifact.
    outcome.digest = digest_of(artifact)
    for name in analyzer_names:
        analyzer = instances.get(name)
        if analyzer is None:
            analyzer = instances[name] = registry[name]()
        try:
            for item in analyzer.analyze(artifact, context):
                if isinstance(item, Finding):
                    outcome.findings.append(_place(item, artifact))
                elif isinstance(item, Fact):
                    if not item.proof:  # proven by the artifact itself: name where it is
                        item = Fact(
                            item.source, item.relation, item.target, artifact.path, item.properties
                        )
                    outcome.facts.append(item)
                elif isinstance(item, Component):
                    outcome.components.append(item.to_dict())
                elif isinstance(item, TimeBound):
                    outcome.bound = item if outcome.bound is None else outcome.bound.meet(item)
        except Exception as exc:
            outcome.errors.append((name, _describe(exc)))
    if artifact.kind in TEXT_KINDS and artifact.size <= TEXT_SCAN_LIMIT:
        _annotate_text(artifact, outcome)
    return outcome


def digest_of(artifact: Artifact) -> str | None:
    """The sha256 reports give an artifact: the real digest of its content, computed once.

    Content held in memory (archive members, small files the walker read whole) is hashed
    from memory, a file on disk is streamed through the hash in chunks; a digest the cache or
    an analyzer already computed is reused. A file on disk over :data:`HASH_LIMIT` that is not
    held in memory gets none, even when an analyzer happened to read it whole: hashing it
    would read gigabytes the analysis does not need, the cache keys it by identity instead,
    and the same input must give the same report with the cache off, cold or warm. The
    identity key (``stat:...``) is never a digest.
    """
    if artifact.data is None and artifact._content is None and artifact.size > HASH_LIMIT:
        return None
    try:
        return artifact.sha256()
    except OSError:  # gone or unreadable since the walk: the analyzers report that
        return None


def _place(item: Finding, artifact: Artifact) -> Finding:
    """Give an analyzer's finding its logical path (lines come later, for text artifacts).

    Like the finding read back from its dict form (the cache's): related locations a tuple, no
    snippet but the engine's, no suppression (the policy decides that)."""
    loc = item.location
    path = artifact.path if not loc.path else join_member(artifact.path, loc.path)
    return Finding(
        rule=item.rule,
        message=item.message,
        location=Location(path, loc.line, loc.column, loc.end_line, loc.end_column, loc.logical),
        severity=item.severity,
        confidence=item.confidence,
        evidence=item.evidence,
        remediation=item.remediation,
        subject=item.subject,
        related=tuple(item.related),
        properties=item.properties,
    )


def _annotate_text(artifact: Artifact, outcome: Outcome) -> None:
    """Resolve key paths to lines, attach code frames and read inline suppressions."""
    try:
        text = artifact.text()
    except OSError:
        return
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        codes = suppression_codes(line)
        if codes:
            outcome.markers[str(number)] = codes
    for index, item in enumerate(outcome.findings):
        loc = item.location
        if loc.path != artifact.path:
            continue
        if loc.line is None and loc.logical:
            position = resolve(artifact.kind, text, loc.logical)
            if position:
                row, column = position
                loc = Location(loc.path, row, column, loc.end_line, loc.end_column, loc.logical)
        line_no = loc.line
        snippet: tuple[tuple[int, str], ...] = ()
        if isinstance(line_no, int) and item.rule.quotes_source:
            snippet = code_frame(lines, line_no, loc.end_line)
        if loc is not item.location or snippet:
            outcome.findings[index] = replace(item, location=loc, snippet=snippet)


def _collect(job: _Job, outcome: Outcome, result: ScanResult) -> None:
    art = job.artifact
    # an image file's layer of origin, from the source's tags: added here, after the cache,
    # because the same bytes may come from another layer of another image next time
    origin = layer_origin(art.tags)
    for found in outcome.findings:
        marker_codes = (
            outcome.markers.get(str(found.location.line)) if found.location.line else None
        )
        props = {**origin, **found.properties}
        if marker_codes:
            props["_inline_markers"] = marker_codes
        result.findings.append(replace(found, properties=props))
    result.facts.extend(outcome.facts)
    for name, error in outcome.errors:
        _failed(result, art.path, name, error, "; the artifact is not proven safe")
    digest = outcome.digest
    if digest is None and art._digest and (art.data is not None or art.size <= HASH_LIMIT):
        digest = art._digest[0]  # a cache hit: the digest its key was made from
    result.artifacts.append(
        ScannedArtifact(
            art.path,
            art.kind,
            art.size,
            digest,
            job.analyzers,
            {"components": _with_origin(outcome.components, origin)} if outcome.components else {},
        )
    )


def _with_origin(components: list[dict[str, Any]], origin: dict[str, Any]) -> list[dict[str, Any]]:
    if not origin:
        return components
    return [{**c, "properties": {**origin, **(c.get("properties") or {})}} for c in components]


def _finding_order(f: Finding) -> tuple[Any, ...]:
    return (
        f.rule.layer.value,
        -f.severity,
        f.location.path.count(MEMBER_SEP),
        f.location.path,
        f.location.line or 0,
        f.rule.code,
    )
