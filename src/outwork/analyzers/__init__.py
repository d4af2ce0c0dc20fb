"""Analyzers: one package per layer, each exposing its :class:`outwork.core.analyzer.Analyzer`
subclasses through the ``outwork.analyzers`` entry-point group (see ``pyproject.toml``)."""
