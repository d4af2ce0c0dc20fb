"""Write the packages layer's popular-name lists from public download rankings.

    python scripts/popular_names.py [--packages /work/.library/env/packages] [--n 5000]

Reads two package lists (tab-separated, one package a line, first line the column names):

- ``pypi.tsv``: ``name, version, month, rank_among_15000_most_downloaded, summary``; the rank
  column orders PyPI projects by downloads;
- ``npm.tsv``: ``name, version, downloads_a_month, summary``.

and writes, under ``src/outwork/analyzers/packages/data/``:

- ``top-pypi.txt``: the N most-downloaded PyPI projects, by rank;
- ``top-npm.txt``: the N most-downloaded npm packages, by monthly downloads;
- ``top-modules.txt``: the top-level import names of the most-downloaded PyPI projects, each
  with the projects that legitimately ship it (for the shadowing check of PKG010).

Each file's header names its source and date, so the lists are independent of the benign sets
the layer is measured on. The lists were made on one day; their date is the newest release
month the PyPI list names.
"""

from __future__ import annotations

import argparse
import keyword
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "outwork" / "analyzers" / "packages" / "data"

#: How many of the most-downloaded PyPI projects' import names count as popular modules.
MODULE_PROJECTS = 1000

#: Import names that differ from the project's name, as each project documents its import
#: (``pip install PyYAML`` then ``import yaml``), and the other popular projects that ship the
#: same module (a build variant or a maintained fork: ``psycopg2-binary`` ships ``psycopg2``).
KNOWN_IMPORTS: dict[str, tuple[str, ...]] = {
    "yaml": ("pyyaml", "ruamel-yaml"),
    "PIL": ("pillow", "pillow-simd"),
    "bs4": ("beautifulsoup4",),
    "cv2": (
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
    ),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "dateutil": ("python-dateutil",),
    "jwt": ("pyjwt",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyopenssl",),
    "attr": ("attrs",),
    "git": ("gitpython",),
    "magic": ("python-magic",),
    "dotenv": ("python-dotenv",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "zmq": ("pyzmq",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "socks": ("pysocks",),
    "nacl": ("pynacl",),
    "jose": ("python-jose",),
    "multipart": ("python-multipart",),
    "google.protobuf": ("protobuf",),
    "dns": ("dnspython",),
    "Levenshtein": ("levenshtein", "python-levenshtein"),
    "fitz": ("pymupdf",),
    "slugify": ("python-slugify",),
    "kafka": ("kafka-python",),
    "telegram": ("python-telegram-bot",),
    "telebot": ("pytelegrambotapi",),
    "discord": ("discord-py",),
    "win32api": ("pywin32",),
    "websocket": ("websocket-client",),
    "pkg_resources": ("setuptools",),
    "_pytest": ("pytest",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"),
    "torch": ("torch",),
}

#: Import names too generic to be one project's (many packages ship a top-level ``utils`` or
#: ``tests``); never counted as popular modules.
GENERIC = frozenset(
    {
        "test",
        "tests",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "scripts",
        "script",
        "utils",
        "util",
        "common",
        "core",
        "config",
        "setup",
        "src",
        "lib",
        "main",
        "app",
        "api",
        "tools",
        "build",
        "data",
        "models",
        "client",
        "server",
        "base",
        "plugins",
        "helpers",
        "benchmarks",
        "bench",
        "conftest",
        "typings",
        "stubs",
        "demo",
    }
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_tsv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in fh]
    return header, rows


def pypi_ranked(path: Path) -> tuple[list[str], str]:
    header, rows = read_tsv(path)
    rank_col = header.index("rank_among_15000_most_downloaded")
    month_col = header.index("month")
    ranked = sorted(
        (int(r[rank_col]), r[0]) for r in rows if len(r) > rank_col and r[rank_col].isdigit()
    )
    newest = max((r[month_col] for r in rows if len(r) > month_col and r[month_col]), default="")
    return [name for _, name in ranked], newest


def npm_ranked(path: Path) -> list[str]:
    header, rows = read_tsv(path)
    col = header.index("downloads_a_month")
    ranked = sorted(
        ((-int(r[col]), r[0]) for r in rows if len(r) > col and r[col].isdigit()),
    )
    return [name for _, name in ranked]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def module_table(projects: list[str]) -> dict[str, list[str]]:
    """Import name -> the popular projects that ship it."""
    popular = {canonical(p) for p in projects}
    table: dict[str, list[str]] = {}
    for name in projects:
        module = canonical(name).replace("-", "_")
        if _IDENTIFIER.match(module) and not keyword.iskeyword(module):
            table.setdefault(module, []).append(canonical(name))
    for module, owners in KNOWN_IMPORTS.items():
        if any(o in popular for o in owners):
            table[module] = sorted({*table.get(module, []), *owners})
    return {
        m: owners
        for m, owners in sorted(table.items())
        if len(m) >= 4 or m in KNOWN_IMPORTS
        if m.lower() not in GENERIC
    }


def write(path: Path, header: list[str], lines: list[str]) -> None:
    path.write_text("".join(f"# {h}\n" for h in header) + "".join(f"{x}\n" for x in lines))
    print(f"{path.relative_to(ROOT)}: {len(lines)} lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--packages", type=Path, default=Path("/work/.library/env/packages"))
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    pypi, month = pypi_ranked(args.packages / "pypi.tsv")
    npm = npm_ranked(args.packages / "npm.tsv")
    source = "generated by scripts/popular_names.py; do not edit by hand"
    write(
        DATA / "top-pypi.txt",
        [
            f"The {args.n} most-downloaded PyPI projects, most downloaded first.",
            "Source: public PyPI download ranking (column rank_among_15000_most_downloaded of the",
            f"package list pypi.tsv), list made in {month} (its newest release month); {source}.",
        ],
        pypi[: args.n],
    )
    write(
        DATA / "top-npm.txt",
        [
            f"The {args.n} most-downloaded npm packages, most downloaded first.",
            "Source: public npm download counts (column downloads_a_month of the package list",
            f"npm.tsv, made the same day as the PyPI list, {month}); {source}.",
        ],
        npm[: args.n],
    )
    table = module_table(pypi[:MODULE_PROJECTS])
    write(
        DATA / "top-modules.txt",
        [
            f"Top-level import names of the {MODULE_PROJECTS} most-downloaded PyPI projects (from",
            "top-pypi.txt's ranking: the project's name as an identifier, and the documented",
            "import names that differ, KNOWN_IMPORTS in the script), each with the projects that",
            f"ship it, tab-separated; generic names (tests, utils, ...) left out; {source}.",
        ],
        [f"{m}\t{' '.join(owners)}" for m, owners in table.items()],
    )


if __name__ == "__main__":
    main()
