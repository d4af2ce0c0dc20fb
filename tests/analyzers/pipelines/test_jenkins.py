"""The Groovy lexer behind the Jenkinsfile audits: which strings Groovy interpolates, the
interpolations nested in them, and hostile input ending in a finding, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.pipelines import PipelineAnalyzer, role
from outwork.analyzers.pipelines.groovy import MAX_NESTING, GroovyError, Quote, tokenize
from outwork.analyzers.pipelines.jenkins import JenkinsFile
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind, classify
from outwork.core.findings import Finding


def codes(text: str, name: str = "repo/Jenkinsfile") -> list[str]:
    data = text.encode("utf-8", "surrogatepass")
    artifact = Artifact(path=name, kind=Kind.TEXT, size=len(data), data=data)
    emitted = PipelineAnalyzer().analyze(artifact, AnalysisContext())
    return [e.rule.code for e in emitted if isinstance(e, Finding)]


def strings(text: str) -> list[tuple[Quote | None, str, list[str]]]:
    return [
        (t.quote, t.value, ["".join(x.text for x in p[2].tokens) for p in t.parts])
        for t in tokenize(text)
        if t.kind == "string"
    ]


@pytest.mark.parametrize(
    ("source", "quote", "interpolated"),
    [
        ("'a $b ${c}'", Quote.SINGLE, []),
        ("'''a\n${c}'''", Quote.TRIPLE_SINGLE, []),
        ('"a $b.c ${d.e}"', Quote.DOUBLE, ["b.c", "d.e"]),
        ('"""a\n${d}\n"""', Quote.TRIPLE_DOUBLE, ["d"]),
        ('"a \\${b} \\$c"', Quote.DOUBLE, []),
        ("x = /a ${b}/", Quote.SLASHY, ["b"]),
        ("$/a ${b} $$ $//$", Quote.DOLLAR_SLASHY, ["b"]),
        ('"${ "in ${x}" }"', Quote.DOUBLE, ['"in ${x}"']),
    ],
)
def test_the_lexer_tells_which_strings_groovy_interpolates(
    source: str, quote: Quote, interpolated: list[str]
) -> None:
    found = strings(source)
    assert found[0][0] is quote
    assert found[0][2] == interpolated


def test_division_is_not_a_slashy_string() -> None:
    tokens = tokenize("def x = a / b / c\nsh 'make'\n")
    assert [t.kind for t in tokens if t.kind == "string"] == ["string"]


def test_a_nested_string_does_not_desynchronise_the_rest_of_the_file() -> None:
    text = 'sh "${ "a" }"\nsh "echo ${env.CHANGE_TITLE}"\n'
    assert codes(text) == ["CI079"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("repo/Jenkinsfile", "jenkins"),
        ("repo/Jenkinsfile.release", "jenkins"),
        ("repo/Jenkinsfile-linux", "jenkins"),
        ("repo/JenkinsfileVersion", "jenkins"),
        ("repo/ci/nightly.jenkinsfile", "jenkins"),
        ("repo/jenkins/build.groovy", None),
    ],
)
def test_jenkinsfiles_by_name(name: str, expected: str | None) -> None:
    artifact = Artifact(path=name, kind=Kind.TEXT, size=1, data=b"x")
    assert role(artifact) == expected


def test_a_jenkinsfile_with_python_looking_lines_is_text_not_python() -> None:
    head = b"import groovy.json.JsonSlurper\ndef notify(msg) {\n  sh 'echo'\n}\n"
    assert classify(head, "Jenkinsfile") is Kind.TEXT
    assert classify(head, "deploy.jenkinsfile") is Kind.TEXT


@pytest.mark.parametrize(
    "text",
    [
        'sh "unterminated\n',
        "/* never closed\nsh 'x'\n",
        "node {\n  sh 'x'\n",
        "node { sh 'x' }}\n",
        '"${' * (MAX_NESTING + 5) + "x" + '}"' * (MAX_NESTING + 5),
        "{" * 5000 + "}" * 5000,
        "sh '''never closed\n" * 3,
    ],
)
def test_hostile_jenkinsfiles_are_reported_unreadable(text: str) -> None:
    assert codes(text) == ["CI023"]


def test_a_huge_jenkinsfile_stops_at_the_token_budget() -> None:
    with pytest.raises(GroovyError) as caught:
        JenkinsFile("x " * 500_000, "Jenkinsfile")
    assert caught.value.budget


def test_invalid_utf8_and_binary_noise_end() -> None:
    assert all(c == "CI023" for c in codes("sh '\udcff\udcfe'\n\x00\x01 {"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "sh ",
                "bat ",
                "'",
                '"',
                '"""',
                "'''",
                "$/",
                "/$",
                "/",
                "${",
                "}",
                "{",
                "(",
                ")",
                "[",
                "]",
                ",",
                ":",
                "env.CHANGE_TITLE",
                "params.X",
                "withCredentials",
                "stage",
                "when",
                "environment",
                "credentials('x')",
                "=",
                "\n",
                " ",
                "\\",
                "$",
                "script: ",
                "@Library('x')",
                "docker",
                "image ",
                "+",
                "//",
                "/*",
                "*/",
            ]
        ),
        max_size=60,
    )
)
def test_random_groovy_never_crashes(parts: list[str]) -> None:
    found = codes("".join(parts))
    assert all(code.startswith("CI") for code in found)
