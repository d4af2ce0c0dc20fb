"""Learning the analyzers and their rules (every scan and ``outwork rules`` does) must not import
the heavy parts of the models, pipelines, dependencies and packages layers: they load on first
use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.importprobe import cli_run_imports

#: Implementation modules and libraries that only an analysis needs.
HEAVY = (
    "yaml",
    "ruamel",
    "jinja2",
    "defusedxml",
    "outwork.store.advisories",
    "outwork.analyzers.models.picklevm",
    "outwork.analyzers.models.formats",
    "outwork.analyzers.pipelines.github",
    "outwork.analyzers.pipelines.yamlpos",
    "outwork.analyzers.dependencies.versions",
    "outwork.analyzers.dependencies.parsers.python",
    "outwork.analyzers.packages.analysis",
    "outwork.analyzers.packages.pyscan",
    "outwork.analyzers.packages.jsscan",
    "email.parser",
    "tree_sitter",
)

_PROBE = """
import sys
import outwork.analyzers as analyzers
import outwork.cli.main
from outwork.core.rules import all_rules
analyzers.load_analyzers()
assert all_rules()
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_learning_analyzers_and_rules_imports_no_implementation() -> None:
    probe = _PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


def test_the_analyzers_still_accept_their_files_before_loading_anything() -> None:
    probe = """
import sys
from outwork.analyzers.dependencies import DependencyAnalyzer
from outwork.analyzers.models import ModelAnalyzer
from outwork.analyzers.pipelines import PipelineAnalyzer
from outwork.core.artifact import Artifact, Kind

def art(path, kind, data=b"x"):
    return Artifact(path=path, kind=kind, size=len(data), data=data)

assert PipelineAnalyzer().accepts(art(".github/workflows/ci.yml", Kind.YAML))
assert DependencyAnalyzer().accepts(art("proj/poetry.lock", Kind.LOCKFILE))
assert ModelAnalyzer().accepts(art("m.pkl", Kind.PICKLE))
assert ModelAnalyzer().accepts(art("m.joblib", Kind.BINARY, b"\\x78\\x9c" + b"0" * 8))
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
""".replace("{heavy!r}", repr(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


#: What a clean scan of a folder of small models through the command line never needs (each costs
#: start-up time that is a fair part of a 1,000-model scan).
SCAN_NEVER_NEEDS = (
    "rich",
    "zipfile",
    "traceback",
    "importlib.resources",
    "importlib.metadata",
    "sqlite3",
    "concurrent.futures",
    "pickletools",
)


def test_a_clean_cli_scan_of_small_models_imports_none_of_the_heavy_helpers(tmp_path: Path) -> None:
    from tests.analyzers.models import craft

    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "a.pkl").write_bytes(craft.benign(2))
    (folder / "b.pt").write_bytes(craft.torch_zip(craft.benign(2)))
    code, output, loaded = cli_run_imports(
        ["scan", str(folder), "--no-cache"], SCAN_NEVER_NEEDS, tmp_path
    )
    assert code == 0 and output.startswith("\nNo findings"), output
    assert loaded == []
