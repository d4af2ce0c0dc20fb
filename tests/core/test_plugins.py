"""Analyzers are discovered through the ``outwork.analyzers`` entry-point group: the project's own
layers, and a third-party layer that is one pip install away (examples/plugin, installed here as
pip would install it: its module on the path and a dist-info with its entry points)."""

from __future__ import annotations

import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from outwork.core.errors import ConfigError
from outwork.engine import registry
from outwork.engine.pipeline import ScanOptions, scan

PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "plugin"


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    site = tmp_path / "site"
    shutil.copytree(PLUGIN / "src" / "outwork_pypirc", site / "outwork_pypirc")
    info = site / f"outwork_pypirc-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    group = project["entry-points"]["outwork.analyzers"]
    lines = ["[outwork.analyzers]", *(f"{name} = {value}" for name, value in group.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(site))
    saved = dict(registry.load_analyzers())
    registry._LOADED.clear()
    try:
        yield
    finally:
        registry._LOADED.clear()
        registry._LOADED.update(saved)
        sys.modules.pop("outwork_pypirc", None)


def test_builtin_layers_come_from_entry_points() -> None:
    declared = tomllib.loads((PLUGIN.parents[1] / "pyproject.toml").read_text())["project"]
    group = declared["entry-points"]["outwork.analyzers"]
    assert (
        set(registry.load_analyzers())
        == set(group)
        == {
            "aitools",
            "crypto",
            "dependencies",
            "identities",
            "images",
            "models",
            "packages",
            "pipelines",
            "secrets",
            "secrets-history",
        }
    )


@pytest.mark.usefixtures("installed_plugin")
def test_third_party_layer_is_loaded_documented_and_runs(tmp_path: Path) -> None:
    loaded = registry.load_analyzers()
    assert "pypirc" in loaded
    assert {"models", "pipelines", "dependencies", "packages"} <= set(loaded)
    assert registry.get_rule("PKG900").name == "pypirc-upload-credentials"
    assert "PKG900" in {rule.code for rule in registry.all_rules()}

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".pypirc").write_text(
        "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = pypi-x\n"
    )
    (tree / "notes.txt").write_text("[pypi]\npassword = not a pypirc\n")
    result = scan([str(tree)], ScanOptions(jobs=1, cache_dir=None))
    hits = [(f.code, Path(f.location.path).name, f.location.line) for f in result.findings]
    # the built-in secrets layer reads the same file with its own rule (SEC005)
    assert [h for h in hits if not h[0].startswith("SEC")] == [("PKG900", ".pypirc", 6)]
    assert ("SEC005", ".pypirc", 6) in hits


def test_entry_point_naming_something_else_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[outwork.analyzers]\nbroken = json:dumps\n")
    saved = dict(registry.load_analyzers())
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._LOADED.clear()
    try:
        with pytest.raises(ConfigError, match="does not name an Analyzer subclass"):
            registry.load_analyzers()
    finally:
        registry._LOADED.clear()
        registry._LOADED.update(saved)
