"""The CI rules and their checks: one module per audit or small family, each holding its rules'
documentation and the check that yields their findings (see ``pipelines.checks``).

Every module of this package is loaded, so a new rule is a new module here (plus its fixture
folder): nothing else lists it.
"""

from __future__ import annotations

from outwork.analyzers.pipelines import checks
from outwork.core.analyzer import rules_in

#: Every CI rule, sorted by code; loading their modules registers the checks below.
ALL_RULES = tuple(rules_in(__name__))
#: The checks of each kind of pipeline file, in the order their modules load.
WORKFLOW_CHECKS = tuple(checks.WORKFLOW_CHECKS)
GITLAB_CHECKS = tuple(checks.GITLAB_CHECKS)
DEPENDABOT_CHECKS = tuple(checks.DEPENDABOT_CHECKS)
SYSTEM_CHECKS = tuple(checks.SYSTEM_CHECKS)

__all__ = ["ALL_RULES", "DEPENDABOT_CHECKS", "GITLAB_CHECKS", "SYSTEM_CHECKS", "WORKFLOW_CHECKS"]
