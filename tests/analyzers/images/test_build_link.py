"""Which Dockerfile built which image, from the image's history: the fact that lets an attack
path cross from a Dockerfile to what its image carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.images.dockerfile import build_step
from outwork.engine.pipeline import ScanOptions, scan
from tests.imagebuild import Image, docker_archive

DOCKERFILE = """\
FROM python:3.12-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
COPY . /app
RUN pip install --no-cache-dir /app
USER app
"""
#: What BuildKit records for that Dockerfile, after the base image's own steps.
HISTORY = [
    "/bin/sh -c #(nop) ADD file:4b5a8b6c in / ",
    '/bin/sh -c #(nop)  CMD ["bash"]',
    "RUN /bin/sh -c apt-get update     && apt-get install -y --no-install-recommends curl"
    "     && rm -rf /var/lib/apt/lists/* # buildkit",
    "COPY . /app # buildkit",
    "RUN /bin/sh -c pip install --no-cache-dir /app # buildkit",
    "USER app",
]
SECRET_ENV = ["AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Hw3Tk5R"]


@pytest.mark.parametrize(
    ("recorded", "written"),
    [
        ("RUN /bin/sh -c make install # buildkit", "make   install"),
        ("|2 VERSION=1.0 TARGET=x /bin/sh -c make install", "make install"),
        ("/bin/sh -c make install", "make install"),
        ("RUN --mount=type=cache,target=/root/.cache /bin/sh -c make install", "make install"),
    ],
)
def test_history_and_dockerfile_steps_read_alike(recorded: str, written: str) -> None:
    assert build_step(recorded) == build_step(written) == "make install"


def _scan(tmp_path: Path, dockerfile: str, history: list[str]) -> list:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    layers: list = [{f"etc/f{i}": b"x\n"} for i in range(len(history))]
    image = Image(layers, config={"User": "app", "Env": SECRET_ENV}, history=history)
    docker_archive(tmp_path / "app.tar", image)
    return [scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None))]


def test_the_dockerfile_that_built_an_image_is_linked_to_it(tmp_path: Path) -> None:
    (result,) = _scan(tmp_path, DOCKERFILE, HISTORY)
    builds = [f for f in result.facts if f.relation == "builds"]
    assert [(f.source, f.target.startswith("image:")) for f in builds] == [
        (f"dockerfile:{tmp_path}/Dockerfile", True)
    ]
    # a moving base tag lets whoever pushes it reach the image's secret
    crossing = [
        p
        for p in result.paths
        if any(s.relation == "builds" for s in p.steps) and p.target.startswith("jewel:secret")
    ]
    assert crossing and crossing[0].entry == "entry:public-registry"


def test_a_dockerfile_whose_steps_the_image_lacks_is_not_linked(tmp_path: Path) -> None:
    other = DOCKERFILE.replace("pip install --no-cache-dir /app", "pip install /srv")
    (result,) = _scan(tmp_path, other, HISTORY)
    assert not [f for f in result.facts if f.relation == "builds"]
