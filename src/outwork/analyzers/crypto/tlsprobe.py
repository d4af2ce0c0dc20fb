"""A live TLS endpoint, probed with hand-built ClientHellos (on request only: ``outwork tls``).

Each question is one handshake that stops at the server's first answer: which protocol
versions it accepts (SSLv3 to TLS 1.3), which cipher suites (offered all at once, the chosen
one removed, until the server refuses), its certificate chain (in the clear up to TLS 1.2;
through the local TLS library when the server speaks only 1.3), and whether it selects the
hybrid post-quantum key exchange X25519MLKEM768 (group 0x11EC) when that is the only group
offered. Building the hellos by hand makes the answers independent of what the local OpenSSL
still supports (SSLv3, TLS 1.0, and the hybrid groups are missing from many builds). Nothing
is completed: no key is derived, no data is sent.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

#: Versions on the wire.
VERSIONS = {"SSLv3": 0x0300, "TLSv1.0": 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303}
TLS13 = 0x0304
#: The hybrid group of draft-ietf-tls-ecdhe-mlkem (ML-KEM-768 with X25519).
X25519MLKEM768 = 0x11EC
X25519 = 0x001D
GROUPS = {
    X25519MLKEM768: "X25519MLKEM768",
    X25519: "x25519",
    0x0017: "secp256r1",
    0x0018: "secp384r1",
    0x0019: "secp521r1",
    0x001E: "x448",
    0x0100: "ffdhe2048",
    0x0101: "ffdhe3072",
}
#: TLS 1.3 suites.
SUITES_13 = {
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256",
    0x1305: "TLS_AES_128_CCM_8_SHA256",
}
#: Suites up to TLS 1.2, by IANA name (the common ones and the broken ones a scan must see).
SUITES = {
    0x0001: "TLS_RSA_WITH_NULL_MD5",
    0x0002: "TLS_RSA_WITH_NULL_SHA",
    0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
    0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256",
    0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}
#: Signature schemes offered (RFC 8446 names; SHA-1 and PKCS#1 v1.5 ones for old servers).
SIGNATURE_SCHEMES = (
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808,
    0x0401, 0x0501, 0x0601, 0x0201, 0x0203, 0x0202,
)  # fmt: skip
#: The ServerHello random that marks a HelloRetryRequest (RFC 8446, 4.1.3).
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
#: Bytes of one server answer read at most (a certificate chain fits many times over).
MAX_ANSWER = 256 * 1024
#: Handshakes one probe makes at most (suite enumeration stops there, and says so).
MAX_HANDSHAKES = 120


@dataclass(frozen=True, slots=True)
class Answer:
    """The server's first answer to one ClientHello."""

    version: int | None = None
    suite: int | None = None
    group: int | None = None
    retry: bool = False
    alert: int | None = None
    chain: tuple[bytes, ...] = ()
    error: str = ""

    @property
    def accepted(self) -> bool:
        return self.suite is not None


@dataclass(slots=True)
class Endpoint:
    """What one probe learned about ``host:port``."""

    host: str
    port: int
    versions: dict[str, bool] = field(default_factory=dict)
    suites: dict[str, list[str]] = field(default_factory=dict)
    chain: list[bytes] = field(default_factory=list)
    #: Whether the server selects X25519MLKEM768 when it is the only group offered.
    hybrid: bool | None = None
    #: The group selected when the usual groups are offered with the hybrid one first.
    preferred_group: str | None = None
    problems: list[str] = field(default_factory=list)
    handshakes: int = 0

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tls://{host}:{self.port}"


def parse_target(text: str, default_port: int = 443) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port``, ``tls://host:port`` into host and port."""
    rest = text.removeprefix("tls://").removeprefix("tls:").rstrip("/")
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
    else:
        host, port_text = rest, ""
    if not host:
        raise ValueError(f"{text!r}: no host; write HOST:PORT")
    try:
        port = int(port_text) if port_text else default_port
    except ValueError as exc:
        raise ValueError(f"{text!r}: the port must be a number") from exc
    if not 0 < port < 65536:
        raise ValueError(f"{text!r}: the port must be between 1 and 65535")
    return host, port


# --- the ClientHello --------------------------------------------------------------------------


def _vector(data: bytes, width: int) -> bytes:
    return len(data).to_bytes(width, "big") + data


def _extension(kind: int, data: bytes) -> bytes:
    return struct.pack(">HH", kind, len(data)) + data


def _server_name(host: str) -> bytes:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")
        return _extension(0x0000, _vector(b"\x00" + _vector(name, 2), 2))
    return b""  # no SNI for an address (RFC 6066)


def key_share(group: int) -> bytes:
    """A fresh public share for a group: X25519, or ML-KEM-768's encapsulation key followed by
    an X25519 share for the hybrid (draft-ietf-tls-ecdhe-mlkem: ML-KEM first)."""
    point = (
        x25519.X25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    if group == X25519:
        return point
    encapsulation = (
        mlkem.MLKEM768PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return encapsulation + point


def client_hello(
    version: int,
    suites: list[int],
    host: str,
    groups: tuple[int, ...] = (X25519, 0x0017, 0x0018, 0x0019),
    shares: tuple[int, ...] = (),
) -> bytes:
    """One ClientHello record. ``version`` 0x0304 asks for TLS 1.3 through supported_versions
    (the legacy field says 1.2, as RFC 8446 requires)."""
    legacy = min(version, 0x0303)
    extensions = b""
    if version >= 0x0301:
        extensions += _server_name(host)
        extensions += _extension(0x000A, _vector(b"".join(struct.pack(">H", g) for g in groups), 2))
        extensions += _extension(0x000B, b"\x01\x00")
        schemes = b"".join(struct.pack(">H", s) for s in SIGNATURE_SCHEMES)
        extensions += _extension(0x000D, _vector(schemes, 2))
        extensions += _extension(0xFF01, b"\x00")  # renegotiation_info: empty
    if version == TLS13:
        extensions += _extension(0x002B, _vector(struct.pack(">H", TLS13), 1))
        entries = b"".join(struct.pack(">H", g) + _vector(key_share(g), 2) for g in shares)
        extensions += _extension(0x0033, _vector(entries, 2))
        extensions += _extension(0x002D, b"\x01\x01")  # psk_dhe_ke
    body = (
        struct.pack(">H", legacy)
        + os.urandom(32)
        + _vector(os.urandom(32) if version == TLS13 else b"", 1)
        + _vector(b"".join(struct.pack(">H", s) for s in suites), 2)
        + b"\x01\x00"
        + (_vector(extensions, 2) if extensions else b"")
    )
    handshake = b"\x01" + _vector(body, 3)
    record_version = 0x0300 if version == 0x0300 else 0x0301
    return struct.pack(">BHH", 0x16, record_version, len(handshake)) + handshake


# --- the answer -------------------------------------------------------------------------------


class _Reader:
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = b""
        self.total = 0

    def exactly(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or self.total > MAX_ANSWER:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (TimeoutError, OSError):
                return None
            if not chunk:
                return None
            self.total += len(chunk)
            self.buffer += chunk
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out


def read_answer(sock: socket.socket, deadline: float) -> Answer:
    """The ServerHello (and, up to TLS 1.2, the Certificate after it) or the alert."""
    reader = _Reader(sock, deadline)
    handshake = b""
    hello: Answer | None = None
    while True:
        header = reader.exactly(5)
        if header is None:
            return hello or Answer(error="connection closed or timed out")
        kind, _, length = struct.unpack(">BHH", header)
        payload = reader.exactly(length)
        if payload is None:
            return hello or Answer(error="truncated record")
        if kind == 0x15:
            return hello or Answer(alert=payload[1] if len(payload) > 1 else None)
        if kind != 0x16:
            return hello or Answer(error=f"unexpected record type {kind}")
        handshake += payload
        while len(handshake) >= 4:
            size = int.from_bytes(handshake[1:4], "big")
            if len(handshake) < 4 + size:
                break
            message, handshake = handshake[: 4 + size], handshake[4 + size :]
            if message[0] == 2:
                hello = _server_hello(message[4:])
                if hello.error or hello.retry or hello.version == TLS13:
                    return hello
            elif message[0] == 11 and hello is not None:
                return Answer(
                    hello.version, hello.suite, hello.group, chain=_certificates(message[4:])
                )
            elif message[0] == 14:
                return hello or Answer(error="ServerHelloDone before ServerHello")


def _server_hello(body: bytes) -> Answer:
    try:
        version = int.from_bytes(body[0:2], "big")
        random = body[2:34]
        session = body[34]
        offset = 35 + session
        suite = int.from_bytes(body[offset : offset + 2], "big")
        offset += 3
        group = None
        if len(body) >= offset + 2:
            end = offset + 2 + int.from_bytes(body[offset : offset + 2], "big")
            offset += 2
            while offset + 4 <= end:
                kind, size = struct.unpack(">HH", body[offset : offset + 4])
                data = body[offset + 4 : offset + 4 + size]
                if kind == 0x002B and len(data) == 2:
                    version = int.from_bytes(data, "big")
                elif kind == 0x0033 and len(data) >= 2:
                    group = int.from_bytes(data[:2], "big")
                offset += 4 + size
    except IndexError:
        return Answer(error="malformed ServerHello")
    return Answer(version, suite, group, retry=random == HRR_RANDOM)


def _certificates(body: bytes) -> tuple[bytes, ...]:
    total = int.from_bytes(body[0:3], "big")
    offset, end, chain = 3, min(3 + total, len(body)), []
    while offset + 3 <= end:
        size = int.from_bytes(body[offset : offset + 3], "big")
        chain.append(body[offset + 3 : offset + 3 + size])
        offset += 3 + size
    return tuple(chain)


# --- the probe --------------------------------------------------------------------------------


def ask(host: str, port: int, hello: bytes, timeout: float) -> Answer:
    """One handshake: connect, send one ClientHello, read the first answer, close."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(hello)
            return read_answer(sock, deadline)
    except OSError as exc:
        return Answer(error=f"{type(exc).__name__}: {exc}")


def probe(
    host: str, port: int, *, timeout: float = 5.0, server_name: str | None = None
) -> Endpoint:
    """Ask ``host:port`` every question; each answer lands in the returned :class:`Endpoint`."""
    endpoint = Endpoint(host, port)
    name = server_name or host
    first = ask(host, port, client_hello(0x0303, list(SUITES), name), timeout)
    endpoint.handshakes += 1
    if first.error.startswith(("ConnectionRefusedError", "gaierror", "TimeoutError", "OSError")):
        endpoint.problems.append(f"cannot connect: {first.error}")
        return endpoint
    for label, version in VERSIONS.items():
        found = _enumerate(endpoint, version, list(SUITES), SUITES, name, timeout)
        endpoint.versions[label] = bool(found)
        if found:
            endpoint.suites[label] = found
    found13 = _enumerate(endpoint, TLS13, list(SUITES_13), SUITES_13, name, timeout)
    endpoint.versions["TLSv1.3"] = bool(found13)
    if found13:
        endpoint.suites["TLSv1.3"] = found13
        _groups(endpoint, name, timeout)
    if not any(endpoint.versions.values()):
        why = f"alert {first.alert}" if first.alert is not None else first.error or "no answer"
        endpoint.problems.append(f"no protocol version accepted ({why})")
    if first.chain:
        endpoint.chain = list(first.chain)
    elif any(endpoint.versions.values()):
        endpoint.chain = _chain_through_library(host, port, name, timeout, endpoint)
    return endpoint


def _enumerate(
    endpoint: Endpoint,
    version: int,
    offered: list[int],
    names: dict[int, str],
    host: str,
    timeout: float,
) -> list[str]:
    """The suites the server accepts at one version: offer all, drop the chosen one, repeat."""
    accepted: list[str] = []
    while offered:
        if endpoint.handshakes >= MAX_HANDSHAKES:
            endpoint.problems.append(f"stopped after {MAX_HANDSHAKES} handshakes")
            break
        shares = (X25519,) if version == TLS13 else ()
        hello = client_hello(version, offered, host, shares=shares)
        answer = ask(endpoint.host, endpoint.port, hello, timeout)
        endpoint.handshakes += 1
        if not answer.accepted or answer.version != version or answer.suite not in offered:
            break
        assert answer.suite is not None
        accepted.append(names[answer.suite])
        offered.remove(answer.suite)
    return accepted


def _groups(endpoint: Endpoint, host: str, timeout: float) -> None:
    """Whether the hybrid group is selected when it is the only one offered, and which group
    the server picks from the usual list with the hybrid first."""
    suites = list(SUITES_13)
    only = client_hello(TLS13, suites, host, groups=(X25519MLKEM768,), shares=(X25519MLKEM768,))
    answer = ask(endpoint.host, endpoint.port, only, timeout)
    endpoint.handshakes += 1
    endpoint.hybrid = answer.accepted and answer.group == X25519MLKEM768
    usual = (X25519MLKEM768, X25519, 0x0017, 0x0018)
    answer = ask(
        endpoint.host,
        endpoint.port,
        client_hello(TLS13, suites, host, groups=usual, shares=(X25519MLKEM768, X25519)),
        timeout,
    )
    endpoint.handshakes += 1
    if answer.accepted and answer.group is not None:
        endpoint.preferred_group = GROUPS.get(answer.group, f"0x{answer.group:04x}")


def _chain_through_library(
    host: str, port: int, name: str, timeout: float, endpoint: Endpoint
) -> list[bytes]:
    """The chain of a server the raw hello could not read it from (TLS 1.3 encrypts it):
    through the local TLS library, verifying nothing (the chain is read, not trusted)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    server_name = None if _is_address(name) else name
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            endpoint.handshakes += 1
            chain = tls._sslobj.get_unverified_chain()  # type: ignore[attr-defined]
            return [cert.public_bytes(ssl._ssl.ENCODING_DER) for cert in chain or ()]  # type: ignore[attr-defined]
    except (OSError, ssl.SSLError, AttributeError) as exc:
        endpoint.problems.append(f"certificate chain not read: {exc}")
        return []


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
