"""CI017: ``ACTIONS_ALLOW_UNSECURE_COMMANDS`` turns the deprecated ``set-env`` and ``add-path``
workflow commands back on."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Step, Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


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


class InsecureCommandsCheck(WorkflowCheck):
    rules = (InsecureCommands,)

    def workflow(self) -> Iterator[Emitted]:
        return _env_block(self.wf.root.get("env"), ("env",))

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        return _env_block(job.node.get("env"), (*job.base, "env"))

    def step(self, step: Step) -> Iterator[Emitted]:
        return _env_block(step.node.get("env"), (*step.where, "env"))


def _env_block(env: Node | None, where: Where) -> Iterator[Emitted]:
    if env is None or not env.is_map:
        return
    for name, value in env.items():
        enabled = value.text().strip().lower() in ("true", "1", "yes")
        if name.upper() == "ACTIONS_ALLOW_UNSECURE_COMMANDS" and enabled:
            line, col = env.key_pos(name)
            yield finding(
                InsecureCommands,
                "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env and add-path",
                line=line,
                column=col,
                logical=key_path(*where, name),
                evidence=f"{name}: {value.text()}",
            )
