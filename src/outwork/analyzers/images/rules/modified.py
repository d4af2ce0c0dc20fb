"""Files of OS packages whose bytes are not the ones their package recorded."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.images.context import Fate
from outwork.analyzers.images.model import Image
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class OsPackageFileModified(Rule):
    """A file an OS package installed holds other bytes than the package recorded for it.

    ## What it finds

    Files whose path a dpkg package lists in its record of installed files and their digests
    (`var/lib/dpkg/info/<package>.md5sums`, `status.d/<package>.md5sums` in distroless
    images) with content of another digest: a program, library, script or module of the
    distribution replaced or edited after the package installed it, in the layer that holds
    the new bytes. Files that match their record are the distribution's own; the packages
    layer does not read them as PyPI or npm code (a file no record names, or one that does
    not match, is read like any other).

    ## Why it matters

    Replacing a system program (`ps`, `ls`, `sshd`) or library is how rootkits hide; one line
    added to a standard-library module (`os.py`, `site.py`) runs an attacker's code in every
    program that imports it, while a scanner that trusts the package list sees an unchanged,
    fully patched package. `debsums` makes the same comparison on a running Debian system.

    ## Example

    ```text
    usr/lib/python3.11/os.py: python3.11-minimal recorded other bytes (md5 5d41402a...)
    ```

    ## Remediation

    Reinstall the package (`apt-get install --reinstall PACKAGE`) in the image's build, or find
    the build step that changed the file (the finding names the layer) and remove it. The
    record is inside the image too: a build that rewrites both is caught by the other layers
    reading the file, not by this rule.

    ## References

    - Debian debsums(1): verification of installed package files against MD5 checksums
    - MITRE ATT&CK T1014 Rootkit
    - MITRE ATT&CK T1574.006 Dynamic Linker Hijacking
    - CWE-494
    """

    code = "IMG022"
    name = "os-package-file-modified"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (494,)
    attack = ("T1014",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Fate.RUNS: Severity.HIGH,
        Fate.SHIPPED: Severity.LOW,
    }


def check(image: Image) -> Iterator[Emitted]:
    for layer in image.layers:
        for entry in layer.files:
            if entry.recorded != "modified":
                continue
            fate = Fate.RUNS if entry.fate == "present" else Fate.SHIPPED
            step = f"; changed by: {layer.created_by[:160]}" if layer.created_by else ""
            note = "" if fate is Fate.RUNS else " (a later layer replaced or deleted it)"
            yield finding(
                OsPackageFileModified,
                f"{entry.path}: the bytes are not the ones {entry.package} recorded for it"
                f"{note}{step}",
                path=image.where(entry),
                severity=OsPackageFileModified.severity_in(fate),
                evidence=f"{entry.package}: sha256 of the image's bytes {entry.digest[:16]}",
            )
