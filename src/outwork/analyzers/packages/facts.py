"""The facts the Python scanner builds once and hands to the behaviour checks.

The scanner (:mod:`.pyscan`) parses a module, works out which code runs when (install, import,
reached from import, only when called), and walks it with an environment of folded values and a
taint map. At every call a check may care about, it hands that check a :class:`CallSite`: the
call, the qualified name of its callee, the context it runs in, and questions about its
arguments (what they fold to, where their data comes from). The checks live beside their rules
in :mod:`.rules`; they decide whether a rule fires and which of its declared variants applies,
and the rule's table gives the severity.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from outwork.analyzers.packages.data import Prefiltered
from outwork.analyzers.packages.signals import Context, Signal
from outwork.core.fold import Folder

if TYPE_CHECKING:  # the rules import these facts; the facts only name a rule's variant
    from outwork.analyzers.packages.rules.base import Variant

#: Where a value's data comes from: ``secret`` (environment, credentials), ``host`` (the user's
#: or the machine's identity), ``dump`` (a whole secret store), ``store`` (a private key,
#: history, browser or wallet file), ``net`` (downloaded bytes or a file that holds them),
#: ``client`` (a network client), ``decoded`` (output of a decoder), ``file`` (read from disk),
#: ``signer`` (a wallet library's signer: its address and signatures carry no key labels).
Labels = frozenset[str]
EMPTY: Labels = frozenset()


@dataclass(slots=True)
class Scope:
    """What names hold in one scope: folded values and taint labels."""

    env: dict[str, object]
    taint: dict[str, Labels] = field(default_factory=dict)
    #: names bound to an f-string, with it (a command line written out before it is run)
    formatted: dict[str, ast.JoinedStr] = field(default_factory=dict)


class Facts(Protocol):
    """What the scanner answers about the module it walks."""

    @property
    def layer(self) -> int:
        """0 for the file itself, n for code decoded n times from it."""
        ...

    @property
    def owners(self) -> frozenset[str]:
        """Top-level package names the module may belong to (its folders' names)."""
        ...

    @property
    def missing_imports(self) -> frozenset[str]:
        """The modules whose failed import the code being walked handles (the top-level names
        imported in the ``try`` of an ``except ImportError`` around it)."""
        ...

    @property
    def development_install(self) -> bool:
        """Whether the code being walked runs only for a development install (a method of a
        ``setup.py`` command registered under ``develop`` alone)."""
        ...

    @property
    def written_net_paths(self) -> set[str]:
        """Paths of files that received downloaded bytes so far."""
        ...

    def labels(self, node: ast.AST, scope: Scope) -> Labels: ...

    def folder(self, scope: Scope) -> Folder: ...

    def partial(self, node: ast.expr, scope: Scope, folder: Folder) -> str: ...

    def path_text(self, node: ast.expr, scope: Scope) -> str: ...

    def own_tree(self, path: str) -> bool:
        """Whether ``path`` (all of it known) names the package's own tree rather than
        whatever a folder elsewhere holds (:mod:`.stores`)."""
        ...

    def module_matches(self, pattern: re.Pattern[str] | Prefiltered) -> bool:
        """Whether ``pattern`` occurs in the module's source (its first 2 M characters)."""
        ...

    def top_level(self) -> list[ast.stmt]:
        """The statements of the module's (or the decoded layer's) top level, while it is
        walked."""
        ...

    def nested(self, text: str, node: ast.Call, ctx: Context, how: str) -> Sequence[Signal] | None:
        """Analyse ``text`` as a layer of its own: its signals, or None where the layer was
        not analysed whole (past the layer, node or folding budget)."""
        ...

    def source_of(self, node: ast.AST) -> str:
        """The source text of ``node`` as written (escape sequences as they are), or ''."""
        ...

    def holds_socket(self, node: ast.AST, scope: Scope) -> bool:
        """Whether ``node`` is, or is read from, a network socket the module made or accepted
        (through ``self`` attributes and its functions' parameters as well)."""
        ...

    def socket_onto_streams(self, line: int, ctx: Context, evidence: str) -> None:
        """Note a socket duplicated onto a standard stream; judged once the module is walked."""
        ...

    def emit(
        self,
        variant: Variant,
        message: str,
        line: int | None,
        evidence: str,
        *,
        ctx: Context | None = None,
        relations: tuple[str, ...] = (),
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class CallSite:
    """One call, as a check sees it: what is called, when it runs, and its arguments' facts."""

    node: ast.Call
    #: The callee's qualified name as folding resolves it (``os.system``), or a description
    #: (``run() -> subprocess.Popen`` for a helper that runs what it is given).
    name: str
    ctx: Context
    scope: Scope
    facts: Facts

    def labels(self, node: ast.AST) -> Labels:
        return self.facts.labels(node, self.scope)

    def arguments_labels(self) -> Labels:
        """The labels of every positional and keyword argument."""
        out = EMPTY
        for arg in [*self.node.args, *(k.value for k in self.node.keywords)]:
            out |= self.labels(arg)
        return out

    def folder(self) -> Folder:
        """A folder over this scope; its ``trace`` tells which decoders a fold went through."""
        return self.facts.folder(self.scope)

    def fold(self, node: ast.AST) -> object:
        return self.folder().fold(node)

    def partial(self, node: ast.expr, folder: Folder) -> str:
        return self.facts.partial(node, self.scope, folder)

    def path_text(self, node: ast.expr) -> str:
        return self.facts.path_text(node, self.scope)

    def nested(self, text: str, how: str) -> Sequence[Signal] | None:
        """Analyse ``text`` (code this call runs or writes) as a layer of its own: its
        signals, or None where it was not analysed whole."""
        return self.facts.nested(text, self.node, self.ctx, how)

    def emit(self, variant: Variant, message: str, evidence: str, **relations: bool) -> None:
        """Raise ``variant`` at this call, with the severity its rule declares for
        :attr:`ctx`; ``executes=True`` and ``exfiltrates=True`` name the graph relations the
        finding proves."""
        self.facts.emit(
            variant,
            message,
            self.node.lineno,
            evidence,
            ctx=self.ctx,
            relations=tuple(_RELATIONS[k] for k, on in relations.items() if on),
        )


@dataclass(frozen=True, slots=True)
class Command:
    """A command a process call starts, as far as folding knows it."""

    #: The command's text: its constant parts, ``?`` where a part is only known at run time.
    text: str
    #: The labels of the command's arguments.
    labels: Labels
    #: Whether part of it only exists after decoding.
    decoded: bool
    #: What a finding shows: the text, or the call's source where nothing folded.
    evidence: str


#: A command started in the module: its text, line, context and the callee's name.
StartedCommand = tuple[str, int, Context, str]


@dataclass(frozen=True, slots=True)
class ModuleSource:
    """A module as a whole, for the checks that read its text (once it has been walked)."""

    text: str
    ctx: Context
    #: The syntax tree, where the source parsed.
    tree: ast.Module | None
    facts: Facts
    #: The tree was parsed from a rewritten text (Python 2 made parseable): its line numbers
    #: need not be the text's.
    rewritten: bool = False


_RELATIONS = {"executes": "executes-at-install", "exfiltrates": "exfiltrates"}
