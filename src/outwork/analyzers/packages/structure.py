"""Which code of a Python module runs when, read from its syntax tree before it is walked.

A module's top level runs when it is imported (at install time for install-time files); so do
the functions it calls, directly or through a thread, a decorator, a class body or an instance,
and the methods of command classes that pip runs. Everything else only runs when a user of the
library calls it, and is analysed only when it names something this layer reports (a substring
screen over the source, see :meth:`Structure.worth`).
"""

from __future__ import annotations

import ast
import bisect
import functools
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import syntax
from outwork.analyzers.packages.keywords import Keywords, line_indices
from outwork.analyzers.packages.signals import Context
from outwork.core.fold import UserFunction

Function = ast.FunctionDef | ast.AsyncFunctionDef


#: Names that reach a module's functions by a computed name.
_NAMESPACE_READERS = frozenset({"globals", "locals", "vars", "__dict__", "modules"})


def _unnamed_functions(tree: ast.Module) -> frozenset[int]:
    """Functions of a ``setup.py`` that nothing can call: defined at its
    top level, undecorated, and named nowhere else in it (no call, no value handed to
    ``cmdclass``, ``atexit`` or a thread, no attribute, no string), in a file that reads no
    namespace by a computed name (``globals()``, ``locals()``, ``vars()``, ``sys.modules``,
    ``__dict__``). Every other function of such a file counts as install-time code (setuptools
    runs command classes; a helper may be reached in ways names do not show)."""
    defined = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.decorator_list
    ]
    if not defined:
        return frozenset()
    named: set[str] = set()  # names the code uses
    words: set[str] = set()  # words of its strings
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            named.add(node.id)
        elif isinstance(node, ast.Attribute):
            named.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.update(re.findall(r"\w+", node.value[:100_000]))
        elif isinstance(node, ast.alias):
            named.add((node.asname or node.name).split(".")[0])
    if named & _NAMESPACE_READERS:
        return frozenset()
    return frozenset(id(fn) for fn in defined if fn.name not in named | words)


class Structure:
    """A module's functions and classes, what its top level reaches, and its install methods."""

    def __init__(
        self,
        source: str,
        tree: ast.Module,
        *,
        whole_file_context: bool,
        entry: frozenset[str] = frozenset(),
        setup_script: bool = False,
    ) -> None:
        self.source = source
        #: setup.py: every function counts as install-time code.
        self.whole_file_context = whole_file_context
        #: functions by name (several where a name is defined more than once)
        self.functions: dict[str, list[Function]] = {}
        #: functions simple enough for the folder to inline
        self.simple: dict[str, UserFunction] = {}
        self.classes: set[str] = set()
        #: top-level names bound to instances of this module's classes
        self._instances: set[str] = set()
        #: names the top level binds to module functions (``_fetch = fetch``) -> those functions
        self._aliases: dict[str, set[str]] = {}
        #: methods of command classes pip never runs (``cmdclass`` under other keys)
        self._dev_methods: set[int] = set()
        #: methods of a command class run only for a development install (``cmdclass``
        #: under ``develop`` alone, named nowhere else: ``setup.py develop``, ``pip install -e``
        #: of a checkout with legacy tools), never when pip installs the package
        self.development_methods: set[int] = set()
        #: indices of the source's lines that are not ASCII or name a runtime keyword
        self._worth_lines: list[int] | None = None
        #: calls of this module's functions that take arguments and reach a dangerous API
        self._helper_lines: list[int] | None = None
        self._collect_functions(tree)
        #: setup.py's functions that nothing can call (see :func:`_unnamed_functions`)
        self._unnamed = _unnamed_functions(tree) if setup_script else frozenset()
        #: functions an entry point names (``func``, ``Class.method``): a console or GUI script,
        #: a plugin group or an MCP server's command runs them when it starts, so they and what
        #: they call are reached as import-time code reaches a function (not certainly run:
        #: a command's main reads its configuration, a plugin's hook runs on its host's terms)
        self._entry = {part for name in entry for part in name.split(".")}
        self.reachable, self.install_methods = self._reachability(tree)
        #: functions that certainly run when the module's top level runs (see ``_will_run``)
        self.will_run = _will_run(tree)

    def context_of(self, name: str, fn: Function, context: Context) -> Context | None:
        """The context ``fn``'s body runs in, in a module that runs in ``context``; None when
        it only runs when called and names nothing this layer reports."""
        if id(fn) in self._dev_methods or id(fn) in self._unnamed:
            # a cmdclass entry pip never runs (setup.py docs ...), a function nothing names
            return Context.RUNTIME if self._worth(fn) else None
        if self.whole_file_context or id(fn) in self.install_methods:
            return Context.INSTALL if id(fn) in self.install_methods else context
        if name in self.reachable:
            return context
        return Context.RUNTIME if self._worth(fn) else None

    def _worth(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a function that only runs when called can do anything this layer reports.

        Code that reaches a dangerous API names it (an ASCII source cannot hide a name from a
        substring search); sources with non-ASCII text are always analysed in full.
        """
        if self._worth_lines is None:
            self._worth_lines = _lines_worth_analysing(self.source)
        # the function's lines (as ``str.splitlines`` counts them) hold a flagged line
        end = fn.end_lineno or fn.lineno
        flagged = self._worth_lines
        i = bisect.bisect_left(flagged, fn.lineno - 1)
        if i < len(flagged) and flagged[i] <= end - 1:
            return True
        # or hands values to a function of this module that runs or downloads what it is given
        if self._helper_lines is None:
            self._helper_lines = _helper_calls(self.source, self.functions)
        calls = self._helper_lines
        j = bisect.bisect_left(calls, fn.lineno - 1)
        return j < len(calls) and calls[j] <= end - 1

    def _collect_functions(self, tree: ast.Module) -> None:
        if self.source.isascii():
            self._collect_statements(tree.body)
            return
        for node in syntax.definitions_breadth_first(tree):
            if isinstance(node, ast.ClassDef):
                self.classes.add(node.name)
            else:
                self.functions.setdefault(node.name, []).append(node)
                if isinstance(node, ast.FunctionDef) and syntax.is_simple(node):
                    self.simple[node.name] = UserFunction(node)

    def _collect_statements(self, body: list[ast.stmt]) -> None:
        """Function definitions, found by walking statements only (expressions hold none)."""
        stack = [body]
        while stack:
            for stmt in stack.pop():
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(stmt.name, []).append(stmt)
                    if isinstance(stmt, ast.FunctionDef) and syntax.is_simple(stmt):
                        self.simple[stmt.name] = UserFunction(stmt)
                    stack.append(stmt.body)
                elif isinstance(stmt, ast.ClassDef):
                    self.classes.add(stmt.name)
                    stack.append(stmt.body)
                else:
                    stack.extend(syntax.child_blocks(stmt))

    def _reach(
        self,
        node: ast.AST,
        *,
        named_class_runs: bool = True,
        aliases: frozenset[str] = frozenset(),
    ) -> set[str]:
        """Names a piece of code can call: functions by name, methods through ``self``, ``cls``,
        classes of this module and their instances (``Grabber().run()``, ``g = Grabber()``).

        In a function a class that is only named may be handed on and called later, so naming
        it reaches its constructor; a class body that only names one (``wrapper = SafeAtoms``)
        builds nothing (``named_class_runs=False``). Its constructor is reached when the body
        calls the class however the callee is spelled (``[Payload][0]()``), or calls a name the
        body bound to it (``aliases``: ``factory = Payload`` then ``factory()``)."""
        local = self.classes
        built = (
            set()
            if named_class_runs
            else {
                id(name)
                for child in syntax.nodes(node)
                if isinstance(child, ast.Call)
                for name in syntax.nodes(child.func)
                if isinstance(name, ast.Name)
            }
        )
        constructors = {"__init__", "__new__", "__call__", "__enter__", "__post_init__"}
        out: set[str] = set()
        for child in syntax.nodes(node):
            if isinstance(child, ast.Name):
                out.add(child.id)
                if (named_class_runs and child.id in local) or (
                    id(child) in built and (child.id in local or child.id in aliases)
                ):
                    out |= constructors
            elif isinstance(child, ast.Attribute):
                base = child.value
                if isinstance(base, ast.Call):
                    base = base.func
                if isinstance(base, ast.Name) and (
                    base.id in ("self", "cls", "super")
                    or base.id in local
                    or base.id in self._instances
                ):
                    out.add(child.attr)
        return out

    def _reachability(self, tree: ast.Module) -> tuple[set[str], set[int]]:
        """Function names called (or referenced) from code that runs at import; install methods."""
        self._instances = {
            t.id
            for n in tree.body
            if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Call)
            and isinstance(n.value.func, ast.Name)
            and n.value.func.id in self.classes
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        roots = _Roots(
            _build_tool_names(tree),
            _dev_commands(tree) if self.whole_file_context else set(),
            _development_commands(tree) if self.whole_file_context else set(),
        )
        self._aliases = _function_aliases(tree, self.functions)
        referenced = self._referenced(tree.body, roots) | self._entry
        reachable: set[str] = set()
        work = [n for n in self._through_aliases(referenced) if n in self.functions]
        while work:
            name = work.pop()
            if name in reachable:
                continue
            reachable.add(name)
            for fn in self.functions[name]:
                for inner in self._through_aliases(self._reach(fn)):
                    if inner in self.functions and inner not in reachable:
                        work.append(inner)
        return reachable, roots.install_methods

    def _through_aliases(self, names: set[str]) -> set[str]:
        """``names`` and the module functions that those bound to one by the top level
        (``_fetch = fetch``) stand for."""
        return names.union(*(self._aliases.get(n, ()) for n in names))

    def _referenced(
        self, body: list[ast.stmt], roots: _Roots, *, class_body: bool = False
    ) -> set[str]:
        """Names that the statements of ``body`` which run when it runs can call."""
        referenced: set[str] = set()
        named_class_runs = not class_body
        aliases = frozenset(
            target.id
            for stmt in body
            if class_body and isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name)
            if stmt.value.id in self.classes
            for target in stmt.targets
            if isinstance(target, ast.Name)
        )
        for stmt in syntax.top_statements(body):
            if not class_body and _binds_function(stmt, self.functions):
                continue  # ``_fetch = fetch`` runs nothing: calling ``_fetch`` reaches it
            if isinstance(stmt, ast.ClassDef):
                referenced |= self._class_references(stmt, roots)
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                for dec in stmt.decorator_list:  # a decorator is called, a class one too
                    referenced |= self._reach(dec)
                if syntax.runs_at_definition(stmt, self.functions):
                    referenced.add(stmt.name)
            elif isinstance(stmt, ast.If) and syntax.is_main_guard(stmt.test):
                continue
            elif syntax.child_blocks(stmt):
                for expr in syntax.own_expressions(stmt):
                    referenced |= self._reach(
                        expr, named_class_runs=named_class_runs, aliases=aliases
                    )
            else:
                referenced |= self._reach(stmt, named_class_runs=named_class_runs, aliases=aliases)
        return referenced

    def _class_references(self, cls: ast.ClassDef, roots: _Roots) -> set[str]:
        """What a class definition runs: its body's statements and its methods' decorators
        (or, for an install command class, every method: pip calls them)."""
        methods = [s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
        if cls.name in roots.dev_commands:
            self._dev_methods.update(id(m) for m in methods)
            return set()
        if any(_is_install_base(b, roots.build_names, self.whole_file_context) for b in cls.bases):
            referenced: set[str] = set()
            if cls.name in roots.development:
                self.development_methods.update(id(m) for m in methods)
            for method in methods:
                roots.install_methods.add(id(method))
                referenced |= self._reach(method)
            return referenced
        return self._referenced(cls.body, roots, class_body=True)


# --- what certainly runs -----------------------------------------------------------------------

#: Callees that run a function they are handed (``Thread(target=f)``, ``Timer(1, f)``,
#: ``atexit.register(f)``, ``executor.submit(f)``, ``loop.call_soon(f)``).
_RUNNERS = frozenset(
    {
        "Thread",
        "Timer",
        "Process",
        "register",
        "start_new_thread",
        "submit",
        "call_soon",
        "call_later",
        "run_in_executor",
        "apply_async",
    }
)
_CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__"})


def _will_run(tree: ast.Module) -> set[int]:
    """Ids of the functions that run whenever the module's top level runs: module functions
    called by their own name from the top level (or handed to a thread, timer or ``atexit``,
    or used as a decorator), the constructors of module classes built there, and, through the
    same kinds of call, what those functions call in turn. A call on a branch counts (the
    branch is the attacker's to choose); calls through attributes and instances are left to
    the wider, name-based reachability (``Structure.reachable``)."""
    walk = _WillRun(tree)
    walk.block(tree.body)
    found: set[int] = set()
    while walk.work:
        fn = walk.work.pop()
        if id(fn) in found:
            continue
        found.add(id(fn))
        for stmt in fn.body:
            walk.calls_in(stmt)
    return found


class _WillRun:
    """The walk behind :func:`_will_run`: module functions and classes by name, and the
    functions found to run, still to be read."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions: dict[str, list[Function]] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.work: list[Function] = []
        for stmt in syntax.top_statements(tree.body):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(stmt.name, []).append(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
        for alias, names in _function_aliases(tree, self.functions).items():
            for name in names:
                self.functions.setdefault(alias, []).extend(self.functions[name])

    def runs(self, name: str) -> None:
        self.work.extend(self.functions.get(name, ()))
        cls = self.classes.get(name)
        if cls is not None:
            self.work.extend(
                m
                for m in cls.body
                if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and m.name in _CONSTRUCTORS
            )

    def calls_in(self, node: ast.AST) -> None:
        for call in syntax.calls_no_defs(node):
            if isinstance(call.func, ast.Name):
                self.runs(call.func.id)
            handed = [kw.value for kw in call.keywords if kw.arg == "target"]
            if syntax.callee_name(call.func) in _RUNNERS:
                handed += call.args
            for arg in handed:
                if isinstance(arg, ast.Name):
                    self.runs(arg.id)

    def definition(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for dec in stmt.decorator_list:
            self.calls_in(dec)
            target = dec.func if isinstance(dec, ast.Call) else dec
            if isinstance(target, ast.Name):
                self.runs(target.id)  # a decorator is called with what it decorates
        if not isinstance(stmt, ast.ClassDef):
            if syntax.runs_at_definition(stmt, self.functions):
                self.work.append(stmt)
            return
        for expr in (*stmt.bases, *(k.value for k in stmt.keywords)):
            self.calls_in(expr)
        self.block(stmt.body)

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in syntax.top_statements(body):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.definition(stmt)
            elif isinstance(stmt, ast.If) and syntax.is_main_guard(stmt.test):
                continue
            elif syntax.child_blocks(stmt):
                for expr in syntax.own_expressions(stmt):
                    self.calls_in(expr)
            else:
                self.calls_in(stmt)


# --- helpers -----------------------------------------------------------------------------------


def _binds_function(stmt: ast.stmt, functions: Mapping[str, object]) -> bool:
    """``_fetch = fetch``: a top-level statement that only binds a module function to other
    names (none of them a module function's own), which calls nothing."""
    return (
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Name)
        and stmt.value.id in functions
        and all(isinstance(t, ast.Name) and t.id not in functions for t in stmt.targets)
    )


def _function_aliases(tree: ast.Module, functions: Mapping[str, object]) -> dict[str, set[str]]:
    """Name -> the module functions the top level binds it to (``_fetch = fetch``)."""
    out: dict[str, set[str]] = {}
    for stmt in syntax.top_statements(tree.body):
        if _binds_function(stmt, functions) and isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and isinstance(stmt.value, ast.Name):
                    out.setdefault(target.id, set()).add(stmt.value.id)
    return out


#: What a helper function that runs or fetches what it is given names (see ``_helper_calls``).
_HELPER_KEYWORDS = Keywords(
    (
        "system(",
        "popen",
        "Popen",
        "subprocess",
        "spawn",
        "startfile",
        "urlretrieve",
        "urlopen",
        "requests.get",
        "httpx.get",
        "exec(",
    )
)


#: Names that code only run when called must contain to be worth analysing (see ``_worth``).
_RUNTIME_KEYWORDS = Keywords(
    (
        "exec",
        "eval",
        "compile",
        "marshal",
        "pickle",
        "loads",
        "system",
        "popen",
        "Popen",
        "spawn",
        "subprocess",
        "startfile",
        "environ",
        "getenv",
        "urlopen",
        "urlretrieve",
        "request",
        "post",
        "socket",
        # mail, file-transfer and websocket clients, DNS look-ups: channels for stolen data
        "FTP",
        "SMTP",
        "sendmail",
        "send_message",
        "storbinary",
        "storlines",
        "websocket",
        "gethostbyname",
        "getaddrinfo",
        "getattr",
        "__import__",
        "import_module",
        "__builtins__",
        "globals",
        "vars(",
        "__dict__",
        "b64",
        "decode",
        "decompress",
        "fromhex",
        "shutil",
        "bashrc",
        "zshrc",
        "profile",
        "Startup",
        "cron",
        "authorized_keys",
        "LaunchAgents",
        "systemd",
        "CurrentVersion",
        "pip",
        "dup2",
        "zipimport",
        "CDLL",
        "memmove",
        "RtlMoveMemory",
        "WriteProcessMemory",
        "LoadLibrary",
        "dlopen",
    )
)


_NON_ASCII_IDENT = re.compile(r"[^\x00-\x7f]")


def _helper_calls(
    source: str, functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]
) -> list[int]:
    """Indices of the lines of ``source.splitlines()`` that call a helper of this module: a
    function with parameters that names a process or download API (``def start(p):
    os.system(p)``), so that code only handing it values is analysed too."""
    joined, ends = _line_table(source)
    marked = line_indices(_HELPER_KEYWORDS.starts(joined), ends)
    if not marked:
        return []
    names = []
    for name, defs in functions.items():
        fn = defs[0]
        if len(defs) != 1 or not fn.args.args:
            continue
        k = bisect.bisect_left(marked, fn.lineno - 1)
        if k < len(marked) and marked[k] <= (fn.end_lineno or fn.lineno) - 1:
            names.append(name)
    if not names:
        return []
    calls = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\(")
    return sorted({bisect.bisect_right(ends, m.start()) for m in calls.finditer(joined)})


@functools.lru_cache(maxsize=1)
def _line_table(source: str) -> tuple[str, list[int]]:
    """``source``'s lines (as ``str.splitlines`` counts them) joined by ``\n``, and the offset
    of the line break after each line. Both screens of one module use it: the last one is
    kept (the list is only read)."""
    lines = source.splitlines()
    ends = [total + i for i, total in enumerate(itertools.accumulate(map(len, lines)))]
    return "\n".join(lines), ends


def _lines_worth_analysing(source: str) -> list[int]:
    """Indices of the lines of ``source.splitlines()`` that hold a runtime keyword or a
    character outside ASCII, found once per module (a substring search per keyword, from line
    to line) instead of once per function. Keywords hold no line break."""
    joined, ends = _line_table(source)
    flagged = set(line_indices(_RUNTIME_KEYWORDS.starts(joined), ends))
    if not joined.isascii():
        pos = 0
        while (match := _NON_ASCII_IDENT.search(joined, pos)) is not None:
            index = bisect.bisect_right(ends, match.start())
            flagged.add(index)
            if index >= len(ends):
                break
            pos = ends[index] + 1
    return sorted(flagged)


@dataclass(slots=True)
class _Roots:
    """What decides which definitions run at install: the names bound to setuptools objects,
    command classes pip never runs, and the methods of those it does (filled while walking)."""

    build_names: set[str]
    dev_commands: set[str]
    #: classes registered under ``develop`` alone (:func:`_development_commands`)
    development: set[str]
    install_methods: set[int] = field(default_factory=set)


#: Commands that pip runs while building or installing (cmdclass keys).
_PIP_COMMANDS = frozenset(
    {
        "install",
        "develop",
        "egg_info",
        "build",
        "build_py",
        "build_ext",
        "build_clib",
        "build_scripts",
        "bdist_wheel",
        "bdist_egg",
        "sdist",
        "install_lib",
        "install_scripts",
        "install_data",
        "install_headers",
        "editable_wheel",
        "dist_info",
    }
)


def _build_tool_names(tree: ast.Module) -> set[str]:
    """Local names bound to setuptools/distutils objects by imports."""
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "setuptools",
            "distutils",
            "wheel",
        ):
            out |= {a.asname or a.name for a in node.names}
    return out


def _is_install_base(base: ast.expr, build_names: set[str], setup_file: bool) -> bool:
    name = _base_name(base)
    if name not in tables.INSTALL_COMMAND_BASES:
        return False
    if setup_file or name in build_names:
        return True
    root = base
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in ("setuptools", "distutils", "wheel")


def _registered_commands(tree: ast.Module) -> tuple[dict[str, set[str]], set[int]]:
    """The classes a dict literal registers by name (``cmdclass``), with the keys each is
    registered under, and the ids of the ``Name`` nodes that register them."""
    keyed: dict[str, set[str]] = {}
    values: set[int] = set()
    for node in syntax.nodes(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and isinstance(value, ast.Name)
                ):
                    keyed.setdefault(value.id, set()).add(key.value)
                    values.add(id(value))
    return keyed, values


def _dev_commands(tree: ast.Module) -> set[str]:
    """Classes registered in ``cmdclass`` only under keys pip never runs."""
    keyed, _ = _registered_commands(tree)
    return {name for name, keys in keyed.items() if not keys & _PIP_COMMANDS}


def _development_commands(tree: ast.Module) -> set[str]:
    """Classes registered in ``cmdclass`` under ``develop`` and no other key, whose name the
    module uses nowhere else but for a dunder attribute (``Develop.__doc__ = ...``): no other
    command inherits their methods or calls them."""
    keyed, values = _registered_commands(tree)
    candidates = {name for name, keys in keyed.items() if keys == {"develop"}}
    if not candidates:
        return set()
    dunder: set[int] = set()
    for node in syntax.nodes(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.attr.startswith("__")
            and node.attr.endswith("__")
        ):
            dunder.add(id(node.value))
    for node in syntax.nodes(tree):
        if (
            isinstance(node, ast.Name)
            and node.id in candidates
            and id(node) not in values
            and id(node) not in dunder
        ):
            candidates.discard(node.id)  # a base of another command, a call, an alias
    return candidates


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
