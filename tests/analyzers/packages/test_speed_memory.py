"""The packages layer's shortcuts give exactly what the plain computation gives."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import pyscan

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
    texts += ["reg\tadd", "net  user /add", "CURL http://x", "PowerShell -enc " + "A" * 20]
    for text in texts:
        expected, got = plain_search(pattern, text), pattern.search(text)
        assert (expected and (expected.span(), expected.group(0))) == (
            got and (got.span(), got.group(0))
        ), (name, text[:200])


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
        assert pyscan._nodes(root) == expected


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
        assert pyscan._calls_no_defs(root) == reference(root)
