"""A lexer for the Groovy a Jenkinsfile is written in: enough to tell a GString (``"..."``,
``\"\"\"...\"\"\"``, ``/.../``, ``$/.../$``: interpolated by Groovy before a step sees it) from a
plain string (``'...'``, ``'''...'''``: passed as written), and to find the ``$name.path`` and
``${ ... }`` interpolations of a GString with the strings nested inside them.

No Groovy library on PyPI reads this correctly: tree-sitter-groovy 0.1.2 loses its place after a
GString that holds a nested string (``"${ "a" }"``) or a dollar-slashy string, reading the rest
of the file wrongly, and dekobon-tree-sitter-groovy 0.3.0, which reads strings well, does not
parse a command call with named arguments (``sh script: "...", returnStdout: true``), the
usual way to call ``sh`` with options. Nothing here runs or evaluates Groovy.

What the lexer cannot read (a string or comment that does not end, more nesting or tokens
than the budget) raises :class:`GroovyError` with the reason and line, which the scanner
reports as an unreadable pipeline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

#: Tokens read from one file.
MAX_TOKENS = 400_000
#: Nesting of interpolations inside strings inside interpolations.
MAX_NESTING = 32

_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT_PART = _IDENT_START | frozenset("0123456789")
_PUNCT = frozenset("{}()[],;:.=+-*%!<>&|?~^@#\\")
#: Tokens after which a ``/`` divides (an operand ends there); elsewhere it starts a string.
_OPERAND_END = frozenset({"ident", "number", "string", ")", "]", "}"})


class GroovyError(ValueError):
    """The text cannot be read as Groovy; ``line`` is where the broken construct starts;
    ``budget`` when a budget (tokens, nesting) stopped the reading."""

    def __init__(self, message: str, line: int, *, budget: bool = False) -> None:
        super().__init__(f"{message} (line {line})")
        self.line = line
        self.budget = budget


class Quote(enum.Enum):
    """How a string is written, which decides whether Groovy interpolates it."""

    SINGLE = "'"
    TRIPLE_SINGLE = "'''"
    DOUBLE = '"'
    TRIPLE_DOUBLE = '"""'
    SLASHY = "/"
    DOLLAR_SLASHY = "$/"

    @property
    def interpolated(self) -> bool:
        return self in (Quote.DOUBLE, Quote.TRIPLE_DOUBLE, Quote.SLASHY, Quote.DOLLAR_SLASHY)


@dataclass(frozen=True, slots=True)
class Interpolation:
    """``$a.b`` or ``${ expr }`` inside a GString: ``start``/``end`` index it in the file;
    ``tokens`` are the expression's tokens (for ``$a.b``: the identifiers and dots)."""

    start: int
    end: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is ``ident``, ``number``, ``string``, ``newline`` or the punctuation itself."""

    kind: str
    text: str
    start: int
    end: int
    line: int
    col: int
    quote: Quote | None = None
    #: The string's content as Groovy reads it, interpolations masked by spaces.
    value: str = ""
    #: Where each interpolation sits in :attr:`value` (start, end) and what it holds.
    parts: tuple[tuple[int, int, Interpolation], ...] = field(default=())


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)
        self.count = 0
        self.starts = [0]
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)

    def position(self, index: int) -> tuple[int, int]:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, index - self.starts[lo] + 1

    def error(self, message: str, index: int, *, budget: bool = False) -> GroovyError:
        return GroovyError(message, self.position(index)[0], budget=budget)

    def tokens(
        self, start: int, end: int, depth: int, stop_at_brace: bool
    ) -> tuple[list[Token], int]:
        """Tokens from ``start``; with ``stop_at_brace``, up to the ``}`` that closes an
        interpolation (its index is returned), else to ``end``."""
        if depth > MAX_NESTING:
            raise self.error("interpolations nested too deeply", start, budget=True)
        out: list[Token] = []
        text = self.text
        index = start
        braces = 0
        previous = ""
        while index < end:
            self.count += 1
            if self.count > MAX_TOKENS:
                raise self.error(f"more than {MAX_TOKENS} tokens", index, budget=True)
            char = text[index]
            if char == "\n":
                out.append(self._token("newline", index, index + 1))
                index += 1
                continue
            if char in " \t\r\f":
                index += 1
                continue
            if text.startswith("//", index):
                stop = text.find("\n", index)
                index = end if stop < 0 or stop > end else stop
                continue
            if text.startswith("/*", index):
                stop = text.find("*/", index + 2)
                if stop < 0:
                    raise self.error("comment does not end", index)
                index = stop + 2
                continue
            if index == 0 and text.startswith("#!"):
                stop = text.find("\n")
                index = end if stop < 0 else stop
                continue
            token, index = self._one(index, end, depth, previous)
            if token.kind == "{":
                braces += 1
            elif token.kind == "}":
                if stop_at_brace and braces == 0:
                    return out, token.start
                braces -= 1
            out.append(token)
            previous = token.kind
        if stop_at_brace:
            raise self.error("interpolation does not end", start)
        return out, index

    def _token(self, kind: str, start: int, end: int, **more: object) -> Token:
        line, col = self.position(start)
        return Token(kind, self.text[start:end], start, end, line, col, **more)  # type: ignore[arg-type]

    def _one(self, index: int, end: int, depth: int, previous: str) -> tuple[Token, int]:
        text = self.text
        char = text[index]
        if text.startswith("$/", index):
            return self._string(index, Quote.DOLLAR_SLASHY, depth)
        if char in "'\"":
            triple = text.startswith(char * 3, index)
            if char == "'":
                quote = Quote.TRIPLE_SINGLE if triple else Quote.SINGLE
            else:
                quote = Quote.TRIPLE_DOUBLE if triple else Quote.DOUBLE
            return self._string(index, quote, depth)
        if char == "/" and previous not in _OPERAND_END and not text.startswith("/=", index):
            return self._string(index, Quote.SLASHY, depth)
        if char in _IDENT_START:
            stop = index + 1
            while stop < end and text[stop] in _IDENT_PART:
                stop += 1
            return self._token("ident", index, stop), stop
        if char.isdigit():
            stop = index + 1
            while stop < end and (text[stop].isalnum() or text[stop] in "._"):
                stop += 1
            return self._token("number", index, stop), stop
        return self._token(char if char in _PUNCT else "other", index, index + 1), index + 1

    def _string(self, start: int, quote: Quote, depth: int) -> tuple[Token, int]:
        text = self.text
        opener = len(quote.value)
        closer = {Quote.DOLLAR_SLASHY: "/$"}.get(quote, quote.value)
        index = start + opener
        value: list[str] = []
        parts: list[tuple[int, int, Interpolation]] = []
        while True:
            if index >= self.size:
                raise self.error(f"string opened with {quote.value} does not end", start)
            char = text[index]
            if text.startswith(closer, index):
                index += len(closer)
                break
            if quote in (Quote.SINGLE, Quote.DOUBLE) and char == "\n":
                raise self.error(
                    f"string opened with {quote.value} does not end on its line", start
                )
            if (
                quote is Quote.DOLLAR_SLASHY
                and char == "$"
                and text[index + 1 : index + 2] in ("$", "/")
            ):
                value.append(text[index + 1])
                index += 2
                continue
            if char == "\\" and quote not in (Quote.SLASHY, Quote.DOLLAR_SLASHY):
                escaped = text[index + 1 : index + 2]
                value.append(
                    {"n": "\n", "t": "\t"}.get(escaped, escaped) if escaped != "\n" else ""
                )
                index += 2
                continue
            if char == "\\" and quote is Quote.SLASHY and text[index + 1 : index + 2] == "/":
                value.append("/")
                index += 2
                continue
            if char == "$" and quote.interpolated:
                found = self._interpolation(index, depth)
                if found is not None:
                    interpolation, index = found
                    at = len("".join(value))
                    masked = "".join(
                        "\n" if c == "\n" else " "
                        for c in text[interpolation.start : interpolation.end]
                    )
                    value.append(masked)
                    parts.append((at, at + len(masked), interpolation))
                    continue
            value.append(char)
            index += 1
        token = self._token(
            "string", start, index, quote=quote, value="".join(value), parts=tuple(parts)
        )
        return token, index

    def _interpolation(self, index: int, depth: int) -> tuple[Interpolation, int] | None:
        text = self.text
        if text.startswith("${", index):
            inner, close = self.tokens(index + 2, self.size, depth + 1, stop_at_brace=True)
            return Interpolation(index, close + 1, tuple(inner)), close + 1
        stop = index + 1
        if stop >= self.size or text[stop] not in _IDENT_START or text[stop] == "$":
            return None
        tokens: list[Token] = []
        while True:
            begin = stop
            while stop < self.size and text[stop] in _IDENT_PART and text[stop] != "$":
                stop += 1
            tokens.append(self._token("ident", begin, stop))
            if (
                text.startswith(".", stop)
                and stop + 1 < self.size
                and text[stop + 1] in _IDENT_START
                and text[stop + 1] != "$"
            ):
                tokens.append(self._token(".", stop, stop + 1))
                stop += 1
                continue
            break
        return Interpolation(index, stop, tuple(tokens)), stop


def tokenize(text: str) -> list[Token]:
    """The tokens of a Groovy source; raises :class:`GroovyError` for what cannot be read."""
    reader = _Reader(text)
    tokens, _ = reader.tokens(0, len(text), 0, stop_at_brace=False)
    return tokens
