"""Cryptographic material the layer could not read."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.core.rules import Confidence, Layer, Rule, Severity


class Material(enum.Enum):
    SOURCE = "source code past the scan's budget"
    KEY_OR_CERTIFICATE = "a certificate, key or key store that does not parse or is too large"


class UnreadableCryptoMaterial(Rule):
    """A certificate, key or source file could not be inventoried.

    ## What it finds

    A file that says it is a certificate, key, key store or JWK (by its PEM armour, its ASN.1
    header or its name) but does not parse, is encrypted without a password to try, or exceeds
    the layer's budget; and source code too large or too deeply nested for the budget.

    ## Why it matters

    An inventory with silent holes is worse than none: an attacker who knows what the scanner
    skips puts the weak key there. What was not read is said.

    ## Example

    ```text
    -----BEGIN CERTIFICATE-----
    (truncated base64)
    ```

    ## Remediation

    Check the file: repair or remove a broken certificate; inventory password-protected key
    stores with their owner.

    ## References

    - DESIGN.md, principle 2: fail closed
    - CWE-1059
    """

    code = "CRY010"
    name = "unreadable-crypto-material"
    layer = Layer.CRY
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    cwe = (1059,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Material.SOURCE: Severity.INFO,
        Material.KEY_OR_CERTIFICATE: Severity.LOW,
    }
