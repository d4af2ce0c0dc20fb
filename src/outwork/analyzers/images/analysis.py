"""Judging one image: the implementation behind the images analyzer.

The description is parsed once (:mod:`outwork.analyzers.images.model`) and handed to every
rule module's ``check``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from outwork.analyzers.images import DOCKERFILE_STEPS
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
from outwork.core.findings import Fact, Finding
from outwork.core.reach import in_package_tests, package_folders
from outwork.core.rules import Severity

#: Largest Dockerfile read.
MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024
#: The highest severity of a finding on a Dockerfile in a package's test or example data.
TEST_DATA_CAP = Severity.MEDIUM
#: The highest severity of a finding on a Dockerfile among a third-party package's own files (an
#: sdist's ``docker/Dockerfile``, one under ``site-packages``): installing the package builds no
#: image, so it is the publisher's build hygiene, graded in full where it is built (scan that
#: repository). A package whose install or import code does build or run it is the packages
#: layer's finding (the command it starts), whatever this file says.
DEPENDENCY_CAP = Severity.MEDIUM
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
            found = build.check_dockerfile(artifact.text(MAX_DOCKERFILE_BYTES), artifact.path)
            yield from _where(found, artifact.path)
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


def _where(items: Iterable[Emitted], path: str) -> Iterator[Emitted]:
    """A Dockerfile's findings graded by where it sits. One in a package's test, example or
    documentation folder (an integration test's fixture image) builds no image of the package's
    users: its findings are medium at most, saying so, and it makes no link of an attack path
    (no facts, no build steps to link to an image). One among a package's own files (an
    archive's member, an installed package's file) builds nothing for its installer either:
    medium at most, its links kept (an image of the same scan built from it is still that
    image's origin). The same Dockerfile in a repository (its root, its ``docker/`` or
    ``tests/`` folder) keeps its grade."""
    if package_folders(path) is None:
        yield from items
        return
    tests = in_package_tests(path)
    for item in items:
        if tests and (
            isinstance(item, Fact)
            or (isinstance(item, Component) and item.type == DOCKERFILE_STEPS)
        ):
            continue
        if isinstance(item, Finding) and item.severity > TEST_DATA_CAP:
            item = _capped(item, tests)
        yield item


#: Where a capped Dockerfile sits: its cap, what the message says, and the property it sets.
_PLACES = {
    True: (TEST_DATA_CAP, "a package's test or example data, not an image its users build",
           "in_package_tests"),
    False: (DEPENDENCY_CAP, "a third-party package's own files, not an image its installer builds",
            "in_dependency"),
}  # fmt: skip


def _capped(item: Finding, tests: bool) -> Finding:
    cap, where, flag = _PLACES[tests]
    return replace(
        item,
        severity=cap,
        message=f"{item.message} (in {where}: {cap.label} at most)",
        properties={**item.properties, flag: True},
    )


def finish(components: Sequence[tuple[str, Component]], context: AnalysisContext) -> Iterator[Fact]:
    """After the scan: the Dockerfiles linked to the images they built."""
    yield from build.link_builds(components)
