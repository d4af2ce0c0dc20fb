"""Analyzers: one per layer, each declaring the artifact kinds it reads.

Built-in analyzers live in the subpackages of this package; each subpackage exposes ``ANALYZERS``,
a list of :class:`Analyzer` subclasses. Third parties register theirs under the entry-point group
``outwork.analyzers`` (the entry point names an :class:`Analyzer` subclass).
"""

from __future__ import annotations

import abc
import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import field
from typing import Any, ClassVar

from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.core.records import FACTORY, record
from outwork.core.rules import Layer, Rule

ENTRY_POINT_GROUP = "outwork.analyzers"


@record
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

    def __init__(
        self,
        type: str,
        name: str,
        version: str | None = None,
        purl: str | None = None,
        properties: dict[str, Any] = FACTORY,
    ) -> None:
        setter = object.__setattr__
        setter(self, "type", type)
        setter(self, "name", name)
        setter(self, "version", version)
        setter(self, "purl", purl)
        setter(self, "properties", {} if properties is FACTORY else properties)

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


Emitted = Finding | Fact | Component


@record
class AnalysisContext:
    """What an analyzer may know about the scan besides the artifact: options, never the
    environment (the library never reads it on its own)."""

    offline: bool = True
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    #: Directory for state such as the advisory database (resolved by the caller).
    data_dir: str | None = None

    def __init__(
        self,
        offline: bool = True,
        options: dict[str, Any] = FACTORY,
        data_dir: str | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "offline", offline)
        setter(self, "options", {} if options is FACTORY else options)
        setter(self, "data_dir", data_dir)


class Analyzer(abc.ABC):
    """Base of every analyzer.

    Subclasses set ``name`` (short, lower-case), ``version`` (bump it whenever results could
    change: it is part of every cache key), ``layer``, ``kinds`` and ``rules``.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    layer: ClassVar[Layer]
    kinds: ClassVar[frozenset[Kind]]
    rules: ClassVar[tuple[type[Rule], ...]]
    #: False for analyzers whose results depend on more than the artifact's bytes (the network,
    #: an advisory database): their results are not cached by content hash.
    cacheable: ClassVar[bool] = True
    #: Artifacts smaller than this are not cached: analysing them again costs less than hashing,
    #: looking up and storing their results (measure before raising it from 0).
    cache_min_bytes: ClassVar[int] = 0

    def accepts(self, artifact: Artifact) -> bool:
        """Whether to run on this artifact; by default, when its kind is declared.

        Decide from the path, the kind and the first bytes: for an archive member the engine
        asks while only its first 64 KiB are read, and a member nobody accepts is never held
        whole (reading further, or raising, counts as accepting)."""
        return artifact.kind in self.kinds

    @abc.abstractmethod
    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        """Yield findings (location path left empty or relative), facts and components."""

    @classmethod
    def finish_inputs(cls, offline: bool) -> tuple[str, ...]:
        """Other analyzers whose components :meth:`finish` reads. They run whenever this one
        does, even when none of their own rules is selected (the policy still filters their
        findings). By default none."""
        return ()

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding]:
        """Called once per scan, in the main process, after every artifact was analysed.

        ``components`` are every ``(artifact path, component)`` the scan identified, from any
        analyzer, cached or fresh. This is the place for checks over the whole scan or against
        the network (``context.offline`` is False only with ``--online``); its findings are never
        cached and carry their own full location path. By default, nothing.
        """
        return ()


_LOADED: dict[str, type[Analyzer]] = {}


def _third_party_entry_points() -> list[Any]:
    """Entry points of the ``outwork.analyzers`` group. ``importlib.metadata`` costs tens of
    milliseconds at start-up, so the distributions' ``entry_points.txt`` files are looked at
    first (one directory listing per path entry: ``pathlib.glob`` took three times as long) and
    the full machinery runs only when one of them names the group."""
    import os
    import sys

    named = False
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)  # noqa: PTH208 - a third of the time of pathlib
        except OSError:  # not a folder (a zip on the path), or gone
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(  # noqa: PTH123 - no Path objects on the start-up path
                    os.path.join(folder, name, "entry_points.txt"),  # noqa: PTH118
                    encoding="utf-8",
                    errors="replace",
                ) as fh:
                    text = fh.read()
            except OSError:
                continue
            if ENTRY_POINT_GROUP in text:
                named = True
                break
        if named:
            break
    if not named:
        return []
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def load_analyzers() -> dict[str, type[Analyzer]]:
    """Every analyzer, built-in and third-party, keyed by name. Importing registers rules too."""
    if _LOADED:
        return _LOADED
    import outwork.core.corerules
    import outwork.graph  # noqa: F401 - registers the attack-path rules

    found: dict[str, type[Analyzer]] = {}
    for module in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if not module.ispkg:
            continue
        mod = importlib.import_module(module.name)
        for cls in getattr(mod, "ANALYZERS", ()):
            found[cls.name] = cls
    for ep in _third_party_entry_points():
        cls = ep.load()
        if isinstance(cls, type) and issubclass(cls, Analyzer) and cls.name not in found:
            found[cls.name] = cls
    _LOADED.update(dict(sorted(found.items())))
    return _LOADED
