"""Third-party analyzers register through the ``outwork.analyzers`` entry-point group."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from outwork import analyzers

PLUGIN = """
from outwork.analyzers import Analyzer
from outwork.core.artifact import Kind
from outwork.core.rules import Layer


class PluginAnalyzer(Analyzer):
    name = "plugin-example"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.TEXT})
    rules = ()

    def analyze(self, artifact, context):
        return ()
"""


def test_entry_point_plugin_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "outwork_plugin_example.py").write_text(PLUGIN)
    info = tmp_path / "outwork_plugin_example-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: outwork-plugin-example\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[outwork.analyzers]\nexample = outwork_plugin_example:PluginAnalyzer\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = dict(analyzers._LOADED)
    analyzers._LOADED.clear()
    try:
        loaded = analyzers.load_analyzers()
        assert "plugin-example" in loaded
        assert {"models", "pipelines", "dependencies", "packages"} <= set(loaded)
    finally:
        analyzers._LOADED.clear()
        analyzers._LOADED.update(saved)
        sys.modules.pop("outwork_plugin_example", None)


def test_no_plugins_means_no_metadata_scan() -> None:
    assert analyzers._third_party_entry_points() == []
