"""The model of a GitLab CI file that the GitLab checks of ``rules/`` read: its jobs, the
templates they extend, their script lines, and the variables that carry attacker-controlled
values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Document, Where
from outwork.analyzers.pipelines.yamlpos import Node

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
#: Predefined variables an outsider chooses (a branch name, a merge request's text).
TAINTED_RE = re.compile(r"\$\{?(" + "|".join(data.GITLAB_TAINTED_VARIABLES) + r")\b")
#: Merge request pipelines, in ``rules``/``only``/``except`` or ``workflow``.
MR_RE = re.compile(r"merge_request_event|merge_requests")
_MAX_EXTENDS = 10
#: Levels of nested script lists GitLab flattens.
_MAX_SCRIPT_NESTING = 10


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


@dataclass(frozen=True, slots=True)
class GitlabFile:
    doc: Document
    path: str

    @property
    def root(self) -> Node:
        return self.doc.root


@dataclass(frozen=True, slots=True)
class GitlabJob:
    """A job (or the ``default`` section) with the templates it extends, nearest first."""

    name: str
    node: Node
    where: Where
    ancestors: list[Node]
    #: The ``workflow:`` rules run the pipeline for merge requests.
    global_mr: bool

    def lines(self) -> Iterator[tuple[Node, str, str]]:
        """The job's own script lines: (node, text, key path)."""
        return script_lines(self.node, self.where)

    def derived_variables(self, root: Node) -> dict[str, str]:
        """``variables:`` entries in scope whose value carries an attacker-controlled predefined
        variable: name -> the predefined variable it comes from."""
        return derived_variables(
            root.get("variables"),
            *(a.get("variables") for a in reversed(self.ancestors)),
            self.node.get("variables"),
        )


def jobs(root: Node) -> Iterator[GitlabJob]:
    """The ``default`` section, then every job, in document order."""
    default = root.get("default")
    if default is not None and default.is_map:
        yield GitlabJob("default", default, ("default",), ancestors(root, default), False)
    workflow = root.get("workflow")
    global_mr = workflow is not None and any(MR_RE.search(n.value) for n in workflow.strings())
    for name, node in root.items():
        if name in KEYWORDS or not node.is_map:
            continue
        yield GitlabJob(name, node, (name,), ancestors(root, node), global_mr)


def script_lines(job: Node, where: Where) -> Iterator[tuple[Node, str, str]]:
    for key in ("before_script", "script", "after_script"):
        node = job.get(key)
        if node is None:
            continue
        items = node.seq() if node.is_seq else [node]
        for index, item in enumerate(items):
            at = key_path(*where, key, index) if node.is_seq else key_path(*where, key)
            for sub in _nested_strings(item):
                yield sub, sub.value, at


def _nested_strings(item: Node) -> Iterator[Node]:
    """A script entry's lines: the string, or the strings of nested lists (GitLab flattens up
    to 10 levels). A mapping is not a script line (GitLab rejects it: an unquoted ``echo "a:
    b"`` is one), so it is no shell text to judge."""
    work = [(item, 0)]
    while work:
        node, depth = work.pop()
        if node.is_str:
            yield node
        elif node.is_seq and depth < _MAX_SCRIPT_NESTING:
            work.extend((child, depth + 1) for child in reversed(node.seq()))


def ancestors(root: Node, job: Node, depth: int = 0) -> list[Node]:
    """The templates a job ``extends``, nearest first (bounded, cycle-safe)."""
    extends = job.get("extends")
    if extends is None or depth > _MAX_EXTENDS:
        return []
    names = [extends.value] if extends.is_str else [n.value for n in extends.seq() if n.is_str]
    out: list[Node] = []
    for name in reversed(names):  # later entries override earlier ones
        parent = root.get(name.strip())
        if parent is not None and parent.is_map and parent is not job:
            out.append(parent)
            out.extend(ancestors(root, parent, depth + 1))
    return out


def derived_variables(*blocks: Node | None) -> dict[str, str]:
    """``variables:`` entries whose value carries an attacker-controlled predefined variable:
    name -> the predefined variable it comes from."""
    derived: dict[str, str] = {}
    for block in blocks:
        for name, value in block.items() if block is not None else []:
            text = value.text() if value.is_str else value.text("value")
            match = TAINTED_RE.search(text)
            if match:
                derived[name] = match.group(1)
            elif name in derived:
                del derived[name]
    return derived
