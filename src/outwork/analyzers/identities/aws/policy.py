"""AWS policy documents as values: statements with their actions, resources, principals and
conditions, and the place each was written (a line, or a logical path in a large snapshot).

Parsing never drops what it does not understand: a statement of the wrong shape, a value that is
not a string, an unresolved template expression is kept as a *problem* of the policy, and the
identities layer reports it as "cannot evaluate" beside whatever it could evaluate.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from outwork.analyzers.identities.documents import line_of

#: Values a template leaves to deploy time: Terraform interpolations, CloudFormation intrinsics.
UNRESOLVED = "<unresolved>"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a statement or policy was written: the policy's name and the statement's line (in
    the scanned file) or logical path (in a snapshot too large for lines)."""

    policy: str
    line: int | None = None
    logical: str = ""
    #: The file, when the input spans several (a Terraform module); empty for the scanned file.
    path: str = ""

    def describe(self) -> str:
        where = f"line {self.line}" if self.line else self.logical
        if self.path and self.line:
            where = f"{self.path.rsplit('/', 1)[-1]} {where}"
        return f"{self.policy} ({where})" if where else self.policy


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``Operator: {Key: [values]}`` test of a statement."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str  # "Allow" or "Deny"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...]
    origin: Origin
    sid: str = ""
    #: ``(kind, value)`` pairs (``("AWS", "arn:...")``, ``("Service", "ec2.amazonaws.com")``,
    #: ``("*", "*")``); None when the statement has no Principal (identity policies).
    principals: tuple[tuple[str, str], ...] | None = None
    not_principal: bool = False

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    statements: tuple[Statement, ...]
    #: What could not be understood, each with where it was.
    problems: tuple[tuple[str, Origin], ...] = ()
    arn: str = ""
    line: int | None = None
    tags: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def decode_document(value: Any) -> Any:
    """A policy document as the APIs hand it over: a mapping, or JSON text (URL-encoded by the
    IAM API's raw responses)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("%7B", "%7b")):
            text = urllib.parse.unquote(text)
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def parse_policy(
    document: Any,
    name: str,
    *,
    logical: str = "",
    arn: str = "",
    line: int | None = None,
    path: str = "",
) -> Policy:
    """A policy from its document; shapes it cannot read become problems, not exceptions
    (``path``: the file it is written in, when the input spans several)."""
    document = decode_document(document)
    problems: list[tuple[str, Origin]] = []
    where = Origin(name, line_of(document, line), logical, path)
    if not isinstance(document, dict):
        problems.append((f"policy document is {_shape(document)}, not an object", where))
        return Policy(name, (), tuple(problems), arn, where.line)
    raw = document.get("Statement")
    if raw is None:
        problems.append(("policy document has no Statement", where))
        raw = []
    items = raw if isinstance(raw, list) else [raw]
    statements: list[Statement] = []
    for index, item in enumerate(items):
        origin = Origin(
            name, line_of(item, where.line), f"{logical}.Statement[{index}]".lstrip("."), path
        )
        if not isinstance(item, dict):
            problems.append((f"statement is {_shape(item)}, not an object", origin))
            continue
        statement = _statement(item, origin, problems)
        if statement is not None:
            statements.append(statement)
    return Policy(name, tuple(statements), tuple(problems), arn, where.line)


def _strings(
    value: Any, what: str, origin: Origin, problems: list[tuple[str, Origin]]
) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, int | float):
            out.append(str(item))
        else:
            problems.append((f"{what} holds {_shape(item)}, which it cannot evaluate", origin))
            out.append(UNRESOLVED)
    return out


def _statement(
    item: dict[str, Any], origin: Origin, problems: list[tuple[str, Origin]]
) -> Statement | None:
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        problems.append((f"statement has Effect {effect!r}, neither Allow nor Deny", origin))
        return None
    not_action = "NotAction" in item
    actions = _strings(
        item.get("NotAction" if not_action else "Action", []), "Action", origin, problems
    )
    not_resource = "NotResource" in item
    resources = _strings(
        item.get("NotResource" if not_resource else "Resource", "*"), "Resource", origin, problems
    )
    if not actions:
        problems.append(("statement names no Action", origin))
    principals: list[tuple[str, str]] | None = None
    not_principal = "NotPrincipal" in item
    raw_principal = item.get("NotPrincipal" if not_principal else "Principal")
    if raw_principal is not None:
        principals = _principals(raw_principal, origin, problems)
    conditions = _conditions(item.get("Condition"), origin, problems)
    sid = item.get("Sid")
    return Statement(
        effect,
        tuple(actions),
        not_action,
        tuple(resources),
        not_resource,
        tuple(conditions),
        origin,
        sid if isinstance(sid, str) else "",
        tuple(principals) if principals is not None else None,
        not_principal,
    )


def _principals(
    raw: Any, origin: Origin, problems: list[tuple[str, Origin]]
) -> list[tuple[str, str]]:
    if raw == "*":
        return [("*", "*")]
    if not isinstance(raw, dict):
        problems.append(('Principal is neither "*" nor an object', origin))
        return [("?", UNRESOLVED)]
    out: list[tuple[str, str]] = []
    for kind, values in raw.items():
        for value in _strings(values, "Principal", origin, problems):
            out.append((str(kind), value))
    return out


def _conditions(raw: Any, origin: Origin, problems: list[tuple[str, Origin]]) -> list[Condition]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        problems.append(("Condition is not an object", origin))
        return [Condition("<malformed>", "", ())]
    out: list[Condition] = []
    for operator, tests in raw.items():
        if not isinstance(tests, dict):
            problems.append((f"Condition operator {operator} holds no key/value object", origin))
            out.append(Condition("<malformed>", str(operator), ()))
            continue
        for key, values in tests.items():
            out.append(
                Condition(
                    str(operator), str(key), tuple(_strings(values, "Condition", origin, problems))
                )
            )
    return out


def _shape(value: Any) -> str:
    """A JSON value's kind, as a reader of the document would call it."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "null" if value is None else f"a {type(value).__name__}"


_ACCOUNT_RE = re.compile(r"^\d{12}$")


def account_of(arn: str) -> str:
    """The account id of an ARN or of a bare account id; empty when there is none."""
    if _ACCOUNT_RE.match(arn):
        return arn
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""
