"""How a POSIX shell quotes each character of a script: enough to tell whether a ``$VAR`` is
expanded bare (split into words and globbed), inside double quotes (one word, its value never
parsed again) or inside single quotes (not expanded at all), and what a comment hides.

Nothing here runs or fully parses a shell; it follows quotes, backslashes and comments, which is
what decides how the value of a variable lands in the command.
"""

from __future__ import annotations

import enum


class Quoting(enum.IntEnum):
    """The quoting state of one character of a script."""

    BARE = 0
    DOUBLE = 1
    SINGLE = 2
    COMMENT = 3


def quoting(script: str) -> list[Quoting]:
    """The state of every character of ``script`` (a list as long as the script).

    Quotes do not end at a line break (a double-quoted string may span lines); a comment does.
    ``$'...'`` is taken as single quotes; ``\\`` escapes the next character outside single
    quotes. Unterminated quotes run to the end, as the shell would read them before failing.
    """
    states = [Quoting.BARE] * len(script)
    state = Quoting.BARE
    index = 0
    size = len(script)
    while index < size:
        char = script[index]
        if state is Quoting.COMMENT:
            if char == "\n":
                state = Quoting.BARE
            states[index] = state
            index += 1
            continue
        if state is Quoting.SINGLE:
            states[index] = state
            if char == "'":
                state = Quoting.BARE
            index += 1
            continue
        states[index] = state
        if char == "\\" and index + 1 < size:
            states[index + 1] = state
            index += 2
            continue
        if state is Quoting.DOUBLE:
            if char == '"':
                state = Quoting.BARE
        elif char == '"':
            state = Quoting.DOUBLE
        elif char == "'":
            state = Quoting.SINGLE
        elif char == "#" and (index == 0 or script[index - 1] in " \t\n;&|("):
            state = Quoting.COMMENT
            states[index] = state
        index += 1
    return states
