"""Judging one image: the implementation behind the images analyzer.

The description is parsed once (:mod:`outwork.analyzers.images.model`) and handed to every
rule module's ``check``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from outwork.analyzers.images.distro import distro_of
from outwork.analyzers.images.dockerfile import is_dockerfile
from outwork.analyzers.images.files import analyze_file
from outwork.analyzers.images.model import Image, load
from outwork.analyzers.images.rules import (
    build,
    config,
    deleted,
    modified,
    ownership,
    packages,
    preload_env,
    structure,
)
from outwork.core.analyzer import AnalysisContext, Component, Emitted
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact

#: Largest Dockerfile read.
MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024
CHECKS: tuple[Callable[[Image], Iterator[Emitted]], ...] = (
    config.check,
    structure.check,
    deleted.check,
    packages.check,
    ownership.check,
    modified.check,
    preload_env.check,
    build.check,
)


def analyze(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    if artifact.kind is not Kind.IMAGE:
        if is_dockerfile(artifact.name) and "image-layer" not in artifact.tags:
            yield from build.check_dockerfile(artifact.text(MAX_DOCKERFILE_BYTES), artifact.path)
        else:
            yield from analyze_file(artifact)
        return
    image = load(artifact.read(), root=artifact.path)
    for tag in image.tags:
        yield Fact(f"image-ref:{tag}", "names", image.node)
    distro = distro_of(image)
    if distro is not None:
        yield Fact(image.node, "built-on", f"os:{distro.id}:{distro.version}")
    for check in CHECKS:
        yield from check(image)


def finish(components: Sequence[tuple[str, Component]], context: AnalysisContext) -> Iterator[Fact]:
    """After the scan: the Dockerfiles linked to the images they built."""
    yield from build.link_builds(components)
