"""Builders of harmless package archives for the packages-layer tests."""

from __future__ import annotations

import io
import tarfile
import zipfile


def tar_gz(members: dict[str, str | bytes]) -> bytes:
    """A gzip'd tar whose members sit at exactly the names given."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for member, content in members.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sdist(name: str, version: str, files: dict[str, str | bytes]) -> bytes:
    """An sdist (tar.gz) whose members sit under ``name-version/``; PKG-INFO is added."""
    root = f"{name}-{version}"
    members = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", **files}
    return tar_gz({f"{root}/{member}": content for member, content in members.items()})


def wheel(
    name: str, version: str, files: dict[str, str | bytes], tag: str = "py3-none-any"
) -> bytes:
    dist = f"{name}-{version}.dist-info"
    members = {
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nTag: {tag}\n",
        **files,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    return buf.getvalue()


def npm_tarball(manifest: str, files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for member, content in {"package.json": manifest, **files}.items():
            data = content.encode()
            info = tarfile.TarInfo(f"package/{member}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()
