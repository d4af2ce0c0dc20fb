"""Members of every archive format come out with logical paths, kinds and root."""

from __future__ import annotations

import pytest

from outwork.core.artifact import Kind
from tests.sources import hostile
from tests.sources.util import open_bytes

FORMATS = hostile.every_format()


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_yields_its_members(name: str) -> None:
    opened = open_bytes(name, FORMATS[name])
    assert not opened.findings, opened.findings
    assert opened.artifacts, f"{name}: no members"
    for member in opened.artifacts:
        assert member.path.startswith(name + "!/")
        assert member.root == name
        assert "in-archive" in member.tags
        assert member.data is not None and member.size == len(member.data)


def test_tar_gz_members_use_the_archive_path_directly() -> None:
    opened = open_bytes("dist/pkg-1.0.tar.gz", FORMATS["pkg.tar.gz"])
    assert opened.paths() == [
        "dist/pkg-1.0.tar.gz!/pkg/setup.py",
        "dist/pkg-1.0.tar.gz!/pkg/README",
    ]
    assert opened.member("dist/pkg-1.0.tar.gz!/pkg/setup.py").kind is Kind.PYTHON
    assert opened.member("dist/pkg-1.0.tar.gz!/pkg/setup.py").data == hostile.PAYLOAD


def test_single_compressed_file_is_one_member() -> None:
    opened = open_bytes("model.pkl.gz", FORMATS["model.pkl.gz"])
    assert opened.paths() == ["model.pkl.gz!/model.pkl"]
    assert opened.artifacts[0].kind is Kind.PICKLE


def test_npm_tgz() -> None:
    tgz = hostile.tar_of(
        [
            ("package/package.json", b'{"name": "x"}'),
            ("package/index.js", b"module.exports = 1;\n"),
        ],
        "gz",
    )
    opened = open_bytes("x-1.0.0.tgz", tgz)
    assert opened.paths() == ["x-1.0.0.tgz!/package/package.json", "x-1.0.0.tgz!/package/index.js"]


def test_nested_archives_are_opened() -> None:
    inner = hostile.tar_of([("pkg/setup.py", hostile.PAYLOAD)], "gz")
    outer = hostile.zip_of({"dist/inner.tar.gz": inner})
    opened = open_bytes("outer.zip", outer)
    assert "outer.zip!/dist/inner.tar.gz!/pkg/setup.py" in opened.paths()


def test_pytorch_zip_member_is_a_model_not_expanded() -> None:
    model = hostile.zip_of({"archive/data.pkl": b"\x80\x02}q\x00.", "archive/version": b"3\n"})
    opened = open_bytes("pkg.zip", hostile.zip_of({"weights/model.pt": model}))
    assert opened.paths() == ["pkg.zip!/weights/model.pt"]
    assert opened.artifacts[0].kind is Kind.PYTORCH_ZIP


def test_zip_with_junk_before_the_header() -> None:
    wrapped = hostile.zip_of({"tool.pyz": hostile.junk_prefixed_zip()}, 0)
    opened = open_bytes("outer.zip", wrapped)
    assert "outer.zip!/tool.pyz!/pkg/mod.py" in opened.paths()
    opened = open_bytes("self.zip", hostile.junk_prefixed_zip(), kind=Kind.ZIP)
    assert opened.paths() == ["self.zip!/pkg/mod.py"]
    assert not opened.findings


def test_name_mismatch_is_reported_and_member_still_read() -> None:
    opened = open_bytes("m.zip", hostile.name_mismatch_zip())
    assert opened.at("CORE005") == ["m.zip!/good.py"]
    assert opened.member("m.zip!/good.py").data == hostile.PAYLOAD


def test_traversal_names_are_findings_and_still_scanned() -> None:
    names = {
        "../evil.py": "climbs",
        "/etc/cron.d/x": "absolute",
        "C:/Windows/x.py": "drive",
        "\\\\server\\share\\x.py": "UNC",
        "..\\..\\x.py": "backslash",
        "a/../../x.py": "climbs",
    }
    opened = open_bytes("t.zip", hostile.zip_of(dict.fromkeys(names, hostile.PAYLOAD)))
    assert sorted(opened.at("CORE002")) == sorted(f"t.zip!/{n}" for n in names)
    assert len(opened.artifacts) == len(names)


def test_inner_dotdot_that_stays_inside_is_fine() -> None:
    opened = open_bytes("t.zip", hostile.zip_of({"pkg/../pkg/x.py": b"1", "a..b/c": b"2"}))
    assert not opened.findings


def test_in_tree_links_are_fine() -> None:
    tar = hostile.tar_of(
        [
            ("pkg/real.py", b"x = 1\n"),
            hostile.link("pkg/alias.py", "real.py"),
            hostile.link("pkg/hard.py", "pkg/real.py", hard=True),
        ]
    )
    opened = open_bytes("ok.tar", tar)
    assert not opened.findings


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz", "zst"])
def test_concatenated_streams_are_one_member(compression: str) -> None:
    data = hostile.compress(b"first\n", compression) + hostile.compress(b"second\n", compression)
    opened = open_bytes(f"notes.txt.{compression}", data)
    assert not opened.findings
    assert [a.data for a in opened.artifacts] == [b"first\nsecond\n"]


def test_bytes_after_the_tar_end_marker_are_read_for_integrity() -> None:
    tar = hostile.tar_of([("a.py", hostile.PAYLOAD)])
    opened = open_bytes("x.tar.gz", hostile.compress(tar, "gz")[:-12])
    assert opened.paths() == ["x.tar.gz!/a.py"]
    assert opened.at("CORE005") == ["x.tar.gz"]
