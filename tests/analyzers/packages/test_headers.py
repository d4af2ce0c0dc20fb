"""The metadata header scan agrees with the standard email parser on what the checks read."""

from __future__ import annotations

from email.parser import HeaderParser

import pytest

from outwork.analyzers.packages.headers import first, metadata_headers

CASES = [
    "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nHome-page: https://example.org\n\nbody\n",
    "Name: demo\nLicense: MIT\n        line two\n        \n        line four\nVersion: 2\n",
    "name: lower\nVERSION: 3\nProject-URL: Source, https://x.invalid/a\n"
    "Project-URL: Tracker, https://x.invalid/b\n",
    "Name: demo\nthis line is the body\nVersion: 9\n",
    "Name: demo\r\nVersion: 1\r\n\r\nVersion: 2\r\n",
    "\nName: after-blank\n",
    "",
]


@pytest.mark.parametrize("text", CASES)
def test_agrees_with_the_email_parser(text: str) -> None:
    theirs = HeaderParser().parsestr(text, headersonly=True)
    ours = metadata_headers(text)
    for key in ("Name", "Version", "Home-page"):
        assert " ".join(first(ours, key).split()) == " ".join(str(theirs.get(key) or "").split())
    urls = [" ".join(str(v).split()) for v in theirs.get_all("Project-URL") or []]
    assert [" ".join(v.split()) for v in ours.get("project-url", [])] == urls
