"""The Java scanner: imports, folded constants, factories followed to their initialisation;
Java's defaults recorded; hostile input bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.crypto.javasource import scan_java

HEADER = "import javax.crypto.*;\nimport java.security.KeyPairGenerator;\n\n"


def assets(body: str) -> list[tuple[int, str, tuple[str, ...]]]:
    code = HEADER + "class A {\n" + body + "\n}\n"
    return [(a.line or 0, a.label, a.unknown) for a in scan_java(code.encode()).assets]


def test_a_concatenated_constant_is_folded() -> None:
    body = (
        '  static final String ALG = "DES" + "ede";\n'
        '  void f() throws Exception { Cipher.getInstance(ALG + "/CBC/PKCS5Padding"); }'
    )
    assert assets(body) == [(6, "3DES-CBC", ())]


def test_a_transformation_without_a_mode_is_the_providers_ecb() -> None:
    body = '  void f() throws Exception { Cipher.getInstance("AES"); }'
    assert assets(body) == [(5, "AES-ECB", ())]


def test_a_generator_never_initialised_has_an_unknown_key_size() -> None:
    body = '  void f() throws Exception { KeyPairGenerator.getInstance("RSA"); }'
    assert assets(body) == [(5, "RSA", ("key size",))]


def test_an_algorithm_from_a_parameter_is_unknown() -> None:
    body = "  void f(String name) throws Exception { Cipher.getInstance(name); }"
    assert assets(body) == [(5, "unknown", ("algorithm",))]


def test_without_an_import_cipher_is_some_other_class() -> None:
    code = b'class A { void f() { Cipher.getInstance("DES"); } }\n'
    assert scan_java(code).assets == []


def test_a_nested_class_shadows_the_import_only_inside_its_outer_class() -> None:
    body = (
        '  void f() throws Exception { Cipher.getInstance("DES"); }\n'
        "}\n"
        "class B {\n"
        "  static class Cipher { static Object getInstance(String s) { return s; } }\n"
        '  void g() { Cipher.getInstance("DES"); }'
    )
    assert [line for line, _, _ in assets(body)] == [5]


def test_deep_nesting_is_reported_not_crashed() -> None:
    body = "  int x = " + "(" * 5000 + "1" + ")" * 5000 + ";"
    code = HEADER + "class A {\n" + body + "\n}\n"
    assert scan_java(code.encode()).stopped == "expressions nested too deeply for the scanner"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_never_crash(data: bytes) -> None:
    scan_java(HEADER.encode() + data)
