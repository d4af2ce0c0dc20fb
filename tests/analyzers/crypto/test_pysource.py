"""The Python scanner: parameters folded from local constants, unknowns recorded, purposes."""

from __future__ import annotations

import contextlib
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.crypto.model import Purpose
from outwork.analyzers.crypto.pysource import imports_known_module, scan_source


def assets(code: str):
    return scan_source(textwrap.dedent(code)).assets


def test_key_size_flows_from_a_module_constant_through_arithmetic() -> None:
    found = assets(
        """
        from cryptography.hazmat.primitives.asymmetric import rsa
        BASE = 1024
        BITS = BASE * 3
        def make():
            return rsa.generate_private_key(public_exponent=65537, key_size=BITS)
        """
    )
    assert [(a.algorithm, a.key_size, a.line) for a in found] == [("RSA", 3072, 6)]


def test_a_parameter_is_unknown_never_guessed() -> None:
    (asset,) = assets(
        """
        from cryptography.hazmat.primitives.asymmetric import rsa
        def make(bits):
            return rsa.generate_private_key(65537, bits)
        """
    )
    assert asset.key_size is None
    assert asset.unknown == ("key size",)


def test_a_name_assigned_twice_with_different_values_is_unknown() -> None:
    (asset,) = assets(
        """
        from Crypto.PublicKey import RSA
        BITS = 1024
        if FAST:
            BITS = 4096
        RSA.generate(BITS)
        """
    )
    assert asset.key_size is None and asset.unknown == ("key size",)


def test_an_unresolved_hash_name_is_recorded_as_unknown() -> None:
    (asset,) = assets("import hashlib\ndef h(name, d):\n    return hashlib.new(name, d)\n")
    assert asset.algorithm == "unknown" and "algorithm" in asset.unknown


def test_aliases_and_cryptodome_resolve() -> None:
    found = assets(
        """
        import hashlib as hl
        from Cryptodome.Cipher import AES as A
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        import os
        hl.sha384(b"x")
        A.new(os.urandom(16), A.MODE_GCM)
        Cipher(algorithms.AES(os.urandom(32)), modes.GCM(os.urandom(12)))
        """
    )
    assert [a.label for a in found] == ["SHA-384", "AES-128-GCM", "AES-256-GCM"]
    assert not any(a.static_iv for a in found)


def test_usedforsecurity_false_and_cache_keys_are_recorded_not_security() -> None:
    found = assets(
        """
        import hashlib
        def f(body, cache):
            etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
            return cache[hashlib.sha1(body).hexdigest()]
        """
    )
    assert [a.purpose for a in found] == [Purpose.NON_SECURITY, Purpose.NON_SECURITY]


def test_a_hash_given_to_sign_is_for_a_signature_whatever_its_name() -> None:
    (asset,) = assets(
        """
        from cryptography.hazmat.primitives import hashes
        def f(key, cache_entry):
            cache_entry.sig = key.sign(b"x", hashes.MD5())
        """
    )
    assert asset.purpose is Purpose.SIGNATURE


def test_jose_algorithm_lists_give_one_asset_each() -> None:
    found = assets(
        """
        import jwt
        def check(token, key):
            return jwt.decode(token, key, algorithms=["RS256", "ES384", "none"])
        """
    )
    assert [(a.algorithm, a.hash, a.curve) for a in found] == [
        ("RSA", "SHA-256", None),
        ("ECDSA", "SHA-384", "P-384"),
        ("none", None, None),
    ]


def test_passlib_context_schemes() -> None:
    found = assets(
        """
        from passlib.context import CryptContext
        ctx = CryptContext(schemes=["argon2", "md5_crypt"])
        """
    )
    assert [a.algorithm for a in found] == ["Argon2", "crypt-MD5"]
    assert {a.purpose for a in found} == {Purpose.PASSWORD}


def test_random_outside_secrets_is_not_an_asset() -> None:
    assert assets("import random\nx = random.choice([1, 2])\n") == []


def test_deep_nesting_raises_what_the_analyzer_catches() -> None:
    with contextlib.suppress(SyntaxError, RecursionError, ValueError):
        scan_source("import hashlib\nx = " + "(" * 100 + "1" + ")" * 100 + "\n")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_crashes_the_scanner(text: str) -> None:
    source = "import hashlib, ssl\nfrom cryptography.hazmat.primitives import hashes\n" + text
    with contextlib.suppress(SyntaxError, ValueError, RecursionError):
        scan_source(source)


@pytest.mark.parametrize(
    "code",
    [
        "import hashlib\nhashlib.md5(b'x')\n",
        "import numpy as np, hashlib as h\nh.md5(b'x')\n",
        "if True: import hashlib\nhashlib.md5(b'x')\n",
        "x = 1; import hashlib\nhashlib.md5(b'x')\n",
        "import \\\n    hashlib\nhashlib.md5(b'x')\n",
        "from \\\n  hashlib import md5\nmd5(b'x')\n",
        "def f():\n    from Cryptodome.Cipher import DES\n"
        "    return DES.new(b'k' * 8, DES.MODE_ECB)\n",
        "import os\nkey = os.urandom(16)\n",
    ],
)
def test_the_import_prefilter_keeps_every_module_with_assets(code: str) -> None:
    assert scan_source(code).assets, "the case must have an asset"
    assert imports_known_module(code.encode())


@pytest.mark.parametrize(
    "code", ["import os\nos.path.join('a')\n", "import numpy\n'import hashlib'\n", ""]
)
def test_the_import_prefilter_skips_modules_without_known_imports(code: str) -> None:
    assert not imports_known_module(code.encode())
    assert not scan_source(code).assets
