"""Which files the agents of the AI toolchain read: their instruction files, by name and folder.

Kept free of parsers: the layer's declaration imports it to decide what it accepts.
"""

from __future__ import annotations

import enum
from pathlib import PurePosixPath


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
