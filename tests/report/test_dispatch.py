"""The dispatcher the command line calls."""

from __future__ import annotations

import pytest

from outwork.core.errors import UsageError
from outwork.report import FORMATS, format_for, render
from tests.report.richresult import rich_result


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_text(fmt: str) -> None:
    out = render(fmt, rich_result(), color=False, width=120, srcroot="/abs/target")
    assert isinstance(out, str) and out.strip()
    out.encode("utf-8")


def test_unknown_format_and_option() -> None:
    with pytest.raises(UsageError, match="choose one of"):
        render("xml", rich_result())
    with pytest.raises(UsageError, match="json"):
        render("json", rich_result(), bogus=True)


def test_format_for_suffix() -> None:
    assert format_for("out/report.sarif") == "sarif"
    assert format_for("bom.cdx.json") == "cyclonedx"
    assert format_for("report.json") == "json"
    assert format_for("REPORT.HTML") == "html"
    assert format_for("report") is None
