"""The model of a ``bitbucket-pipelines.yml`` that the Bitbucket checks of ``rules/`` read: its
pipelines by trigger (``default``, ``branches``, ``tags``, ``bookmarks``, ``pull-requests``,
``custom``), their steps (inside ``parallel`` and ``stage`` groups too), each step's script
lines, pipes, images and artifacts.

Bitbucket substitutes nothing into a script's text: its variables reach the shell as
environment variables, so they are judged by how the shell quotes them
(:mod:`outwork.analyzers.pipelines.scripts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import Origin, Script, Shell, yaml_rows
from outwork.analyzers.pipelines.workflow import Document, Where
from outwork.analyzers.pipelines.yamlpos import Node

#: Nesting of ``parallel``/``stage`` groups followed.
_MAX_GROUPS = 8
#: Pipeline sections that map a pattern to a pipeline.
_PATTERNED = ("branches", "tags", "bookmarks", "pull-requests", "custom")


def looks_like_bitbucket(root: Node) -> bool:
    pipelines = root.get("pipelines") if root.is_map else None
    return (
        pipelines is not None
        and pipelines.is_map
        and (
            pipelines.get("default") is not None
            or any(pipelines.get(k) is not None for k in _PATTERNED)
        )
    )


@dataclass(frozen=True, slots=True)
class BitbucketStep:
    """A step and the pipeline that runs it: ``trigger`` is ``default``, ``branches``,
    ``tags``, ``bookmarks``, ``pull-requests`` or ``custom``."""

    node: Node
    where: Where
    trigger: str
    pattern: str
    #: Custom pipeline variables (chosen by whoever runs the pipeline).
    parameters: frozenset[str]

    @property
    def label(self) -> str:
        name = self.node.text("name")
        return name or key_path(*self.where)


@dataclass
class BitbucketFile:
    doc: Document
    path: str

    @property
    def root(self) -> Node:
        return self.doc.root

    @cached_property
    def steps(self) -> list[BitbucketStep]:
        out: list[BitbucketStep] = []
        pipelines = self.root.get("pipelines")
        if pipelines is None or not pipelines.is_map:
            return out
        default = pipelines.get("default")
        if default is not None:
            out.extend(_items(default, ("pipelines", "default"), "default", "", frozenset()))
        for trigger in _PATTERNED:
            section = pipelines.get(trigger)
            for pattern, items in section.items() if section is not None else []:
                where = ("pipelines", trigger, pattern)
                params = _custom_variables(items) if trigger == "custom" else frozenset()
                out.extend(_items(items, where, trigger, pattern, params))
        return out

    def scripts(self, step: BitbucketStep) -> Iterator[Script]:
        """Each script line of the step (``script`` and ``after-script``), pipes left out."""
        for key in ("script", "after-script"):
            node = step.node.get(key)
            for index, item in enumerate(node.seq() if node is not None else []):
                if item.is_str:
                    rows = yaml_rows(self.doc, item, item.value)
                    where = key_path(*step.where, key, index)
                    yield Script(item.value, rows, where, Shell.POSIX)

    def environment(self, step: BitbucketStep) -> dict[str, Origin]:
        table = dict(systems.BITBUCKET_ENV)
        table.update(dict.fromkeys(step.parameters, Origin.PARAMETER))
        return table

    def pipes(self, step: BitbucketStep) -> Iterator[tuple[Node, Node, Where]]:
        """(pipe reference, the item, where) for each ``- pipe:`` of the step's scripts."""
        for key in ("script", "after-script"):
            node = step.node.get(key)
            for index, item in enumerate(node.seq() if node is not None else []):
                pipe = item.get("pipe") if item.is_map else None
                if pipe is not None and pipe.is_str:
                    yield pipe, item, (*step.where, key, index)

    def artifacts(self, step: BitbucketStep) -> list[str]:
        node = step.node.get("artifacts")
        if node is None:
            return []
        paths = node.get("paths") if node.is_map else node
        return [n.value for n in paths.seq() if n.is_str] if paths is not None else []


def _custom_variables(items: Node) -> frozenset[str]:
    """The variables a custom pipeline asks for when it is run (``- variables:`` item),
    other than those limited to ``allowed-values``."""
    names: set[str] = set()
    for item in items.seq():
        variables = item.get("variables") if item.is_map else None
        for var in variables.seq() if variables is not None else []:
            if var.is_map and var.get("allowed-values") is None and var.text("name"):
                names.add(var.text("name"))
    return frozenset(names)


def _items(
    items: Node, where: Where, trigger: str, pattern: str, params: frozenset[str]
) -> Iterator[BitbucketStep]:
    """The steps of a pipeline, through ``parallel`` and ``stage`` groups (bounded)."""
    work: list[tuple[Node, Where, int]] = [(items, where, 0)]
    while work:
        node, at, depth = work.pop(0)
        for index, item in enumerate(node.seq()):
            if not item.is_map:
                continue
            step = item.get("step")
            if step is not None and step.is_map:
                yield BitbucketStep(step, (*at, index, "step"), trigger, pattern, params)
            if depth >= _MAX_GROUPS:
                continue
            for key in ("parallel", "stage"):
                group = item.get(key)
                if group is None:
                    continue
                inner = group.get("steps") if group.is_map else group
                if inner is not None:
                    sub = (*at, index, key, "steps") if group.is_map else (*at, index, key)
                    work.append((inner, sub, depth + 1))


def images(file: BitbucketFile) -> Iterator[tuple[Node, Where]]:
    """The default image, each step's image and the service images."""
    candidates: list[tuple[Node | None, Where]] = [(file.root.get("image"), ("image",))]
    candidates.extend((step.node.get("image"), (*step.where, "image")) for step in file.steps)
    services = file.root.sub("definitions", "services")
    for name, service in services.items() if services is not None else []:
        image = service.get("image") if service.is_map else None
        candidates.append((image, ("definitions", "services", name, "image")))
    for node, where in candidates:
        target = node.get("name") if node is not None and node.is_map else node
        if target is not None and target.is_str:
            yield target, where
