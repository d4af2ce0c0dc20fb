"""GitLab CI rules and their checks: CI030 to CI034."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import GitlabCheck
from outwork.analyzers.pipelines.context import ImageTag
from outwork.analyzers.pipelines.gitlab import MR_RE, GitlabJob, script_lines
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.shell import Quoting, quoting
from outwork.analyzers.pipelines.workflow import Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
#: Script findings (CI030, CI034) reported for one job; the rest are left out.
MAX_FINDINGS_PER_JOB = 200
_EVALUATORS = [re.compile(p) for p in data.GITLAB_EVALUATORS]
_SECRET_VAR_RE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*(?:TOKEN|PASSWORD|SECRET|_KEY|APIKEY|PASS))\b")
_SAME_PROJECT_RE = re.compile(r"CI_MERGE_REQUEST_SOURCE_PROJECT_(?:ID|PATH|URL)")
_JOB_TOKEN_RE = re.compile(r"\$\{?CI_JOB_TOKEN\b")
_URL_RE = re.compile(r"https?://[^\s\"']+")
_RULE_KEYS = ("rules", "only", "except")


class ScriptUse(enum.Enum):
    """What the script does with the variable."""

    EVALUATED = "evaluates it as code (eval, sh -c, python -c, ssh host ...)"
    UNQUOTED = "expands it without quotes (split into words, wildcards expanded)"


class GitlabScriptInjection(Rule):
    """A GitLab job evaluates a branch name, tag or merge-request text as code.

    ## What it finds
    `script`, `before_script` and `after_script` lines that pass attacker-controlled predefined
    variables (`CI_MERGE_REQUEST_TITLE`, `CI_MERGE_REQUEST_DESCRIPTION`, `CI_COMMIT_MESSAGE`,
    `CI_COMMIT_TITLE`, `CI_COMMIT_REF_NAME`, `CI_COMMIT_BRANCH`, `CI_COMMIT_TAG`,
    `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`, ...) to an evaluator: `eval`, `sh -c`, `bash -c`,
    `python -c`, `node -e`, `ssh host "..."`. Uses without quotes in other commands are
    reported at low severity and confidence. The evidence names the variable and the sink.

    Quoting is read as the shell reads it, across the lines of a block: inside double quotes
    (`echo "MR: $CI_MERGE_REQUEST_TITLE"`) the value stays one word and is never parsed again,
    so a `$(...)` in a title is printed, not run; nothing is reported. Inside single quotes it
    is not expanded at all. Double quotes do not help in front of an evaluator:
    `eval "notify \"$CI_MERGE_REQUEST_TITLE\""` hands the expanded title to `eval`, which parses
    it (high). Bare (`git checkout $CI_COMMIT_REF_NAME`) the value is split into words and
    wildcards expand, so a branch named `--upload-pack=...` becomes an option (low).

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


class IncludeCheck(GitlabCheck):
    rules = (GitlabUnpinnedInclude,)

    def document(self) -> Iterator[Emitted]:
        node = self.file.root.get("include")
        if node is None:
            return
        entries = node.seq() if node.is_seq else [node]
        for index, entry in enumerate(entries):
            where: Where = ("include", index) if node.is_seq else ("include",)
            if entry.is_str:
                value = entry.value.strip()
                if value.startswith(("http://", "https://")):
                    message = f"remote include {value} without integrity"
                    yield _include(entry, where, message, Include.REMOTE_STRING)
            elif entry.is_map:
                yield from _include_entry(entry, where)


def _include_entry(entry: Node, where: Where) -> Iterator[Emitted]:
    remote = entry.get("remote")
    if remote is not None and entry.get("integrity") is None:
        message = f"remote include {remote.text().strip()} without integrity"
        yield _include(remote, where, message, Include.REMOTE)
    project = entry.get("project")
    if project is not None:
        ref = entry.text("ref").strip()
        if not SHA_RE.match(ref):
            target = entry.get("ref") or project
            why = "no ref (the default branch)" if not ref else f"ref {ref!r}"
            message = f"include of {project.text().strip()} at {why}, not a commit SHA"
            yield _include(target, where, message, Include.PROJECT)
    component = entry.get("component")
    if component is not None:
        _, _, version = component.text().partition("@")
        if not SHA_RE.match(version.strip()):
            message = f"component {component.text().strip()} is not pinned to a SHA"
            yield _include(component, where, message, Include.COMPONENT)


def _include(node: Node, where: Where, message: str, what: Include) -> Emitted:
    return finding(
        GitlabUnpinnedInclude,
        message,
        line=node.line,
        column=node.col,
        logical=key_path(*where),
        severity=GitlabUnpinnedInclude.severity_in(what),
        evidence=message,
    )


class ImageCheck(GitlabCheck):
    rules = (GitlabUnpinnedImage,)

    def document(self) -> Iterator[Emitted]:
        return _images(self.file.root, ())

    def job(self, job: GitlabJob) -> Iterator[Emitted]:
        return _images(job.node, job.where)


def _images(node: Node, where: Where) -> Iterator[Emitted]:
    candidates: list[tuple[Node, Where]] = []
    image = node.get("image")
    if image is not None:
        candidates.append(
            (image.get("name") or image if image.is_map else image, (*where, "image"))
        )
    services = node.get("services")
    for index, svc in enumerate(services.seq() if services is not None else []):
        target = svc.get("name") if svc.is_map else svc
        if target is not None:
            candidates.append((target, (*where, "services", index)))
    for target, at in candidates:
        if not target.is_str:
            continue
        value = target.value.strip()
        if not value or "@sha256:" in value or value.startswith("$"):
            continue
        last = value.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        yield finding(
            GitlabUnpinnedImage,
            f"image {value} is {'not tagged' if not tag else 'tagged ' + tag} and has no digest",
            line=target.line,
            column=target.col,
            logical=key_path(*at),
            severity=GitlabUnpinnedImage.severity_in(
                ImageTag.MOVING if tag in ("", "latest") else ImageTag.TAGGED
            ),
            evidence=value,
        )


class ScriptCheck(GitlabCheck):
    """Each script line that reads ``$``: attacker-controlled variables evaluated or left
    unquoted (CI030) and the job token sent where it leaks (CI034)."""

    rules = (GitlabScriptInjection, GitlabJobTokenMisuse)

    def job(self, job: GitlabJob) -> Iterator[Emitted]:
        doc = self.file.doc
        derived = job.derived_variables(self.file.root)
        names = [*data.GITLAB_TAINTED_VARIABLES, *map(re.escape, derived)]
        tainted = re.compile(r"\$\{?(" + "|".join(names) + r")\b")
        emitted = 0
        for node, text, at in job.lines():
            if "$" not in text:
                continue
            states = quoting(text)
            cursor = node.start - 1
            offset = 0
            for line in text.split("\n"):
                start, offset = offset, offset + len(line) + 1
                if "$" not in line:
                    continue
                index = doc.find_after(node, line.strip(), cursor)
                if index >= 0:
                    cursor = index
                pos = doc.position(index) if index >= 0 else (node.line, node.col)
                uses = [
                    (m.group(1), states[start + m.start()], m.start())
                    for m in tainted.finditer(line)
                    if states[start + m.start()] is not Quoting.COMMENT
                ]
                hits = (*_injection(pos, line, at, uses, derived), *_job_token(pos, line, at))
                for item in hits:
                    emitted += 1
                    if emitted <= MAX_FINDINGS_PER_JOB:
                        yield item


def _injection(
    pos: tuple[int, int],
    line: str,
    at: str,
    uses: list[tuple[str, Quoting, int]],
    origins: dict[str, str],
) -> Iterator[Emitted]:
    """One finding for the worst use of an attacker-controlled variable on a script line: in
    text an evaluator parses (quotes of the outer shell do not help), else bare (split and
    globbed). Single-quoted uses are not expanded and double-quoted ones stay one word."""
    for variable, state, at_var in uses:
        if state is Quoting.SINGLE:
            continue
        for pattern in _EVALUATORS:
            sink = pattern.search(line)
            if sink and sink.start() < at_var:
                source = _source(variable, origins)
                quoted = (
                    " (the double quotes are removed before it parses the text)"
                    if state is Quoting.DOUBLE
                    else ""
                )
                yield finding(
                    GitlabScriptInjection,
                    f"${variable} is expanded into code that `{sink.group(0)}` evaluates" + quoted,
                    line=pos[0],
                    column=pos[1],
                    logical=at,
                    severity=GitlabScriptInjection.severity_in(ScriptUse.EVALUATED),
                    evidence=f"{source} -> {sink.group(0)} ({at})",
                    properties={"taint": [*source.split(" -> "), sink.group(0), at]},
                )
                return
    for variable, state, _ in uses:
        if state is Quoting.BARE:
            source = _source(variable, origins)
            yield finding(
                GitlabScriptInjection,
                f"${variable} is expanded without quotes: the shell splits its value into words"
                " and expands wildcards, so it can add arguments or options to the command",
                line=pos[0],
                column=pos[1],
                logical=at,
                severity=GitlabScriptInjection.severity_in(ScriptUse.UNQUOTED),
                confidence=Confidence.LOW,
                evidence=f"{source} -> unquoted ({at})",
            )
            return


def _source(variable: str, origins: dict[str, str]) -> str:
    origin = origins.get(variable)
    return f"{origin} -> variables.{variable}" if origin else variable


def _internal(url: str) -> bool:
    """Whether a URL points at this GitLab instance (built from ``CI_*`` variables)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    return host.startswith(("$CI_", "${CI_")) or host in ("gitlab.com", "$CI_SERVER_HOST")


def _job_token(pos: tuple[int, int], line: str, at: str) -> Iterator[Emitted]:
    if not _JOB_TOKEN_RE.search(line):
        return
    reason = ""
    stripped = line.strip()
    if re.match(r"(?:echo|printf|cat)\b", stripped) and ">" not in stripped:
        reason = "printed to the job log"
    elif _URL_RE.search(stripped):
        external = [u for u in _URL_RE.findall(stripped) if not _internal(u)]
        if external:
            reason = f"sent to {external[0][:80]}"
    elif re.search(r">\s*[\w./-]+", stripped) and ".netrc" not in stripped:
        reason = "written to a file"
    if reason:
        yield finding(
            GitlabJobTokenMisuse,
            f"CI_JOB_TOKEN is {reason}",
            line=pos[0],
            column=pos[1],
            logical=at,
            evidence=f"CI_JOB_TOKEN -> {reason}",
        )


class ForkMergeRequestCheck(GitlabCheck):
    rules = (GitlabForkMergeRequestSecrets,)

    def job(self, job: GitlabJob) -> Iterator[Emitted]:
        if job.name.startswith(".") or not self._runs_for_forks(job):
            return
        seen = [
            (node, var, at)
            for node, text, at in job.lines()
            for line in text.splitlines()
            if "$" in line
            for var in _SECRET_VAR_RE.findall(line)
            if var != "CI_JOB_TOKEN"
        ]
        for ancestor in job.ancestors:  # inherited scripts: their own findings are reported
            for node, text, at in script_lines(ancestor, (job.name,)):
                seen.extend(
                    (node, var, at) for var in _SECRET_VAR_RE.findall(text) if var != "CI_JOB_TOKEN"
                )
        if not seen:
            return
        node, var, at = seen[0]
        path = self.file.path
        yield finding(
            GitlabForkMergeRequestSecrets,
            f"job {job.name} runs for merge requests and reads ${var} without checking the "
            "source project",
            line=node.line,
            column=node.col,
            logical=at,
            evidence=f"merge_request_event -> {job.name} -> ${var}",
        )
        yield Fact(
            "entry:fork-merge-request",
            "triggers",
            f"job:{path}#{job.name}",
            proof=f"{path}: {job.name}.rules",
            properties={"trust": "untrusted-code"},
        )
        for secret in sorted({s for _, s, _ in seen}):
            yield Fact(f"job:{path}#{job.name}", "exposes", f"jewel:secret:{secret}", proof=path)

    @staticmethod
    def _runs_for_forks(job: GitlabJob) -> bool:
        """Merge request pipelines run the job, and its rules do not check the source project."""
        source = next(
            (
                j
                for j in (job.node, *job.ancestors)
                if any(j.get(k) is not None for k in _RULE_KEYS)
            ),
            None,
        )
        if source is None:  # unrestricted: the workflow's rules decide
            return job.global_mr
        rules_text = " ".join(
            n.value for key in _RULE_KEYS if (block := source.get(key)) for n in block.strings()
        )
        return bool(MR_RE.search(rules_text)) and not _SAME_PROJECT_RE.search(rules_text)
