"""From an artifact to findings: what each kind of agent file holds, read as the agent reads it."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from outwork.analyzers.aitools.appcode import calls
from outwork.analyzers.aitools.deploy import DeployError, launches, python_launches
from outwork.analyzers.aitools.document import Document
from outwork.analyzers.aitools.files import (
    SCAN_LIMIT,
    SERVICE_MARKERS,
    Role,
    find_marker,
    role_of,
    service_file,
)
from outwork.analyzers.aitools.hidden import hidden_runs
from outwork.analyzers.aitools.mcp import ConfigError, parse
from outwork.analyzers.aitools.modelrepo import folder_of, is_lfs_pointer, is_model_card
from outwork.analyzers.aitools.rules import appcode, hidden, modelrepo, services
from outwork.analyzers.aitools.rules.coverage import AgentFileNotFullyRead, Unread
from outwork.analyzers.aitools.rules.instructions import CHECKS
from outwork.analyzers.aitools.rules.mcp import CODE_COMPONENT, across_files, check_config
from outwork.analyzers.aitools.rules.poisoning import check_descriptions
from outwork.analyzers.aitools.toolcode import (
    js_descriptions,
    js_tool_names,
    python_descriptions,
    python_tool_names,
)
from outwork.core.analyzer import AnalysisContext, Component, Emitted
from outwork.core.artifact import (
    MEMBER_SEP,
    Artifact,
    Kind,
    inside_installed_packages,
    inside_package_archive,
)
from outwork.core.findings import Finding, finding
from outwork.core.reach import REACH_COMPONENT, PackageReach
from outwork.core.rules import Severity

#: Bytes of one file read; the rest is reported (AI009), never silently dropped.
MAX_BYTES = 1024 * 1024
#: Bytes of one source file read (Python, JavaScript): a syntax tree needs the whole module (a
#: prefix cut at a byte budget does not parse, so nothing of it would be analysed), and
#: generated modules and bundles run past 1 MiB; the packages layer reads sources this size too.
MAX_SOURCE_BYTES = 16 * 1024 * 1024
#: Bytes of a YAML deployment file parsed (compose, manifests, Helm templates): a CRD or a
#: model gallery runs to megabytes, and the YAML reader's node budget bounds the work.
MAX_YAML_BYTES = 16 * 1024 * 1024
YAML_KINDS = frozenset({"kubernetes", "compose", "helm"})
#: How deep decoded text is decoded again (base64 of base64, tags inside a blob).
MAX_DEPTH = 3


def analyze(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    role = role_of(artifact.path)
    if role is Role.INSTRUCTIONS:
        yield from instruction_file(artifact, context)
    elif role is Role.MCP_CONFIG:
        yield from mcp_config(artifact, context)
    elif deployment := service_file(
        artifact.path, is_yaml=artifact.kind is Kind.YAML, is_shell=artifact.kind is Kind.SHELL
    ):
        yield from deployment_file(artifact, context, deployment)
    elif artifact.kind in (Kind.PICKLE, Kind.PYTORCH_ZIP):
        yield from modelrepo.check_disguise(artifact.name, modelrepo.Disguise.PICKLE)
    elif is_model_card(artifact.name, artifact.read(64 * 1024)):
        yield from model_card(artifact, context)
    elif artifact.kind in (Kind.PYTHON, Kind.JAVASCRIPT):
        yield from mcp_server(artifact, context)
    elif is_lfs_pointer(artifact.name, artifact.read(256)):
        yield from modelrepo.check_disguise(artifact.name, modelrepo.Disguise.POINTER)


def model_card(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    """What a model card tells its users to run, graded by what its folder ships."""
    limit = int(context.options.get("aitools.max_bytes", MAX_BYTES))
    text = artifact.read(limit).decode("utf-8", "replace")
    yield from modelrepo.check_card(Document(text), folder_of(artifact.fs_path), artifact.path)
    if artifact.size > limit:
        yield finding(
            AgentFileNotFullyRead,
            f"only the first {limit} of {artifact.size} bytes of a model card were read",
            logical="size",
            severity=AgentFileNotFullyRead.severity_in(Unread.BUDGET),
        )


def deployment_file(artifact: Artifact, context: AnalysisContext, kind: str) -> Iterator[Emitted]:
    """The AI services a Dockerfile, compose file, manifest, script, unit or Jupyter
    configuration launches, and who can reach them."""
    if kind in YAML_KINDS:
        limit = int(context.options.get("aitools.max_yaml_bytes", MAX_YAML_BYTES))
    else:
        limit = int(context.options.get("aitools.max_bytes", MAX_BYTES))
    text = artifact.read(limit).decode("utf-8", "replace")
    try:
        found = launches(kind, text, artifact.path, artifact.fs_path)
    except DeployError as error:
        # what was read before a budget stopped reading is still judged
        yield from services.check(error.partial, artifact.path)
        # a template that is not YAML yet (Helm) is no manifest; a budget or a named file is
        if error.budget or kind not in ("kubernetes", "shell", "helm"):
            unread = Unread.BUDGET if error.budget else Unread.SYNTAX
            yield finding(
                AgentFileNotFullyRead,
                f"{kind} file not read: {error}",
                logical="parse",
                severity=AgentFileNotFullyRead.severity_in(unread),
            )
        return
    yield from services.check(found, artifact.path)
    if artifact.size > limit:
        yield from _rest_of(artifact, kind, limit)


def _rest_of(artifact: Artifact, kind: str, limit: int) -> Iterator[Finding]:
    """A deployment file past the part parsed: the rest is searched for the words that name a
    service. Quiet when it names none (read and found clean), high when it does, or when even
    the search stopped (issue 12's rule for budgets)."""
    with artifact.open() as stream:
        offset = find_marker(stream, SERVICE_MARKERS, start=limit)
    if offset is None and artifact.size <= SCAN_LIMIT:
        return
    where = (
        f"an AI service is named at byte {offset}, past the first {limit} bytes parsed"
        if offset is not None
        else f"bytes past {SCAN_LIMIT} were not searched"
    )
    yield finding(
        AgentFileNotFullyRead,
        f"only the first {limit} of {artifact.size} bytes of a {kind} file were parsed; {where}:"
        " a launch there was not read (padding hides launches this way)",
        logical="size",
        severity=AgentFileNotFullyRead.severity_in(Unread.BUDGET),
        properties={"read_bytes": limit, "size": artifact.size, "marker_offset": offset},
    )


def finish(components: Sequence[tuple[str, Component]]) -> Iterator[Finding]:
    """The scan-wide step (see the analyzer's ``finish``)."""
    yield from across_files(components)
    yield from in_packages(components)


#: The private component that hands a finding of application code in a package archive's
#: member to the whole-scan step, where the package's reach grades it.
IN_PACKAGE = "_ai-in-package"


def package_member(path: str) -> str | None:
    """The member's name when a path is a member of a package archive the packages layer reads
    whole (one level down: ``NAME-1.0.tar.gz!/NAME-1.0/test/test_x.py``), else None."""
    container, separator, member = path.rpartition(MEMBER_SEP)
    if not separator or MEMBER_SEP in container or not inside_package_archive(path):
        return None
    return member


def _deferred(found: Finding, member: str) -> Component:
    return Component(IN_PACKAGE, member, properties={"finding": found.to_dict()})


def in_packages(components: Sequence[tuple[str, Component]]) -> Iterator[Finding]:
    """The findings of application code in package archives, graded by what the packages layer
    found of each package: code the package never runs (a test or example module its own code
    does not import, a script of an sdist that no package of it holds) weighs one level less,
    as the packages layer weighs it; a test module the package imports, a script it starts by
    path or declares, and any member of a package it did not judge keep their grade."""
    reaches = {
        path: PackageReach.from_properties(c.properties)
        for path, c in components
        if c.type == REACH_COMPONENT
    }
    for path, component in components:
        if component.type != IN_PACKAGE:
            continue
        found = Finding.from_dict(component.properties["finding"])
        found = replace(found, location=replace(found.location, path=path))
        archive = path.rpartition(MEMBER_SEP)[0]
        reach = reaches.get(archive)
        note = reach.weighs_less(component.name) if reach is not None else None
        if note is not None and found.severity > Severity.LOW:
            found = replace(
                found,
                severity=Severity(found.severity - 1),
                message=f"{found.message} {note}",
                properties={**found.properties, "package_reach": note},
            )
        yield found


def mcp_server(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    """Tool poisoning in an MCP server's source: its descriptions judged as hidden text; the
    source read whole (up to ``aitools.max_source_bytes``), Python parsed for what it loads and
    launches."""
    limit = int(context.options.get("aitools.max_source_bytes", MAX_SOURCE_BYTES))
    source = artifact.read(limit).decode("utf-8", "replace")
    read = python_descriptions if artifact.kind is Kind.PYTHON else js_descriptions
    described = list(read(source))
    yield from check_descriptions(described, lambda doc: _judge(doc, 1))
    names = python_tool_names if artifact.kind is Kind.PYTHON else js_tool_names
    declared = [[d.name, d.line] for d in names(source)]
    if declared:
        properties = {"path": artifact.path, "package": package_of(artifact), "tools": declared}
        yield Component(CODE_COMPONENT, artifact.name, properties=properties)
    if artifact.kind is Kind.PYTHON:
        member = package_member(artifact.path)
        dependency = inside_package_archive(artifact.path) or inside_installed_packages(
            artifact.path
        )
        for call in calls(source):
            for found in appcode.check(call, dependency=dependency):
                yield found if member is None else _deferred(found, member)
        yield from services.check(list(python_launches(source)), artifact.path)
    if artifact.size > limit:
        yield finding(
            AgentFileNotFullyRead,
            f"only the first {limit} of {artifact.size} bytes of an MCP server were read",
            logical="size",
            severity=AgentFileNotFullyRead.severity_in(Unread.BUDGET),
        )


#: Files that make a folder a package of its own (an MCP server's project).
_MANIFESTS = ("package.json", "pyproject.toml", "setup.py", "setup.cfg")


def package_of(artifact: Artifact) -> str:
    """The package an MCP server's source belongs to, as a logical path: the nearest folder
    below the scan's root with a package manifest, else the first folder below the root (or
    the archive the file is in)."""
    logical = PurePosixPath(artifact.path.split(MEMBER_SEP, 1)[0])
    if MEMBER_SEP in artifact.path:
        return str(logical)
    root = PurePosixPath(artifact.root) if artifact.root else logical.parent
    disk = Path(artifact.fs_path) if artifact.fs_path else None
    for depth, folder in enumerate(logical.parents):
        if folder == root or root not in folder.parents:
            break
        on_disk = disk.parents[depth] if disk is not None else None
        if on_disk is not None and any((on_disk / m).is_file() for m in _MANIFESTS):
            return str(folder)
    relative = logical.relative_to(root) if root in logical.parents else logical
    return str(root / relative.parts[0]) if len(relative.parts) > 1 else str(root)


def mcp_config(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    limit = int(context.options.get("aitools.max_bytes", MAX_BYTES))
    if artifact.size > limit:
        yield finding(
            AgentFileNotFullyRead,
            f"an MCP configuration of {artifact.size} bytes is past the {limit} bytes read",
            logical="size",
            severity=AgentFileNotFullyRead.severity_in(Unread.BUDGET),
        )
        return
    text = artifact.read(limit).decode("utf-8", "replace")
    try:
        config = parse(text)
    except ConfigError as error:
        if artifact.name.lower() != "mcp.json" or "Servers" in text or '"servers"' in text:
            yield finding(
                AgentFileNotFullyRead,
                f"MCP configuration not read: {error}",
                logical="parse",
                severity=AgentFileNotFullyRead.severity_in(Unread.SYNTAX),
            )
        return
    yield from check_config(config, artifact.path, project_dependencies(artifact.fs_path))


#: Bytes of one project manifest read for its dependencies.
MAX_MANIFEST = 1024 * 1024
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def project_dependencies(fs_path: str | None) -> frozenset[tuple[str, str]]:
    """What the manifests of the folder an MCP configuration serves depend on (the folder of
    ``.mcp.json``, or above ``.cursor/mcp.json``): npm names and scopes from ``package.json``,
    PyPI names from ``pyproject.toml`` and ``requirements.txt``; empty when there are none."""
    if not fs_path:
        return frozenset()
    folder = Path(fs_path).parent
    if folder.name.startswith("."):
        folder = folder.parent
    out: set[tuple[str, str]] = set()
    for name in _read_json(folder / "package.json"):
        out.add(("npm", name.lower()))
        if name.startswith("@") and "/" in name:
            out.add(("npm-scope", name.split("/", 1)[0].lower()))
    for spec in _pyproject(folder / "pyproject.toml") + _lines(folder / "requirements.txt"):
        match = _REQUIREMENT.match(spec)
        if match:
            out.add(("pypi", re.sub(r"[-_.]+", "-", match.group(1).lower())))
    return frozenset(out)


def _text(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST:
            return ""
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _read_json(path: Path) -> list[str]:
    try:
        data = json.loads(_text(path) or "{}")
    except (ValueError, RecursionError):
        return []
    sections = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
    names: list[str] = []
    for section in sections:
        value = data.get(section) if isinstance(data, dict) else None
        names += [str(k) for k in value] if isinstance(value, dict) else []
    return names


def _pyproject(path: Path) -> list[str]:
    try:
        data = tomllib.loads(_text(path))
    except (tomllib.TOMLDecodeError, RecursionError):
        return []
    project = _table(data, "project")
    specs: list[Any] = list(project.get("dependencies") or [])
    groups = [*_table(project, "optional-dependencies").values()]
    groups += _table(data, "dependency-groups").values()
    for group in groups:
        specs += group if isinstance(group, list) else []
    specs += list(_table(_table(_table(data, "tool"), "poetry"), "dependencies"))
    return [s for s in specs if isinstance(s, str)]


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _lines(path: Path) -> list[str]:
    return [line for line in _text(path).splitlines() if not line.lstrip().startswith(("#", "-"))]


def instruction_file(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    limit = int(context.options.get("aitools.max_bytes", MAX_BYTES))
    raw = artifact.read(limit)
    text = raw.decode("utf-8", "replace")
    yield from instructions(Document(text))
    if artifact.size > limit:
        yield finding(
            AgentFileNotFullyRead,
            f"only the first {limit} of {artifact.size} bytes were read; an agent reads them all",
            logical="size",
            severity=AgentFileNotFullyRead.severity_in(Unread.BUDGET),
            properties={"read_bytes": limit, "size": artifact.size},
        )


def instructions(doc: Document) -> Iterator[Finding]:
    """Every finding of one instruction text (the file, or a text it hides)."""
    yield from _judge(doc, 0)
    yield from hidden.check_look_alikes(doc)
    runs = sum(1 for _ in hidden_runs(doc.text, hidden.MAX_PER_FILE + 1))
    if runs > hidden.MAX_PER_FILE:
        yield finding(
            AgentFileNotFullyRead,
            f"more than {hidden.MAX_PER_FILE} runs of hidden characters: the first"
            f" {hidden.MAX_PER_FILE} are reported",
            logical="hidden-characters",
            severity=AgentFileNotFullyRead.severity_in(Unread.CAPPED),
        )


def _judge(doc: Document, depth: int) -> list[Finding]:
    found: list[Finding] = []
    for check in CHECKS:
        found.extend(check.run(doc))
    if depth < MAX_DEPTH:
        found.extend(hidden.check_hidden(doc, lambda inner: _judge(inner, depth + 1)))
        found.extend(hidden.check_blobs(doc, lambda inner: _judge(inner, depth + 1)))
    return found
