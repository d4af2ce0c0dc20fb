"""The model of a GitLab CI pipeline that the GitLab checks of ``rules/`` read.

A pipeline is its root file (``.gitlab-ci.yml``) and the files it includes from the same
repository (``include: local``, followed through nested includes, globs expanded over the files
scanned); other includes (``project``, ``remote``, ``template``, ``component``) are external
code, never fetched: :attr:`Pipeline.external` lists them with their pin state. Jobs are merged
as GitLab merges them: a job's own keys, then what it ``extends`` (nearest first, in any file of
the pipeline), then ``default:`` (as ``inherit:`` allows); ``!reference [job, key]`` tags and
YAML anchors are followed. Which pipelines run each job comes from ``workflow:rules`` and its
``rules``/``only``/``except`` (see ``gitlab_triggers``); the attacker-controlled predefined
variables are judged by the pipelines that run the job (``data.GITLAB_VARIABLE_CONTROL``).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.gitlab_triggers import (
    ALL_SOURCES,
    DEFAULT_SOURCES,
    Source,
    only_except_run,
    rules_run,
)
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
        "pages:deploy",
    }
)
#: Keys a job takes from ``default:`` when it does not set them.
DEFAULT_KEYS = frozenset(
    {
        "image",
        "services",
        "before_script",
        "after_script",
        "cache",
        "artifacts",
        "hooks",
        "tags",
        "id_tokens",
    }
)
SCRIPT_KEYS = ("before_script", "script", "after_script")
#: Predefined variables whose value someone other than the maintainers may choose.
TAINTED_RE = re.compile(r"\$\{?(" + "|".join(data.GITLAB_VARIABLE_CONTROL) + r")\b")
_MAX_EXTENDS = 11  # GitLab allows 11 levels of extends
_MAX_REFERENCE = 10  # and 10 levels of nested !reference
_MAX_SCRIPT_NESTING = 10  # and flattens 10 levels of nested script lists
#: Files of one pipeline (the root and its local includes), bounded like GitLab's 150.
MAX_INCLUDES = 150


def looks_like_gitlab(root: Node) -> bool:
    if not root.is_map:
        return False
    if root.get("stages") is not None or root.get("include") is not None:
        return True
    return any(
        node.is_map and any(node.get(k) is not None for k in (*SCRIPT_KEYS, "extends"))
        for key, node in root.items()
        if key not in KEYWORDS
    )


def is_root(path: str) -> bool:
    """Whether a file is a pipeline's root configuration (GitLab's default path)."""
    return posixpath.basename(path.replace("\\", "/")) == ".gitlab-ci.yml"


@dataclass(frozen=True, slots=True)
class GitlabFile:
    doc: Document
    path: str

    @property
    def root(self) -> Node:
        return self.doc.root


@dataclass(frozen=True, slots=True)
class Include:
    """One ``include:`` entry."""

    kind: str  # local, project, remote, template, component
    target: str
    node: Node
    where: Where
    file: GitlabFile
    #: The ref, integrity or version that pins it ("" when none).
    pin: str = ""


def includes(file: GitlabFile) -> Iterator[Include]:
    """The ``include:`` entries of a file, each with what it names."""
    node = file.root.get("include")
    if node is None:
        return
    entries = node.seq() if node.is_seq else [node]
    for index, entry in enumerate(entries):
        where: Where = ("include", index) if node.is_seq else ("include",)
        if entry.is_str:
            value = entry.value.strip()
            kind = "remote" if value.startswith(("http://", "https://")) else "local"
            yield Include(kind, value, entry, where, file)
            continue
        if not entry.is_map:
            continue
        for kind in ("local", "project", "remote", "template", "component"):
            target = entry.get(kind)
            if target is None or not target.is_str:
                continue
            name = target.value.strip()
            pin = ""
            if kind == "project":
                pin = entry.text("ref").strip()
                files = entry.get("file")
                listed = files.seq() if files is not None and files.is_seq else [files]
                name += ":" + ",".join(f.text().strip() for f in listed if f is not None)
            elif kind == "remote":
                pin = entry.text("integrity").strip()
            elif kind == "component":
                pin = name.partition("@")[2].strip()
            yield Include(kind, name, target, where, file, pin)


def resolve_local(include: Include, repo: str, known: Sequence[str]) -> list[str]:
    """The scanned files a ``local:`` include names: a path from the repository root (a leading
    ``/`` or none), with ``*``/``**`` globs matched against ``known``."""
    target = include.target.strip().lstrip("/")
    if not target or ".." in target.split("/"):
        return []
    full = posixpath.normpath(posixpath.join(repo, target)) if repo else target
    if "*" not in target:
        return [full] if full in known else []
    prefix = f"{repo}/" if repo else ""
    pattern = target.replace("**/", "\x00").replace("**", "\x00")
    regex = re.compile(
        re.escape(pattern).replace(r"\*", "[^/]*").replace("\x00", "(?:.*/)?") + r"\Z"
    )
    return sorted(
        k
        for k in known
        if k.startswith(prefix) and regex.match(k[len(prefix) :]) and fnmatch.fnmatch(k, "*.y*ml")
    )


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One string of a job's script, where it is written."""

    node: Node
    text: str
    at: str
    file: GitlabFile
    #: The key it fills in the job (before_script, script, after_script).
    key: str


@dataclass(slots=True)
class Pipeline:
    """A root file and its local includes (``files[0]`` is the root, or the file alone)."""

    files: list[GitlabFile]
    #: Whether ``files[0]`` is the root of a pipeline (its workflow is all there is). For a file
    #: analysed alone that is not one, whoever includes it decides: every pipeline may run it.
    rooted: bool
    external: list[Include] = field(default_factory=list)
    #: ``local:`` includes that name no scanned file.
    missing: list[Include] = field(default_factory=list)
    #: Findings carry each file's full path (a pipeline joined after the scan); else they
    #: belong to the one artifact analysed.
    joined: bool = False
    _names: dict[str, list[tuple[Node, GitlabFile]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # the including file's keys override the included ones: later files first, root last
        for file in reversed(self.files[1:]):
            self._add(file)
        self._add(self.files[0])

    def _add(self, file: GitlabFile) -> None:
        for name, node in file.root.items():
            self._names.setdefault(name, []).insert(0, (node, file))

    def path_of(self, file: GitlabFile) -> str:
        """The ``path`` of a finding in ``file`` (empty: the artifact being analysed)."""
        return file.path if self.joined else ""

    def definitions(self, name: str) -> list[tuple[Node, GitlabFile]]:
        """Every definition of a top-level key, the one that wins first."""
        return self._names.get(name, [])

    def top(self, key: str) -> tuple[Node, GitlabFile] | None:
        found = self.definitions(key)
        return found[0] if found else None

    def jobs(self) -> Iterator[GitlabJob]:
        """Every job (hidden ``.templates`` too), in document order of the files."""
        workflow = self.workflow_sources()
        seen: set[str] = set()
        for file in self.files:
            for name, node in file.root.items():
                if name in KEYWORDS or not node.is_map or name in seen:
                    continue
                seen.add(name)
                yield GitlabJob(self, name, workflow)

    def workflow_sources(self) -> frozenset[Source] | None:
        """The pipelines ``workflow:rules`` allows (None without workflow rules)."""
        found = self.top("workflow")
        rules = found[0].get("rules") if found is not None and found[0].is_map else None
        if rules is None:
            return None
        return rules_run(rules, ALL_SOURCES)


@dataclass(slots=True)
class GitlabJob:
    """A job as GitLab merges it: its own keys, what it extends, ``default:``."""

    pipeline: Pipeline
    name: str
    workflow: frozenset[Source] | None
    #: (node, file) of the job's definitions and of what it extends, nearest first.
    chain: list[tuple[Node, GitlabFile]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chain = _chain(self.pipeline, self.name, 0, set())

    @property
    def hidden(self) -> bool:
        return self.name.startswith(".")

    @property
    def node(self) -> Node:
        return self.chain[0][0]

    @property
    def file(self) -> GitlabFile:
        return self.chain[0][1]

    @property
    def where(self) -> Where:
        return (self.name,)

    def lookup(self, key: str) -> tuple[Node, GitlabFile] | None:
        """Where the job's value of ``key`` comes from: itself, what it extends, ``default:``."""
        for node, file in self.chain:
            value = node.get(key)
            if value is not None:
                return value, file
        if key in DEFAULT_KEYS and self._inherits(key):
            found = self.pipeline.top("default")
            value = found[0].get(key) if found is not None else None
            if found is not None and value is not None:
                return value, found[1]
        if key in ("image", "services", "before_script", "after_script", "cache"):
            found = self.pipeline.top(key)  # the deprecated top-level forms
            if found is not None and self._inherits(key):
                return found
        return None

    def _inherits(self, key: str) -> bool:
        for node, _ in self.chain:
            inherit = node.get("inherit")
            if inherit is None or not inherit.is_map or inherit.get("default") is None:
                continue
            value = inherit.get("default")
            assert value is not None
            if value.is_str:
                return value.text().strip().lower() != "false"
            return any(item.text().strip() == key for item in value.seq())
        return True

    def variables(self) -> list[Node]:
        """The ``variables:`` blocks in scope, outermost first (global, extended, own)."""
        blocks: list[Node] = []
        found = self.pipeline.top("variables")
        if found is not None:
            blocks.append(found[0])
        for node, _ in reversed(self.chain):
            block = node.get("variables")
            if block is not None:
                blocks.append(block)
        return blocks

    def sources(self) -> frozenset[Source]:
        """The pipelines that may run the job."""
        rules = self.lookup_rules()
        if rules is not None:
            found = rules_run(rules, ALL_SOURCES)
        else:
            only, exclude = self._plain("only"), self._plain("except")
            if only is not None or exclude is not None:
                found = only_except_run(only, exclude)
            elif self.workflow is not None or not self.pipeline.rooted:
                found = ALL_SOURCES  # workflow:rules (or the includer) decide alone
            else:
                found = DEFAULT_SOURCES
        if self.workflow is not None:
            found &= self.workflow
        return found

    def lookup_rules(self) -> Node | None:
        for node, _ in self.chain:
            if node.get("rules") is not None:
                return node.get("rules")
            if node.get("only") is not None or node.get("except") is not None:
                return None
        return None

    def _plain(self, key: str) -> Node | None:
        for node, _ in self.chain:
            if node.get(key) is not None:
                return node.get(key)
        return None

    def script(self) -> Iterator[ScriptLine]:
        """The job's script lines in run order, wherever they are written."""
        for key in SCRIPT_KEYS:
            found = self.lookup(key)
            if found is None:
                continue
            node, file = found
            owner = self.name if node is self.node.get(key) else None
            base = key_path(owner, key) if owner else _where_of(file, node, key)
            items = node.seq() if node.is_seq else [node]
            for index, item in enumerate(items):
                at = f"{base}[{index}]" if node.is_seq else base
                for sub, sub_file, referenced in self._strings(item, file, 0):
                    yield ScriptLine(sub, sub.value, referenced or at, sub_file, key)

    def _strings(
        self, item: Node, file: GitlabFile, depth: int, at: str = ""
    ) -> Iterator[tuple[Node, GitlabFile, str]]:
        """A script entry's lines: the string, the strings of nested lists (GitLab flattens up
        to 10 levels) and of ``!reference`` tags. A mapping is not a script line (GitLab rejects
        it: an unquoted ``echo "a: b"`` is one), so it is no shell text to judge."""
        if depth > _MAX_SCRIPT_NESTING:
            return
        if item.is_str:
            yield item, file, at
        elif item.tag == "!reference" and item.is_seq:
            target = reference(self.pipeline, item, depth)
            if target is not None:
                node, where = target
                named = key_path(*(p.text().strip() for p in item.seq()))
                for sub in node.seq() if node.is_seq else [node]:
                    yield from self._strings(sub, where, depth + 1, named)
        elif item.is_seq:
            for child in item.seq():
                yield from self._strings(child, file, depth + 1, at)


def _where_of(file: GitlabFile, node: Node, key: str) -> str:
    """The key path of ``node`` (a job's ``key``) in ``file``, found by identity."""
    for name, job in file.root.items():
        if job.is_map and job.get(key) is node:
            return key_path(name, key)
    return key


def reference(pipeline: Pipeline, tag: Node, depth: int = 0) -> tuple[Node, GitlabFile] | None:
    """What a ``!reference [job, key, ...]`` names (None when it names nothing)."""
    parts = [p.text().strip() for p in tag.seq()]
    if not parts or not all(parts) or depth > _MAX_REFERENCE:
        return None
    for node, file in pipeline.definitions(parts[0]):
        current: Node | None = node
        for part in parts[1:]:
            current = current.get(part) if current is not None else None
        if current is not None:
            if current.tag == "!reference" and current.is_seq:
                return reference(pipeline, current, depth + 1)
            return current, file
    return None


def _chain(
    pipeline: Pipeline, name: str, depth: int, seen: set[str]
) -> list[tuple[Node, GitlabFile]]:
    """A job's definitions, then what it extends (later ``extends`` entries first), nearest
    first, bounded and cycle-safe."""
    out = [(n, f) for n, f in pipeline.definitions(name) if n.is_map]
    if depth > _MAX_EXTENDS or name in seen:
        return out
    seen = seen | {name}
    parents: list[str] = []
    for node, _ in out:
        extends = node.get("extends")
        if extends is not None:
            parents = (
                [extends.value] if extends.is_str else [n.value for n in extends.seq() if n.is_str]
            )
            break
    for parent in reversed(parents):
        out.extend(_chain(pipeline, parent.strip(), depth + 1, seen))
    return out


def derived_variables(blocks: Sequence[Node | None]) -> dict[str, str]:
    """``variables:`` entries whose value carries an attacker-controlled predefined variable:
    name -> the predefined variable it comes from (blocks outermost first)."""
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
