"""The catalogue: every analyzer named in the ``outwork.analyzers`` entry-point group, and every
rule they, the core and the attack-path graph declare."""

from __future__ import annotations

from importlib.metadata import entry_points

import outwork.core.corerules
import outwork.graph
from outwork.core.analyzer import ENTRY_POINT_GROUP, Analyzer
from outwork.core.errors import ConfigError
from outwork.core.rules import (
    Layer,
    Rule,
    code_number,
    registered_rule,
    selector_matches,
    selector_scope,
)

_LOADED: dict[str, type[Analyzer]] = {}


def load_analyzers() -> dict[str, type[Analyzer]]:
    """Every installed analyzer, keyed by name (loaded once per process).

    A distribution that names something other than an :class:`Analyzer` subclass, or a name
    already taken, is a configuration error that says which distribution to fix."""
    if _LOADED:
        return _LOADED
    found: dict[str, type[Analyzer]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        where = f"entry point {ep.name} = {ep.value} ({ENTRY_POINT_GROUP})"
        if not (isinstance(cls, type) and issubclass(cls, Analyzer)):
            raise ConfigError(f"{where} does not name an Analyzer subclass: fix or uninstall it")
        if cls.name in found and found[cls.name] is not cls:
            raise ConfigError(
                f"{where}: analyzer name {cls.name!r} is taken by {found[cls.name].__module__}"
            )
        found[cls.name] = cls
    if not any(cls.__module__.startswith("outwork.analyzers.") for cls in found.values()):
        raise ConfigError(
            "outwork's own analyzers are not registered (its entry points are missing): the"
            " installation is stale or broken; reinstall it (pip install --force-reinstall"
            " outwork, or pip install -e . in a checkout)"
        )
    _LOADED.update(sorted(found.items()))
    return _LOADED


def core_rules() -> list[type[Rule]]:
    """The rules the core and the attack-path graph declare (every scan may raise them)."""
    rules = []
    for module in (outwork.core.corerules, outwork.graph):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
            ):
                rules.append(value)
    return rules


def all_rules() -> list[type[Rule]]:
    """Every rule of the scan, sorted by layer and code: the core's, the graph's and those of
    every installed analyzer (whose rule modules this imports)."""
    rules = {rule.code: rule for rule in core_rules()}
    for analyzer in load_analyzers().values():
        rules.update((rule.code, rule) for rule in analyzer.rules)
    return sorted(rules.values(), key=lambda r: (r.layer.value, code_number(r.code)))


def get_rule(code_or_name: str) -> type[Rule]:
    """A rule by code or name, with the rules that could hold it loaded (a code's layer, every
    layer for a name); ``KeyError`` when none has it."""
    _candidates(code_or_name)
    return registered_rule(code_or_name)


def _candidates(selector: str) -> list[type[Rule]]:
    """The rules a selector could match: for a code or a code prefix, its layer's (only that
    layer's rule modules are imported); for anything else, every rule."""
    scope = selector_scope(selector)
    if scope is None or scope[1]:
        return all_rules()
    rules = [rule for rule in core_rules() if rule.layer.value == scope[0]]
    for analyzer in load_analyzers().values():
        if analyzer.layer.value == scope[0]:
            rules.extend(analyzer.rules)
    return rules


def selector_known(selector: str) -> bool:
    """Whether a ``--select``/``--ignore`` entry matches any rule of the installed analyzers, the
    core or the graph. An entry naming whole layers is answered from the layers' codes; only a
    code or a name imports the rules."""
    scope = selector_scope(selector)
    if scope is not None and scope[1]:
        layers = {Layer.CORE, Layer.PATH, *(cls.layer for cls in load_analyzers().values())}
        return any(layer.value.startswith(scope[0]) for layer in layers)
    return any(selector_matches(selector, rule) for rule in _candidates(selector))
