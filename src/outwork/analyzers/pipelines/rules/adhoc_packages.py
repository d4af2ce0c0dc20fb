"""CI037: packages installed by name in a script, outside any lockfile."""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Step
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Package manager -> its sub-commands that add the packages named after them. Lockfile-aware
#: forms (``npm ci``, ``npm install`` with no name, ``bundle install``) name no package.
INSTALLERS: dict[str, frozenset[str]] = {
    "gem": frozenset({"install", "i"}),
    "npm": frozenset({"install", "i", "add", "isntall", "in"}),
    "yarn": frozenset({"add"}),
    "pnpm": frozenset({"add"}),
    "bun": frozenset({"add"}),
}
#: Words before a command that run it (``sudo gem install``).
_WRAPPERS = frozenset({"sudo", "env", "time", "command", "exec", "nohup"})
_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_]\w*=")
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;"})
#: Commands examined in one script (the rest are left out).
MAX_COMMANDS = 2000


class Install(enum.Enum):
    """How the package is chosen."""

    BY_NAME = "a package named in the script, resolved at run time outside any lockfile"


class AdhocPackageInstall(Rule):
    """A workflow step installs packages by name, outside any lockfile.

    ## What it finds
    `gem install NAME` (and `gem i`), `npm install NAME` (`npm i`, `npm add`), `yarn add`,
    `pnpm add` and `bun add` in `run:` scripts of workflows and composite actions, whatever
    wraps them (`sudo`, `env X=1`) and whichever shell runs them. Lockfile installs
    (`npm ci`, `npm install` with no package, `bundle install`) and local paths are not
    reported. Each command is one finding, at the line it is on.

    ## Why it matters
    A package named in a script is resolved when the job runs: the newest release (or whatever
    the range allows), with its own dependencies unpinned, fetched with the job's token and
    secrets in reach. A compromised release of any of them runs in the pipeline on its next run;
    a lockfile with hashes would have kept the reviewed versions.

    zizmor's `adhoc-packages` covers gem and npm; outwork also reports the `add` commands of
    yarn, pnpm and bun, which do the same. `pip install NAME` is not reported (yet): it is how
    most Python workflows install their tools, and a separate pass will judge it with its
    constraint and hash options.

    ## Example
    ```yaml
    - run: |
        gem install ronn
        npm install -g oxlint@1.55.0
    ```

    ## Remediation
    Declare the tools in a manifest with a lockfile (`Gemfile.lock`, `package-lock.json`) and
    install from it (`bundle install`, `npm ci`), or use a pinned, hash-checked download.

    ## References
    - zizmor audit `adhoc-packages`
    - CWE-494: Download of Code Without Integrity Check
    """

    code = "CI037"
    name = "adhoc-package-install"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (494, 829)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {Install.BY_NAME: Severity.LOW}


class AdhocPackageCheck(WorkflowCheck):
    rules = (AdhocPackageInstall,)

    def step(self, step: Step) -> Iterator[Emitted]:
        run = step.run
        if run is None or not run.is_str or not _might_install(step.script):
            return
        doc = self.wf.doc
        cursor = run.start - 1
        for number, (line, words) in enumerate(_commands(step.script)):
            if number >= MAX_COMMANDS:
                return
            installed = _installs(words)
            if installed is None:
                continue
            index = doc.find_after(run, line.strip(), cursor)
            if index >= 0:
                cursor = index
            position = doc.position(index) if index >= 0 else (run.line, run.col)
            manager, packages = installed
            yield finding(
                AdhocPackageInstall,
                f"{manager} installs {', '.join(packages[:5])} by name, outside any lockfile",
                line=position[0],
                column=position[1],
                logical=f"{key_path(*step.where, 'run')}:{manager}#{number}",
                severity=AdhocPackageInstall.severity_in(Install.BY_NAME),
                evidence=" ".join(words)[:200],
            )


def _might_install(script: str) -> bool:
    return any(manager in script for manager in INSTALLERS)


def _commands(script: str) -> Iterator[tuple[str, list[str]]]:
    """(source line, words) of each simple command, split at ``;``, ``&&``, ``||`` and pipes;
    comments and line continuations as a POSIX shell reads them."""
    for line, logical in _logical_lines(script):
        if not any(manager in logical for manager in INSTALLERS):
            continue
        lexer = shlex.shlex(logical, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # an unterminated quote: read the words as they are
            tokens = logical.split()
        words: list[str] = []
        for token in [*tokens, ";"]:
            if token in _SEPARATORS:
                if words:
                    yield line, words
                words = []
            else:
                words.append(token)


def _logical_lines(script: str) -> Iterator[tuple[str, str]]:
    """(first physical line, the whole line with its backslash continuations joined)."""
    first = ""
    parts: list[str] = []
    for line in script.split("\n"):
        if not parts:
            first = line
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield first, " ".join(parts)
        parts = []
    if parts:
        yield first, " ".join(parts)


def _installs(words: list[str]) -> tuple[str, list[str]] | None:
    """The manager and the packages a command installs by name, or None."""
    while words and (words[0] in _WRAPPERS or _ASSIGNMENT_RE.match(words[0])):
        words = words[1:]
    if not words:
        return None
    manager = words[0].rsplit("/", 1)[-1].lower().removesuffix(".exe").removesuffix(".cmd")
    verbs = INSTALLERS.get(manager)
    if verbs is None:
        return None
    rest = [w for w in words[1:] if not w.startswith("-")]
    if manager in ("yarn", "pnpm") and rest[:1] == ["global"]:
        rest = rest[1:]
    if not rest or rest[0].lower() not in verbs:
        return None
    packages = [
        w
        for w in rest[1:]
        if not w.startswith((".", "/", "~", "$", "file:")) and not re.fullmatch(r"[\d.]+", w)
    ]
    return (manager, packages) if packages else None
