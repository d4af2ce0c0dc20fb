"""TLS and SSH configuration files: the protocol versions, ciphers, MACs, key exchanges and host
key algorithms they allow.

OpenSSH ``sshd_config``/``ssh_config`` (``Ciphers``, ``MACs``, ``KexAlgorithms``,
``HostKeyAlgorithms``, ``PubkeyAcceptedAlgorithms``, ``Protocol``), nginx (``ssl_protocols``,
``ssl_ciphers``), Apache httpd (``SSLProtocol``, ``SSLCipherSuite``), HAProxy (``ssl-min-ver``,
``force-tlsv1x``) and ``openssl.cnf`` (``MinProtocol``, ``CipherString``). Lines are read as
directives; names are looked up in tables; what a list removes (``-3des-cbc``, ``!RC4``) is not
a use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outwork.analyzers.crypto.model import Asset, AssetType, Purpose
from outwork.analyzers.crypto.policy import row

#: Lines of one configuration file read.
MAX_LINES = 200_000

#: SSH algorithm names: (algorithm, key size, mode or curve, hash).
SSH_NAMES: dict[str, tuple[str, int | None, str | None, str | None]] = {
    "3des-cbc": ("3DES", 192, "CBC", None),
    "blowfish-cbc": ("Blowfish", None, "CBC", None),
    "cast128-cbc": ("CAST5", None, "CBC", None),
    "arcfour": ("RC4", None, None, None),
    "arcfour128": ("RC4", 128, None, None),
    "arcfour256": ("RC4", 256, None, None),
    "aes128-cbc": ("AES", 128, "CBC", None),
    "aes192-cbc": ("AES", 192, "CBC", None),
    "aes256-cbc": ("AES", 256, "CBC", None),
    "aes128-ctr": ("AES", 128, "CTR", None),
    "aes192-ctr": ("AES", 192, "CTR", None),
    "aes256-ctr": ("AES", 256, "CTR", None),
    "aes128-gcm@openssh.com": ("AES", 128, "GCM", None),
    "aes256-gcm@openssh.com": ("AES", 256, "GCM", None),
    "chacha20-poly1305@openssh.com": ("ChaCha20-Poly1305", 256, None, None),
    "hmac-md5": ("HMAC", None, None, "MD5"),
    "hmac-md5-96": ("HMAC", None, None, "MD5"),
    "hmac-md5-etm@openssh.com": ("HMAC", None, None, "MD5"),
    "hmac-sha1": ("HMAC", None, None, "SHA-1"),
    "hmac-sha1-96": ("HMAC", None, None, "SHA-1"),
    "hmac-sha1-etm@openssh.com": ("HMAC", None, None, "SHA-1"),
    "hmac-sha2-256": ("HMAC", None, None, "SHA-256"),
    "hmac-sha2-512": ("HMAC", None, None, "SHA-512"),
    "hmac-sha2-256-etm@openssh.com": ("HMAC", None, None, "SHA-256"),
    "hmac-sha2-512-etm@openssh.com": ("HMAC", None, None, "SHA-512"),
    "umac-64@openssh.com": ("HMAC", None, None, None),
    "umac-128@openssh.com": ("HMAC", None, None, None),
    "diffie-hellman-group1-sha1": ("DH", 1024, None, "SHA-1"),
    "diffie-hellman-group14-sha1": ("DH", 2048, None, "SHA-1"),
    "diffie-hellman-group14-sha256": ("DH", 2048, None, "SHA-256"),
    "diffie-hellman-group16-sha512": ("DH", 4096, None, "SHA-512"),
    "diffie-hellman-group18-sha512": ("DH", 8192, None, "SHA-512"),
    "diffie-hellman-group-exchange-sha1": ("DH", None, None, "SHA-1"),
    "diffie-hellman-group-exchange-sha256": ("DH", None, None, "SHA-256"),
    "ecdh-sha2-nistp256": ("ECDH", None, "P-256", "SHA-256"),
    "ecdh-sha2-nistp384": ("ECDH", None, "P-384", "SHA-384"),
    "ecdh-sha2-nistp521": ("ECDH", None, "P-521", "SHA-512"),
    "curve25519-sha256": ("X25519", None, None, "SHA-256"),
    "curve25519-sha256@libssh.org": ("X25519", None, None, "SHA-256"),
    "sntrup761x25519-sha512@openssh.com": ("sntrup761x25519", None, None, "SHA-512"),
    "sntrup761x25519-sha512": ("sntrup761x25519", None, None, "SHA-512"),
    "mlkem768x25519-sha256": ("X25519MLKEM768", None, None, "SHA-256"),
    "ssh-rsa": ("RSA", None, None, "SHA-1"),
    "rsa-sha2-256": ("RSA", None, None, "SHA-256"),
    "rsa-sha2-512": ("RSA", None, None, "SHA-512"),
    "ssh-dss": ("DSA", 1024, None, "SHA-1"),
    "ecdsa-sha2-nistp256": ("ECDSA", None, "P-256", "SHA-256"),
    "ecdsa-sha2-nistp384": ("ECDSA", None, "P-384", "SHA-384"),
    "ecdsa-sha2-nistp521": ("ECDSA", None, "P-521", "SHA-512"),
    "ssh-ed25519": ("Ed25519", None, None, None),
    "ssh-ed448": ("Ed448", None, None, None),
}
_SSH_LISTS = {
    "ciphers": "cipher",
    "macs": "mac",
    "kexalgorithms": "key exchange",
    "hostkeyalgorithms": "host key",
    "pubkeyacceptedalgorithms": "public key",
    "pubkeyacceptedkeytypes": "public key",
    "hostbasedacceptedalgorithms": "public key",
    "casignaturealgorithms": "CA signature",
}
_TLS_NAMES = {
    "sslv2": "SSLv2",
    "sslv3": "SSLv3",
    "tlsv1": "TLSv1.0",
    "tlsv1.0": "TLSv1.0",
    "tlsv1.1": "TLSv1.1",
    "tlsv1.2": "TLSv1.2",
    "tlsv1.3": "TLSv1.3",
}
#: OpenSSL cipher-string words that enable something broken (``!RC4`` disables it).
_CIPHER_WORDS = {
    "RC4": ("RC4", None),
    "DES": ("DES", "CBC"),
    "3DES": ("3DES", "CBC"),
    "DES-CBC3-SHA": ("3DES", "CBC"),
    "IDEA": ("IDEA", "CBC"),
    "SEED": ("SEED", "CBC"),
    "MD5": ("HMAC", None),
    "NULL": ("none", None),
    "eNULL": ("none", None),
    "aNULL": ("none", None),
    "EXPORT": ("DES", "CBC"),
    "EXP": ("DES", "CBC"),
}
#: Directives whose value is a minimum TLS version.
_MIN_VERSION = {"ssl-min-ver", "minprotocol", "ssl_min_protocol_version"}
_FORCE = re.compile(r"\bforce-(sslv3|tlsv10|tlsv11)\b", re.I)


@dataclass(frozen=True, slots=True)
class Directive:
    line: int
    name: str
    value: str


def directives(text: str) -> list[Directive]:
    out: list[Directive] = []
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        line = raw.split("#", 1)[0].strip().rstrip(";").strip()
        if not line:
            continue
        if "=" in line and " " not in line.split("=", 1)[0].strip():
            name, value = line.split("=", 1)
        else:
            name, _, value = line.partition(" ")
        out.append(Directive(number, name.strip().lower(), value.strip().strip('"')))
    return out


def read_config(name: str, text: str) -> list[Asset]:
    assets: list[Asset] = []
    for directive in directives(text):
        assets.extend(_directive(directive))
    return assets


def _directive(d: Directive) -> list[Asset]:
    if d.name in _SSH_LISTS:
        return _ssh_list(d)
    if d.name == "protocol" and re.fullmatch(r"[12](,\s*[12])?", d.value):
        return [_protocol("SSH", "SSHv1", d)] if "1" in d.value else []
    if d.name in (
        "ssl_protocols",
        "sslprotocol",
        "ssl-default-bind-options",
        "ssl-min-ver",
        "minprotocol",
        "maxprotocol",
        "ssl_min_protocol_version",
    ) or (d.name in ("bind", "server", "default-server") and "ssl" in d.value):
        return _tls_versions(d)
    if d.name in (
        "ssl_ciphers",
        "sslciphersuite",
        "cipherstring",
        "ssl-default-bind-ciphers",
        "ssl-default-server-ciphers",
        "ciphersuites",
    ):
        return _cipher_string(d)
    return []


def _ssh_list(d: Directive) -> list[Asset]:
    value = d.value.strip()
    if value.startswith("-"):
        return []  # removed from the defaults
    role = _SSH_LISTS[d.name]
    assets = []
    for item in value.lstrip("+^").split(","):
        name = item.strip().lower()
        if not name:
            continue
        known = SSH_NAMES.get(name)
        if known is None:
            assets.append(_asset("unknown", d, f"sshd {role} {name}", unknown=("algorithm",)))
            continue
        algorithm, size, mode_or_curve, digest = known
        curve = mode_or_curve if mode_or_curve and mode_or_curve.startswith("P-") else None
        mode = mode_or_curve if curve is None else None
        purpose = Purpose.SIGNATURE if role in ("host key", "public key", "CA signature") else None
        assets.append(
            _asset(
                algorithm,
                d,
                f"ssh {role} {name}",
                key_size=size,
                mode=mode,
                curve=curve,
                digest=digest,
                purpose=purpose,
            )
        )
    return assets


def _tls_versions(d: Directive) -> list[Asset]:
    assets = []
    words = d.value.replace(",", " ").split()
    for index, word in enumerate(words):
        lower = word.lower()
        if lower.startswith(("-", "!")):
            continue
        version = _TLS_NAMES.get(lower.lstrip("+"))
        if version is None and lower == "ssl-min-ver" and index + 1 < len(words):
            continue
        if version is None:
            continue
        if d.name in ("maxprotocol",) and version in ("TLSv1.2", "TLSv1.3"):
            continue
        assets.append(_protocol("TLS", version, d))
    for match in _FORCE.finditer(d.value):
        version = {"sslv3": "SSLv3", "tlsv10": "TLSv1.0", "tlsv11": "TLSv1.1"}[
            match.group(1).lower()
        ]
        assets.append(_protocol("TLS", version, d))
    return assets


def _cipher_string(d: Directive) -> list[Asset]:
    assets = []
    for word in re.split(r"[:,\s]+", d.value):
        if not word or word[0] in "!-":
            continue
        key = _cipher_word(word.lstrip("+"))
        if key is not None:
            algorithm, mode = _CIPHER_WORDS[key]
            digest = "MD5" if key == "MD5" else None
            assets.append(_asset(algorithm, d, f"cipher string {key}", mode=mode, digest=digest))
        elif "SECLEVEL=0" in word.upper():
            assets.append(_protocol("TLS", "SSLv3", d))
    return assets


def _cipher_word(word: str) -> str | None:
    """The broken part a cipher-string word or suite name enables (``RC4-SHA`` is RC4,
    ``DES-CBC3-SHA`` is 3DES), or None."""
    if word in _CIPHER_WORDS:
        return word
    parts = word.upper().split("-")
    if "CBC3" in parts:
        return "3DES"
    for part in ("RC4", "NULL", "EXP", "MD5", "IDEA", "SEED", "DES"):
        if part in parts:
            return part
    return None


def _protocol(family: str, version: str, d: Directive) -> Asset:
    return Asset(
        AssetType.PROTOCOL,
        family,
        "protocol",
        f"{d.name} {d.value}"[:120],
        line=d.line,
        version=version,
    )


def _asset(
    algorithm: str,
    d: Directive,
    api: str,
    *,
    key_size: int | None = None,
    mode: str | None = None,
    curve: str | None = None,
    digest: str | None = None,
    purpose: Purpose | None = None,
    unknown: tuple[str, ...] = (),
) -> Asset:
    entry = row(algorithm)
    primitive = entry.primitive if entry else "unknown"
    if purpose is None:
        purpose = {"mac": Purpose.INTEGRITY, "signature": Purpose.SIGNATURE}.get(
            primitive,
            Purpose.ENCRYPTION
            if primitive in ("block-cipher", "stream-cipher", "ae")
            else Purpose.UNKNOWN,
        )
    return Asset(
        AssetType.ALGORITHM,
        algorithm,
        primitive,
        api,
        line=d.line,
        key_size=key_size,
        mode=mode,
        curve=curve,
        hash=digest,
        purpose=purpose,
        purpose_reason=api,
        unknown=unknown,
    )
