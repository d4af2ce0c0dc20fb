"""Values of Terraform expressions as the module reader handles them: unknown values kept as
written, missing keys, policy documents, file texts with where they are, and reference
parts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from outwork.analyzers.identities.aws.policy import Origin, Policy, Statement
from outwork.analyzers.identities.aws.terraform.files import Range


class Unknown(str):
    """A value only known at deploy time, spelled as written (``${var.x}``)."""


class Missing(Unknown):
    """A key or attribute a known value does not have (what ``try`` passes over)."""


class Sourced(str):
    """The text of a file a module reads (``file``, ``templatefile``), with where it is, so
    that a policy written in it is placed in that file."""

    where: Range

    def __new__(cls, text: str, where: Range) -> Sourced:
        made = super().__new__(cls, text)
        made.where = where
        return made


class PartlyKnown(Unknown):
    """A file's template rendered with some values not known (spelled ``${...}``), with where
    the file is: a policy whose unknown values sit inside its strings still reads."""

    where: Range

    def __new__(cls, text: str, where: Range) -> PartlyKnown:
        made = super().__new__(cls, text)
        made.where = where
        return made


@dataclass(frozen=True, slots=True)
class Doc:
    """A policy document value: a parsed data source, or a JSON document with where it is
    written."""

    policy: Policy | None = None
    document: Any = None
    where: Range | None = None


@dataclass(frozen=True, slots=True)
class Key:
    """An index in a reference (``[0]``, ``["admin"]``), as opposed to an attribute."""

    value: Any


def instance_key(parts: list[Any]) -> tuple[Any, list[Any]]:
    """A reference's instance key (``[0]``, ``["a"]``) and the rest of its parts."""
    if parts and isinstance(parts[0], Key):
        return parts[0].value, parts[1:]
    return None, parts


def iam_text(value: Any) -> str:
    """A value as IAM reads it: Terraform's escaped policy variables (``&{aws:username}``)
    back in IAM's spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Doc):
        return "${policy document}"
    return str(value).replace("&{", "${") if value is not None else ""


def iam_values(document: Any) -> Any:
    if isinstance(document, dict):
        return {str(k): iam_values(v) for k, v in document.items()}
    if isinstance(document, list):
        return [iam_values(v) for v in document]
    if isinstance(document, str):
        return document.replace("&{", "${")
    if isinstance(document, Doc):
        return "${policy document}"
    return document


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def with_line(statement: Statement, line: int) -> Statement:
    origin = statement.origin
    return replace(statement, origin=Origin(origin.policy, line, origin.logical, origin.path))
