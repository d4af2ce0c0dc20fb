"""What the layer could not read in full: said, never dropped."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.core.rules import Confidence, Layer, Rule, Severity


class Unread(enum.Enum):
    """What was left, which grades the finding (issue 12: a budget that stops reading is high
    unless the rest was read and found clean)."""

    BUDGET = "a budget stopped reading: the rest of the file was not analysed"
    SYNTAX = "the file does not parse as what its name says"
    CAPPED = "the file was read whole; only the report of it was capped"


class AgentFileNotFullyRead(Rule):
    """Part of an agent instruction file or agent configuration was not analysed.

    ## What it finds

    A file larger than the layer reads (`aitools.max_bytes`, 1 MiB by default,
    more than an agent's context holds; Python and JavaScript source is read whole up to
    `aitools.max_source_bytes`, 16 MiB, since a module cut short does not parse), more hidden
    runs, look-alike words or blobs than one file's report holds, or a configuration that does
    not parse. The message says what was left.

    Deployment files (scripts, Makefiles, manifests, compose files) and source files are
    searched whole for the words that name an AI service or an MCP SDK, so padding a file past
    a probe does not make the layer skip it. A deployment file larger than the part parsed is
    reported when an AI service is named in the rest (with the offset), and stays quiet when
    the rest was searched and names none.

    A budget that stops reading (size, YAML nesting or nodes) is high: what was not read can
    hold the launch or the instruction. A file that does not parse, or a report that was capped
    after the whole file was read, is medium.

    ## Why it matters

    An agent reads the whole file. What the scanner left unread can hold the instruction that
    matters; padding a file past a limit is how an attacker would try to hide one.

    ## Example

    A 40 MB `.cursorrules` whose last line is the planted instruction; a launch script whose
    `OLLAMA_HOST=0.0.0.0 ollama serve` comes after 2 MB of comments.

    ## Remediation

    Read the rest of the file by hand, or raise the limit; agent instruction files of real
    projects are a few kilobytes.

    ## References

    - CWE-1284
    """

    code = "AI009"
    name = "agent-file-not-fully-read"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (1284,)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Unread.BUDGET: Severity.HIGH,
        Unread.SYNTAX: Severity.MEDIUM,
        Unread.CAPPED: Severity.MEDIUM,
    }
