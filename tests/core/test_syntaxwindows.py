"""Parsing in windows (issue 21): one tree never outgrows the per-file memory budget, every byte
of the file is read, offsets stay the file's, and no window starts inside a literal."""

from __future__ import annotations

import itertools

import tree_sitter
import tree_sitter_javascript

from outwork.core.budgets import Budgets
from outwork.core.syntaxwindows import MIN_WINDOW, parse_span, window_bytes, windows

LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())


def minified(size: int) -> bytes:
    unit = b'var a0=[1,"x;y",/a;b/g,`t${1}`].map(function(x){return x*2});/* c; */'
    return (unit * (size // len(unit) + 1))[:size]


def cuts(source: bytes, size: int) -> list[tuple[int, int, int]]:
    return [(w.start, w.end, w.cut) for w in windows(LANGUAGE, source, size)]


def test_a_small_file_is_one_window_over_the_whole_file() -> None:
    source = minified(1000)
    assert cuts(source, 4096) == [(0, 1000, 1000)]


def test_windows_cover_the_file_stay_within_the_size_and_overlap() -> None:
    source = minified(100_000)
    spans = cuts(source, 8192)
    assert len(spans) > 10
    assert spans[0][0] == 0 and spans[-1][2] == len(source)
    for (_, end, cut), (start, _, _) in itertools.pairwise(spans):
        assert start == cut < end  # the next window starts at the cut: nothing is skipped
    assert all(end - start <= 8192 for start, end, _ in spans)


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
    spans = cuts(code, 8192)
    assert len(spans) == 2 and spans[1][1] - spans[1][0] > 8192, spans
    tree = parse_span(LANGUAGE, code, spans[-1][0], spans[-1][1])
    calls = [n for n in _walk(tree.root_node) if n.type == "call_expression"]
    assert [code[n.start_byte : n.end_byte] for n in calls] == [b"f(s)"]


def test_nodes_keep_the_files_offsets_lines_and_columns() -> None:
    source = b"\n".join(minified(3000) for _ in range(20)) + b"\nlast(1);\n"
    spans = cuts(source, 8192)
    tree = parse_span(LANGUAGE, source, spans[-1][0], spans[-1][1])
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
