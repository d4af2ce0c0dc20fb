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
            enabled = default_on
            if option:
                value = with_.get(option) if with_ is not None else None
                if value is not None:
                    text = value.text().strip().strip("'\"").lower()
                    enabled = text not in ("", "false", "none", "0")
            if not enabled:
                return
            node = step.uses_node
            assert node is not None
            yield finding(
                CachePoisoning,
                f"release workflow restores a cache through {action}"
                + (f" ({option} enabled)" if option else ""),
                line=node.line,
                column=node.col,
                logical=key_path(*step.where, "uses"),
                evidence=f"release/publishing workflow -> {action}",
            )
            return


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
