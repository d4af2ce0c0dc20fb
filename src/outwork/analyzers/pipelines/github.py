"""GitHub Actions audits: workflows and action metadata, with taint tracking.

Each audit reads the positioned YAML tree and yields findings whose evidence names the path of
the data (context -> variable -> sink) and facts for the attack graph.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.context import ImageTag, trigger_contexts, worst
from outwork.analyzers.pipelines.expressions import contexts, expressions, matches, value_contexts
from outwork.analyzers.pipelines.rules import github as rules
from outwork.analyzers.pipelines.yamlpos import Node, key_path
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence
from outwork.core.similarity import one_edit_apart

T = TypeVar("T")
#: Template-injection (and GITHUB_ENV) findings reported for one script; the rest are left out.
MAX_FINDINGS_PER_SINK = 200
#: Hops kept in a taint path (its evidence).
MAX_CHAIN = 16
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_GITHUB_OUTPUT_RE = re.compile(r"GITHUB_OUTPUT")
_OUTPUT_NAME_RE = re.compile(r"""(?:echo|printf)\s+(?:-\w+\s+)*["']?([A-Za-z_][\w-]*)(?:=|<<)""")
_ENV_WRITE_RE = re.compile(
    r"(?:>>?|tee\s+(?:-a\s+)?)\s*[\"']?(?:\$\{?(?:env:)?|%)(GITHUB_ENV|GITHUB_PATH)\b"
)
#: Something in a line that is computed when the script runs (variables, substitutions).
_DYNAMIC_RE = re.compile(r"\$|`|%\w+%")
_SHELL_VAR_RE = re.compile(r"\$\{?([A-Za-z_]\w*)")
_ACTOR = r"github\s*(?:\.\s*|\[\s*')(?:actor|triggering_actor)(?:_id)?'?\s*\]?"
_BOT_VALUE = r"(?:'[^']*\[bot\]'|'?\d{5,}'?)"
_BOT_RE = re.compile(_ACTOR + r"\s*==\s*" + _BOT_VALUE, re.I)
_BOT_RE_REV = re.compile(_BOT_VALUE + r"\s*==\s*" + _ACTOR, re.I)
_CONTAINS_LITERAL_RE = re.compile(r"contains\(\s*'[^']*'\s*,\s*[A-Za-z_]", re.I)
_UNTRUSTED_FETCH = [re.compile(p, re.I) for p in data.UNTRUSTED_FETCH_COMMANDS]
_LOTP = [(re.compile(p, re.I | re.M), what) for p, what in data.LOTP_COMMANDS.items()]
_TOKEN_PUBLISH = [(re.compile(p, re.I), env) for p, env in data.TOKEN_PUBLISH_COMMANDS.items()]
#: Any of the publishing commands: one search rules out most scripts before each is tried.
_PUBLISH_ANY = re.compile("|".join(f"(?:{p})" for p in data.PUBLISHING_COMMANDS), re.I)
_TOKEN_PUBLISH_ANY = re.compile("|".join(f"(?:{p})" for p in data.TOKEN_PUBLISH_COMMANDS), re.I)
_LITERAL_ONLY_RE = re.compile(r"\s*'(?:[^']|'')*'\s*")
_LITERAL_INDEX_RE = re.compile(r"\b(?:github|env|secrets|inputs|vars|steps|needs)\s*\[\s*'")
_GH_RUN_DOWNLOAD_RE = re.compile(r"\bgh\s+run\s+download\b")
_EXTRACT_RE = re.compile(r"\b(?:unzip|tar\s+-?x\w*)\b[^\n]*")
_MATRIX_REF_RE = re.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")
_IMPURE_FUNCTIONS_RE = re.compile(r"\b(?:hashfiles|success|always|failure|cancelled)\s*\(", re.I)
_HEAD_REF_NAME_RE = re.compile(r"head|sha|commit|ref", re.I)
_TRUSTED_REF_NAME_RE = re.compile(r"base|target|default|main|master", re.I)
_DRY_RUN_RE = re.compile(r"(?:^|\s)(?:--dry-run|-n)(?:\s|$)")
_CONTINUATION_RE = re.compile(r"[\\`]\n\s*")  # shell and PowerShell line continuations
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.*)$")
_ENV_ASSIGN_RE = re.compile(r"""(?:echo|printf)\s+(?:-\w+\s+)*["']?([A-Za-z_]\w*)=""")
_SECRET_RE = re.compile(r"\bsecrets\.([A-Za-z_][\w-]*)", re.I)
_POPULAR = data.popular_actions()
_HOSTED_RE = re.compile(data.GITHUB_HOSTED_RUNNER)
_ARCHIVED = data.archived_actions()
_TOJSON_SECRETS_RE = re.compile(r"\btojson\s*\(\s*secrets\s*\)", re.I)
_FROMJSON_SECRET_RE = re.compile(r"\bfromjson\s*\(\s*secrets\.[\w-]+\s*\)", re.I)
_PUBLISHING = dict.fromkeys(data.PUBLISHING_ACTIONS, True)
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


@dataclass
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


def flat_steps(
    steps: list[Node], base: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Node]]:
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


class WorkflowAudit:
    """All audits of one workflow (``kind="workflow"``) or action (``kind="action"``)."""

    def __init__(self, doc: Document, kind: str, path: str) -> None:
        self.doc = doc
        self.root = doc.root
        self.kind = kind
        self.path = path
        self.events = triggers(self.root) if kind == "workflow" else {}
        self.names = set(self.events)
        self.privileged = self.names & data.PRIVILEGED_TRIGGERS
        self.pr_code = self.names & data.PR_CODE_TRIGGERS
        self.public = self.names & data.PUBLIC_TRIGGERS
        self.contexts = trigger_contexts(self.names, action=kind == "action")
        #: (job, step index) pairs that check out a pull request's code.
        self.untrusted_checkouts: dict[str, int] = {}
        #: needs.<job>.outputs.<name> -> taint
        self.job_outputs: dict[str, Taint] = {}
        self.release = kind == "workflow" and self._is_release()
        #: matrix.<key> -> taint, for the job being audited
        self.matrix_taint: dict[str, Taint] = {}
        self._job_env_blocks: tuple[Node | None, ...] = ()
        #: jobs where attacker data reaches code (a template or environment injection)
        self.injected_jobs: set[str] = set()

    # --- entry ----------------------------------------------------------------------------
    def run(self) -> Iterator[Emitted]:
        if self.kind == "workflow":
            yield from self._triggers()
            yield from self._workflow_permissions()
            jobs = self.root.get("jobs")
            job_items = jobs.items() if jobs is not None else []
            yield from self._env_block(self.root.get("env"), ("env",))
            # job outputs feed later jobs: compute step taint in two passes
            for _ in range(2):
                for job_id, job in job_items:
                    self._job_output_taint(job_id, job)
            for job_id, job in job_items:
                if job.is_map:
                    yield from self._job(job_id, job)
        else:
            yield from self._action()
        yield from self._obfuscation()

    def _secret_use(self, node: Node, body: str, raw: str) -> Iterator[Emitted]:
        if _TOJSON_SECRETS_RE.search(body):
            line, col = self.doc.find(node, raw)
            yield finding(
                rules.AllSecretsExposed,
                "toJSON(secrets) hands every secret to this step",
                line=line,
                column=col,
                evidence=raw[:200],
            )
        if _FROMJSON_SECRET_RE.search(body):
            line, col = self.doc.find(node, raw)
            yield finding(
                rules.SecretFieldUnredacted,
                "a field read out of a JSON secret is not masked in logs",
                line=line,
                column=col,
                evidence=raw[:200],
            )

    def _obfuscation(self) -> Iterator[Emitted]:
        for node in self.root.strings():
            if "${{" not in node.value or node.aliased:
                continue
            for expr in expressions(node.value):
                body = expr.body
                if "secrets" in body:
                    yield from self._secret_use(node, expr.body, node.value[expr.start : expr.end])
                why = ""
                if _LITERAL_ONLY_RE.fullmatch(body):
                    why = "an expression that is only a literal"
                elif body and not contexts(body) and not _IMPURE_FUNCTIONS_RE.search(body):
                    why = "an expression that reduces to a constant"
                elif _LITERAL_INDEX_RE.search(body):
                    why = "a context indexed with a literal string"
                if why:
                    raw = node.value[expr.start : expr.end]
                    line, col = self.doc.find(node, raw)
                    yield finding(
                        rules.ObfuscatedExpression,
                        f"{why}: {raw[:80]}",
                        line=line,
                        column=col,
                        evidence=raw[:200],
                    )

    # --- workflow-level ---------------------------------------------------------------------
    def _triggers(self) -> Iterator[Emitted]:
        for event in sorted(self.names & data.DANGEROUS_TRIGGERS):
            line, col = self.events[event]
            yield finding(
                rules.DangerousTrigger,
                f"{event} runs with the repository's secrets on events a fork can cause",
                line=line,
                column=col,
                logical=key_path("on", event),
                evidence=f"trigger {event}",
            )

    def _workflow_permissions(self) -> Iterator[Emitted]:
        perms = self.root.get("permissions")
        jobs = self.root.get("jobs")
        if perms is not None:
            yield from self._permissions(perms, ("permissions",), workflow_level=True)
            return
        if jobs is None or (self.names and self.names <= {"workflow_call"}):
            return
        bare = [(k, j) for k, j in jobs.items() if j.is_map and j.get("permissions") is None]
        if bare and len(jobs.items()) > 1:
            yield finding(
                rules.ExcessivePermissions,
                "no permissions block: jobs without their own get the repository's default "
                "token permissions",
                line=self.root.line,
                column=self.root.col,
                logical="permissions",
                severity=rules.ExcessivePermissions.severity_in(rules.Grant.DEFAULT),
                evidence="no top-level permissions; jobs without permissions: "
                + ", ".join(k for k, _ in bare),
            )
        for job_id, _ in bare:
            line, col = jobs.key_pos(job_id)
            yield finding(
                rules.ExcessivePermissions,
                f"job {job_id} runs with the repository's default token permissions",
                line=line,
                column=col,
                logical=key_path("jobs", job_id),
                severity=rules.ExcessivePermissions.severity_in(rules.Grant.DEFAULT),
                evidence=f"jobs.{job_id}: no permissions here or at workflow level",
            )

    def _permissions(
        self, perms: Node, where: tuple[str | int, ...], *, workflow_level: bool
    ) -> Iterator[Emitted]:
        logical = key_path(*where)
        if perms.is_str:
            value = perms.value.strip()
            if value == "write-all" or (value == "read-all" and not workflow_level):
                yield finding(
                    rules.ExcessivePermissions,
                    f"permissions: {value} grants every scope",
                    line=perms.line,
                    column=perms.col,
                    logical=logical,
                    severity=rules.ExcessivePermissions.severity_in(
                        rules.Grant.WRITE_ALL if value == "write-all" else rules.Grant.READ_ALL
                    ),
                    confidence=Confidence.HIGH,
                    evidence=f"{logical}: {value}",
                )
            return
        yield from self._undocumented(perms, where)
        if not workflow_level:
            return
        jobs = self.root.get("jobs")
        job_count = len(jobs.items()) if jobs is not None else 0
        if job_count < 2 or (self.names and self.names <= {"workflow_call"}):
            return  # one job: workflow and job permissions are the same thing
        for scope, value in perms.items():
            if value.text().strip() != "write":
                continue
            line, col = perms.key_pos(scope)
            high = scope in data.HIGH_RISK_SCOPES
            yield finding(
                rules.ExcessivePermissions,
                f"{scope}: write at workflow level is granted to every job",
                line=line,
                column=col,
                logical=key_path(*where, scope),
                severity=rules.ExcessivePermissions.severity_in(
                    rules.Grant.HIGH_RISK_WRITE if high else rules.Grant.WRITE
                ),
                confidence=Confidence.HIGH,
                evidence=f"{scope}: write for {job_count} job(s)",
            )

    def _undocumented(self, perms: Node, where: tuple[str | int, ...]) -> Iterator[Emitted]:
        lines = self.doc.lines()
        for scope, value in perms.items():
            if value.text().strip() != "write" or value.aliased:
                continue
            line, col = perms.key_pos(scope)
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            if "#" in text[col:]:
                continue
            yield finding(
                rules.UndocumentedPermissions,
                f"{scope}: write has no comment saying which step needs it",
                line=line,
                column=col,
                logical=key_path(*where, scope),
                evidence=text.strip()[:120],
            )

    def _env_block(self, env: Node | None, where: tuple[str | int, ...]) -> Iterator[Emitted]:
        if env is None or not env.is_map:
            return
        for name, value in env.items():
            if (
                name.upper() == "ACTIONS_ALLOW_UNSECURE_COMMANDS"
                and value.text().strip().lower()
                in (
                    "true",
                    "1",
                    "yes",
                )
            ):
                line, col = env.key_pos(name)
                yield finding(
                    rules.InsecureCommands,
                    "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env and add-path",
                    line=line,
                    column=col,
                    logical=key_path(*where, name),
                    evidence=f"{name}: {value.text()}",
                )

    # --- taint ---------------------------------------------------------------------------
    def classify(
        self,
        ctx: str,
        env: dict[str, Taint],
        step_outputs: dict[tuple[str, str], Taint],
    ) -> Taint | None:
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
        if head == "matrix" and len(parts) > 1:
            return self.matrix_taint.get(parts[1])
        if head == "inputs" or (head == "github" and parts[1:3] == ["event", "inputs"]):
            return Taint((ctx,), Confidence.LOW)
        if head == "github" and len(parts) > 2 and parts[1] == "event":
            if parts[-1] in ("ref", "head_branch", "base_ref"):
                return Taint((ctx,), Confidence.LOW)  # a branch name: chosen by a pusher
            if parts[-1] in data.SAFE_EVENT_LEAVES or parts[-1].endswith(("_url", "_at", "_id")):
                return None
            if parts[-1] == "*":  # a whole object or list, serialised
                return Taint((ctx,), Confidence.LOW)
            return Taint((ctx,), Confidence.LOW)
        return None

    def taints_in(
        self,
        text: str,
        env: dict[str, Taint],
        step_outputs: dict[tuple[str, str], Taint],
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
        step_outputs: dict[tuple[str, str], Taint],
    ) -> dict[str, Taint]:
        scope = dict(inherited)
        if block is None or not block.is_map:
            return scope
        for name, value in block.items():
            hits = self.taints_in(value.text(), inherited, step_outputs)
            if hits:
                best = max(hits, key=lambda h: h[1].confidence)[1]
                scope[name.lower()] = best.extend(f"env.{name} ({where})")
            else:
                scope.pop(name.lower(), None)
        return scope

    def _step_outputs(
        self,
        step: Node,
        env: dict[str, Taint],
        outputs: dict[tuple[str, str], Taint],
    ) -> None:
        """Record the outputs a step sets from attacker data."""
        step_id = step.text("id").strip().lower()
        if not step_id:
            return
        uses = step.text("uses")
        if uses:
            name, _ = action_of(uses)
            found = lookup(data.TAINTED_ACTION_OUTPUTS, name)
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
            out_names = _OUTPUT_NAME_RE.findall(line) or ["*"]
            taint = max(hits, key=lambda h: h[1].confidence)[1]
            for out in out_names:
                outputs[(step_id, out.lower())] = taint.extend(f"steps.{step_id}.outputs.{out}")

    def line_taints(
        self,
        line: str,
        env: dict[str, Taint],
        outputs: dict[tuple[str, str], Taint],
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
        self, script: str, env: dict[str, Taint], outputs: dict[tuple[str, str], Taint]
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
                shell[name] = max(hits, key=lambda h: h[1].confidence)[1].extend(f"${name}")
            else:
                shell.pop(name, None)
        return shell

    def _job_output_taint(self, job_id: str, job: Node) -> None:
        if not job.is_map:
            return
        outputs = job.get("outputs")
        if outputs is None or not outputs.is_map:
            return
        env = self.env_taint(self.root.get("env"), "workflow", {}, {})
        env = self.env_taint(job.get("env"), f"jobs.{job_id}", env, {})
        step_outputs: dict[tuple[str, str], Taint] = {}
        for step_where, step in flat_steps(job.children("steps"), ("jobs", job_id)):
            where = key_path(*step_where, "env")
            step_env = self.env_taint(step.get("env"), where, env, step_outputs)
            self._step_outputs(step, step_env, step_outputs)
        for name, value in outputs.items():
            text = value.text() if value.is_str else value.text("value")
            hits = self.taints_in(text, env, step_outputs)
            if hits:
                best = max(hits, key=lambda h: h[1].confidence)[1]
                self.job_outputs[f"{job_id.lower()}.{name.lower()}"] = best.extend(
                    f"needs.{job_id}.outputs.{name}"
                )

    # --- jobs ----------------------------------------------------------------------------
    def _job(self, job_id: str, job: Node) -> Iterator[Emitted]:
        base = ("jobs", job_id)
        perms = job.get("permissions")
        if perms is not None:
            yield from self._permissions(perms, (*base, "permissions"), workflow_level=False)
        yield from self._env_block(job.get("env"), (*base, "env"))
        yield from self._reusable_call(job_id, job)
        yield from self._runner(job_id, job)
        yield from self._containers(job, base)
        yield from self._condition(job.get("if"), (*base, "if"))
        env = self.env_taint(self.root.get("env"), "workflow", {}, {})
        env = self.env_taint(job.get("env"), key_path(*base), env, {})
        self.matrix_taint = self._matrix_taint(job, base, env)
        self._job_env_blocks = (job.get("env"), self.root.get("env"))
        steps = job.children("steps")
        yield from self._steps(steps, base, env, job_id=job_id, job=job)
        yield from self._facts(job_id, job, steps)

    def _action(self) -> Iterator[Emitted]:
        runs = self.root.get("runs")
        if runs is None or not runs.is_map:
            return
        using = runs.text("using").strip().lower()
        if using == "docker":
            image = runs.text("image").strip()
            if image.startswith("docker://"):
                yield from self._image(image[len("docker://") :], runs.get("image"), "runs.image")
        if using == "composite":
            steps = runs.children("steps")
            yield from self._steps(steps, ("runs",), {}, job_id=None, job=None)

    def _reusable_call(self, job_id: str, job: Node) -> Iterator[Emitted]:
        uses = job.get("uses")
        if uses is None or not uses.is_str:
            return
        yield from self._uses(uses, ("jobs", job_id, "uses"))
        secrets = job.get("secrets")
        yield from self._untrusted_ref_passed(job_id, job, uses.value.strip())
        with_ = job.get("with")
        for _, value in with_.items() if with_ is not None else []:
            hits = self.taints_in(value.value, {}, {}) if value.is_str else []
            if any(t.confidence is Confidence.HIGH for _, t in hits):
                self.injected_jobs.add(job_id)  # attacker data handed to the called workflow
        target = self._local_workflow(uses.value.strip())
        if target is not None:
            passed = (
                ["*"]
                if secrets is not None and secrets.is_str
                else [k for k, _ in secrets.items()]
                if secrets is not None
                else []
            )
            yield Fact(
                f"job:{self.path}#{job_id}",
                "invokes",
                f"workflow:{target}",
                proof=f"{self.path}:{uses.line}",
                properties={"secrets": passed},
            )
        if secrets is not None and secrets.is_str and secrets.value.strip() == "inherit":
            yield finding(
                rules.SecretsInherit,
                f"job {job_id} passes every secret to {uses.value.strip()}",
                line=secrets.line,
                column=secrets.col,
                logical=key_path("jobs", job_id, "secrets"),
                evidence=f"secrets: inherit -> {uses.value.strip()}",
            )

    def untrusted_ref(self, text: str) -> str | None:
        """The context in ``text`` that names the pull request's code (its head commit or
        branch), directly or through an output named like one; None when there is none."""
        for expr in expressions(text):
            for ctx in contexts(expr.body):
                leaf = ctx.rsplit(".", 1)[-1]
                if "number" in leaf:
                    continue
                if any(matches(ctx, p) for p in data.UNTRUSTED_REF_CONTEXTS):
                    return ctx
                if (
                    ctx.startswith(("needs.", "steps."))
                    and _HEAD_REF_NAME_RE.search(leaf)
                    and not _TRUSTED_REF_NAME_RE.search(leaf)
                ):
                    return ctx
        return None

    def _ref_var_fetch(self, step: Node, env: dict[str, Taint]) -> list[re.Pattern[str]]:
        """Patterns for `git fetch/checkout/clone ... $VAR` where VAR (from this step's or the
        job's ``env``) holds the pull request's head."""
        names: list[str] = []
        for block in (step.get("env"), *self._job_env_blocks):
            for name, value in block.items() if block is not None else []:
                if value.is_str and self.untrusted_ref(value.value):
                    names.append(re.escape(name))
        if not names:
            return []
        alternatives = "|".join(names)
        return [
            re.compile(
                r"\bgit\s+(?:fetch|checkout|switch|clone|pull|reset)\b[^\n]*\$\{?(?:"
                + alternatives
                + r")\b\}?"
            )
        ]

    def _untrusted_ref_passed(self, job_id: str, job: Node, callee: str) -> Iterator[Emitted]:
        """A privileged workflow hands the pull request's head to a reusable workflow, which
        exists to check it out."""
        with_ = job.get("with")
        if not self.pr_code or with_ is None:
            return
        for key, value in with_.items():
            ctx = self.untrusted_ref(value.value) if value.is_str else None
            if ctx is None:
                continue
            yield finding(
                rules.UntrustedCheckout,
                f"{self._pr_events()} workflow hands the pull request's code ({ctx}) to {callee}",
                line=value.line,
                column=value.col,
                logical=key_path("jobs", job_id, "with", key),
                confidence=Confidence.MEDIUM,
                evidence=f"{self._pr_events()} -> {ctx} -> jobs.{job_id}.with.{key} -> {callee}",
            )
            self.untrusted_checkouts.setdefault(job_id, 0)
            return

    def _local_workflow(self, uses: str) -> str | None:
        """The logical path of a reusable workflow of this repository (``./.github/...``)."""
        if not uses.startswith("./") or "@" in uses:
            return None
        if self.path.startswith(".github/workflows/"):
            return uses[2:]
        at = self.path.rfind("/.github/workflows/")
        return f"{self.path[:at]}/{uses[2:]}" if at >= 0 else None

    def _runner(self, job_id: str, job: Node) -> Iterator[Emitted]:
        runs_on = job.get("runs-on")
        if runs_on is None or not self.public:
            return
        labels = [n.value for n in runs_on.strings()]
        if runs_on.is_map:
            labels = [n.value for n in (runs_on.get("labels") or runs_on).strings()]
            if runs_on.get("group") is not None:
                labels.append("self-hosted")
        text = " ".join(labels).lower()
        matrix_self_hosted = "matrix." in text and "self-hosted" in self._matrix_text(job)
        confidence = Confidence.MEDIUM
        if "self-hosted" not in text and not matrix_self_hosted:
            unknown = [
                label
                for label in labels
                if "${{" not in label and not _HOSTED_RE.match(label.strip().lower())
            ]
            if not unknown:
                return
            confidence = Confidence.LOW
        events = ", ".join(sorted(self.public))
        yield finding(
            rules.SelfHostedRunnerPublic,
            f"job {job_id} runs on a "
            + ("self-hosted" if confidence is Confidence.MEDIUM else "probably self-hosted")
            + f" runner and is triggered by {events}",
            line=runs_on.line,
            column=runs_on.col,
            logical=key_path("jobs", job_id, "runs-on"),
            severity=worst(rules.SelfHostedRunnerPublic, self.contexts),
            confidence=confidence,
            evidence=f"{events} -> jobs.{job_id} -> runs-on: {' '.join(labels)}",
        )

    def _matrix_values(self, job: Node, text: str) -> list[str]:
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

    def _matrix_taint(
        self, job: Node, base: tuple[str | int, ...], env: dict[str, Taint]
    ) -> dict[str, Taint]:
        matrix = job.sub("strategy", "matrix")
        out: dict[str, Taint] = {}
        if matrix is None:
            return out
        if matrix.is_str:  # the whole matrix from an expression (fromJSON(...))
            return out
        entries: list[tuple[str, Node]] = list(matrix.items())
        for include in matrix.children("include"):
            entries.extend(include.items())
        for key, value in entries:
            if key in ("include", "exclude"):
                continue
            for node in value.strings():
                hits = self.taints_in(node.value, env, {})
                if hits:
                    best = max(hits, key=lambda h: h[1].confidence)[1]
                    out[key.lower()] = best.extend(f"matrix.{key} ({key_path(*base)})")
        return out

    def _matrix_text(self, job: Node) -> str:
        strategy = job.get("strategy")
        matrix = strategy.get("matrix") if strategy is not None else None
        return " ".join(n.value for n in matrix.strings()).lower() if matrix is not None else ""

    def _containers(self, job: Node, base: tuple[str | int, ...]) -> Iterator[Emitted]:
        container = job.get("container")
        candidates: list[tuple[Node, tuple[str | int, ...]]] = []
        if container is not None:
            candidates.append((container, (*base, "container")))
        services = job.get("services")
        if services is not None and services.is_map:
            for name, svc in services.items():
                candidates.append((svc, (*base, "services", name)))
        for node, where in candidates:
            image = node if node.is_str else node.get("image")
            if image is not None and image.is_str:
                for value in self._matrix_values(job, image.value.strip()):
                    yield from self._image(value, image, key_path(*where))
            creds = node.get("credentials") if node.is_map else None
            password = creds.get("password") if creds is not None else None
            literal = password is not None and password.is_str and password.value.strip()
            if password is not None and literal and "${{" not in password.value:
                yield finding(
                    rules.HardcodedContainerCredentials,
                    "registry password written in the workflow",
                    line=password.line,
                    column=password.col,
                    logical=key_path(*where, "credentials", "password"),
                    evidence=f"{key_path(*where, 'credentials', 'password')}: <literal>",
                )

    def _image(self, image: str, node: Node | None, logical: str) -> Iterator[Emitted]:
        if not image or "${{" in image or "@sha256:" in image:
            return
        last = image.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        unpinned = tag in ("", "latest")
        line, col = (node.line, node.col) if node is not None else (None, None)
        yield finding(
            rules.UnpinnedImage,
            f"container image {image} is {'not tagged' if not tag else 'tagged ' + tag} "
            "and has no digest",
            line=line,
            column=col,
            logical=logical,
            severity=rules.UnpinnedImage.severity_in(
                ImageTag.MOVING if unpinned else ImageTag.TAGGED
            ),
            evidence=image,
        )

    def _condition(self, node: Node | None, where: tuple[str | int, ...]) -> Iterator[Emitted]:
        if node is None or not node.is_str:
            return
        text = node.value
        logical = key_path(*where)
        spans = list(expressions(text))
        if spans:
            outside = text
            for span in reversed(spans):
                outside = outside[: span.start] + outside[span.end :]
            if outside or len(spans) > 1:
                yield finding(
                    rules.UnsoundCondition,
                    "condition mixes an expression with text: it is a non-empty string, "
                    "always true",
                    line=node.line,
                    column=node.col,
                    logical=logical,
                    severity=rules.UnsoundCondition.severity_in(
                        rules.Unsound.TEXT_AROUND_EXPRESSION
                    ),
                    evidence=f"if: {text!r}",
                )
        body = " ".join(s.body for s in spans) if spans else text
        if _CONTAINS_LITERAL_RE.search(body):
            yield finding(
                rules.UnsoundCondition,
                "contains() on a literal string matches any substring",
                line=node.line,
                column=node.col,
                logical=logical,
                severity=rules.UnsoundCondition.severity_in(rules.Unsound.CONTAINS_LITERAL),
                confidence=Confidence.MEDIUM,
                evidence=f"if: {text.strip()}",
            )
        if _BOT_RE.search(body) or _BOT_RE_REV.search(body):
            yield finding(
                rules.BotConditionSpoofable,
                "github.actor identifies whoever caused the latest event, not the author",
                line=node.line,
                column=node.col,
                logical=logical,
                severity=worst(rules.BotConditionSpoofable, self.contexts),
                evidence=f"if: {text.strip()}",
            )

    def _uses(self, node: Node, where: tuple[str | int, ...]) -> Iterator[Emitted]:
        uses = node.value.strip()
        logical = key_path(*where)
        if uses.startswith(("./", ".\\", "$/")) or not uses:
            return
        if uses.startswith("docker://"):
            yield from self._image(uses[len("docker://") :], node, logical)
            return
        name, ref = action_of(uses)
        parts = name.split("/")
        if any(p in (".", "..", "") for p in parts[2:]) or "//" in name:
            yield finding(
                rules.ObfuscatedExpression,
                f"action path {uses} has empty, '.' or '..' components",
                line=node.line,
                column=node.col,
                logical=logical,
                evidence=uses,
            )
        if "${{" in uses:
            return
        if not SHA_RE.match(ref):
            first_party = parts[0] in ("actions", "github")
            yield finding(
                rules.UnpinnedAction,
                f"{repo_of(name)} is referenced by {'no ref' if not ref else repr(ref)}, "
                "not a commit SHA",
                line=node.line,
                column=node.col,
                logical=logical,
                severity=rules.UnpinnedAction.severity_in(
                    rules.Publisher.FIRST_PARTY if first_party else rules.Publisher.THIRD_PARTY
                ),
                evidence=uses,
                subject=f"pkg:githubactions/{repo_of(name)}@{ref}" if ref else None,
            )
        repo = repo_of(name)
        if repo in _ARCHIVED:
            yield finding(
                rules.ArchivedAction,
                f"{repo} is archived: it gets no more fixes",
                line=node.line,
                column=node.col,
                logical=logical,
                evidence=uses,
            )
        if repo not in _POPULAR:
            near = _near_popular(repo)
            if near:
                yield finding(
                    rules.TyposquattedAction,
                    f"{repo} is one typo away from the popular action {near}",
                    line=node.line,
                    column=node.col,
                    logical=logical,
                    evidence=f"{repo} ~ {near}",
                )

    # --- steps ---------------------------------------------------------------------------
    def _steps(
        self,
        steps: list[Node],
        base: tuple[str | int, ...],
        env: dict[str, Taint],
        *,
        job_id: str | None,
        job: Node | None,
    ) -> Iterator[Emitted]:
        outputs: dict[tuple[str, str], Taint] = {}
        env = dict(env)  # GITHUB_ENV writes extend it for later steps
        checkout_at: int | None = None
        checkout_desc = ""
        downloads: list[tuple[int, str, bool]] = []
        uploads_workspace = False
        persisted: list[tuple[tuple[str | int, ...], Node]] = []
        release = self.release
        job_if = (job.text("if") if job is not None else "").lower()
        gated = any(m in job_if for m in data.GATE_MARKERS)
        oidc = job is not None and has_write(job_permissions(self.root, job), "id-token")
        for index, (where, step) in enumerate(flat_steps(steps, base)):
            env_block = step.get("env")
            scope = key_path(*where, "env") if env_block is not None else ""
            step_env = self.env_taint(env_block, scope, env, outputs)
            yield from self._env_block(env_block, (*where, "env"))
            yield from self._condition(step.get("if"), (*where, "if"))
            uses_node = step.get("uses")
            uses = uses_node.value.strip() if uses_node is not None and uses_node.is_str else ""
            name, _ = action_of(uses) if uses else ("", "")
            if uses_node is not None and uses_node.is_str:
                yield from self._uses(uses_node, (*where, "uses"))
            run = step.get("run")
            script = run.value if run is not None and run.is_str else ""
            # sinks: run scripts and github-script code
            if run is not None and run.is_str:
                yield from self._injection(run, script, (*where, "run"), step_env, outputs)
            sink = lookup(data.ACTION_CODE_SINKS, name)
            if sink is not None:
                inputs = sink[1]
                with_ = step.get("with")
                for key, code in with_.items() if with_ is not None else []:
                    if key.lower() in inputs and code.is_str:
                        yield from self._injection(
                            code, code.value, (*where, "with", key), step_env, outputs
                        )
            # checkout
            if is_action(name, "actions/checkout"):
                with_ = step.get("with")
                persist = with_.text("persist-credentials").strip().lower() if with_ else ""
                if persist not in ("false", "true"):  # "true" is a documented decision
                    persisted.append((where, step))
                untrusted = self._untrusted_checkout(step, where, step_env, outputs)
                same_path = not (with_ and with_.text("path").strip())
                if untrusted is None and checkout_at is not None and same_path:
                    checkout_at = None  # the trusted tree replaces the untrusted one
                if untrusted is not None and job_id is not None:
                    hit_node, why = untrusted
                    if gated:
                        why += " (after a check of who asked)"
                    if checkout_at is None:
                        checkout_at = index
                        self.untrusted_checkouts.setdefault(job_id, index)
                    checkout_desc = why
                    yield self._checkout_finding(hit_node, where, why)
            elif script and self.pr_code and job_id is not None:
                for pattern in (*_UNTRUSTED_FETCH, *self._ref_var_fetch(step, env)):
                    match = pattern.search(script)
                    if match:
                        line, col = self.doc.find(run, match.group(0)) if run else (None, None)
                        why = f"`{match.group(0).strip()}`"
                        if checkout_at is None:
                            checkout_at, checkout_desc = index, why
                            self.untrusted_checkouts[job_id] = index
                        yield finding(
                            rules.UntrustedCheckout,
                            f"{self._pr_events()} workflow fetches pull request code with {why}",
                            line=line,
                            column=col,
                            logical=key_path(*where, "run"),
                            evidence=f"{self._pr_events()} -> {why} ({key_path(*where)})",
                        )
                        break
            if not gated:
                # one search over the step's strings (no marker spans a line break)
                strings = "\n".join(n.value for n in step.strings())
                gated = _GATE_RE.search(strings.lower()) is not None
            # living off the pipeline, after an untrusted checkout
            if checkout_at is not None and index > checkout_at:
                yield from self._lotp(step, where, name, uses, script, run, checkout_desc)
            # GITHUB_ENV / GITHUB_PATH
            if script:
                yield from self._github_env(run, script, (*where, "run"), step_env, outputs, env)
            # artifacts
            if self._is_download(name, step, script):
                path = step.sub_text("with", "path").strip()
                into_workspace = path in ("", ".", "./") or "github.workspace" in path
                downloads.append((index, key_path(*where), into_workspace))
            if is_action(name, "actions/upload-artifact"):
                path = step.sub_text("with", "path").strip()
                if any(
                    p.strip() in (".", "./", "${{ github.workspace }}") for p in path.splitlines()
                ):
                    uploads_workspace = True
            if downloads and self.names & {"workflow_run", "pull_request_target"}:
                for item in self._artifact_use(downloads, index, where, script, run, uses):
                    if job_id is not None:  # the job now runs what the untrusted run produced
                        self.untrusted_checkouts.setdefault(job_id, index)
                    yield item
            # caches and publishing
            if release and name:
                yield from self._cache(step, where, name)
            yield from self._publish_token(step, where, name, script, oidc)
            self._step_outputs(step, step_env, outputs)
        for step_where, step in persisted:
            uses_node = step.get("uses")
            assert uses_node is not None
            high = uploads_workspace
            yield finding(
                rules.PersistedCheckoutCredentials,
                "checkout keeps the token in .git/config"
                + ("; the workspace is uploaded as an artifact" if high else ""),
                line=uses_node.line,
                column=uses_node.col,
                logical=key_path(*step_where, "uses"),
                severity=rules.PersistedCheckoutCredentials.severity_in(
                    rules.Workspace.UPLOADED if high else rules.Workspace.KEPT
                ),
                confidence=Confidence.MEDIUM if high else Confidence.LOW,
                evidence="persist-credentials not false",
            )
        if job is not None and job_id is not None and checkout_at is not None:
            yield from self._cloud(job_id, job, steps, checkout_desc)

    def _pr_events(self) -> str:
        return "/".join(sorted(self.pr_code)) or "workflow"

    def _injection(
        self,
        node: Node,
        script: str,
        where: tuple[str | int, ...],
        env: dict[str, Taint],
        outputs: dict[tuple[str, str], Taint],
    ) -> Iterator[Emitted]:
        occurrence: dict[str, int] = {}
        cursor: dict[str, int] = {}
        emitted = 0
        for expr in expressions(script):
            raw = script[expr.start : expr.end]
            count = occurrence[raw] = occurrence.get(raw, -1) + 1
            hits = [self.classify(c, env, outputs) for c in value_contexts(expr.body)]
            tainted = [h for h in hits if h]
            if not tainted:
                continue
            index = self.doc.find_after(node, raw, cursor.get(raw, node.start - 1))
            if index >= 0:
                cursor[raw] = index
                position = self.doc.position(index)
            else:
                position = (node.line, node.col)
            for item in self._injection_hits(position, raw, count, tainted, where):
                emitted += 1
                if emitted > MAX_FINDINGS_PER_SINK:
                    return
                yield item

    def _injection_hits(
        self,
        position: tuple[int, int],
        raw: str,
        count: int,
        hits: list[Taint],
        where: tuple[str | int, ...],
    ) -> Iterator[Emitted]:
        seen: set[str] = set()
        if where[0] == "jobs" and any(t.confidence is Confidence.HIGH for t in hits):
            self.injected_jobs.add(str(where[1]))
        for taint in hits:
            if taint.chain[0] in seen:
                continue
            seen.add(taint.chain[0])
            line, col = position
            nth = f"#{count + 1}" if count else ""
            chain = " -> ".join((*taint.chain, key_path(*where)))
            high = taint.confidence is Confidence.HIGH
            yield finding(
                rules.TemplateInjection,
                f"{taint.chain[0]} is expanded into {'code' if 'script' in where else 'a script'}"
                + ("" if high else " (may be attacker-controlled)"),
                line=line,
                column=col,
                logical=f"{key_path(*where)}:{taint.chain[0]}{nth}",
                severity=rules.TemplateInjection.severity_in(
                    rules.Tainted.ATTACKER if high else rules.Tainted.UNCERTAIN
                ),
                confidence=taint.confidence,
                evidence=chain,
                properties={"taint": [*taint.chain, key_path(*where)]},
            )

    def _untrusted_checkout(
        self,
        step: Node,
        where: tuple[str | int, ...],
        env: dict[str, Taint],
        outputs: dict[tuple[str, str], Taint],
    ) -> tuple[Node, str] | None:
        if not self.pr_code:
            return None
        with_ = step.get("with")
        if with_ is None:
            return None
        for key in ("ref", "repository"):
            node = with_.get(key)
            if node is None or not node.is_str:
                continue
            value = node.value
            if "refs/pull/" in value:
                return node, f"{key}: {value.strip()}"
            for expr in expressions(value):
                for ctx in contexts(expr.body):
                    if any(matches(ctx, p) for p in data.UNTRUSTED_REF_CONTEXTS):
                        return node, f"{key}: {ctx}"
                    derived = ctx.startswith(("steps.", "needs.", "env.")) and key == "ref"
                    if derived and _TRUSTED_REF_NAME_RE.search(ctx.rsplit(".", 1)[-1]):
                        continue  # a base or target ref names the repository's own code
                    if derived and self.pr_code & {"issue_comment", "workflow_run"}:
                        return node, f"{key}: {ctx} (derived from the event)"
        return None

    def _checkout_finding(self, node: Node, where: tuple[str | int, ...], why: str) -> Emitted:
        return finding(
            rules.UntrustedCheckout,
            f"{self._pr_events()} workflow checks out pull request code ({why})",
            line=node.line,
            column=node.col,
            confidence=Confidence.MEDIUM if "check of who asked" in why else None,
            logical=key_path(*where, "with"),
            evidence=f"{self._pr_events()} -> actions/checkout {why} ({key_path(*where)})",
        )

    def _lotp(
        self,
        step: Node,
        where: tuple[str | int, ...],
        name: str,
        uses: str,
        script: str,
        run: Node | None,
        checkout: str,
    ) -> Iterator[Emitted]:
        what = ""
        line, col = step.line, step.col
        logical = key_path(*where)
        if uses.startswith("./"):
            what = f"local action {uses}"
            node = step.get("uses")
            if node is not None:
                line, col = node.line, node.col
            logical = key_path(*where, "uses")
        elif name:
            for action, runs in matching(data.LOTP_ACTIONS, name):
                if action:
                    what = f"{action} ({runs})"
                    node = step.get("uses")
                    if node is not None:
                        line, col = node.line, node.col
                    logical = key_path(*where, "uses")
                    break
        elif script and run is not None:
            for pattern, runs in _LOTP:
                match = pattern.search(script)
                if match:
                    what = f"`{match.group(0).strip()}` ({runs})"
                    line, col = self.doc.find(run, match.group(0).strip())
                    logical = key_path(*where, "run")
                    break
        if not what:
            return
        yield finding(
            rules.LivingOffThePipeline,
            f"after checking out pull request code, this step runs {what} from the fork",
            line=line,
            column=col,
            logical=logical,
            confidence=Confidence.MEDIUM if "check of who asked" in checkout else None,
            evidence=f"{self._pr_events()} -> checkout {checkout} -> {what}",
        )

    def _github_env(
        self,
        run: Node | None,
        script: str,
        where: tuple[str | int, ...],
        env: dict[str, Taint],
        outputs: dict[tuple[str, str], Taint],
        job_env: dict[str, Taint],
    ) -> Iterator[Emitted]:
        """Writes to GITHUB_ENV/GITHUB_PATH; tainted GITHUB_ENV writes also taint ``job_env``
        for the steps that follow."""
        if run is None or "GITHUB_" not in script:
            return
        in_action = self.kind == "action"
        shell = self.shell_taints(script, env, outputs)
        cursor = run.start - 1
        emitted = 0
        for line_text in script.splitlines():
            match = _ENV_WRITE_RE.search(line_text)
            if not match:
                continue
            target = match.group(1)
            hits = self.line_taints(line_text, env, outputs, shell)
            if hits and target == "GITHUB_ENV":
                name = _ENV_ASSIGN_RE.search(line_text)
                if name:
                    best = max(hits, key=lambda h: h[1].confidence)[1]
                    job_env[name.group(1).lower()] = best.extend(f"GITHUB_ENV {name.group(1)}")
            if not self.privileged and not in_action:
                # outside privileged triggers only proven attacker data counts
                hits = [h for h in hits if h[1].confidence is Confidence.HIGH]
                if not hits:
                    continue
            if not hits and not _DYNAMIC_RE.search(line_text[: match.start()]):
                continue  # a constant line such as `echo FOO=bar >> $GITHUB_ENV`
            index = self.doc.find_after(run, line_text.strip(), cursor)
            if index >= 0:
                cursor = index
            line, col = self.doc.position(index) if index >= 0 else (run.line, run.col)
            emitted += 1
            if emitted > MAX_FINDINGS_PER_SINK:
                return
            if hits:
                taint = max(hits, key=lambda h: h[1].confidence)[1]
                chain = " -> ".join((*taint.chain, target))
                confidence = taint.confidence
            else:
                origin = "/".join(sorted(self.privileged)) or "caller of this action"
                chain = f"{origin} -> {target}"
                confidence = Confidence.LOW
            yield finding(
                rules.GithubEnvInjection,
                f"write to {target} in "
                + (
                    "an action: callers may run it on untrusted triggers"
                    if in_action and not hits
                    else "a workflow triggered by "
                    + "/".join(sorted(self.privileged or self.names))
                    + (" with attacker-controlled data" if hits else "")
                ),
                line=line,
                column=col,
                logical=key_path(*where),
                severity=worst(rules.GithubEnvInjection, self.contexts),
                confidence=confidence,
                evidence=chain,
            )

    def _is_download(self, name: str, step: Node, script: str) -> bool:
        if is_action(name, "dawidd6/action-download-artifact"):
            return True
        if is_action(name, "actions/download-artifact"):
            # without run-id it reads the current run's artifacts, not the untrusted run's
            with_ = step.get("with")
            return with_ is not None and with_.get("run-id") is not None
        if is_action(name, "actions/github-script"):
            code = step.sub_text("with", "script")
            return "downloadArtifact" in code
        return bool(_GH_RUN_DOWNLOAD_RE.search(script))

    def _artifact_use(
        self,
        downloads: list[tuple[int, str, bool]],
        index: int,
        where: tuple[str | int, ...],
        script: str,
        run: Node | None,
        uses: str,
    ) -> Iterator[Emitted]:
        last, download_where, into_workspace = downloads[-1]
        if index <= last:
            return
        reason = ""
        line, col = None, None
        if run is not None and script:
            unzip = _EXTRACT_RE.search(script)
            if unzip and " -d " not in unzip.group(0) and "runner.temp" not in unzip.group(0):
                reason = f"extracts it over the workspace with `{unzip.group(0).strip()[:60]}`"
                line, col = self.doc.find(run, unzip.group(0))
            elif into_workspace:
                reason = "runs commands in a workspace the artifact was extracted into"
                line, col = run.line, run.col
        elif uses.startswith("./") and into_workspace:
            reason = f"runs local action {uses} from a workspace the artifact was extracted into"
        if not reason:
            return
        downloads.clear()
        logical = key_path(*where, "run" if run is not None else "uses")
        yield finding(
            rules.ArtifactPoisoning,
            f"artifact from another run ({download_where}) is trusted: this step {reason}",
            line=line,
            column=col,
            logical=logical,
            confidence=Confidence.HIGH if into_workspace else Confidence.MEDIUM,
            evidence=f"{'/'.join(sorted(self.names & {'workflow_run', 'pull_request_target'}))}"
            f" -> download-artifact ({download_where}) -> {logical}",
        )

    def _is_release(self) -> bool:
        names = self.names
        if names & {"release", "registry_package"}:
            return True
        on = self.root.get("on")
        push = on.get("push") if on is not None and on.is_map else None
        if push is not None and push.get("tags") is not None:
            return True
        if names & {"pull_request", "merge_group", "pull_request_target"}:
            return False  # publishing steps here are dry runs or gated; the trigger says test
        jobs = self.root.get("jobs")
        for _, job in jobs.items() if jobs is not None else []:
            for step in job.children("steps"):
                uses = step.text("uses")
                if uses and lookup(_PUBLISHING, action_of(uses)[0]):
                    return True
                script = step.text("run")
                if script and _PUBLISH_ANY.search(script):
                    return True
        return False

    def _cache(self, step: Node, where: tuple[str | int, ...], name: str) -> Iterator[Emitted]:
        for action, (option, default_on) in matching(data.CACHE_ACTIONS, name):
            if action != name:
                continue
            with_ = step.get("with")
            enabled = default_on
            if option:
                value = with_.get(option) if with_ is not None else None
                if value is not None:
                    text = value.text().strip().strip("'\"").lower()
                    enabled = text not in ("", "false", "none", "0")
            if not enabled:
                return
            node = step.get("uses")
            assert node is not None
            yield finding(
                rules.CachePoisoning,
                f"release workflow restores a cache through {action}"
                + (f" ({option} enabled)" if option else ""),
                line=node.line,
                column=node.col,
                logical=key_path(*where, "uses"),
                evidence=f"release/publishing workflow -> {action}",
            )
            return

    def _publish_token(
        self,
        step: Node,
        where: tuple[str | int, ...],
        name: str,
        script: str,
        oidc: bool,
    ) -> Iterator[Emitted]:
        """Publishing with stored tokens; commands in jobs that can mint an OIDC token are taken
        to use trusted publishing, and dry runs publish nothing."""
        step_env = step.get("env")
        env_names = {k.upper() for k, _ in step_env.items()} if step_env is not None else set()
        if name:
            for action, inputs in matching(data.TOKEN_PUBLISH_ACTIONS, name):
                with_ = step.get("with")
                used = [i for i in inputs if with_ is not None and with_.get(i) is not None]
                if used or not inputs:
                    node = step.get("uses")
                    assert node is not None
                    yield finding(
                        rules.LongLivedPublishToken,
                        f"{action} publishes with a stored token ({', '.join(used) or 'api key'})",
                        line=node.line,
                        column=node.col,
                        logical=key_path(*where, "uses"),
                        evidence=f"{action} with {', '.join(used)}",
                    )
        elif script:
            flat = _CONTINUATION_RE.sub(" ", script)
            if not _TOKEN_PUBLISH_ANY.search(flat):
                return
            for pattern, tokens in _TOKEN_PUBLISH:
                match = pattern.search(flat)
                line_end = flat.find("\n", match.end()) if match else -1
                rest = flat[match.end() : line_end if line_end >= 0 else None] if match else ""
                if match and (_DRY_RUN_RE.search(rest) or (oidc and not env_names & set(tokens))):
                    continue
                if match:
                    run = step.get("run")
                    assert run is not None
                    line, col = self.doc.find(run, match.group(0).split()[0])
                    yield finding(
                        rules.LongLivedPublishToken,
                        f"`{match.group(0)}` publishes with a long-lived token; the registry "
                        "supports trusted publishing",
                        line=line,
                        column=col,
                        logical=key_path(*where, "run"),
                        evidence=f"{match.group(0)} with "
                        + (", ".join(sorted(env_names & set(tokens))) or "a configured token"),
                    )
                    return

    def _cloud(self, job_id: str, job: Node, steps: list[Node], checkout: str) -> Iterator[Emitted]:
        perms = job_permissions(self.root, job)
        hits: list[tuple[Node, str, str, str]] = []
        if has_write(perms, "id-token") and perms is not None:
            node = perms.get("id-token") or perms
            where = ("jobs", job_id, "permissions") if job.get("permissions") else ("permissions",)
            hits.append((node, "id-token: write", "oidc", key_path(*where)))
        for index, step in enumerate(steps):
            name, _ = action_of(step.text("uses"))
            for action, inputs in matching(data.CLOUD_LOGIN_ACTIONS, name):
                with_ = step.get("with")
                for key in inputs:
                    value = with_.get(key) if with_ is not None else None
                    if value is not None:
                        logical = key_path("jobs", job_id, "steps", index, "with", key)
                        what = f"{action} {key}: {value.text().strip()}"
                        hits.append((value, what, value.text(), logical))
                        break
        for node, what, identity, logical in hits:
            yield finding(
                rules.CloudCredentialsForkCode,
                f"job {job_id} runs pull request code and holds cloud credentials ({what})",
                line=node.line,
                column=node.col,
                logical=logical,
                evidence=f"{self._pr_events()} -> checkout {checkout} -> {what}",
            )
            yield Fact(
                f"job:{self.path}#{job_id}",
                "can-assume",
                f"jewel:cloud-role:{identity.strip() or 'oidc'}",
                proof=f"{self.path}:{node.line}",
                properties={"runs_untrusted_code": True},
            )

    # --- facts ---------------------------------------------------------------------------
    def _facts(self, job_id: str, job: Node, steps: list[Node]) -> Iterator[Emitted]:
        node = f"job:{self.path}#{job_id}"
        untrusted_code = job_id in self.untrusted_checkouts
        if "workflow_call" in self.names:
            yield Fact(f"workflow:{self.path}", "runs", node, proof=f"{self.path}: jobs.{job_id}")
        injected = job_id in self.injected_jobs
        for event in sorted(self.privileged):
            entry = (
                "entry:fork-pull-request"
                if event in ("pull_request_target", "workflow_run")
                else "entry:public-comment-or-issue"
            )
            if untrusted_code:
                trust = "untrusted-code"
            elif injected:
                trust = "injected-data"
            else:
                # outsiders only start the job; nothing shows their data reaching code, so this
                # trigger is recorded without an entry point (no attack path through it)
                trust, entry = "untrusted-data", f"trigger:{event}"
            yield Fact(
                entry,
                "triggers",
                node,
                proof=f"{self.path}: on {event}",
                properties={
                    "trigger": event,
                    "trust": trust,
                    "severity": "critical" if untrusted_code else "high",
                },
            )
        secrets = sorted({m.upper() for n in job.strings() for m in _SECRET_RE.findall(n.value)})
        for secret in secrets:
            yield Fact(
                node, "exposes", f"jewel:secret:{secret}", proof=f"{self.path}: jobs.{job_id}"
            )
        perms = job_permissions(self.root, job)
        writes = [
            k
            for k, v in (perms.items() if perms is not None else [])
            if v.text().strip() == "write" and k != "id-token"
        ]
        if perms is None or (perms.is_str and perms.value.strip() == "write-all") or writes:
            yield Fact(
                node,
                "exposes",
                "jewel:secret:GITHUB_TOKEN",
                proof=f"{self.path}: jobs.{job_id}.permissions",
                properties={"write_scopes": writes or ["default"]},
            )


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


def _near_popular(repo: str) -> str | None:
    """A popular action at Damerau-Levenshtein distance one (or a homoglyph spelling)."""
    plain = repo.replace("0", "o").replace("1", "l")
    # only names within one character of the length can match (the homoglyph spelling keeps
    # the length); they are tried in the order of the full set
    for known in _popular_near_length(len(repo)):
        if plain == known and repo != known:
            return known
        if one_edit_apart(repo, known):
            return known
    return None


@functools.lru_cache(maxsize=256)
def _popular_near_length(length: int) -> tuple[str, ...]:
    return tuple(known for known in _POPULAR if abs(len(known) - length) <= 1)
