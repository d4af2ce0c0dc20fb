"""The JavaScript scanner: aliases, constants, option objects; hostile input bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.crypto import CryptoAnalyzer
from outwork.analyzers.crypto.jssource import scan_javascript
from outwork.core import config
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding
from outwork.core.syntaxwindows import window_bytes


def labels(code: str) -> list[tuple[int, str]]:
    return [(a.line or 0, a.label) for a in scan_javascript(code.encode()).assets]


def test_destructured_and_renamed_imports_resolve() -> None:
    code = (
        'import { createHash as h } from "node:crypto";\n'
        'const { generateKeyPairSync } = require("crypto");\n'
        "const BITS = 2048;\n"
        'h("sha384");\n'
        'generateKeyPairSync("rsa", { modulusLength: BITS });\n'
    )
    assert labels(code) == [(4, "SHA-384"), (5, "RSA-2048")]


def test_unresolved_parameters_are_unknown() -> None:
    (asset,) = scan_javascript(
        b'const c = require("crypto");\nc.generateKeyPairSync("rsa", { modulusLength: n });\n'
    ).assets
    assert asset.key_size is None and asset.unknown == ("key size",)


def test_a_name_bound_twice_differently_is_unknown() -> None:
    code = b'const c = require("crypto");\nlet a = "md5";\na = pick();\nc.createHash(a);\n'
    (asset,) = scan_javascript(code).assets
    assert asset.algorithm == "unknown"


def test_unrelated_objects_named_crypto_members_are_not_assets() -> None:
    assert labels('const x = require("lodash");\nx.createHash("md5");\n') == []


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_never_crash(data: bytes) -> None:
    scan_javascript(b'const crypto = require("crypto");\n' + data)


def _padding(size: int) -> str:
    unit = 'var a0=[1,"x;y"].map(function(x){return x*2});'
    return unit * (size // len(unit) + 1)


def test_a_file_larger_than_the_window_finds_what_the_whole_tree_finds() -> None:
    """Parsed in windows (the per-file memory budget): a constant bound in the first window is
    resolved at a use in the last, lines stay the file's, and nothing is found twice."""
    code = (
        'const c = require("crypto");\nconst ALG = "md5";\n'
        + _padding(40_000)
        + '\nc.createHash(ALG);\nc.createCipheriv("des-ede3-cbc", k, iv);\n'
        + _padding(40_000)
        + '\nc.generateKeyPairSync("rsa", { modulusLength: 1024 });\n'
    ).encode()
    whole = scan_javascript(code, 1 << 30)
    parts = scan_javascript(code, 8192)
    assert [(a.line, a.column, a.label) for a in parts.assets] == [
        (a.line, a.column, a.label) for a in whole.assets
    ]
    assert [a.label for a in whole.assets] == ["MD5", "3DES-192-CBC", "RSA-1024"]


def test_code_in_a_string_longer_than_the_window_is_not_read_as_code() -> None:
    code = ('var s = "' + 'crypto.createHash(\\"md5\\");' * 2000 + '";\n').encode()
    assert scan_javascript(code, 8192).assets == []


def test_the_window_is_the_scans_memory_budget() -> None:
    """``[budgets] max-tree-bytes`` reaches the analyzer through the scan's context."""
    code = (
        'const c = require("crypto");\n' + _padding(60_000) + '\nc.createHash("md5");\n'
    ).encode()
    artifact = Artifact(path="dist/app.js", kind=Kind.JAVASCRIPT, size=len(code), data=code)
    small = config.budgets_from(config.parse({"budgets": {"max-tree-bytes": 48 * 8192}}).budgets)
    assert window_bytes(small) == 8192
    found = {
        budgets: [
            (f.location.line, f.message)
            for f in CryptoAnalyzer().analyze(artifact, AnalysisContext(budgets=budgets))
            if isinstance(f, Finding)
        ]
        for budgets in (small, Budgets())
    }
    assert found[small] == found[Budgets()] != []
