"""GitLab CI audits: injection through predefined variables, includes, images, fork merge
requests and the job token."""

from __future__ import annotations

import re
from collections.abc import Iterator

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.context import ImageTag
from outwork.analyzers.pipelines.github import Document
from outwork.analyzers.pipelines.rules import gitlab as rules
from outwork.analyzers.pipelines.yamlpos import Node, key_path
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence

#: Top-level keys that are not jobs.
KEYWORDS = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "spec",
    }
)
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
#: Script findings reported for one job; the rest are left out.
MAX_FINDINGS_PER_JOB = 200
_VARS = "|".join(data.GITLAB_TAINTED_VARIABLES)
_TAINTED_RE = re.compile(r"\$\{?(" + _VARS + r")\b")
_EVALUATORS = [re.compile(p) for p in data.GITLAB_EVALUATORS]
_SECRET_VAR_RE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*(?:TOKEN|PASSWORD|SECRET|_KEY|APIKEY|PASS))\b")
_MR_RE = re.compile(r"merge_request_event|merge_requests")
_SAME_PROJECT_RE = re.compile(r"CI_MERGE_REQUEST_SOURCE_PROJECT_(?:ID|PATH|URL)")
_JOB_TOKEN_RE = re.compile(r"\$\{?CI_JOB_TOKEN\b")
_URL_RE = re.compile(r"https?://[^\s\"']+")


def looks_like_gitlab(root: Node) -> bool:
    if not root.is_map:
        return False
    if root.get("stages") is not None or root.get("include") is not None:
        return True
    return any(
        node.is_map and (node.get("script") is not None or node.get("extends") is not None)
        for key, node in root.items()
        if key not in KEYWORDS
    )


def audit(doc: Document, path: str) -> Iterator[Emitted]:
    root = doc.root
    yield from _includes(root.get("include"))
    yield from _images(root, ())
    default = root.get("default")
    if default is not None and default.is_map:
        yield from _images(default, ("default",))
        yield from _scripts(doc, "default", default, ("default",), path)
    workflow = root.get("workflow")
    global_mr = workflow is not None and any(_MR_RE.search(n.value) for n in workflow.strings())
    for name, job in root.items():
        if name in KEYWORDS or not job.is_map:
            continue
        yield from _images(job, (name,))
        yield from _scripts(doc, name, job, (name,), path, global_mr)


def _includes(node: Node | None) -> Iterator[Emitted]:
    if node is None:
        return
    entries = node.seq() if node.is_seq else [node]
    for index, entry in enumerate(entries):
        where: tuple[str | int, ...] = ("include", index) if node.is_seq else ("include",)
        if entry.is_str:
            value = entry.value.strip()
            if value.startswith(("http://", "https://")):
                yield _include_finding(
                    entry,
                    where,
                    f"remote include {value} without integrity",
                    rules.Include.REMOTE_STRING,
                )
            continue
        if not entry.is_map:
            continue
        remote = entry.get("remote")
        if remote is not None and entry.get("integrity") is None:
            yield _include_finding(
                remote,
                where,
                f"remote include {remote.text().strip()} without integrity",
                rules.Include.REMOTE,
            )
        project = entry.get("project")
        if project is not None:
            ref = entry.text("ref").strip()
            if not SHA_RE.match(ref):
                target = entry.get("ref") or project
                why = "no ref (the default branch)" if not ref else f"ref {ref!r}"
                yield _include_finding(
                    target,
                    where,
                    f"include of {project.text().strip()} at {why}, not a commit SHA",
                    rules.Include.PROJECT,
                )
        component = entry.get("component")
        if component is not None:
            _, _, version = component.text().partition("@")
            if not SHA_RE.match(version.strip()):
                yield _include_finding(
                    component,
                    where,
                    f"component {component.text().strip()} is not pinned to a SHA",
                    rules.Include.COMPONENT,
                )


def _include_finding(
    node: Node, where: tuple[str | int, ...], message: str, what: rules.Include
) -> Emitted:
    return finding(
        rules.GitlabUnpinnedInclude,
        message,
        line=node.line,
        column=node.col,
        logical=key_path(*where),
        severity=rules.GitlabUnpinnedInclude.severity_in(what),
        evidence=message,
    )


def _images(node: Node, where: tuple[str | int, ...]) -> Iterator[Emitted]:
    candidates: list[tuple[Node, tuple[str | int, ...]]] = []
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
            rules.GitlabUnpinnedImage,
            f"image {value} is {'not tagged' if not tag else 'tagged ' + tag} and has no digest",
            line=target.line,
            column=target.col,
            logical=key_path(*at),
            severity=rules.GitlabUnpinnedImage.severity_in(
                ImageTag.MOVING if tag in ("", "latest") else ImageTag.TAGGED
            ),
            evidence=value,
        )


def _script_lines(job: Node, where: tuple[str | int, ...]) -> Iterator[tuple[Node, str, str]]:
    for key in ("before_script", "script", "after_script"):
        node = job.get(key)
        if node is None:
            continue
        items = node.seq() if node.is_seq else [node]
        for index, item in enumerate(items):
            at = key_path(*where, key, index) if node.is_seq else key_path(*where, key)
            for sub in item.strings():  # nested lists of lines are flattened by GitLab
                yield sub, sub.value, at


def _scripts(
    doc: Document,
    name: str,
    job: Node,
    where: tuple[str | int, ...],
    path: str,
    global_mr: bool = False,
) -> Iterator[Emitted]:
    ancestors = _ancestors(doc.root, job)
    rule_keys = ("rules", "only", "except")
    source = next(
        (j for j in (job, *ancestors) if any(j.get(k) is not None for k in rule_keys)), job
    )
    rules_text = " ".join(
        n.value for key in rule_keys for n in (source.get(key) or Node("", 0, 0)).strings()
    )
    unrestricted = not any(source.get(key) is not None for key in rule_keys)
    mr_job = bool(_MR_RE.search(rules_text)) or (global_mr and unrestricted)
    same_project = bool(_SAME_PROJECT_RE.search(rules_text))
    secrets_seen: list[tuple[Node, str, str]] = []
    derived = derived_variables(
        doc.root.get("variables"),
        *(a.get("variables") for a in reversed(ancestors)),
        job.get("variables"),
    )
    derived_re = (
        re.compile(r"\$\{?(" + "|".join(map(re.escape, derived)) + r")\b") if derived else None
    )
    emitted = 0
    for node, text, at in _script_lines(job, where):
        cursor = node.start - 1
        for line in text.splitlines():
            if "$" not in line:
                continue
            index = doc.find_after(node, line.strip(), cursor)
            if index >= 0:
                cursor = index
            pos = doc.position(index) if index >= 0 else (node.line, node.col)
            hits = (*_injection(pos, line, at, derived_re, derived), *_job_token(pos, line, at))
            for item in hits:
                emitted += 1
                if emitted <= MAX_FINDINGS_PER_JOB:
                    yield item
            for var in _SECRET_VAR_RE.findall(line):
                if var != "CI_JOB_TOKEN":
                    secrets_seen.append((node, var, at))
    for ancestor in ancestors:  # inherited scripts: their own findings are reported already
        for node, text, at in _script_lines(ancestor, (name,)):
            for var in _SECRET_VAR_RE.findall(text):
                if var != "CI_JOB_TOKEN":
                    secrets_seen.append((node, var, at))
    if mr_job and not same_project and secrets_seen and not name.startswith("."):
        node, var, at = secrets_seen[0]
        yield finding(
            rules.GitlabForkMergeRequestSecrets,
            f"job {name} runs for merge requests and reads ${var} without checking the source "
            "project",
            line=node.line,
            column=node.col,
            logical=at,
            evidence=f"merge_request_event -> {name} -> ${var}",
        )
        yield Fact(
            "entry:fork-merge-request",
            "triggers",
            f"job:{path}#{name}",
            proof=f"{path}: {name}.rules",
            properties={"trust": "untrusted-code"},
        )
        for secret in sorted({s for _, s, _ in secrets_seen}):
            yield Fact(f"job:{path}#{name}", "exposes", f"jewel:secret:{secret}", proof=path)


def _ancestors(root: Node, job: Node, depth: int = 0) -> list[Node]:
    """The templates a job ``extends``, nearest first (bounded, cycle-safe)."""
    extends = job.get("extends")
    if extends is None or depth > 10:
        return []
    names = [extends.value] if extends.is_str else [n.value for n in extends.seq() if n.is_str]
    out: list[Node] = []
    for name in reversed(names):  # later entries override earlier ones
        parent = root.get(name.strip())
        if parent is not None and parent.is_map and parent is not job:
            out.append(parent)
            out.extend(_ancestors(root, parent, depth + 1))
    return out


def derived_variables(*blocks: Node | None) -> dict[str, str]:
    """``variables:`` entries whose value carries an attacker-controlled predefined variable:
    name -> the predefined variable it comes from."""
    derived: dict[str, str] = {}
    for block in blocks:
        for name, value in block.items() if block is not None else []:
            text = value.text() if value.is_str else value.text("value")
            match = _TAINTED_RE.search(text)
            if match:
                derived[name] = match.group(1)
            elif name in derived:
                del derived[name]
    return derived


def _injection(
    pos: tuple[int, int],
    line: str,
    at: str,
    derived: re.Pattern[str] | None = None,
    origins: dict[str, str] | None = None,
) -> Iterator[Emitted]:
    match = _TAINTED_RE.search(line) or (derived.search(line) if derived else None)
    if not match:
        return
    variable = match.group(1)
    origin = (origins or {}).get(variable)
    source = f"{origin} -> variables.{variable}" if origin else variable
    for pattern in _EVALUATORS:
        sink = pattern.search(line)
        if sink and sink.start() < match.start():
            yield finding(
                rules.GitlabScriptInjection,
                f"${variable} is evaluated as code by `{sink.group(0)}`",
                line=pos[0],
                column=pos[1],
                logical=at,
                severity=rules.GitlabScriptInjection.severity_in(rules.ScriptUse.EVALUATED),
                evidence=f"{source} -> {sink.group(0)} ({at})",
                properties={"taint": [*source.split(" -> "), sink.group(0), at]},
            )
            return
    quoted = re.search(r'"[^"]*\$\{?' + variable + r'\b[^"]*"', line)
    if not quoted:
        yield finding(
            rules.GitlabScriptInjection,
            f"${variable} is used unquoted in a shell command",
            line=pos[0],
            column=pos[1],
            logical=at,
            severity=rules.GitlabScriptInjection.severity_in(rules.ScriptUse.UNQUOTED),
            confidence=Confidence.LOW,
            evidence=f"{source} -> unquoted ({at})",
        )


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
            rules.GitlabJobTokenMisuse,
            f"CI_JOB_TOKEN is {reason}",
            line=pos[0],
            column=pos[1],
            logical=at,
            evidence=f"CI_JOB_TOKEN -> {reason}",
        )
