"""Severity contexts of the images layer's rules."""

from __future__ import annotations

import enum


class Fate(enum.Enum):
    """Whether a file is in the container's file system or only in an earlier layer."""

    RUNS = "in the final file system: a container starts with it"
    SHIPPED = "deleted or overwritten by a later layer: shipped in the image, not in a container"
