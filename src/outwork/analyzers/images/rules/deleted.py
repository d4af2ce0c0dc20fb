"""Files a later layer deletes or overwrites: hidden from the container, shipped to everyone."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.images.model import File, Image
from outwork.core.analyzer import Emitted
from outwork.core.findings import Location, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Deleted files named in one finding's related locations.
SHOWN = 20


class FileDeletedInLaterLayer(Rule):
    """A layer deletes files that an earlier layer ships: they are gone from the container, not
    from the image.

    ## What it finds

    For each layer that deletes (by whiteout, opaque folder or replaced parent) or overwrites
    files added by an earlier layer, one finding that lists them. Every finding of another layer
    at one of these paths (a key, a token, a malicious script) is about a file that the running
    container does not show but that every copy of the image still carries.

    ## Why it matters

    `RUN rm secret` in a later step hides a file, it does not remove it: the earlier layer still
    holds it, and `docker save` or any registry client extracts it in seconds. Attackers also
    plant payloads this way, in a layer a reviewer of the final file system never sees.

    ## Example

    ```dockerfile
    COPY id_rsa /root/.ssh/id_rsa
    RUN git clone git@host:repo && rm /root/.ssh/id_rsa   # the key stays in layer 1
    ```

    ## Remediation

    Never add a file you intend to delete: use multi-stage builds or `RUN --mount=type=secret`,
    and squash or rebuild images that shipped one. Rotate any credential that was in such a
    file.

    ## References

    - Docker documentation: multi-stage builds, build secrets
    - CWE-212
    """

    code = "IMG005"
    name = "file-deleted-in-later-layer"
    layer = Layer.IMG
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (212,)
    inline_suppressible = False


def check(image: Image) -> Iterator[Emitted]:
    hidden: dict[int, list[File]] = {}
    for layer in image.layers:
        for file in layer.files:
            if file.type == "file" and file.fate == "deleted" and file.by is not None:
                hidden.setdefault(file.by, []).append(file)
    for by, files in sorted(hidden.items()):
        deleting = image.layer_at(by)
        if deleting is None:
            continue
        names = ", ".join(f.path for f in files[:5]) + (" ..." if len(files) > 5 else "")
        step = f" ({deleting.created_by[:120]})" if deleting.created_by else ""
        yield finding(
            FileDeletedInLaterLayer,
            f"layer {by}{step} deletes {len(files)} file(s) that earlier layers still ship:"
            f" {names}",
            path=deleting.blob,
            evidence=names,
            related=tuple(Location(image.full(f)) for f in files[:SHOWN]),
            properties={"deleted": [image.where(f) for f in files]},
        )
