"""How a POSIX shell quotes each character of a script: enough to tell whether a ``$VAR`` is
expanded bare (split into words and globbed), inside double quotes (one word, its value never
parsed again) or inside single quotes (not expanded at all), and what a comment hides.

Nothing here runs or fully parses a shell; it follows quotes, backslashes and comments, which is
what decides how the value of a variable lands in the command.
"""

from __future__ import annotations

import enum
import re


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


#: Words after which the next word is a command again.
_RESERVED = frozenset(
    {"then", "do", "else", "elif", "if", "while", "until", "!", "time", "exec", "command"}
)
_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def command_words(line: str, states: list[Quoting]) -> list[tuple[int, int]]:
    """The spans of the command words of one line (``states`` from :func:`quoting`): the first
    word of each simple command, after ``;``, ``&``, ``|``, ``(``, ``{``, ``$(`` and backticks
    (also inside double quotes, where a substitution starts a new command), leading
    ``NAME=value`` assignments and reserved words such as ``then`` skipped. A variable expanded
    there is run as a command."""
    spans: list[tuple[int, int]] = []
    index, size = 0, len(line)
    # the next word is in command position (not when the line continues a quoted string)
    expect = not (states and states[0] is not Quoting.BARE)
    while index < size:
        char, state = line[index], states[index] if index < len(states) else Quoting.BARE
        if state in (Quoting.SINGLE, Quoting.COMMENT):
            index += 1
            continue
        opens = char == "`" or (char == "$" and line[index + 1 : index + 2] == "(")
        if opens or (state is Quoting.BARE and char in ";&|({"):
            expect = True
            index += 2 if char == "$" else 1
            continue
        if state is Quoting.BARE and char in " \t)}":
            index += 1
            continue
        if state is Quoting.DOUBLE and not expect:
            index += 1
            continue
        end = _word_end(line, states, index)
        word = line[index:end]
        if expect and word not in _RESERVED and not _ASSIGNMENT_RE.match(word):
            spans.append((index, end))
            expect = False
        index = max(end, index + 1)
    return spans


def _word_end(line: str, states: list[Quoting], start: int) -> int:
    """Where the word that starts at ``start`` ends: at unquoted blanks or operators."""
    index = start
    while index < len(line):
        state = states[index] if index < len(states) else Quoting.BARE
        char = line[index]
        substitution = char == "`" or (char == "$" and line[index + 1 : index + 2] == "(")
        if index > start and state is not Quoting.SINGLE and substitution:
            break
        if state is Quoting.BARE and char in " \t;&|()<>":
            break
        index += 1
    return index
