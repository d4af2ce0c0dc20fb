"""CI files that a package archive ships are not its installer's risk; the same files in the
repository they run in are still audited (the malicious twin of the exemption)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import py7zr

from outwork.engine.pipeline import ScanOptions, scan

WORKFLOW = b"""\
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""
FILES = {
    "demo-1.0/.github/workflows/ci.yml": WORKFLOW,
    "demo-1.0/PKG-INFO": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    "demo-1.0/demo/__init__.py": b"",
}


def _ci(target: Path) -> list[tuple[str, str]]:
    result = scan([str(target)], ScanOptions(jobs=1, select=("CI",)))
    return [(f.code, f.location.path) for f in result.findings if f.code.startswith("CI")]


def test_workflows_inside_an_sdist_or_wheel_are_not_read(tmp_path: Path) -> None:
    sdist = tmp_path / "demo-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        for name, data in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("demo/.github/workflows/ci.yml", WORKFLOW)
    assert _ci(sdist) == []
    assert _ci(wheel) == []


def test_the_same_workflow_in_its_repository_is_audited(tmp_path: Path) -> None:
    for name, data in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    found = _ci(tmp_path / "demo-1.0")
    assert found, "the repository's own workflow must be audited"
    assert {path for _, path in found} == {f"{tmp_path}/demo-1.0/.github/workflows/ci.yml"}


def test_a_workflow_in_a_plain_archive_that_is_not_a_package_is_audited(tmp_path: Path) -> None:
    """Only package archives are exempt: a workflow a 7z backup holds is still read."""
    archive = tmp_path / "backup.7z"
    with py7zr.SevenZipFile(archive, "w") as sz:
        sz.writestr(WORKFLOW, ".github/workflows/ci.yml")
    assert _ci(archive)


def test_workflows_of_installed_packages_are_not_read(tmp_path: Path) -> None:
    """A project's node_modules or virtualenv holds its dependencies' CI files, which never run
    for it; the project's own workflow beside them is still audited."""
    shipped = (
        "node_modules/demo/.github/workflows/ci.yml",
        "node_modules/@scope/demo/.github/workflows/ci.yml",
        ".venv/lib/python3.11/site-packages/demo/.github/workflows/ci.yml",
    )
    for name in (*shipped, ".github/workflows/ci.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(WORKFLOW)
    found = {path for _, path in _ci(tmp_path)}
    assert found == {f"{tmp_path}/.github/workflows/ci.yml"}


def test_an_action_in_node_modules_that_the_project_runs_is_audited(tmp_path: Path) -> None:
    """The malicious twin: a workflow of the project that uses a local action installed under
    node_modules runs that action, so its script is read, with the caller's attacker data."""
    workflow = b"""\
on: issue_comment
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: ./node_modules/greeter
        with:
          body: ${{ github.event.comment.body }}
"""
    action = b"""\
inputs:
  body: {}
runs:
  using: composite
  steps:
    - run: echo "${{ inputs.body }}"
      shell: bash
"""
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/greet.yml").write_bytes(workflow)
    (tmp_path / "node_modules/greeter").mkdir(parents=True)
    (tmp_path / "node_modules/greeter/action.yml").write_bytes(action)
    found = _ci(tmp_path)
    assert ("CI001", f"{tmp_path}/node_modules/greeter/action.yml") in found
