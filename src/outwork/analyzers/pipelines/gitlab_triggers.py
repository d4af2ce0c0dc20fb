"""Which GitLab pipelines run a job: ``workflow:rules``, ``rules:``, ``only:`` and ``except:``
read for each kind of pipeline, without running anything.

Each kind of pipeline (:class:`Source`) fixes some predefined variables (a fork's merge request
pipeline has ``CI_PIPELINE_SOURCE == "merge_request_event"``, a source project that is not this
project, no ``CI_COMMIT_BRANCH``) and leaves the rest unknown. A rule's ``if:`` is evaluated in
three values (true, false, unknown) over that environment, in GitLab's order: the first rule that
matches decides, ``when: never`` excludes, no match excludes. A job *may run* in a pipeline when
some rule could match before any rule that surely excludes it. Conditions outwork cannot decide
(``changes:``, ``exists:``, a project's own variables) count as possible, so a job is never
called safe on a guess.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from outwork.analyzers.pipelines.yamlpos import Node


class Source(enum.Enum):
    """A kind of pipeline, by who starts it and with whose values."""

    FORK_MERGE_REQUEST = "a merge request pipeline for a fork's merge request, run in this project"
    MERGE_REQUEST = "a merge request pipeline for a branch of this project"
    BRANCH = "a branch pipeline (a push)"
    TAG = "a tag pipeline"
    EXTERNAL_PULL_REQUEST = "an external pull request pipeline (a GitHub repository's branch)"
    OTHER = "a scheduled, manual, API, trigger or downstream pipeline"


ALL_SOURCES = frozenset(Source)
#: Jobs without rules, only or except, in a pipeline without workflow:rules: only: [branches, tags].
DEFAULT_SOURCES = frozenset({Source.BRANCH, Source.TAG, Source.OTHER})


class _Kind(enum.Enum):
    UNSET = "unset"
    ONE_OF = "one of known strings"
    SYMBOL = "set; equal only to the same symbol"
    SET = "set to something unknown"
    ANY = "unknown, maybe unset"


@dataclass(frozen=True, slots=True)
class Value:
    kind: _Kind
    strings: frozenset[str] = frozenset()
    symbol: str = ""
    #: A symbol of a value an outsider owns (a fork's project path): no literal names it.
    foreign: bool = False


UNSET = Value(_Kind.UNSET)
SET = Value(_Kind.SET)
ANY = Value(_Kind.ANY)


def _one(*strings: str) -> Value:
    return Value(_Kind.ONE_OF, frozenset(strings))


def _sym(name: str, *, foreign: bool = False) -> Value:
    return Value(_Kind.SYMBOL, symbol=name, foreign=foreign)


_PROJECT = {
    "CI_PROJECT_ID": _sym("project-id"),
    "CI_PROJECT_PATH": _sym("project-path"),
    "CI_PROJECT_NAMESPACE": _sym("project-namespace"),
    "CI_PROJECT_ROOT_NAMESPACE": _sym("project-root-namespace"),
    "CI_PROJECT_URL": _sym("project-url"),
    "CI_DEFAULT_BRANCH": _sym("default-branch"),
    "CI_EXTERNAL_PULL_REQUEST_IID": UNSET,
    "CI_MERGE_REQUEST_ID": UNSET,
    "CI_MERGE_REQUEST_IID": UNSET,
    "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": UNSET,
    "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": UNSET,
    "CI_MERGE_REQUEST_SOURCE_PROJECT_URL": UNSET,
    "CI_MERGE_REQUEST_PROJECT_ID": UNSET,
    "CI_MERGE_REQUEST_PROJECT_PATH": UNSET,
    "CI_MERGE_REQUEST_TITLE": UNSET,
    "CI_MERGE_REQUEST_EVENT_TYPE": UNSET,
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": UNSET,
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": UNSET,
    "CI_COMMIT_REF_NAME": SET,
}
_MERGE_REQUEST = {
    "CI_PIPELINE_SOURCE": _one("merge_request_event"),
    "CI_MERGE_REQUEST_ID": SET,
    "CI_MERGE_REQUEST_IID": SET,
    "CI_MERGE_REQUEST_PROJECT_ID": _sym("project-id"),
    "CI_MERGE_REQUEST_PROJECT_PATH": _sym("project-path"),
    "CI_MERGE_REQUEST_TITLE": SET,
    "CI_MERGE_REQUEST_EVENT_TYPE": _one("detached", "merged_result", "merge_train"),
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": SET,
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": SET,
    "CI_COMMIT_BRANCH": UNSET,
    "CI_COMMIT_TAG": UNSET,
}
#: The predefined variables each kind of pipeline fixes; the rest are unknown.
ENVIRONMENTS: dict[Source, dict[str, Value]] = {
    Source.FORK_MERGE_REQUEST: {
        **_PROJECT,
        **_MERGE_REQUEST,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": _sym("fork-id", foreign=True),
        "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": _sym("fork-path", foreign=True),
        "CI_MERGE_REQUEST_SOURCE_PROJECT_URL": _sym("fork-url", foreign=True),
        "CI_COMMIT_REF_PROTECTED": _one("false"),
    },
    Source.MERGE_REQUEST: {
        **_PROJECT,
        **_MERGE_REQUEST,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": _sym("project-id"),
        "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": _sym("project-path"),
        "CI_MERGE_REQUEST_SOURCE_PROJECT_URL": _sym("project-url"),
    },
    Source.BRANCH: {
        **_PROJECT,
        "CI_PIPELINE_SOURCE": _one("push"),
        "CI_COMMIT_BRANCH": SET,
        "CI_COMMIT_TAG": UNSET,
    },
    Source.TAG: {
        **_PROJECT,
        "CI_PIPELINE_SOURCE": _one("push"),
        "CI_COMMIT_BRANCH": UNSET,
        "CI_COMMIT_TAG": SET,
    },
    Source.EXTERNAL_PULL_REQUEST: {
        **_PROJECT,
        "CI_PIPELINE_SOURCE": _one("external_pull_request_event"),
        "CI_EXTERNAL_PULL_REQUEST_IID": SET,
        "CI_COMMIT_TAG": UNSET,
    },
    Source.OTHER: {
        **_PROJECT,
        "CI_PIPELINE_SOURCE": _one(
            "schedule", "web", "api", "trigger", "pipeline", "parent_pipeline", "chat", "webide"
        ),
    },
}
#: ``only:``/``except:`` ref keywords -> the pipelines they name.
_REF_KEYWORDS: dict[str, frozenset[Source]] = {
    "branches": frozenset({Source.BRANCH, Source.OTHER}),
    "tags": frozenset({Source.TAG, Source.OTHER}),
    "merge_requests": frozenset({Source.FORK_MERGE_REQUEST, Source.MERGE_REQUEST}),
    "external_pull_requests": frozenset({Source.EXTERNAL_PULL_REQUEST}),
    "pushes": frozenset({Source.BRANCH, Source.TAG}),
    "schedules": frozenset({Source.OTHER}),
    "triggers": frozenset({Source.OTHER}),
    "pipelines": frozenset({Source.OTHER}),
    "web": frozenset({Source.OTHER}),
    "api": frozenset({Source.OTHER}),
    "chat": frozenset({Source.OTHER}),
    "external": frozenset({Source.OTHER}),
}
#: Nesting of parentheses and length of an ``if:`` that the evaluator reads.
MAX_EXPRESSION = 4096
_MAX_DEPTH = 32


# --- the expression language of rules:if --------------------------------------------------
_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)
      | (?P<op>==|!=|=~|!~|&&|\|\||\(|\))
      | (?P<null>null\b)
      | (?P<bad>\S)
    )""",
    re.X,
)


class _UnreadableError(ValueError):
    """An ``if:`` outside the grammar this evaluator reads."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        if kind == "bad":
            raise _UnreadableError(f"unexpected {match.group(kind)!r}")
        out.append((kind, match.group(kind)))
    return out


Truth = bool | None  # None: unknown


def _and(a: Truth, b: Truth) -> Truth:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Truth, b: Truth) -> Truth:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _not(a: Truth) -> Truth:
    return None if a is None else not a


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], env: Mapping[str, Value]) -> None:
        self.tokens = tokens
        self.at = 0
        self.env = env

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _UnreadableError("unexpected end")
        self.at += 1
        return token

    def parse(self) -> Truth:
        result = self.disjunction(0)
        if self.peek() is not None:
            raise _UnreadableError(f"unexpected {self.peek()}")
        return result

    def disjunction(self, depth: int) -> Truth:
        result = self.conjunction(depth)
        while self.peek() == ("op", "||"):
            self.take()
            result = _or(result, self.conjunction(depth))
        return result

    def conjunction(self, depth: int) -> Truth:
        result = self.primary(depth)
        while self.peek() == ("op", "&&"):
            self.take()
            result = _and(result, self.primary(depth))
        return result

    def primary(self, depth: int) -> Truth:
        if depth > _MAX_DEPTH:
            raise _UnreadableError("nested too deep")
        if self.peek() == ("op", "("):
            self.take()
            result = self.disjunction(depth + 1)
            if self.take() != ("op", ")"):
                raise _UnreadableError("unbalanced parentheses")
            return result
        left = self.operand()
        token = self.peek()
        if token is None or token[0] != "op" or token[1] not in ("==", "!=", "=~", "!~"):
            return _present(left)
        op = self.take()[1]
        right = self.operand()
        if op in ("==", "!="):
            equal = _equal(left, right)
            return equal if op == "==" else _not(equal)
        matched = _matches(left, right)
        return matched if op == "=~" else _not(matched)

    def operand(self) -> Value | str:
        kind, text = self.take()
        if kind == "var":
            name = text.strip("${}")
            return self.env.get(name, ANY)
        if kind == "str":
            return _one(text[1:-1])
        if kind == "null":
            return UNSET
        if kind == "regex":
            return text
        raise _UnreadableError(f"unexpected {text!r}")


def _present(value: Value | str) -> Truth:
    if isinstance(value, str):
        return True
    if value.kind is _Kind.UNSET:
        return False
    if value.kind is _Kind.ONE_OF:
        truths = {bool(s) for s in value.strings}
        return truths.pop() if len(truths) == 1 else None
    if value.kind in (_Kind.SYMBOL, _Kind.SET):
        return True
    return None


def _equal(left: Value | str, right: Value | str) -> Truth:
    if isinstance(left, str) or isinstance(right, str):
        return None  # a regular expression compared as a string: not worth guessing
    kinds = {left.kind, right.kind}
    if kinds == {_Kind.UNSET}:
        return True
    if _Kind.ANY in kinds:
        return None
    if _Kind.UNSET in kinds:
        other = right if left.kind is _Kind.UNSET else left
        return False if other.kind is not _Kind.ONE_OF else (None if "" in other.strings else False)
    if left.kind is _Kind.SYMBOL and right.kind is _Kind.SYMBOL:
        return left.symbol == right.symbol
    if _Kind.SYMBOL in kinds and _Kind.ONE_OF in kinds:
        symbol = left if left.kind is _Kind.SYMBOL else right
        return False if symbol.foreign else None
    if left.kind is _Kind.ONE_OF and right.kind is _Kind.ONE_OF:
        if len(left.strings) == 1 and left.strings == right.strings:
            return True
        return None if left.strings & right.strings else False
    return None


def _matches(left: Value | str, right: Value | str) -> Truth:
    if isinstance(left, str) or not isinstance(right, str):
        return None  # a pattern held in a variable: unknown
    if left.kind is _Kind.UNSET:
        return False
    if left.kind is _Kind.SYMBOL:
        return False if left.foreign else None
    if left.kind is not _Kind.ONE_OF:
        return None
    body, _, flags = right[1:].rpartition("/")
    try:
        pattern = re.compile(body, re.I if "i" in flags else 0)
    except re.error:
        return None
    truths = {bool(pattern.search(s)) for s in left.strings}
    return truths.pop() if len(truths) == 1 else None


def evaluate(expression: str, source: Source) -> Truth:
    """The value of a ``rules:if`` expression in a pipeline of kind ``source`` (None: unknown,
    also for an expression outside the grammar)."""
    if len(expression) > MAX_EXPRESSION:
        return None
    try:
        return _Parser(_tokens(expression), ENVIRONMENTS[source]).parse()
    except _UnreadableError:
        return None


# --- rules, only and except ----------------------------------------------------------------
def rules_run(rules: Node, sources: Iterable[Source]) -> frozenset[Source]:
    """The pipelines in which a ``rules:`` list may add the job (or, under ``workflow:``, create
    the pipeline)."""
    return frozenset(s for s in sources if _rules_may_match(rules, s))


def _rules_may_match(rules: Node, source: Source) -> bool:
    entries = rules.seq() if rules.is_seq else []
    for entry in entries:
        if entry.is_seq:  # a !reference or nested list of rules, already flattened by YAML
            if _rules_may_match(entry, source):
                return True
            continue
        if not entry.is_map:
            continue
        truth: Truth = True
        condition = entry.get("if")
        if condition is not None:
            truth = evaluate(condition.text(), source) if condition.is_str else None
        if entry.get("changes") is not None or entry.get("exists") is not None:
            truth = _and(truth, None)
        never = entry.text("when").strip() == "never"
        if truth is True:
            return not never
        if truth is None and not never:
            return True
    return False


def only_except_run(only: Node | None, exclude: Node | None) -> frozenset[Source]:
    """The pipelines an ``only:``/``except:`` pair allows (``only`` defaults to branches and
    tags)."""
    allowed = _policy(only) if only is not None else (DEFAULT_SOURCES, frozenset())
    sure, maybe = allowed
    if exclude is not None:
        out_sure, _ = _policy(exclude)
        sure = sure - out_sure
        maybe = maybe - out_sure
    return sure | maybe


def _policy(node: Node) -> tuple[frozenset[Source], frozenset[Source]]:
    """(pipelines surely named, pipelines possibly named) by an ``only``/``except`` value."""
    refs: list[Node] = []
    conditions: list[str] = []
    if node.is_str:
        refs = [node]
    elif node.is_seq:
        refs = node.seq()
    elif node.is_map:
        refs = node.children("refs")
        conditions = [v.text() for v in node.children("variables") if v.is_str]
        if node.get("changes") is not None or node.get("kubernetes") is not None:
            conditions.append("")
        if node.get("refs") is None:
            refs = []
    sure: set[Source] = set()
    maybe: set[Source] = set()
    for ref in refs:
        name = ref.text().strip()
        if name in _REF_KEYWORDS:
            sure |= _REF_KEYWORDS[name]
        elif name:  # a branch or tag name, a /pattern/ or a project path
            maybe |= {Source.BRANCH, Source.TAG, Source.OTHER}
    if node.is_map and node.get("refs") is None:
        sure |= ALL_SOURCES
    if conditions:
        decided = set()
        for source in sure:
            truths = [evaluate(c, source) if c else None for c in conditions]
            if any(t is True for t in truths):
                decided.add(source)
            elif any(t is None for t in truths):
                maybe.add(source)
        sure = decided
    return frozenset(sure), frozenset(maybe - sure)
