"""Rules: one class per rule, holding its code, name, metadata and documentation.

A rule's documentation is its docstring. The first paragraph is the one-line summary; the rest is
made of the sections in :data:`DOC_SECTIONS`, each introduced by a ``## Heading`` line. Declaring a
subclass of :class:`Rule` registers it; codes and names must be unique across the whole catalogue.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping, Sequence
from inspect import cleandoc
from typing import ClassVar

from outwork.core.errors import RuleDefinitionError


class Severity(enum.IntEnum):
    """How bad a finding is when it is true."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}: choose one of {choices}") from None


class Confidence(enum.IntEnum):
    """How sure the analyzer is that a finding is true."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(c.label for c in cls)
            raise ValueError(f"unknown confidence {text!r}: choose one of {choices}") from None


class Layer(enum.StrEnum):
    """The layer a rule belongs to; its value is the rule-code prefix. A layer is listed here
    when its analyzer lands, never before."""

    CORE = "CORE"
    PKG = "PKG"
    MDL = "MDL"
    VUL = "VUL"
    CI = "CI"
    SEC = "SEC"
    CRY = "CRY"
    IAM = "IAM"
    IMG = "IMG"
    AI = "AI"
    PATH = "PATH"

    @property
    def display_name(self) -> str:
        return LAYER_TITLES[self]


LAYER_TITLES: dict[Layer, str] = {
    Layer.CORE: "Scanner and archives",
    Layer.PKG: "Packages",
    Layer.MDL: "AI models",
    Layer.VUL: "Dependencies",
    Layer.CI: "Pipelines",
    Layer.SEC: "Leaked credentials",
    Layer.CRY: "Cryptography",
    Layer.IAM: "Cloud identities",
    Layer.IMG: "Container images",
    Layer.AI: "AI toolchain",
    Layer.PATH: "Attack paths",
}

DOC_SECTIONS: tuple[str, ...] = (
    "What it finds",
    "Why it matters",
    "Example",
    "Remediation",
    "References",
)

_CODE_RE = re.compile(r"^(?P<prefix>[A-Z]+)(?P<number>\d{3,4})$")
_SELECTOR_CODE_RE = re.compile(r"^(?P<prefix>[A-Z]+)\d{1,4}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_HEADING_RE = re.compile(r"^##\s+(?P<title>.+?)\s*$")

_REGISTRY: dict[str, type[Rule]] = {}
_NAMES: dict[str, str] = {}


class Rule:
    """Base class of every rule. Subclasses set the class variables and write the docstring."""

    code: ClassVar[str]
    name: ClassVar[str]
    layer: ClassVar[Layer]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence]
    cwe: ClassVar[tuple[int, ...]] = ()
    attack: ClassVar[tuple[str, ...]] = ()
    #: False for rules an attacker could silence from inside the scanned artifact
    #: (an inline comment in a malicious package must never hide that package).
    inline_suppressible: ClassVar[bool] = True
    #: False for rules whose findings point at a credential: the engine attaches no source
    #: lines to them, so no report quotes the value (the rule's evidence is masked instead).
    quotes_source: ClassVar[bool] = True
    #: Severity by the context a finding is raised in (when the code runs, which trigger starts
    #: the workflow...): the one table that says how severe each finding of the rule is. Each
    #: layer defines its own context enum; a rule without a table always has ``severity``.
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {}

    @classmethod
    def severity_in(cls, context: enum.Enum) -> Severity:
        """The declared severity for ``context``. A rule with a table must name every context it
        is raised in: a missing row is a defect of the rule (``KeyError``), never a silent
        default."""
        if not cls.severities:
            return cls.severity
        return cls.severities[context]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "__abstractmethods__", None) or cls.__dict__.get("abstract", False):
            return
        _validate(cls)
        if cls.code in _REGISTRY and _REGISTRY[cls.code] is not cls:
            other = _REGISTRY[cls.code]
            raise RuleDefinitionError(
                f"rule code {cls.code} is declared twice ({other.__module__} and {cls.__module__}):"
                " codes are never reused, pick the next free number"
            )
        if cls.name in _NAMES and _NAMES[cls.name] != cls.code:
            raise RuleDefinitionError(f"rule name {cls.name} is used by {_NAMES[cls.name]} too")
        _REGISTRY[cls.code] = cls
        _NAMES[cls.name] = cls.code

    @classmethod
    def summary(cls) -> str:
        doc = cleandoc(cls.__doc__ or "")
        return doc.split("\n\n", 1)[0].replace("\n", " ").strip()

    @classmethod
    def sections(cls) -> dict[str, str]:
        return parse_sections(cls.__doc__ or "")

    @classmethod
    def help_uri(cls) -> str:
        return f"{DOCS_BASE_URI}/{cls.code}.md"

    @classmethod
    def markdown(cls) -> str:
        """The rule's page in ``docs/rules``; generated, never edited by hand."""
        lines = [
            f"# {cls.code}: {cls.name}",
            "",
            cls.summary(),
            "",
            "| field | value |",
            "| --- | --- |",
            f"| layer | {cls.layer.value} ({cls.layer.display_name}) |",
            f"| default severity | {cls.severity.label} |",
            f"| confidence | {cls.confidence.label} |",
            f"| CWE | {', '.join(f'CWE-{c}' for c in cls.cwe) or 'none'} |",
            f"| MITRE ATT&CK | {', '.join(cls.attack) or 'none'} |",
            f"| inline suppression | {'allowed' if cls.inline_suppressible else 'refused'} |",
            "",
        ]
        if cls.severities:
            lines += ["| context | severity |", "| --- | --- |"]
            lines += [f"| {ctx.value} | {sev.label} |" for ctx, sev in cls.severities.items()]
            lines.append("")
        for title, body in cls.sections().items():
            lines += [f"## {title}", "", body, ""]
        return "\n".join(lines).rstrip() + "\n"


DOCS_BASE_URI = "https://github.com/outwork-security/outwork/blob/main/docs/rules"


def parse_sections(docstring: str) -> dict[str, str]:
    """Split a rule docstring into its ``## Heading`` sections, in order."""
    doc = cleandoc(docstring)
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines():
        match = _HEADING_RE.match(line)
        if match:
            current = sections.setdefault(match.group("title"), [])
            continue
        if current is not None:
            current.append(line)
    return {title: "\n".join(body).strip() for title, body in sections.items()}


def _validate(cls: type[Rule]) -> None:
    where = f"{cls.__module__}.{cls.__qualname__}"
    for attr in ("code", "name", "layer", "severity", "confidence"):
        if not hasattr(cls, attr):
            raise RuleDefinitionError(f"{where} lacks the class variable {attr!r}")
    match = _CODE_RE.match(cls.code)
    if not match:
        raise RuleDefinitionError(f"{where}: code {cls.code!r} is not PREFIX + three digits")
    if match.group("prefix") != cls.layer.value:
        raise RuleDefinitionError(f"{where}: code {cls.code} does not start with {cls.layer.value}")
    if not _NAME_RE.match(cls.name):
        raise RuleDefinitionError(f"{where}: name {cls.name!r} is not kebab-case")
    if selector_scope(cls.name) is not None:
        raise RuleDefinitionError(
            f"{where}: name {cls.name!r} reads as a code or a layer prefix in --select"
        )
    # Headings only; that each section has a body is checked by the catalogue tests.
    doc = cls.__doc__ or ""
    missing = [s for s in DOC_SECTIONS if f"## {s}\n" not in doc]
    if missing:
        raise RuleDefinitionError(f"{where} ({cls.code}): docstring lacks sections {missing}")
    if not cls.cwe:
        raise RuleDefinitionError(f"{where} ({cls.code}): every rule names at least one CWE")


def registered_rule(code_or_name: str) -> type[Rule]:
    """A rule declared in this process, by code or name; ``KeyError`` when none is. The engine's
    catalogue loads every analyzer first (``outwork.engine.registry.get_rule``)."""
    key = code_or_name.strip()
    if key.upper() in _REGISTRY:
        return _REGISTRY[key.upper()]
    if key.lower() in _NAMES:
        return _REGISTRY[_NAMES[key.lower()]]
    raise KeyError(key)


def code_number(code: str) -> int:
    match = _CODE_RE.match(code)
    return int(match.group("number")) if match else 0


def selector_matches(selector: str, rule: type[Rule]) -> bool:
    """True when a ``--select``/``--ignore`` entry names this rule by code, prefix or name."""
    sel = selector.strip()
    if not sel:
        return False
    if sel.lower() == rule.name or sel.upper() == rule.code:
        return True
    if sel.upper() == "ALL":
        return True
    return rule.code.startswith(sel.upper()) and sel.upper()[0].isalpha()


def selector_scope(selector: str) -> tuple[str, bool] | None:
    """What a ``--select``/``--ignore`` entry can match, told from the entry alone.

    ``(letters, True)`` for an entry that names whole layers: every rule of every layer whose
    code starts with ``letters`` (``ALL`` gives ``("", True)``, ``C`` the CI, CORE and CRY
    layers); ``(layer, False)`` for a code or a code prefix with digits (``PKG0``, ``PKG012``),
    some rules of that one layer; ``None`` for anything else, a rule name, which only the rules
    can answer. A code is its layer's code followed by digits and no name reads as either form
    (both checked when a rule is defined), so the answer is exact."""
    sel = selector.strip().upper()
    if sel == "ALL":
        return ("", True)
    if sel.isalpha() and sel.isascii() and any(layer.value.startswith(sel) for layer in Layer):
        return (sel, True)
    match = _SELECTOR_CODE_RE.match(sel)
    if match and match.group("prefix") in {layer.value for layer in Layer}:
        return (match.group("prefix"), False)
    return None


def layer_selected(layer: Layer, select: Sequence[str], ignore: Sequence[str]) -> bool | None:
    """Whether ``select`` minus ``ignore`` keeps any rule of ``layer``, decided from the entries
    alone (:func:`selector_scope`): True or False when layer-wide entries settle it, ``None``
    when a rule name or a code of this layer leaves it to the rules themselves."""
    scopes_ignored = [selector_scope(s) for s in ignore if s.strip()]
    if any(scope is None or scope == (layer.value, False) for scope in scopes_ignored):
        return None
    if any(scope[1] and layer.value.startswith(scope[0]) for scope in scopes_ignored if scope):
        return False
    scopes = [selector_scope(s) for s in select if s.strip()]
    if any(scope[1] and layer.value.startswith(scope[0]) for scope in scopes if scope):
        return True
    if any(scope is None or scope == (layer.value, False) for scope in scopes):
        return None
    return False


def ruleset_digest(rules: list[type[Rule]]) -> str:
    """A digest of the catalogue: part of every cache key, so a rule change invalidates results.

    A rule's page holds everything that grades its findings (default severity, confidence, the
    severity table by context and any variants a layer renders there), so it is what is hashed."""
    h = hashlib.sha256()
    for rule in rules:
        h.update(f"{rule.code}|{rule.__module__}\n{rule.markdown()}\n".encode())
    return h.hexdigest()[:16]
