"""The positioned YAML reader: positions, anchors and merge keys, bounded alias expansion."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.pipelines import paths, yamlpos
from outwork.analyzers.pipelines.yamlpos import YamlBudgetError, YamlSyntaxError, load, locate

WORKFLOW = """\
on: push
defaults: &defaults
  runs-on: ubuntu-latest
jobs:
  build:
    <<: *defaults
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo hi
"""


def test_positions_and_merge_keys() -> None:
    root = load(WORKFLOW)
    assert root is not None
    build = root.get("jobs").get("build")  # type: ignore[union-attr]
    assert build is not None
    assert build.text("runs-on") == "ubuntu-latest"
    assert locate(root, "jobs.build.steps[1].run") == (9, 9)
    assert locate(root, "jobs.build.steps[0]") == (8, 9)
    assert locate(root, "jobs.build.runs-on") == (3, 3)  # the anchor's key
    assert locate(root, "jobs.missing") is None


def test_on_stays_a_string_key() -> None:
    root = load("on: [push, pull_request]\njobs: {}\n")
    assert root is not None and root.get("on") is not None


def test_resolver_for_the_shared_locator() -> None:
    assert yamlpos.resolve(WORKFLOW, "jobs.build.steps[0].uses") == (8, 9)
    assert yamlpos.resolve("a: [", "a") is None


def test_key_path_round_trip() -> None:
    path = paths.key_path("jobs", "a.b", "steps", 2, "run")
    assert path == 'jobs["a.b"].steps[2].run'
    assert paths.parse_path(path) == ["jobs", "a.b", "steps", 2, "run"]


def test_billion_laughs_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    started = time.process_time()  # CPU time: a loaded machine stretches the wall clock
    with pytest.raises(YamlBudgetError):
        load("\n".join(lines) + "\n")
    assert time.process_time() - started < 5


def test_recursive_alias_and_deep_nesting_are_bounded() -> None:
    with pytest.raises(YamlBudgetError):
        load("a: &a [*a]\n")
    started = time.process_time()
    with pytest.raises(YamlBudgetError):
        load("[" * 5000)
    with pytest.raises(YamlBudgetError):
        load("".join(" " * n + f"k{n}:\n" for n in range(0, 3000, 2)))
    assert time.process_time() - started < 2


def test_tags_never_construct_objects() -> None:
    root = load("a: !!python/object/apply:os.system [echo outwork-test]\n")
    assert root is not None
    assert root.get("a").is_seq  # type: ignore[union-attr]


def test_syntax_error_has_a_line() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load("on: push\njobs:\n  a:\n    runs-on: x: y\n")
    assert info.value.line == 4


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab:-[]{}&*!|>'\"#\n x", max_size=200))
def test_random_input_finishes_with_a_tree_or_a_reason(text: str) -> None:
    with contextlib.suppress(YamlBudgetError, YamlSyntaxError):
        load(text)


def test_both_backends_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load(WORKFLOW)
    monkeypatch.setattr(yamlpos, "_FAST", None)
    pure = load(WORKFLOW)
    assert fast is not None and pure is not None
    for path in ("jobs.build.steps[1].run", "jobs.build.runs-on", "on"):
        assert locate(fast, path) == locate(pure, path)
