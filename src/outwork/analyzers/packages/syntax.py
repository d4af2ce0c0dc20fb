"""Walking Python syntax trees the way the packages layer needs: statements apart from the
expressions they hold, blocks that run with their statement, definitions, and calls outside
nested definitions; each walk keeps :func:`ast.walk`'s order where a caller depends on it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

#: Fields that hold no node with anything below it: names, operators, load/store contexts,
#: flags. The walkers below skip them, which leaves the order of every other node unchanged.
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "arg",
        "names",
        "kind",
        "conversion",
        "level",
        "module",
        "type_comment",
        "is_async",
    }
)


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class _FieldTable(dict[type[ast.AST], tuple[str, ...]]):
    """Per node class, the fields that may hold nodes; filled on first sight of a class."""

    def __missing__(self, cls: type[ast.AST]) -> tuple[str, ...]:
        fields = self[cls] = tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
        return fields


_FIELDS = _FieldTable()


#: Per statement class: its statement blocks, and its own fields (all but the blocks).
_BLOCKS: dict[type[ast.AST], tuple[str, ...]] = {}


_OWN: dict[type[ast.AST], tuple[str, ...]] = {}


#: Per node class: the fields that hold statements, handlers or match cases, in field order.
_STATEMENT_BLOCKS: dict[type[ast.AST], tuple[str, ...]] = {}


def nodes(root: ast.AST) -> list[ast.AST]:
    """Every node below ``root`` and itself, in :func:`ast.walk`'s (breadth-first) order,
    without the leaves of :data:`_LEAF_FIELDS`; one list instead of a generator per node."""
    out = [root]
    append = out.append
    i = 0
    while i < len(out):
        node = out[i]
        i += 1
        for name in _FIELDS[type(node)]:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        append(item)
            elif isinstance(value, ast.AST):
                append(value)
    return out


def children(node: ast.AST) -> list[ast.AST]:
    """:func:`ast.iter_child_nodes` without the leaves, as a list."""
    out: list[ast.AST] = []
    for name in _FIELDS[type(node)]:
        value = getattr(node, name, None)
        if isinstance(value, list):
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def calls_no_defs(root: ast.AST) -> list[ast.Call]:
    """The calls below ``root`` outside nested definitions, in the order of a depth-first walk
    that pushes children in field order and pops the last one first."""
    calls: list[ast.Call] = []
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is ast.Call:
            calls.append(node)
        for name in _FIELDS[type(node)]:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, DEFS):
                        push(item)
            elif isinstance(value, ast.AST) and not isinstance(value, DEFS):
                push(value)
    return calls


def is_simple(node: ast.FunctionDef) -> bool:
    body = node.body
    if len(body) > 12 or not body:
        return False
    for stmt in body[:-1]:
        if not (
            isinstance(stmt, ast.Assign)
            or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        ):
            return False
    return isinstance(body[-1], ast.Return)


def top_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import, descending into if/try/with/for blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If) and is_main_guard(stmt.test):
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for block in child_blocks(stmt):
            yield from top_statements(block)


def child_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    cls = type(stmt)
    attrs = _BLOCKS.get(cls)
    if attrs is None:
        attrs = _BLOCKS[cls] = tuple(a for a in ("body", "orelse", "finalbody") if a in cls._fields)
    blocks: list[list[ast.stmt]] = []
    for attr in attrs:
        value = getattr(stmt, attr, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            blocks.append(value)
    if cls is ast.Try or cls is ast.TryStar:
        blocks.extend(h.body for h in stmt.handlers)  # type: ignore[attr-defined]
    elif cls is ast.Match:
        blocks.extend(c.body for c in stmt.cases)  # type: ignore[attr-defined]
    return blocks


#: Exceptions a failed import raises, by the names a handler catches them with.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    """``except ImportError``, ``except (ModuleNotFoundError, ...)`` (not a bare ``except``
    nor ``except Exception``: those catch whatever the body raises)."""
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
    return any(
        isinstance(name, ast.Name | ast.Attribute)
        and (name.id if isinstance(name, ast.Name) else name.attr) in _IMPORT_ERRORS
        for name in names
    )


def cannot_raise(body: list[ast.stmt]) -> bool:
    """Whether a block does nothing that can raise (``pass``, ``...``, a docstring): the
    handlers of a ``try`` around it never run."""
    return all(
        isinstance(stmt, ast.Pass)
        or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in body
    )


#: What setuptools has exported in every release still in use: importing these from it can
#: only fail where setuptools is missing.
_SETUPTOOLS_EXPORTS = frozenset(
    {"setup", "find_packages", "find_namespace_packages", "Extension", "Command", "Distribution"}
)


def imports_setuptools_only(body: list[ast.stmt]) -> bool:
    """Whether a block only imports setuptools (``import setuptools``, ``from setuptools import
    setup, find_packages``): around it, the handlers of a failed import run only where
    setuptools is missing, which is never where pip runs a ``setup.py`` (pip builds with
    setuptools installed). A name setuptools does not export, a submodule or any other
    statement could fail, and keeps the handlers live."""
    if not body:
        return False
    for stmt in body:
        if isinstance(stmt, ast.Import):
            if any(alias.name != "setuptools" for alias in stmt.names):
                return False
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level or stmt.module != "setuptools":
                return False
            if any(alias.name not in _SETUPTOOLS_EXPORTS for alias in stmt.names):
                return False
        else:
            return False
    return True


def imported_modules(body: list[ast.stmt]) -> frozenset[str]:
    """The top-level modules a block imports by its own statements (``import pybind11``,
    ``from Cython.Build import cythonize``)."""
    found: set[str] = set()
    for stmt in body:
        if isinstance(stmt, ast.Import):
            found.update(alias.name.split(".", 1)[0] for alias in stmt.names)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            found.add(stmt.module.split(".", 1)[0])
    return frozenset(found)


def own_expressions(stmt: ast.AST) -> list[ast.AST]:
    """The expressions of a statement (or an exception handler, a match case) itself, without
    those of its nested blocks (nor the leaves of :data:`_LEAF_FIELDS`, which hold no
    expression)."""
    cls = type(stmt)
    names = _OWN.get(cls)
    if names is None:
        names = _OWN[cls] = tuple(f for f in _FIELDS[cls] if f not in _BLOCK_FIELDS)
    out: list[ast.AST] = []
    for name in names:
        value = getattr(stmt, name, None)
        if isinstance(value, ast.AST):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, ast.AST))
    return out


def is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"``: the block a module run as a script runs, and only then
    (``!=``, ``in`` and the like run on import, and are no guard)."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstrings of a module, its classes and its functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.add(id(first.value))
    return found


def argv_parameter(
    tree: ast.Module, function: str, is_argv: Callable[[ast.expr], bool]
) -> str | None:
    """The parameter of ``function`` that only ever holds ``sys.argv``: its first, named
    ``argv`` (``def main(argv):``), of a function the module defines once at its top level,
    binds nowhere else and names only to call it with ``sys.argv`` alone (``main(sys.argv)``,
    ``is_argv``), whose body never rebinds or deletes the parameter. None otherwise."""
    defs = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == function
    ]
    if len(defs) != 1 or defs[0] not in tree.body or isinstance(defs[0], ast.ClassDef):
        return None
    fn = defs[0]
    params = [*fn.args.posonlyargs, *fn.args.args]
    if not params or params[0].arg != "argv":
        return None
    calls = {
        id(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
        and len(node.args) == 1
        and not node.keywords
        and is_argv(node.args[0])
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == function and id(node) not in calls:
            return None  # another call, a callback, a rebinding
        if isinstance(node, ast.alias) and function in (node.name, node.asname):
            return None
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id == "argv" and not isinstance(node.ctx, ast.Load):
            return None
        if isinstance(node, ast.Global | ast.Nonlocal) and "argv" in node.names:
            return None
    return "argv" if calls else None


def argv_word_guard(
    test: ast.expr, is_argv: Callable[[ast.expr], bool], commands: frozenset[str]
) -> list[ast.Constant]:
    """The words ``test`` needs on the command line, when it holds only if the command line
    names words that are none of ``commands``, nor an option or a path (``sys.argv[-1] ==
    "publish"``, ``"release" in sys.argv``, ``sys.argv[1] in ("publish", "tag")``, or an
    ``and`` with one of those); else none."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        for value in test.values:
            words = argv_word_guard(value, is_argv, commands)
            if words:
                return words
        return []
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return []
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        if _argv_item(right, is_argv):
            left, right = right, left
        return _hand_words([right], commands) if _argv_item(left, is_argv) else []
    if isinstance(op, ast.In):
        if _argv_item(left, is_argv) and isinstance(right, ast.Tuple | ast.List | ast.Set):
            return _hand_words(right.elts, commands)
        whole = right.value if isinstance(right, ast.Subscript) else right
        sliced = not isinstance(right, ast.Subscript) or isinstance(right.slice, ast.Slice)
        return _hand_words([left], commands) if sliced and is_argv(whole) else []
    return []


def _argv_item(node: ast.expr, is_argv: Callable[[ast.expr], bool]) -> bool:
    return (
        isinstance(node, ast.Subscript)
        and not isinstance(node.slice, ast.Slice)
        and is_argv(node.value)
    )


def _hand_words(nodes: list[ast.expr], commands: frozenset[str]) -> list[ast.Constant]:
    """The constant words of ``nodes`` when each is a word and none a command, an option or
    a path; else none."""
    words = [
        node
        for node in nodes
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Za-z0-9][\w.-]*", node.value) is not None
        and node.value not in commands
    ]
    return words if words and len(words) == len(nodes) else []


def block_children(node: ast.AST) -> list[ast.AST]:
    """The statements, exception handlers and match cases directly in ``node``'s blocks, in
    field order."""
    cls = type(node)
    blocks = _STATEMENT_BLOCKS.get(cls)
    if blocks is None:
        blocks = _STATEMENT_BLOCKS[cls] = tuple(f for f in cls._fields if f in _BLOCK_FIELDS)
    out: list[ast.AST] = []
    for name in blocks:
        value = getattr(node, name, None)
        if isinstance(value, list):
            out.extend(v for v in value if isinstance(v, ast.AST))
    return out


def statements_breadth_first(root: ast.AST) -> list[ast.AST]:
    """``root`` and the statements below it (with their exception handlers and match cases) in
    :func:`ast.walk`'s order, walking statement blocks only: expressions hold no statement,
    and leaving whole subtrees out of a breadth-first walk keeps the order of the rest."""
    out: list[ast.AST] = [root]
    i = 0
    while i < len(out):
        out.extend(block_children(out[i]))
        i += 1
    return out


def definitions_breadth_first(
    tree: ast.Module,
) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Function and class definitions in :func:`ast.walk`'s order."""
    return [node for node in statements_breadth_first(tree) if isinstance(node, DEFS)]


def runs_at_definition(
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    functions: Mapping[str, Sequence[ast.FunctionDef | ast.AsyncFunctionDef]] | None = None,
) -> bool:
    """A decorator that calls the function it decorates (``@lambda f: f()``, or a module
    function ``def plugin(fn): fn(); return fn`` among ``functions``) runs its body when the
    ``def`` statement runs. A decorator that only wraps it (calls it inside a nested
    function) does not."""
    for dec in fn.decorator_list:
        if (
            isinstance(dec, ast.Lambda)
            and dec.args.args
            and isinstance(dec.body, ast.Call)
            and isinstance(dec.body.func, ast.Name)
            and dec.body.func.id == dec.args.args[0].arg
        ):
            return True
        defs = functions.get(dec.id, ()) if functions and isinstance(dec, ast.Name) else ()
        if len(defs) == 1 and _calls_its_argument(defs[0]):
            return True
    return False


def _calls_its_argument(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``fn``'s own body (not a function nested in it) calls its first parameter."""
    params = [*fn.args.posonlyargs, *fn.args.args]
    if not params:
        return False
    first = params[0].arg
    return any(
        isinstance(call.func, ast.Name) and call.func.id == first
        for stmt in fn.body
        if not isinstance(stmt, DEFS)
        for call in calls_no_defs(stmt)
    )


def callee_name(func: ast.expr) -> str:
    """The last part of a called name (``system`` of ``os.system``), before any resolving."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""
