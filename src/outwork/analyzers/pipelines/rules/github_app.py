"""CI035: a GitHub App installation token minted for every repository the app can reach."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.context import Trigger, worst
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Step
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Token-minting actions -> True when the token covers every repository of the installation
#: unless ``repositories`` is given, False when only an ``owner`` input widens it beyond the
#: workflow's own repository.
TOKEN_ACTIONS: dict[str, bool] = {
    "actions/create-github-app-token": False,
    "tibdex/github-app-token": True,
}
#: ``permission-*`` inputs that grant only organization-level access: a token asking for these
#: alone has no repository to reach, whatever its repository scope.
ORGANIZATION_PERMISSIONS = ("members", "team-discussions")


def _organization_only(given: set[str]) -> bool:
    asked = [name.removeprefix("permission-") for name in given if name.startswith("permission-")]
    return bool(asked) and all(
        name.startswith("organization-") or name in ORGANIZATION_PERMISSIONS for name in asked
    )


class GithubAppTokenAllRepositories(Rule):
    """A workflow mints a GitHub App token for every repository the app is installed on.

    ## What it finds
    A step of `actions/create-github-app-token` that names an `owner` but no `repositories`, or
    of `tibdex/github-app-token` without `repositories`: the installation token it returns can
    act on every repository of that account the app was granted, not only the one the workflow
    serves. A token that asks only for organization permissions (`permission-members`,
    `permission-organization-*`) has no repository to reach and is not reported.

    ## Why it matters
    Whoever gets code to run in the job after that step (an injected expression, a compromised
    action, a poisoned build tool) holds a token for the whole organisation's share of the app:
    pushing to other repositories, editing their workflows and releases. The same token scoped
    to the repositories the job needs turns that into one repository.

    ## Example
    ```yaml
    - uses: actions/create-github-app-token@v2
      with:
        app-id: ${{ vars.APP_ID }}
        private-key: ${{ secrets.APP_KEY }}
        owner: my-org        # every repository of my-org the app can reach
    ```

    ## Remediation
    List the repositories the job needs (`repositories: repo-a,repo-b`), or leave `owner` out to
    scope the token to the current repository; add `permission-*` inputs so it carries only the
    permissions the job uses.

    ## References
    - actions/create-github-app-token, README: "owner" and "repositories" inputs
    - zizmor audit `github-app`
    - CWE-250: Execution with Unnecessary Privileges
    """

    code = "CI035"
    name = "github-app-token-all-repositories"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (250,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PRIVILEGED_FOLLOW_UP: Severity.HIGH,
        Trigger.PRIVILEGED_EVENT: Severity.HIGH,
        Trigger.PULL_REQUEST: Severity.LOW,
        Trigger.PUBLIC_EVENT: Severity.LOW,
        Trigger.CALLED: Severity.MEDIUM,
        Trigger.TRUSTED: Severity.MEDIUM,
        Trigger.ACTION: Severity.MEDIUM,
    }


class GithubAppTokenCheck(WorkflowCheck):
    rules = (GithubAppTokenAllRepositories,)

    def step(self, step: Step) -> Iterator[Emitted]:
        action = step.uses.partition("@")[0].strip().lower()
        if action not in TOKEN_ACTIONS:
            return
        inputs = step.node.get("with")
        given = {name.lower() for name, _ in inputs.items()} if inputs is not None else set()
        if "repositories" in given:
            return
        if not TOKEN_ACTIONS[action] and "owner" not in given:
            return
        if _organization_only(given):
            return
        reach = "every repository of the installation"
        if "owner" in given and inputs is not None:
            reach = f"every repository of {inputs.text('owner') or 'the owner'} the app can reach"
        where = step.uses_node or step.node
        yield finding(
            GithubAppTokenAllRepositories,
            f"{action} mints a token for {reach} (no repositories input)",
            line=where.line,
            column=where.col,
            logical=key_path(*step.where, "uses"),
            severity=worst(GithubAppTokenAllRepositories, self.wf.contexts),
            evidence=f"{step.uses} with {', '.join(sorted(given)) or 'no inputs'}",
        )
