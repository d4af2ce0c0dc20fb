"""The crypto analyzer (CRY): a cryptographic inventory with quantum risk and migration dates.

It reads Python source by syntax tree and records every use of cryptography it recognises
(hashlib, hmac, secrets, ``random`` used for secrets, ssl, pyca/cryptography, PyCryptodome,
PyNaCl, paramiko, PyJWT/python-jose/authlib, pyOpenSSL, passlib/bcrypt/argon2) with its
parameters; it reads certificates, keys, key stores, OpenSSH key lists and JWKs
(:mod:`.files`), TLS and SSH configuration (:mod:`.configs`), and JavaScript/TypeScript by
tree-sitter (node:crypto, WebCrypto, tls, jsonwebtoken, node-forge, crypto-js:
:mod:`.jssource`), Go (``crypto/*``, ``golang.org/x/crypto``: :mod:`.gosource`) and Java (JCA/JCE,
BouncyCastle: :mod:`.javasource`) by tree-sitter too. Each asset is classified by the
versioned table in ``data/algorithms.toml`` (:mod:`.policy`), checked by the rules, and
listed as a ``cryptographic-asset`` component for the CycloneDX CBOM.
"""

from __future__ import annotations

from outwork.analyzers.crypto.sniff import DER_SUFFIXES, SSH_LIST_NAMES, is_config
from outwork.core.analyzer import Analyzer, rules_in
from outwork.core.artifact import Artifact, Kind
from outwork.core.rules import Layer

#: Bytes of a JSON or text file read to decide whether it holds keys or certificates.
PROBE = 64 * 1024
#: Go and Java source, read by syntax tree by name (a Java file's imports can make the text
#: classifier call it Python or JavaScript; its name says how it is compiled).
SOURCE_SUFFIXES = (".go", ".java")
SOURCE_KINDS = frozenset({Kind.TEXT, Kind.PYTHON, Kind.JAVASCRIPT})


def _crypto_file(artifact: Artifact) -> bool:
    """Certificates, keys and key lists that classification did not call PEM or DER, and TLS
    and SSH configuration."""
    name = artifact.name.lower()
    if artifact.kind in SOURCE_KINDS and name.endswith(SOURCE_SUFFIXES):
        return True
    if artifact.kind in (Kind.TEXT, Kind.YAML, Kind.TOML) and is_config(name, artifact.read(PROBE)):
        return True
    if name in SSH_LIST_NAMES or name.endswith(".pub"):
        return True
    if artifact.kind is Kind.BINARY:
        return name.endswith(DER_SUFFIXES)
    if artifact.kind is Kind.JSON:
        return name.endswith((".jwk", ".jwks")) or b'"kty"' in artifact.read(PROBE)
    if artifact.kind is Kind.TEXT:
        head = artifact.read(PROBE)
        return (
            b"-----BEGIN " in head
            or head.startswith(b"PuTTY-User-Key-File-")
            or b"---- BEGIN SSH2 PUBLIC KEY ----" in head[:4096]
        )
    return False


class CryptoAnalyzer(Analyzer):
    """Inventories cryptography and judges it against classical and quantum attackers."""

    name = "crypto"
    version = "3"
    layer = Layer.CRY
    kinds = frozenset({Kind.PYTHON, Kind.JAVASCRIPT, Kind.PEM, Kind.DER})
    rules = rules_in("outwork.analyzers.crypto.rules")
    implementation = "outwork.analyzers.crypto.artifacts"

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind in self.kinds:
            return True
        return _crypto_file(artifact)
