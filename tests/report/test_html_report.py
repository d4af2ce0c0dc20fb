"""The HTML report: self-contained, grouped, and safe with hostile strings."""

from __future__ import annotations

import base64
import hashlib
import html
from html.parser import HTMLParser

import pytest

from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import AttackPath, Fact, ScanResult, finding
from outwork.core.rules import Severity
from outwork.report import render
from outwork.report.html import SCRIPT, SCRIPT_HASH, attack_graph
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


def _only_our_script(page: str) -> None:
    """The page's one script is the filter, named by hash in the policy; nothing scanned adds
    one."""
    assert page.lower().count("<script") == 1
    body = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert body == SCRIPT
    assert f"script-src 'sha256-{SCRIPT_HASH}'" in page
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    assert digest == SCRIPT_HASH


def test_hostile_message_is_escaped(page: str) -> None:
    _only_our_script(page)
    assert "<img" not in page.lower()
    assert html.escape('<script>alert("x")</script>', quote=True) in page
    parsed = _parse(page)
    assert parsed.tags.count("script") == 1 and "img" not in parsed.tags
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
        "nav",
        "form",
        "label",
        "input",
        "select",
        "option",
        "script",
    }
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    _only_our_script(page)


def test_self_contained_with_csp(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    parsed = _parse(page)
    assert not {"link", "img", "iframe", "object", "image", "use"} & set(parsed.tags)
    assert not [name for name, _ in parsed.attrs if name == "src"]  # nothing loaded; links stay
    _only_our_script(page)
    assert 'charset="utf-8"' in page


def test_grouped_and_summarised(page: str) -> None:
    assert "Scanner and archives (CORE)" in page
    body = page[page.index("<section") :]  # after the navigation, which lists rules by code
    assert body.index("CORE002") < body.index("CORE001") < body.index("CORE005")
    assert "6 findings" in page and "2 suppressed" in page
    assert "Attack paths (1)" in page
    assert "Skipped (2)" in page and "Analyzer errors (1)" in page
    assert "tree/bad\\xffname.txt" in page
    assert "données" in page
    assert 'class="hit"' in page  # the code frame marks the finding's line


def test_navigation_links_every_layer_and_rule(page: str) -> None:
    result = rich_result()
    for layer in {f.rule.layer.value for f in result.active}:
        assert f'href="#layer-{layer}"' in page and f'id="layer-{layer}"' in page
    for item in result.active:
        assert f'data-rule="{item.code}"' in page
        assert f'<option value="{item.code}">' in page
    assert 'href="#paths"' in page and 'id="paths"' in page
    marked = page.count("data-severity=")
    assert marked == len(result.active)  # suppressed findings are outside the filters


def test_attack_paths_are_drawn(page: str) -> None:
    result = rich_result()
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    for path in result.paths:
        for step in path.steps:
            assert f"<title>{html.escape(step.source, quote=True)}</title>" in svg
            assert f"<title>{html.escape(step.target, quote=True)}</title>" in svg
    assert svg.count('class="edge"') == len(
        {(s.source, s.target) for p in result.paths for s in p.steps}
    )


def test_a_hostile_graph_is_escaped_and_a_huge_one_listed() -> None:
    hostile = [
        AttackPath(
            entry=HOSTILE,
            target="jewel:x",
            steps=(Fact(HOSTILE, "provides", '"><script>x</script>'),),
            severity=Severity.HIGH,
        )
    ]
    svg = attack_graph(hostile)
    assert "<script" not in svg and "\x1b" not in svg and "\u202e" not in svg
    parsed = _parse(svg)
    assert set(parsed.tags) <= {"svg", "defs", "marker", "path", "title", "text", "g", "rect"}
    chain = tuple(Fact(f"node-{i}", "next", f"node-{i + 1}") for i in range(200))
    huge = attack_graph([AttackPath("node-0", "node-200", chain, Severity.HIGH)])
    assert "<svg" not in huge and "201 entities" in huge
    loop = (Fact("a", "to", "b"), Fact("b", "to", "a"))
    assert "<svg" in attack_graph([AttackPath("a", "b", loop, Severity.HIGH)])  # cycles end


def test_empty_result() -> None:
    page = render("html", empty_result())
    assert "No findings." in page
    page.encode("utf-8")


def test_deterministic(page: str) -> None:
    assert render("html", rich_result()) == page
