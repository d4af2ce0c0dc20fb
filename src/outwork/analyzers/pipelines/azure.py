"""The model of an Azure Pipelines file that the Azure checks of ``rules/`` read: its triggers,
jobs (under stages, at the top, or the implicit job of top-level ``steps``), steps and their
scripts, variables and the values they carry, and the repositories and containers it pulls.

Azure substitutes ``$(Name)`` macros and ``${{ }}`` template expressions into a script's text
before the agent runs it, so a predefined variable with attacker text there is code; the same
variable read by the shell (``$BUILD_SOURCEVERSIONMESSAGE``) is data unless the shell evaluates
it (:mod:`outwork.analyzers.pipelines.scripts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.expressions import expressions, value_contexts
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import Origin, Script, Shell, Spliced, yaml_rows
from outwork.analyzers.pipelines.workflow import Document, Where
from outwork.analyzers.pipelines.yamlpos import Node

#: ``$(Name)`` macros (a name has no spaces, so ``$(git rev-parse HEAD)`` is shell).
MACRO_RE = re.compile(r"\$\(\s*([A-Za-z_][\w.\-]*)\s*\)")
#: A ``$[ ... ]`` runtime expression (a variable's whole value).
_RUNTIME_RE = re.compile(r"^\s*\$\[(.*)\]\s*$", re.S)
_VARIABLES_INDEX_RE = re.compile(r"^variables\.(.+)$")
#: Prefixes of predefined variables (never secrets defined by the user).
PREDEFINED_PREFIXES = (
    "build.",
    "system.",
    "agent.",
    "pipeline.",
    "environment.",
    "release.",
    "resources.",
    "strategy.",
    "common.",
    "checks.",
)
#: Levels of ``steps`` lists searched below a job (deployment strategies nest them).
_MAX_STEP_DEPTH = 6
_NOT_STEPS = frozenset({"variables", "parameters"})


def looks_like_azure(root: Node) -> bool:
    """Whether a YAML file found elsewhere reads as an Azure pipeline: ``steps`` of
    ``script``/``bash``/``task`` items, or stages/jobs of them, with Azure's own keys."""
    if not root.is_map:
        return False
    body = root.get("steps") or root.get("jobs") or root.get("stages")
    if root.get("pool") is not None and body is not None:
        return True
    steps = root.get("steps")
    if steps is not None and any(
        s.is_map and (s.get("task") is not None or s.get("pwsh") is not None) for s in steps.seq()
    ):
        return True
    stages = root.get("stages")
    return stages is not None and any(s.is_map and s.get("stage") is not None for s in stages.seq())


@dataclass(frozen=True, slots=True)
class AzureStep:
    node: Node
    where: Where


@dataclass(slots=True)
class AzureJob:
    """A job with the stage it belongs to: conditions and variables in scope."""

    name: str
    node: Node
    where: Where
    stage: Node | None
    steps: list[AzureStep] = field(default_factory=list)

    def conditions(self) -> str:
        """The job's and its stage's ``condition`` text, lower-cased."""
        parts = [self.node.text("condition")]
        if self.stage is not None:
            parts.append(self.stage.text("condition"))
        return " ".join(parts).lower()


@dataclass
class AzureFile:
    doc: Document
    path: str

    @property
    def root(self) -> Node:
        return self.doc.root

    @cached_property
    def runs_for_pull_requests(self) -> bool:
        """Whether pull requests start the pipeline: ``pr`` absent (GitHub and Bitbucket
        repositories build pull requests by default) or not ``none``."""
        pr = self.root.get("pr")
        if pr is None:
            return not self.is_template
        if pr.is_str:
            return pr.value.strip().lower() not in ("none", "false", "")
        return True

    @cached_property
    def is_template(self) -> bool:
        """A template (included by other pipelines): parameters, no trigger of its own."""
        root = self.root
        return (
            root.get("parameters") is not None
            and root.get("trigger") is None
            and root.get("pr") is None
            and root.get("pool") is None
        )

    @cached_property
    def jobs(self) -> list[AzureJob]:
        out: list[AzureJob] = []
        root = self.root
        stages = root.get("stages")
        for s_index, stage in enumerate(stages.seq() if stages is not None else []):
            if not stage.is_map:
                continue
            jobs = stage.get("jobs")
            for j_index, job in enumerate(jobs.seq() if jobs is not None else []):
                if job.is_map:
                    where: Where = ("stages", s_index, "jobs", j_index)
                    out.append(_job(job, where, stage))
        jobs = root.get("jobs")
        for j_index, job in enumerate(jobs.seq() if jobs is not None else []):
            if job.is_map:
                out.append(_job(job, ("jobs", j_index), None))
        if root.get("steps") is not None:
            out.append(_job(root, (), None, name="(steps)"))
        return out

    @cached_property
    def parameters(self) -> dict[str, Node]:
        """String parameters whose value is free (no ``values:`` list): name -> declaration."""
        out: dict[str, Node] = {}
        params = self.root.get("parameters")
        if params is None:
            return out
        if params.is_seq:
            for item in params.seq():
                kind = item.text("type", "string").strip().lower()
                if item.is_map and kind == "string" and item.get("values") is None:
                    out[item.text("name").strip().lower()] = item
        elif params.is_map:  # the old template form: name: default
            for name, node in params.items():
                if node.is_str:
                    out[name.strip().lower()] = node
        return out

    def variable_blocks(self, job: AzureJob) -> list[Node]:
        blocks = [self.root.get("variables")]
        if job.stage is not None:
            blocks.append(job.stage.get("variables"))
        if job.node is not self.root:
            blocks.append(job.node.get("variables"))
        return [b for b in blocks if b is not None]

    def variables(self, job: AzureJob) -> dict[str, str]:
        """Variables defined in the file in the job's scope (lower-case name -> value)."""
        out: dict[str, str] = {}
        for block in self.variable_blocks(job):
            for name, value in _variable_items(block):
                out[name.lower()] = value
        return out

    def groups(self, job: AzureJob) -> list[tuple[str, Node]]:
        """Variable groups in the job's scope (they hold the library's secrets)."""
        out: list[tuple[str, Node]] = []
        for block in self.variable_blocks(job):
            for item in block.seq():
                group = item.get("group") if item.is_map else None
                if group is not None and group.is_str:
                    out.append((group.value.strip(), group))
        return out

    def derived(self, job: AzureJob) -> dict[str, tuple[tuple[str, ...], Origin]]:
        """Variables of the job's scope whose value carries an attacker-controlled value:
        lower-case name -> (chain from the source, origin)."""
        found: dict[str, tuple[tuple[str, ...], Origin]] = {}
        for name, value in self.variables(job).items():
            hit = self.tainted_in(value, found)
            if hit is not None:
                found[name] = ((*hit[0], f"variables.{name}"), hit[1])
        return found

    def tainted_in(
        self, text: str, derived: dict[str, tuple[tuple[str, ...], Origin]]
    ) -> tuple[tuple[str, ...], Origin] | None:
        """The first attacker-controlled reference in a value (macro, template or runtime
        expression)."""
        for ref in self.references(text, derived):
            return ref.chain or (ref.name,), ref.origin
        return None

    def references(
        self, text: str, derived: dict[str, tuple[tuple[str, ...], Origin]]
    ) -> Iterator[Spliced]:
        """Attacker-controlled values Azure substitutes into ``text``, in order."""
        for match in MACRO_RE.finditer(text):
            name = match.group(1).lower()
            hit = _lookup(name, derived)
            if hit is not None:
                yield Spliced(match.group(1), hit[1], match.start(), match.end(), hit[0])
        spans = [(e.body, e.start, e.end) for e in expressions(text)]
        spans.extend((m.group(1), m.start(), m.end()) for m in _RUNTIME_RE.finditer(text))
        for body, start, end in spans:
            for context in value_contexts(body):
                hit = self._context(context, derived)
                if hit is not None:
                    yield Spliced(context, hit[1], start, end, hit[0])
                    break

    def _context(
        self, context: str, derived: dict[str, tuple[tuple[str, ...], Origin]]
    ) -> tuple[tuple[str, ...], Origin] | None:
        match = _VARIABLES_INDEX_RE.match(context)
        if match:
            return _lookup(match.group(1), derived)
        if context.startswith("parameters."):
            name = context.split(".", 2)[1]
            if name in self.parameters:
                return (context,), Origin.PARAMETER
        return None

    def scripts(self, job: AzureJob) -> Iterator[tuple[AzureStep, Script, Node]]:
        """Each script of the job's steps, with the references Azure splices into it."""
        derived = self.derived(job)
        for step in job.steps:
            found = step_script(step)
            if found is None:
                continue
            node, shell, where = found
            text = node.value
            spliced = tuple(self.references(text, derived))
            rows = yaml_rows(self.doc, node, text)
            yield step, Script(text, rows, key_path(*where), shell, spliced), node

    def environment(self, job: AzureJob, step: AzureStep) -> dict[str, tuple[str, ...]]:
        """Shell variables of a step carrying attacker values: upper-case name -> chain
        (the source first), from the step's ``env`` and the job's derived variables."""
        out: dict[str, tuple[str, ...]] = {}
        derived = self.derived(job)
        for name, (chain, _origin) in derived.items():
            out[_env_name(name)] = (_env_name(chain[0]), *chain[1:])
        env = step.node.get("env")
        for name, value in env.items() if env is not None else []:
            hit = self.tainted_in(value.text(), derived)
            if hit is not None:
                out[name.upper()] = (_env_name(hit[0][0]), *hit[0][1:], f"env.{name}")
        return out


def _lookup(
    name: str, derived: dict[str, tuple[tuple[str, ...], Origin]]
) -> tuple[tuple[str, ...], Origin] | None:
    origin = systems.AZURE_TAINTED.get(name)
    if origin is not None:
        return (), origin
    return derived.get(name)


def _env_name(name: str) -> str:
    """Azure's environment form of a variable: upper case, dots as underscores."""
    return name.replace(".", "_").upper()


#: The environment form of every tainted predefined variable -> its origin.
ENVIRONMENT: dict[str, Origin] = {_env_name(k): v for k, v in systems.AZURE_TAINTED.items()}


def _variable_items(block: Node) -> Iterator[tuple[str, str]]:
    if block.is_map:
        for name, value in block.items():
            yield name, value.text()
    for item in block.seq():
        if item.is_map and item.get("name") is not None:
            yield item.text("name"), item.text("value")


def _job(node: Node, where: Where, stage: Node | None, name: str = "") -> AzureJob:
    label = name or node.text("job") or node.text("deployment") or key_path(*where)
    job = AzureJob(label, node, where, stage)
    work: list[tuple[Node, Where, int]] = [(node, where, 0)]
    while work:
        current, at, depth = work.pop(0)
        for key, child in current.items():
            if key == "steps" and child.is_seq:
                job.steps.extend(
                    AzureStep(s, (*at, "steps", i)) for i, s in enumerate(child.seq()) if s.is_map
                )
            elif child.is_map and key not in _NOT_STEPS and depth < _MAX_STEP_DEPTH:
                work.append((child, (*at, key), depth + 1))
    return job


def step_script(step: AzureStep) -> tuple[Node, Shell, Where] | None:
    """The script text of a step (``script``, ``bash``, ``pwsh``, ``powershell``, or an inline
    script task's input), its shell and where it is."""
    node = step.node
    for key, shell in (
        ("script", Shell.POSIX),
        ("bash", Shell.POSIX),
        ("pwsh", Shell.POWERSHELL),
        ("powershell", Shell.POWERSHELL),
    ):
        value = node.get(key)
        if value is not None and value.is_str:
            return value, shell, (*step.where, key)
    task = node.text("task").strip().lower().split("@", 1)[0]
    wanted = systems.AZURE_SCRIPT_TASKS.get(task)
    inputs = node.get("inputs")
    if wanted is None or inputs is None:
        return None
    for key, value in inputs.items():
        if key.lower() == wanted[0] and value.is_str:
            kind = inputs_value(inputs, "scripttype").lower()
            pwsh = wanted[1] == "pwsh" or kind in ("ps", "pscore")
            shell = Shell.POWERSHELL if pwsh else Shell.POSIX
            if kind == "batch":
                shell = Shell.CMD
            return value, shell, (*step.where, "inputs", key)
    return None


def inputs_value(inputs: Node, name: str) -> str:
    """A task input by name, without case (Azure reads them so)."""
    for key, value in inputs.items():
        if key.lower() == name:
            return value.text().strip()
    return ""


#: Tasks that publish files, and the input naming the path.
_PUBLISH_TASKS = {
    "publishbuildartifacts": "pathtopublish",
    "publishpipelineartifact": "targetpath",
    "copyfiles": "targetfolder",
    "universalpackages": "publishdirectory",
}


def published(job: AzureJob) -> list[str]:
    """Paths the job publishes as artifacts (``publish:`` steps and publishing tasks)."""
    out: list[str] = []
    for step in job.steps:
        node = step.node
        if node.get("publish") is not None:
            out.append(node.text("publish"))
        task = node.text("task").strip().lower().split("@", 1)[0]
        wanted = _PUBLISH_TASKS.get(task)
        inputs = node.get("inputs")
        if wanted and inputs is not None:
            out.append(inputs_value(inputs, wanted) or inputs_value(inputs, "path") or ".")
    return [p.replace("$(Build.ArtifactStagingDirectory)", "").lstrip("/") or "." for p in out]


def images(root: Node) -> Iterator[tuple[Node, Where]]:
    """Container images the pipeline runs: ``resources.containers``, and ``container:`` of
    the pipeline and its jobs when it names an image rather than a resource alias."""
    containers = root.sub("resources", "containers")
    aliases: set[str] = set()
    for index, item in enumerate(containers.seq() if containers is not None else []):
        image = item.get("image") if item.is_map else None
        aliases.add(item.text("container").strip() if item.is_map else "")
        if image is not None and image.is_str:
            yield image, ("resources", "containers", index, "image")
    for node in [root, *(_all_jobs(root))]:
        container = node.get("container")
        if container is None:
            continue
        target = container.get("image") if container.is_map else container
        if target is not None and target.is_str and target.value.strip() not in aliases:
            yield target, ("container",)


def _all_jobs(root: Node) -> Iterator[Node]:
    for stage in root.children("stages"):
        yield from (j for j in stage.children("jobs") if j.is_map) if stage.is_map else ()
    yield from (j for j in root.children("jobs") if j.is_map)
