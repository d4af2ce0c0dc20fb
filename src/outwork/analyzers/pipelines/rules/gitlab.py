"""GitLab CI rules and their checks: CI030 to CI034, CI050 and CI051."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import GitlabCheck
from outwork.analyzers.pipelines.context import ImageTag
from outwork.analyzers.pipelines.gitlab import (
    GitlabFile,
    GitlabJob,
    Pipeline,
    ScriptLine,
    derived_variables,
)
from outwork.analyzers.pipelines.gitlab_triggers import Source
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.shell import Quoting, command_words, quoting
from outwork.analyzers.pipelines.workflow import Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
#: Script findings (CI030, CI034) reported for one job; the rest are left out.
MAX_FINDINGS_PER_JOB = 200
_EVALUATORS = [re.compile(p) for p in data.GITLAB_EVALUATORS]
_SECRET_VAR_RE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*(?:TOKEN|PASSWORD|SECRET|_KEY|APIKEY|PASS))\b")
_JOB_TOKEN_RE = re.compile(r"\$\{?CI_JOB_TOKEN\b")
_URL_RE = re.compile(r"https?://[^\s\"']+")


class ScriptUse(enum.Enum):
    """What the script does with the variable, and who chooses its value there."""

    EVALUATED_OUTSIDER = (
        "runs it as code (eval, sh -c, python -c, ssh host ..., or the command word): a value"
        " anyone who can open a merge request from a fork chooses"
    )
    EVALUATED_MEMBER = "runs it as code: a value only members of the project choose"
    ARGUMENT_OUTSIDER = (
        "expands it bare as an argument (split into words, wildcards expanded): an outsider's value"
    )
    ARGUMENT_MEMBER = "expands it bare as an argument: a value only members choose"


class GitlabScriptInjection(Rule):
    """A GitLab job runs a branch name, tag, commit message or merge-request text as code.

    ## What it finds
    `script`, `before_script` and `after_script` lines (of the job, of what it `extends`, of
    `default:`, of `!reference` tags and YAML anchors, in any file the pipeline includes from
    the repository) that pass attacker-controlled predefined variables
    (`CI_MERGE_REQUEST_TITLE`, `CI_MERGE_REQUEST_DESCRIPTION`, `CI_COMMIT_MESSAGE`,
    `CI_COMMIT_TITLE`, `CI_COMMIT_REF_NAME`, `CI_COMMIT_BRANCH`, `CI_COMMIT_TAG`,
    `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`, ...), directly or through `variables:`, to an
    evaluator (`eval`, `sh -c`, `bash -c`, `python -c`, `node -e`, `ssh host "..."`) or in
    command position (`$CI_COMMIT_MESSAGE` as the command word, also inside `$(...)` or
    backticks), which runs the value. Bare uses as arguments are reported at low severity.

    Who chooses the value follows the pipelines that run the job, read from `workflow:rules`,
    `rules:`, `only:` and `except:`: in a merge request pipeline for a fork's merge request the
    title, description and source branch are the fork author's (high when run); in pipelines
    only members start (branch, tag, same-project merge requests) branch and tag names are
    members' (low when run, info as arguments: a member can edit the pipeline anyway). Commit
    messages, titles and authors are an outsider's in every pipeline: merge and squash commits
    carry a merged merge request's title and description. A variable the job's pipelines never
    set (the merge request title in a job that runs only for tags) is not reported; a job that
    runs for merge requests only when `CI_MERGE_REQUEST_SOURCE_PROJECT_ID == CI_PROJECT_ID`
    never sees a fork's values. A file that no scanned `.gitlab-ci.yml` includes is judged for
    every kind of pipeline (its includer decides).

    Quoting is read as the shell reads it, across the lines of a block: inside double quotes
    (`echo "MR: $CI_MERGE_REQUEST_TITLE"`) the value stays one word and is never parsed again,
    so a `$(...)` in a title is printed, not run; nothing is reported. Inside single quotes it
    is not expanded at all. Double quotes do not help in front of an evaluator:
    `eval "notify \"$CI_MERGE_REQUEST_TITLE\""` hands the expanded title to `eval`, which parses
    it. Bare as an argument (`git checkout $CI_COMMIT_REF_NAME`) the value is split into words
    and wildcards expand, so a branch named `--upload-pack=...` becomes an option, but it is not
    parsed as code.

    ## Why it matters
    Anyone who can open a merge request chooses these strings; run as code, they run with the
    job's variables and `CI_JOB_TOKEN`.

    ## Example
    ```yaml
    lint:
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      script:
        - bash -c "echo $CI_MERGE_REQUEST_TITLE"
    ```

    ## Remediation
    Never evaluate these variables; quote them (`"$CI_COMMIT_MESSAGE"`) and pass them as data.
    Run merge-request jobs that must evaluate them only for this project's branches
    (`if: $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID`).

    ## References
    - GitLab Docs, "Predefined CI/CD variables", "Merge request pipelines: use with forked
      projects", "rules:if"
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "CI030"
    name = "gitlab-script-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ScriptUse.EVALUATED_OUTSIDER: Severity.HIGH,
        ScriptUse.EVALUATED_MEMBER: Severity.LOW,
        ScriptUse.ARGUMENT_OUTSIDER: Severity.LOW,
        ScriptUse.ARGUMENT_MEMBER: Severity.INFO,
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
    Jobs that may run in a merge request pipeline for a fork's merge request (read from
    `workflow:rules`, `rules:`, `only:`/`except:`, through `extends:` and includes) and read
    secret-looking variables (`*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_KEY`) in their scripts,
    or are given credentials by the job's keys: `secrets:` (Vault, GCP Secret Manager, Azure
    Key Vault) and `id_tokens:` (OIDC tokens a cloud role trusts), their own, extended or from
    `default:`.
    A rule that runs merge-request jobs only when `CI_MERGE_REQUEST_SOURCE_PROJECT_ID` (or
    `_PATH`) equals this project's, or that skips them otherwise (`when: never`), keeps forks
    out, and the job is not reported.

    ## Why it matters
    When members run pipelines for fork merge requests in the parent project (the "Run
    pipeline" button of a fork's merge request), the fork's code runs with the parent's
    variables. Protected variables are not passed to merge request pipelines; every other
    variable is. A job that handles secrets for merge requests hands them to the fork.

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


class GitlabForkJobToken(Rule):
    """A job that runs for forks' merge requests pushes or calls the API with `CI_JOB_TOKEN`.

    ## What it finds
    Script lines that use `CI_JOB_TOKEN` to push (`git push`, a remote URL with
    `gitlab-ci-token:$CI_JOB_TOKEN`, `docker push` after `docker login` with it) or to call the
    GitLab API (`$CI_API_V4_URL`, `/api/v4/`, a `JOB-TOKEN` header, `glab`, `release-cli`), in
    a job that may run in a merge request pipeline for a fork's merge request (read from
    `workflow:rules`, `rules:`, `only:`/`except:`).

    ## Why it matters
    In a pipeline a member runs in the parent project for a fork's merge request, the job token
    acts with that member's permissions on every project its allowlist grants, and the fork's
    code in the same job (its Makefile, its tests, its scripts) reads it from the environment.
    A job that needs the token to write is a job the fork can make write anything.

    ## Example
    ```yaml
    publish-preview:
      rules:
        - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      script:
        - make package
        - 'curl --header "JOB-TOKEN: $CI_JOB_TOKEN" --upload-file pkg.tgz
          "$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/generic/pkg/1/pkg.tgz"'
    ```

    ## Remediation
    Run writing jobs only for this project's branches
    (`if: $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID`) or protected refs, limit the
    token's allowlist, and keep the job token's push access off.

    ## References
    - GitLab Docs, "CI/CD job token", "Merge request pipelines: use with forked projects"
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI050"
    name = "gitlab-job-token-in-fork-merge-request"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (668, 269)
    attack = ("T1528",)


class IncludeState(enum.Enum):
    """Why an included file's jobs were not audited."""

    EXTERNAL = "another project's file, a remote URL, a template or a component (never fetched)"
    MISSING = "a local file that is not among the scanned files"


class GitlabIncludeNotAudited(Rule):
    """A GitLab pipeline includes configuration outwork did not read.

    ## What it finds
    Each `include:` whose jobs are not in the scan: `project:`, `remote:`, `template:` and
    `component:` includes (outwork never fetches them; the message says whether they are pinned
    to a commit, an integrity hash or a version), and `local:` includes that name no scanned
    file. Local includes that are scanned are merged into the pipeline and audited with it.

    ## Why it matters
    Included jobs run with this project's variables and job token, in the pipelines its rules
    allow. What the scan could not read is not proven safe: audit those files where they live,
    or scan them with this repository.

    ## Example
    ```yaml
    include:
      - project: group/ci-templates
        ref: 0123456789abcdef0123456789abcdef01234567
        file: /deploy.yml
    ```

    ## Remediation
    Scan the included projects too; keep external includes pinned (see CI031).

    ## References
    - GitLab Docs, "include"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI051"
    name = "gitlab-include-not-audited"
    layer = Layer.CI
    severity = Severity.INFO
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        IncludeState.EXTERNAL: Severity.INFO,
        IncludeState.MISSING: Severity.LOW,
    }
    cwe = (829,)


class IncludeCheck(GitlabCheck):
    rules = (GitlabUnpinnedInclude, GitlabIncludeNotAudited)

    def document(self, file: GitlabFile) -> Iterator[Emitted]:
        node = file.root.get("include")
        if node is None:
            return
        path = self.pipeline.path_of(file)
        entries = node.seq() if node.is_seq else [node]
        for index, entry in enumerate(entries):
            where: Where = ("include", index) if node.is_seq else ("include",)
            if entry.is_str:
                value = entry.value.strip()
                if value.startswith(("http://", "https://")):
                    message = f"remote include {value} without integrity"
                    yield _include(entry, where, message, Include.REMOTE_STRING, path)
            elif entry.is_map:
                yield from _include_entry(entry, where, path)

    def end(self) -> Iterator[Emitted]:
        pipeline = self.pipeline
        for item in pipeline.external:
            pinned = {
                "project": f"at ref {item.pin}" if item.pin else "at the default branch",
                "remote": "with an integrity hash" if item.pin else "without integrity",
                "component": f"at version {item.pin}" if item.pin else "without a version",
                "template": "shipped with the GitLab instance",
            }[item.kind]
            yield finding(
                GitlabIncludeNotAudited,
                f"{item.kind} include {item.target} ({pinned}) runs in this pipeline; its jobs"
                " were not audited (outwork never fetches included code)",
                path=pipeline.path_of(item.file),
                line=item.node.line,
                column=item.node.col,
                logical=key_path(*item.where),
                severity=GitlabIncludeNotAudited.severity_in(IncludeState.EXTERNAL),
                evidence=f"include {item.kind}: {item.target} {pinned}",
                properties={"include": item.kind, "pin": item.pin},
            )
        for item in pipeline.missing:
            yield finding(
                GitlabIncludeNotAudited,
                f"local include {item.target} names no scanned file: its jobs were not audited",
                path=pipeline.path_of(item.file),
                line=item.node.line,
                column=item.node.col,
                logical=key_path(*item.where),
                severity=GitlabIncludeNotAudited.severity_in(IncludeState.MISSING),
                evidence=f"include local: {item.target}",
            )


def _include_entry(entry: Node, where: Where, path: str) -> Iterator[Emitted]:
    remote = entry.get("remote")
    if remote is not None and entry.get("integrity") is None:
        message = f"remote include {remote.text().strip()} without integrity"
        yield _include(remote, where, message, Include.REMOTE, path)
    project = entry.get("project")
    if project is not None:
        ref = entry.text("ref").strip()
        if not SHA_RE.match(ref):
            target = entry.get("ref") or project
            why = "no ref (the default branch)" if not ref else f"ref {ref!r}"
            message = f"include of {project.text().strip()} at {why}, not a commit SHA"
            yield _include(target, where, message, Include.PROJECT, path)
    component = entry.get("component")
    if component is not None:
        _, _, version = component.text().partition("@")
        if not SHA_RE.match(version.strip()):
            message = f"component {component.text().strip()} is not pinned to a SHA"
            yield _include(component, where, message, Include.COMPONENT, path)


def _include(node: Node, where: Where, message: str, what: Include, path: str) -> Emitted:
    return finding(
        GitlabUnpinnedInclude,
        message,
        path=path,
        line=node.line,
        column=node.col,
        logical=key_path(*where),
        severity=GitlabUnpinnedInclude.severity_in(what),
        evidence=message,
    )


class ImageCheck(GitlabCheck):
    rules = (GitlabUnpinnedImage,)

    def document(self, file: GitlabFile) -> Iterator[Emitted]:
        path = self.pipeline.path_of(file)
        yield from _images(file.root, (), path)
        default = file.root.get("default")
        if default is not None and default.is_map:
            yield from _images(default, ("default",), path)
        for name, node in file.root.items():
            if node.is_map and name not in ("default", "variables", "workflow", "include"):
                yield from _images(node, (name,), path)


def _images(node: Node, where: Where, path: str) -> Iterator[Emitted]:
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
        if not target.is_str or target.aliased:
            continue
        value = target.value.strip()
        if not value or "@sha256:" in value or value.startswith("$"):
            continue
        last = value.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        yield finding(
            GitlabUnpinnedImage,
            f"image {value} is {'not tagged' if not tag else 'tagged ' + tag} and has no digest",
            path=path,
            line=target.line,
            column=target.col,
            logical=key_path(*at),
            severity=GitlabUnpinnedImage.severity_in(
                ImageTag.MOVING if tag in ("", "latest") else ImageTag.TAGGED
            ),
            evidence=value,
        )


#: Who chooses a value, from least to most dangerous.
_CONTROL_ORDER = ("member", "outsider")


#: How the evidence names the pipeline that gives a variable its worst value.
_PIPELINE_NAMES = {
    Source.FORK_MERGE_REQUEST: "merge request pipeline for a fork",
    Source.MERGE_REQUEST: "merge request pipeline",
    Source.BRANCH: "branch pipeline",
    Source.TAG: "tag pipeline",
    Source.EXTERNAL_PULL_REQUEST: "external pull request pipeline",
    Source.OTHER: "scheduled or triggered pipeline",
}


def _control(variable: str, sources: frozenset[Source]) -> tuple[str, Source] | None:
    """Who chooses ``variable`` in the pipelines ``sources`` (outsider or member) and in which
    of them, or None when none of them sets it."""
    table = data.GITLAB_VARIABLE_CONTROL.get(variable, {})
    found = [(table[s.name], s) for s in sorted(sources, key=lambda s: s.name) if s.name in table]
    if not found:
        return None
    return max(found, key=lambda f: (_CONTROL_ORDER.index(f[0]), f[1] is Source.FORK_MERGE_REQUEST))


class ScriptCheck(GitlabCheck):
    """Each script line that reads ``$``, in every job that runs it: attacker-controlled
    variables run as code or left bare (CI030, at the worst of the jobs that run the line) and
    the job token sent where it leaks (CI034, once per line)."""

    rules = (GitlabScriptInjection, GitlabJobTokenMisuse)

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(pipeline)
        #: (file, line, column) -> the worst CI030 finding there so far
        self.worst: dict[tuple[str, int, int], Finding] = {}
        self.leaks: dict[tuple[str, int, int], Emitted] = {}
        #: script nodes reached from a job that runs (their templates are judged through it)
        self.reached: set[int] = set()

    def job(self, job: GitlabJob) -> Iterator[Emitted]:
        if job.hidden:
            return iter(())
        self._judge(job, job.sources(), job.name)
        return iter(())

    def end(self) -> Iterator[Emitted]:
        if not self.pipeline.rooted:
            # templates nobody here extends: whoever includes the file decides where they run
            for job in self.pipeline.jobs():
                if job.hidden:
                    self._judge(job, job.sources(), job.name, unreached_only=True)
        yield from sorted(
            self.worst.values(), key=lambda f: (f.location.path, f.location.line or 0)
        )
        yield from self.leaks.values()

    def _judge(
        self, job: GitlabJob, sources: frozenset[Source], name: str, *, unreached_only: bool = False
    ) -> None:
        derived = derived_variables(job.variables())
        names = [*data.GITLAB_VARIABLE_CONTROL, *map(re.escape, derived)]
        tainted = re.compile(r"\$\{?(" + "|".join(names) + r")\b")
        emitted = 0
        for line in job.script():
            if unreached_only and id(line.node) in self.reached:
                continue
            self.reached.add(id(line.node))
            if "$" not in line.text:
                continue
            for item in self._line(line, tainted, derived, sources, name):
                emitted += 1
                if emitted > MAX_FINDINGS_PER_JOB:
                    return
                key = (item.location.path, item.location.line or 0, item.location.column or 0)
                if item.rule is GitlabJobTokenMisuse:
                    self.leaks.setdefault(key, item)
                elif key not in self.worst or self.worst[key].severity < item.severity:
                    self.worst[key] = item

    def _line(
        self,
        line: ScriptLine,
        tainted: re.Pattern[str],
        derived: dict[str, str],
        sources: frozenset[Source],
        job: str,
    ) -> Iterator[Finding]:
        doc = line.file.doc
        text = line.text
        states = quoting(text)
        cursor = line.node.start - 1
        offset = 0
        path = self.pipeline.path_of(line.file)
        for part in text.split("\n"):
            start, offset = offset, offset + len(part) + 1
            if "$" not in part:
                continue
            index = doc.find_after(line.node, part.strip(), cursor)
            if index >= 0:
                cursor = index
            pos = doc.position(index) if index >= 0 else (line.node.line, line.node.col)
            where = _Where(pos, line.at, path, job)
            uses = []
            for m in tainted.finditer(part):
                state = states[start + m.start()]
                if state in (Quoting.COMMENT, Quoting.SINGLE):
                    continue
                origin = derived.get(m.group(1), m.group(1))
                control = _control(origin, sources)
                if control is not None:
                    uses.append(_Use(m.group(1), state, m.start(), *control))
            yield from _injection(where, part, states[start : start + len(part)], uses, derived)
            yield from _job_token(where, part)


@dataclass(frozen=True, slots=True)
class _Where:
    pos: tuple[int, int]
    at: str
    path: str
    job: str


@dataclass(frozen=True, slots=True)
class _Use:
    variable: str
    state: Quoting
    at: int
    control: str
    #: The pipeline in which the variable has that control.
    pipeline: Source

    def path(self, where: _Where, origins: dict[str, str]) -> list[str]:
        """The evidence's path: pipeline -> job -> variable (-> the variable it feeds)."""
        return [
            _PIPELINE_NAMES[self.pipeline],
            f"job {where.job}",
            *_source(self.variable, origins).split(" -> "),
        ]


def _injection(
    where: _Where, line: str, states: list[Quoting], uses: list[_Use], origins: dict[str, str]
) -> Iterator[Finding]:
    """One finding for the worst use of an attacker-controlled variable on a script line: in
    text an evaluator parses (quotes of the outer shell do not help) or in command position, else
    bare as an argument (split and globbed). Double-quoted arguments stay one word."""
    commands = command_words(line, states)
    ranked = sorted(uses, key=lambda u: -_CONTROL_ORDER.index(u.control))
    for use in ranked:
        sink = _evaluator(line, use.at)
        in_command = any(a <= use.at < b for a, b in commands)
        if sink is None and not in_command:
            continue
        chain = use.path(where, origins)
        context = (
            ScriptUse.EVALUATED_OUTSIDER
            if use.control == "outsider"
            else ScriptUse.EVALUATED_MEMBER
        )
        if sink is not None:
            quoted = (
                " (the double quotes are removed before it parses the text)"
                if use.state is Quoting.DOUBLE
                else ""
            )
            message = f"${use.variable} is expanded into code that `{sink}` evaluates{quoted}"
        else:
            sink = "command word"
            message = (
                f"${use.variable} is expanded as the command word: its value is run as a command"
            )
        yield finding(
            GitlabScriptInjection,
            message + _whose(use.control, where.job),
            path=where.path,
            line=where.pos[0],
            column=where.pos[1],
            logical=where.at,
            severity=GitlabScriptInjection.severity_in(context),
            evidence=" -> ".join([*chain, f"{sink} ({where.at})"]),
            properties={"taint": [*chain, sink, where.at], "job": where.job},
        )
        return
    for use in ranked:
        if use.state is Quoting.BARE:
            chain = use.path(where, origins)
            context = (
                ScriptUse.ARGUMENT_OUTSIDER
                if use.control == "outsider"
                else ScriptUse.ARGUMENT_MEMBER
            )
            yield finding(
                GitlabScriptInjection,
                f"${use.variable} is expanded bare as an argument: the shell splits its value into"
                " words and expands wildcards, so it can add arguments or options (it is not"
                " parsed as code: a $(...) in it is not run)" + _whose(use.control, where.job),
                path=where.path,
                line=where.pos[0],
                column=where.pos[1],
                logical=where.at,
                severity=GitlabScriptInjection.severity_in(context),
                confidence=Confidence.LOW,
                evidence=" -> ".join([*chain, f"unquoted argument ({where.at})"]),
                properties={"job": where.job},
            )
            return


def _evaluator(line: str, at: int) -> str | None:
    """The evaluator (``eval``, ``sh -c`` ...) before position ``at`` of a line, if any."""
    for pattern in _EVALUATORS:
        sink = pattern.search(line)
        if sink and sink.start() < at:
            return sink.group(0)
    return None


def _whose(control: str, job: str) -> str:
    if control == "outsider":
        return f"; in job {job} an outsider chooses it (a fork's merge request, or merged text)"
    return f"; in job {job} only project members choose it"


def _source(variable: str, origins: dict[str, str]) -> str:
    origin = origins.get(variable)
    return f"{origin} -> variables.{variable}" if origin else variable


def _internal(url: str) -> bool:
    """Whether a URL points at this GitLab instance (built from ``CI_*`` variables)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    return host.startswith(("$CI_", "${CI_")) or host in ("gitlab.com", "$CI_SERVER_HOST")


def _job_token(where: _Where, line: str) -> Iterator[Finding]:
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
            path=where.path,
            line=where.pos[0],
            column=where.pos[1],
            logical=where.at,
            evidence=f"CI_JOB_TOKEN -> {reason}",
        )


#: Script text that writes with the job token: a push, the API, a registry or package upload.
_TOKEN_WRITE_RE = re.compile(
    r"\bgit\s+push\b|\bdocker\s+push\b|\bglab\b|\brelease-cli\b|CI_API_V4_URL|/api/v4/"
    r"|JOB-TOKEN",
    re.I,
)


class ForkMergeRequestCheck(GitlabCheck):
    """Jobs that run for forks' merge requests: the secrets they read or are given (CI033) and
    the job token they write with (CI050), with the attack graph's facts. A template's line
    that several such jobs run is reported once."""

    rules = (GitlabForkMergeRequestSecrets, GitlabForkJobToken)

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(pipeline)
        self.seen: set[tuple[str, str, int, int]] = set()

    def job(self, job: GitlabJob) -> Iterator[Emitted]:
        if job.hidden or Source.FORK_MERGE_REQUEST not in job.sources():
            return
        secrets: list[tuple[ScriptLine, str]] = []
        token: list[ScriptLine] = []
        uses_token = False
        for line in job.script():
            for var in _SECRET_VAR_RE.findall(line.text) if "$" in line.text else ():
                if var != "CI_JOB_TOKEN":
                    secrets.append((line, var))
            if _JOB_TOKEN_RE.search(line.text):
                uses_token = True
            if uses_token and any(_TOKEN_WRITE_RE.search(part) for part in line.text.splitlines()):
                token.append(line)
        given = [
            (key, found) for key in _GIVEN_KEYS if (found := job.lookup(key)) and found[0].is_map
        ]
        ref = f"job:{job.file.path}#{job.name}"
        if secrets or token or given:
            yield Fact(
                "entry:fork-merge-request",
                "triggers",
                ref,
                proof=f"{job.file.path}: {job.name}.rules",
                properties={"trust": "untrusted-code"},
            )
        if secrets:
            line, var = secrets[0]
            yield from self._once(
                GitlabForkMergeRequestSecrets,
                f"job {job.name} runs for forks' merge requests and reads ${var} without checking"
                " the source project",
                line.file,
                line.node,
                line.at,
                f"merge request pipeline for a fork -> job {job.name} -> ${var}",
            )
            for secret in sorted({s for _, s in secrets}):
                yield Fact(ref, "exposes", f"jewel:secret:{secret}", proof=job.file.path)
        for key, (node, file) in given:
            names = [name for name, _ in node.items()]
            what = _GIVEN_KEYS[key]
            yield from self._once(
                GitlabForkMergeRequestSecrets,
                f"job {job.name} runs for forks' merge requests and is given {what}"
                f" {', '.join(names)}: the fork's code in the job reads them",
                file,
                node,
                key,
                f"merge request pipeline for a fork -> job {job.name} -> {key}: {', '.join(names)}",
                confidence=Confidence.HIGH,
            )
            for name in names:
                yield Fact(ref, "exposes", f"jewel:secret:{name}", proof=job.file.path)
        if token:
            line = token[0]
            yield from self._once(
                GitlabForkJobToken,
                f"job {job.name} runs for forks' merge requests and writes with CI_JOB_TOKEN: the"
                " fork's code in the job holds the same token, acting as the member who ran the"
                " pipeline",
                line.file,
                line.node,
                line.at,
                f"merge request pipeline for a fork -> job {job.name} -> CI_JOB_TOKEN -> "
                + line.text.strip().splitlines()[0][:120],
            )
            yield Fact(ref, "exposes", "jewel:secret:CI_JOB_TOKEN", proof=job.file.path)

    def _once(
        self,
        rule: type[Rule],
        message: str,
        file: GitlabFile,
        node: Node,
        at: str,
        evidence: str,
        confidence: Confidence | None = None,
    ) -> Iterator[Emitted]:
        key = (rule.code, file.path, node.line, node.col)
        if key in self.seen:
            return
        self.seen.add(key)
        yield finding(
            rule,
            message,
            path=self.pipeline.path_of(file),
            line=node.line,
            column=node.col,
            logical=at,
            confidence=confidence,
            evidence=evidence,
        )


#: Job keys that hand the job credentials: key -> what they are, for messages.
_GIVEN_KEYS = {
    "secrets": "the external secrets",
    "id_tokens": "the OIDC ID tokens (for cloud roles)",
}
