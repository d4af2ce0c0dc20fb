"""Selections decided from layer codes alone, and the invariants that make that exact."""

from __future__ import annotations

import pytest

from outwork.core.errors import RuleDefinitionError
from outwork.core.rules import (
    Confidence,
    Layer,
    Rule,
    Severity,
    layer_selected,
    selector_matches,
    selector_scope,
)
from outwork.engine.registry import all_rules, load_analyzers, selector_known


@pytest.mark.parametrize(
    ("selector", "scope"),
    [
        ("ALL", ("", True)),
        ("all", ("", True)),
        ("PKG", ("PKG", True)),
        ("pkg", ("PKG", True)),
        ("C", ("C", True)),
        ("PKG0", ("PKG", False)),
        ("PKG012", ("PKG", False)),
        ("ci001", ("CI", False)),
        ("typosquat", None),
        ("pickle-global", None),
        ("XYZ012", None),
        ("PKGX", None),
    ],
)
def test_selector_scope(selector: str, scope: tuple[str, bool] | None) -> None:
    assert selector_scope(selector) == scope


@pytest.mark.parametrize(
    ("select", "ignore", "layer", "expected"),
    [
        (("ALL",), (), Layer.IAM, True),
        (("PKG",), (), Layer.PKG, True),
        (("PKG",), (), Layer.IAM, False),
        (("C",), (), Layer.CRY, True),
        (("C",), (), Layer.PKG, False),
        (("ALL",), ("IAM",), Layer.IAM, False),
        (("ALL",), ("I",), Layer.IAM, False),
        (("PKG012",), (), Layer.PKG, None),  # only PKG's rules can tell whether PKG012 exists
        (("PKG012",), (), Layer.IAM, False),
        (("ALL",), ("PKG012",), Layer.PKG, None),  # does PKG keep another rule?
        (("ALL",), ("PKG012",), Layer.IAM, True),
        (("typosquat",), (), Layer.IAM, None),  # a name: any layer's
        (("ALL",), ("typosquat",), Layer.IAM, None),
        (("PKG", ""), ("",), Layer.IAM, False),  # an empty entry selects nothing
        (("PKG012",), ("PKG",), Layer.PKG, False),  # ignore wins, as rule by rule
    ],
)
def test_layer_selected(
    select: tuple[str, ...], ignore: tuple[str, ...], layer: Layer, expected: bool | None
) -> None:
    assert layer_selected(layer, select, ignore) is expected


@pytest.mark.parametrize("selector", ["ALL", "PKG", "C", "IAM", "PKG0", "CI001", "typosquat"])
def test_layer_decisions_agree_with_the_rules(selector: str) -> None:
    """Whenever the codes decide, the rules one by one decide the same."""
    for analyzer in load_analyzers().values():
        decided = layer_selected(analyzer.layer, (selector,), ())
        by_rules = any(selector_matches(selector, rule) for rule in analyzer.rules)
        assert decided is None or decided == by_rules, (selector, analyzer.name)


def test_every_analyzer_raises_only_rules_of_its_layer() -> None:
    for analyzer in load_analyzers().values():
        assert all(rule.layer is analyzer.layer for rule in analyzer.rules), analyzer.name


@pytest.mark.parametrize("selector", ["ALL", "P", "SEC", "PKG001", "typosquat", "NOPE", "PKG9"])
def test_selector_known_agrees_with_the_catalogue(selector: str) -> None:
    expected = any(selector_matches(selector, rule) for rule in all_rules())
    assert selector_known(selector) is expected


@pytest.mark.parametrize("ambiguous", ["ci", "cr", "pkg1", "sec12"])
def test_a_name_that_reads_as_a_code_or_a_layer_is_refused(ambiguous: str) -> None:
    with pytest.raises(RuleDefinitionError, match="reads as a code or a layer prefix"):

        class Ambiguous(Rule):  # pragma: no cover - the class statement itself must fail
            """Ambiguous.

            ## What it finds
            x
            ## Why it matters
            x
            ## Example
            x
            ## Remediation
            x
            ## References
            x
            """

            code = "CORE999"
            name = ambiguous
            layer = Layer.CORE
            severity = Severity.LOW
            confidence = Confidence.LOW
            cwe = (20,)
