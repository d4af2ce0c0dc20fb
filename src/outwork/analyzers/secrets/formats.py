"""What the structure of a credential says about it, offline: checksums, decodable fields, claims.

Each function takes the matched value and returns a :class:`Structure` when the value has the
provider's structure (its checksum holds, its fields decode), or ``None`` when it does not, in
which case the candidate is not that provider's credential. Nothing here talks to a provider.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Largest JSON document (a JWT's claims, a service-account key) decoded from a candidate.
MAX_DECODED = 64 * 1024


@dataclass(frozen=True, slots=True)
class Structure:
    """What a credential's own bytes prove: ``checked`` when a checksum or a parse confirmed the
    format (a random string cannot pass it by chance), else only the shape matched."""

    kind: str
    checked: bool
    identity: dict[str, str] = field(default_factory=dict)
    #: A credential that can no longer be used as written (an expired JWT, an encrypted key).
    weakened: str = ""


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s own character distribution."""
    if not text:
        return 0.0
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def base62_encode(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_base62(body: str) -> str:
    """The six-character checksum GitHub and npm append to their tokens: CRC32 of the random
    part, in base 62 (github.blog, 2021-04-05, "Behind GitHub's new authentication token
    formats")."""
    return base62_encode(zlib.crc32(body.encode("ascii")), 6)


_GITHUB_KINDS = {
    "ghp": "personal access token (classic)",
    "gho": "OAuth access token",
    "ghu": "GitHub App user-to-server token",
    "ghs": "GitHub App installation (server-to-server) token",
    "ghr": "GitHub App refresh token",
}


def github_token(value: str) -> Structure | None:
    """``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` + 30 random base62 + 6 checksum."""
    prefix, _, rest = value.partition("_")
    if prefix not in _GITHUB_KINDS or len(rest) != 36:
        return None
    if crc32_base62(rest[:30]) != rest[30:]:
        return None
    return Structure(_GITHUB_KINDS[prefix], checked=True, identity={"token_type": prefix})


def github_fine_grained(value: str) -> Structure | None:
    """``github_pat_`` + 22 characters, ``_``, 59 characters. GitHub publishes no checksum for
    this format, so only the shape is known; the owner is not in the token."""
    body = value.removeprefix("github_pat_")
    head, sep, tail = body.partition("_")
    if not sep or len(head) != 22 or len(tail) != 59:
        return None
    return Structure(
        "fine-grained personal access token", checked=False, identity={"token_type": "github_pat"}
    )


def npm_token(value: str) -> Structure | None:
    """``npm_`` + 30 random base62 + the same CRC32 checksum as GitHub's (github.blog,
    2021-09-23, "Announcing npm's new access token format")."""
    rest = value.removeprefix("npm_")
    if len(rest) != 36 or crc32_base62(rest[:30]) != rest[30:]:
        return None
    return Structure("npm access token", checked=True)


_AWS_KINDS = {
    "AKIA": "long-term access key id",
    "ASIA": "temporary (STS) access key id",
    "ABIA": "AWS STS service bearer token key id",
    "ACCA": "context-specific credential key id",
}


def aws_account_id(key_id: str) -> str | None:
    """The AWS account a key id belongs to, decoded from the key id itself: bits 1-40 of the
    base32 characters after the prefix (Tal Be'ery, "A short note on AWS KEY ID", 2021).
    Key ids issued before 2019 (``AKIAI...``, ``AKIAJ...``) do not carry it: those decode to
    a number that is not their account, so none is given for them."""
    if key_id[4:5] in ("I", "J"):
        return None
    try:
        raw = base64.b32decode(key_id[4:20])
    except (binascii.Error, ValueError):
        return None
    number = (int.from_bytes(raw[:6], "big") & 0x7FFFFFFFFF80) >> 7
    text = f"{number:012d}"
    return text if len(text) == 12 and number > 0 else None


def aws_key_id(value: str) -> Structure | None:
    kind = _AWS_KINDS.get(value[:4])
    if kind is None or len(value) != 20 or not re.fullmatch(r"[A-Z2-7]{16}", value[4:]):
        return None
    identity = {"key_type": value[:4]}
    account = aws_account_id(value)
    if account:
        identity["aws_account"] = account
    # A key id alone is an identifier, not a credential: the pair proves it (analysis).
    return Structure(kind, checked=False, identity=identity)


def pypi_token(value: str) -> Structure | None:
    """A PyPI API token is ``pypi-`` + a base64url macaroon (version 2 binary format) whose
    location is ``pypi.org`` or ``test.pypi.org``. The caveats say what it may upload to."""
    raw = _b64url(value.removeprefix("pypi-"))
    if raw is None:
        return None
    fields = macaroon_v2(raw)
    if fields is None or fields.get("location") not in ("pypi.org", "test.pypi.org"):
        return None
    identity = {"index": fields["location"]}
    identity.update(_pypi_scope(fields.get("caveats", [])))
    return Structure("PyPI API token", checked=True, identity=identity)


def _pypi_scope(caveats: list[bytes]) -> dict[str, str]:
    scope: dict[str, str] = {}
    for caveat in caveats:
        try:
            data = json.loads(caveat)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, list) and len(data) >= 2 and data[0] == 1:
            scope["projects"] = ",".join(str(p) for p in data[1])[:200]  # ProjectName caveat
        elif isinstance(data, list) and len(data) >= 2 and data[0] == 3:
            scope["user_id"] = str(data[1])[:64]  # RequestUser caveat
        elif isinstance(data, dict):
            perms = data.get("permissions")
            if perms == "user":
                scope["scope"] = "user (every project)"
            elif isinstance(perms, dict) and isinstance(perms.get("projects"), list):
                scope["projects"] = ",".join(str(p) for p in perms["projects"])[:200]
    if "projects" not in scope and "scope" not in scope:
        scope["scope"] = "user (every project)"
    return scope


def macaroon_v2(raw: bytes) -> dict[str, Any] | None:
    """The location, identifier and first-party caveats of a binary (v2) macaroon.

    The format is small (version byte 2, then fields of a varint type and a varint length,
    sections closed by a zero byte); no maintained Python library reads it (pymacaroons was
    last released in 2018), so it is read here, bounded by the input's length."""
    if not raw or raw[0] != 2:
        return None
    pos = 1
    out: dict[str, Any] = {"caveats": []}
    sections = 0
    while pos < len(raw) and sections < 64:
        field_type, pos = _varint(raw, pos)
        if field_type is None:
            return None
        if field_type == 0:
            sections += 1
            continue
        length, pos = _varint(raw, pos)
        if length is None or pos + length > len(raw):
            return None
        data = raw[pos : pos + length]
        pos += length
        if field_type == 1 and sections == 0:
            out["location"] = data.decode("ascii", "replace")
        elif field_type == 2 and sections == 0:
            out["identifier"] = data
        elif field_type == 2:
            out["caveats"].append(data)
        elif field_type == 6:
            out["signature"] = data
    return out if "signature" in out and "identifier" in out else None


def _varint(raw: bytes, pos: int) -> tuple[int | None, int]:
    value = shift = 0
    while pos < len(raw) and shift < 35:
        byte = raw[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None, pos


def _b64url(text: str) -> bytes | None:
    text = text.strip()
    if len(text) > 4 * MAX_DECODED:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def slack_token(value: str) -> Structure | None:
    kinds = {
        "xoxb": "bot token",
        "xoxp": "user token",
        "xoxa": "workspace app token",
        "xoxr": "refresh token",
        "xoxe": "refresh token",
        "xoxs": "session token",
        "xapp": "app-level token",
    }
    kind = kinds.get(value[:4])
    if kind is None:
        return None
    parts = value.split("-")
    identity: dict[str, str] = {}
    if value.startswith("xapp") and len(parts) >= 4:
        identity["app_id"] = parts[2]
    return Structure(f"Slack {kind}", checked=False, identity=identity)


def slack_webhook(value: str) -> Structure | None:
    match = re.search(r"/services/(T[A-Z0-9]{6,12})/(B[A-Z0-9]{6,12})/", value)
    if match is None:
        return None
    return Structure(
        "Slack incoming webhook",
        checked=False,
        identity={"team_id": match.group(1), "bot_id": match.group(2)},
    )


def stripe_key(value: str) -> Structure | None:
    kind, _, mode = value.partition("_")
    mode = mode.split("_", 1)[0]
    label = {"sk": "secret key", "rk": "restricted key"}.get(kind)
    if label is None or mode not in ("live", "test"):
        return None
    return Structure(
        f"Stripe {mode}-mode {label}",
        checked=False,
        identity={"mode": mode},
        weakened="a test-mode key moves no money" if mode == "test" else "",
    )


def openai_key(value: str) -> Structure | None:
    """OpenAI keys carry ``T3BlbkFJ`` (base64 of ``OpenAI``) in their middle: a marker a random
    string of that alphabet has no reason to hold."""
    if "T3BlbkFJ" not in value:
        return None
    scope = (
        "project"
        if value.startswith("sk-proj-")
        else "service account"
        if value.startswith("sk-svcacct-")
        else "admin"
        if value.startswith("sk-admin-")
        else "user"
    )
    return Structure(f"OpenAI API key ({scope})", checked=True, identity={"scope": scope})


def anthropic_key(value: str) -> Structure | None:
    """``sk-ant-api03-`` (or ``admin01``) + 93 characters + ``AA``."""
    match = re.fullmatch(r"sk-ant-(api|admin)(\d\d)-[A-Za-z0-9_-]{93}AA", value)
    if match is None:
        return None
    kind = "admin key" if match.group(1) == "admin" else "API key"
    return Structure(f"Anthropic {kind}", checked=True, identity={"scope": match.group(1)})


def huggingface_token(value: str) -> Structure | None:
    body = value.removeprefix("hf_")
    if len(body) != 34 or not body.isalpha() or body.islower() or body.isupper():
        return None
    return Structure("Hugging Face access token", checked=False)


def gcp_api_key(value: str) -> Structure | None:
    if len(value) != 39 or not value.startswith("AIza"):
        return None
    return Structure("Google API key", checked=False)


def azure_storage_key(value: str) -> Structure | None:
    """An Azure storage connection string: its AccountKey is 64 random bytes in base64."""
    parts = dict(part.split("=", 1) for part in value.split(";") if "=" in part)
    key = parts.get("AccountKey") or parts.get("SharedAccessKey")
    if not key:
        return None
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return None
    if "AccountKey" in parts and len(raw) != 64:
        return None
    if "SharedAccessKey" in parts and len(raw) != 32:
        return None
    identity = {}
    if parts.get("AccountName"):
        identity["storage_account"] = parts["AccountName"][:64]
    if parts.get("Endpoint"):
        identity["endpoint"] = parts["Endpoint"][:200]
    if parts.get("SharedAccessKeyName"):
        identity["key_name"] = parts["SharedAccessKeyName"][:64]
    kind = "Azure storage account key" if "AccountKey" in parts else "Azure shared access key"
    return Structure(kind, checked=True, identity=identity)


def jwt(value: str) -> Structure | None:
    """A JSON Web Token whose header and claims decode. ``alg: none`` tokens carry no
    signature and prove nothing to whoever holds them; expired ones are weakened."""
    parts = value.split(".")
    if len(parts) != 3 or len(value) > 4 * MAX_DECODED:
        return None
    header, claims = _json_part(parts[0]), _json_part(parts[1])
    if not isinstance(header, dict) or not isinstance(claims, dict) or "alg" not in header:
        return None
    if str(header.get("alg")).lower() == "none" or not parts[2]:
        return None
    identity = {
        f"jwt_{name}": str(claims[name])[:200]
        for name in ("iss", "sub", "aud", "role", "email", "azp")
        if name in claims and claims[name] not in (None, "")
    }
    weakened = ""
    expiry = claims.get("exp")
    if isinstance(expiry, int | float) and not isinstance(expiry, bool):
        try:
            when = datetime.fromtimestamp(expiry, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
        if when is not None:
            identity["jwt_expires"] = when.isoformat()
            if when < datetime.now(UTC):
                weakened = f"expired on {when.date().isoformat()}"
    return Structure(
        f"JSON Web Token ({header.get('alg')})", checked=True, identity=identity, weakened=weakened
    )


def _json_part(text: str) -> Any:
    raw = _b64url(text)
    if raw is None or len(raw) > MAX_DECODED:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


_PEM_KINDS = {
    "RSA PRIVATE KEY": "RSA private key (PKCS#1)",
    "EC PRIVATE KEY": "EC private key (SEC1)",
    "DSA PRIVATE KEY": "DSA private key",
    "PRIVATE KEY": "private key (PKCS#8)",
    "ENCRYPTED PRIVATE KEY": "encrypted private key (PKCS#8)",
    "OPENSSH PRIVATE KEY": "OpenSSH private key",
    "PGP PRIVATE KEY BLOCK": "PGP private key block",
    "SSH2 ENCRYPTED PRIVATE KEY": "SSH2 (ssh.com) private key",
}


def private_key(block: str) -> Structure | None:
    """A PEM/OpenSSH private key block: parsed with pyca cryptography where it can, so a block
    whose body is not a key (a truncated example, ``...``) is rejected; an encrypted key is
    weakened (its passphrase is still needed)."""
    match = re.match(r"-----BEGIN ([A-Z0-9 ]+)-----", block)
    if match is None:
        return None
    label = match.group(1).strip()
    kind = _PEM_KINDS.get(label)
    if kind is None:
        return None
    data = block.replace("\\n", "\n").replace("\\r", "").encode("ascii", "replace")
    if label == "PGP PRIVATE KEY BLOCK" or label.startswith("SSH2"):
        return _armoured_body(block, kind)
    if label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in data:
        body = _armoured_body(block, kind)
        return body and Structure(
            kind, checked=body.checked, weakened="encrypted with a passphrase"
        )
    # pyca/cryptography is imported by the texts that hold a key block, not by every scan that
    # loads the detector table (docs/benchmarks.md, "Issue 11", start-up).
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_ssh_private_key,
    )
    from cryptography.utils import CryptographyDeprecationWarning

    try:
        with warnings.catch_warnings():  # a DSA key found is a finding, not a warning to print
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            key: object = (
                load_ssh_private_key(data, password=None)
                if label == "OPENSSH PRIVATE KEY"
                else load_pem_private_key(data, password=None)
            )
    except TypeError:
        return Structure(kind, checked=True, weakened="encrypted with a passphrase")
    except (ValueError, UnicodeDecodeError):  # not a key, or an algorithm cryptography lacks
        return _armoured_body(block, kind, strict=True)
    algorithm = type(key).__name__.removeprefix("_").replace("PrivateKey", "")
    size = getattr(key, "key_size", None)
    detail = f"{algorithm} {size}-bit" if size else algorithm
    return Structure(kind, checked=True, identity={"key_algorithm": detail})


def _armoured_body(block: str, kind: str, *, strict: bool = False) -> Structure | None:
    """A block the library cannot load: keep it when its body is base64 of a plausible size
    (an OpenSSH key whose cipher cryptography does not know, a PGP block), so that a
    placeholder (``MIIE...``) is not reported as a key."""
    lines = [
        line.strip()
        for line in block.replace("\\n", "\n").splitlines()[1:]
        if line.strip() and not line.startswith("-----") and ":" not in line
    ]
    body = "".join(lines)
    if len(body) < 64 or not re.fullmatch(r"[A-Za-z0-9+/=]+", body):
        return None
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    if strict and raw.startswith(b"openssh-key-v1\x00"):
        return Structure(kind, checked=True)
    if strict and raw[:1] == b"\x30":
        from cryptography.hazmat.primitives.serialization import load_der_private_key
        from cryptography.utils import CryptographyDeprecationWarning

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                load_der_private_key(raw, password=None)
        except (ValueError, TypeError, UnicodeDecodeError):
            return Structure(kind, checked=False)
        return Structure(kind, checked=True)
    return None if strict else Structure(kind, checked=False)


def gcp_service_account(document: str) -> Structure | None:
    """A Google service-account key file: JSON with ``type: service_account``, a client email
    and a private key that loads."""
    if len(document) > MAX_DECODED:
        return None
    try:
        data = json.loads(document)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("type") != "service_account":
        return None
    key = data.get("private_key")
    email = data.get("client_email")
    if not isinstance(key, str) or not isinstance(email, str):
        return None
    parsed = private_key(key)
    if parsed is None:
        return None
    identity = {"gcp_service_account": email[:200]}
    if isinstance(data.get("project_id"), str):
        identity["gcp_project"] = data["project_id"][:100]
    if isinstance(data.get("private_key_id"), str):
        identity["key_id_hash_prefix"] = data["private_key_id"][:8]
    return Structure("GCP service-account key", checked=parsed.checked, identity=identity)
