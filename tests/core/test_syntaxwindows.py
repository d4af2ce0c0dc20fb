"""Parsing in windows (issue 21): one tree never outgrows the per-file memory budget, every byte
of the file is read, offsets stay the file's, and no window starts inside a literal."""

from __future__ import annotations

import itertools

import tree_sitter
import tree_sitter_javascript

from outwork.core.budgets import Budgets
from outwork.core.syntaxwindows import MIN_WINDOW, Span, window_bytes, windows

LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())


def minified(size: int) -> bytes:
    unit = b'var a0=[1,"x;y",/a;b/g,`t${1}`].map(function(x){return x*2});/* c; */'
    return (unit * (size // len(unit) + 1))[:size]


def spans(source: bytes, size: int) -> list[Span]:
    return [w.span for w in windows(LANGUAGE, source, size)]


def cuts(source: bytes, size: int) -> list[tuple[int, int, int]]:
    return [(s.start, s.end, s.cut) for s in spans(source, size)]


def test_a_small_file_is_one_window_over_the_whole_file() -> None:
    source = minified(1000)
    assert cuts(source, 4096) == [(0, 1000, 1000)]


def test_windows_cover_the_file_stay_within_the_size_and_overlap() -> None:
    source = minified(100_000)
    parts = cuts(source, 8192)
    assert len(parts) > 10
    assert parts[0][0] == 0 and parts[-1][2] == len(source)
    for (_, end, cut), (start, _, _) in itertools.pairwise(parts):
        assert start == cut < end  # the next window starts at the cut: nothing is skipped
    assert all(end - start <= 8192 for start, end, _ in parts)


def test_a_cut_is_never_inside_a_literal() -> None:
    source = minified(100_000)
    whole = tree_sitter.Parser(LANGUAGE).parse(source).root_node
    for _, _, cut in cuts(source, 8192)[:-1]:
        node = whole.descendant_for_byte_range(cut, cut)
        while node is not None:
            assert node.type not in ("string", "template_string", "regex", "comment") or (
                node.start_byte == cut
            ), (cut, node)
            node = node.parent


def test_a_literal_longer_than_the_window_widens_it() -> None:
    code = b'var s="' + b"require('child_process').exec('x');" * 2000 + b'";f(s);'
    last = spans(code, 8192)[-1]
    assert last.end - last.start > 8192
    calls = [n for n in _walk(last.parse(LANGUAGE, code).root_node) if n.type == "call_expression"]
    assert [code[n.start_byte : n.end_byte] for n in calls] == [b"f(s)"]


def test_what_is_open_at_a_window_start_is_opened_again() -> None:
    """A window starting inside a method reads the next method as a method, not as a call: the
    class, the object and the call around it are written in its prefix, and the function in the
    prefix stands for the file's own."""
    body = "".join(f"this.f{i}(a[{i}]);" for i in range(600))
    code = (
        "define({\n  main: function (a) {\n    class C {\n      one(a) {\n"
        + body
        + "\n      }\n      two(b) { return b(); }\n    }\n  }\n});\n"
    ).encode()
    whole = tree_sitter.Parser(LANGUAGE).parse(code).root_node
    parts = spans(code, 8192)
    assert len(parts) > 1
    methods = set()
    for span in parts:
        tree = span.parse(LANGUAGE, code)
        methods |= {
            code[n.start_byte : n.start_byte + 3]
            for n in _walk(tree.root_node)
            if n.type == "method_definition" and span.owns(n)
        }
        assert all(
            code[n.start_byte : n.start_byte + 3] != b"two"
            for n in _walk(tree.root_node)
            if n.type == "call_expression"
        )
    assert methods == {
        code[n.start_byte : n.start_byte + 3] for n in _walk(whole) if n.type == "method_definition"
    }
    one = code.index(b"one(a)")
    assert any(span.aliases and set(span.aliases.values()) >= {one} for span in parts[1:]), [
        s.aliases for s in parts
    ]


def test_nodes_keep_the_files_offsets_lines_and_columns() -> None:
    source = b"\n".join(minified(3000) for _ in range(20)) + b"\nlast(1);\n"
    tree = spans(source, 8192)[-1].parse(LANGUAGE, source)
    (call,) = [
        n for n in _walk(tree.root_node) if n.type == "call_expression" and n.text == b"last(1)"
    ]
    assert call.start_byte == source.index(b"last(1)")
    assert call.start_point == (20, 0)


def test_the_window_follows_the_memory_budget() -> None:
    assert window_bytes(Budgets(max_tree_bytes=48 * 100_000)) == 100_000
    assert window_bytes(Budgets(max_tree_bytes=1)) == MIN_WINDOW


def _walk(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out
