"""The HTML report: self-contained, grouped, and safe with hostile strings."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest

from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import ScanResult, finding
from outwork.report import render
from tests.report.richresult import HOSTILE, empty_result, rich_result


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    return render("html", rich_result())


def _parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    parser.close()
    return parser


def test_hostile_message_is_escaped(page: str) -> None:
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert html.escape('<script>alert("x")</script>', quote=True) in page
    parsed = _parse(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert "\x1b" not in page and "\u202e" not in page
    text = "".join(parsed.text)
    assert '<script>alert("x")</script>' in text  # shown to the reader as text


def test_hostile_strings_everywhere() -> None:
    item = finding(
        ArchiveUnreadable,
        HOSTILE,
        evidence=HOSTILE,
        remediation=HOSTILE,
        subject=HOSTILE,
        line=1,
        properties={"aliases": [HOSTILE]},
    )
    fields = {name: getattr(item, name) for name in item.__slots__}
    fields["location"] = item.location.rebase('"><script>x</script>.py')
    fields["snippet"] = ((1, HOSTILE),)
    result = ScanResult(findings=[item.__class__(**fields)], targets=[HOSTILE])
    page = render("html", result, title=HOSTILE)
    parsed = _parse(page)
    assert set(parsed.tags) <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "span",
        "div",
        "section",
        "code",
        "pre",
        "a",
        "table",
        "tr",
        "td",
        "th",
        "details",
        "summary",
        "ol",
        "li",
        "strong",
    }
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert "<script" not in page.lower()


def test_self_contained_with_csp(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    parsed = _parse(page)
    assert not {"link", "script", "img", "iframe", "object"} & set(parsed.tags)
    assert not [name for name, _ in parsed.attrs if name == "src"]
    assert 'charset="utf-8"' in page


def test_grouped_and_summarised(page: str) -> None:
    assert "Scanner and archives (CORE)" in page
    assert page.index("CORE002") < page.index("CORE001") < page.index("CORE005")
    assert "6 findings" in page and "2 suppressed" in page
    assert "Attack paths (1)" in page
    assert "Skipped (2)" in page and "Analyzer errors (1)" in page
    assert "tree/bad\\xffname.txt" in page
    assert "données" in page
    assert 'class="hit"' in page  # the code frame marks the finding's line


def test_empty_result() -> None:
    page = render("html", empty_result())
    assert "No findings." in page
    page.encode("utf-8")


def test_deterministic(page: str) -> None:
    assert render("html", rich_result()) == page
