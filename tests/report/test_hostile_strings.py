"""Random strings in every attacker-controlled field: each format stays valid and inert."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

import jsonschema
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import (
    AnalyzerError,
    Location,
    ScannedArtifact,
    ScanResult,
    Skip,
    finding,
)
from outwork.report import render
from outwork.report.html import SCRIPT
from tests.report.test_json_report import SCHEMA as JSON_SCHEMA
from tests.report.test_sarif_report import SCHEMA as SARIF_SCHEMA

# Any code point, lone surrogates included (they come from undecodable file names).
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
CDX = JsonStrictValidator(SchemaVersion.V1_6)
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "span", "div",
    "section", "code", "pre", "a", "table", "tr", "td", "th", "details", "summary", "ol", "li",
    "strong", "nav", "form", "label", "input", "select", "option", "script",
    "svg", "defs", "marker", "path", "g", "rect", "text",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def _result(path: str, message: str, evidence: str, name: str) -> ScanResult:
    item = finding(
        ArchiveUnreadable,
        message,
        line=1,
        column=2,
        logical=evidence or None,
        evidence=evidence,
        remediation=message,
        subject=name or None,
        related=(Location(evidence or "r", 3),),
        properties={name: evidence, "aliases": [name]},
    )
    fields: dict[str, Any] = {n: getattr(item, n) for n in item.__slots__}
    fields["location"] = item.location.rebase(path or "p")
    fields["snippet"] = ((1, evidence),)
    component = {"type": name, "name": name or "n", "purl": name, "properties": {name: message}}
    return ScanResult(
        findings=[item.__class__(**fields)],
        skipped=[Skip(path, message)],
        errors=[AnalyzerError(path, name, message)],
        artifacts=[ScannedArtifact(path, name, 1, None, (), {"components": [component]})],
        targets=[path],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT, TEXT, TEXT)
def test_every_format_survives(path: str, message: str, evidence: str, name: str) -> None:
    result = _result(path, message, evidence, name)
    formats = ("json", "sarif", "cyclonedx", "html", "gitlab", "junit")
    outputs = {fmt: render(fmt, result) for fmt in formats}
    for text in outputs.values():
        text.encode("utf-8")
    jsonschema.Draft202012Validator(JSON_SCHEMA).validate(json.loads(outputs["json"]))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(json.loads(outputs["sarif"]))
    error = CDX.validate_str(outputs["cyclonedx"])
    assert error is None, str(error)
    parser = _Tags()
    parser.feed(outputs["html"])
    assert parser.tags <= ALLOWED_TAGS
    assert not any(attr.startswith("on") for attr in parser.attrs)
    assert outputs["html"].count("<script") == 1 and f"<script>{SCRIPT}</script>" in outputs["html"]
    assert isinstance(json.loads(outputs["gitlab"]), list)
    ElementTree.fromstring(outputs["junit"].encode())
    terminal = render("terminal", result, width=50)
    terminal.encode("utf-8")
    assert "\x1b" not in terminal
