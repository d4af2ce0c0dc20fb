"""Certificates, keys and key stores in files, parsed with pyca/cryptography.

X.509 certificates and chains (PEM, DER, PKCS#7), PKCS#12 stores that open without a password,
private and public keys (PEM, DER, OpenSSH), PuTTY private keys (PPK v2 and v3: the key from the
public blob, which is never encrypted, and how the private half is protected) and SSH2 public
keys (RFC 4716), ``known_hosts`` and ``authorized_keys`` lines, certificate requests, DH
parameters and JWK / JWKS documents. Every file is bounded in bytes and
objects; what does not parse, is password-protected or exceeds a budget is returned as a
problem, never dropped. Nothing is trusted: parsing reads the structure, it never verifies or
uses a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from outwork.analyzers.crypto.model import Asset, AssetType, Purpose
from outwork.analyzers.crypto.policy import algorithm_name, curve_name, row, table
from outwork.analyzers.crypto.sniff import DER_SUFFIXES, SSH_LIST_NAMES

#: Largest certificate, key or JWK file read.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Certificates, keys and lines taken from one file.
MAX_OBJECTS = 10_000

_PEM_RE = re.compile(
    rb"-----BEGIN (?P<label>[A-Z0-9 #]{1,64})-----\r?\n(?P<body>.*?)-----END (?P=label)-----",
    re.S,
)
_SSH_KEY_RE = re.compile(
    rb"(?:^|\s)(?P<type>ssh-rsa|ssh-dss|ssh-ed25519|ssh-ed448|ecdsa-sha2-nistp(?:256|384|521)"
    rb"|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)"
    rb"\s+(?P<blob>[A-Za-z0-9+/]+={0,3})(?:\s|$)"
)


@dataclass(slots=True)
class FileResult:
    assets: list[Asset] = field(default_factory=list)
    #: (what, why) for each object that could not be inventoried.
    problems: list[tuple[str, str]] = field(default_factory=list)


def _oid_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for name, entry in table().algorithms.items():
        if entry.oid and entry.primitive in ("signature", "pke", "kem", "key-agree"):
            names.setdefault(entry.oid, name)
    # ML-DSA and SLH-DSA parameter sets, ML-KEM parameter sets (FIPS 203/204/205, CSOR)
    names.update({f"2.16.840.1.101.3.4.3.{n}": "ML-DSA" for n in (17, 18, 19)})
    names.update({f"2.16.840.1.101.3.4.3.{n}": "SLH-DSA" for n in range(20, 32)})
    names.update({f"2.16.840.1.101.3.4.4.{n}": "ML-KEM" for n in (1, 2, 3)})
    return names


_OID_NAMES = _oid_names()


def key_facts(key: object) -> tuple[str, int | None, str | None, str | None]:
    """(algorithm, key size, curve, parameter set) of a public or private key object."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA", key.key_size, None, None
    # DSA and finite-field DH by class name: pyca deprecates naming their types
    legacy = re.match(r"(DSA|DH)(Public|Private)Key$", type(key).__name__)
    if legacy:
        size = getattr(key, "key_size", None)
        return legacy.group(1), size if isinstance(size, int) else None, None, None
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return "ECDSA", key.curve.key_size, curve_name(key.curve.name) or key.curve.name, None
    for types, name in (
        ((ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey), "Ed25519"),
        ((ed448.Ed448PublicKey, ed448.Ed448PrivateKey), "Ed448"),
        ((x25519.X25519PublicKey, x25519.X25519PrivateKey), "X25519"),
        ((x448.X448PublicKey, x448.X448PrivateKey), "X448"),
    ):
        if isinstance(key, types):
            return name, None, None, None
    # ML-DSA and ML-KEM keys (pyca/cryptography 47 and later), by class: MLDSA65PublicKey
    match = re.match(r"(MLDSA|MLKEM)(\d+)(Public|Private)Key$", type(key).__name__)
    if match:
        family = "ML-DSA" if match.group(1) == "MLDSA" else "ML-KEM"
        return family, None, None, f"{family}-{match.group(2)}"
    return "unknown", None, None, None


def spki_sha256(key: object) -> str | None:
    """The SHA-256 of a key's SubjectPublicKeyInfo (of its public half for a private key): the
    id that joins a key file, a certificate and a live endpoint presenting it."""
    public = key.public_key() if hasattr(key, "public_key") else key
    try:
        der = public.public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (AttributeError, ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return hashlib.sha256(der).hexdigest()


def _material(kind: str, key: object, api: str, details: dict[str, str]) -> Asset:
    algorithm, size, curve, parameter_set = key_facts(key)
    fingerprint = spki_sha256(key)
    if fingerprint is not None:
        details = {**details, "spkiSha256": fingerprint}
    entry = row(algorithm)
    return Asset(
        asset_type=AssetType.MATERIAL,
        algorithm=algorithm,
        primitive=entry.primitive if entry else "unknown",
        api=api,
        key_size=size,
        curve=curve,
        material=kind,
        parameter_set=parameter_set,
        purpose=Purpose.UNKNOWN,
        unknown=() if algorithm != "unknown" else ("algorithm",),
        details=tuple(sorted(details.items())),
    )


def certificate_assets(cert: x509.Certificate, api: str, index: int) -> list[Asset]:
    """The certificate (its subject key) and its signature (the issuer's algorithm and hash)."""
    try:
        algorithm, size, curve, parameter_set = key_facts(cert.public_key())
    except (UnsupportedAlgorithm, ValueError):
        algorithm = _OID_NAMES.get(cert.public_key_algorithm_oid.dotted_string, "unknown")
        size, curve, parameter_set = None, None, None
    subject = cert.subject.rfc4514_string()
    issuer = cert.issuer.rfc4514_string()
    after = cert.not_valid_after_utc
    details = {
        "subject": subject[:512],
        "issuer": issuer[:512],
        "serialNumber": format(cert.serial_number, "x"),
        "notValidBefore": cert.not_valid_before_utc.isoformat(),
        "notValidAfter": after.isoformat(),
        "signatureAlgorithmRef": cert.signature_algorithm_oid.dotted_string,
        "subjectPublicKeyRef": cert.public_key_algorithm_oid.dotted_string,
        "certificateFormat": "X.509",
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        "logical": f"certificate[{index}]",
    }
    try:
        fingerprint = spki_sha256(cert.public_key())
    except (UnsupportedAlgorithm, ValueError):
        fingerprint = None
    if fingerprint is not None:
        details["spkiSha256"] = fingerprint
    entry = row(algorithm)
    certificate = Asset(
        asset_type=AssetType.CERTIFICATE,
        algorithm=algorithm,
        primitive=entry.primitive if entry else "unknown",
        api=api,
        key_size=size,
        curve=curve,
        parameter_set=parameter_set,
        purpose=Purpose.SIGNATURE,
        unknown=() if algorithm != "unknown" else ("algorithm",),
        details=tuple(sorted(details.items())),
    )
    signature_hash: str | None
    try:
        hash_algorithm = cert.signature_hash_algorithm
        signature_hash = algorithm_name(hash_algorithm.name) if hash_algorithm else None
    except UnsupportedAlgorithm:
        signature_hash = None
    oid_name = getattr(cert.signature_algorithm_oid, "_name", "") or ""
    signer = _signature_family(oid_name) or "unknown"
    self_signed = subject == issuer
    signature = Asset(
        asset_type=AssetType.ALGORITHM,
        algorithm=signer,
        primitive="signature",
        api=f"{api} signature",
        hash=signature_hash,
        material="signature",
        purpose=Purpose.NON_SECURITY if self_signed else Purpose.SIGNATURE,
        purpose_reason="the self-signature of a root: trust comes from the trust store"
        if self_signed
        else f"signs the certificate of {subject[:120]}",
        details=(("logical", f"certificate[{index}].signature"), ("oid", oid_name)),
    )
    key_label = Asset(
        AssetType.ALGORITHM,
        algorithm,
        certificate.primitive,
        api,
        key_size=size,
        curve=curve,
        parameter_set=parameter_set,
    ).label
    links = (("signatureAlgorithm", signature.label), ("subjectPublicKey", key_label))
    certificate = replace(certificate, details=tuple(sorted((*certificate.details, *links))))
    return [certificate, signature]


def _signature_family(oid_name: str) -> str | None:
    lower = oid_name.lower()
    for marker, family in (
        ("pss", "RSASSA-PSS"),
        ("rsa", "RSA"),
        ("ecdsa", "ECDSA"),
        ("dsa", "DSA"),
        ("ed25519", "Ed25519"),
        ("ed448", "Ed448"),
        ("ml-dsa", "ML-DSA"),
        ("slh-dsa", "SLH-DSA"),
    ):
        if marker in lower:
            return family
    return None


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.result = FileResult()
        self.count = 0

    def room(self) -> bool:
        self.count += 1
        if self.count > MAX_OBJECTS:
            if self.count == MAX_OBJECTS + 1:
                self.result.problems.append(
                    ("objects", f"more than {MAX_OBJECTS} objects; the rest is not inventoried")
                )
            return False
        return True

    def add_certificates(self, certs: list[x509.Certificate], api: str) -> None:
        for cert in certs:
            if not self.room():
                return
            self.result.assets.extend(certificate_assets(cert, api, self.count - 1))

    def pem(self, data: bytes) -> None:
        for match in _PEM_RE.finditer(data):
            label = match.group("label").decode()
            block = match.group(0)
            try:
                self._pem_block(label, block)
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                self.result.problems.append((label, _why(exc)))

    def _pem_block(self, label: str, block: bytes) -> None:
        logical = {"logical": f"{label.lower()}[{self.count}]", "format": "PEM"}
        if label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
            self.add_certificates([x509.load_pem_x509_certificate(block)], "X.509 certificate")
        elif label in ("PKCS7", "CMS"):
            self.add_certificates(pkcs7.load_pem_pkcs7_certificates(block), "PKCS#7 bundle")
        elif label in ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"):
            csr = x509.load_pem_x509_csr(block)
            if self.room():
                self.result.assets.append(
                    _material("public-key", csr.public_key(), "certificate request", logical)
                )
        elif label == "OPENSSH PRIVATE KEY":
            if self.room():
                ssh_key = serialization.load_ssh_private_key(block, password=None)
                self.result.assets.append(_material("private-key", ssh_key, "OpenSSH key", logical))
        elif label == "ENCRYPTED PRIVATE KEY" or b"ENCRYPTED" in block[:200]:
            self.result.problems.append((label, "password-protected: its algorithm is not read"))
        elif label.endswith("PRIVATE KEY"):
            if self.room():
                key = serialization.load_pem_private_key(block, password=None)
                self.result.assets.append(_material("private-key", key, "PEM key", logical))
        elif label.endswith("PUBLIC KEY"):
            if self.room():
                public = serialization.load_pem_public_key(block)
                self.result.assets.append(_material("public-key", public, "PEM key", logical))
        elif label in ("DH PARAMETERS",):
            params = serialization.load_pem_parameters(block)
            if self.room():
                size = params.parameter_numbers().p.bit_length()
                self.result.assets.append(
                    Asset(
                        AssetType.MATERIAL,
                        "DH",
                        "key-agree",
                        "DH parameters",
                        key_size=size,
                        material="other",
                        details=tuple(sorted(logical.items())),
                    )
                )

    def der(self, data: bytes) -> bool:
        """Try each DER structure; True when one parsed."""
        attempts: list[tuple[str, Any]] = [
            (
                "certificate",
                lambda: self.add_certificates(
                    [x509.load_der_x509_certificate(data)], "X.509 certificate"
                ),
            ),
            ("PKCS#12", lambda: self._pkcs12(data)),
            (
                "PKCS#7",
                lambda: self.add_certificates(
                    pkcs7.load_der_pkcs7_certificates(data), "PKCS#7 bundle"
                ),
            ),
            (
                "private key",
                lambda: self.result.assets.append(
                    _material(
                        "private-key",
                        serialization.load_der_private_key(data, None),
                        "DER key",
                        {"format": "DER"},
                    )
                ),
            ),
            (
                "public key",
                lambda: self.result.assets.append(
                    _material(
                        "public-key",
                        serialization.load_der_public_key(data),
                        "DER key",
                        {"format": "DER"},
                    )
                ),
            ),
        ]
        for _what, attempt in attempts:
            try:
                attempt()
            except (ValueError, TypeError, UnsupportedAlgorithm):
                continue
            return True
        return False

    def _pkcs12(self, data: bytes) -> None:
        try:
            store = pkcs12.load_pkcs12(data, None)
        except ValueError as exc:
            if _looks_like_pfx(data):
                # a PKCS#12 PFX whose MAC or bags need a password
                self.result.problems.append(("PKCS#12", "password-protected: not inventoried"))
                return
            raise exc
        certs = [c.certificate for c in [store.cert, *store.additional_certs] if c is not None]
        self.add_certificates(certs, "PKCS#12 store")
        if store.key is not None and self.room():
            self.result.assets.append(
                _material("private-key", store.key, "PKCS#12 store", {"format": "PKCS#12"})
            )

    def ssh_lines(self, data: bytes) -> None:
        for number, line in enumerate(data.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith(b"#"):
                continue
            match = _SSH_KEY_RE.search(line)
            if match is None:
                continue
            if not self.room():
                return
            blob = match.group("type") + b" " + match.group("blob")
            key: object
            try:
                key = serialization.load_ssh_public_key(blob)
            except (ValueError, UnsupportedAlgorithm) as exc:
                self.result.problems.append((f"line {number}", _why(exc)))
                continue
            asset = _material("public-key", key, "OpenSSH public key", {"format": "OpenSSH"})
            self.result.assets.append(_with_line(asset, number))

    def ppk(self, data: bytes) -> None:
        """A PuTTY private key file (PPK v2 or v3): the key type and size from its public
        blob (never encrypted), and how its private half is protected."""
        headers, blobs = _ppk_fields(data)
        first = data.split(b"\n", 1)[0].decode("ascii", "replace").strip()
        version = first.split(":", 1)[0].removeprefix("PuTTY-User-Key-File-")
        public = blobs.get("Public")
        if public is None:
            self.result.problems.append(("PuTTY key", "no public lines: not a PPK file it reads"))
            return
        key_type = headers.get("PuTTY-User-Key-File-" + version, "")
        try:
            key = serialization.load_ssh_public_key(
                key_type.encode() + b" " + base64.b64encode(public)
            )
        except (ValueError, UnsupportedAlgorithm) as exc:
            self.result.problems.append(("PuTTY key", _why(exc)))
            return
        encryption = headers.get("Encryption", "none")
        details = {"format": f"PuTTY PPK v{version}", "encryption": encryption}
        if headers.get("Key-Derivation"):
            details["keyDerivation"] = headers["Key-Derivation"]
        if self.room():
            self.result.assets.append(
                _with_line(_material("private-key", key, "PuTTY private key", details), 1)
            )
        if encryption == "none" or not self.room():
            return
        # the passphrase protection: AES-256-CBC under a key from Argon2 (v3) or from two
        # unsalted SHA-1 hashes of the passphrase (v2: a passphrase is cheap to guess)
        self.result.assets.append(
            _with_line(
                Asset(
                    AssetType.ALGORITHM,
                    "AES",
                    "block-cipher",
                    "PuTTY key encryption",
                    key_size=256,
                    mode="CBC",
                    purpose=Purpose.ENCRYPTION,
                    purpose_reason="protects the private key",
                    details=(("logical", "Encryption"),),
                ),
                _ppk_line(data, b"Encryption:"),
            )
        )
        kdf = "Argon2" if version == "3" else "SHA-1"
        if self.room():
            self.result.assets.append(
                _with_line(
                    Asset(
                        AssetType.ALGORITHM,
                        kdf,
                        "kdf" if kdf == "Argon2" else "hash",
                        f"PuTTY PPK v{version} passphrase key derivation",
                        purpose=Purpose.PASSWORD,
                        purpose_reason="derives the key that encrypts the private key"
                        + ("" if kdf == "Argon2" else " (unsalted, one iteration)"),
                        details=(("logical", "Key-Derivation"),),
                    ),
                    _ppk_line(data, b"Key-Derivation:" if version == "3" else b"Encryption:"),
                )
            )

    def rfc4716(self, data: bytes) -> None:
        """An SSH2 public key file (RFC 4716, PuTTYgen's public key export)."""
        text = data.decode("ascii", "replace")
        for index, match in enumerate(_RFC4716_RE.finditer(text)):
            lines = [line.strip() for line in match.group("body").splitlines() if line.strip()]
            blob_lines: list[str] = []
            continued = False
            for line in lines:
                if continued or (":" in line and not blob_lines):
                    continued = line.endswith("\\")  # a header value goes on
                    continue
                blob_lines.append(line)
            joined = "".join(blob_lines)
            try:
                blob = base64.b64decode(joined, validate=True)
                key_type = blob[4 : 4 + int.from_bytes(blob[:4], "big")]
                key = serialization.load_ssh_public_key(key_type + b" " + joined.encode())
            except (ValueError, UnsupportedAlgorithm, binascii.Error) as exc:
                self.result.problems.append((f"SSH2 public key {index}", _why(exc)))
                continue
            if self.room():
                line = text[: match.start()].count("\n") + 1
                details = {"format": "RFC 4716", "logical": f"ssh2-public-key[{index}]"}
                asset = _material("public-key", key, "SSH2 public key", details)
                self.result.assets.append(_with_line(asset, line))

    def jwk(self, data: bytes) -> None:
        try:
            document = json.loads(data)
        except (ValueError, RecursionError) as exc:
            self.result.problems.append(("JWK", _why(exc)))
            return
        keys = document.get("keys") if isinstance(document, dict) else None
        items = keys if isinstance(keys, list) else [document]
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("kty"), str) and self.room():
                self.result.assets.append(_jwk_asset(item, index))


def _looks_like_pfx(data: bytes) -> bool:
    """A PKCS#12 PFX: a SEQUENCE whose first element is INTEGER 3 (RFC 7292, section 4)."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    first = data[1]
    offset = 2 if first < 0x80 else 2 + (first & 0x7F)
    return data[offset : offset + 3] == b"\x02\x01\x03"


def _with_line(asset: Asset, line: int) -> Asset:
    return replace(asset, line=line)


_JWK_CURVES = {"P-256": "P-256", "P-384": "P-384", "P-521": "P-521", "secp256k1": "secp256k1"}


def _jwk_asset(item: dict[str, Any], index: int) -> Asset:
    kty = item.get("kty")
    crv = item.get("crv") if isinstance(item.get("crv"), str) else None
    private = "d" in item or kty == "oct"
    algorithm, size, curve = "unknown", None, None
    unknown: tuple[str, ...] = ("algorithm",)
    if kty == "RSA":
        algorithm, unknown = "RSA", ()
        size = _b64url_bits(item.get("n"))
    elif kty == "EC":
        algorithm, unknown = "ECDSA", ()
        curve = _JWK_CURVES.get(crv or "")
    elif kty == "OKP" and crv in ("Ed25519", "Ed448", "X25519", "X448"):
        algorithm, unknown = crv, ()
    elif kty == "oct":
        alg = str(item.get("alg") or "")
        algorithm = (
            "HMAC" if alg.startswith("HS") else ("AES" if alg.startswith("A") else "unknown")
        )
        unknown = () if algorithm != "unknown" else ("algorithm",)
        size = _b64url_bits(item.get("k"))
    entry = row(algorithm)
    details = {"logical": f"keys[{index}]", "format": "JWK"}
    if isinstance(item.get("kid"), str):
        details["kid"] = item["kid"][:200]
    return Asset(
        asset_type=AssetType.MATERIAL,
        algorithm=algorithm,
        primitive=entry.primitive if entry else "unknown",
        api="JWK",
        key_size=size,
        curve=curve,
        material="private-key"
        if private and kty != "oct"
        else ("secret-key" if private else "public-key"),
        unknown=unknown,
        details=tuple(sorted(details.items())),
    )


def _b64url_bits(value: object) -> int | None:
    if not isinstance(value, str) or len(value) > 100_000:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return len(raw.lstrip(b"\0")) * 8 if raw else None


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def read_file(name: str, data: bytes) -> FileResult:
    """Inventory one certificate, key, key store, key list or JWK file."""
    with warnings.catch_warnings():
        # pyca warns about what it will refuse one day (negative serials, DSA) and about
        # malformed attributes; the scan says what it read and never prints
        warnings.simplefilter("ignore")
        return _read(name, data)


#: Bytes at the start of a file searched for an SSH2 public key block.
PROBE_HEAD = 4096
#: Lines of a PPK file read; counts of base64 lines accepted.
MAX_PPK_LINES = 4096
_RFC4716_RE = re.compile(
    r"---- BEGIN SSH2 PUBLIC KEY ----(?P<body>.{0,65536}?)---- END SSH2 PUBLIC KEY ----", re.S
)


def _ppk_fields(data: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """The ``Name: value`` headers of a PPK file and its base64 blocks (``Public-Lines: N``
    followed by N lines), decoded; a block that does not decode is left out."""
    lines = data.decode("ascii", "replace").splitlines()[:MAX_PPK_LINES]
    headers: dict[str, str] = {}
    blobs: dict[str, bytes] = {}
    index = 0
    while index < len(lines):
        name, sep, value = lines[index].partition(":")
        index += 1
        if not sep:
            continue
        headers[name.strip()] = value.strip()
        if name.endswith("-Lines") and value.strip().isdigit():
            count = min(int(value), MAX_PPK_LINES)
            block = "".join(line.strip() for line in lines[index : index + count])
            index += count
            try:
                blobs[name.removesuffix("-Lines")] = base64.b64decode(block, validate=True)
            except (ValueError, binascii.Error):
                continue
    return headers, blobs


def _ppk_line(data: bytes, header: bytes) -> int:
    position = data.find(b"\n" + header)
    return data[: position + 1].count(b"\n") + 1 if position >= 0 else 1


def _read(name: str, data: bytes) -> FileResult:
    reader = _Reader(name)
    lower = name.lower()
    base = lower.rsplit("/", 1)[-1]
    if data.startswith(b"PuTTY-User-Key-File-"):
        reader.ppk(data)
    elif b"---- BEGIN SSH2 PUBLIC KEY ----" in data[:PROBE_HEAD]:
        reader.rfc4716(data)
    elif base in SSH_LIST_NAMES or (base.endswith(".pub") and not data.startswith(b"-----BEGIN")):
        reader.ssh_lines(data)
    elif data.lstrip()[:1] == b"{":
        reader.jwk(data)
    elif b"-----BEGIN " in data:
        reader.pem(data)
    elif not reader.der(data) and lower.endswith(DER_SUFFIXES):
        reader.result.problems.append(("file", "not a certificate, key or store this layer reads"))
    return reader.result
