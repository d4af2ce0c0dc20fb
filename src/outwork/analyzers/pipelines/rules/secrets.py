"""CI009, CI026, CI027: secrets handed out wholesale (``secrets: inherit``, ``toJSON(secrets)``)
or read out of a JSON secret where the log masking cannot see them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_TOJSON_SECRETS_RE = re.compile(r"\btojson\s*\(\s*secrets\s*\)", re.I)
_FROMJSON_SECRET_RE = re.compile(r"\bfromjson\s*\(\s*secrets\.[\w-]+\s*\)", re.I)


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


class SecretsCheck(WorkflowCheck):
    rules = (SecretsInherit, AllSecretsExposed, SecretFieldUnredacted)

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        uses = job.node.get("uses")
        secrets = job.node.get("secrets")
        if uses is None or not uses.is_str or secrets is None:
            return
        if secrets.is_str and secrets.value.strip() == "inherit":
            yield finding(
                SecretsInherit,
                f"job {job.id} passes every secret to {uses.value.strip()}",
                line=secrets.line,
                column=secrets.col,
                logical=key_path("jobs", str(job.id), "secrets"),
                evidence=f"secrets: inherit -> {uses.value.strip()}",
            )

    def document(self) -> Iterator[Emitted]:
        for node, expr in self.wf.expressions:
            if "secrets" not in expr.body:
                continue
            raw = node.value[expr.start : expr.end]
            if _TOJSON_SECRETS_RE.search(expr.body):
                line, col = self.wf.doc.find(node, raw)
                yield finding(
                    AllSecretsExposed,
                    "toJSON(secrets) hands every secret to this step",
                    line=line,
                    column=col,
                    evidence=raw[:200],
                )
            if _FROMJSON_SECRET_RE.search(expr.body):
                line, col = self.wf.doc.find(node, raw)
                yield finding(
                    SecretFieldUnredacted,
                    "a field read out of a JSON secret is not masked in logs",
                    line=line,
                    column=col,
                    evidence=raw[:200],
                )
