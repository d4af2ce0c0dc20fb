"""Public-key sizes below today's minimum, and public-key cryptography a quantum computer breaks."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.crypto.model import Asset, AssetType
from outwork.analyzers.crypto.policy import Status, Verdict, row
from outwork.analyzers.crypto.rules.base import check, raise_on
from outwork.core.findings import Finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Strength(enum.Enum):
    """Classical security of a quantum-vulnerable key: it sets its NIST IR 8547 dates."""

    BITS_112 = "112-bit (RSA-2048, DH-2048, P-224): deprecated after 2030"
    BITS_128_PLUS = "128-bit or more (RSA-3072+, P-256+, Ed25519): disallowed after 2035"
    UNKNOWN = "key size not resolved"


class ShortKey(Rule):
    """An RSA, DSA or Diffie-Hellman key is shorter than 2048 bits, or an elliptic curve smaller
    than 224 bits.

    ## What it finds

    Key generation with a size below NIST's minimum (``rsa.generate_private_key(65537, 1024)``,
    ``RSA.generate(1024)``, ``paramiko.DSSKey.generate()``, ``ec.SECP192R1()``), with sizes
    folded from constants that flow locally, and certificates and key files carrying such keys.

    ## Why it matters

    RSA-768 was factored in 2009 and 1024-bit RSA and DH are within reach of well-funded
    attackers (Logjam); NIST disallowed keys below 112 bits of security after 2013.

    ## Example

    ```python
    KEY_BITS = 1024
    rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    ```

    ## Remediation

    Generate RSA keys of 3072 bits or more, or Ed25519 / P-256 keys; plan the move to ML-DSA and
    ML-KEM (FIPS 203/204) before 2030.

    ## References

    - NIST SP 800-131A Rev. 2, section 2 and 3
    - NIST SP 800-57 Part 1 Rev. 5, Table 2
    - https://weakdh.org/
    """

    code = "CRY005"
    name = "short-public-key"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (326,)


class QuantumVulnerable(Rule):
    """RSA, ECDSA, EdDSA, ECDH or finite-field DH: broken by a quantum computer, with a NIST
    deadline.

    ## What it finds

    Every use of quantum-vulnerable public-key cryptography in code, certificates and keys, with
    its NIST IR 8547 dates: 112-bit keys (RSA-2048, DH-2048) are deprecated after 2030 and every
    quantum-vulnerable key is disallowed after 2035; CNSA 2.0 wants quantum-resistant signatures
    in national-security systems by 2030 and key establishment by 2033. The finding is the
    inventory's to-do list: low for 112-bit keys, informational for stronger ones, so ordinary
    software that uses standard RSA or elliptic curves stays quiet.

    ## Why it matters

    Harvest now, decrypt later: traffic recorded today under RSA or (EC)DH key exchange is
    readable once a cryptographically relevant quantum computer exists, and signatures made
    with these keys can then be forged. Migration takes years; it starts with the inventory.

    ## Example

    ```python
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)   # low: 2030
    ```

    ## Remediation

    Plan the move to ML-KEM (FIPS 203) for key establishment, hybrid X25519MLKEM768 in TLS, and
    ML-DSA (FIPS 204) or SLH-DSA (FIPS 205) for signatures; keep the algorithms swappable.

    ## References

    - NIST IR 8547 (initial public draft), Transition to Post-Quantum Cryptography Standards
    - NSA, Commercial National Security Algorithm Suite 2.0
    - FIPS 203, FIPS 204, FIPS 205
    """

    code = "CRY008"
    name = "quantum-vulnerable-public-key"
    layer = Layer.CRY
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (327,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Strength.BITS_112: Severity.LOW,
        Strength.BITS_128_PLUS: Severity.INFO,
        Strength.UNKNOWN: Severity.INFO,
    }


@check
def check_keys(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    entry = row(asset.algorithm)
    if asset.asset_type is AssetType.PROTOCOL or entry is None or asset.material == "signature":
        return  # a certificate's signature is the issuer's key, inventoried where it is
    if entry.status != "quantum-vulnerable":
        return
    if verdict.status is Status.BROKEN:
        yield raise_on(ShortKey, asset, verdict, f"{asset.label}: {verdict.reason}")
        return
    if verdict.classical_bits == 112:
        strength = Strength.BITS_112
    elif verdict.classical_bits:
        strength = Strength.BITS_128_PLUS
    else:
        strength = Strength.UNKNOWN
    yield raise_on(
        QuantumVulnerable,
        asset,
        verdict,
        f"{asset.label} is quantum-vulnerable: {verdict.deadline}",
        severity=QuantumVulnerable.severity_in(strength),
    )
