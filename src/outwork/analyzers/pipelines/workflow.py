"""The model of a GitHub Actions workflow or action that the scanner builds once per file and every
check reads: the document and its positions, the triggers and what they let an outsider do, jobs
and steps, and the taint of contexts (which values an outsider chooses and the path they take
through ``env``, step outputs, job outputs and the matrix).

Nothing here decides whether a rule fires; the checks in ``rules/`` do. The parts handed to the
checks (jobs, steps, references) are plain slotted dataclasses built as the scanner walks the
document, one per element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.context import trigger_contexts
from outwork.analyzers.pipelines.expressions import Expression, expressions, matches, value_contexts
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.rules import Confidence

T = TypeVar("T")
Where = tuple[str | int, ...]
#: Step outputs set from attacker data: (step id, output name or ``*``) -> taint.
Outputs = dict[tuple[str, str], "Taint"]
#: Hops kept in a taint path (its evidence).
MAX_CHAIN = 16
#: Findings reported for one script (template and GITHUB_ENV injection); the rest are left out.
MAX_FINDINGS_PER_SINK = 200
_GITHUB_OUTPUT_RE = re.compile(r"GITHUB_OUTPUT")
_OUTPUT_NAME_RE = re.compile(r"""(?:echo|printf)\s+(?:-\w+\s+)*["']?([A-Za-z_][\w-]*)(?:=|<<)""")
_SHELL_VAR_RE = re.compile(r"\$\{?([A-Za-z_]\w*)")
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.*)$")
_ENV_WRITE_RE = re.compile(
    r"(?:>>?|tee\s+(?:-a\s+)?)\s*[\"']?(?:\$\{?(?:env:)?|%)(GITHUB_ENV|GITHUB_PATH)\b"
)
_ENV_ASSIGN_RE = re.compile(r"""(?:echo|printf)\s+(?:-\w+\s+)*["']?([A-Za-z_]\w*)=""")
_MATRIX_REF_RE = re.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")
#: Any of the gate markers (a check of who asked), searched in lower-cased text.
_GATE_RE = re.compile("|".join(re.escape(m) for m in data.GATE_MARKERS))
#: The attacker-controlled context patterns, indexed for ``classify``: the contexts that are a
#: pattern's leading segments, the patterns without wildcards by segment count, and the
#: patterns with wildcards split into segments.
_ATTACKER_PREFIXES = frozenset(
    p[:i] for p in data.ATTACKER_CONTEXTS for i, char in enumerate(p) if char == "."
)
_ATTACKER_EXACT: dict[int, frozenset[str]] = {
    n: frozenset(p for p in data.ATTACKER_CONTEXTS if "*" not in p and p.count(".") + 1 == n)
    for n in {p.count(".") + 1 for p in data.ATTACKER_CONTEXTS if "*" not in p}
}
_ATTACKER_WILD = tuple(p.split(".") for p in data.ATTACKER_CONTEXTS if "*" in p)


@dataclass(frozen=True, slots=True)
class Taint:
    """Attacker data and the path it took: ``chain[0]`` is the context, the last is the latest
    hop before the sink."""

    chain: tuple[str, ...]
    confidence: Confidence

    def extend(self, hop: str) -> Taint:
        chain = (*self.chain, hop)
        if len(chain) > MAX_CHAIN:  # keep the source and the latest hops: bounded evidence
            chain = (*chain[:3], "...", *chain[-(MAX_CHAIN - 4) :])
        return Taint(chain, self.confidence)


def strongest(hits: list[tuple[str, Taint]]) -> Taint:
    """The most certain of several taints reaching one place (the first among equals)."""
    return max(hits, key=lambda h: h[1].confidence)[1]


@dataclass(slots=True)
class Document:
    """A YAML text and its tree, with helpers to turn node offsets into lines."""

    text: str
    root: Node
    _starts: list[int] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self._lines:
            self._lines = self.text.splitlines()
        return self._lines

    def position(self, index: int) -> tuple[int, int]:
        if not self._starts:
            starts = [0]
            find = self.text.find
            at = find("\n")
            while at >= 0:
                starts.append(at + 1)
                at = find("\n", at + 1)
            self._starts = starts
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, index - self._starts[lo] + 1

    def find_after(self, node: Node, fragment: str, after: int) -> int:
        """The source index of ``fragment`` in ``node`` after index ``after`` (-1 if absent)."""
        if node.aliased or not fragment:
            return -1
        end = max(node.end, node.start + 1) + len(fragment)
        return self.text.find(fragment, max(after + 1, node.start), end)

    def find(self, node: Node, fragment: str, nth: int = 0) -> tuple[int, int]:
        """Where the ``nth`` occurrence of ``fragment`` appears inside the source of ``node``
        (its start when absent)."""
        if node.aliased or not fragment:
            return node.line, node.col
        end = max(node.end, node.start + 1)
        index = node.start - 1
        for _ in range(nth + 1):
            found = self.text.find(fragment, index + 1, end + len(fragment))
            if found < 0:
                break
            index = found
        if index < node.start:
            index = -1
        if index < 0:
            index = self.text.find(fragment.split("\n", 1)[0], node.start, end)
        if index < 0:
            return node.line, node.col
        return self.position(index)


# --- actions and tables ----------------------------------------------------------------------


def action_of(uses: str) -> tuple[str, str]:
    """``owner/repo/path@ref`` -> (``owner/repo/path`` lower-cased, ref)."""
    name, _, ref = uses.partition("@")
    return name.strip().lower(), ref.strip()


def repo_of(name: str) -> str:
    return "/".join(name.split("/")[:2])


def action_keys(name: str) -> list[str]:
    """``owner/repo/sub/path`` -> ``["owner/repo/sub/path", "owner/repo/sub", "owner/repo"]``:
    the keys under which tables may list the action."""
    parts = name.split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 1, -1)]


def lookup(table: Mapping[str, T], name: str) -> tuple[str, T] | None:
    """The entry of ``table`` for an action (by its full path or a parent path)."""
    if not name:
        return None
    for key in action_keys(name):
        if key in table:
            return key, table[key]
    return None


def matching(table: Mapping[str, T], name: str) -> list[tuple[str, T]]:
    found = lookup(table, name)
    return [found] if found is not None else []


def is_action(name: str, *candidates: str) -> bool:
    for candidate in candidates:  # noqa: SIM110 - a plain loop: called for every step
        if name == candidate or name.startswith(candidate + "/"):
            return True
    return False


# --- document shape ------------------------------------------------------------------------


def flat_steps(steps: list[Node], base: Where) -> Iterator[tuple[Where, Node]]:
    """Steps in order with their key paths; the members of a ``parallel:`` group count as
    steps of their own."""
    for index, step in enumerate(steps):
        if not step.is_map:
            continue
        group = step.get("parallel")
        if group is not None and group.is_seq:
            for sub, member in enumerate(group.seq()):
                if member.is_map:
                    yield (*base, "steps", index, "parallel", sub), member
            continue
        yield (*base, "steps", index), step


def triggers(root: Node) -> dict[str, tuple[int, int]]:
    """Event names of ``on:`` with the position of each."""
    on = root.get("on")
    if on is None:
        on = root.get("true")
    if on is None:
        return {}
    if on.is_str:
        return {on.value.strip(): (on.line, on.col)}
    if on.is_seq:
        return {n.value.strip(): (n.line, n.col) for n in on.seq() if n.is_str}
    return {k: on.key_pos(k) for k, _ in on.items()}


def job_permissions(root: Node, job: Node) -> Node | None:
    return job.get("permissions") or root.get("permissions")


def has_write(perms: Node | None, scope: str) -> bool:
    if perms is None:
        return False
    if perms.is_str:
        return perms.text().strip() == "write-all"
    return perms.text(scope).strip() == "write"


def matrix_values(job: Node, text: str) -> list[str]:
    """``${{ matrix.image }}`` -> every value the matrix gives it (the text itself when it
    reads no matrix key)."""
    match = _MATRIX_REF_RE.fullmatch(text)
    if not match:
        return [text]
    key = match.group(1)
    matrix = job.sub("strategy", "matrix")
    if matrix is None or not matrix.is_map:
        return []
    values = [n.value.strip() for n in matrix.children(key) if n.is_str]
    single = matrix.get(key)
    if single is not None and single.is_str and "${{" not in single.value:
        values.append(single.value.strip())
    for entry in matrix.children("include"):
        value = entry.get(key) if entry.is_map else None
        if value is not None and value.is_str:
            values.append(value.value.strip())
    return list(dict.fromkeys(v for v in values if v))


# --- the parts checks read -----------------------------------------------------------------


@dataclass(slots=True)
class Job:
    """One job of a workflow, or the steps of a composite action (``id`` and ``node`` None).

    ``env``, ``outputs`` and ``gated`` grow as the scanner walks the steps. ``runs_fork_code``
    and ``injected`` are what the checks conclude for the attack graph's facts."""

    id: str | None
    node: Node | None
    base: Where
    steps: list[Node]
    #: Taint of the environment the next step starts with (GITHUB_ENV writes extend it).
    env: dict[str, Taint]
    outputs: Outputs = field(default_factory=dict)
    #: A check of who asked has run: in the job's condition or in an earlier step.
    gated: bool = False
    #: The job can mint an OIDC token (``id-token: write``).
    oidc: bool = False
    runs_fork_code: bool = False
    injected: bool = False


@dataclass(slots=True)
class EnvWrite:
    """A script line that writes to GITHUB_ENV or GITHUB_PATH, and the taints reaching it."""

    line: str
    #: ``GITHUB_ENV`` or ``GITHUB_PATH``, and where the write operator starts in ``line``.
    target: str
    start: int
    hits: list[tuple[str, Taint]]


@dataclass(slots=True)
class Step:
    """One step, with the taint of its environment (``env``) and of the job's step outputs so
    far (``outputs``)."""

    job: Job
    index: int
    where: Where
    node: Node
    env: dict[str, Taint]
    #: The ``uses:`` node when it is a string, its text, and the action name it reads.
    uses_node: Node | None
    uses: str
    name: str
    #: The ``run:`` node (any shape) and its script when it is a string.
    run: Node | None
    script: str
    #: The script's writes to GITHUB_ENV and GITHUB_PATH, in order.
    env_writes: tuple[EnvWrite, ...] = ()

    @property
    def outputs(self) -> Outputs:
        return self.job.outputs


@dataclass(slots=True)
class Uses:
    """A reference to an action or a reusable workflow (``uses:`` of a step or a job), neither
    local nor a container image."""

    node: Node
    where: Where
    text: str
    #: The reference lower-cased without its ref (``owner/repo/path``), and the ref.
    name: str
    ref: str

    @property
    def logical(self) -> str:
        return key_path(*self.where)


@dataclass(slots=True)
class Image:
    """A container image a job or action runs (``container``, ``services``, ``docker://``)."""

    value: str
    node: Node | None
    logical: str


class Workflow:
    """The facts of one workflow (``kind="workflow"``) or action (``kind="action"``) file."""

    def __init__(self, doc: Document, kind: str, path: str, *, pedantic: bool = False) -> None:
        self.doc = doc
        #: zizmor's pedantic persona: the pedantic-only audits and severities report too.
        self.pedantic = pedantic
        self.root = doc.root
        self.kind = kind
        self.path = path
        self.events = triggers(self.root) if kind == "workflow" else {}
        self.names = set(self.events)
        self.privileged = self.names & data.PRIVILEGED_TRIGGERS
        self.pr_code = self.names & data.PR_CODE_TRIGGERS
        self.public = self.names & data.PUBLIC_TRIGGERS
        self.contexts = trigger_contexts(self.names, action=kind == "action")
        #: needs.<job>.outputs.<name> -> taint
        self.job_outputs: dict[str, Taint] = {}
        #: matrix.<key> -> taint, for the job being scanned
        self.matrix_taint: dict[str, Taint] = {}

    def pr_events(self) -> str:
        """The triggers after which pull request code may run, for messages."""
        return "/".join(sorted(self.pr_code)) or "workflow"

    @cached_property
    def expressions(self) -> list[tuple[Node, Expression]]:
        """Every ``${{ }}`` of the document with the string that holds it (aliases skipped)."""
        return [
            (node, expr)
            for node in self.root.strings()
            if "${{" in node.value and not node.aliased
            for expr in expressions(node.value)
        ]

    # --- parts -------------------------------------------------------------------------
    def job(self, job_id: str, node: Node) -> Job:
        base = ("jobs", job_id)
        env = self.env_taint(self.root.get("env"), "workflow", {}, {})
        env = self.env_taint(node.get("env"), key_path(*base), env, {})
        self.matrix_taint = self._matrix_taint(node, base, env)
        job_if = node.text("if").lower()
        return Job(
            job_id,
            node,
            base,
            node.children("steps"),
            dict(env),
            gated=any(m in job_if for m in data.GATE_MARKERS),
            oidc=has_write(job_permissions(self.root, node), "id-token"),
        )

    def composite(self, runs: Node) -> Job:
        return Job(None, None, ("runs",), runs.children("steps"), {})

    def step(self, job: Job, index: int, where: Where, node: Node) -> Step:
        env_block = node.get("env")
        scope = key_path(*where, "env") if env_block is not None else ""
        uses_node = node.get("uses")
        if uses_node is not None and not uses_node.is_str:
            uses_node = None
        uses = uses_node.value.strip() if uses_node is not None else ""
        run = node.get("run")
        script = run.value if run is not None and run.is_str else ""
        env = self.env_taint(env_block, scope, job.env, job.outputs)
        return Step(
            job,
            index,
            where,
            node,
            env,
            uses_node,
            uses,
            action_of(uses)[0] if uses else "",
            run,
            script,
            self._env_writes(script, env, job.outputs) if "GITHUB_" in script else (),
        )

    def _env_writes(
        self, script: str, env: dict[str, Taint], outputs: Outputs
    ) -> tuple[EnvWrite, ...]:
        shell = self.shell_taints(script, env, outputs)
        writes: list[EnvWrite] = []
        for line in script.splitlines():
            match = _ENV_WRITE_RE.search(line)
            if match:
                hits = self.line_taints(line, env, outputs, shell)
                writes.append(EnvWrite(line, match.group(1), match.start(), hits))
        return tuple(writes)

    def after_step(self, step: Step) -> None:
        """What a step leaves for the steps after it: GITHUB_ENV writes of attacker data, step
        outputs set from it, and whether it checked who asked."""
        job = step.job
        for write in step.env_writes:
            name = _ENV_ASSIGN_RE.search(write.line) if write.target == "GITHUB_ENV" else None
            if write.hits and name:
                job.env[name.group(1).lower()] = strongest(write.hits).extend(
                    f"GITHUB_ENV {name.group(1)}"
                )
        if not job.gated:
            # one search over the step's strings (no marker spans a line break)
            strings = "\n".join(n.value for n in step.node.strings())
            job.gated = _GATE_RE.search(strings.lower()) is not None
        self._step_outputs(step.node, step.env, job.outputs)

    def uses(self, node: Node, where: Where) -> Uses | Image | None:
        """What a ``uses:`` names: an action or workflow, an image, or None (local or empty)."""
        text = node.value.strip()
        if text.startswith(("./", ".\\", "$/")) or not text:
            return None
        if text.startswith("docker://"):
            return Image(text[len("docker://") :], node, key_path(*where))
        name, ref = action_of(text)
        return Uses(node, where, text, name, ref)

    def containers(self, job: Node, base: Where) -> list[tuple[Node, Where]]:
        """The job's container and services, each with its key path."""
        found: list[tuple[Node, Where]] = []
        container = job.get("container")
        if container is not None:
            found.append((container, (*base, "container")))
        services = job.get("services")
        if services is not None and services.is_map:
            for name, svc in services.items():
                found.append((svc, (*base, "services", name)))
        return found

    def images(self, job: Node, base: Where) -> Iterator[Image]:
        """The images of the job's container and services (one per matrix value)."""
        for node, where in self.containers(job, base):
            image = node if node.is_str else node.get("image")
            if image is not None and image.is_str:
                for value in matrix_values(job, image.value.strip()):
                    yield Image(value, image, key_path(*where))

    # --- taint ---------------------------------------------------------------------------
    def classify(self, ctx: str, env: dict[str, Taint], step_outputs: Outputs) -> Taint | None:
        """The taint of one context path in the current scope, or None when it is safe."""
        parts = ctx.split(".")
        if _attacker_controlled(ctx, parts):
            # the field itself, or an object serialised whole with the field inside
            return Taint((ctx,), Confidence.HIGH)
        if ctx in data.REF_NAME_CONTEXTS:
            # branch and tag names of this repository: chosen by whoever can push to it
            return Taint((ctx,), Confidence.LOW)
        head = parts[0]
        if head == "env" and len(parts) > 1:
            return env.get(parts[1])  # the stored chain already ends with this hop
        if head == "steps" and len(parts) > 3 and parts[2] == "outputs":
            return step_outputs.get((parts[1], parts[3])) or step_outputs.get((parts[1], "*"))
        if head == "needs" and len(parts) > 3 and parts[2] == "outputs":
            return self.job_outputs.get(f"{parts[1]}.{parts[3]}")
        if head == "matrix":
            found = self.matrix_taint.get(parts[1]) if len(parts) > 1 else None
            return found or self.matrix_taint.get("*")
        if head == "inputs" or (head == "github" and parts[1:3] == ["event", "inputs"]):
            return Taint((ctx,), Confidence.LOW)
        if head == "github" and len(parts) > 2 and parts[1] == "event":
            leaf = parts[-1]
            if leaf not in ("ref", "head_branch", "base_ref") and (
                leaf in data.SAFE_EVENT_LEAVES or leaf.endswith(("_url", "_at", "_id"))
            ):
                return None
            # a branch name (chosen by a pusher), a whole object serialised, another field
            return Taint((ctx,), Confidence.LOW)
        return None

    def taints_in(
        self, text: str, env: dict[str, Taint], step_outputs: Outputs
    ) -> list[tuple[str, Taint]]:
        """(raw expression span, taint) for every tainted context in ``text``."""
        out: list[tuple[str, Taint]] = []
        for expr in expressions(text):
            for ctx in value_contexts(expr.body):
                hit = self.classify(ctx, env, step_outputs)
                if hit is not None:
                    out.append((text[expr.start : expr.end], hit))
        return out

    def env_taint(
        self,
        block: Node | None,
        where: str,
        inherited: dict[str, Taint],
        step_outputs: Outputs,
    ) -> dict[str, Taint]:
        scope = dict(inherited)
        if block is None or not block.is_map:
            return scope
        for name, value in block.items():
            hits = self.taints_in(value.text(), inherited, step_outputs)
            if hits:
                scope[name.lower()] = strongest(hits).extend(f"env.{name} ({where})")
            else:
                scope.pop(name.lower(), None)
        return scope

    def line_taints(
        self,
        line: str,
        env: dict[str, Taint],
        outputs: Outputs,
        shell: dict[str, Taint],
    ) -> list[tuple[str, Taint]]:
        """Taints reaching one shell line: expressions, environment and shell variables."""
        hits = self.taints_in(line, env, outputs)
        for var in _SHELL_VAR_RE.findall(line):
            if var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"):
                continue
            if var in shell:
                hits.append((var, shell[var]))
            elif var.lower() in env:
                hits.append((var, env[var.lower()].extend(f"${var}")))
        return hits

    def shell_taints(
        self, script: str, env: dict[str, Taint], outputs: Outputs
    ) -> dict[str, Taint]:
        """Shell variables a script assigns from attacker data (``X="${{ ... }}"``, ``Y=$X``)."""
        shell: dict[str, Taint] = {}
        if "=" not in script:
            return shell
        for line in script.splitlines():
            match = _ASSIGN_RE.match(line)
            if not match:
                continue
            name, value = match.group(1), match.group(2)
            hits = self.line_taints(value, env, outputs, shell)
            if hits:
                shell[name] = strongest(hits).extend(f"${name}")
            else:
                shell.pop(name, None)
        return shell

    def _step_outputs(self, step: Node, env: dict[str, Taint], outputs: Outputs) -> None:
        """Record the outputs a step sets from attacker data."""
        step_id = step.text("id").strip().lower()
        if not step_id:
            return
        uses = step.text("uses")
        if uses:
            found = lookup(data.TAINTED_ACTION_OUTPUTS, action_of(uses)[0])
            if found is not None:
                action, names = found
                for out in names:
                    outputs[(step_id, out.lower())] = Taint(
                        (f"{action} output", f"steps.{step_id}.outputs.{out}"),
                        Confidence.MEDIUM,
                    )
            return
        script = step.text("run")
        if not script or not _GITHUB_OUTPUT_RE.search(script):
            return
        shell = self.shell_taints(script, env, outputs)
        for line in script.splitlines():
            if "GITHUB_OUTPUT" not in line:
                continue
            hits = self.line_taints(line, env, outputs, shell)
            if not hits:
                continue
            taint = strongest(hits)
            for out in _OUTPUT_NAME_RE.findall(line) or ["*"]:
                outputs[(step_id, out.lower())] = taint.extend(f"steps.{step_id}.outputs.{out}")

    def job_output_taint(self, job_id: str, job: Node) -> None:
        """Record the job's outputs (``needs.<job>.outputs.<name>``) set from attacker data."""
        if not job.is_map:
            return
        outputs = job.get("outputs")
        if outputs is None or not outputs.is_map:
            return
        env = self.env_taint(self.root.get("env"), "workflow", {}, {})
        env = self.env_taint(job.get("env"), f"jobs.{job_id}", env, {})
        step_outputs: Outputs = {}
        for step_where, step in flat_steps(job.children("steps"), ("jobs", job_id)):
            where = key_path(*step_where, "env")
            step_env = self.env_taint(step.get("env"), where, env, step_outputs)
            self._step_outputs(step, step_env, step_outputs)
        for name, value in outputs.items():
            text = value.text() if value.is_str else value.text("value")
            hits = self.taints_in(text, env, step_outputs)
            if hits:
                self.job_outputs[f"{job_id.lower()}.{name.lower()}"] = strongest(hits).extend(
                    f"needs.{job_id}.outputs.{name}"
                )

    def _matrix_taint(self, job: Node, base: Where, env: dict[str, Taint]) -> dict[str, Taint]:
        """``matrix.<key>`` -> taint; ``*`` when attacker data decides the keys themselves (a
        matrix or an ``include:`` given as one expression, such as ``fromJSON(...)``)."""
        matrix = job.sub("strategy", "matrix")
        out: dict[str, Taint] = {}
        if matrix is None:
            return out
        where = key_path(*base, "strategy", "matrix")
        if matrix.is_str:  # the whole matrix from one expression: every value follows it
            hits = self.taints_in(matrix.value, env, {})
            if hits:
                out["*"] = strongest(hits).extend(f"matrix ({where})")
            return out
        entries: list[tuple[str, Node]] = list(matrix.items())
        include = matrix.get("include")
        if include is not None and include.is_str:
            hits = self.taints_in(include.value, env, {})
            if hits:
                out["*"] = strongest(hits).extend(f"matrix.include ({where})")
        for entry in matrix.children("include"):
            if entry.is_map:
                entries.extend(entry.items())
        for key, value in entries:
            if key in ("include", "exclude"):
                continue
            for node in value.strings():
                hits = self.taints_in(node.value, env, {})
                if hits:
                    out[key.lower()] = strongest(hits).extend(f"matrix.{key} ({key_path(*base)})")
        return out


def _attacker_controlled(ctx: str, parts: list[str]) -> bool:
    """Whether ``matches(ctx, pattern) or pattern.startswith(ctx + ".")`` holds for a pattern
    of ``data.ATTACKER_CONTEXTS`` (``parts`` is ``ctx.split(".")``), by set look-ups."""
    if ctx in _ATTACKER_PREFIXES:
        return True
    if "*" in parts:  # a wildcard in the context matches any segment: compare one by one
        return any(matches(ctx, pattern) for pattern in data.ATTACKER_CONTEXTS)
    for count, exact in _ATTACKER_EXACT.items():
        if count <= len(parts) and ".".join(parts[:count]) in exact:
            return True
    return any(
        len(parts) >= len(wild) and all(w in ("*", c) for w, c in zip(wild, parts, strict=False))
        for wild in _ATTACKER_WILD
    )
