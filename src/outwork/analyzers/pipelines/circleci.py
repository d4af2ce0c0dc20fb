"""The model of a CircleCI configuration that the CircleCI checks of ``rules/`` read: orbs, jobs
and commands with their parameters, ``run`` steps, workflows and the contexts they hand to jobs.

CircleCI replaces ``<< pipeline.git.branch >>`` and ``<< parameters.x >>`` in the text of the
configuration when it compiles it, before any shell runs, so an attacker-controlled value there
is code. Parameters carry taint from where a workflow or a step passes a value to a job or a
command (followed to a fixed point, bounded); a value passed to an orb's command goes where the
orb's source decides, which is not in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import Origin, Script, Shell, Spliced, yaml_rows
from outwork.analyzers.pipelines.workflow import Document, Where
from outwork.analyzers.pipelines.yamlpos import Node

#: ``<< name >>`` references (pipeline values, parameters, matrix values).
REFERENCE_RE = re.compile(r"<<\s*([A-Za-z_][\w.\-]*)\s*>>")
#: Rounds of passing taint between jobs and commands (each round can go one call deeper).
_MAX_ROUNDS = 8
#: Step keys that are CircleCI's own steps, not command invocations.
BUILTIN_STEPS = frozenset(
    {
        "run",
        "checkout",
        "setup_remote_docker",
        "save_cache",
        "restore_cache",
        "deploy",
        "store_artifacts",
        "store_test_results",
        "persist_to_workspace",
        "attach_workspace",
        "add_ssh_keys",
        "when",
        "unless",
    }
)

#: Where a taint came from: (chain, origin).
Taint = tuple[tuple[str, ...], Origin]


def looks_like_circleci(root: Node) -> bool:
    return root.is_map and root.get("version") is not None and root.get("workflows") is not None


@dataclass(frozen=True, slots=True)
class Owner:
    """A job or a command: what owns parameters and steps."""

    kind: str
    name: str
    node: Node

    @property
    def where(self) -> Where:
        return (f"{self.kind}s", self.name)


@dataclass
class CircleFile:
    doc: Document
    path: str
    #: (owner kind, owner name, parameter) -> taint, filled by :meth:`propagate`.
    tainted: dict[tuple[str, str, str], Taint] = field(default_factory=dict)

    @property
    def root(self) -> Node:
        return self.doc.root

    @cached_property
    def owners(self) -> dict[tuple[str, str], Owner]:
        out: dict[tuple[str, str], Owner] = {}
        for kind in ("job", "command"):
            section = self.root.get(f"{kind}s")
            for name, node in section.items() if section is not None else []:
                if node.is_map:
                    out[(kind, name)] = Owner(kind, name, node)
        return out

    @cached_property
    def orbs(self) -> dict[str, Node]:
        section = self.root.get("orbs")
        return dict(section.items()) if section is not None else {}

    def taint_of(self, text: str, owner: Owner | None) -> Iterator[Spliced]:
        """Attacker-controlled references in ``text`` (of ``owner``'s body, if any)."""
        for match in REFERENCE_RE.finditer(text):
            name = match.group(1).lower()
            hit = _pipeline_value(name)
            if hit is None and owner is not None and name.startswith("parameters."):
                hit = self.tainted.get((owner.kind, owner.name, name.split(".", 1)[1]))
            if hit is not None:
                yield Spliced(match.group(1), hit[1], match.start(), match.end(), hit[0])

    def propagate(self) -> None:
        """Mark the parameters of jobs and commands that receive attacker values: from their
        defaults, from workflows, and from steps that invoke commands."""
        for owner in self.owners.values():
            params = owner.node.get("parameters")
            for name, decl in params.items() if params is not None else []:
                default = decl.text("default") if decl.is_map else ""
                for ref in self.taint_of(default, None):
                    self.tainted[(owner.kind, owner.name, name)] = (
                        (*ref.chain, ref.name, f"{owner.kind}s.{owner.name}.parameters.{name}"),
                        ref.origin,
                    )
        for call, _where, caller in self.workflow_calls():
            self._pass(call, "job", caller)
        for _ in range(_MAX_ROUNDS):
            before = len(self.tainted)
            for owner in self.owners.values():
                for step, _at in self.steps(owner):
                    self._pass(step, "command", owner)
            if len(self.tainted) == before:
                break

    def _pass(self, call: Node, kind: str, caller: Owner | None) -> None:
        """A call (``- name: {param: value}``) passes taint to ``kind`` ``name``'s parameters."""
        for name, args in call.items():
            if not args.is_map or (kind, name) not in self.owners:
                continue
            for param, value in args.items():
                if not value.is_str:
                    continue
                for ref in self.taint_of(value.value, caller):
                    key = (kind, name, param)
                    if key not in self.tainted:
                        hop = f"{kind}s.{name}.parameters.{param}"
                        self.tainted[key] = ((*ref.chain, ref.name, hop), ref.origin)

    def workflow_calls(self) -> Iterator[tuple[Node, Where, None]]:
        """Each job invocation of each workflow (``- build: {...}``), with where it is."""
        workflows = self.root.get("workflows")
        for name, flow in workflows.items() if workflows is not None else []:
            if not flow.is_map:
                continue
            for index, item in enumerate(flow.children("jobs")):
                if item.is_map:
                    yield item, ("workflows", name, "jobs", index), None

    def workflow_jobs(self) -> Iterator[tuple[str, Node, Where, str]]:
        """(job name, its invocation's options, where, workflow name) for every invocation."""
        workflows = self.root.get("workflows")
        for flow_name, flow in workflows.items() if workflows is not None else []:
            if not flow.is_map:
                continue
            for index, item in enumerate(flow.children("jobs")):
                if item.is_str:
                    yield (
                        item.value,
                        Node({}, item.line, item.col),
                        (
                            "workflows",
                            flow_name,
                            "jobs",
                            index,
                        ),
                        flow_name,
                    )
                elif item.is_map:
                    for job, options in item.items():
                        opts = options if options.is_map else Node({}, item.line, item.col)
                        yield job, opts, ("workflows", flow_name, "jobs", index), flow_name

    def steps(self, owner: Owner) -> Iterator[tuple[Node, Where]]:
        """The owner's steps, conditional ``when``/``unless`` steps opened (bounded)."""
        work: list[tuple[Node, Where, int]] = [(owner.node, owner.where, 0)]
        while work:
            node, where, depth = work.pop(0)
            for index, step in enumerate(node.children("steps")):
                at = (*where, "steps", index)
                if step.is_map:
                    for key in ("when", "unless"):
                        inner = step.get(key)
                        if inner is not None and inner.is_map and depth < _MAX_ROUNDS:
                            work.append((inner, (*at, key), depth + 1))
                yield step, at

    def scripts(self, owner: Owner) -> Iterator[tuple[Node, Script]]:
        """Each ``run`` command of the owner, with the references CircleCI splices in."""
        default_shell = owner.node.text("shell")
        for step, where in self.steps(owner):
            run = step.get("run") if step.is_map else None
            if run is None:
                continue
            node = run if run.is_str else run.get("command")
            if node is None or not node.is_str:
                continue
            shell_text = run.text("shell", default_shell) if run.is_map else default_shell
            shell = Shell.POWERSHELL if "powershell" in shell_text.lower() else Shell.POSIX
            at = (*where, "run") if run.is_str else (*where, "run", "command")
            text = node.value
            spliced = tuple(self.taint_of(text, owner))
            rows = yaml_rows(self.doc, node, text)
            yield step, Script(text, rows, key_path(*at), shell, spliced)

    def environment(self, owner: Owner, step: Node | None = None) -> dict[str, tuple[str, ...]]:
        """Environment variables of the owner (and of a step) set from attacker values:
        name -> chain from the source."""
        out: dict[str, tuple[str, ...]] = {}
        blocks = [owner.node.get("environment")]
        if step is not None and step.is_map:
            run = step.get("run")
            if run is not None and run.is_map:
                blocks.append(run.get("environment"))
        for block in blocks:
            for name, value in block.items() if block is not None else []:
                for ref in self.taint_of(value.text(), owner):
                    out[name] = (*ref.chain, ref.name, f"environment.{name}")
                    break
        return out


def _pipeline_value(name: str) -> Taint | None:
    for prefix, origin in systems.CIRCLECI_TAINTED.items():
        if name == prefix or name.startswith(prefix + "."):
            return (), origin
    return None


def published(file: CircleFile, owner: Owner) -> list[str]:
    """Paths the job stores as artifacts or persists to the workspace."""
    out: list[str] = []
    for step, _ in file.steps(owner):
        if not step.is_map:
            continue
        store = step.get("store_artifacts")
        if store is not None and store.is_map:
            out.append(store.text("path"))
        persist = step.get("persist_to_workspace")
        if persist is not None and persist.is_map:
            root = persist.text("root", ".").strip().rstrip("/")
            for path in persist.children("paths"):
                if path.is_str:
                    out.append(path.value if root in ("", ".") else f"{root}/{path.value}")
    return [p for p in out if p]


def images(root: Node) -> Iterator[tuple[Node, Where]]:
    """Docker images of jobs and executors."""
    for section in ("jobs", "executors"):
        block = root.get(section)
        for name, node in block.items() if block is not None else []:
            for index, item in enumerate(node.children("docker") if node.is_map else []):
                image = item.get("image") if item.is_map else None
                if image is not None and image.is_str:
                    yield image, (section, name, "docker", index, "image")
