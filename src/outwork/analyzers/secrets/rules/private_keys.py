"""SEC002: private keys of every PEM, OpenSSH, PGP and PuTTY type."""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.secrets import formats
from outwork.analyzers.secrets.table import Detector, Exposure, on_secret
from outwork.core.rules import Confidence, Layer, Rule, Severity


class PrivateKey(Rule):
    """A private key (PEM, OpenSSH, PGP or PuTTY) is written in a file.

    ## What it finds
    `-----BEGIN ... PRIVATE KEY-----` blocks of every type (PKCS#1 RSA, SEC1 EC, DSA, PKCS#8,
    encrypted PKCS#8, OpenSSH, PGP, SSH2), also inside JSON strings with `\\n` escapes, and
    PuTTY `.ppk` keys. The block is parsed with pyca cryptography: a body that is not a key
    (`MIIE...`, a truncated example) is not reported; an encrypted key is reported lower.

    ## Why it matters
    A private key is a server's or a signer's identity: whoever copies it can log in over SSH,
    decrypt recorded TLS traffic, or sign releases and commits as its owner.

    ## Example
    ```text
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW...
    -----END OPENSSH PRIVATE KEY-----
    ```

    ## Remediation
    Treat the key as compromised: revoke it (remove it from `authorized_keys`, revoke the
    certificate, rotate the signing key), then keep private keys out of source trees and
    artifacts (a secret manager, an SSH agent, a hardware token).

    ## References
    - https://datatracker.ietf.org/doc/html/rfc7468
    - CWE-321: Use of Hard-coded Cryptographic Key
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "SEC002"
    name = "private-key-in-file"
    layer = Layer.SEC
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (321, 798)
    quotes_source = False
    attack = ("T1552.004",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.CHECKED: Severity.CRITICAL,
        Exposure.SHAPED: Severity.HIGH,
        Exposure.WEAKENED: Severity.MEDIUM,
        Exposure.TEST: Severity.MEDIUM,
        Exposure.FAKE: Severity.LOW,
    }


def putty_key(text: str) -> formats.Structure | None:
    """A PuTTY key file: its private lines must be base64; ``Encryption: none`` is usable as
    is."""
    match = re.search(r"Encryption:\s*(\S+)", text)
    lines = re.search(r"Private-Lines:[ \t]*\d+[ \t]*\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)", text)
    if match is None or lines is None:
        return None
    try:
        raw = base64.b64decode("".join(lines.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 16:
        return None
    algorithm = re.search(r"PuTTY-User-Key-File-\d:\s*(\S+)", text)
    identity = {"key_algorithm": algorithm.group(1)} if algorithm else {}
    encrypted = match.group(1).lower() != "none"
    return formats.Structure(
        "PuTTY private key",
        checked=True,
        identity=identity,
        weakened="encrypted with a passphrase" if encrypted else "",
    )


_LABELS = r"(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |SSH2 ENCRYPTED )?PRIVATE KEY|PGP PRIVATE KEY BLOCK"

DETECTORS = (
    Detector(
        "private-key",
        "PEM",
        PrivateKey,
        re.compile(
            rf"(?P<secret>-----BEGIN (?P<label>{_LABELS})-----[\s\S]{{32,20000}}?"
            r"-----END (?P=label)-----)"
        ),
        ("private key-----", "private key block-----"),
        on_secret(formats.private_key),
        reach=20_500,
        lookback=40,
    ),
    Detector(
        "putty-private-key",
        "PuTTY",
        PrivateKey,
        re.compile(
            r"(?P<secret>PuTTY-User-Key-File-[23]:[^\n]{1,80}\n(?:[A-Za-z-]+:[^\n]{0,200}\n"
            r"(?:[A-Za-z0-9+/=]{1,100}\n){0,64}){1,12})"
        ),
        ("putty-user-key-file-",),
        on_secret(putty_key),
        reach=12_000,
    ),
)
