"""Files of an image's layers that the images layer reads itself: programs and scripts for
miners and reverse shells, web pages for web shells, and the files that make persistence."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.images.context import Fate
from outwork.analyzers.images.rules import malware, persistence
from outwork.core.analyzer import Emitted
from outwork.core.artifact import Artifact

#: Largest file read for miners and shells (a miner is a few MB; larger binaries are libraries).
MAX_FILE_BYTES = 64 * 1024 * 1024


def analyze_file(artifact: Artifact) -> Iterator[Emitted]:
    data = artifact.read(MAX_FILE_BYTES)
    shipped = {"image-deleted", "image-overwritten"} & artifact.tags
    fate = Fate.SHIPPED if shipped else Fate.RUNS
    path = artifact.member_path.lstrip("/")
    yield from malware.check_file(artifact, data, fate)
    if persistence.is_persistence_path(path):
        yield from persistence.check_file(artifact, data, fate, path)
