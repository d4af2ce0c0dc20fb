"""The images layer (IMG): container images and the files that build them.

An image reaches this layer as the :data:`~outwork.core.artifact.Kind.IMAGE` description that
the image source builds (:mod:`outwork.sources.images`): manifest, config, every layer's file
index and package databases. Its files have already gone, one by one, through every other
layer (packages, models, dependencies, secrets, crypto) under their ``IMAGE!/LAYER!/path``;
this layer judges what only the image as a whole shows: who it runs as, what its config and
history carry, whether its blobs are what its manifest says, which files a later layer hid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import cast

from outwork.core.analyzer import AnalysisContext, Analyzer, Component, rules_in
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.core.rules import Layer

#: Kinds of image files read for malware and persistence (see ``files.wanted``).
_FILE_KINDS = frozenset(
    {Kind.ELF, Kind.SHELL, Kind.PYTHON, Kind.JAVASCRIPT, Kind.TEXT, Kind.JSON, Kind.YAML}
)
#: Private component types (``_``: not in reports) carrying build steps to ``finish``: a
#: Dockerfile's and an image's (see ``rules.build.link_builds``).
DOCKERFILE_STEPS, IMAGE_STEPS = "_dockerfile-steps", "_image-steps"
#: Dockerfile and Containerfile names (``Dockerfile``, ``Dockerfile.prod``, ``app.dockerfile``).
_DOCKERFILE = re.compile(
    r"^(?:(?:docker|container)file(?:\.[\w.-]+)?|[\w.-]+\.(?:docker|container)file)$", re.I
)
_PERSISTENCE_HINTS = (
    "cron",
    "systemd",
    "init.d",
    "rc.local",
    "profile",
    "bashrc",
    "environment",
    "ld.so.preload",
    "authorized_keys",
    ".php",
    ".jsp",
    ".asp",
    ".phtml",
)


class ImageAnalyzer(Analyzer):
    """Judges a container image as a whole: config, layers, packages and file system."""

    name = "images"
    version = "3"
    layer = Layer.IMG
    kinds = frozenset({Kind.IMAGE})
    rules = rules_in("outwork.analyzers.images.rules")
    implementation = "outwork.analyzers.images.analysis"

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding | Fact]:
        """Which Dockerfile of the scan built which image of the scan (a ``builds`` fact); a
        scan without both loads nothing for it."""
        kinds = {component.type for _, component in components}
        if not {DOCKERFILE_STEPS, IMAGE_STEPS} <= kinds:
            return ()
        return cast(Iterable[Finding | Fact], self.work.finish(components, context))

    def accepts(self, artifact: Artifact) -> bool:
        """The image's description, and the files of its layers that could hold malware or
        persistence (programs, scripts, web pages, cron, systemd, profiles, keys): decided from
        the path, kind and tags, so the rest of a layer is never held for this layer."""
        if artifact.kind is Kind.IMAGE:
            return True
        if _DOCKERFILE.match(artifact.name) and "image-layer" not in artifact.tags:
            return artifact.kind not in (Kind.BINARY, Kind.EMPTY)
        if "image-layer" not in artifact.tags:
            return False
        path = artifact.path.lower()
        return artifact.kind in _FILE_KINDS or any(h in path for h in _PERSISTENCE_HINTS)
