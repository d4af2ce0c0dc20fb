"""Configuration from ``outwork.toml`` or ``[tool.outwork]`` in ``pyproject.toml``.

The file is looked for upward from the first target. Configuration is only ever read from the
user's own tree on disk, never from inside archives, so a scanned package cannot configure its own
scan. A file that was found rather than named (``--config``) may still be the scanned tree's own
(an unpacked package, a cloned repository): it may narrow the scan, but it cannot switch off the
rules whose findings the scanned content's authors control (see :func:`keep_protected_rules`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from outwork.core.budgets import Budgets
from outwork.core.errors import ConfigError
from outwork.core.rules import Confidence, Rule, Severity, selector_matches

_KEYS = {
    "select",
    "ignore",
    "extend-ignore",
    "fail-on",
    "min-confidence",
    "baseline",
    "jobs",
    "include-git",
    "offline",
    "format",
    "budgets",
    "analyzers",
    "index-url",
    "npm-registry",
    "exclude",
    "extend-exclude",
    "respect-gitignore",
    "ray",
}
_BUDGET_KEYS = {f.name.replace("_", "-"): f.name for f in fields(Budgets)}


@dataclass(frozen=True, slots=True)
class FileConfig:
    """What a configuration file says; every field is optional."""

    source: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    fail_on: Severity | None = None
    #: Whether the file sets fail-on at all (``none`` is a value: never fail).
    fail_on_given: bool = False
    min_confidence: Confidence | None = None
    baseline: Path | None = None
    jobs: int | None = None
    include_git: bool | None = None
    offline: bool | None = None
    format: str | None = None
    budgets: dict[str, Any] = field(default_factory=dict)
    analyzers: dict[str, Any] = field(default_factory=dict)
    index_url: str | None = None
    npm_registry: str | None = None
    #: Gitignore-style patterns of files and folders to leave out (None: not set).
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool | None = None
    #: A Ray cluster's address to analyse on (honoured from a file named with ``--config``
    #: only: a found file may belong to the scanned content, which must not pick the machines
    #: its bytes are sent to).
    ray: str | None = None
    #: Codes that ``min_confidence`` does not filter (set by :func:`keep_protected_rules`).
    protected: frozenset[str] = frozenset()


def discover(start: Path) -> Path | None:
    """The nearest ``outwork.toml``, or ``pyproject.toml`` with a ``[tool.outwork]`` table."""
    try:
        here = start.resolve()
    except (OSError, RuntimeError):  # a link loop: look from the folder that holds it
        here = start.absolute().parent
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "outwork.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def project_root(start: Path, config_source: Path | None = None) -> Path:
    """The folder a scan of ``start`` belongs to, that exclude patterns and baseline paths are
    relative to: the folder of its configuration file, else the git work tree holding it,
    else ``start`` itself (its folder when it is a file)."""
    if config_source is not None:
        return config_source.resolve().parent
    try:
        here = start.resolve()
    except (OSError, RuntimeError):
        here = start.absolute().parent
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "outwork" in data["tool"]


def load(path: Path) -> FileConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc}); fix the file or pass --config"
        ) from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("outwork", {})
    else:
        table = data.get("tool", {}).get("outwork", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: the outwork configuration must be a table")
    return parse(table, path)


def parse(table: dict[str, Any], source: Path | None = None) -> FileConfig:
    where = str(source) if source else "configuration"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(_KEYS))}"
        )
    fail_on: Severity | None = None
    if "fail-on" in table:
        value = _str(table, "fail-on", where)
        fail_on = None if value.lower() == "none" else _severity(value, where)
    budgets = table.get("budgets", {})
    if not isinstance(budgets, dict):
        raise ConfigError(f"{where}: 'budgets' must be a table")
    bad = sorted(set(budgets) - set(_BUDGET_KEYS))
    if bad:
        raise ConfigError(
            f"{where}: unknown budget(s) {', '.join(bad)}; known: {', '.join(sorted(_BUDGET_KEYS))}"
        )
    baseline = table.get("baseline")
    base_dir = source.parent if source else Path.cwd()
    analyzers = table.get("analyzers", {})
    if not isinstance(analyzers, dict):
        raise ConfigError(f"{where}: 'analyzers' must be a table of per-analyzer options")
    return FileConfig(
        source=source,
        select=_list(table, "select", where) if "select" in table else None,
        ignore=_list(table, "ignore", where) + _list(table, "extend-ignore", where),
        fail_on=fail_on,
        fail_on_given="fail-on" in table,
        min_confidence=_confidence(_str(table, "min-confidence", where), where)
        if "min-confidence" in table
        else None,
        baseline=(base_dir / str(baseline)) if baseline else None,
        jobs=_int(table, "jobs", where),
        include_git=_bool(table, "include-git", where),
        offline=_bool(table, "offline", where),
        format=_str(table, "format", where) if "format" in table else None,
        budgets={_BUDGET_KEYS[k]: v for k, v in budgets.items()},
        analyzers=analyzers,
        index_url=_str(table, "index-url", where) if "index-url" in table else None,
        npm_registry=_str(table, "npm-registry", where) if "npm-registry" in table else None,
        exclude=_patterns(table, "exclude", where) if "exclude" in table else None,
        extend_exclude=_patterns(table, "extend-exclude", where),
        respect_gitignore=_bool(table, "respect-gitignore", where),
        ray=_str(table, "ray", where) if "ray" in table else None,
    )


def keep_protected_rules(
    config: FileConfig, rules: Iterable[type[Rule]]
) -> tuple[FileConfig, tuple[str, ...]]:
    """``config`` without its power to switch off protected rules, and the codes it tried to.

    Protected rules are those an inline ``outwork: ignore`` cannot silence either
    (``Rule.inline_suppressible`` False): malicious package behaviour, unsafe model content,
    attack paths. A discovered configuration file may belong to the very package being scanned,
    so its ``select``, ``ignore`` and ``min-confidence`` keep applying to every other rule, while
    protected rules stay on and keep every confidence. The selectors are rewritten as explicit
    codes. Configuration named with ``--config`` and command-line flags are trusted as given.
    """
    catalogue = list(rules)
    select = config.select or ("ALL",)

    def enabled(rule: type[Rule]) -> bool:
        chosen = any(selector_matches(s, rule) for s in select)
        return chosen and not any(selector_matches(s, rule) for s in config.ignore)

    protected = [r for r in catalogue if not r.inline_suppressible]
    switched_off = tuple(r.code for r in protected if not enabled(r))
    hides_confidence = config.min_confidence is not None and config.min_confidence > min(Confidence)
    if not switched_off and not hides_confidence:
        return config, ()
    keep = set(switched_off)
    codes = tuple(r.code for r in catalogue if enabled(r) or r.code in keep)
    guarded = replace(
        config,
        select=codes,
        ignore=(),
        protected=frozenset(r.code for r in protected) if hides_confidence else frozenset(),
    )
    return guarded, switched_off


def budgets_from(values: dict[str, Any]) -> Budgets:
    try:
        return Budgets(**values)
    except TypeError as exc:
        raise ConfigError(f"invalid budgets: {exc}") from None


def _list(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of rule codes, prefixes or names")
    return tuple(value)


def _patterns(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of gitignore-style patterns")
    return tuple(value)


def _str(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a string")
    return value


def _int(table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: '{key}' must be a positive integer")
    return value


def _bool(table: dict[str, Any], key: str, where: str) -> bool | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false")
    return value


def _severity(value: str, where: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _confidence(value: str, where: str) -> Confidence:
    try:
        return Confidence.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
