"""Generate ``src/outwork/analyzers/models/data/pickle_allowlist_generated.tsv`` from the real
libraries installed beside outwork (the ``models-test`` extra plus pandas and scipy):

    .venv/bin/python scripts/models_allowlist.py [--check]

A pickle names a global as ``module`` + qualified name and the loader resolves it with
``getattr(import_module(module), name)``. So a global is listed under every module of a library
through which it is reachable *and* only when the object is defined by that library itself (its
``__module__`` is one of the library's modules): ``sklearn.datasets._covtype.GzipFile`` is the
standard library's ``gzip.GzipFile`` that an sklearn module imports, and it is not listed, while
``numpy.ma.MaskedArray`` (defined in ``numpy.ma.core``) is listed under both modules.

Each row carries a *use*:

- ``call``: classes whose construction builds data, NumPy ufuncs (pure arithmetic) and the
  library's reconstruction helpers (``_reconstruct``, ``__pyx_unpickle_*``, ``_rebuild_*``): a
  pickle may call them on load;
- ``value``: other functions, allowed as a reference inside the state of an object
  (``FunctionTransformer(func=np.log1p)``, ``SelectKBest(score_func=f_classif)``) but not
  called while loading: a pickle that calls one is flagged.

Modules and names that touch files, processes, the network or code (readers and writers,
dataset downloaders, test helpers, ``numpy.f2py``, ``torch.hub``, memory maps, file-like and
process classes) are left out, so they stay outside the allowlist (MDL002) or on the
denylist (MDL001). The header records the versions the table was generated from. This script
imports the installed libraries (trusted code on the developer's machine); it never touches a
scanned file.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import importlib
import inspect
import io
import multiprocessing.process
import pkgutil
import re
import socket
import subprocess
import sys
import tarfile
import threading
import types
import warnings
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

OUT = (
    Path(__file__).resolve().parents[1]
    / "src/outwork/analyzers/models/data/pickle_allowlist_generated.tsv"
)

#: Library (distribution name, import roots walked recursively, top-level package).
LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("numpy", ("numpy",)),
    (
        "scipy",
        (
            "scipy.sparse",
            "scipy.stats",
            "scipy.special",
            "scipy.interpolate",
            "scipy.spatial",
            "scipy._lib.array_api_compat",
        ),
    ),
    ("scikit-learn", ("sklearn",)),
    ("pandas", ("pandas",)),
    ("joblib", ("joblib.numpy_pickle", "joblib.numpy_pickle_compat")),
    (
        "torch",
        (
            "torch.nn.modules",
            "torch.nn.parameter",
            "torch.nn.utils.parametrize",
            "torch.nn.functional",
        ),
    ),
    ("xgboost", ("xgboost",)),
    ("lightgbm", ("lightgbm",)),
)

#: Module path parts never walked: tests, build helpers, I/O, downloads, code generation.
SKIP_PARTS = frozenset(
    """
    tests test testing _testing conftest benchmarks _build_utils _vendor
    f2py distutils _distutils _pyinstaller io datasets hub plotting _plotting
    computation clipboard _config show_versions _show_versions _utils_impl __main__
    dask spark dask_ml callback plotting compat _datasource format _npyio_impl npyio
    memmap ctypeslib _core._machar typing _typing
    """.split()  # noqa: SIM905 - a word list reads better than quoted strings one per line
)

#: Classes a pickle must not construct: file, process, socket and thread handles.
HANDLE_BASES: tuple[type, ...] = (
    io.IOBase,
    socket.socket,
    subprocess.Popen,
    threading.Thread,
    multiprocessing.process.BaseProcess,
    concurrent.futures.Executor,
    zipfile.ZipFile,
    tarfile.TarFile,
)

#: Words of a function or class name (snake_case or CamelCase) that read, write, fetch or run
#: something: such names are left out whatever module defines them.
RISKY_WORDS = frozenset(
    """
    load loads loader save saver savez dump dumps read reader write writer fetch download open
    file files filename store fromfile tofile loadtxt genfromtxt savetxt memmap system popen exec
    eval run runner spawn compile import importer url urlopen show print setup config parallel
    delayed register cache memory path query pipe csv pickle mkdir remove unlink environ socket
    subprocess shell hdf sql excel clipboard html
    tempfile temp tmp stata sas spss feather parquet orc xml gbq buffer test tests
    """.split()  # noqa: SIM905 - a word list reads better than quoted strings one per line
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def risky_name(name: str) -> bool:
    return any(word.lower() in RISKY_WORDS for word in _WORD.findall(name))


#: Functions that libraries' own ``__reduce__`` methods name to rebuild their objects.
RECONSTRUCTOR = re.compile(
    r"^(_reconstruct|_mareconstruct|_frombuffer|scalar|__pyx_unpickle_\w+|_unpickle\w*|_new_\w+"
    r"|new_block\w*|_rebuild\w*|__\w+_ctor|_restore\w*|_get_layout|_ufunc_reconstruct|newObj)$"
)


def _walk(root: str) -> Iterator[types.ModuleType]:
    try:
        module = importlib.import_module(root)
    except Exception:
        return
    yield module
    if not hasattr(module, "__path__"):
        return
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{root}.", onerror=lambda _n: None):
        if SKIP_PARTS & set(info.name.split(".")):
            continue
        try:
            yield importlib.import_module(info.name)
        except Exception:  # noqa: S112 - optional backends (cupy, pyarrow) may be missing
            continue


def _library_module(name: object, top: str) -> bool:
    return isinstance(name, str) and (name == top or name.startswith(f"{top}."))


def _source_parts(obj: object) -> set[str]:
    """The module path of the object and of the file its code is in (libraries rename
    ``__module__`` to their public module: pandas' ``ExcelWriter`` says ``pandas``)."""
    parts = set(str(getattr(obj, "__module__", "")).split("."))
    code_owners = [obj, *vars(obj).values()] if inspect.isclass(obj) else [obj]
    for item in code_owners:
        code = getattr(item, "__code__", None)
        if isinstance(code, types.CodeType):
            parts |= set(Path(code.co_filename).with_suffix("").parts)
            break
    return parts


def _use(obj: object, name: str) -> str | None:
    """``call``, ``value`` or None (left out) for one object reachable as ``name``."""
    if SKIP_PARTS & _source_parts(obj):
        return None
    if inspect.isclass(obj):
        if issubclass(obj, HANDLE_BASES) or risky_name(name) or risky_name(obj.__name__):
            return None
        if any(getattr(b, "__name__", "") == "memmap" for b in obj.__mro__):
            return None
        return "call"
    if type(obj).__name__ == "ufunc":
        return "call"
    if callable(obj) and not inspect.ismodule(obj):
        if RECONSTRUCTOR.match(name):
            return "call"
        if risky_name(name) or risky_name(getattr(obj, "__name__", "")):
            return None
        return "value"
    return None


def _rows(top: str, roots: tuple[str, ...]) -> dict[tuple[str, str], str]:
    rows: dict[tuple[str, str], str] = {}
    for root in roots:
        for module in _walk(root):
            for name, obj in list(vars(module).items()):
                if name.startswith("__") and not RECONSTRUCTOR.match(name):
                    continue
                owner = getattr(obj, "__module__", None)
                if type(obj).__name__ == "ufunc":
                    owner = top  # ufuncs are defined by numpy's C core
                if not _library_module(owner, top.split(".")[0]):
                    continue
                use = _use(obj, name)
                if use is not None:
                    rows[(module.__name__, name)] = use
                qualname = getattr(obj, "__qualname__", None)
                if use is not None and isinstance(owner, str) and isinstance(qualname, str):
                    rows.setdefault((owner, qualname), use)
    return rows


def _torch_weights_only() -> dict[tuple[str, str], str]:
    """What ``torch.load(weights_only=True)`` allows, from torch itself."""
    from torch import _weights_only_unpickler as wo

    rows: dict[tuple[str, str], str] = {}
    for full in wo._get_allowed_globals():
        module, _, name = full.rpartition(".")
        if module:
            rows[(module, name)] = "call"
    return rows


def _version(dist: str) -> str:
    """The installed version of ``dist`` (or of its CPU-only build, ``xgboost-cpu``)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return metadata.version(f"{dist}-cpu")


def generate() -> str:
    warnings.simplefilter("ignore")
    rows: dict[tuple[str, str], str] = {}
    versions: list[str] = []
    for dist, roots in LIBRARIES:
        top = roots[0].split(".")[0]
        try:
            version = _version(dist)
            importlib.import_module(top)
        except Exception:  # noqa: S112 - a library not installed is not listed
            continue
        versions.append(f"{dist} {version}")
        with contextlib.redirect_stdout(sys.stderr):  # some modules print when imported
            found = _rows(top, roots)
        for key, use in found.items():
            rows.setdefault(key, use)
        if dist == "torch":
            rows.update(_torch_weights_only())
    by_module: dict[tuple[str, str], list[str]] = {}
    for (module, name), use in rows.items():
        by_module.setdefault((module, use), []).append(name)
    lines = [
        "# Generated by scripts/models_allowlist.py from the installed libraries: do not edit.",
        f"# Python {sys.version_info.major}.{sys.version_info.minor}; " + ", ".join(versions),
        "# module<TAB>use (call: may be called on load; value: a reference only)<TAB>names",
    ]
    for (module, use), names in sorted(by_module.items()):
        lines.append(f"{module}\t{use}\t{' '.join(sorted(names))}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    text = generate()
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {text.count(chr(10)) - 3} module rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
