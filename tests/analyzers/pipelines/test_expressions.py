"""Expression scanning: spans, context paths and which contexts can reach the result."""

from __future__ import annotations

import pytest

from outwork.analyzers.pipelines.expressions import contexts, expressions, matches, value_contexts


def test_spans_honour_string_literals() -> None:
    text = "a ${{ contains(x, '}}') }} b ${{ github.sha }}"
    assert [e.body for e in expressions(text)] == ["contains(x, '}}')", "github.sha"]


def test_unclosed_expression_stops_the_scan() -> None:
    assert list(expressions("echo ${{ github.event.issue.title")) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("github.event['issue'].title", ["github.event.issue.title"]),
        ("github.event.commits[0].message", ["github.event.commits.*.message"]),
        (
            "toJSON(github.event.pull_request.labels.*.name)",
            ["github.event.pull_request.labels.*.name"],
        ),
        ("format('{0}', env.A)", ["env.a"]),
        ("'github.event.issue.title'", []),
        ("true && null", []),
    ],
)
def test_contexts(body: str, expected: list[str]) -> None:
    assert contexts(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("github.event.issue.title == 'x'", []),
        ("!github.event.issue.title", []),
        ("startsWith(github.head_ref, 'x')", []),
        ("github.event_name == 'x' && github.head_ref || 'main'", ["github.head_ref"]),
        ("(github.head_ref)", ["github.head_ref"]),
        ("format('{0} == {1}', github.head_ref)", ["github.head_ref"]),
    ],
)
def test_value_contexts(body: str, expected: list[str]) -> None:
    assert value_contexts(body) == expected


def test_matches_segments_and_prefixes() -> None:
    assert matches("github.event.commits.*.message", "github.event.commits.*.message")
    assert matches("github.event.pull_request.head.ref", "github.event.pull_request.head")
    assert not matches("github.event.pull_request.base.ref", "github.event.pull_request.head")
