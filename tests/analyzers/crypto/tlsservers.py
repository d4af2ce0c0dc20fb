"""TLS servers on loopback for the endpoint probe's tests: Python's own TLS with restricted
versions and suites, and a raw server that answers a ClientHello by hand (the local OpenSSL
3.0 has no hybrid post-quantum group, so the one that selects X25519MLKEM768 is written here)."""

from __future__ import annotations

import os
import socket
import ssl
import struct
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from outwork.analyzers.crypto.tlsprobe import TLS13, X25519, X25519MLKEM768
from tests.analyzers.crypto import material

Handler = Callable[[socket.socket], None]


@contextmanager
def serving(handler: Handler) -> Iterator[int]:
    """Accept connections on 127.0.0.1 and hand each to ``handler``; yield the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with suppress(OSError, ssl.SSLError):
                    handler(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def python_tls(
    folder: Path,
    minimum: ssl.TLSVersion,
    maximum: ssl.TLSVersion,
    ciphers: str | None = None,
    *,
    key_bits: int = 2048,
) -> Handler:
    """Python's TLS server (the system OpenSSL) limited to some versions and suites."""
    key = material.rsa_key(key_bits)
    cert = material.certificate("loopback.test", key)
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 on purpose
        context.minimum_version = minimum
        context.maximum_version = maximum
    if ciphers:
        context.set_ciphers(ciphers)

    def handle(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    return handle


def _client_hello(conn: socket.socket) -> dict[int, bytes] | None:
    """The extensions of the ClientHello a client sends, by type."""
    header = _exactly(conn, 5)
    if header is None or header[0] != 0x16:
        return None
    body = _exactly(conn, struct.unpack(">H", header[3:5])[0])
    if body is None or body[0] != 1:
        return None
    offset = 4 + 2 + 32
    offset += 1 + body[offset]
    offset += 2 + int.from_bytes(body[offset : offset + 2], "big")
    offset += 1 + body[offset]
    extensions: dict[int, bytes] = {}
    if offset + 2 > len(body):
        return extensions
    end = offset + 2 + int.from_bytes(body[offset : offset + 2], "big")
    offset += 2
    while offset + 4 <= end:
        kind, size = struct.unpack(">HH", body[offset : offset + 4])
        extensions[kind] = body[offset + 4 : offset + 4 + size]
        offset += 4 + size
    return extensions


def _exactly(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _shares(data: bytes) -> list[int]:
    groups, offset = [], 2
    while offset + 4 <= len(data):
        group, size = struct.unpack(">HH", data[offset : offset + 4])
        groups.append(group)
        offset += 4 + size
    return groups


def hybrid_tls13(conn: socket.socket) -> None:
    """A TLS 1.3-only server that selects X25519MLKEM768 when the client shares it, x25519
    otherwise; it answers the ServerHello and hangs up (enough for a probe)."""
    extensions = _client_hello(conn)
    if extensions is None:
        return
    versions = extensions.get(0x002B, b"")
    if struct.pack(">H", TLS13) not in versions[1:]:
        conn.sendall(b"\x15\x03\x03\x00\x02\x02\x46")  # protocol_version
        return
    shared = _shares(extensions.get(0x0033, b""))
    if X25519MLKEM768 in shared:
        group, share = X25519MLKEM768, os.urandom(1088 + 32)
    elif X25519 in shared:
        group, share = X25519, os.urandom(32)
    else:
        conn.sendall(b"\x15\x03\x03\x00\x02\x02\x28")  # handshake_failure
        return
    ext = struct.pack(">HHH", 0x002B, 2, TLS13)
    ext += struct.pack(">HHHH", 0x0033, 4 + len(share), group, len(share)) + share
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + b"\x13\x01" + b"\x00"
    body += struct.pack(">H", len(ext)) + ext
    message = b"\x02" + len(body).to_bytes(3, "big") + body
    conn.sendall(b"\x16\x03\x03" + struct.pack(">H", len(message)) + message)


def garbage(payload: bytes) -> Handler:
    """A server that answers anything with ``payload``."""

    def handle(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(payload)

    return handle
