"""IAM001: an identity document that cannot be read. The scanner reports it where it reads the
file: there is no model to check."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.core.rules import Confidence, Layer, Rule, Severity


class Unreadable(enum.Enum):
    """Why the document could not be read."""

    SYNTAX = "not JSON, YAML or HCL the reader accepts"
    BUDGET = "past the reader's size, node or nesting budget (an alias bomb, deep nesting)"


class IdentityDocumentUnreadable(Rule):
    """An IAM snapshot, policy, template or RBAC manifest cannot be read.

    ## What it finds
    Authorization snapshots, policy documents, Terraform and CloudFormation templates and
    Kubernetes RBAC manifests that are truncated, malformed, or exceed the reader's budgets
    (size, nesting depth, nodes after YAML alias expansion). The finding carries the parser's
    line and column.

    ## Why it matters
    outwork fails closed: a policy that cannot be read is not declared safe, and a document
    crafted to break parsers (an alias bomb, thousands of nested arrays) is a way to blind
    the tools that review identities.

    ## Example
    A `get-account-authorization-details` export cut off half-way by a failed download.

    ## Remediation
    Export the document again; remove nested aliases and absurd nesting.

    ## References
    - CWE-776: Improper Restriction of Recursive Entity References ('Billion Laughs')
    - CWE-20: Improper Input Validation
    """

    code = "IAM001"
    name = "identity-document-unreadable"
    layer = Layer.IAM
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Unreadable.SYNTAX: Severity.MEDIUM,
        Unreadable.BUDGET: Severity.HIGH,
    }
    cwe = (776, 20)
    inline_suppressible = False
