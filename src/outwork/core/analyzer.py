"""The analyzer seam: what every layer implements and what it may know about the scan.

An analyzer declares the artifact kinds it reads and the rules it raises, and turns one artifact
into findings, facts and components. Analyzers are discovered through the ``outwork.analyzers``
entry-point group (outwork's own layers included), so a third-party layer is a pip install away.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, cast, overload

from outwork.core.artifact import Artifact, Kind, MemberNeeds
from outwork.core.budgets import Budgets
from outwork.core.findings import Fact, Finding
from outwork.core.rules import Layer, Rule

#: The entry-point group that names every analyzer class.
ENTRY_POINT_GROUP = "outwork.analyzers"


@dataclass(frozen=True, slots=True)
class Component:
    """Something an analyzer identified for the SBOM: a package, a model, a dependency.

    ``type`` follows CycloneDX component types (``library``, ``application``,
    ``machine-learning-model``, ``file``, ``data``).
    """

    type: str
    name: str
    version: str | None = None
    purl: str | None = None
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "version": self.version,
            "purl": self.purl,
            "properties": self.properties,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Component:
        return cls(
            type=data["type"],
            name=data["name"],
            version=data.get("version"),
            purl=data.get("purl"),
            properties=dict(data.get("properties") or {}),
        )


@dataclass(frozen=True, slots=True)
class TimeBound:
    """The scan times (POSIX seconds, exclusive ends; None: unbounded) between which an
    artifact's results stay what they are. An analyzer whose verdicts read the scan's time
    (:attr:`AnalysisContext.now`: a grant that expires, one that starts later) emits one; the
    engine keeps it with the cached results and analyses the artifact again when a later scan's
    time falls outside it. Several are met (intersected)."""

    after: float | None = None
    before: float | None = None

    def holds_at(self, now: float) -> bool:
        return (self.after is None or now > self.after) and (
            self.before is None or now < self.before
        )

    def meet(self, other: TimeBound) -> TimeBound:
        afters = [t for t in (self.after, other.after) if t is not None]
        befores = [t for t in (self.before, other.before) if t is not None]
        return TimeBound(max(afters, default=None), min(befores, default=None))


Emitted = Finding | Fact | Component | TimeBound
FetchAdvisories = Callable[[Path, tuple[str, ...]], str | None]
#: Asks an advisory API which records affect these ``(ecosystem, name, version)``: the records,
#: or why it could not.
QueryAdvisories = Callable[[tuple[tuple[str, str, str], ...]], list[dict[str, Any]] | str]


@dataclass(frozen=True, slots=True)
class AnalysisContext:
    """What an analyzer may know about the scan besides the artifact: options, never the
    environment (the library never reads it on its own)."""

    offline: bool = True
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    #: Directory for state such as the advisory database (resolved by the caller).
    data_dir: str | None = None
    #: The scan's limits, for an analyzer that reads the members of a container itself.
    budgets: Budgets = field(default_factory=Budgets)
    #: Fetches advisory data for these ecosystems into this database (the caller's network
    #: policy and progress display); returns why it could not, or None. Only the whole-scan
    #: step (:meth:`Analyzer.finish`) gets one, and only when the caller allows the network.
    fetch_advisories: FetchAdvisories | None = field(default=None, compare=False, repr=False)
    #: Asks an advisory API for the dependencies no local feed covers, when the user allowed it
    #: (``--osv-api``); like ``fetch_advisories``, only the whole-scan step gets one.
    query_advisories: QueryAdvisories | None = field(default=None, compare=False, repr=False)
    #: A random key made once per scan and handed to every worker with the context: what an
    #: analyzer keys a hash with when the installation keeps no key of its own (no data folder),
    #: so that one scan's keyed hashes agree wherever its artifacts were analysed.
    scan_key: bytes = field(
        default_factory=lambda: secrets.token_bytes(32), compare=False, repr=False
    )
    #: The scan's time (POSIX seconds), one for the whole scan and every worker: what an
    #: analyzer evaluates "now" as (a policy condition on the request's time). A result that
    #: depends on it says over which times it holds (:class:`TimeBound`).
    now: float = field(default_factory=time.time, compare=False)


class Analyzer:
    """Base of every analyzer.

    Subclasses set ``name`` (short, lower-case), ``version`` (bump it whenever results could
    change: it is part of every cache key), ``layer``, ``kinds``, ``rules`` (usually
    :func:`rules_in` of the layer's rules package, so a new rule module needs no other edit) and
    ``implementation``.

    The class is the layer's declaration: every scan imports it to know what is installed, so it
    imports neither parsers nor third-party libraries, and its rules are imported when first
    asked for (:func:`rules_in`). The work is in the
    ``implementation`` module, imported the first time the analyzer is asked for it
    (:attr:`work`): a scan loads the parsers of the layers its files need, not of every installed
    layer.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    layer: ClassVar[Layer]
    kinds: ClassVar[frozenset[Kind]]
    rules: ClassVar[Sequence[type[Rule]]]
    #: False for analyzers whose results depend on more than the artifact's bytes (the network,
    #: an advisory database): their results are not cached by content hash.
    cacheable: ClassVar[bool] = True
    #: Artifacts smaller than this are not cached: analysing them again costs less than hashing,
    #: looking up and storing their results.
    cache_min_bytes: ClassVar[int] = 0
    #: The module that does the work: its ``analyze(artifact, context)`` is the default
    #: :meth:`analyze`, and a subclass may call its other functions through :attr:`work`.
    implementation: ClassVar[str] = ""

    @property
    def work(self) -> ModuleType:
        """The ``implementation`` module, imported on first use, after the layer's rules: a
        rule module may register the check the implementation dispatches to, so the work never
        runs without them, in whatever process it runs (a forked worker, a Ray worker)."""
        if not self.implementation:
            raise NotImplementedError(f"analyzer {self.name} declares no implementation module")
        if isinstance(self.rules, RuleCatalogue):
            self.rules.load()
        return importlib.import_module(self.implementation)

    @classmethod
    def caches(cls, options: Mapping[str, Any]) -> bool:
        """Whether results under these analyzer options may be cached: by default
        ``cacheable``. An option that makes the analyzer ask the network (the secrets layer's
        ``secrets.verify``) makes its answer depend on more than the bytes."""
        return cls.cacheable

    def accepts(self, artifact: Artifact) -> bool:
        """Whether to run on this artifact; by default, when its kind is declared.

        Decide from the path, the kind and the first bytes: for an archive member the engine
        asks while only its first 64 KiB are read, and a member nobody accepts is never held
        whole (reading further, or raising, counts as accepting)."""
        return artifact.kind in self.kinds

    def member_needs(self, archive: Artifact) -> MemberNeeds | None:
        """What this analyzer reads of the members of ``archive`` (an archive it accepts) when it
        reads the archive whole, or None (the default) when it does not.

        The walk decompresses every member anyway: told this, it keeps that much of each member
        and hands the archive over after its members, with them
        (:attr:`~outwork.core.artifact.Artifact.members`), so that :meth:`analyze` reads them
        instead of decompressing the archive again (it still must read the archive itself when
        ``members`` is None)."""
        return None

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        """Yield findings (location path left empty or relative), facts and components; by
        default, what the ``implementation`` module's ``analyze(artifact, context)`` yields."""
        return cast(Iterable[Emitted], self.work.analyze(artifact, context))

    @classmethod
    def finish_inputs(cls, offline: bool) -> tuple[str, ...]:
        """Other analyzers whose components :meth:`finish` reads. They run whenever this one
        does, even when none of their own rules is selected (the policy still filters their
        findings). By default none."""
        return ()

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding | Fact]:
        """Called once per scan, in the main process, after every artifact was analysed.

        ``components`` are every ``(artifact path, component)`` the scan identified, from any
        analyzer, cached or fresh. This is the place for checks over the whole scan or against
        the network (``context.offline`` is False only with ``--online``); its findings are never
        cached and carry their own full location path, and its facts join the attack graph.
        By default, nothing.
        """
        return ()


class RuleCatalogue(Sequence[type[Rule]]):
    """The rules declared in the modules of a layer's ``rules`` package, imported the first time
    they are asked for (see :func:`rules_in`)."""

    __slots__ = ("_rules", "package")

    def __init__(self, package: str) -> None:
        self.package = package
        self._rules: tuple[type[Rule], ...] | None = None

    def load(self) -> tuple[type[Rule], ...]:
        """The rules, their modules imported now if they were not yet."""
        return self._loaded()

    def _loaded(self) -> tuple[type[Rule], ...]:
        if self._rules is None:
            self._rules = _declared_rules(self.package)
        return self._rules

    @overload
    def __getitem__(self, index: int) -> type[Rule]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[type[Rule]]: ...

    def __getitem__(self, index: int | slice) -> type[Rule] | Sequence[type[Rule]]:
        return self._loaded()[index]

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return f"rules_in({self.package!r})"


@functools.cache
def installed_layer(name: str) -> Analyzer | None:
    """Another installed analyzer, by its entry-point name, for a layer that reuses its public
    methods (the AI layer asks the secrets layer which values are credentials). Analyzers never
    import each other: they meet here, through the entry points, and a layer that is not
    installed is None (the caller says what it could not check)."""
    for point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        cls = point.load()
        if isinstance(cls, type) and issubclass(cls, Analyzer):
            return cls()
    return None


def rules_in(package: str) -> RuleCatalogue:
    """Every rule class defined in the modules of ``package`` (a layer's ``rules`` package),
    sorted by code: declaring a rule in a module there is all it takes to ship it.

    The modules are imported when the rules are first asked for, not when the analyzer class is:
    a rule module imports what its checks read (an evaluator, a parser), and a scan whose
    selection leaves a layer out decides so from the layer's code alone
    (:func:`outwork.core.rules.layer_selected`), without importing that layer's rules."""
    return RuleCatalogue(package)


def _declared_rules(package: str) -> tuple[type[Rule], ...]:
    root = importlib.import_module(package)
    modules = [root]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        modules.append(importlib.import_module(info.name))
    found: dict[str, type[Rule]] = {}
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
                and "code" in vars(value)
            ):
                found[value.code] = value
    return tuple(sorted(found.values(), key=lambda rule: rule.code))
