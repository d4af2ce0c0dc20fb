"""What the layer could not read in full: said, never dropped."""

from __future__ import annotations

from outwork.core.rules import Confidence, Layer, Rule, Severity


class AgentFileNotFullyRead(Rule):
    """Part of an agent instruction file or agent configuration was not analysed.

    ## What it finds

    A file larger than the layer reads (`aitools.max_bytes`, 1 MiB by default,
    more than an agent's context holds), more hidden
    runs, look-alike words or blobs than one file's report holds, or a configuration that does
    not parse. The message says what was left.

    ## Why it matters

    An agent reads the whole file. What the scanner left unread can hold the instruction that
    matters; padding a file past a limit is how an attacker would try to hide one.

    ## Example

    A 40 MB `.cursorrules` whose last line is the planted instruction.

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
