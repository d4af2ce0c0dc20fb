"""The images layer (IMG): container images and the files that build them.

An image reaches this layer as the :data:`~outwork.core.artifact.Kind.IMAGE` description that
the image source builds (:mod:`outwork.sources.images`): manifest, config, every layer's file
index and package databases. Its files have already gone, one by one, through every other
layer (packages, models, dependencies, secrets, crypto) under their ``IMAGE!/LAYER!/path``;
this layer judges what only the image as a whole shows: who it runs as, what its config and
history carry, whether its blobs are what its manifest says, which files a later layer hid.
"""

from __future__ import annotations

from outwork.core.analyzer import Analyzer, rules_in
from outwork.core.artifact import Kind
from outwork.core.rules import Layer


class ImageAnalyzer(Analyzer):
    """Judges a container image as a whole: config, layers, packages and file system."""

    name = "images"
    version = "1"
    layer = Layer.IMG
    kinds = frozenset({Kind.IMAGE})
    rules = rules_in("outwork.analyzers.images.rules")
    implementation = "outwork.analyzers.images.analysis"
