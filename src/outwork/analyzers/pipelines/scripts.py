"""Scripts of the CI systems other than GitHub Actions and GitLab CI (Azure Pipelines, CircleCI,
Bitbucket Pipelines, Jenkins): where an attacker's value lands in a script and where a secret
leaves one.

Each system's model (``azure``, ``circleci``, ``bitbucket``, ``jenkins``) hands its scripts over as
:class:`Script` objects with the references the system itself substitutes into the text before
any shell runs (:class:`Spliced`: Azure macros and template expressions, CircleCI ``<< >>``,
Groovy GString interpolation). Those are code whatever the shell's quoting, because the value is
pasted into the program text. References the shell expands at run time (``$BRANCH``) are judged
here by how the shell quotes them (``shell.quoting``): inside text an evaluator parses, bare
(split and globbed), or quoted (data).
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.shell import Quoting, quoting
from outwork.analyzers.pipelines.workflow import Document
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Rule

#: Findings reported for one script; the rest are left out.
MAX_FINDINGS_PER_SCRIPT = 200
_EVALUATORS = [re.compile(p) for p in data.GITLAB_EVALUATORS]
_PWSH_EVALUATORS = [re.compile(p, re.I) for p in (r"\binvoke-expression\b", r"\biex\b")]
#: Variable names that say they hold a credential.
SECRET_NAME_RE = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*?(?:TOKEN|PASSWORD|PASSWD|SECRET|_KEY|APIKEY|API_KEY|_PASS|"
    r"PRIVATE_KEY|CREDENTIALS?|_PAT|_AUTH)(?:_B64|_BASE64|_ENCODED)?$",
    re.I,
)
#: Names that look like a credential but hold none.
_NOT_SECRET_RE = re.compile(
    r"(?:_ID|_FILE|_PATH|_NAME|_URL|_TYPE|_LENGTH)$|^(?:CI_JOB_TOKEN|PUBLIC_KEY|SSH_KEY_FINGERPRINT)$",
    re.I,
)
_SHELL_REF_RE = re.compile(r"\$env:([A-Za-z_][A-Za-z0-9_]*)|\$\{?([A-Za-z_][A-Za-z0-9_]*)", re.I)
#: References that can carry a secret into a script: Azure ``$(NAME)`` macros, ``${NAME}``,
#: ``$NAME`` and PowerShell's ``$env:NAME`` (groups 1 to 4).
SECRET_REF_RE = re.compile(
    r"\$\(([A-Za-z_][\w.]*)\)|\$\{([A-Za-z_]\w*)\}|\$env:([A-Za-z_]\w*)|\$([A-Za-z_]\w*)", re.I
)
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.*)$")
_PRINT_RE = re.compile(r"^\s*(?:echo|printf|cat\s+<<<|Write-(?:Host|Output))\b", re.I)
_REDIRECT_RE = re.compile(r"(?<![<>&\d])(>>?)\s*([^\s;&|<>]+)")
_TRACE_RE = re.compile(r"^\s*set\s+(?:-[a-wyz]*x[a-z]*|-o\s+xtrace)\b|^\s*(?:ba)?sh\s+-[a-z]*x")


class Shell(enum.Enum):
    """The interpreter of a script: its quoting decides how an expanded value lands."""

    POSIX = "sh"
    POWERSHELL = "pwsh"
    CMD = "cmd"


class Origin(enum.Enum):
    """Who chooses an attacker-controlled value."""

    TEXT = (
        "free text an outsider writes (a commit message that a merge brings in, a pull request's"
        " title or body, an author's name)"
    )
    BRANCH = "a branch or tag name, chosen by whoever pushes it or opens the pull request"
    PARAMETER = "a parameter, chosen by the template's caller or whoever starts the run"

    @property
    def short(self) -> str:
        return _SHORT[self]


_SHORT = {
    Origin.TEXT: "text an outsider writes",
    Origin.BRANCH: "a branch or tag name",
    Origin.PARAMETER: "a parameter's value",
}


class Landing(enum.Enum):
    """How an attacker's value reaches the interpreter."""

    SPLICED = "pasted into the script's text before the shell runs (quotes do not help)"
    EVALUATED = "expanded by the shell into text an evaluator parses (eval, sh -c, ssh ...)"
    UNQUOTED = "expanded by the shell without quotes (split into words, wildcards expanded)"


@dataclass(frozen=True, slots=True)
class Spliced:
    """A reference the CI system substitutes into the script text: ``start``/``end`` index the
    reference in :attr:`Script.text`."""

    name: str
    origin: Origin
    start: int
    end: int
    #: How the value got here (variables it passed through), source first.
    chain: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Script:
    """A script the system hands to an interpreter, and where it is in the file: ``rows`` holds
    the file position (line, column) of each line of :attr:`text`, as each system finds them
    (YAML block scalars, Groovy strings)."""

    text: str
    rows: tuple[tuple[int, int], ...]
    logical: str
    shell: Shell
    spliced: tuple[Spliced, ...] = ()

    def position(self, offset: int) -> tuple[int, int]:
        """The file position of the line that holds ``offset``."""
        row = self.text.count("\n", 0, offset)
        return self.rows[min(row, len(self.rows) - 1)] if self.rows else (1, 1)


@dataclass(frozen=True, slots=True)
class Injection:
    """An attacker's value reaching an interpreter."""

    name: str
    origin: Origin
    landing: Landing
    offset: int
    sink: str
    chain: tuple[str, ...]


def injections(
    script: Script, environment: Mapping[str, Origin], derived: Mapping[str, tuple[str, ...]]
) -> Iterator[Injection]:
    """Every spliced reference, then the worst run-time use of an attacker-controlled
    environment variable on each line (``environment``: upper-case name -> origin; ``derived``:
    names whose value was built from one of them -> the chain from the source)."""
    for ref in script.spliced:
        sink = _sink_before(script, ref.start) or script.shell.value
        yield Injection(ref.name, ref.origin, Landing.SPLICED, ref.start, sink, ref.chain)
    if not environment or "$" not in script.text:
        return
    if script.shell is Shell.CMD:
        return
    states = quoting(script.text) if script.shell is Shell.POSIX else None
    derived = dict(derived)
    offset = 0
    for line in script.text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if "$" not in line:
            continue
        assigned = _ASSIGN_RE.match(line) if script.shell is Shell.POSIX else None
        if assigned is not None:
            _assign(assigned, start, states, environment, derived)
            continue
        found = _line_use(line, start, states, script.shell, environment, derived)
        if found is not None:
            yield found


def _assign(
    assigned: re.Match[str],
    start: int,
    states: list[Quoting] | None,
    environment: Mapping[str, Origin],
    derived: dict[str, tuple[str, ...]],
) -> None:
    """``NAME=...$BRANCH...`` makes ``NAME`` carry the value for the lines after it (quoting
    at the assignment does not matter: the value is what is stored)."""
    name = assigned.group(1)
    derived.pop(name, None)
    for match in _SHELL_REF_RE.finditer(assigned.group(2)):
        ref = match.group(1) or match.group(2)
        at = start + assigned.start(2) + match.start()
        if states is not None and states[at] in (Quoting.SINGLE, Quoting.COMMENT):
            continue
        if ref in environment:
            derived[name] = (ref, name)
            return
        if ref in derived:
            derived[name] = (*derived[ref], name)
            return


def _line_use(
    line: str,
    start: int,
    states: list[Quoting] | None,
    shell: Shell,
    environment: Mapping[str, Origin],
    derived: Mapping[str, tuple[str, ...]],
) -> Injection | None:
    uses: list[tuple[str, Origin, tuple[str, ...], Quoting, int]] = []
    for match in _SHELL_REF_RE.finditer(line):
        name = match.group(1) or match.group(2)
        if shell is Shell.POWERSHELL and match.group(1) is None:
            continue  # $name in PowerShell is a PowerShell variable, not the environment
        key = name.upper() if shell is Shell.POWERSHELL else name
        origin = environment.get(key)
        chain: tuple[str, ...] = (key,)
        if origin is None and key in derived:
            chain = derived[key]
            origin = environment.get(chain[0])
        if origin is None:
            continue
        state = states[start + match.start()] if states is not None else Quoting.DOUBLE
        if state is Quoting.COMMENT or (state is Quoting.SINGLE and shell is Shell.POSIX):
            continue
        uses.append((name, origin, chain, state, match.start()))
    evaluators = _EVALUATORS if shell is Shell.POSIX else _PWSH_EVALUATORS
    for name, origin, chain, _state, at in uses:
        for pattern in evaluators:
            sink = pattern.search(line)
            if sink and sink.start() < at:
                return Injection(
                    name, origin, Landing.EVALUATED, start + at, sink.group(0), _chain(chain)
                )
    for name, origin, chain, state, at in uses:
        if state is Quoting.BARE:
            return Injection(name, origin, Landing.UNQUOTED, start + at, "unquoted", _chain(chain))
    return None


def _chain(chain: tuple[str, ...]) -> tuple[str, ...]:
    return chain if len(chain) > 1 else ()


def _sink_before(script: Script, at: int) -> str:
    """The evaluator on the line of ``at``, before it (the spliced text is code either way)."""
    begin = script.text.rfind("\n", 0, at) + 1
    head = script.text[begin:at]
    evaluators = _EVALUATORS if script.shell is Shell.POSIX else _PWSH_EVALUATORS
    found = [m.group(0) for p in evaluators if (m := p.search(head))]
    return found[0] if found else ""


def injection_finding(rule: type[Rule], script: Script, found: Injection, what: str) -> Finding:
    """The finding of ``rule`` for one injection into ``script``; ``what`` names the reference
    as the user wrote it (``$(Build.SourceBranchName)``, ``<< pipeline.git.branch >>``)."""
    line, col = script.position(found.offset)
    hops = " -> ".join((*found.chain, what)) if found.chain else what
    sink = found.sink or script.shell.value
    if found.landing is Landing.SPLICED:
        message = (
            f"{what} is pasted into the {script.shell.value} script before it runs: "
            f"{found.origin.short} becomes code"
        )
        severity = rule.severity_in(found.origin)
        confidence = Confidence.HIGH
    elif found.landing is Landing.EVALUATED:
        message = f"{what} is expanded into text that `{sink}` evaluates as code"
        severity = rule.severity_in(found.origin)
        confidence = Confidence.HIGH
    else:
        message = (
            f"{what} is expanded without quotes: the shell splits it into words and expands"
            " wildcards, so it can add arguments or options to the command"
        )
        severity = rule.severity_in(Landing.UNQUOTED)
        confidence = Confidence.LOW
    return finding(
        rule,
        message,
        line=line,
        column=col,
        logical=script.logical,
        severity=severity,
        confidence=confidence,
        evidence=f"{hops} -> {sink} ({script.logical})",
        properties={
            "taint": [*found.chain, what, sink, script.logical],
            "landing": found.landing.name,
        },
    )


def yaml_rows(doc: Document, node: Node, text: str) -> tuple[tuple[int, int], ...]:
    """The file position of each line of a YAML scalar's text (found in order in its source)."""
    rows: list[tuple[int, int]] = []
    cursor = node.start - 1
    for line in text.split("\n"):
        fragment = line.strip()
        index = doc.find_after(node, fragment, cursor) if fragment else -1
        if index >= 0:
            cursor = index
            rows.append(doc.position(index))
        else:
            rows.append(rows[-1] if rows else (node.line, node.col))
    return tuple(rows)


# --- secrets -------------------------------------------------------------------------------


class Exposure(enum.Enum):
    """How a secret leaves the script."""

    PUBLISHED = "written to a file that the pipeline publishes as an artifact or workspace"
    INTERPOLATED = (
        "interpolated by Groovy into the command line (visible to every process on the agent"
        " and outside the log masking of the credential's own variable)"
    )
    PRINTED = "printed to the build log (masking misses encoded or split copies)"
    TRACED = "traced by set -x: every command that uses it is echoed with the value"


@dataclass(frozen=True, slots=True)
class Leak:
    name: str
    exposure: Exposure
    offset: int
    detail: str


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME_RE.match(name)) and not _NOT_SECRET_RE.search(name)


def secret_leaks(
    script: Script, secrets: frozenset[str], published: Sequence[str] = ()
) -> Iterator[Leak]:
    """Lines that print a secret to the log, write it to a file under a published path, or
    trace a script that uses it. ``secrets`` are names known to hold one (besides names that
    say so); ``published`` are the artifact paths (globs) of the job."""
    if "$" not in script.text:
        return
    states = quoting(script.text) if script.shell is Shell.POSIX else None
    tracing = False
    offset = 0
    for line in script.text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not tracing and script.shell is Shell.POSIX and _TRACE_RE.search(line):
            tracing = True
            continue
        if "$" not in line:
            continue
        found = [
            (name, match.start())
            for match in SECRET_REF_RE.finditer(line)
            if (name := ref_name(match)) in secrets or is_secret_name(name)
            if states is None or states[start + match.start()] in (Quoting.BARE, Quoting.DOUBLE)
        ]
        if not found:
            continue
        name, at = found[0]
        line_states = states[start : start + len(line)] if states else None
        command, pipeline = _command(line, at, line_states)
        leak = _line_leak(command, pipeline, name, start + at, published)
        if leak is None and tracing:
            leak = Leak(name, Exposure.TRACED, start + at, "set -x")
        if leak is not None:
            yield leak


def ref_name(match: re.Match[str]) -> str:
    """The variable a :data:`SECRET_REF_RE` match names."""
    return next(group for group in match.groups() if group)


def _command(line: str, at: int, states: list[Quoting] | None) -> tuple[str, str]:
    """The simple command of ``line`` that holds offset ``at`` (between unquoted ``;``, ``&``
    and ``|``), and the pipeline it starts (through the ``|`` that follow it): a secret piped
    into a command is not printed, but a pipeline that ends in a redirection writes it."""
    separators = [
        index
        for index, char in enumerate(line)
        if char in ";&|" and (states is None or states[index] is Quoting.BARE)
    ]
    begin = max((i + 1 for i in separators if i < at), default=0)
    after = [i for i in separators if i >= at]
    end = after[0] if after else len(line)
    stop = end
    while stop < len(line) and _single_pipe(line, stop):
        stop = next((i for i in after if i > stop), len(line))
    return line[begin:end], line[begin:stop]


def _single_pipe(line: str, index: int) -> bool:
    return line[index] == "|" and "|" not in (line[index - 1 : index], line[index + 1 : index + 2])


def _line_leak(
    command: str, pipeline: str, name: str, offset: int, published: Sequence[str]
) -> Leak | None:
    redirect = _REDIRECT_RE.search(pipeline)
    if redirect is not None:
        target = redirect.group(2).strip("\"'")
        if published and _under(target, published):
            return Leak(name, Exposure.PUBLISHED, offset, target)
        return None
    if _PRINT_RE.match(command) and pipeline == command:
        return Leak(name, Exposure.PRINTED, offset, command.strip()[:80])
    return None


def _under(target: str, published: Sequence[str]) -> bool:
    """Whether a file the script writes (relative to the working directory) is under one of
    the published paths or globs."""
    if target.startswith(("/", "~", "$")):
        return False
    path = target.removeprefix("./")
    for pattern in published:
        pat = pattern.strip().removeprefix("./").rstrip("/")
        if pat in ("", ".", "*", "**") or fnmatch.fnmatch(path, pat):
            return True
        if path == pat or path.startswith(pat + "/") or fnmatch.fnmatch(path, pat + "/*"):
            return True
    return False
