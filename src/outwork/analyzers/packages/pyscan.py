"""Python behaviour from the syntax tree: the facts the behaviour checks read, built once.

Nothing is imported or run. Each module is parsed once; which code runs when (install time, a
module's top level, functions reached from there, code only run when called) is worked out from
the tree; then it is walked statement by statement with an environment of folded values
(:mod:`outwork.core.fold`) and a taint map (labels ``secret``, ``net``, ``decoded``,
``file``...). At each call the scanner hands a
:class:`~outwork.analyzers.packages.facts.CallSite` to the checks that read it; the checks live
beside their rules in :mod:`.rules` and decide whether a rule fires and
which of its declared variants applies, and the rule's table gives the severity for the context.
Text decoded or written by the code is scanned again as a layer of its own.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import itertools
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import sockets, stores, syntax, unpacks
from outwork.analyzers.packages.data import Prefiltered
from outwork.analyzers.packages.facts import (
    EMPTY,
    CallSite,
    Command,
    Labels,
    ModuleSource,
    Scope,
    StartedCommand,
)
from outwork.analyzers.packages.flow import FILLS, Flow, hiding, parameter_labels
from outwork.analyzers.packages.rules import (
    carriers,
    commands,
    credentials,
    download,
    execution,
    exfiltration,
    network,
    obfuscation,
    persistence,
)
from outwork.analyzers.packages.rules.base import Variant, When, when
from outwork.analyzers.packages.rules.exfiltration import SecretExfiltration
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.analyzers.packages.sockets import SocketNames
from outwork.analyzers.packages.structure import Structure
from outwork.core.artifact import INSTALLED_PACKAGE_FOLDERS
from outwork.core.fold import (
    UNKNOWN,
    Budget,
    Folder,
    Ref,
    Unknown,
    UserFunction,
    iter_strings,
    looks_like_text,
)
from outwork.core.reach import ANY_ARCHIVE
from outwork.core.rules import Severity

#: Decoded layers analysed again, at most.
MAX_LAYERS = 6
#: Largest source parsed.
MAX_SOURCE = 8 * 1024 * 1024
_CODE_HINT = re.compile(r"\b(import|exec|eval|def|lambda|from)\b")
_OPEN_CALLS = frozenset({"open", "io.open", "codecs.open", "os.open"})
_URLRETRIEVE = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve"})
#: Archives opened by path that files are written into.
_ARCHIVE_WRITERS = frozenset(
    {"zipfile.ZipFile", "zipfile.PyZipFile", "tarfile.open", "tarfile.TarFile"}
)
#: Serialisers that write a value to an open file (``json.dump(value, handle)``).
_DUMPERS = frozenset(
    {"json.dump", "pickle.dump", "dill.dump", "marshal.dump", "yaml.dump", "yaml.safe_dump"}
)


@dataclass(slots=True)
class ScanBudget:
    """Shared by a file and every layer decoded from it."""

    fold: Budget = field(default_factory=lambda: Budget(400_000))
    nodes: int = 2_000_000


def owner_names(path: str) -> frozenset[str]:
    """The folder names of ``path`` that could be its top-level package: every folder that is
    an identifier, below the last ``site-packages``-like folder when there is one."""
    folders = path.replace("\\", "/").split("/")[:-1]
    for index in range(len(folders) - 1, -1, -1):
        if folders[index] in INSTALLED_PACKAGE_FOLDERS:
            folders = folders[index + 1 :]
            break
    return frozenset(f for f in folders if f.isidentifier())


class PythonScanner:
    """Scans one Python source (or one decoded layer of it) and collects signals."""

    def __init__(
        self,
        source: str,
        path: str,
        context: Context,
        *,
        layer: int = 0,
        anchor_line: int | None = None,
        budget: ScanBudget | None = None,
        whole_file_context: bool = False,
        evidence_prefix: str = "",
        star_exports: Callable[[str, int], dict[str, object] | None] | None = None,
        entry: frozenset[str] = frozenset(),
        owners: frozenset[str] | None = None,
        own_files: Callable[[str], bool] | None = None,
        setup_script: bool = False,
        command_line_kept: Callable[[str], bool] | None = None,
    ) -> None:
        # a UTF-8 byte-order mark is valid at the top of a Python file; the parser of a str is not
        # told so
        self.source = source.removeprefix("\ufeff")
        self.path = path
        #: Top-level package names the module may belong to (its folders' names).
        self.owners = owners if owners is not None else owner_names(path)
        self.context = context
        self.layer = layer
        self.anchor_line = anchor_line
        self.budget = budget or ScanBudget()
        #: setup.py: every function counts as install-time code.
        self.whole_file_context = whole_file_context
        #: the file is a ``setup.py``: a function nothing in it names never runs at install
        #: (build hooks are called by name from outside)
        self.setup_script = setup_script
        #: for a ``setup.py`` read with its package: whether a word can reach its command line
        #: only by hand (no file of the package changes ``sys.argv`` or names the word); None
        #: where the package is not known whole (a checkout's files one by one)
        self.command_line_kept = command_line_kept
        #: functions of this module an entry point names (they run when its command starts)
        self.entry = entry
        #: whether a relative path, as this module reads it, names a member or folder of the
        #: package scanned (:mod:`.stores`)
        self.own_files = own_files
        self.prefix = evidence_prefix
        #: ``from MODULE import *`` of a module of the same package: its constants and simple
        #: functions (module, level -> names), so that values split across modules still fold
        self.star_exports = star_exports
        self.signals: list[Signal] = []
        #: Whether the source parsed as it is and every statement of it was walked.
        self.whole = False
        #: Top-level names of modules imported from code that runs in this file's context.
        self.imports: set[str] = set()
        self.relative_imports: set[str] = set()
        #: First line importing each module (for findings about what an import runs).
        self.import_lines: dict[str, int] = {}
        #: Scripts (paths) and modules (``module:NAME``) started from install or import code.
        self.launched: set[str] = set()
        #: Archives the module unpacks (:mod:`.unpacks`); one of any archive where the module
        #: could not be read as code.
        self.unpacked: list[unpacks.Unpack] = []
        self._functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        #: folded values and taint labels
        self.flow = Flow(self.budget.fold)
        #: paths of files that received downloaded bytes
        self.written_net_paths = self.flow.written_net_paths
        self.flow.own_tree = self.own_tree
        self._seen: set[tuple[str, int | None, str]] = set()
        self._tree: ast.Module | None = None
        #: the tree was parsed from the source rewritten (Python 2), not from the source itself
        self._rewritten = False
        self._in_function = False
        #: the function being analysed certainly runs when its module's top level does
        self._will_run = False
        #: file handles bound by ``with open(path) as name``: name -> path expression
        self._handles: dict[str, ast.expr] = {}
        #: names bound to archives opened by path (``zipfile.ZipFile(path, "w")``): their path
        self._archives: dict[str, ast.expr] = {}
        #: commands started, checked again at the end against files that received downloads
        self._commands: list[StartedCommand] = []
        #: the modules whose failed import the code being walked handles (``except
        #: ImportError`` after ``import pybind11``)
        self.missing_imports: frozenset[str] = frozenset()
        #: the function being walked runs only for a development install (``develop``)
        self.development_install = False
        #: the commands that unpack a downloaded archive into a place marked as downloaded
        self._unpacking: set[int] = set()
        #: patterns searched in the source (``module_matches``)
        self._matches: dict[re.Pattern[str] | Prefiltered, bool] = {}
        #: functions that run a parameter as a command: id -> (parameter, call, callee)
        self._wrappers: dict[int, tuple[int, ast.Call, str, str] | None] = {}
        #: the function being analysed
        self._current = ""
        #: functions that download to a path given as a parameter: id -> parameter
        self._downloaders: dict[int, int] = {}
        #: constant text written to an open file handle, piece by piece: handle -> (first
        #: write, pieces)
        self._pieces: dict[str, tuple[ast.Call, list[str]]] = {}
        #: the names of this module that hold a socket (built on first need)
        self._sockets: SocketNames | None = None
        #: sockets duplicated onto standard streams: (line, context, evidence)
        self._socket_streams: list[tuple[int, Context, str]] = []

    # --- entry ----------------------------------------------------------------------------------

    def run(self) -> list[Signal]:
        if len(self.source) > MAX_SOURCE:
            obfuscation.too_large(self, len(self.source))
            self.unpacked.append(unpacks.Unpack(self.context, ANY_ARCHIVE, 0))
            self._text_fallback()
            return self.signals
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the scanned code's warnings are not ours
                tree = ast.parse(self.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self._unparsable(exc)
            return self.signals
        try:
            self._module(tree)
            self.whole = True
        except RecursionError:
            obfuscation.too_deep(self)
        self._module_checks()
        self._release()
        return self.signals

    def _unparsable(self, exc: Exception) -> None:
        """Python 2 code is rewritten and analysed; other code that does not parse is searched
        as text, and the statements that do parse are analysed on top of that."""
        line, error = getattr(exc, "lineno", None), str(exc)[:200]
        legacy = _parse_python2(self.source)
        if legacy is not None:
            obfuscation.python2(self, line, error)
            self._rewritten = True
            self._module(legacy)
            self._module_checks()
            self._release()
            return
        recovered = _parse_recovering(self.source)
        obfuscation.unparsable(self, self.context, recovered is not None, line, error)
        self.unpacked.append(unpacks.Unpack(self.context, ANY_ARCHIVE, line or 0))
        if recovered is None:
            self._text_fallback()
            return
        # the lines set aside are searched as text; the recovered statements are analysed as
        # code (their strings and comments are no commands), and a partial walk still counts
        tree, removed = recovered
        self._text_fallback(removed)
        with contextlib.suppress(RecursionError):
            self._module(tree)
        self._module_checks()
        self._release()

    def _release(self) -> None:
        """Drop the syntax tree: a package's trees kept alive make every later parse pay for
        the garbage collector walking them."""
        self._functions.clear()
        self._handles.clear()
        self._archives.clear()
        self._commands.clear()
        self._wrappers.clear()
        self._downloaders.clear()
        self._pieces.clear()
        self._sockets = None
        self._socket_streams.clear()
        self.flow.release()
        self._tree = None

    def _module(self, tree: ast.Module) -> None:
        self._tree = tree  # for the identifiers of non-ASCII sources (``_module_checks``)
        structure = Structure(
            self.source,
            tree,
            whole_file_context=self.whole_file_context,
            entry=self.entry,
            setup_script=self.setup_script and not self.layer,
        )
        self._functions = structure.functions
        self.flow.use(structure)
        # A local endpoint is written ``ipc://`` or ``inproc://``: a module whose text holds
        # neither has none, and skipping the search there (most modules) can only keep a
        # receive at its full weight. The search walks every class of the module: it was more
        # than half of django's analysis.
        local = sockets.local_endpoints(tree) if "pc://" in self.source else set()
        if "zmq" in self.source:
            local |= sockets.message_sockets(tree)
        if local:
            self.flow.local_receiver = lambda node: self._local_receiver(node, local)
        scope = Scope(env={})
        # the pattern is searched only in a module that names a library at all: most name
        # none, and a substring search costs a fraction of the pattern's
        chat = any(name in self.source for name in tables.CHAT_BOT_LIBRARIES) and (
            tables.CHAT_BOT_IMPORT.search(self.source) is not None
        )
        self._block(tree.body, scope, self.context, top=True)
        top_clients = dict(self.flow.clients)
        for name, defs in self._functions.items():
            for fn in defs:
                ctx = structure.context_of(name, fn, self.context)
                if ctx is None:
                    continue
                kept = {k: v for k, v in self.flow.clients.items() if k.startswith("self.")}
                self.flow.clients = top_clients | kept
                fscope = Scope(env=dict(scope.env), taint=dict(scope.taint))
                for arg in fn.args.args + fn.args.kwonlyargs:
                    fscope.env.pop(arg.arg, None)
                    labels = parameter_labels(fn, arg, chat=chat)
                    if labels:
                        fscope.taint[arg.arg] = labels
                self._in_function = True
                # a function the top level certainly runs weighs as the top level does
                self._will_run = id(fn) in structure.will_run
                self.development_install = id(fn) in structure.development_methods
                self._current = name
                self._block(fn.body, fscope, ctx, top=False)
                self._in_function = self._will_run = self.development_install = False
        started = [c for c in self._commands if id(c) not in self._unpacking]
        download.started_written_files(self, started)
        commands.socket_redirects(self, self._socket_streams, bool(self._commands))

    def _block(self, body: list[ast.stmt], scope: Scope, ctx: Context, *, top: bool) -> None:
        for stmt in body:
            self.budget.nodes -= 1
            if self.budget.nodes < 0:
                return
            self._stmt(stmt, scope, ctx, top=top)

    def _stmt(self, stmt: ast.stmt, scope: Scope, ctx: Context, *, top: bool) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            for dec in stmt.decorator_list:
                self._expr_calls(dec, scope, ctx)
            return
        if isinstance(stmt, ast.ClassDef):
            inner = [
                s for s in stmt.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            self._block(inner, scope, ctx, top=top)
            return
        if isinstance(stmt, ast.Import):
            self._import_names(stmt, scope, ctx)
            return
        if isinstance(stmt, ast.ImportFrom):
            self._import_from(stmt, scope, ctx)
            return
        if (
            isinstance(stmt, ast.Return)
            and stmt.value is not None
            and self._in_function
            and "net" in self.flow.labels(stmt.value, scope)
        ):
            self.flow.returns_net.add(self._current)  # its callers receive downloaded bytes
        if isinstance(stmt, ast.If) and top and syntax.is_main_guard(stmt.test):
            self._block(
                stmt.body, scope, Context.RUNTIME if ctx is not Context.INSTALL else ctx, top=top
            )
            self._block(stmt.orelse, scope, ctx, top=top)
            return
        if isinstance(stmt, ast.If) and ctx is Context.INSTALL and self._run_by_hand(stmt, scope):
            # a step run by hand (``setup.py publish``): pip's command line never names it
            self._expr_calls(stmt.test, scope, ctx)
            self._block(stmt.body, scope, Context.RUNTIME, top=top)
            self._block(stmt.orelse, scope, ctx, top=top)
            return
        if isinstance(stmt, ast.Try) and stmt.handlers:
            self._try(stmt, scope, ctx, top=top)
            return
        # expressions of this statement (not of nested blocks) first, then bindings, then blocks
        for expr in syntax.own_expressions(stmt):
            self._expr_calls(expr, scope, ctx)
        self._bindings(stmt, scope)
        for child in syntax.child_blocks(stmt):
            self._block(child, scope, ctx, top=top)
        if isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    self._flush_writes(item.optional_vars.id, ctx)

    def _try(self, stmt: ast.Try, scope: Scope, ctx: Context, *, top: bool) -> None:
        """A ``try``: its handlers of a failed import (``except ImportError``) know which
        modules the body imports (:attr:`missing_imports`). Around a body that cannot raise
        (``try: pass``, what is left when an import is taken out), or at install time around
        imports of setuptools alone (pip builds with it installed: the ``ez_setup`` bootstrap),
        the handlers never run: their code is graded as code only called (the ``else`` and
        ``finally`` blocks do run)."""
        for expr in syntax.own_expressions(stmt):
            self._expr_calls(expr, scope, ctx)
        self._block(stmt.body, scope, ctx, top=top)
        imported = syntax.imported_modules(stmt.body)
        dead = syntax.cannot_raise(stmt.body) or (
            ctx is Context.INSTALL and syntax.imports_setuptools_only(stmt.body)
        )
        handled = Context.RUNTIME if dead else ctx
        for handler in stmt.handlers:
            for expr in syntax.own_expressions(handler):
                self._expr_calls(expr, scope, ctx)
            outer = self.missing_imports
            if syntax.catches_import_error(handler):
                self.missing_imports = outer | imported
            self._block(handler.body, scope, handled, top=top)
            self.missing_imports = outer
        self._block(stmt.orelse, scope, ctx, top=top)
        self._block(stmt.finalbody, scope, ctx, top=top)

    def _local_receiver(self, node: ast.expr, local: set[sockets.Key]) -> bool:
        """Whether ``node`` names a socket of only local endpoints where it is read."""
        name = sockets.root(node)
        function = self._current if self._in_function else ""
        if name is not None and name.startswith("self.") and ("*", name) in local:
            return True  # a ZeroMQ socket of the program's own (:func:`.sockets.message_sockets`)
        return name is not None and sockets.key_of(name, function) in local

    def _run_by_hand(self, stmt: ast.If, scope: Scope) -> bool:
        """Whether ``stmt`` tests the command line for words pip never puts there, and nothing
        can put them there: the package leaves ``sys.argv`` alone and names the words nowhere
        else (:attr:`command_line_kept`), nor does this module outside such tests (a program
        started as ``setup.py publish``, an ``argv`` rebuilt with the word; its docstrings
        aside where nothing reads ``__doc__``). The command line is ``sys.argv`` or the
        ``argv`` parameter of a function only ever called with it."""
        if self.command_line_kept is None or self._tree is None:
            return False

        def is_argv(node: ast.expr) -> bool:
            return self.flow.resolve(node, scope) == "sys.argv"

        # ``def main(argv):`` that the module only ever calls as ``main(sys.argv)``
        param = (
            syntax.argv_parameter(self._tree, self._current, is_argv) if self._in_function else None
        )
        words = syntax.argv_word_guard(
            stmt.test,
            lambda node: is_argv(node) or (isinstance(node, ast.Name) and node.id == param),
            tables.SETUP_COMMAND_WORDS,
        )
        if not words or not all(self.command_line_kept(str(w.value)) for w in words):
            return False
        tested = {id(node) for node in ast.walk(stmt.test)}
        if not re.search(r"__doc__|getdoc", self.source):
            # a docstring documenting the step (``pypi: push to PyPI``) is read by no code
            tested |= syntax.docstrings(self._tree)
        named = re.compile(
            "|".join(rf"(?<![\w-]){re.escape(str(w.value))}(?![\w-])" for w in words)
        )
        return not any(
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in tested
            and named.search(node.value)
            for node in ast.walk(self._tree)
        )

    def _import_names(self, stmt: ast.Import, scope: Scope, ctx: Context) -> None:
        for alias in stmt.names:
            self._import(alias.name, ctx, stmt.lineno)
            if alias.asname:
                scope.env[alias.asname] = Ref(alias.name)
            else:
                head = alias.name.split(".", 1)[0]
                scope.env[head] = Ref(head)

    def _import_from(self, stmt: ast.ImportFrom, scope: Scope, ctx: Context) -> None:
        module = stmt.module or ""
        if stmt.level:
            for alias in stmt.names:
                rel = f"{module}.{alias.name}" if module else alias.name
                self.relative_imports.add(rel)
                self.import_lines.setdefault(rel, stmt.lineno)
            if module:
                self.relative_imports.add(module)
                self.import_lines.setdefault(module, stmt.lineno)
        else:
            self._import(module, ctx, stmt.lineno)
            for alias in stmt.names:
                sub = f"{module}.{alias.name}"
                self.import_lines.setdefault(sub, stmt.lineno)
        for alias in stmt.names:
            if alias.name == "*":
                exported = self.star_exports(module, stmt.level) if self.star_exports else None
                scope.env.update(exported or {})
                continue
            scope.env[alias.asname or alias.name] = Ref(
                f"{module}.{alias.name}" if module else alias.name
            )

    def _bindings(self, stmt: ast.stmt, scope: Scope) -> None:
        """The names a statement binds, with their folded values and labels."""
        if isinstance(stmt, ast.Assign):
            self._assign(stmt, scope)
            for target in stmt.targets:
                if isinstance(target, ast.Subscript):
                    self._fill(target.value, [stmt.value], scope)
        elif (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr in FILLS
        ):
            call, func = stmt.value, stmt.value.func
            self._fill(func.value, [*call.args, *(k.value for k in call.keywords)], scope)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.flow.bind(
                stmt.target,
                self.flow.fold(stmt.value, scope),
                self.flow.labels(stmt.value, scope),
                scope,
            )
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            combined = ast.BinOp(
                left=ast.Name(id=name, ctx=ast.Load()), op=stmt.op, right=stmt.value
            )
            ast.copy_location(combined, stmt)
            value = self.flow.fold(combined, scope)
            labels = scope.taint.get(name, EMPTY) | self.flow.labels(stmt.value, scope)
            self.flow.bind(stmt.target, value, labels, scope)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            self.flow.bind(stmt.target, UNKNOWN, self.flow.iterated(stmt.iter, scope), scope)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                opened = item.context_expr
                if (
                    isinstance(item.optional_vars, ast.Name)
                    and isinstance(opened, ast.Call)
                    and opened.args
                    and self.flow.resolve(opened.func, scope) in ("open", "io.open")
                ):
                    self._handles[item.optional_vars.id] = opened.args[0]
                if (
                    isinstance(item.optional_vars, ast.Name)
                    and isinstance(opened, ast.Call)
                    and opened.args
                    and self.flow.resolve(opened.func, scope) in _ARCHIVE_WRITERS
                ):
                    self._archives[item.optional_vars.id] = opened.args[0]
                if (
                    isinstance(item.optional_vars, ast.Name)
                    and isinstance(opened, ast.Call)
                    and self.flow.resolve(opened.func, scope) in tables.CLIENT_CONSTRUCTORS
                ):
                    self.flow.clients[item.optional_vars.id] = self._constructor_texts(
                        opened, scope
                    )
                if item.optional_vars is not None:
                    self.flow.bind(
                        item.optional_vars,
                        UNKNOWN,
                        self.flow.labels(item.context_expr, scope),
                        scope,
                    )

    def _fill(self, receiver: ast.expr, values: list[ast.expr], scope: Scope) -> None:
        """``msg.set_content(env)``, ``body["k"] = secret``: the receiver (a name) now holds
        what it was handed, as an assignment of it would."""
        if not isinstance(receiver, ast.Name):
            return
        added: Labels = EMPTY
        for value in values:
            added |= self.flow.labels(value, scope)
        if added:
            scope.taint[receiver.id] = scope.taint.get(receiver.id, EMPTY) | added

    def _assign(self, stmt: ast.Assign, scope: Scope) -> None:
        folder = self.flow.folder(scope)
        value = folder.fold(stmt.value)
        labels = self.flow.labels(stmt.value, scope)
        if hiding(folder.trace.decoders):
            labels |= {"decoded"}
        built = (
            self._constructor_texts(stmt.value, scope)
            if isinstance(stmt.value, ast.Call)
            and self.flow.resolve(stmt.value.func, scope) in tables.CLIENT_CONSTRUCTORS
            else None
        )
        archive = (
            stmt.value.args[0]
            if isinstance(stmt.value, ast.Call)
            and stmt.value.args
            and self.flow.resolve(stmt.value.func, scope) in _ARCHIVE_WRITERS
            else None
        )
        for target in stmt.targets:
            self.flow.bind(target, value, labels, scope)
            if isinstance(target, ast.Name):
                if archive is not None:
                    self._archives[target.id] = archive
                else:
                    self._archives.pop(target.id, None)
            if isinstance(target, ast.Name) and isinstance(stmt.value, ast.JoinedStr):
                scope.formatted[target.id] = stmt.value
            if (
                built is not None
                and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                # a client kept on the instance: every method of the module may use it
                self.flow.clients[f"self.{target.attr}"] = built
            if isinstance(target, ast.Name):
                self.flow.partials.pop(target.id, None)
                if built is None:
                    self.flow.clients.pop(target.id, None)
                else:
                    self.flow.clients[target.id] = built
                if isinstance(stmt.value, ast.Lambda):
                    self.flow.lambdas[target.id] = stmt.value
                if isinstance(value, Unknown) and _builds_text(stmt.value):
                    # a path or command built from a user name: keep its constant parts
                    partial = self.flow.partial(stmt.value, scope, folder)
                    if partial.strip("?/ "):
                        self.flow.partials[target.id] = partial

    def _flush_writes(self, handle: str, ctx: Context) -> None:
        """Code written to a file a piece at a time is code that will run: analyse the pieces
        together as a layer of their own once the file is closed."""
        written = self._pieces.pop(handle, None)
        if written is None or len(written[1]) < 2:
            return
        text = "".join(written[1])
        if len(text) > 20 and _CODE_HINT.search(text):
            self._dropped(text, written[0], ctx)

    def _import(self, module: str, ctx: Context, line: int) -> None:
        if module and ctx is not Context.RUNTIME:
            self.imports.add(module)
            head = module.split(".", 1)[0]
            self.imports.add(head)
            self.import_lines.setdefault(module, self.anchor_line or line)
            self.import_lines.setdefault(head, self.anchor_line or line)

    # --- calls ----------------------------------------------------------------------------------

    def _expr_calls(self, expr: ast.AST, scope: Scope, ctx: Context) -> None:
        for node in syntax.calls_no_defs(expr):
            self.budget.nodes -= 1
            if self.budget.nodes < 0:
                return
            self._call(node, scope, ctx)

    def _call(self, node: ast.Call, scope: Scope, ctx: Context) -> None:
        """Hand a call to the checks that read it, in a fixed order, building the facts they
        need (downloaded files, open handles, text written piece by piece) on the way."""
        qual = self.flow.resolve(node.func, scope)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if qual is None and attr is None:
            return
        name = qual or ""
        site = CallSite(node, name, ctx, scope, self)
        self._sink(site, attr)
        self._file_effects(site, attr)
        if attr is not None:
            self._writes(site, attr)
        if attr in exfiltration.SEND_ATTRS and (
            qual is None or qual.rsplit(".", 1)[0] in tables.CHAT_BOT_CLIENTS
        ):
            exfiltration.client_sends(site)
        if attr in network.CLIENT_USES and qual is None and isinstance(node.func, ast.Attribute):
            configured = self._configured(node.func.value, scope)
            if configured is not None:
                network.used(site, configured)
        if attr in ("communicate", "write") and node.args:
            download.feeds_interpreter(site)
        if name in _DUMPERS and len(node.args) >= 2:
            handle_name = node.args[1].id if isinstance(node.args[1], ast.Name) else None
            if handle_name in self._handles:
                labels = self.flow.labels(node.args[0], scope)
                self.flow.mark_holds(self._handles[handle_name], labels, scope)
        if (attr or name) in download.MEMORY_COPIES or name == "ctypes.memmove":
            download.loads_download_into_memory(site)
        if name.startswith("browser_cookie3."):
            credentials.reads_cookies(site)
        credentials.path_arguments(site)
        if name in _IMPORTERS and node.args:
            self._imported_by_name(node, site, ctx)

    def _configured(self, receiver: ast.expr, scope: Scope) -> list[str] | None:
        """The constant arguments of the client constructor ``receiver`` was built by (a name
        bound to one in this scope, or the constructor call itself); None for anything else."""
        if isinstance(receiver, ast.Name):
            return self.flow.clients.get(receiver.id)
        if (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id == "self"
        ):
            return self.flow.clients.get(f"self.{receiver.attr}")
        if (
            isinstance(receiver, ast.Call)
            and self.flow.resolve(receiver.func, scope) in tables.CLIENT_CONSTRUCTORS
        ):
            return self._constructor_texts(receiver, scope)
        return None

    def _constructor_texts(self, node: ast.Call, scope: Scope) -> list[str]:
        folder = self.flow.folder(scope)
        return [
            text
            for arg in [*node.args, *(k.value for k in node.keywords)]
            for text in iter_strings(folder.fold(arg))
        ]

    def _imported_by_name(self, node: ast.Call, site: CallSite, ctx: Context) -> None:
        """``importlib.import_module("pkg.mod")``, ``__import__("pkg.mod")``: an import like any
        other (its module runs in this context), relative when the name starts with a dot."""
        module = site.fold(node.args[0])
        if not isinstance(module, str) or not module.strip(". "):
            return
        if module.startswith("."):
            if ctx is not Context.RUNTIME:
                self.relative_imports.add(module.lstrip("."))
                self.import_lines.setdefault(module.lstrip("."), node.lineno)
            return
        self._import(module, ctx, node.lineno)

    def _sink(self, site: CallSite, attr: str | None) -> None:
        """The one check (or call rewriting) a call's callee selects."""
        node, name, scope, ctx = site.node, site.name, site.scope, site.ctx
        if name in tables.EXEC_CALLS:
            execution.executed(site)
        elif name in download.LOADERS and download.loads_download(site):
            pass
        elif name in tables.MARSHAL_CALLS:
            execution.loaded(site)
        elif name in tables.PROCESS_CALLS or name in tables.PIP_CALLS:
            self._started(site)
        elif name in self._functions and node.args:
            self._wrapper_call(node, name, scope, ctx)
        elif not name and node.args and self.flow.local_method(node.func) is not None:
            self._wrapper_call(node, str(attr), scope, ctx)
        elif name in _THREAD_STARTERS:
            self._thread_target(node, name, scope, ctx)
        elif name in tables.NETWORK_CALLS or name.endswith(".urlopen"):
            network.contacted(site)
        elif name.endswith(("__pyarmor__", "pyarmor_runtime")):
            obfuscation.runs_encrypted(site)
        elif name == "os.dup2":
            commands.redirects_streams(site)
        elif name in carriers.LIBRARY_LOADERS:
            carriers.loads_library(site)
        elif name in carriers.ARCHIVE_IMPORTERS:
            carriers.imports_archive(site)
        elif name in tables.DYNAMIC_IMPORT_CALLS:
            obfuscation.imports_computed(site)
        elif name == "getattr":
            obfuscation.computed_builtin(site)
        elif name in persistence.REGISTRY_WRITES:
            persistence.writes_registry(site)

    def _file_effects(self, site: CallSite, attr: str | None) -> None:
        """Files opened or copied for writing, and files that now hold downloaded bytes."""
        node, name, scope = site.node, site.name, site.scope
        if name in _OPEN_CALLS:
            persistence.opened(site)
        elif name in tables.FILE_WRITE_CALLS:
            persistence.copied(site)
            if len(node.args) >= 2:
                self.flow.mark_copied(node.args[0], node.args[1], scope)
        elif name in _URLRETRIEVE and len(node.args) >= 2:
            self.flow.mark_downloaded(node.args[1], scope)
        if attr in ("extractall", "extract") and isinstance(node.func, ast.Attribute):
            # unpacking a downloaded archive: every file under the destination is downloaded
            folder = next((k.value for k in node.keywords if k.arg == "path"), None)
            position = 0 if attr == "extractall" else 1
            if folder is None and len(node.args) > position:
                folder = node.args[position]
            if folder is not None and "net" in self.flow.labels(node.func.value, scope):
                self.flow.mark_downloaded(folder, scope)
        elif (
            name == "shutil.unpack_archive"
            and len(node.args) >= 2
            and "net" in self.flow.labels(node.args[0], scope)
        ):
            self.flow.mark_downloaded(node.args[1], scope)
        if attr in ("extractall", "extract") or name in unpacks.UNPACKERS:
            self.unpacked += unpacks.extraction(
                node,
                name,
                attr,
                site.ctx,
                tree=self._tree,
                resolve=lambda func: self.flow.resolve(func, scope),
                path_text=lambda expr: self.flow.path_text(expr, scope),
            )

    def _writes(self, site: CallSite, attr: str) -> None:
        """``x.write(...)``, ``path.write_text(...)``: code dropped into a file (analysed as a
        layer), commands written through an open handle, downloads written to disk."""
        node, scope, ctx = site.node, site.scope, site.ctx
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        if attr in ("write_text", "write_bytes"):
            persistence.path_written(site, func.value)
        if attr in ("write", "write_text", "write_bytes") and node.args:
            written = self.flow.fold(node.args[0], scope)
            text = looks_like_text(written) if isinstance(written, str | bytes) else None
            if text and len(text) > 20 and _CODE_HINT.search(text):
                self._dropped(text, node, ctx)
        handle = func.value.id if isinstance(func.value, ast.Name) else None
        if attr == "write" and node.args and handle in self._handles:
            persistence.writes_command_to(site, self.flow.path_text(self._handles[handle], scope))
            piece = self.flow.fold(node.args[0], scope)
            piece_text = looks_like_text(piece) if isinstance(piece, str | bytes) else None
            if piece_text is not None:
                pieces = self._pieces.setdefault(handle, (node, []))[1]
                if sum(map(len, pieces)) < 1_000_000:
                    pieces.append(piece_text)
        if attr in ("write", "writelines"):
            labels = EMPTY
            for a in node.args:
                labels |= self.flow.labels(a, scope)
            if "net" in labels:
                receiver = func.value
                if isinstance(receiver, ast.Call) and receiver.args:
                    self.flow.mark_downloaded(receiver.args[0], scope)
                elif handle in self._handles:
                    self.flow.mark_downloaded(self._handles[handle], scope)
            if handle in self._handles:
                self.flow.mark_holds(self._handles[handle], labels, scope)
        if attr in ("write", "add", "writestr") and node.args and handle in self._archives:
            # a file put in an archive: the archive holds what the file holds
            held = self.flow.path_labels(node.args[0], scope) | self.flow.labels(
                node.args[0], scope
            )
            if attr == "writestr" and len(node.args) > 1:
                held |= self.flow.labels(node.args[1], scope)
            self.flow.mark_holds(self._archives[handle], held, scope)

    def _started(self, site: CallSite) -> None:
        """A process call: its command folded into a :class:`Command` for the checks, and
        noted (scripts it starts run in the same context; files it names may be downloaded
        later in the module)."""
        node, name, scope, ctx = site.node, site.name, site.scope, site.ctx
        parts: list[str] = []
        cmd_nodes: list[ast.expr] = list(node.args[:1])
        cmd_nodes += [k.value for k in node.keywords if k.arg in ("args", "cmd", "command")]
        if name.startswith(("os.exec", "os.spawn")):
            cmd_nodes = list(node.args)
        labels: Labels = EMPTY
        #: the indexes in ``parts`` of the elements whose value went through decoding
        decoded: list[int] = []
        for arg in cmd_nodes:
            labels |= self.flow.labels(arg, scope)
            elts = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
            for elt in elts:
                own = self.flow.folder(scope)
                parts.append(self.flow.partial(elt, scope, own))
                if hiding(own.trace.decoders) or "decoded" in self.flow.labels(elt, scope):
                    decoded.append(len(parts) - 1)
        text = " ".join(parts)
        self._commands.append((text, node.lineno, ctx, name))
        if ctx is not Context.RUNTIME:
            self._note_launched(parts)
        listed = bool(cmd_nodes) and isinstance(cmd_nodes[0], ast.List | ast.Tuple)
        hidden = bool(decoded) or "decoded" in labels
        if download.feeds_interpreter_input(site, cmd_nodes):
            return
        command = Command(
            text,
            labels,
            hidden and not (listed and data_arguments_only(parts, decoded)),
            clip(text if text.strip("? ") else ast.unparse(node)),
        )
        if (
            listed
            and ("net" in labels or any(p and p in text for p in self.flow.written_net_paths))
            and download.only_extracts(text)
            and self._extracted_into(cmd_nodes, text, scope)
        ):
            # unpacked, not started: what runs from there later is judged there
            self._unpacking.add(id(self._commands[-1]))
            return
        commands.started(site, command)

    def _extracted_into(self, cmd_nodes: list[ast.expr], text: str, scope: Scope) -> bool:
        """Mark where an unpacking command puts a downloaded archive's files as downloaded:
        every variable it is handed (its destination among them; also through a command line
        written out in an f-string first) and a literal destination (``-d``, ``-C``,
        ``--directory``, ``-DestinationPath``). Whether a destination was found: an archive
        unpacked into the working folder is still judged as started."""
        names: set[str] = set()
        pending = list(cmd_nodes)
        while pending:
            for name in _value_names(pending.pop()):
                if name.id in names:
                    continue
                names.add(name.id)
                written = scope.formatted.get(name.id)
                if written is not None:
                    pending.append(written)  # the names of the line it holds
                elif "net" not in self.flow.labels(name, scope):
                    self.flow.mark_downloaded(name, scope)
        # the archive and at least one more: where it goes
        found = len(names - set(scope.formatted)) >= 2
        words = text.split()
        for flag, value in itertools.pairwise(words):
            target = value.strip("\"'")
            if flag in ("-d", "-C", "--directory", "-DestinationPath") and "?" not in target:
                self.flow.written_net_paths.add(target)
                found = True
        return found

    def _nested(self, text: str, node: ast.Call, ctx: Context, how: str) -> Sequence[Signal] | None:
        if self.layer >= MAX_LAYERS:
            obfuscation.layer_budget(self, text, node.lineno, ctx)
            return None
        line = self.anchor_line or node.lineno
        inner = PythonScanner(
            text,
            self.path,
            ctx,
            layer=self.layer + 1,
            anchor_line=line,
            budget=self.budget,
            whole_file_context=True,
            evidence_prefix=f"{self.prefix}[layer {self.layer + 1} via {how}] ",
            owners=self.owners,
        )
        found = inner.run()
        self.signals.extend(found)
        self.imports |= inner.imports
        whole = inner.whole and self.budget.nodes >= 0 and self.budget.fold.steps >= 0
        return found if whole else None

    def _dropped(self, text: str, node: ast.Call, ctx: Context) -> None:
        """Code written to a file is code that will run: analyse it as a layer of its own."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        self._nested(text, node, ctx, "file write")

    def _note_launched(self, parts: list[str]) -> None:
        """Scripts and modules this code starts: they run in the same context."""
        tokens = " ".join(parts).split()
        for i, token in enumerate(tokens):
            clean = token.strip("\"'")
            if clean.lower().endswith((".py", ".sh", ".bat", ".cmd", ".ps1", ".js", ".pyw")):
                self.launched.add(clean)
            elif clean == "-m" and i + 1 < len(tokens):
                self.launched.add("module:" + tokens[i + 1].strip("\"'"))

    def _wrapper_call(self, node: ast.Call, name: str, scope: Scope, ctx: Context) -> None:
        """A call of a function of this module that hands a parameter to a process call
        (``def run(cmd): subprocess.Popen(cmd, shell=True)``) runs what it is given: the
        command is judged at the call, in the caller's context."""
        defs = self._functions[name]
        if len(defs) != 1:
            return
        fn = defs[0]
        if id(fn) not in self._wrappers:
            params = [a.arg for a in fn.args.args]
            found: tuple[int, ast.Call, str, str] | None = None
            nodes = syntax.nodes(fn)
            for inner in nodes:
                if not (
                    isinstance(inner, ast.Call)
                    and inner.args
                    and syntax.callee_name(inner.func) in _PROCESS_NAMES
                ):
                    continue
                # the parameter is the command or part of it (``f"start {path}"``)
                used = [
                    n.id
                    for n in syntax.nodes(inner.args[0])
                    if isinstance(n, ast.Name) and n.id in params
                ]
                if not used:
                    continue
                qual = self.flow.resolve(inner.func, scope)
                if qual in tables.PROCESS_CALLS:
                    found = (params.index(used[0]), inner, qual, used[0])
                    break
            self._wrappers[id(fn)] = found
            for inner in nodes:
                # ``def fetch(url, path): urlretrieve(url, path)``: the caller's path is written
                if (
                    isinstance(inner, ast.Call)
                    and len(inner.args) >= 2
                    and isinstance(inner.args[1], ast.Name)
                    and inner.args[1].id in params
                    and self.flow.resolve(inner.func, scope)
                    in ("urllib.request.urlretrieve", "urllib.urlretrieve")
                ):
                    self._downloaders[id(fn)] = params.index(inner.args[1].id)
                    break
        target = self._downloaders.get(id(fn))
        if target is not None and target < len(node.args):
            self.flow.mark_downloaded(node.args[target], scope)
        wrapped = self._wrappers[id(fn)]
        if wrapped is None or wrapped[0] >= len(node.args):
            return
        index, inner, qual, param = wrapped
        if isinstance(node.args[index], ast.Starred):
            return
        command = _substitute(inner.args[0], param, node.args[index])
        call = ast.Call(func=inner.func, args=[command], keywords=inner.keywords)
        ast.copy_location(call, node)
        commands_site = CallSite(call, f"{name}() -> {qual}", ctx, scope, self)
        self._started(commands_site)

    def _thread_target(self, node: ast.Call, name: str, scope: Scope, ctx: Context) -> None:
        """``Thread(target=os.system, args=[cmd])`` calls its target with its arguments: judge
        that call as if it were written out."""
        target = next((k.value for k in node.keywords if k.arg == "target"), None)
        args = next((k.value for k in node.keywords if k.arg == "args"), None)
        if target is None or not isinstance(args, ast.List | ast.Tuple) or not args.elts:
            return
        qual = self.flow.resolve(target, scope)
        if qual is None or any(isinstance(a, ast.Starred) for a in args.elts):
            return
        call = ast.Call(func=target, args=list(args.elts), keywords=[])
        ast.copy_location(call, node)
        site = CallSite(call, f"{name}() -> {qual}", ctx, scope, self)
        if qual in tables.PROCESS_CALLS:
            self._started(site)
        elif qual in tables.EXEC_CALLS:
            execution.executed(site)

    # --- text-level evidence -------------------------------------------------------------------

    def _text_fallback(self, only: set[int] | None = None) -> None:
        """For code that does not parse: search the text (``only`` those lines, where the rest
        parsed) for the strongest patterns."""
        for number, line in enumerate(self.source.splitlines()[:200_000], start=1):
            if only is not None and number not in only:
                continue
            commands.unparsable_line(self, line, number, self.context)
            execution.unparsable_line(self, line, number, self.context)

    def _module_checks(self) -> None:
        """The checks that read the file's text as a whole (not a decoded layer's)."""
        if self.layer > 0:
            return
        module = ModuleSource(
            self.source, self.context, self._tree, self, rewritten=self._rewritten
        )
        obfuscation.non_latin_identifiers(module)
        obfuscation.packed_lines(module)
        credentials.mentioned(module)
        credentials.clipboard_swap(module)
        obfuscation.probes_sandbox(module)

    # --- facts the checks ask for (see :class:`~outwork.analyzers.packages.facts.Facts`) ------

    def labels(self, node: ast.AST, scope: Scope) -> Labels:
        return self.flow.labels(node, scope)

    def folder(self, scope: Scope) -> Folder:
        return self.flow.folder(scope)

    def partial(self, node: ast.expr, scope: Scope, folder: Folder) -> str:
        return self.flow.partial(node, scope, folder)

    def path_text(self, node: ast.expr, scope: Scope) -> str:
        return self.flow.path_text(node, scope)

    def nested(self, text: str, node: ast.Call, ctx: Context, how: str) -> Sequence[Signal] | None:
        return self._nested(text, node, ctx, how)

    def source_of(self, node: ast.AST) -> str:
        try:
            return ast.get_source_segment(self.source, node) or ""
        except (ValueError, IndexError):
            return ""

    def holds_socket(self, node: ast.AST, scope: Scope) -> bool:
        if self._tree is None:
            return False
        if self._sockets is None:
            self._sockets = SocketNames(self._tree, lambda func: self.flow.resolve(func, scope))
        return self._sockets.holds(node, self._current if self._in_function else "")

    def socket_onto_streams(self, line: int, ctx: Context, evidence: str) -> None:
        self._socket_streams.append((self.anchor_line or line, ctx, evidence))

    def own_tree(self, path: str) -> bool:
        relative = stores.plain_relative(path)
        if relative is None or self.layer or self.module_matches(stores.CHDIR_AWAY_RE):
            return False  # decoded code, or a module that moved elsewhere, reads what is there
        return stores.is_source(relative) or (
            self.own_files is not None and self.own_files(relative)
        )

    def top_level(self) -> list[ast.stmt]:
        return self._tree.body if self._tree is not None else []

    def module_matches(self, pattern: re.Pattern[str] | Prefiltered) -> bool:
        found = self._matches.get(pattern)
        if found is None:
            found = self._matches[pattern] = pattern.search(self.source[:2_000_000]) is not None
        return found

    def emit(
        self,
        variant: Variant,
        message: str,
        line: int | None,
        evidence: str,
        *,
        ctx: Context | None = None,
        relations: tuple[str, ...] = (),
    ) -> None:
        self._emit(variant, message, line, evidence, ctx=ctx, relations=relations)

    # --- emission -------------------------------------------------------------------------------

    def _emit(
        self,
        variant: Variant,
        message: str,
        line: int | None,
        evidence: str,
        *,
        ctx: Context | None = None,
        relations: tuple[str, ...] = (),
    ) -> None:
        """Raise ``variant`` with the severity its rule declares for where the code runs."""
        ctx = ctx or self.context
        rule = variant.rule
        column = when(ctx, in_function=self._in_function and not self._will_run)
        severity = variant.severity_in(column)
        if severity is Severity.INFO:
            return
        at = self.anchor_line if self.anchor_line is not None else line
        key = (rule.code, at, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.signals.append(
            Signal(
                rule,
                severity,
                message,
                self.path,
                at,
                self.prefix + evidence,
                ctx,
                relations if ctx is Context.INSTALL or rule is SecretExfiltration else (),
                variant.severity_in(When.REACHABLE) if column is When.IMPORT else None,
            )
        )


# --- helpers -----------------------------------------------------------------------------------


_PY2_PRINT = re.compile(r"^(\s*)(print|exec)\b(?!\s*\()(?=\s*\S)", re.M)
_PY2_EXCEPT = re.compile(r"^(\s*except\s+[\w.]+)\s*,\s*(\w+)\s*:", re.M)
_PY2_OCTAL = re.compile(r"(?<![\w.])0([0-7]+)\b")


#: Calls that import a module named by a string.
_IMPORTERS = frozenset({"importlib.import_module", "__import__", "importlib.__import__"})


def _parse_python2(source: str) -> ast.Module | None:
    """Python 2 sources, made parseable: ``print x`` becomes the tuple ``print, x`` (what is
    printed is still analysed), ``exec code`` becomes ``exec(code)`` where it is one line."""
    if len(source) > MAX_SOURCE or (
        "print" not in source and "except" not in source and "exec" not in source
    ):
        return None
    text = re.sub(r"^(\s*)exec\s+(?!\()(.+?)\s*$", r"\1exec(\2)", source, flags=re.M)
    text = _PY2_PRINT.sub(r"\1\2,", text)
    text = _PY2_EXCEPT.sub(r"\1 as \2:", text)
    text = _PY2_OCTAL.sub(r"0o\1", text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


#: Calls that start a thread or process running ``target(*args)``.
_THREAD_STARTERS = frozenset(
    {"threading.Thread", "multiprocessing.Process", "threading.Timer", "_thread.start_new_thread"}
)


def _substitute(expr: ast.expr, param: str, value: ast.expr) -> ast.expr:
    """``expr`` with the parameter ``param`` replaced by the caller's argument ``value``."""
    if isinstance(expr, ast.Name) and expr.id == param:
        return value

    class _Replace(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            return value if node.id == param else node

    return _Replace().visit(copy.deepcopy(expr))  # type: ignore[no-any-return]


#: Last parts of the names of process calls, and of download and file-opening calls: a cheap
#: screen before a call's name is resolved.
_PROCESS_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in tables.PROCESS_CALLS)


def _builds_text(node: ast.expr) -> bool:
    """Whether an expression builds text from constant parts: an f-string, a concatenation
    with a string literal, ``os.path.join``."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return any(
            (isinstance(side, ast.Constant) and isinstance(side.value, str)) or _builds_text(side)
            for side in (node.left, node.right)
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "path"
    )


#: Top-level statements dropped, at most, to make a broken module parse.
MAX_RECOVERY = 12
_CONTINUATION = re.compile(r"[\s)\]}#]|(else|elif|except|finally|case)\b")


def _parse_recovering(source: str) -> tuple[ast.Module, set[int]] | None:
    """A module that does not parse, with its broken lines, then their top-level statements,
    blanked out: what remains still runs in an interpreter that accepts the rest (or was broken
    on purpose to make scanners skip the file). The tree and the numbers of the lines set
    aside."""
    if len(source) > MAX_SOURCE // 8:
        return None
    lines = source.split("\n")
    removed: set[int] = set()
    for _ in range(MAX_RECOVERY):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse("\n".join(lines))
        except SyntaxError as exc:
            number = exc.lineno
            if number is None or not 1 <= number <= len(lines):
                return None
            if number not in removed:
                # first the broken line alone (its block keeps its shape), then its statement
                line = lines[number - 1]
                lines[number - 1] = line[: len(line) - len(line.lstrip())] + "pass"
                removed.add(number)
                continue
            start = number - 1
            while start > 0 and (not lines[start] or _CONTINUATION.match(lines[start])):
                start -= 1
            end = number
            while end < len(lines) and (not lines[end] or _CONTINUATION.match(lines[end])):
                end += 1
            for index in range(start, end):
                lines[index] = ""
                removed.add(index + 1)
            continue
        except (ValueError, RecursionError, MemoryError):
            return None
        if not tree.body:
            return None
        return (tree, removed) if removed else None
    return None


def module_exports(source: str) -> dict[str, object]:
    """What ``from module import *`` binds, as far as it folds: the top level's imports,
    constants and simple functions (never its calls, which the module's own scan judges)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source.removeprefix("\ufeff"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    env: dict[str, object] = {}
    simple: dict[str, UserFunction] = {}
    folder = Folder(env, simple, Budget(50_000))
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                head = alias.name.split(".", 1)[0]
                env[alias.asname or head] = Ref(alias.name if alias.asname else head)
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
            for alias in stmt.names:
                if alias.name != "*":
                    env[alias.asname or alias.name] = Ref(f"{stmt.module}.{alias.name}")
        elif isinstance(stmt, ast.FunctionDef) and syntax.is_simple(stmt):
            simple[stmt.name] = UserFunction(stmt)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            value = folder.fold(stmt.value)
            if not isinstance(value, Unknown):
                env[stmt.targets[0].id] = value
    out = {k: v for k, v in env.items() if not k.startswith("_")}
    out.update({k: v for k, v in simple.items() if not k.startswith("_")})
    return out


def scan_pth(text: str, path: str, unpacked: list[unpacks.Unpack] | None = None) -> list[Signal]:
    """``.pth`` lines starting with ``import`` run at every interpreter start; the archives
    they unpack are added to ``unpacked``."""
    signals: list[Signal] = []
    for number, line in enumerate(text.splitlines()[:10_000], start=1):
        stripped = line.strip()
        if not stripped.startswith(("import ", "import\t")):
            continue
        scanner = PythonScanner(
            stripped, path, Context.INSTALL, anchor_line=number, whole_file_context=True
        )
        signals.extend(scanner.run())
        if unpacked is not None:
            unpacked += scanner.unpacked
    return signals


def data_arguments_only(parts: list[str], decoded: list[int]) -> bool:
    """Whether a command given as a list decodes nothing but data for a program that runs no
    code: its program is a literal outside :data:`tables.CODE_RUNNERS` (``docker``, ``git``),
    and every decoded element is a value known only at run time (the user name and password a
    registry's base64 token holds, split out for ``docker login``). Decoding what the program
    received hides nothing in the package; a decoded constant (its text is the package's own),
    a decoded program, and a decoded argument of a shell, interpreter or downloader still do."""
    if not decoded or 0 in decoded or not parts or "?" in parts[0]:
        return False
    program = parts[0].strip().replace("\\", "/").rsplit("/", 1)[-1].lower()
    program = re.sub(r"(\.exe)?$", "", program)
    program = re.sub(r"[\d.]+$", "", program)  # python3.12
    if not program or program in tables.CODE_RUNNERS:
        return False
    return all(parts[index].strip() == "?" for index in decoded)


def _value_names(node: ast.expr) -> list[ast.Name]:
    """The variables an expression reads as values: not modules or objects whose attribute it
    reads, nor the functions it calls."""
    skip: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            skip.add(id(sub.value))
        elif isinstance(sub, ast.Call):
            skip.add(id(sub.func))
    return [sub for sub in ast.walk(node) if isinstance(sub, ast.Name) and id(sub) not in skip]
