"""Matching what an instruction asks an agent to do, and reporting it where it sits.

Each instruction rule declares a table of :class:`Intent` rows (a pattern and what it means);
:class:`IntentCheck` runs a table over a document, drops instructions that forbid the very thing
(``never pipe curl into sh``), grades each match by its placement and says it in plain words,
revealing the text when it was hidden.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from outwork.analyzers.aitools.document import Document, Placement
from outwork.analyzers.aitools.hidden import show
from outwork.core.findings import Finding, finding
from outwork.core.rules import Rule

#: Characters of a match quoted in a message.
QUOTE = 160

#: A negation that governs the verb right after it ("never run", "do not send"); "don't
#: forget to run" is not one.
_NEGATED = re.compile(
    r"\b(?:never|not|don'?t|doesn'?t|avoid|mustn'?t|shouldn'?t|no|without|prohibit(?:ed)?|"
    r"forbid(?:den)?|refuse|disallow(?:ed)?)\b(?![\s*_`]+(?:forget|hesitate|fail|skip|miss)\b)"
    r"(?:[^.!?:;,\n]|[.:,](?=\S)){0,60}$",
    re.I,
)
_SENTENCE_BREAK = re.compile(r"[.!?:;]\s|\n\s*\n|\n\s*[-*#>]|\n\s*\d+\.\s")


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing an instruction can ask for: the rule it raises and what it means."""

    rule: type[Rule]
    what: str
    pattern: re.Pattern[str]
    #: The context of the rule's severity table for a match at this placement; by default the
    #: placement itself.
    context: Callable[[Document, re.Match[str]], enum.Enum] | None = field(default=None)


def negated(text: str, start: int) -> bool:
    """Whether the sentence up to ``start`` forbids what follows (``never run ...``)."""
    begin = max(0, start - 200)
    head = text[begin:start]
    breaks = list(_SENTENCE_BREAK.finditer(head))
    if breaks:
        head = head[breaks[-1].end() :]
    return bool(_NEGATED.search(head))


def describe(doc: Document, start: int, end: int) -> str:
    """The matched text, written out (hidden characters shown), quoted for a message."""
    text = show(doc.text[start:end].replace("\n", " ").strip())
    return text if len(text) <= QUOTE else text[: QUOTE - 1] + "…"


def where_hidden(doc: Document) -> str:
    if doc.origin is None:
        return ""
    return f" (hidden: {doc.origin.how})"


class IntentCheck:
    """Runs one rule family's intent table over a document."""

    def __init__(self, intents: tuple[Intent, ...]) -> None:
        self.intents = intents
        self.rules = tuple(dict.fromkeys(i.rule for i in intents))

    def run(self, doc: Document) -> Iterator[Finding]:
        seen: set[tuple[str, int]] = set()
        for intent in self.intents:
            for match in intent.pattern.finditer(doc.text):
                placement = doc.placement(match.start())
                if placement is not Placement.HIDDEN and negated(doc.text, match.start()):
                    continue
                line, column = doc.position(match.start())
                if (intent.rule.code, line) in seen:
                    continue
                seen.add((intent.rule.code, line))
                context = intent.context(doc, match) if intent.context else placement
                quoted = describe(doc, match.start(), match.end())
                yield finding(
                    intent.rule,
                    f"the file tells an agent to {intent.what}{where_hidden(doc)}: «{quoted}»",
                    line=line,
                    column=column,
                    severity=intent.rule.severity_in(context),
                    evidence=quoted,
                    properties={
                        "placement": placement.name.lower(),
                        "intent": intent.what,
                        "revealed": doc.text[:2000] if doc.origin else None,
                    },
                )
