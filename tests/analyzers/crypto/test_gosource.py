"""The Go scanner: import aliases, constants, blocks followed into their modes; hostile input
bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.crypto.gosource import scan_go

HEADER = 'package p\n\nimport (\n\t"crypto/aes"\n\t"crypto/cipher"\n\tr "crypto/rsa"\n)\n\n'


def labels(body: str) -> list[tuple[int, str]]:
    return [(a.line or 0, a.label) for a in scan_go((HEADER + body).encode()).assets]


def test_an_aliased_import_and_a_folded_constant_give_the_key_size() -> None:
    body = "const bits = 1 << 10\n\nfunc f() { k, _ := r.GenerateKey(nil, bits) }\n"
    assert labels(body) == [(11, "RSA-1024")]


def test_a_key_size_given_by_a_parameter_is_unknown() -> None:
    (asset,) = scan_go((HEADER + "func f(n int) { r.GenerateKey(nil, n) }\n").encode()).assets
    assert asset.key_size is None and asset.unknown == ("key size",)


def test_a_block_is_listed_once_with_the_mode_that_wraps_it() -> None:
    body = (
        "func f(key []byte) {\n"
        "\tblock, _ := aes.NewCipher(make([]byte, 32))\n"
        "\tg, _ := cipher.NewGCM(block)\n"
        "}\n"
    )
    assert labels(body) == [(11, "AES-256-GCM")]


def test_a_block_used_by_nothing_known_is_still_listed() -> None:
    body = "func f(key []byte) interface{} {\n\tb, _ := aes.NewCipher(key)\n\treturn b\n}\n"
    assert labels(body) == [(10, "AES")]


def test_a_package_shadowed_by_a_local_name_is_not_the_package() -> None:
    body = "func f(r fake) { r.GenerateKey(nil, 512) }\n"
    assert labels(body) == []


def test_another_package_named_like_a_crypto_one_is_not_crypto() -> None:
    code = b'package p\n\nimport md5 "example.com/fastmd5"\n\nfunc f() { md5.New() }\n'
    assert scan_go(code).assets == []


def test_deep_nesting_is_reported_not_crashed() -> None:
    code = HEADER + "var x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert scan_go(code.encode()).stopped == "expressions nested too deeply for the scanner"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_never_crash(data: bytes) -> None:
    scan_go(HEADER.encode() + data)
