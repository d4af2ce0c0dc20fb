"""Which distribution an image is built on, from its release files."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from outwork.analyzers.images.model import Image

RELEASE_FILES = ("etc/os-release", "usr/lib/os-release")


@dataclass(frozen=True, slots=True)
class Distro:
    """``ID`` and ``VERSION_ID`` of os-release (``debian`` ``12``, ``alpine`` ``3.19.1``)."""

    id: str
    version: str


def parse_os_release(data: bytes) -> dict[str, str]:
    """os-release's ``KEY=value`` lines, shell-quoted values unquoted (man 5 os-release)."""
    fields: dict[str, str] = {}
    for raw in data.decode("utf-8", errors="replace").splitlines()[:200]:
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            words = shlex.split(value)
        except ValueError:
            words = [value.strip("\"'")]
        fields[key.strip()] = " ".join(words)
    return fields


def distro_of(image: Image) -> Distro | None:
    for name in RELEASE_FILES:
        data = image.meta_final(name)
        if data is None:
            continue
        fields = parse_os_release(data)
        if "ID" in fields:
            return Distro(fields["ID"].lower(), fields.get("VERSION_ID", ""))
    return None


#: os-release ``ID`` -> OSV ecosystem, with how much of ``VERSION_ID`` names the release.
_OSV = {
    "debian": ("Debian:{major}", True),
    "ubuntu": ("Ubuntu:{version}", True),
    "alpine": ("Alpine:v{minor}", True),
    "rocky": ("Rocky Linux:{major}", True),
    "almalinux": ("AlmaLinux:{major}", True),
    "wolfi": ("Wolfi", False),
    "chainguard": ("Chainguard", False),
}


def osv_ecosystem(distro: Distro) -> str | None:
    """The OSV ecosystem of the distribution's release (``Debian:12``, ``Alpine:v3.19``), or
    None where OSV publishes none outwork can use."""
    known = _OSV.get(distro.id)
    if known is None:
        return None
    pattern, needs_version = known
    parts = distro.version.split(".")
    if needs_version and not parts[0]:
        return None
    return pattern.format(major=parts[0], minor=".".join(parts[:2]), version=distro.version)
