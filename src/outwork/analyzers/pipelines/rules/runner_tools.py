"""CI038-CI040: what the runner already does (superfluous actions), tools installed at whatever
version is newest (unpinned tools), and features that are hard to use safely (misfeatures)."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Step, Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Third-party actions that wrap a tool every GitHub-hosted runner already has: action -> the
#: replacement in a script step.
SUPERFLUOUS: dict[str, str] = {
    "softprops/action-gh-release": "`gh release create/upload`",
    "ncipollo/release-action": "`gh release create`",
    "elgohr/github-release-action": "`gh release create`",
    "svenstaro/upload-release-action": "`gh release create` and `gh release upload`",
    "marvinpinto/action-automatic-releases": "`gh release create`",
    "dacbd/create-issue-action": "`gh issue create`",
    "jasonetco/create-an-issue": "`gh issue create`",
    "actions-ecosystem/action-add-labels": "`gh issue edit --add-label` / `gh pr edit --add-label`",
    "actions-ecosystem/action-remove-labels": (
        "`gh issue edit --remove-label` / `gh pr edit --remove-label`"
    ),
    "addnab/docker-run-action": "`docker run` in a script step, or a container step",
    "sergeysova/jq-action": "`jq` in a script step",
    "stefanzweifel/git-auto-commit-action": "`git add`, `git commit` and `git push`",
    "endbug/add-and-commit": "`git add`, `git commit` and `git push`",
}
#: Actions that do more than the tool they wrap (options, idempotent updates), reported only by the
#: pedantic persona: action -> the replacement in a script step.
PEDANTIC_SUPERFLUOUS: dict[str, str] = {
    "peter-evans/create-pull-request": "`gh pr create`",
    "peter-evans/create-or-update-comment": "`gh pr comment` or `gh issue comment`",
    "thollander/actions-comment-pull-request": "`gh pr comment`",
    "marocchino/sticky-pull-request-comment": "`gh pr comment --edit-last`",
    "mshick/add-pr-comment": "`gh pr comment`",
    "dtolnay/rust-toolchain": "`rustup` and `cargo`",
    "actions-rs/toolchain": "`rustup` and `cargo`",
    "actions-rs/cargo": "`cargo`",
}
#: Actions that install a tool: action -> the input that names its version (the tool is the
#: newest release when the input is absent or ``latest``).
TOOL_INSTALLERS: dict[str, str] = {
    "aquasecurity/setup-trivy": "version",
    "aquasecurity/trivy-action": "version",
    "1password/load-secrets-action": "version",
    "hashicorp/setup-terraform": "terraform_version",
    "azure/setup-helm": "version",
    "azure/setup-kubectl": "version",
}
#: ``actions/setup-python`` inputs that install packages outside any lockfile.
PIP_INSTALL_INPUTS = ("pip-install",)


class Superfluous(enum.Enum):
    """What replaces the action."""

    RUNNER_TOOL = "a tool every GitHub-hosted runner has, called from a script step"
    DOES_MORE = (
        "the same tool, where the action adds conveniences (pedantic persona only, low confidence)"
    )


class SuperfluousAction(Rule):
    """A step uses a third-party action for what a tool on the runner already does.

    ## What it finds
    Actions that wrap `gh`, `git`, `docker` or `jq`, all preinstalled on GitHub-hosted runners:
    release creators and uploaders (`softprops/action-gh-release`, `ncipollo/release-action`,
    ...), issue and label editors, `addnab/docker-run-action`, `sergeysova/jq-action`,
    auto-commit actions (a data table). Reported at info.

    ## Why it matters
    Each third-party action is code from another repository run with the job's token and
    secrets; one that only calls a tool the runner has adds a supplier (and its own
    dependencies) for nothing. A two-line script step does the same with no new dependency.
    Actions that do more than the tool (`peter-evans/create-pull-request`,
    `peter-evans/create-or-update-comment`, `dtolnay/rust-toolchain`, a second table) are
    reported only with `--persona pedantic`, at low confidence, as zizmor's pedantic persona
    does.

    ## Example
    ```yaml
    - uses: softprops/action-gh-release@v2
      with: {files: dist/*}
    ```

    ## Remediation
    `run: gh release create "$TAG" dist/*` with `GH_TOKEN: ${{ github.token }}` in `env`.

    ## References
    - zizmor audit `superfluous-actions`
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "CI038"
    name = "superfluous-action"
    layer = Layer.CI
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (1357,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Superfluous.RUNNER_TOOL: Severity.INFO,
        Superfluous.DOES_MORE: Severity.INFO,
    }


class ToolVersion(enum.Enum):
    """How the tool's version is chosen."""

    LATEST = "no version, or latest: whatever was released last"
    EXPRESSION = "a version from an expression (it may be latest)"


class UnpinnedToolVersion(Rule):
    """An action installs a tool without naming its version.

    ## What it finds
    Steps of actions that download a tool (`aquasecurity/setup-trivy`, `trivy-action`,
    `1password/load-secrets-action`, `hashicorp/setup-terraform`, `azure/setup-helm`,
    `azure/setup-kubectl`: a data table) whose version input is absent or `latest`, and at
    low confidence those that take it from an expression. A step whose condition is the
    constant `false` never runs and is not reported. outwork's table is wider than zizmor's
    `unpinned-tools` (Terraform, Helm and kubectl installers default to the newest release
    too).

    ## Why it matters
    Pinning the action by commit does not pin what it downloads: the job runs whatever release
    of the tool is newest, with the job's secrets in reach. A compromised release reaches the
    pipeline on its next run, before anyone reviews it.

    ## Example
    ```yaml
    - uses: aquasecurity/setup-trivy@3fb12ec12f41e471780db15c232d5dd185dcb514 # v0.2.6
    ```

    ## Remediation
    Name the tool's version (`version: v0.69.3`), and update it deliberately.

    ## References
    - zizmor audit `unpinned-tools`
    - CWE-494: Download of Code Without Integrity Check
    """

    code = "CI039"
    name = "unpinned-tool-version"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (494, 829)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ToolVersion.LATEST: Severity.MEDIUM,
        ToolVersion.EXPRESSION: Severity.MEDIUM,
    }


class Misfeature(enum.Enum):
    """The feature used."""

    CMD_SHELL = "cmd as the shell: no quoting rules a value can rely on, errors ignored"
    PIP_INSTALL_INPUT = "setup-python's pip-install: packages installed outside any lockfile"


class PipelineMisfeature(Rule):
    """A workflow relies on a GitHub Actions feature that is hard to use safely.

    ## What it finds
    `cmd` as the shell, as a step's `shell:` or as the default of the workflow or a job
    (`defaults: run: shell: cmd`), and `actions/setup-python`'s `pip-install` input.

    ## Why it matters
    `cmd` has no quoting that keeps a value one argument (`%VAR%` is expanded before the line
    is parsed, so `&` in a value starts another command) and it does not stop at a failing
    command: only the last one's exit status decides the step. `pip-install` installs packages
    by name through an action input, outside the lockfile and hashes that `pip install -r`
    with `--require-hashes` would check.

    ## Example
    ```yaml
    defaults:
      run:
        shell: cmd
    ```

    ## Remediation
    Use `pwsh` or `bash` on Windows runners; install Python packages in a script step from a
    lockfile with hashes.

    ## References
    - zizmor audit `misfeature`
    - GitHub Docs, "Workflow syntax: defaults.run.shell"
    """

    code = "CI040"
    name = "pipeline-misfeature"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (1164,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Misfeature.CMD_SHELL: Severity.LOW,
        Misfeature.PIP_INSTALL_INPUT: Severity.LOW,
    }


class RunnerToolsCheck(WorkflowCheck):
    rules = (SuperfluousAction, UnpinnedToolVersion, PipelineMisfeature)

    def workflow(self) -> Iterator[Emitted]:
        yield from _cmd_default(self.wf.root, ())

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        yield from _cmd_default(job.node, job.base)

    def step(self, step: Step) -> Iterator[Emitted]:
        shell = step.node.get("shell")
        if shell is not None and _is_cmd(shell):
            yield _cmd_finding(shell, (*step.where, "shell"), "step")
        if not step.name or step.uses_node is None:
            return
        node = step.uses_node
        where = key_path(*step.where, "uses")
        replacement = SUPERFLUOUS.get(step.name)
        more = PEDANTIC_SUPERFLUOUS.get(step.name) if self.wf.pedantic else None
        if replacement is not None or more is not None:
            yield finding(
                SuperfluousAction,
                f"{step.name} does what {replacement or more} does on the runner"
                + ("" if replacement else " (with conveniences a script would write out)"),
                line=node.line,
                column=node.col,
                logical=where,
                severity=SuperfluousAction.severity_in(
                    Superfluous.RUNNER_TOOL if replacement else Superfluous.DOES_MORE
                ),
                confidence=Confidence.HIGH if replacement else Confidence.LOW,
                evidence=step.uses,
            )
        with_ = step.node.get("with")
        version_input = TOOL_INSTALLERS.get(step.name)
        if version_input is not None and not _never_runs(step.node):
            yield from _tool_version(step, node, with_, version_input)
        if step.name == "actions/setup-python" and with_ is not None and with_.is_map:
            for key in PIP_INSTALL_INPUTS:
                value = with_.get(key)
                if value is not None and value.text().strip():
                    yield finding(
                        PipelineMisfeature,
                        f"actions/setup-python installs packages through its {key} input,"
                        " outside any lockfile",
                        line=value.line,
                        column=value.col,
                        logical=key_path(*step.where, "with", key),
                        severity=PipelineMisfeature.severity_in(Misfeature.PIP_INSTALL_INPUT),
                        evidence=f"{key}: {value.text().strip()[:120]}",
                    )


def _tool_version(step: Step, node: Node, with_: Node | None, name: str) -> Iterator[Emitted]:
    value = with_.get(name) if with_ is not None and with_.is_map else None
    text = value.text().strip().strip("'\"") if value is not None else ""
    if value is not None and text and text.lower() != "latest" and "${{" not in text:
        return
    expression = "${{" in text
    at = value if value is not None else node
    yield finding(
        UnpinnedToolVersion,
        f"{step.name} installs "
        + (
            f"the version {name} evaluates to, which may be unpinned"
            if expression
            else f"the newest release of its tool ({name} {'is latest' if text else 'not set'})"
        ),
        line=at.line,
        column=at.col,
        logical=key_path(*step.where, "with", name)
        if value is not None
        else key_path(*step.where, "uses"),
        severity=UnpinnedToolVersion.severity_in(
            ToolVersion.EXPRESSION if expression else ToolVersion.LATEST
        ),
        confidence=Confidence.LOW if expression else Confidence.HIGH,
        evidence=f"{step.uses} {name}={text or '(absent)'}",
    )


def _never_runs(step: Node) -> bool:
    """A step whose condition is the constant false (kept so a bot can track its pin)."""
    condition = step.text("if").strip().lower().replace(" ", "")
    return condition in ("false", "${{false}}")


def _cmd_default(node: Node, base: Where) -> Iterator[Emitted]:
    shell = node.sub("defaults", "run")
    shell = shell.get("shell") if shell is not None and shell.is_map else None
    if shell is not None and _is_cmd(shell):
        yield _cmd_finding(
            shell, (*base, "defaults", "run", "shell"), "job" if base else "workflow"
        )


def _is_cmd(shell: Node) -> bool:
    return shell.is_str and shell.value.strip().lower().split(" ", 1)[0] in ("cmd", "cmd.exe")


def _cmd_finding(shell: Node, where: Where, scope: str) -> Emitted:
    return finding(
        PipelineMisfeature,
        f"{scope} runs its scripts with cmd: values are not kept as one argument and failing"
        " commands do not stop the step",
        line=shell.line,
        column=shell.col,
        logical=key_path(*where),
        severity=PipelineMisfeature.severity_in(Misfeature.CMD_SHELL),
        evidence=f"shell: {shell.value.strip()}",
    )
