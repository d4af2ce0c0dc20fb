"""The command line: exit codes, formats on standard output, summaries on standard error."""

from __future__ import annotations

import io
import json
from pathlib import Path

from outwork.cli.main import run


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _bad_tree(tmp_path: Path) -> Path:
    root = tmp_path / "t"
    root.mkdir()
    (root / "escape").symlink_to("/etc/passwd")
    (root / "fine.txt").write_text("hello\n")
    return root


def test_findings_exit_1_and_json_on_stdout(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path)
    code, out, err = _run("scan", str(root), "--format", "json", "--no-cache", "-j", "1")
    assert code == 1
    data = json.loads(out)
    assert [f["code"] for f in data["findings"]] == ["CORE003"]
    assert data["findings"][0]["location"]["path"] == f"{root}/escape"
    assert "outwork:" in err and "CORE003" not in err


def test_gate_and_ignore(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path)
    assert _run("scan", str(root), "--no-cache", "--fail-on", "critical", "-f", "json")[0] == 0
    assert (
        _run("scan", str(root), "--no-cache", "--ignore", "archive-link-escape", "-f", "json")[0]
        == 0
    )


def test_clean_tree_exit_0_and_empty_exit_3(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.txt").write_text("nothing\n")
    assert _run("scan", str(tmp_path / "clean"), "--no-cache", "-f", "json")[0] == 0
    (tmp_path / "empty").mkdir()
    code, _, err = _run("scan", str(tmp_path / "empty"), "--no-cache", "-f", "json")
    assert code == 3 and "nothing was scanned" in err


def test_usage_errors_exit_2_with_a_remedy(tmp_path: Path) -> None:
    code, _, err = _run("scan", str(tmp_path / "missing"), "--no-cache")
    assert code == 2 and "no such file" in err
    code, _, err = _run("scan", str(tmp_path), "--select", "NOPE999")
    assert code == 2 and "outwork rules" in err
    code, _, err = _run("scan", str(tmp_path), "--fail-on", "severe")
    assert code == 2 and "choose one of" in err
    assert _run("scan", "--format", "yaml")[0] == 2
    assert _run("rules", "XYZ123")[0] == 2


def test_baseline_flow(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path)
    baseline = tmp_path / "baseline.json"
    code, _, err = _run("scan", str(root), "--no-cache", "--write-baseline", str(baseline))
    assert code == 0 and "wrote 1" in err
    code, out, _ = _run("scan", str(root), "--no-cache", "--baseline", str(baseline), "-f", "json")
    assert code == 0
    assert json.loads(out)["findings"][0]["suppressed"] == "baseline"


def test_config_file_is_used(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path)
    (root / "requirements.txt").write_text("requests>=2\n")
    (root / "outwork.toml").write_text('ignore = ["VUL004"]\n')
    _, out, err = _run("scan", str(root), "--no-cache", "-f", "json", "--fail-on", "medium")
    assert "using configuration" in err and "VUL004" not in _codes(out)
    assert "CORE003" in _codes(out)  # found, not named: protected rules stay on
    out = _run("scan", str(root), "--no-cache", "--no-config", "-f", "json")[1]
    assert "VUL004" in _codes(out)
    (root / "outwork.toml").write_text('ignore = ["CORE003", "VUL004"]\n')
    named = str(root / "outwork.toml")
    assert _run("scan", str(root), "--no-cache", "--config", named, "-f", "json")[0] == 0


def test_rules_listing_and_one_rule() -> None:
    code, out, _ = _run("rules")
    assert code == 0 and "CORE001" in out and "archive-decompression-bomb" in out
    code, out, _ = _run("rules", "archive-path-traversal")
    assert code == 0 and out.strip().startswith("CORE002: archive-path-traversal")
    assert "Remediation" in out and "## " not in out  # rendered, not raw Markdown
    code, out, _ = _run("rules", "--format", "json")
    assert code == 0 and any(r["code"] == "CORE001" for r in json.loads(out))


def test_output_file(tmp_path: Path) -> None:
    root = _bad_tree(tmp_path)
    target = tmp_path / "report.json"
    code, out, _ = _run("scan", str(root), "--no-cache", "-f", "json", "-o", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["findings"]


def _package_with_own_config(tmp_path: Path, table: str) -> Path:
    """The example malicious-looking package, carrying a configuration that tries to hide it."""
    import shutil

    source = Path(__file__).resolve().parents[2] / "examples/packages/outwork-example-1.0"
    root = tmp_path / "pkg"
    shutil.copytree(source, root)
    (root / "pyproject.toml").write_text(f"[tool.outwork]\n{table}\n")
    return root


def _codes(out: str) -> set[str]:
    return {f["code"] for f in json.loads(out)["findings"]}


def test_found_configuration_cannot_switch_off_protected_rules(tmp_path: Path) -> None:
    from outwork.engine.registry import get_rule

    root = _package_with_own_config(tmp_path, 'ignore = ["PKG", "CORE"]\nmin-confidence = "high"')
    baseline = _codes(_run("scan", str(root), "--no-config", "--no-cache", "-f", "json")[1])
    protected = {c for c in baseline if not get_rule(c).inline_suppressible}
    assert protected, baseline
    code, out, err = _run("scan", str(root), "--no-cache", "-f", "json")
    assert code == 1
    assert protected <= _codes(out)
    assert "cannot switch off" in err and "PKG" in err and "PATH001" not in err
    # Named explicitly, the same file is trusted as given.
    named = root / "pyproject.toml"
    code, out, err = _run("scan", str(root), "--config", str(named), "--no-cache", "-f", "json")
    assert not any(c.startswith("PKG") for c in _codes(out))
    assert "cannot switch off" not in err
