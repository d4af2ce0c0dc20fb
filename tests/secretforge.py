"""Credentials of every format the secrets layer knows, forged with their real structure
(checksums, macaroon fields, parseable keys) from a seeded random source: never live keys.

The rule fixtures, the layer's tests and bench/secrets_corpus.py build their samples here, so
no file in the repository holds a string that looks like a live credential."""

from __future__ import annotations

import base64
import json
import random
import re
import string
import zlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Forge:
    def __init__(self, seed: int = 18) -> None:
        self.rng = random.Random(seed)

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def _b62(self, number: int, width: int) -> str:
        out = ""
        while number:
            number, rest = divmod(number, 62)
            out = BASE62[rest] + out
        return out.rjust(width, "0")

    def github(self, prefix: str = "ghp") -> str:
        body = self.chars(BASE62, 30)
        return f"{prefix}_{body}{self._b62(zlib.crc32(body.encode()), 6)}"

    def github_bad_checksum(self) -> str:
        token = self.github()
        last = token[-1]
        return token[:-1] + ("A" if last != "A" else "B")

    def github_fine_grained(self) -> str:
        return f"github_pat_{self.chars(BASE62, 22)}_{self.chars(BASE62, 59)}"

    def npm(self) -> str:
        body = self.chars(BASE62, 30)
        return f"npm_{body}{self._b62(zlib.crc32(body.encode()), 6)}"

    def aws_key_id(self, account: int = 123456789012, prefix: str = "AKIA") -> str:
        """A key id that decodes to ``account`` (the layout the decoder reads)."""
        number = (account << 7) | self.rng.getrandbits(7)
        raw = number.to_bytes(6, "big") + bytes(self.rng.getrandbits(8) for _ in range(4))
        encoded = base64.b32encode(raw).decode()[:16]
        return prefix + encoded

    def aws_secret(self) -> str:
        return self.chars(string.ascii_letters + string.digits + "/+", 40)

    def pypi(self, projects: tuple[str, ...] = ()) -> str:
        def put(kind: int, data: bytes) -> bytes:
            length = len(data)
            out = bytes([kind])
            while True:
                byte = length & 0x7F
                length >>= 7
                out += bytes([byte | (0x80 if length else 0)])
                if not length:
                    break
            return out + data

        ident = json.dumps({"version": 1, "nonce": self.chars(string.hexdigits.lower(), 32)})
        caveat = json.dumps(
            {"version": 1, "permissions": {"projects": list(projects)} if projects else "user"}
        )
        raw = (
            b"\x02"
            + put(1, b"pypi.org")
            + put(2, ident.encode())
            + b"\x00"
            + put(2, caveat.encode())
            + b"\x00\x00"
            + put(6, self.rng.randbytes(32))
        )
        return "pypi-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def slack_bot(self) -> str:
        return (
            f"xoxb-{self.chars(string.digits, 12)}-{self.chars(string.digits, 13)}-"
            f"{self.chars(string.ascii_letters + string.digits, 24)}"
        )

    def slack_webhook(self) -> str:
        return (
            f"https://hooks.slack.com/services/T{self.chars(B32[:26] + '0123456789', 8)}/"
            f"B{self.chars(B32[:26] + '0123456789', 10)}/"
            f"{self.chars(string.ascii_letters + string.digits, 24)}"
        )

    def stripe(self, mode: str = "live") -> str:
        return f"sk_{mode}_{self.chars(string.ascii_letters + string.digits, 99)}"

    def openai(self) -> str:
        alnum = string.ascii_letters + string.digits
        return f"sk-proj-{self.chars(alnum + '_-', 74)}T3BlbkFJ{self.chars(alnum + '_-', 74)}"

    def anthropic(self) -> str:
        return f"sk-ant-api03-{self.chars(string.ascii_letters + string.digits + '_-', 93)}AA"

    def huggingface(self) -> str:
        return "hf_" + self.chars(string.ascii_letters, 34)

    def google_api_key(self) -> str:
        return "AIza" + self.chars(string.ascii_letters + string.digits + "_-", 35)

    def gitlab(self) -> str:
        return "glpat-" + self.chars(string.ascii_letters + string.digits + "_-", 20)

    def jwt(self, claims: dict[str, object] | None = None) -> str:
        def part(data: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        claims = claims or {
            "sub": "svc-backup",
            "iss": "https://auth.internal.test",
            "role": "service",
        }
        signature = base64.urlsafe_b64encode(self.rng.randbytes(32)).decode().rstrip("=")
        return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"

    def azure_connection_string(self, account: str = "prodassets") -> str:
        key = base64.b64encode(self.rng.randbytes(64)).decode()
        return (
            f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};"
            "EndpointSuffix=core.windows.net"
        )

    def password(self, n: int = 20) -> str:
        return self.chars(string.ascii_letters + string.digits, n - 2) + "!7"

    def generic_secret(self, n: int = 32) -> str:
        return self.chars(string.ascii_letters + string.digits, n)

    def private_key(self, kind: str = "rsa") -> str:
        """A freshly generated key (never reused, never live), PEM or OpenSSH."""
        if kind == "rsa":
            key: object = rsa.generate_private_key(public_exponent=65537, key_size=1024)
            fmt = serialization.PrivateFormat.TraditionalOpenSSL
        elif kind == "ec":
            key = ec.generate_private_key(ec.SECP256R1())
            fmt = serialization.PrivateFormat.TraditionalOpenSSL
        elif kind == "pkcs8":
            key = ec.generate_private_key(ec.SECP256R1())
            fmt = serialization.PrivateFormat.PKCS8
        else:
            key = ed25519.Ed25519PrivateKey.generate()
            fmt = serialization.PrivateFormat.OpenSSH
        assert hasattr(key, "private_bytes")
        return key.private_bytes(  # type: ignore[no-any-return]
            serialization.Encoding.PEM, fmt, serialization.NoEncryption()
        ).decode()

    def gcp_service_account(self, email: str = "deployer@acme-prod.iam.gserviceaccount.com") -> str:
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "acme-prod",
                "private_key_id": self.chars("0123456789abcdef", 40),
                "private_key": self.private_key("pkcs8"),
                "client_email": email,
                "client_id": self.chars(string.digits, 21),
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": "https://oauth2.googleapis.com/token",
            },
            indent=2,
        )


_SIDECAR_MARK = re.compile(r"\s*@@(?P<kind>expect|ok): (?P<code>[A-Z]+\d+(?:/[a-z]+)?)@@")


def write_marked(path: Path, text: str | bytes) -> None:
    """Write a fixture. In formats without comments (JSON, notebooks) a line's ``@@expect:
    CODE@@`` mark is taken out and written to the sidecar with the line's number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
        return
    sidecar: list[str] = []
    lines = []
    for number, line in enumerate(text.split("\n"), start=1):
        for mark in _SIDECAR_MARK.finditer(line):
            where = f" line={number}" if mark.group("kind") == "expect" else ""
            sidecar.append(f"{mark.group('kind')} {mark.group('code')}{where}")
        lines.append(_SIDECAR_MARK.sub("", line))
    path.write_text("\n".join(lines), "utf-8")
    if sidecar:
        path.with_name(path.name + ".expect").write_text("\n".join(sidecar) + "\n", "utf-8")
