"""Classically broken hashes and ciphers, ECB mode and constant IVs."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.crypto.model import Asset, Purpose
from outwork.analyzers.crypto.policy import Status, Verdict, row
from outwork.analyzers.crypto.rules.base import check, raise_on
from outwork.core.findings import Finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Hashes whose collisions are practical.
BROKEN_HASHES = frozenset({"MD2", "MD4", "MD5", "SHA-1"})
#: Block modes that leak the structure of the plaintext.
ECB = "ECB"


class BrokenHash(Rule):
    """MD5, SHA-1, MD4 or MD2 is used where collisions matter.

    ## What it finds

    A call to a hash with practical collisions (MD5, SHA-1, MD4, MD2) in source code, a
    certificate signed with one, or a signature, password hash or MAC built on one. The severity
    follows what the hash is for: signing (a signing API, a certificate) and password storage are
    high; an HMAC over MD5, or a value named as a signature or checksum, is medium; a hash that
    derives a token or nonce (collisions do not help there) or whose purpose the code does not
    state is low; a hash marked
    ``usedforsecurity=False``, used as a cache or lookup key, or the self-signature of a root
    certificate is recorded in the inventory and raises nothing.

    ## Why it matters

    Chosen-prefix collisions for MD5 (2008: a rogue CA certificate) and SHA-1 (2020: "SHA-1 is a
    Shambles") let an attacker make two documents, certificates or packages with one signature.
    Fast unsalted hashes store passwords that GPUs crack at billions of guesses a second.

    ## Example

    ```python
    signature = private_key.sign(data, padding.PKCS1v15(), hashes.SHA1())   # high
    password_hash = hashlib.md5(password).hexdigest()                        # high
    etag = hashlib.md5(body, usedforsecurity=False).hexdigest()              # recorded only
    ```

    ## Remediation

    Sign with SHA-256 or stronger (SHA-384 for CNSA 2.0); store passwords with Argon2id, scrypt
    or bcrypt; where a hash is not for security, say so with ``usedforsecurity=False``.

    ## References

    - RFC 6151, Updated Security Considerations for MD5
    - NIST SP 800-131A Rev. 2, Transitioning the Use of Cryptographic Algorithms and Key Lengths
    - https://sha-mbles.github.io/
    """

    code = "CRY001"
    name = "broken-hash-algorithm"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (328, 327)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Purpose.SIGNATURE: Severity.HIGH,
        Purpose.PASSWORD: Severity.HIGH,
        Purpose.SECRET: Severity.LOW,
        Purpose.ENCRYPTION: Severity.HIGH,
        Purpose.INTEGRITY: Severity.MEDIUM,
        Purpose.UNKNOWN: Severity.LOW,
    }


class BrokenCipher(Rule):
    """A classically broken cipher (DES, 3DES, RC4, RC2, Blowfish, CAST5, IDEA) encrypts data.

    ## What it finds

    Encryption with a cipher whose key is too short (DES) or whose 64-bit block or biased
    keystream makes it attackable in practice (3DES, Blowfish, CAST5, IDEA, RC2, RC4), in
    pyca/cryptography, PyCryptodome and the other libraries the layer reads.

    ## Why it matters

    DES keys fall to exhaustive search in hours; Sweet32 recovers plaintext from 64-bit block
    ciphers after a few hundred gigabytes under one key; RC4's keystream biases recover
    cookies. NIST disallowed 3DES for encryption after 2023.

    ## Example

    ```python
    cipher = Cipher(algorithms.TripleDES(key), modes.CBC(iv))
    ```

    ## Remediation

    Encrypt with AES-256-GCM or ChaCha20-Poly1305; decrypt legacy data once and re-encrypt it.

    ## References

    - NIST SP 800-131A Rev. 2
    - https://sweet32.info/
    - RFC 7465, Prohibiting RC4 Cipher Suites
    """

    code = "CRY002"
    name = "broken-cipher-algorithm"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (327,)


class EcbMode(Rule):
    """A block cipher runs in ECB mode.

    ## What it finds

    A block cipher (AES, 3DES...) set to Electronic Codebook mode: ``modes.ECB()``,
    ``AES.MODE_ECB`` or its number (``AES.new(key, 1)``).

    ## Why it matters

    ECB encrypts equal blocks to equal ciphertext, so the structure of the plaintext shows
    through (the ECB penguin) and blocks can be cut and pasted between messages.

    ## Example

    ```python
    AES.new(key, AES.MODE_ECB).encrypt(data)
    ```

    ## Remediation

    Use an authenticated mode: AES-GCM (with a fresh nonce per message) or AES-GCM-SIV.

    ## References

    - NIST SP 800-38A
    - CWE-327
    """

    code = "CRY003"
    name = "ecb-mode"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (327,)


class StaticIv(Rule):
    """A cipher's IV or nonce is a constant in the code.

    ## What it finds

    An initialisation vector or nonce that folds to a constant (``b"\\0" * 16``, a module
    constant, a literal) passed to a CBC, CTR, GCM, CCM or other IV-based mode, or to an AEAD's
    ``encrypt``.

    ## Why it matters

    A repeated nonce in CTR or GCM gives away the XOR of two plaintexts and, for GCM, the
    authentication key; a fixed CBC IV leaks which messages share a prefix.

    ## Example

    ```python
    IV = b"\\x00" * 16
    Cipher(algorithms.AES(key), modes.CBC(IV))
    ```

    ## Remediation

    Draw a fresh IV or nonce for every message (``os.urandom(12)`` for GCM) and send it beside
    the ciphertext.

    ## References

    - NIST SP 800-38D, section 8
    - CWE-329, CWE-1204
    """

    code = "CRY004"
    name = "static-iv-or-nonce"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (329, 1204)


@check
def check_weak_algorithms(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    yield from _hash(asset, verdict)
    entry = row(asset.algorithm)
    if (
        entry is not None
        and entry.primitive in ("block-cipher", "stream-cipher")
        and verdict.status is Status.BROKEN
        and entry.status == "broken"
    ):
        yield raise_on(
            BrokenCipher, asset, verdict, f"{asset.label} encrypts data: {verdict.reason}"
        )
    if asset.mode == ECB:
        yield raise_on(
            EcbMode,
            asset,
            verdict,
            f"{asset.label}: ECB mode shows the structure of the plaintext",
            remediation="Use AES-GCM with a fresh nonce per message.",
        )
    if asset.static_iv:
        yield raise_on(
            StaticIv,
            asset,
            verdict,
            f"{asset.label}: the IV or nonce is a constant in the code",
            remediation="Draw a fresh IV or nonce per message (os.urandom) and send it along.",
        )


def _hash(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    inner = asset.hash if asset.hash in BROKEN_HASHES and asset.hash != asset.algorithm else None
    if asset.algorithm in BROKEN_HASHES:
        purpose = asset.purpose
        name = asset.algorithm
    elif inner is not None and (
        asset.primitive == "signature" or asset.purpose is Purpose.SIGNATURE
    ):
        signs = asset.purpose is Purpose.NON_SECURITY
        purpose, name = (Purpose.NON_SECURITY if signs else Purpose.SIGNATURE), inner
    elif inner is not None and asset.primitive in ("mac", "kdf") and inner != "SHA-1":
        # HMAC-SHA1 and PBKDF2-SHA1 still stand; over MD5 or MD4 they have no margin left
        purpose, name = Purpose.INTEGRITY, inner
    else:
        return
    if purpose is Purpose.NON_SECURITY:
        return
    why = f" ({asset.purpose_reason})" if asset.purpose_reason else ""
    yield raise_on(
        BrokenHash,
        asset,
        verdict,
        f"{name} used for {purpose.value}{why}: practical collisions",
        severity=BrokenHash.severity_in(purpose),
        remediation="Use SHA-256 or stronger (SHA-384 for CNSA 2.0); for passwords Argon2id,"
        " scrypt or bcrypt; mark hashes that are not for security usedforsecurity=False.",
    )
