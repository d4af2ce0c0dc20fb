"""CI035: a GitHub App installation token minted for every repository the app can reach."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.context import Trigger, worst
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Step
from outwork.analyzers.pipelines.yamlpos import Node
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


class AppTokenScope(enum.Enum):
    """What the minted token keeps that it should not."""

    BLANKET_PERMISSIONS = "every permission of the app's installation (no permission inputs)"
    NOT_REVOKED = "validity after the job ends (revocation turned off)"
    MAYBE_NOT_REVOKED = "validity after the job ends when an expression turns revocation off"


class GithubAppTokenUnrestricted(Rule):
    """A GitHub App token is minted with every permission of the installation, or outlives the
    job.

    ## What it finds
    Steps of `actions/create-github-app-token` without any `permission-*` input (of
    `tibdex/github-app-token` without `permissions`): the token carries every permission the
    app's installation was granted. And steps that turn off revoking the token when the job
    ends (`skip-token-revoke: true`; `revoke: false` for `tibdex/github-app-token`), or let an
    expression decide (lower confidence).

    ## Why it matters
    Code that gets to run in the job after the step holds the token: with the installation's
    full permissions it can do whatever the app can (often write to contents, workflows and
    pull requests), where the job needed one permission. A token that is not revoked stays
    valid for an hour after the job, so one read from a log, an artifact or a cache is still
    usable when the run is over.

    ## Example
    ```yaml
    - uses: actions/create-github-app-token@v2
      with:
        app-id: ${{ vars.APP_ID }}
        private-key: ${{ secrets.APP_KEY }}
        skip-token-revoke: true
    ```

    ## Remediation
    Ask only for the permissions the job uses (`permission-contents: read`,
    `permission-pull-requests: write`) and leave revocation on.

    ## References
    - actions/create-github-app-token, README: "permission-*" and "skip-token-revoke" inputs
    - zizmor audit `github-app`
    - CWE-250: Execution with Unnecessary Privileges
    """

    code = "CI041"
    name = "github-app-token-unrestricted"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (250, 613)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        AppTokenScope.BLANKET_PERMISSIONS: Severity.MEDIUM,
        AppTokenScope.NOT_REVOKED: Severity.MEDIUM,
        AppTokenScope.MAYBE_NOT_REVOKED: Severity.MEDIUM,
    }


#: Token-minting action -> (its revocation input, the value that turns revocation off, whether
#: it takes one ``permissions`` input instead of ``permission-*`` inputs).
_REVOCATION: dict[str, tuple[str, str, bool]] = {
    "actions/create-github-app-token": ("skip-token-revoke", "true", False),
    "tibdex/github-app-token": ("revoke", "false", True),
}


class GithubAppTokenCheck(WorkflowCheck):
    rules = (GithubAppTokenAllRepositories, GithubAppTokenUnrestricted)

    def step(self, step: Step) -> Iterator[Emitted]:
        action = step.uses.partition("@")[0].strip().lower()
        if action not in TOKEN_ACTIONS:
            return
        inputs = step.node.get("with")
        if inputs is not None and not inputs.is_map:
            return  # one expression: nothing to read
        given = {name.lower() for name, _ in inputs.items()} if inputs is not None else set()
        yield from self._unrestricted(step, action, inputs, given)
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

    def _unrestricted(
        self, step: Step, action: str, inputs: Node | None, given: set[str]
    ) -> Iterator[Emitted]:
        revoke, off, single = _REVOCATION[action]
        value = inputs.get(revoke) if inputs is not None else None
        if value is not None and value.is_str:
            text = value.value.strip().strip("'\"").lower()
            expression = "${{" in text
            if text == off or expression:
                yield finding(
                    GithubAppTokenUnrestricted,
                    f"{action} leaves the token valid after the job ({revoke}: {text})"
                    if not expression
                    else f"{action} lets an expression turn off revoking the token ({revoke})",
                    line=value.line,
                    column=value.col,
                    logical=key_path(*step.where, "with", revoke),
                    severity=GithubAppTokenUnrestricted.severity_in(
                        AppTokenScope.MAYBE_NOT_REVOKED if expression else AppTokenScope.NOT_REVOKED
                    ),
                    confidence=Confidence.MEDIUM if expression else Confidence.HIGH,
                    evidence=f"{step.uses} {revoke}={text}",
                )
        asked = (
            "permissions" in given if single else any(g.startswith("permission-") for g in given)
        )
        if not asked:
            where = step.uses_node or step.node
            yield finding(
                GithubAppTokenUnrestricted,
                f"{action} mints a token with every permission of the app's installation (no"
                f" {'permissions' if single else 'permission-*'} input)",
                line=where.line,
                column=where.col,
                logical=key_path(*step.where, "uses") + ":permissions",
                severity=GithubAppTokenUnrestricted.severity_in(AppTokenScope.BLANKET_PERMISSIONS),
                evidence=f"{step.uses} with {', '.join(sorted(given)) or 'no inputs'}",
            )
