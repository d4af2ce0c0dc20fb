"""The rule catalogue: unique codes and names, complete documentation, generated pages fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.core.docs import rule_pages
from outwork.core.errors import RuleDefinitionError
from outwork.core.rules import DOC_SECTIONS, Confidence, Layer, Rule, Severity, ruleset_digest
from outwork.engine.registry import all_rules, load_analyzers

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def test_codes_and_names_are_unique() -> None:
    rules = all_rules()
    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_is_documented(rule: type[Rule]) -> None:
    sections = rule.sections()
    for title in DOC_SECTIONS:
        assert sections.get(title), f"{rule.code} lacks the section {title!r}"
    assert rule.cwe, f"{rule.code} names no CWE"
    assert rule.summary() and len(rule.summary()) < 200
    assert rule.code.startswith(rule.layer.value)


def test_every_analyzer_rule_is_registered() -> None:
    catalogue = set(all_rules())
    for analyzer in load_analyzers().values():
        for rule in analyzer.rules:
            assert rule in catalogue


def test_generated_rule_pages_are_fresh() -> None:
    pages = rule_pages(all_rules())
    stale = [
        name
        for name, content in pages.items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text("utf-8") != content
    ]
    extra = sorted(p.name for p in DOCS.glob("*.md") if p.name not in pages)
    assert not stale and not extra, (
        f"docs/rules is stale (pages {stale}, extra {extra}):"
        " run `outwork rules --write-docs docs/rules`"
    )


def test_duplicate_code_is_refused() -> None:
    with pytest.raises(RuleDefinitionError, match="declared twice"):

        class Again(Rule):  # pragma: no cover - the class statement itself must fail
            """Dup.

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

            code = "CORE001"
            name = "again-duplicate"
            layer = Layer.CORE
            severity = Severity.LOW
            confidence = Confidence.LOW
            cwe = (20,)


def test_missing_section_is_refused() -> None:
    with pytest.raises(RuleDefinitionError, match="lacks sections"):

        class Undocumented(Rule):  # pragma: no cover - the class statement itself must fail
            """Only a summary."""

            code = "CORE999"
            name = "undocumented-rule"
            layer = Layer.CORE
            severity = Severity.LOW
            confidence = Confidence.LOW
            cwe = (20,)


def test_the_cache_key_follows_every_severity_a_rule_declares() -> None:
    """Changing a rule's severity table (not only its default) must invalidate cached results."""
    rules = all_rules()
    graded = next(rule for rule in rules if rule.severities)
    before = ruleset_digest(rules)
    context, severity = next(iter(graded.severities.items()))
    saved = graded.severities
    graded.severities = {**saved, context: Severity(max(0, severity - 1))}
    try:
        assert ruleset_digest(rules) != before
    finally:
        graded.severities = saved
    assert ruleset_digest(rules) == before
