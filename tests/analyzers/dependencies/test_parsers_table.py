"""The parser table names its parsers as ``module:function``: every name must resolve."""

from __future__ import annotations

from outwork.analyzers.dependencies import parsers


def test_every_parser_named_in_the_table_resolves() -> None:
    names = [
        *parsers._BY_NAME,
        "requirements.txt",
        "pylock.toml",
        "pkg.dist-info/METADATA",
        "pkg.egg-info/PKG-INFO",
        "app/package.json",
        "gradle/dependency-locks/x.lockfile",
        "bom.cdx.json",
    ]
    for name in names:
        parser = parsers.parser_for(name)
        assert parser is not None and callable(parser), name
