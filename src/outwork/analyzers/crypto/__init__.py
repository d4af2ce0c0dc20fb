"""The crypto analyzer (CRY): a cryptographic inventory with quantum risk and migration dates.

It reads Python source by syntax tree and records every use of cryptography it recognises
(hashlib, hmac, secrets, ``random`` used for secrets, ssl, pyca/cryptography, PyCryptodome,
PyNaCl, paramiko, PyJWT/python-jose/authlib, pyOpenSSL, passlib/bcrypt/argon2) with its
parameters; it reads certificates, keys, key stores, OpenSSH key lists and JWKs
(:mod:`.files`), TLS and SSH configuration (:mod:`.configs`), and JavaScript/TypeScript by
tree-sitter (node:crypto, WebCrypto, tls, jsonwebtoken, node-forge, crypto-js:
:mod:`.jssource`). Each asset is classified by the
versioned table in ``data/algorithms.toml`` (:mod:`.policy`), checked by the rules, and
listed as a ``cryptographic-asset`` component for the CycloneDX CBOM.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from outwork.analyzers.crypto.analysis import judge
from outwork.analyzers.crypto.configs import is_config, read_config
from outwork.analyzers.crypto.files import DER_SUFFIXES, MAX_FILE_BYTES, SSH_LIST_NAMES, read_file
from outwork.analyzers.crypto.jssource import scan_javascript
from outwork.analyzers.crypto.model import in_test_code
from outwork.analyzers.crypto.pysource import scan_source
from outwork.analyzers.crypto.rules.unreadable import Material, UnreadableCryptoMaterial
from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted, rules_in
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import finding
from outwork.core.rules import Layer

#: Largest Python module read; larger ones are reported, not parsed.
MAX_SOURCE_BYTES = 4 * 1024 * 1024
#: Scripts that mention none of these bytes use no API the layer knows: not parsed.
_SCRIPT_HINTS = (
    b"crypto",
    b"CryptoJS",
    b"forge",
    b"jsonwebtoken",
    b"minVersion",
    b"maxVersion",
    b"secureProtocol",
    b"Math.random",
)
#: Bytes of a JSON or text file read to decide whether it holds keys or certificates.
PROBE = 64 * 1024
#: Modules that mention none of these bytes use no library the layer knows: not parsed.
_SOURCE_HINTS = (
    b"hashlib",
    b"hmac",
    b"secrets",
    b"random",
    b"ssl",
    b"cryptography",
    b"Crypto",
    b"nacl",
    b"paramiko",
    b"jwt",
    b"jose",
    b"OpenSSL",
    b"passlib",
    b"bcrypt",
    b"argon2",
    b"urandom",
)


def _crypto_file(artifact: Artifact) -> bool:
    """Certificates, keys and key lists that classification did not call PEM or DER, and TLS
    and SSH configuration."""
    name = artifact.name.lower()
    if artifact.kind in (Kind.TEXT, Kind.YAML, Kind.TOML) and is_config(name, artifact.read(PROBE)):
        return True
    if name in SSH_LIST_NAMES or name.endswith(".pub"):
        return True
    if artifact.kind is Kind.BINARY:
        return name.endswith(DER_SUFFIXES)
    if artifact.kind is Kind.JSON:
        return name.endswith((".jwk", ".jwks")) or b'"kty"' in artifact.read(PROBE)
    if artifact.kind is Kind.TEXT:
        return b"-----BEGIN " in artifact.read(PROBE)
    return False


class CryptoAnalyzer(Analyzer):
    """Inventories cryptography and judges it against classical and quantum attackers."""

    name = "crypto"
    version = "2"
    layer = Layer.CRY
    kinds = frozenset({Kind.PYTHON, Kind.JAVASCRIPT, Kind.PEM, Kind.DER})
    rules = rules_in("outwork.analyzers.crypto.rules")

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind in self.kinds:
            return True
        return _crypto_file(artifact)

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        if artifact.kind is Kind.PYTHON:
            return self._python(artifact)
        if artifact.kind is Kind.JAVASCRIPT:
            return self._javascript(artifact)
        if artifact.kind not in (Kind.PEM, Kind.DER) and is_config(
            artifact.name, artifact.read(PROBE)
        ):
            return self._config(artifact)
        return self._file(artifact)

    def _config(self, artifact: Artifact) -> Iterator[Emitted]:
        if artifact.size > MAX_FILE_BYTES:
            yield finding(
                UnreadableCryptoMaterial,
                f"configuration of {artifact.size} bytes is larger than the crypto layer reads"
                f" ({MAX_FILE_BYTES}); not inventoried",
                severity=UnreadableCryptoMaterial.severity_in(Material.KEY_OR_CERTIFICATE),
            )
            return
        assets = read_config(artifact.name, artifact.text())
        yield from judge(assets, in_tests=in_test_code(artifact.member_path))

    def _javascript(self, artifact: Artifact) -> Iterator[Emitted]:
        if artifact.size > MAX_SOURCE_BYTES:
            yield finding(
                UnreadableCryptoMaterial,
                f"script of {artifact.size} bytes is larger than the crypto layer reads"
                f" ({MAX_SOURCE_BYTES}); its cryptography is not inventoried",
                severity=UnreadableCryptoMaterial.severity_in(Material.SOURCE),
            )
            return
        data = artifact.read()
        if not any(hint in data for hint in _SCRIPT_HINTS):
            return
        result = scan_javascript(data)
        if result.stopped:
            yield finding(
                UnreadableCryptoMaterial,
                f"scan stopped: {result.stopped}; its cryptography is not inventoried",
                severity=UnreadableCryptoMaterial.severity_in(Material.SOURCE),
            )
        yield from judge(result.assets, in_tests=in_test_code(artifact.member_path))

    def _file(self, artifact: Artifact) -> Iterator[Emitted]:
        severity = UnreadableCryptoMaterial.severity_in(Material.KEY_OR_CERTIFICATE)
        if artifact.size > MAX_FILE_BYTES:
            yield finding(
                UnreadableCryptoMaterial,
                f"{artifact.size} bytes is larger than the crypto layer reads from a certificate"
                f" or key file ({MAX_FILE_BYTES}); not inventoried",
                severity=severity,
            )
            return
        result = read_file(artifact.member_path, artifact.read())
        for what, why in result.problems:
            yield finding(
                UnreadableCryptoMaterial,
                f"{what}: {why}",
                logical=what,
                severity=severity,
                evidence=why,
            )
        yield from judge(result.assets, in_tests=in_test_code(artifact.member_path))

    def _python(self, artifact: Artifact) -> Iterator[Emitted]:
        if artifact.size > MAX_SOURCE_BYTES:
            yield finding(
                UnreadableCryptoMaterial,
                f"module of {artifact.size} bytes is larger than the crypto layer reads"
                f" ({MAX_SOURCE_BYTES}); its cryptography is not inventoried",
                severity=UnreadableCryptoMaterial.severity_in(Material.SOURCE),
            )
            return
        data = artifact.read()
        if not any(hint in data for hint in _SOURCE_HINTS):
            return
        try:
            result = scan_source(data.decode("utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            return  # not Python 3 the parser takes: the packages layer says so
        except (RecursionError, MemoryError):
            yield finding(
                UnreadableCryptoMaterial,
                "module nested too deeply for the parser; its cryptography is not inventoried",
                severity=UnreadableCryptoMaterial.severity_in(Material.SOURCE),
            )
            return
        if result.stopped:
            yield finding(
                UnreadableCryptoMaterial,
                f"scan stopped: {result.stopped}; its cryptography is not inventoried",
                severity=UnreadableCryptoMaterial.severity_in(Material.SOURCE),
            )
        yield from judge(result.assets, in_tests=in_test_code(artifact.member_path))
