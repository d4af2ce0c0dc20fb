"""The image's operating-system packages: components for the SBOM and the advisory match, and
databases that could not be read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packageurl import PackageURL

from outwork.analyzers.images.distro import Distro, distro_of, osv_ecosystem
from outwork.analyzers.images.model import Image
from outwork.analyzers.images.ospackages import Inventory, OsPackage, inventory
from outwork.core.analyzer import Component, Emitted
from outwork.core.artifact import MEMBER_SEP
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_PURL_TYPES = {"dpkg": "deb", "apk": "apk", "rpm": "rpm"}


class OsPackagesUnreadable(Rule):
    """The image's package database exists but could not be read: its packages are not
    inventoried or checked against advisories.

    ## What it finds

    A dpkg, apk or rpm database that does not parse, an rpm header that breaks the format, or
    an older rpm database (Berkeley DB, ndb) whose pages or slots are damaged: an overflow
    chain that loops or leaves the file, a record longer than its pages, a slot pointing
    outside the file.

    ## Why it matters

    An image whose packages are not listed is an image whose vulnerable packages are not found.
    A corrupted database is also how an attacker hides a package from scanners that trust it.

    ## Example

    ```text
    var/lib/rpm/Packages: page 12: a record's overflow chain loops back
    ```

    ## Remediation

    Rebuild the image from its sources (the package manager writes a sound database), or list
    its packages with the distribution's own tools and review them by hand.

    ## References

    - rpm 4.16 release notes: the sqlite database backend
    - CWE-1059
    """

    code = "IMG006"
    name = "os-packages-unreadable"
    layer = Layer.IMG
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (1059,)


def purl_of(package: OsPackage, distro: Distro | None) -> str:
    qualifiers: dict[str, str] = {}
    if package.arch:
        qualifiers["arch"] = package.arch
    if distro is not None:
        qualifiers["distro"] = f"{distro.id}-{distro.version}" if distro.version else distro.id
    version = package.version
    if package.manager == "rpm" and package.epoch is not None:
        qualifiers["epoch"] = str(package.epoch)
        version = version.split(":", 1)[1] if ":" in version else version
    namespace = distro.id if distro is not None else None
    return str(
        PackageURL(
            type=_PURL_TYPES[package.manager],
            namespace=namespace,
            name=package.name,
            version=version,
            qualifiers=qualifiers,
        )
    )


def check(image: Image) -> Iterator[Emitted]:
    found: Inventory = inventory(image)
    distro = distro_of(image)
    ecosystem = osv_ecosystem(distro) if distro is not None else None
    final = image.final()
    for package in found.packages:
        purl = purl_of(package, distro)
        where = final.get(package.database)
        layer = image.layer_at(package.layer)
        properties: dict[str, Any] = {
            "package_manager": package.manager,
            "layer_index": package.layer,
            "layer": (layer.digest or layer.blob) if layer is not None else "",
            "source_package": package.source,
            "files": len(package.files),
        }
        if package.licenses:
            properties["licenses"] = package.licenses
        if where is not None:
            properties["located_at"] = f"{image.root}{MEMBER_SEP}{image.where(where)}"
            if package.line:
                properties["line"] = package.line
        if ecosystem is not None:
            # the dependencies layer matches these against its advisory store after the scan;
            # distributions publish advisories under the source package (Debian, Alpine)
            by_source = package.manager in ("dpkg", "apk")
            properties.update(
                {
                    "ecosystem": ecosystem,
                    "lockfile": package.manager,
                    "source": "installed",
                    "match": "finish",
                    "match_name": package.source if by_source else package.name,
                    "match_version": package.source_version if by_source else package.version,
                }
            )
        yield Component("library", package.name, package.version, purl, properties)
        yield Fact(image.node, "contains-package", purl)
    for path, why in found.problems:
        entry = final.get(path)
        yield finding(
            OsPackagesUnreadable,
            f"{path}: {why}",
            path=image.where(entry) if entry is not None else "",
            evidence=why[:200],
        )
