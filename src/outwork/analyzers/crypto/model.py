"""What the CRY layer finds: cryptographic assets, each with its parameters and its use.

An :class:`Asset` is one use of cryptography at one place: an algorithm called in source code, a
certificate or key in a file, a protocol version configured. Parameters the scanner could not
resolve are named in ``unknown``, never guessed; parameters that do not apply are ``None``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath


class Purpose(enum.Enum):
    """What an asset is used for, as far as the code or the file says: the context that grades a
    finding (a weak hash signing certificates is worse than one whose purpose is unknown)."""

    SIGNATURE = "signature or certificate"
    PASSWORD = "password storage or key derivation"  # noqa: S105 - a label, not a password
    SECRET = "secret, key, token or nonce generation"  # noqa: S105 - a label, not a secret
    ENCRYPTION = "encryption"
    INTEGRITY = "integrity check or message authentication"
    UNKNOWN = "purpose not stated"
    NON_SECURITY = "not used for security (usedforsecurity=False, cache key, root self-signature)"


class AssetType(enum.StrEnum):
    """CycloneDX 1.6 ``cryptoProperties.assetType``."""

    ALGORITHM = "algorithm"
    CERTIFICATE = "certificate"
    PROTOCOL = "protocol"
    MATERIAL = "related-crypto-material"


@dataclass(frozen=True, slots=True)
class Asset:
    """One cryptographic asset at one place."""

    asset_type: AssetType
    #: Canonical algorithm name from the classification table (``SHA-1``, ``AES``, ``RSA``), the
    #: protocol (``TLS``), or ``unknown`` when the code names it through something unresolved.
    algorithm: str
    primitive: str
    #: The API or file structure it was found through: ``hashlib.md5``, ``x509 certificate``.
    api: str
    line: int | None = None
    column: int | None = None
    key_size: int | None = None
    mode: str | None = None
    padding: str | None = None
    curve: str | None = None
    #: The hash inside a signature, MAC or KDF.
    hash: str | None = None
    #: Protocol version (``TLSv1.0``).
    version: str | None = None
    purpose: Purpose = Purpose.UNKNOWN
    #: Why the purpose is what it is (the keyword, the name, the enclosing call).
    purpose_reason: str = ""
    #: Parameters given in the code but not resolvable to a constant.
    unknown: tuple[str, ...] = ()
    #: The IV or nonce is a constant in the code.
    static_iv: bool = False
    #: Parameter set of a post-quantum algorithm (``ML-DSA-65``).
    parameter_set: str | None = None
    #: Material type for ``related-crypto-material`` (``private-key``, ``public-key``).
    material: str | None = None
    #: Named but not called here (a cipher class in a table, a hash function passed along):
    #: findings are capped at low, and say so.
    referenced: bool = False
    #: Found in test code, test data or documentation (findings are capped at low, and say so).
    in_tests: bool = False
    #: Found in the source of a third-party package (installed under ``site-packages`` or
    #: ``node_modules``, or a member of a package archive): findings are capped at medium, and
    #: say so; the project's own code keeps its grade.
    in_dependency: bool = False
    #: Certificate and key facts (subject, issuer, notValidAfter, format...), as text.
    details: tuple[tuple[str, str], ...] = field(default=())

    @property
    def label(self) -> str:
        """A short human name: ``RSA-1024``, ``AES-128-ECB``, ``TLSv1.0``, ``ECDSA P-256``."""
        if self.asset_type is AssetType.PROTOCOL:
            return self.version or self.algorithm
        if self.asset_type is AssetType.CERTIFICATE and self.detail("subject"):
            return str(self.detail("subject"))
        text = self.algorithm
        if (
            self.key_size
            and not self.curve
            and self.algorithm not in ("Ed25519", "Ed448", "X25519", "X448")
        ):
            text += f"-{self.key_size}"
        if self.curve:
            text += f" {self.curve}"
        if self.parameter_set:
            text = self.parameter_set
        if self.mode:
            text += f"-{self.mode}"
        if self.hash and self.algorithm != self.hash:
            text += f" with {self.hash}"
        if self.asset_type is AssetType.MATERIAL and self.material:
            text += f" {self.material}"
        return text

    def detail(self, key: str) -> str | None:
        return dict(self.details).get(key)


#: Folders that hold tests and their data.
TEST_FOLDERS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "testdata",
        "test_data",
        "__tests__",
        "fixtures",
        "test-data",
        "vectors",
        "test-vectors",
        "test_vectors",
        "custom-vectors",
    }
)
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$|^.*_test\.go$|^.*Tests?\.java$")


#: Documentation files: a certificate or key quoted in them is an example, not in use.
DOC_SUFFIXES = (".rst", ".md", ".txt", ".html", ".htm", ".adoc")


def in_test_code(member_path: str) -> bool:
    """Whether a path is test code, test data or documentation (``tests/_support/rsa.key``,
    ``test_x.py``, ``examples/get-certificate.rst``)."""
    parts = [p.lower() for p in PurePosixPath(member_path.replace("\\", "/")).parts]
    if not parts:
        return False
    if parts[-1].endswith(DOC_SUFFIXES):
        return True
    return bool(TEST_FOLDERS.intersection(parts[:-1])) or bool(_TEST_FILE.match(parts[-1]))
