"""IAM002: a policy the evaluator cannot fully understand, said so instead of dropped."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from outwork.analyzers.identities.aws.catalogue import (
    catalogue,
    templated_actions,
    unknown_actions,
)
from outwork.analyzers.identities.aws.evaluate import operator_known
from outwork.analyzers.identities.aws.policy import Origin
from outwork.analyzers.identities.aws.scan import AwsScan, aws_check, every_policy
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class PolicyNotFullyEvaluable(Rule):
    """A policy holds something the evaluator cannot evaluate: its verdicts are conditional.

    ## What it finds
    Condition operators the evaluator does not implement, actions the AWS catalogue does not
    list (a typo, a retired action, a service newer than the catalogue), statements of the wrong
    shape, values left to deploy time (Terraform variables without a default, functions outwork
    does not evaluate, data sources, files the scan does not hold, `dynamic` blocks over values
    not known, and modules outside the scan such as a registry's; CloudFormation parameters and
    imports; SAM policy
    templates that are unknown or miss a parameter), what a budget stopped (cyclic or oversized
    Terraform values, capped `count`/`for_each` instances, modules nested too deep) and managed
    policies attached but absent from the input and from the AWS-managed policies outwork ships.
    Every other part of the policy is still evaluated; what depends on the unreadable part is
    reported as conditional. An action left to deploy time (`Action = var.actions`,
    `"${var.service}:PassRole"`) may be any action it could name: the statement may grant
    whatever such an action would (a path through it is reported at medium confidence), and a
    Deny through it may deny (what it may stop is conditional too).

    ## Why it matters
    A tool that silently drops what it does not understand turns every unknown into "safe".
    An attacker who can write policies (or a template) can hide a grant behind an operator or
    spelling a checker ignores; AWS itself may read it differently.

    ## Example
    ```json
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*",
     "Condition": {"StringEqualsIfExist": {"aws:PrincipalTag/team": "ops"}}}
    ```
    (`StringEqualsIfExist` is not an operator; AWS rejects or ignores it depending on the API.)

    ## Remediation
    Fix the operator or action name; resolve the value, or review the statement by hand.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    code = "IAM002"
    name = "policy-not-fully-evaluable"
    layer = Layer.IAM
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (1173,)
    inline_suppressible = False


@lru_cache(maxsize=65536)
def _unknown(actions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(unknown_actions(actions))


@lru_cache(maxsize=65536)
def _templated(actions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(templated_actions(actions))


def _emit(message: str, origin: Origin) -> Emitted:
    return finding(
        PolicyNotFullyEvaluable,
        message,
        line=origin.line,
        logical=origin.logical or None,
        path=origin.path,
        evidence=origin.describe(),
        subject=origin.policy,
    )


@aws_check
def check_not_evaluable(scan: AwsScan) -> Iterator[Emitted]:
    reported: set[tuple[str, str, int | None]] = set()
    problems = list(scan.account.problems)
    policies = list(every_policy(scan))
    problems.extend(problem for policy in policies for problem in policy.problems)
    for message, origin in problems:
        key = (message, origin.logical, origin.line)
        if key not in reported:
            reported.add(key)
            yield _emit(f"{origin.policy}: {message}", origin)
    for policy in policies:
        for statement in policy.statements:
            unknown = _unknown(statement.actions)
            if unknown:
                cat = catalogue()
                yield _emit(
                    f"{policy.name}: action(s) {', '.join(unknown)} are not in the AWS catalogue"
                    f" ({cat.source} {cat.version}, {cat.generated}); evaluated literally",
                    statement.origin,
                )
            templated = _templated(statement.actions)
            if templated:
                yield _emit(
                    f"{policy.name}: action(s) {', '.join(templated)} are not known offline;"
                    " the statement may cover any action they could name (its verdicts are"
                    " conditional)",
                    statement.origin,
                )
            for cond in statement.conditions:
                if not operator_known(cond.operator):
                    yield _emit(
                        f"{policy.name}: condition operator {cond.operator!r} cannot be evaluated;"
                        " the statement is treated as conditional",
                        statement.origin,
                    )
