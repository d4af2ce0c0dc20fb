"""CI024: publishing to a registry with a stored long-lived token."""

from __future__ import annotations

import re
from collections.abc import Iterator

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Step, matching
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_TOKEN_PUBLISH = [(re.compile(p, re.I), env) for p, env in data.TOKEN_PUBLISH_COMMANDS.items()]
_TOKEN_PUBLISH_ANY = re.compile("|".join(f"(?:{p})" for p in data.TOKEN_PUBLISH_COMMANDS), re.I)
_DRY_RUN_RE = re.compile(r"(?:^|\s)(?:--dry-run|-n)(?:\s|$)")
_CONTINUATION_RE = re.compile(r"[\\`]\n\s*")  # shell and PowerShell line continuations


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


class PublishTokenCheck(WorkflowCheck):
    """Publishing with stored tokens; commands in jobs that can mint an OIDC token are taken to
    use trusted publishing, and dry runs publish nothing."""

    rules = (LongLivedPublishToken,)

    def step(self, step: Step) -> Iterator[Emitted]:
        if step.name:
            yield from _action(step)
        elif step.script:
            yield from self._command(step)

    def _command(self, step: Step) -> Iterator[Emitted]:
        flat = _CONTINUATION_RE.sub(" ", step.script)
        if not _TOKEN_PUBLISH_ANY.search(flat):
            return
        step_env = step.node.get("env")
        env_names = {k.upper() for k, _ in step_env.items()} if step_env is not None else set()
        for pattern, tokens in _TOKEN_PUBLISH:
            match = pattern.search(flat)
            if not match:
                continue
            line_end = flat.find("\n", match.end())
            rest = flat[match.end() : line_end if line_end >= 0 else None]
            if _DRY_RUN_RE.search(rest) or (step.job.oidc and not env_names & set(tokens)):
                continue
            run = step.run
            assert run is not None
            line, col = self.wf.doc.find(run, match.group(0).split()[0])
            yield finding(
                LongLivedPublishToken,
                f"`{match.group(0)}` publishes with a long-lived token; the registry "
                "supports trusted publishing",
                line=line,
                column=col,
                logical=key_path(*step.where, "run"),
                evidence=f"{match.group(0)} with "
                + (", ".join(sorted(env_names & set(tokens))) or "a configured token"),
            )
            return


def _action(step: Step) -> Iterator[Emitted]:
    for action, inputs in matching(data.TOKEN_PUBLISH_ACTIONS, step.name):
        with_ = step.node.get("with")
        used = [i for i in inputs if with_ is not None and with_.get(i) is not None]
        if used or not inputs:
            node = step.uses_node
            assert node is not None
            yield finding(
                LongLivedPublishToken,
                f"{action} publishes with a stored token ({', '.join(used) or 'api key'})",
                line=node.line,
                column=node.col,
                logical=key_path(*step.where, "uses"),
                evidence=f"{action} with {', '.join(used)}",
            )
