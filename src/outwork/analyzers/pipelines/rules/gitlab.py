"""GitLab CI rules."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.context import ImageTag
from outwork.core.rules import Confidence, Layer, Rule, Severity


class ScriptUse(enum.Enum):
    """What the script does with the variable."""

    EVALUATED = "evaluates it as code (eval, sh -c, python -c, ssh host ...)"
    UNQUOTED = "passes it unquoted to a shell command"


class GitlabScriptInjection(Rule):
    """A GitLab job evaluates a branch name, tag or merge-request text as code.

    ## What it finds
    `script`, `before_script` and `after_script` lines that pass attacker-controlled predefined
    variables (`CI_MERGE_REQUEST_TITLE`, `CI_MERGE_REQUEST_DESCRIPTION`, `CI_COMMIT_MESSAGE`,
    `CI_COMMIT_TITLE`, `CI_COMMIT_REF_NAME`, `CI_COMMIT_BRANCH`, `CI_COMMIT_TAG`,
    `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`, ...) to an evaluator: `eval`, `sh -c`, `bash -c`,
    `python -c`, `node -e`, `ssh host "..."`. Unquoted uses in other commands are reported with
    low confidence. The evidence names the variable and the sink.

    ## Why it matters
    Anyone who can push a branch or open a merge request chooses these strings; evaluated, they
    run with the job's variables and `CI_JOB_TOKEN`.

    ## Example
    ```yaml
    lint:
      script:
        - bash -c "echo $CI_MERGE_REQUEST_TITLE"
    ```

    ## Remediation
    Never evaluate these variables; quote them (`"$CI_COMMIT_MESSAGE"`) and pass them as data.

    ## References
    - GitLab Docs, "Predefined CI/CD variables"
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "CI030"
    name = "gitlab-script-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ScriptUse.EVALUATED: Severity.HIGH,
        ScriptUse.UNQUOTED: Severity.LOW,
    }
    cwe = (78, 94)
    attack = ("T1059",)


class Include(enum.Enum):
    """What is included."""

    REMOTE = "a remote URL without integrity"
    REMOTE_STRING = "a remote URL written as a plain string (it cannot carry integrity)"
    PROJECT = "another project's file at a branch, a tag or its default branch"
    COMPONENT = "a CI/CD component at a version other than a commit SHA"


class GitlabUnpinnedInclude(Rule):
    """A GitLab pipeline includes configuration that can change under it.

    ## What it finds
    `include:` of a remote URL without `integrity:`, of another project's file without `ref`
    or with a branch/tag `ref`, and of CI/CD components at a version other than a commit SHA.

    ## Why it matters
    Included configuration runs with this project's variables; whoever can change the remote
    file or the other project's branch controls this pipeline.

    ## Example
    ```yaml
    include:
      - remote: https://example.com/ci/template.yml
      - project: group/ci-templates
        file: /build.yml
    ```

    ## Remediation
    Pin `ref:` to a commit SHA, add `integrity: sha256-...` to remote includes, pin components
    by SHA.

    ## References
    - GitLab Docs, "include: integrity", "include: project"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI031"
    name = "gitlab-unpinned-include"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Include.REMOTE: Severity.HIGH,
        Include.REMOTE_STRING: Severity.MEDIUM,
        Include.PROJECT: Severity.MEDIUM,
        Include.COMPONENT: Severity.MEDIUM,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class GitlabUnpinnedImage(Rule):
    """A GitLab job image or service is referenced without a digest.

    ## What it finds
    `image:` and `services:` entries (global, `default:` and per job) without `@sha256:`;
    untagged and `latest` images at high severity.

    ## Why it matters
    Whoever controls the tag controls the code the job runs, with its variables and job token.

    ## Example
    ```yaml
    image: python:latest
    ```

    ## Remediation
    Pin images by digest.

    ## References
    - GitLab Docs, "Run your CI/CD jobs in Docker containers"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI032"
    name = "gitlab-unpinned-image"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ImageTag.MOVING: Severity.HIGH,
        ImageTag.TAGGED: Severity.MEDIUM,
    }
    cwe = (829, 494)


class GitlabForkMergeRequestSecrets(Rule):
    """A merge-request job uses secrets without checking that the request comes from this project.

    ## What it finds
    Jobs that run for `merge_request_event` (or `only: merge_requests`) and read secret-looking
    variables (`*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_KEY`) or deploy, without a rule that
    compares `CI_MERGE_REQUEST_SOURCE_PROJECT_ID` (or `_PATH`) with this project.

    ## Why it matters
    When maintainers run pipelines for fork merge requests in the parent project, the fork's
    code runs with the parent's variables; a job that handles secrets for merge requests hands
    them to the fork.

    ## Example
    ```yaml
    deploy-preview:
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      script:
        - ./deploy.sh --token "$DEPLOY_TOKEN"
    ```

    ## Remediation
    Add `if: $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID` to secret-handling jobs and
    mark the variables protected.

    ## References
    - GitLab Docs, "Run pipelines in the parent project for merge requests from a forked project"
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI033"
    name = "gitlab-fork-merge-request-secrets"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.LOW
    cwe = (668, 200)


class GitlabJobTokenMisuse(Rule):
    """`CI_JOB_TOKEN` is printed, stored or sent outside GitLab.

    ## What it finds
    Script lines that echo `CI_JOB_TOKEN`, write it to a file other than a credential helper, or
    send it with `curl`/`wget` to a URL that is not built from `CI_SERVER_*`/`CI_API_V4_URL`.

    ## Why it matters
    The job token acts as the user who ran the pipeline on every project the token scope
    allows; in logs, artifacts or a third-party server it outlives the job.

    ## Example
    ```yaml
    script:
      - curl -H "JOB-TOKEN: $CI_JOB_TOKEN" https://example.com/hook
    ```

    ## Remediation
    Send the job token only to this GitLab instance's API; never print or persist it.

    ## References
    - GitLab Docs, "GitLab CI/CD job token"
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "CI034"
    name = "gitlab-job-token-misuse"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (522, 200)
