"""Metamorphic robustness: rewrite detected malware and check the variants are still caught.

Every sample of ../shared/corpus/packages/pypi-malicious-dev.zip that outwork flags high or
critical is rewritten, in memory, by each transformation below (Python sources only; the syntax
tree is rewritten and printed back, nothing is run), repacked, and scanned again.

- ``rename``: every name the module binds (variables, functions, classes, arguments) becomes a
  Cyrillic identifier;
- ``split``: every string literal is cut into concatenated pieces;
- ``getattr``: ``module.func(...)`` calls become ``getattr(module, 'fu' + 'nc')(...)`` and builtin
  calls ``getattr(__builtins__, 'ex' + 'ec')(...)``;
- ``b64zlib``: each module becomes ``exec(zlib.decompress(base64.b64decode(...)))``;
- ``marshal``: each module becomes ``exec(marshal.loads(base64.b64decode(...)))`` (compiled with
  ``compile``, which never runs code);
- ``move``: ``setup.py`` moves into a module that a two-line ``setup.py`` imports.

A rewrite counts as caught only when every behaviour code of the original comes back: the codes
of its high and critical findings, the verdict (PKG020) left out, and for each rewrite the codes
it raises on a harmless package by itself left out too (the wrappers' ``exec(decode(...))`` is
PKG004 whatever it hides, so a wrapped sample is caught only when what it hides is found again).
Samples whose only codes are the rewrite's own are not measured for that rewrite.

    python bench/packages_metamorphic.py [--limit N]
"""

from __future__ import annotations

import argparse
import ast
import base64
import builtins
import io
import marshal
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from packages_corpus import CORPUS, judge

from outwork.core.rules import Severity

Files = dict[str, bytes]
BUILTINS = frozenset(dir(builtins))


def unpack(data: bytes) -> tuple[str, Files] | None:
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return "zip", {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            out: Files = {}
            for info in tf:
                fh = tf.extractfile(info) if info.isfile() else None
                if fh is not None:
                    out[info.name] = fh.read()
            return "tar", out
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None


def pack(kind: str, files: Files) -> bytes:
    buf = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
    else:
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class _Rename(ast.NodeTransformer):
    def __init__(self, bound: set[str]) -> None:
        self.map = {name: f"перем{i}" for i, name in enumerate(sorted(bound))}

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.map.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.map.get(node.arg, node.arg)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self.map.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self.map.get(node.name, node.name)
        self.generic_visit(node)
        return node


def rename(tree: ast.Module) -> ast.Module:
    bound: set[str] = set()
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
    # method names are looked up as attributes (install.run): leave those, rename the rest
    methods = {
        f.name
        for c in ast.walk(tree)
        if isinstance(c, ast.ClassDef)
        for f in c.body
        if isinstance(f, ast.FunctionDef)
    }
    keep = imported | BUILTINS | methods | {"self", "cls", "setup"}
    return _Rename(bound - keep).visit(tree)  # type: ignore[no-any-return]


class _Split(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and len(node.value) > 3:
            half = len(node.value) // 2
            return ast.BinOp(
                ast.Constant(node.value[:half]), ast.Add(), ast.Constant(node.value[half:])
            )
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # pieces of f-strings must stay constants


def split(tree: ast.Module) -> ast.Module:
    return _Split().visit(tree)  # type: ignore[no-any-return]


class _Getattr(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and len(func.attr) > 1
        ):
            h = len(func.attr) // 2
            name = ast.BinOp(ast.Constant(func.attr[:h]), ast.Add(), ast.Constant(func.attr[h:]))
            node.func = ast.Call(ast.Name("getattr", ast.Load()), [func.value, name], [])
        elif isinstance(func, ast.Name) and func.id in (
            "exec",
            "eval",
            "compile",
            "__import__",
            "open",
        ):
            h = len(func.id) // 2
            name = ast.BinOp(ast.Constant(func.id[:h]), ast.Add(), ast.Constant(func.id[h:]))
            node.func = ast.Call(
                ast.Name("getattr", ast.Load()), [ast.Name("__builtins__", ast.Load()), name], []
            )
        return node


def getattr_indirection(tree: ast.Module) -> ast.Module:
    return _Getattr().visit(tree)  # type: ignore[no-any-return]


def _source_transform(fn: Callable[[ast.Module], ast.Module]) -> Callable[[Files], Files]:
    def apply(files: Files) -> Files:
        out = dict(files)
        for name, data in files.items():
            if not name.endswith(".py"):
                continue
            try:
                tree = ast.parse(data)
                out[name] = ast.unparse(ast.fix_missing_locations(fn(tree))).encode()
            except (SyntaxError, ValueError, RecursionError):
                continue
        return out

    return apply


def _wrap(kind: str) -> Callable[[Files], Files]:
    def apply(files: Files) -> Files:
        out = dict(files)
        for name, data in files.items():
            if not name.endswith(".py") or not data.strip():
                continue
            try:
                code = compile(data, name, "exec")  # compiles, never runs
            except (SyntaxError, ValueError):
                continue
            if kind == "marshal":
                blob = base64.b64encode(marshal.dumps(code)).decode()
                loader = f"exec(marshal.loads(base64.b64decode('{blob}')))"
                out[name] = f"import marshal, base64\n{loader}\n".encode()
            else:
                blob = base64.b64encode(zlib.compress(data)).decode()
                loader = f"exec(zlib.decompress(base64.b64decode('{blob}')))"
                out[name] = f"import zlib, base64\n{loader}\n".encode()
        return out

    return apply


def move(files: Files) -> Files:
    out = dict(files)
    for name, data in files.items():
        if name.endswith("setup.py") and name.count("/") <= 1:
            base = name[: -len("setup.py")]
            out[base + "_build_support.py"] = data
            out[name] = b"import _build_support  # noqa\n"
    return out


TRANSFORMS: dict[str, Callable[[Files], Files]] = {
    "rename": _source_transform(rename),
    "split": _source_transform(split),
    "getattr": _source_transform(getattr_indirection),
    "b64zlib": _wrap("b64zlib"),
    "marshal": _wrap("marshal"),
    "move": move,
}


#: The verdict summarises the others; it is no behaviour of its own.
VERDICT = "PKG020"
#: A harmless module: what a rewrite raises on it is the rewrite's own doing (the wrappers'
#: ``exec(decode(...))`` is PKG004 whatever it runs).
HARMLESS: Files = {
    "harmless-1.0/setup.py": b"from setuptools import setup\nsetup(name='harmless')\n"
}


def behaviour_codes(name: str, data: bytes) -> frozenset[str]:
    """The codes of the high and critical findings, the verdict left out."""
    findings, _ = judge(name, data)
    return frozenset(f.code for f in findings if f.severity >= Severity.HIGH and f.code != VERDICT)


def own_codes(kind: str, transform: Callable[[Files], Files]) -> frozenset[str]:
    """What a rewrite raises on a harmless package (the wrapper's own codes)."""
    return behaviour_codes("harmless-1.0.tar.gz", pack(kind, transform(HARMLESS)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--misses", default="")
    args = parser.parse_args()
    zf = zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip")
    names = [n for n in zf.namelist() if not n.endswith("/")]
    step = max(1, len(names) // args.limit)
    caught = dict.fromkeys(TRANSFORMS, 0)
    measured = dict.fromkeys(TRANSFORMS, 0)
    any_high = dict.fromkeys(TRANSFORMS, 0)
    wrapper = {label: own_codes("sdist", t) for label, t in TRANSFORMS.items()}
    originals = 0
    misses: list[str] = []
    for entry in names[::step][: args.limit]:
        data = zf.read(entry, pwd=b"infected")
        filename = entry.rsplit("/", 1)[-1]
        codes = behaviour_codes(filename, data)
        if not codes:
            continue
        unpacked = unpack(data)
        if unpacked is None:
            continue
        originals += 1
        kind, files = unpacked
        for label, transform in TRANSFORMS.items():
            found = behaviour_codes(filename, pack(kind, transform(files)))
            any_high[label] += bool(found)
            wanted = codes - wrapper[label]
            if not wanted:
                continue  # the original's only codes are ones the rewrite raises by itself
            measured[label] += 1
            if wanted <= found:
                caught[label] += 1
            else:
                misses.append(f"{label}\t{entry}\tlost {','.join(sorted(wanted - found))}")
    print(f"detected originals rewritten: {originals}")
    print("a rewrite is caught when every behaviour code of the original (high or critical,")
    print("the verdict PKG020 and the rewrite's own codes left out) comes back high or critical")
    for label in TRANSFORMS:
        own = ",".join(sorted(wrapper[label])) or "none"
        print(
            f"  {label:8} caught {caught[label]}/{measured[label]}"
            f" = {100 * caught[label] / max(measured[label], 1):.1f}%"
            f"  (the rewrite's own codes: {own}; any high finding: {any_high[label]}/{originals})"
        )
    if args.misses:
        Path(args.misses).write_text("\n".join(misses) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
