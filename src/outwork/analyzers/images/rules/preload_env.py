"""``LD_PRELOAD`` in the image's config: the same rootkit technique, set for every container."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.images.context import Fate
from outwork.analyzers.images.model import Image
from outwork.analyzers.images.rules.persistence import PreloadRootkit
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding


def check(image: Image) -> Iterator[Emitted]:
    env = image.settings.get("Env")
    if not isinstance(env, list):
        return
    for index, item in enumerate(env):
        name, _, value = str(item).partition("=")
        if name.strip() == "LD_PRELOAD" and value.strip():
            yield finding(
                PreloadRootkit,
                f"image {image.name} preloads {value[:200]} into every process of its containers",
                path=image.config_path,
                logical=f"config.Env[{index}]",
                severity=PreloadRootkit.severity_in(Fate.RUNS),
                evidence=str(item)[:200],
            )
