"""A chat template is parsed once per distinct text in a process (issue 21): every file that
carries it is still reported, a caller cannot change what the next one gets, a template that
does not parse is reported each time, and a template too long to remember is still read."""

from __future__ import annotations

from pathlib import Path

from outwork.analyzers.models import templates
from tests.analyzers.models import craft
from tests.analyzers.models.test_gguf_vocabulary import TEMPLATE, _gguf, _scan, _template


def test_every_file_with_the_same_template_is_reported(tmp_path: Path) -> None:
    data = _gguf(_template(TEMPLATE))
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        assert "MDL010" in craft.codes(_scan(folder, data))


def test_a_caller_cannot_change_the_remembered_reasons() -> None:
    first = templates.analyse(TEMPLATE)
    assert first
    first.clear()
    assert templates.analyse(TEMPLATE)


def test_a_template_that_does_not_parse_is_reported_each_time(tmp_path: Path) -> None:
    data = _gguf(_template("{% for m in messages %}{{ m['content'] }"))
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        findings = _scan(folder, data)
        assert any("does not parse" in getattr(f, "message", "") for f in findings)


def test_a_template_longer_than_what_is_remembered_is_still_read() -> None:
    padding = "{# " + "x" * templates.CACHED_CHARS + " #}"
    assert templates.analyse(padding + TEMPLATE)
    assert not templates.analyse(padding + "{{ messages[0]['content'] }}")
