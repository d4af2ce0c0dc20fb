"""The JavaScript scanner: aliases, constants, option objects; hostile input bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.crypto.jssource import scan_javascript


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
