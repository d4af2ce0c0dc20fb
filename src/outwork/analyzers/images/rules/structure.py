"""Images whose blobs, manifest or layers do not hold together."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.images.model import Image
from outwork.core.analyzer import Emitted
from outwork.core.artifact import MEMBER_SEP
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_TAMPERED = frozenset({"digest-mismatch", "diff-id-mismatch", "size-mismatch"})
_INCOMPLETE = frozenset({"missing-blob", "layer-count", "bad-index", "bad-config"})


class ImageBlobMismatch(Rule):
    """A blob of the image is missing, or its content is not what the manifest names.

    ## What it finds

    A layer or config whose bytes do not hash to the digest the manifest (or the config's
    `rootfs.diff_ids`, or a legacy config's file name) gives it, a declared size that differs
    from the blob's, a blob the manifest or index names that the archive lacks, a config
    listing another number of layers than the manifest.

    ## Why it matters

    Content addressing is what makes an image the image that was built and signed. A blob
    swapped after the fact (a tampered export, a poisoned cache, a mirror that rewrites layers)
    runs code nobody reviewed under a name people trust; a missing blob means the scan could
    not see part of what a pull would run.

    ## Example

    ```text
    manifest: layers[1].digest sha256:4f2a...   blob content hashes to sha256:9c0e...
    ```

    ## Remediation

    Do not run the image. Export it again from the registry by digest, and find out where the
    archive was altered.

    ## References

    - OCI image specification: content descriptors and digests
    - CWE-354
    """

    code = "IMG003"
    name = "image-blob-mismatch"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (354, 345)
    attack = ("T1525",)
    inline_suppressible = False


class ImageLayerHostileEntry(Rule):
    """A layer holds an entry that a runtime applies outside what the layer describes.

    ## What it finds

    A whiteout whose name reaches outside the tree (`.wh..`, `.wh.` of a climbing path), a hard
    link to a file that is not in its own layer, a member the image archive holds twice.

    ## Why it matters

    Runtimes and scanners disagree on such entries: one deletes or links what another never
    sees, so an attacker crafts the layer that looks clean to the scanner and does something
    else when unpacked (the class of container-breakout and scanner-evasion bugs found in
    containerd, Docker and Trivy's layer handling).

    ## Example

    ```text
    layer 2: app/.wh..          (whiteout of the parent folder)
    layer 2: bin/sh  hard link to etc/shadow (not in this layer)
    ```

    ## Remediation

    Rebuild the image from its Dockerfile with a current builder; do not run an image whose
    layers were written by hand.

    ## References

    - OCI image specification: layer changesets, whiteouts
    - CVE-2019-14271, CVE-2021-30465 (layer contents outside the tree)
    - CWE-22
    """

    code = "IMG004"
    name = "image-layer-hostile-entry"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (22, 59)
    inline_suppressible = False


def check(image: Image) -> Iterator[Emitted]:
    for anomaly in image.anomalies:
        kind = anomaly.get("kind", "")
        where = anomaly.get("path", "")
        detail = anomaly.get("detail", "")
        if kind == "duplicate-member":
            yield finding(ImageLayerHostileEntry, detail, path=where, evidence=kind)
        elif kind in _TAMPERED or kind in (
            "missing-blob",
            "layer-count",
            "bad-index",
            "bad-config",
        ):
            yield finding(
                ImageBlobMismatch,
                detail,
                path=where,
                evidence=kind,
                severity=Severity.HIGH if kind in _TAMPERED else Severity.MEDIUM,
            )
    for layer in image.layers:
        for member, hidden in layer.bad_whiteouts:
            yield finding(
                ImageLayerHostileEntry,
                f"whiteout {member} names {hidden!r}, outside the folder it sits in",
                path=f"{layer.blob}{MEMBER_SEP}{member}",
                evidence=member,
            )
        for member, target in layer.foreign_links:
            yield finding(
                ImageLayerHostileEntry,
                f"hard link {member} points at {target}, which its layer does not hold",
                path=f"{layer.blob}{MEMBER_SEP}{member}",
                evidence=f"{member} -> {target}",
            )
