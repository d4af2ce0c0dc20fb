"""CI015: a release or publishing workflow restores a cache that other workflows can write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Step, Workflow, action_of, lookup, matching
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Any of the publishing commands: one search rules out most scripts before each is tried.
_PUBLISH_ANY = re.compile("|".join(f"(?:{p})" for p in data.PUBLISHING_COMMANDS), re.I)
_PUBLISHING = dict.fromkeys(data.PUBLISHING_ACTIONS, True)


class CachePoisoning(Rule):
    """A release or publishing workflow restores a cache that less trusted runs can write.

    ## What it finds
    Workflows triggered by tags, releases or pushes to release branches, or that publish
    packages or images, and that restore a cache (`actions/cache`, `cache:` on setup actions,
    `setup-go`'s default cache, `Swatinem/rust-cache`, `setup-uv`, `ramsey/composer-install`
    and the others of a data table), read with each action's own default and the input that
    turns it on or off (`ignore-cache: false` caches). Where the default changed between
    versions (`setup-uv` caches by default from v6, and no longer in release workflows from
    v10), the version comes from the ref or from the comment beside a commit pin
    (`@<sha> # v6.5.0`); a commit pin without one is reported as a version that may cache.
    An input set by an expression is taken to turn caching on.

    A push filter that ignores every tag (`tags-ignore: ['*']`) is not a release trigger:
    zizmor reads any tag filter as one and reports caches in such workflows; outwork does not.

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


class CachePoisoningCheck(WorkflowCheck):
    rules = (CachePoisoning,)

    @cached_property
    def release(self) -> bool:
        return self.wf.kind == "workflow" and is_release(self.wf)

    def step(self, step: Step) -> Iterator[Emitted]:
        for action, (option, default_on) in matching(data.CACHE_ACTIONS, step.name):
            if action != step.name or not self.release:
                continue
            with_ = step.node.get("with")
            enabled, why = _enabled(step, action, option, default_on, self._version(step))
            if not enabled:
                return
            node = step.uses_node
            assert node is not None
            yield finding(
                CachePoisoning,
                f"release workflow restores a cache through {action} ({why})",
                line=node.line,
                column=node.col,
                logical=key_path(*step.where, "uses"),
                evidence=f"release/publishing workflow -> {action}"
                + (f" with {option.lstrip('!')}" if option and with_ is not None else ""),
            )
            return

    def _version(self, step: Step) -> int | None:
        """The major version a step's action is at: from its ref (``@v6.5.0``) or, for a commit
        pinned with the customary comment, from the comment (``@<sha> # v6.5.0``)."""
        ref = step.uses.partition("@")[2].strip()
        found = _MAJOR_RE.match(ref)
        if found:
            return int(found.group(1))
        node = step.uses_node
        if node is None:
            return None
        lines = self.wf.doc.lines()
        line = lines[node.line - 1] if 0 < node.line <= len(lines) else ""
        comment = _COMMENT_VERSION_RE.search(line)
        return int(comment.group(1)) if comment else None


_MAJOR_RE = re.compile(r"v?(\d+)(?:\.\d+)*$")
_COMMENT_VERSION_RE = re.compile(r"#\s*v?(\d+)(?:\.\d+)*\b")
_OFF = frozenset({"", "false", "none", "0", "no", "off"})


def _enabled(
    step: Step, action: str, option: str, default_on: bool, major: int | None
) -> tuple[bool, str]:
    """Whether the step restores a cache, and why (for the message)."""
    with_ = step.node.get("with")
    name = option.lstrip("!")
    value = with_.get(name) if with_ is not None and name else None
    if value is not None:
        text = value.text().strip().strip("'\"").lower()
        if "${{" in text:
            return True, f"{name} set by an expression, which may turn caching on"
        truthy = text not in _OFF
        on = not truthy if option.startswith("!") else truthy
        return on, f"{name}: {text}"
    versions = data.CACHE_DEFAULT_BY_VERSION.get(action)
    if versions is not None:
        first, last = versions
        if major is None:
            return True, f"a version that is not named: {action} caches by default from v{first}"
        if first <= major and not (last and major >= last):
            return True, f"v{major} caches unless {name} is false"
        return False, ""
    if not name:
        return default_on, "always caches"
    return default_on, f"caches unless {name} is {'true' if option.startswith('!') else 'false'}"


def is_release(wf: Workflow) -> bool:
    """Whether the workflow releases or publishes: a release trigger, a tag push, or (outside
    pull request triggers) a publishing action or command in some step."""
    names = wf.names
    if names & {"release", "registry_package"}:
        return True
    on = wf.root.get("on")
    push = on.get("push") if on is not None and on.is_map else None
    if push is not None and push.get("tags") is not None:
        return True
    branches = push.get("branches") if push is not None and push.is_map else None
    if branches is not None and any("release" in b.value.lower() for b in branches.strings()):
        return True  # release branches build what is released
    if names & {"pull_request", "merge_group", "pull_request_target"}:
        return False  # publishing steps here are dry runs or gated; the trigger says test
    jobs = wf.root.get("jobs")
    for _, job in jobs.items() if jobs is not None else []:
        for step in job.children("steps"):
            uses = step.text("uses")
            if uses and lookup(_PUBLISHING, action_of(uses)[0]):
                return True
            script = step.text("run")
            if script and _PUBLISH_ANY.search(script):
                return True
    return False
