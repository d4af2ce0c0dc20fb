"""The model of a Jenkinsfile that the Jenkins checks of ``rules/`` read, built from the tokens of
:mod:`outwork.analyzers.pipelines.groovy`: the blocks (``pipeline``, ``stage('x')``, ``steps``,
``when``, ``environment``, ``withCredentials(...)``, ``script``, ``node``), the ``sh``, ``bat``,
``powershell`` and ``pwsh`` steps with their script argument, the credentials bound around
them, the variables an outsider chooses (change-request variables, webhook payload fields of the
Generic Webhook Trigger, build parameters) and the libraries and images the pipeline loads.

A step's script is a :class:`~outwork.analyzers.pipelines.scripts.Script`: the text the shell
receives, with Groovy's interpolations (``"${env.CHANGE_TITLE}"``) and concatenated values as
spliced references, since Groovy pastes them into the text before the shell parses it. In a
single-quoted string the same name (``'$CHANGE_TITLE'``) is expanded by the shell, which the
shared script helpers judge by its quoting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.groovy import GroovyError, Token, tokenize
from outwork.analyzers.pipelines.scripts import Origin, Script, Shell, Spliced

#: Steps that run a script, and the interpreter.
SCRIPT_STEPS = {
    "sh": Shell.POSIX,
    "bat": Shell.CMD,
    "powershell": Shell.POWERSHELL,
    "pwsh": Shell.POWERSHELL,
}
#: ``withCredentials`` binding arguments that name a variable.
_BINDING_ARGS = frozenset(
    {
        "variable",
        "usernameVariable",
        "passwordVariable",
        "keyFileVariable",
        "passphraseVariable",
        "tokenVariable",
        "credentialsVariable",
    }
)
#: Generic Webhook Trigger arguments whose entries' ``key`` names a variable.
_WEBHOOK_ARGS = frozenset({"genericVariables", "genericRequestVariables", "genericHeaderVariables"})
#: Names whose presence says the pipeline builds change requests (pull requests).
CHANGE_MARKERS = frozenset(
    {
        "CHANGE_ID",
        "CHANGE_TITLE",
        "CHANGE_BRANCH",
        "CHANGE_TARGET",
        "CHANGE_AUTHOR",
        "CHANGE_FORK",
        "CHANGE_URL",
        "changeRequest",
        "GenericTrigger",
        "ghprbPullTitle",
    }
)
#: ``when`` conditions that keep change requests out of a stage.
#: Conditions (of a stage's ``when``, or a scripted ``if``) that keep change requests out,
#: matched on the condition's tokens joined without spaces.
_GUARD_RE = re.compile(
    r"(?<![\w.])branch\(?(?:pattern:)?['\"](?!PR-)|\bbuildingTag\b|(?<![\w.])tag\(?['\"]|"
    r"\bnot\{changeRequest|CHANGE_ID==null|!(?:env\.)?CHANGE_ID\b|"
    r"BRANCH_NAME==~?['\"/](?!PR-)|TAG_NAME\b(?!==null)"
)
#: Nesting of blocks and brackets read.
MAX_DEPTH = 200
#: Assignments followed from a variable to its value (``def cmd = "..."``; then ``sh cmd``).
_MAX_RESOLVE = 4


@dataclass(frozen=True, slots=True)
class Frame:
    """A block: ``name`` is the call that opens it (``stage``, ``withCredentials``, ...), empty
    for a bare closure; ``args`` are the tokens of its parenthesised arguments."""

    name: str
    args: tuple[Token, ...]
    open: int
    close: int
    parent: int


@dataclass(frozen=True, slots=True)
class Step:
    """An ``sh``/``bat``/``powershell``/``pwsh`` call with the frames around it (innermost
    last) and its script argument's tokens."""

    name: str
    token: Token
    index: int
    frames: tuple[int, ...]
    script: tuple[Token, ...]


@dataclass(frozen=True, slots=True)
class Reference:
    """A Groovy value pasted into a script: the path as written (``env.CHANGE_TITLE``), where
    it is in the file, and where in the script text."""

    path: str
    start: int
    end: int


@dataclass
class JenkinsFile:
    """The tokens of a Jenkinsfile and its blocks; raises
    :class:`~outwork.analyzers.pipelines.groovy.GroovyError` when the text cannot be read or its
    brackets do not balance."""

    text: str
    path: str
    tokens: list[Token] = field(default_factory=list)
    #: The index of the bracket that closes (or opens) each bracket token.
    pairs: dict[int, int] = field(default_factory=dict)
    frames: list[Frame] = field(default_factory=list)
    #: For each token, the innermost frame holding it (-1 at the top level).
    innermost: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.tokens:
            self.tokens = tokenize(self.text)
        self.pairs = _pairs(self.tokens)
        self.frames, self.innermost = _frames(self.tokens, self.pairs)
        self.children: dict[int, list[int]] = {}
        for index, frame in enumerate(self.frames):
            self.children.setdefault(frame.parent, []).append(index)

    def enclosing(self, index: int) -> tuple[int, ...]:
        """The frames around token ``index``, outermost first."""
        chain: list[int] = []
        frame = self.innermost[index] if 0 <= index < len(self.innermost) else -1
        if frame >= 0 and self.frames[frame].open == index:
            frame = self.frames[frame].parent
        while frame >= 0 and len(chain) < MAX_DEPTH:
            chain.append(frame)
            frame = self.frames[frame].parent
        return tuple(reversed(chain))

    @cached_property
    def steps(self) -> list[Step]:
        out: list[Step] = []
        tokens = self.tokens
        for index, token in enumerate(tokens):
            if token.kind != "ident" or token.text not in SCRIPT_STEPS:
                continue
            before = _previous(tokens, index)
            if before is not None and before.kind == "." and _owner(tokens, index) != "steps":
                continue
            if before is not None and before.kind == "ident" and before.text in ("def", "void"):
                continue
            args = _call_args(tokens, index, self.pairs)
            if args is None:
                continue
            script = _script_arg(args)
            if script:
                out.append(Step(token.text, token, index, self.enclosing(index), script))
        return out

    @cached_property
    def assignments(self) -> dict[str, list[tuple[Token, ...]]]:
        """``name = expression`` anywhere in the file (flow-insensitive): name -> values."""
        out: dict[str, list[tuple[Token, ...]]] = {}
        tokens = self.tokens
        for index, token in enumerate(tokens):
            if token.kind != "=" or index == 0:
                continue
            target = tokens[index - 1]
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if target.kind != "ident" or (after is not None and after.kind == "="):
                continue
            before = tokens[index - 2] if index >= 2 else None
            if before is not None and before.kind in ("=", "!", "<", ">"):
                continue
            out.setdefault(target.text, []).append(_expression(tokens, index + 1))
        return out

    @cached_property
    def webhook_variables(self) -> frozenset[str]:
        """Names the Generic Webhook Trigger fills from a request (``key:`` of its variables)."""
        names: set[str] = set()
        tokens = self.tokens
        for index, token in enumerate(tokens):
            if token.kind == "ident" and token.text in _WEBHOOK_ARGS:
                nxt = _next(tokens, index)
                if nxt is None or nxt.kind != ":":
                    continue
                end = _bracket_end(tokens, index + 2, self.pairs)
                for at in range(index + 2, end):
                    if tokens[at].text == "key" and at + 2 < end and tokens[at + 1].kind == ":":
                        value = tokens[at + 2]
                        if value.kind == "string" and not value.parts:
                            names.add(value.value)
        return frozenset(names)

    @cached_property
    def declared_parameters(self) -> frozenset[str]:
        """Free-text build parameters (``string``, ``text``) of ``parameters { }`` or
        ``parameters([...])``: whoever starts the build chooses them (``choice`` and
        ``booleanParam`` offer fixed values)."""
        tokens = self.tokens
        ranges = [(f.open, f.close) for f in self.frames if f.name == "parameters"]
        ranges.extend(
            (index + 1, self.pairs[index + 1])
            for index, token in enumerate(tokens[:-1])
            if token.kind == "ident"
            and token.text == "parameters"
            and tokens[index + 1].kind == "("
        )
        names: set[str] = set()
        for start, end in ranges:
            for index in range(start, end):
                token = tokens[index]
                if token.kind != "ident" or token.text not in ("string", "text"):
                    continue
                for arg in _call_args(tokens, index, self.pairs) or []:
                    named = _named(arg)
                    if named and named[0] == "name" and named[1] and named[1][0].kind == "string":
                        names.add(named[1][0].value)
        return frozenset(names)

    @cached_property
    def builds_change_requests(self) -> bool:
        """Whether the file says it builds pull requests (change-request variables,
        ``changeRequest()`` conditions, a webhook trigger)."""
        return any(
            (t.kind == "ident" and t.text in CHANGE_MARKERS)
            or (
                t.kind == "string"
                and any(p[2].tokens and p[2].tokens[-1].text in CHANGE_MARKERS for p in t.parts)
            )
            for t in self.tokens
        )

    def guarded(self, frames: tuple[int, ...]) -> bool:
        """Whether a ``when`` block of an enclosing stage, or an enclosing scripted ``if``,
        keeps change requests out."""
        for index in frames:
            frame = self.frames[index]
            if frame.name == "if" and _GUARD_RE.search("".join(t.text for t in frame.args)):
                return True
            if frame.name != "stage":
                continue
            for child in self.children.get(index, []):
                when = self.frames[child]
                if when.name == "when":
                    text = "".join(t.text for t in self.tokens[when.open : when.close])
                    if _GUARD_RE.search(text):
                        return True
        return False

    def scoped(self, frames: tuple[int, ...], name: str) -> Iterator[Frame]:
        """The blocks called ``name`` directly inside the top level or one of ``frames``."""
        for owner in (-1, *frames):
            for child in self.children.get(owner, []):
                if self.frames[child].name == name:
                    yield self.frames[child]

    def credentials(self, frames: tuple[int, ...]) -> dict[str, Token]:
        """Variables bound to credentials around a step: ``withCredentials`` bindings of the
        enclosing frames and ``environment { X = credentials('id') }`` of the enclosing
        ``pipeline``/``stage`` (with ``X_USR`` and ``X_PSW``): name -> where it is bound."""
        out: dict[str, Token] = {}
        for index in frames:
            frame = self.frames[index]
            if frame.name == "withCredentials":
                out.update(_bindings(frame.args))
        for frame in self.scoped(frames, "environment"):
            body = self.tokens[frame.open + 1 : frame.close]
            for name, value in _statements(body):
                if any(t.kind == "ident" and t.text == "credentials" for t in value):
                    out[name.text] = name
                    out[f"{name.text}_USR"] = name
                    out[f"{name.text}_PSW"] = name
        return out

    def binding_sites(self) -> Iterator[tuple[str, Token, tuple[int, ...]]]:
        """Every credential binding: (variable, where, the frames around it)."""
        for index, frame in enumerate(self.frames):
            if frame.name == "withCredentials":
                for name, token in _bindings(frame.args).items():
                    yield name, token, (*self.enclosing(frame.open), index)
            elif frame.name == "environment":
                body = self.tokens[frame.open + 1 : frame.close]
                for target, value in _statements(body):
                    if any(t.kind == "ident" and t.text == "credentials" for t in value):
                        yield target.text, target, self.enclosing(frame.open)

    def environment(self, frames: tuple[int, ...]) -> dict[str, tuple[tuple[str, ...], Origin]]:
        """Variables of ``environment`` blocks in scope set from attacker values:
        name -> (chain from the source, origin)."""
        out: dict[str, tuple[tuple[str, ...], Origin]] = {}
        for frame in self.scoped(frames, "environment"):
            body = self.tokens[frame.open + 1 : frame.close]
            for name, value in _statements(body):
                for ref in references(value):
                    hit = self.origin(ref.path, out)
                    if hit is not None:
                        out[name.text] = ((*hit[0], f"environment.{name.text}"), hit[1])
                        break
        return out

    def origin(
        self, path: str, derived: dict[str, tuple[tuple[str, ...], Origin]]
    ) -> tuple[tuple[str, ...], Origin] | None:
        """Who chooses the value of a Groovy reference (``env.X``, ``params.X``, ``X``)."""
        head, _, rest = path.partition(".")
        name = rest.split(".", 1)[0] if head in ("env", "params") else head
        if not name:
            return None
        if name in self.webhook_variables:
            return (f"webhook.{name}",), Origin.TEXT
        if head == "params" or name in self.declared_parameters:
            return (path,), Origin.PARAMETER
        origin = systems.JENKINS_ENV.get(name)
        if origin is not None:
            return (path,), origin
        return derived.get(name)

    def script(self, step: Step) -> tuple[Script, list[Reference]] | None:
        """The script of a step as the interpreter receives it, and the Groovy values pasted
        into it (interpolations and concatenated operands)."""
        pieces = _pieces(self, step.script, 0)
        if not pieces:
            return None
        text_parts: list[str] = []
        rows: list[tuple[int, int]] = []
        refs: list[Reference] = []
        for token, value, spliced in pieces:
            base = sum(len(p) for p in text_parts)
            line, col = token.line, token.col
            lines = value.split("\n")
            if rows and lines:
                lines = lines[1:]
                if not text_parts or text_parts[-1].endswith("\n"):
                    rows.append((line, col))
            else:
                rows.append((line, col))
            rows.extend((line + i + 1, 1) for i in range(len(value.split("\n")) - 1))
            text_parts.append(value)
            refs.extend(Reference(path, base + start, base + end) for path, start, end in spliced)
        text = "".join(text_parts)
        shell = SCRIPT_STEPS[step.name]
        return Script(text, tuple(rows), f"{step.name}@{step.token.line}", shell), refs

    def spliced(self, step: Step, script: Script, refs: list[Reference]) -> Script:
        derived = self.environment(step.frames)
        found: list[Spliced] = []
        for ref in refs:
            hit = self.origin(ref.path, derived) or self._local(ref.path, derived)
            if hit is not None:
                chain = hit[0] if hit[0] != (ref.path,) else ()
                found.append(Spliced(ref.path, hit[1], ref.start, ref.end, chain))
        return Script(script.text, script.rows, script.logical, script.shell, tuple(found))

    def _local(
        self, name: str, derived: dict[str, tuple[tuple[str, ...], Origin]]
    ) -> tuple[tuple[str, ...], Origin] | None:
        """A local variable (``def title = env.CHANGE_TITLE``) interpolated by name: the first
        attacker value among its assignments."""
        if "." in name:
            return None
        for value in self.assignments.get(name, [])[:_MAX_RESOLVE]:
            for ref in references(value):
                hit = self.origin(ref.path, derived)
                if hit is not None:
                    return (*hit[0], name), hit[1]
        return None

    def libraries(self) -> Iterator[tuple[Token, str]]:
        """Shared libraries: ``@Library('name@version')`` and ``library 'name@version'`` /
        ``library identifier: 'name@version'``: (the string token, the reference)."""
        tokens = self.tokens
        for index, token in enumerate(tokens):
            if token.kind != "ident" or token.text not in ("Library", "library"):
                continue
            before = _previous(tokens, index)
            if token.text == "Library" and (before is None or before.kind != "@"):
                continue
            if token.text == "library" and before is not None and before.kind == ".":
                continue
            args = _call_args(tokens, index, self.pairs)
            for arg in args or []:
                named = _named(arg)
                if named is not None and named[0] != "identifier":
                    continue
                values = named[1] if named is not None else arg
                for value in values:
                    if value.kind == "string" and not value.parts:
                        yield value, value.value

    def images(self) -> Iterator[tuple[Token, str]]:
        """Docker images: ``agent { docker { image 'x' } }``, ``agent { docker 'x' }``,
        ``docker(image: 'x')`` and ``docker.image('x')``."""
        tokens = self.tokens
        for index, token in enumerate(tokens):
            if token.kind != "ident" or token.text not in ("image", "docker"):
                continue
            before = _previous(tokens, index)
            dotted = before is not None and before.kind == "."
            if token.text == "image" and dotted and _owner(tokens, index) != "docker":
                continue
            if token.text == "docker" and not any(
                self.frames[i].name == "agent" for i in self.enclosing(index)
            ):
                continue
            args = _call_args(tokens, index, self.pairs)
            for arg in args or []:
                named = _named(arg)
                values = (
                    named[1]
                    if named is not None and named[0] == "image"
                    else (arg if named is None else ())
                )
                for value in values[:1]:
                    if value.kind == "string" and not value.parts:
                        yield value, value.value


def references(tokens: tuple[Token, ...] | list[Token]) -> list[Reference]:
    """The Groovy names read by an expression (``env.X``, ``params.X``, ``X``), its strings'
    interpolations included: (path, file offsets)."""
    out: list[Reference] = []
    work: list[tuple[Token, ...]] = [tuple(tokens)]
    while work:
        current = work.pop()
        index = 0
        while index < len(current):
            token = current[index]
            if token.kind == "string":
                work.extend(part[2].tokens for part in token.parts)
                index += 1
                continue
            if token.kind != "ident" or (index > 0 and current[index - 1].kind == "."):
                index += 1
                continue
            path = [token.text]
            end = token.end
            stop = index + 1
            while stop + 1 < len(current):
                if current[stop].kind == "." and current[stop + 1].kind == "ident":
                    path.append(current[stop + 1].text)
                    end = current[stop + 1].end
                    stop += 2
                elif (
                    current[stop].kind == "["
                    and stop + 2 < len(current)
                    and current[stop + 1].kind == "string"
                    and current[stop + 2].kind == "]"
                ):
                    path.append(current[stop + 1].value)
                    end = current[stop + 2].end
                    stop += 3
                else:
                    break
            out.append(Reference(".".join(path[:2]), token.start, end))
            index = stop
    return out


def _pieces(
    file: JenkinsFile, tokens: tuple[Token, ...], depth: int
) -> list[tuple[Token, str, list[tuple[str, int, int]]]]:
    """A script expression as (token, text, pasted Groovy values with offsets in the text):
    string literals, ``+`` concatenations, and variables resolved through their
    assignments."""
    out: list[tuple[Token, str, list[tuple[str, int, int]]]] = []
    operands = _split(tokens, "+")
    for operand in operands:
        first = operand[0] if operand else None
        if first is None:
            continue
        if first.kind == "string":
            spliced = [
                (ref.path, start, end)
                for start, end, interpolation in first.parts
                for ref in references(interpolation.tokens)
            ]
            out.append((first, first.value, spliced))
            continue
        refs = references(operand)
        if len(operand) == 1 and first.kind == "ident" and depth < _MAX_RESOLVE:
            values = file.assignments.get(first.text, [])
            resolved = [p for value in values[:4] for p in _pieces(file, value, depth + 1)]
            if resolved:
                out.extend(resolved)
                continue
        placeholder = " " * max(1, min(len(refs[0].path) if refs else 1, 40))
        out.append((first, placeholder, [(r.path, 0, len(placeholder)) for r in refs[:1]]))
    return out


def _split(tokens: tuple[Token, ...], separator: str) -> list[tuple[Token, ...]]:
    parts: list[tuple[Token, ...]] = []
    depth = 0
    current: list[Token] = []
    for token in tokens:
        if token.kind in "([{" and len(token.kind) == 1:
            depth += 1
        elif token.kind in ")]}" and len(token.kind) == 1:
            depth -= 1
        if depth == 0 and token.kind == separator:
            parts.append(tuple(current))
            current = []
            continue
        if token.kind != "newline":
            current.append(token)
    parts.append(tuple(current))
    return parts


def _pairs(tokens: list[Token]) -> dict[int, int]:
    """Matching brackets, both ways; brackets that do not balance raise GroovyError."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    closers = {")": "(", "]": "[", "}": "{"}
    for index, token in enumerate(tokens):
        if token.kind in ("(", "[", "{"):
            stack.append(index)
        elif token.kind in closers:
            if not stack or tokens[stack[-1]].kind != closers[token.kind]:
                raise GroovyError(f"{token.kind} does not close an opened bracket", token.line)
            opened = stack.pop()
            pairs[opened] = index
            pairs[index] = opened
    if stack:
        raise GroovyError(f"{tokens[stack[-1]].kind} is never closed", tokens[stack[-1]].line)
    if len(stack) > MAX_DEPTH:
        raise GroovyError("brackets nested too deeply", tokens[stack[-1]].line, budget=True)
    return pairs


def _frames(tokens: list[Token], pairs: dict[int, int]) -> tuple[list[Frame], list[int]]:
    """Every block in order of its opening brace, and the innermost block of each token."""
    frames: list[Frame] = []
    innermost = [-1] * len(tokens)
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind == "{":
            if len(stack) >= MAX_DEPTH:
                raise GroovyError("blocks nested too deeply", token.line, budget=True)
            name, args = _head(tokens, index, pairs)
            frames.append(Frame(name, args, index, pairs[index], stack[-1] if stack else -1))
            stack.append(len(frames) - 1)
            innermost[index] = stack[-1]
        elif token.kind == "}":
            innermost[index] = stack[-1]
            stack.pop()
        else:
            innermost[index] = stack[-1] if stack else -1
    return frames, innermost


def _previous(tokens: list[Token], index: int) -> Token | None:
    index -= 1
    while index >= 0 and tokens[index].kind == "newline":
        index -= 1
    return tokens[index] if index >= 0 else None


def _owner(tokens: list[Token], index: int) -> str:
    """For ``a.b`` with ``b`` at ``index``: ``a`` (empty when it is not a name)."""
    dot = index - 1
    while dot >= 0 and tokens[dot].kind == "newline":
        dot -= 1
    owner = _previous(tokens, dot) if dot >= 0 else None
    return owner.text if owner is not None and owner.kind == "ident" else ""


def _next(tokens: list[Token], index: int) -> Token | None:
    index += 1
    while index < len(tokens) and tokens[index].kind == "newline":
        index += 1
    return tokens[index] if index < len(tokens) else None


def _bracket_end(tokens: list[Token], index: int, pairs: dict[int, int]) -> int:
    while index < len(tokens) and tokens[index].kind == "newline":
        index += 1
    if index < len(tokens) and tokens[index].kind in ("[", "("):
        return pairs[index]
    return index


def _head(tokens: list[Token], brace: int, pairs: dict[int, int]) -> tuple[str, tuple[Token, ...]]:
    """The call that opens the block at ``brace``: ``name(args) {``, ``name 'x' {`` or
    ``name {``."""
    at = brace - 1
    while at >= 0 and tokens[at].kind == "newline":
        at -= 1
    if at < 0:
        return "", ()
    before = tokens[at]
    if before.kind == ")":
        opened = pairs[at]
        name = _previous(tokens, opened)
        label = name.text if name is not None and name.kind == "ident" else ""
        return label, tuple(tokens[opened + 1 : at])
    if before.kind == "ident":
        return before.text, ()
    if before.kind == "string":
        name = _previous(tokens, at)
        if name is not None and name.kind == "ident":
            return name.text, (before,)
    return "", ()


def _call_args(
    tokens: list[Token], index: int, pairs: dict[int, int]
) -> list[tuple[Token, ...]] | None:
    """The arguments of the call whose name is at ``index``: ``name(a, b)`` or the command
    form ``name a, b`` (to the end of the line); None when it is not a call."""
    if index + 1 >= len(tokens):
        return None
    nxt = tokens[index + 1]
    if nxt.kind == "(":
        close = pairs[index + 1]
        return [a for a in _split(tuple(tokens[index + 2 : close]), ",") if a]
    if nxt.kind in ("string", "ident", "[", "number"):
        end = index + 1
        depth = 0
        while end < len(tokens):
            kind = tokens[end].kind
            if kind in ("(", "[", "{"):
                depth += 1
            elif kind in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and kind in ("newline", ";") and tokens[end - 1].kind not in ",+:":
                break
            end += 1
        if (
            nxt.kind == "ident"
            and end > index + 2
            and tokens[index + 2].kind not in (":", ",", "+", ".")
        ):
            return None  # ``sh foo bar``: not a call Groovy accepts
        return [a for a in _split(tuple(tokens[index + 1 : end]), ",") if a]
    return None


def _named(arg: tuple[Token, ...]) -> tuple[str, tuple[Token, ...]] | None:
    if len(arg) >= 2 and arg[0].kind in ("ident", "string") and arg[1].kind == ":":
        name = arg[0].value if arg[0].kind == "string" else arg[0].text
        return name, arg[2:]
    return None


def _script_arg(args: list[tuple[Token, ...]]) -> tuple[Token, ...]:
    for arg in args:
        named = _named(arg)
        if named is not None and named[0] == "script":
            return _strip_calls(named[1])
    for arg in args:
        if _named(arg) is None:
            return _strip_calls(arg)
    return ()


def _strip_calls(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """``"...".stripIndent().trim()`` -> the string: method calls on a literal keep its text."""
    if tokens and tokens[0].kind == "string" and len(tokens) > 1 and tokens[1].kind == ".":
        rest = tokens[1:]
        if all(t.kind in (".", "ident", "(", ")") for t in rest):
            return tokens[:1]
    return tokens


def _expression(tokens: list[Token], start: int) -> tuple[Token, ...]:
    """The expression from ``start`` to the end of its line (brackets may span lines)."""
    end = start
    depth = 0
    while end < len(tokens):
        kind = tokens[end].kind
        if kind in ("(", "[", "{"):
            depth += 1
        elif kind in (")", "]", "}"):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and kind in ("newline", ";") and tokens[end - 1].kind not in ("+", "="):
            break
        end += 1
    return tuple(t for t in tokens[start:end] if t.kind != "newline")


def _statements(body: list[Token]) -> Iterator[tuple[Token, tuple[Token, ...]]]:
    """``NAME = expression`` statements of an ``environment`` block."""
    for index, token in enumerate(body):
        starts = index == 0 or body[index - 1].kind in ("newline", ";", "{")
        if (
            token.kind == "ident"
            and starts
            and index + 1 < len(body)
            and body[index + 1].kind == "="
        ):
            yield token, _expression(body, index + 2)


def _bindings(args: tuple[Token, ...]) -> dict[str, Token]:
    """Variables a ``withCredentials([...])`` binds: name -> its string token."""
    out: dict[str, Token] = {}
    for index, token in enumerate(args):
        if token.kind != "ident" or token.text not in _BINDING_ARGS or index + 2 >= len(args):
            continue
        value = args[index + 2]
        if args[index + 1].kind == ":" and value.kind == "string" and not value.parts:
            out[value.value] = value
    return out
