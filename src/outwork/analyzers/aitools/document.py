"""An instruction file as an agent reads it, and as a person reviewing it sees it.

Markdown shows a reviewer its prose and code blocks but not its HTML comments; an agent reads all
three. Each character gets its :class:`Placement` from markdown-it's block map and the inline code
spans and comments of the prose, so a check can tell an instruction a reviewer would see from one
only the agent sees. Texts the file hides (tag characters, zero-width bits, encoded blobs) become
documents of their own, wholly hidden, placed at the line and column that carries them.
"""

from __future__ import annotations

import bisect
import enum
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt


class Placement(enum.Enum):
    """Where an instruction sits: the context of the severity tables of the instruction rules."""

    HIDDEN = "hidden from a reviewer (invisible characters, an encoded blob, an HTML comment)"
    PROSE = "in the visible prose an agent takes as an instruction"
    CODE = "in a code block or code span shown to a reviewer"


_CODE = 1
_HIDDEN = 2
_BLOCK = 3  # code, in a fenced or indented block rather than a span inside a sentence
_BY_MARK = {
    0: Placement.PROSE,
    _CODE: Placement.CODE,
    _HIDDEN: Placement.HIDDEN,
    _BLOCK: Placement.CODE,
}
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
_LINK_COMMENT = re.compile(r"^\[//\]: *#.*$", re.M)
#: Block structure only: inline parsing (links, emphasis) is not needed and is the slow part.
_PARSER = MarkdownIt("commonmark").disable(["inline", "text_join"])


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a hidden text was found in the file, and how it was hidden."""

    line: int
    column: int
    how: str


class Document:
    """One text with its line starts and the placement of every character."""

    __slots__ = ("_marks", "_starts", "origin", "text")

    def __init__(self, text: str, origin: Origin | None = None) -> None:
        self.text = text
        self.origin = origin
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._marks = bytearray(len(text) if origin is None else 0)
        if origin is None:
            self._mark_markdown()

    def placement(self, offset: int) -> Placement:
        if self.origin is not None:
            return Placement.HIDDEN
        return _BY_MARK[self._marks[offset]] if offset < len(self._marks) else Placement.PROSE

    def in_code_block(self, offset: int) -> bool:
        """Whether the offset is in a fenced or indented code block (documentation a person
        reads and runs), not a code span inside a sentence."""
        return self.origin is None and offset < len(self._marks) and self._marks[offset] == _BLOCK

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), 1-based, of an offset; a hidden text reports its carrier's."""
        if self.origin is not None:
            return self.origin.line, self.origin.column
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """Offsets of lines ``first`` (0-based) up to, not including, ``last``."""
        end = self._starts[last] if last < len(self._starts) else len(self.text)
        return self._starts[min(first, len(self._starts) - 1)], end

    def _mark_markdown(self) -> None:
        prose: list[tuple[int, int]] = []
        cursor = 0
        for token in _PARSER.parse(self.text):
            if token.map is None or (
                token.level != 0 and token.type not in ("fence", "code_block")
            ):
                continue
            start, end = self.line_span(*token.map)
            if token.type in ("fence", "code_block"):
                self._mark(start, end, _BLOCK)
            elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
                self._mark(start, end, _HIDDEN)
            else:
                continue
            prose.append((cursor, start))
            cursor = end
        prose.append((cursor, len(self.text)))
        for start, end in prose:
            self._mark_inline(start, end)

    def _mark_inline(self, start: int, end: int) -> None:
        for pattern, mark in ((_CODE_SPAN, _CODE), (_COMMENT, _HIDDEN), (_LINK_COMMENT, _HIDDEN)):
            for match in pattern.finditer(self.text, start, end):
                if self._marks[match.start()] == 0:
                    self._mark(match.start(), match.end(), mark)

    def _mark(self, start: int, end: int, mark: int) -> None:
        self._marks[start:end] = bytes([mark]) * (end - start)
