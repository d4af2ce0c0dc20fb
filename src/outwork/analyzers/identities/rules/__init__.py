"""The IAM rules and their checks: one module per rule or small family, each holding its rules'
documentation and the check that yields their findings over an :class:`~..aws.scan.AwsScan`
or a Kubernetes RBAC model.

Every module of this package is loaded, so a new rule is a new module here (plus its fixture
folder): nothing else lists it.
"""

from __future__ import annotations

from outwork.core.analyzer import rules_in

#: Every IAM rule, sorted by code; loading their modules registers their checks.
ALL_RULES = rules_in(__name__)

__all__ = ["ALL_RULES"]
