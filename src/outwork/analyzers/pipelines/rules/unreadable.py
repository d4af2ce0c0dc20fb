"""CI023: a pipeline file that cannot be read. The scanner reports it where it reads the file
(``analysis.py``): there is no model to check."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.core.rules import Confidence, Layer, Rule, Severity


class Unreadable(enum.Enum):
    """Why the file could not be read."""

    SYNTAX = "not YAML this reader accepts"
    OVERSIZED = "larger than the byte budget"
    BUDGET = "past the reader's node or nesting budget (an alias bomb, deep nesting)"


class PipelineUnreadable(Rule):
    """A pipeline file cannot be read: invalid YAML or Groovy, too large, or an alias bomb.

    ## What it finds
    Workflows, actions, Dependabot, GitLab CI, Azure Pipelines, CircleCI and Bitbucket files
    that do not parse, or that exceed the reader's budgets (size, nesting, nodes after alias
    expansion), and Jenkinsfiles whose Groovy cannot be tokenised (a string or comment that
    does not end, brackets that do not balance) or that exceed the token and nesting budgets.

    ## Why it matters
    outwork fails closed: a file that cannot be analysed is not declared safe. Alias bombs are
    also a way to knock out tools that read pipelines.

    ## Example
    A workflow with nine levels of `&a [*a, *a, ...]` anchors expanding to a billion nodes.

    ## Remediation
    Fix the syntax; remove the nested aliases.

    ## References
    - CWE-776: Improper Restriction of Recursive Entity References ('Billion Laughs')
    - CWE-20: Improper Input Validation
    """

    code = "CI023"
    name = "pipeline-unreadable"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Unreadable.SYNTAX: Severity.MEDIUM,
        Unreadable.OVERSIZED: Severity.MEDIUM,
        Unreadable.BUDGET: Severity.HIGH,
    }
    cwe = (776, 20)
