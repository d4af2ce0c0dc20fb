"""Archives a package's own code unpacks: ``tarfile.open(p).extractall()``,
``zipfile.ZipFile(p).extract(m)``, ``shutil.unpack_archive(p)``, read by syntax tree.

An installer unpacks a package, never the archives the package carries; the package's own
code may (its ``setup.py``, a build backend, the top level of a module, a ``.pth`` line), and
then a member of such an archive that climbs out of the extraction folder lands wherever it
points. What is found here is handed to the layers that grade archive members one at a time
(:class:`outwork.core.reach.PackageReach`): each extraction as a pattern of the archive's file
name (``data.tar``, ``*.tar`` where the name is built at run time), or ``*`` where the
archive's path cannot be told (a parameter, a stream, a name bound to anything but an
archive opener): such an extraction may unpack anything the package ships.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from outwork.analyzers.packages.signals import Context
from outwork.core.reach import ANY_ARCHIVE

#: Calls that open an archive from a path, its first argument (or one of
#: :data:`PATH_KEYWORDS`).
OPENERS = frozenset(
    {
        "tarfile.open",
        "tarfile.TarFile",
        "tarfile.TarFile.open",
        "zipfile.ZipFile",
        "py7zr.SevenZipFile",
        "rarfile.RarFile",
    }
)
#: Calls that unpack the archive their first argument names.
UNPACKERS = frozenset(
    {
        "shutil.unpack_archive",
        "setuptools.archive_util.unpack_archive",
        "setuptools.archive_util.unpack_tarfile",
        "setuptools.archive_util.unpack_zipfile",
        "patoolib.extract_archive",
    }
)
PATH_KEYWORDS = ("name", "file", "filename", "archive", "fileobj")


@dataclass(frozen=True, slots=True)
class Unpack:
    """One extraction: when it runs, the pattern of the archive's file name, and its line."""

    ctx: Context
    pattern: str
    line: int


def extraction(
    node: ast.Call,
    name: str,
    attr: str | None,
    ctx: Context,
    *,
    tree: ast.AST | None,
    resolve: Callable[[ast.expr], str | None],
    path_text: Callable[[ast.expr], str],
) -> list[Unpack]:
    """The extractions a call makes (one per archive it may be), none when it unpacks
    nothing. ``name``: the callee as folding resolves it; ``attr``: the method's name;
    ``resolve`` and ``path_text`` fold an expression of the call's scope (a callee's qualified
    name, a path's text with ``?`` for what is known only at run time)."""
    if name in UNPACKERS:
        archive = _argument(node)
        archives = [archive] if archive is not None else []
    elif attr in ("extractall", "extract") and isinstance(node.func, ast.Attribute):
        opened = _opened(node.func.value, tree, resolve)
        if opened is None:
            # ``extractall`` is an archive's method; ``extract`` of anything else is common
            return [Unpack(ctx, ANY_ARCHIVE, node.lineno)] if attr == "extractall" else []
        archives = opened
    else:
        return []
    if not archives:
        return [Unpack(ctx, ANY_ARCHIVE, node.lineno)]
    return [Unpack(ctx, pattern(path_text(a)), node.lineno) for a in archives]


def pattern(text: str) -> str:
    """The pattern of an archive's file name from its path's text: its last component, with
    the parts known only at run time (``?``) as ``*``; any archive when no part of the name
    is known."""
    last = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()
    if not last or not last.replace("?", "").strip(" .*"):
        return ANY_ARCHIVE
    return last.replace("?", "*")


def _argument(node: ast.Call) -> ast.expr | None:
    if node.args:
        return node.args[0]
    return next((k.value for k in node.keywords if k.arg in PATH_KEYWORDS), None)


def _opened(
    receiver: ast.expr, tree: ast.AST | None, resolve: Callable[[ast.expr], str | None]
) -> list[ast.expr] | None:
    """The paths an archive receiver was opened from: the opener call itself
    (``tarfile.open(p).extractall()``), or the names the module binds to one (``tf =
    tarfile.open(p)``, ``with zipfile.ZipFile(p) as zf``); None when it is not known to be an
    archive (a parameter, a name the module binds to anything but an opener)."""
    if isinstance(receiver, ast.Call):
        path = _path_of(receiver, resolve)
        return [path] if path is not None else None
    if not isinstance(receiver, ast.Name) or tree is None:
        return None
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        for target, value in _bindings(node):
            if target.id != receiver.id:
                continue
            path = _path_of(value, resolve) if isinstance(value, ast.Call) else None
            if path is None:
                return None
            found.append(path)
    return found or None


def _path_of(call: ast.Call, resolve: Callable[[ast.expr], str | None]) -> ast.expr | None:
    if resolve(call.func) not in OPENERS:
        return None
    argument = _argument(call)
    return argument if argument is not None else ast.Constant("")


def _bindings(node: ast.AST) -> list[tuple[ast.Name, ast.expr]]:
    if isinstance(node, ast.Assign):
        return [(t, node.value) for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.With | ast.AsyncWith):
        return [
            (item.optional_vars, item.context_expr)
            for item in node.items
            if isinstance(item.optional_vars, ast.Name)
        ]
    return []
