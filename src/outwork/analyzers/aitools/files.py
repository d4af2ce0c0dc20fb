"""Which files the agents of the AI toolchain read: their instruction files, by name and folder.

Kept free of parsers: the layer's declaration imports it to decide what it accepts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import BinaryIO


class Role(enum.Enum):
    """What a file is to an agent."""

    INSTRUCTIONS = "instruction file"
    MCP_CONFIG = "MCP client configuration"


#: Files an agent loads into its context as standing instructions, by exact (lower-case) name.
INSTRUCTION_NAMES: frozenset[str] = frozenset(
    {
        "agents.md",
        "agent.md",
        "claude.md",
        "claude.local.md",
        "gemini.md",
        ".cursorrules",
        ".windsurfrules",
        ".clinerules",
        ".roorules",
        "copilot-instructions.md",
        "skill.md",
    }
)
#: Folders whose Markdown files are instructions (rules, commands, sub-agents), as the last two
#: folder names in lower case, and the suffixes read there.
INSTRUCTION_FOLDERS: dict[tuple[str, ...], tuple[str, ...]] = {
    (".cursor", "rules"): (".mdc", ".md"),
    (".windsurf", "rules"): (".md",),
    (".github", "instructions"): (".md",),
    (".github", "prompts"): (".md",),
    (".claude", "commands"): (".md",),
    (".claude", "agents"): (".md",),
    (".clinerules",): (".md", ".txt"),
    (".roo", "rules"): (".md", ".txt"),
    (".amazonq", "rules"): (".md",),
}


#: MCP client configurations by name: Claude Code (``.mcp.json``), Cursor and VS Code
#: (``mcp.json`` in ``.cursor``/``.vscode``), Claude Desktop, Windsurf, Cline and Roo.
MCP_CONFIG_NAMES: frozenset[str] = frozenset(
    {
        ".mcp.json",
        "mcp.json",
        "claude_desktop_config.json",
        "mcp_config.json",
        "cline_mcp_settings.json",
        "mcp_settings.json",
    }
)
#: What an MCP server module imports (the official SDKs, FastMCP, mcp-framework).
MCP_SDK_MARKERS: tuple[bytes, ...] = (
    b"from mcp",
    b"import mcp",
    b"from fastmcp",
    b"import fastmcp",
    b"@modelcontextprotocol/sdk",
    b"from 'fastmcp'",
    b'from "fastmcp"',
    b"mcp-framework",
)


#: What Python code that loads models or builds agents imports or calls.
APP_MARKERS: tuple[bytes, ...] = (
    b"import torch", b"import pickle", b"import joblib", b"import dill", b"cloudpickle",
    b"read_pickle", b"from_pretrained", b"trust_remote_code", b"langchain", b"llama_index",
    b"allow_dangerous_code",
)  # fmt: skip


def role_of(path: str) -> Role | None:
    """The role of the file at this (logical) path, from its name and the folders above it."""
    parts = PurePosixPath(path.replace("\\", "/").replace("!/", "/")).parts
    if not parts:
        return None
    name = parts[-1].lower()
    if name in INSTRUCTION_NAMES:
        return Role.INSTRUCTIONS
    folders = tuple(p.lower() for p in parts[:-1])
    for tail, suffixes in INSTRUCTION_FOLDERS.items():
        if folders[-len(tail) :] == tail and name.endswith(suffixes):
            return Role.INSTRUCTIONS
    if name.endswith(".mdc") and ".cursor" in folders:
        return Role.INSTRUCTIONS
    if name in MCP_CONFIG_NAMES:
        return Role.MCP_CONFIG
    return None


# -- where AI services are launched -------------------------------------------------------------

_DOCKERFILE = re.compile(
    r"^(?:(?:docker|container)file(?:\.[\w.-]+)?|[\w.-]+\.(?:docker|container)file)$", re.I
)
_COMPOSE = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$", re.I)
_JUPYTER_CONFIG = re.compile(r"^jupyter_(?:notebook|server|lab)_config\.(?:py|json)$", re.I)

#: Words (lower case) one of which a deployment file names when it launches an AI service;
#: files without any are not parsed.
SERVICE_MARKERS: tuple[bytes, ...] = (
    b"ray start", b"rayproject", b"raycluster", b"rayservice", b"rayjob", b"dashboard-host",
    b"dashboard_host", b"jupyter", b"notebook", b"mlflow", b"gradio", b"ollama", b"vllm",
    b"text-generation", b"comfy", b"llama-server", b"llama.cpp", b"sglang", b"--listen",
    b"trust-remote-code", b"streamlit",
)  # fmt: skip
_MAKEFILE = re.compile(r"^(?:(?:gnu)?makefile(?:\.[\w.-]+)?|[\w.-]+\.(?:mk|make))$", re.I)


def service_file(path: str, *, is_yaml: bool, is_shell: bool) -> str | None:
    """What kind of deployment file this is, by name (``dockerfile``, ``make``, ``streamlit``,
    ``helm``, ``compose``, ``systemd``, ``jupyter``) or, for YAML and shell, by kind
    (``kubernetes``, ``shell``)."""
    parts = PurePosixPath(path.replace("\\", "/").replace("!/", "/")).parts
    if not parts:
        return None
    name = parts[-1]
    folders = [p.lower() for p in parts[:-1]]
    if _DOCKERFILE.match(name):
        return "dockerfile"
    if _MAKEFILE.match(name):
        return "make"
    if folders[-1:] == [".streamlit"] and name.lower() == "config.toml":
        return "streamlit"
    if "templates" in folders and name.lower().endswith((".yaml", ".yml")):
        return "helm"  # a chart's template when a Chart.yaml is above its templates folder
    if _JUPYTER_CONFIG.match(name):
        return "jupyter"
    if _COMPOSE.match(name):
        return "compose"
    if name.endswith(".service") or (
        name.endswith(".conf") and len(parts) > 1 and parts[-2].endswith(".service.d")
    ):
        return "systemd"
    if is_yaml:
        return "kubernetes"
    if is_shell or name.endswith((".sh", ".bash")):
        return "shell"
    return None


#: Bytes searched for a marker in one file: a marker past them is never seen (the file is then
#: reported as not read, AI009, when it is larger).
SCAN_LIMIT = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


#: An import of a model loader's module however it is spelled: in a list (``import os,
#: pickle``), from it (``from pickle import loads``), after ``;`` or ``:``, across backslash
#: continuations, or by name (``importlib.import_module("pickle")``, ``__import__``).
_LOADERS = rb"(?:c?[Pp]ickle|_pickle|cloudpickle|dill|joblib|torch)"
LOADER_IMPORT = re.compile(
    rb"(?:^|[;:])[ \t]*(?:import|from)[ \t](?:[^\n\\]|\\\r?\n)*?\b" + _LOADERS + rb"\b"
    rb"|(?:__import__|import_module)\(\s*[\x27\x22]" + _LOADERS + rb"\b",
    re.MULTILINE,
)
#: Bytes two windows of :func:`imports_loader` share: an import statement shorter than this
#: lies whole in one of them.
_IMPORT_OVERLAP = 64 * 1024


def imports_loader(stream: BinaryIO, limit: int = SCAN_LIMIT) -> bool:
    """Whether the stream imports a model loader's module (:data:`LOADER_IMPORT`) in its first
    ``limit`` bytes, searched in overlapping windows."""
    stream.seek(0)
    tail = b""
    offset = 0
    while offset < limit:
        chunk = stream.read(min(_CHUNK, limit - offset))
        if not chunk:
            return False
        window = tail + chunk
        if LOADER_IMPORT.search(window):
            return True
        tail = window[-_IMPORT_OVERLAP:]
        offset += len(chunk)
    return False


def find_marker(
    stream: BinaryIO, markers: Iterable[bytes], start: int = 0, limit: int = SCAN_LIMIT
) -> int | None:
    """The offset of the first of ``markers`` (lower case) in the stream, from ``start`` on,
    searched case-insensitively up to ``limit`` bytes; None when none is there. Chunks overlap
    by the longest marker, so padding cannot split one across a boundary."""
    wanted = tuple(markers)
    overlap = max((len(m) for m in wanted), default=1) - 1
    stream.seek(start)
    tail = b""
    offset = start
    while offset < limit:
        chunk = stream.read(min(_CHUNK, limit - offset))
        if not chunk:
            return None
        window = (tail + chunk).lower()
        hits = [i for i in (window.find(m) for m in wanted) if i >= 0]
        if hits:
            return offset - len(tail) + min(hits)
        tail = window[-overlap:] if overlap else b""
        offset += len(chunk)
    return None
