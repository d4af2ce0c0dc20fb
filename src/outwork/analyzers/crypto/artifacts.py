"""What the crypto analyzer (declared in the package's ``__init__``) does with one artifact:
Python and JavaScript source by syntax tree, TLS and SSH configuration, certificate and key files.
Imported the first time a scan meets one of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from outwork.analyzers.crypto import PROBE, SOURCE_KINDS, SOURCE_SUFFIXES
from outwork.analyzers.crypto.analysis import judge
from outwork.analyzers.crypto.configs import read_config
from outwork.analyzers.crypto.facts import asset_facts
from outwork.analyzers.crypto.files import MAX_FILE_BYTES, read_file
from outwork.analyzers.crypto.gosource import scan_go
from outwork.analyzers.crypto.javasource import scan_java
from outwork.analyzers.crypto.jssource import scan_javascript
from outwork.analyzers.crypto.model import Asset, in_test_code
from outwork.analyzers.crypto.pysource import ScanResult, imports_known_module, scan_source
from outwork.analyzers.crypto.rules.unreadable import Material, UnreadableCryptoMaterial
from outwork.analyzers.crypto.sniff import is_config
from outwork.core.analyzer import AnalysisContext, Emitted
from outwork.core.artifact import (
    Artifact,
    Kind,
    inside_installed_packages,
    inside_package_archive,
)
from outwork.core.findings import Finding, finding
from outwork.core.syntaxwindows import window_bytes

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
#: Go files that import none of these paths, and Java files that name none of these packages,
#: use no API the layer knows: not parsed.
_GO_HINTS = (b'"crypto', b'"golang.org/x/crypto', b'"math/rand')
_JAVA_HINTS = (
    b"javax.crypto",
    b"java.security",
    b"javax.net.ssl",
    b"org.bouncycastle",
    b"java.util.Random",
    b"java.util.*",
    b"Math.random",
)


def analyze(artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
    if artifact.name.lower().endswith(SOURCE_SUFFIXES) and artifact.kind in SOURCE_KINDS:
        return _tree_source(artifact)
    if artifact.kind is Kind.PYTHON:
        return _python(artifact)
    if artifact.kind is Kind.JAVASCRIPT:
        return _javascript(artifact, window_bytes(context.budgets))
    if artifact.kind not in (Kind.PEM, Kind.DER) and is_config(artifact.name, artifact.read(PROBE)):
        return _config(artifact)
    return _file(artifact)


def _config(artifact: Artifact) -> Iterator[Emitted]:
    if artifact.size > MAX_FILE_BYTES:
        yield _too_large(artifact, "configuration", MAX_FILE_BYTES, Material.KEY_OR_CERTIFICATE)
        return
    assets = read_config(artifact.name, artifact.text())
    yield from _judged(artifact, assets)


def _javascript(artifact: Artifact, window: int) -> Iterator[Emitted]:
    if artifact.size > MAX_SOURCE_BYTES:
        yield _too_large(artifact, "script", MAX_SOURCE_BYTES, Material.SOURCE)
        return
    data = artifact.read()
    if not any(hint in data for hint in _SCRIPT_HINTS):
        return
    yield from _scanned(artifact, scan_javascript(data, window))


def _tree_source(artifact: Artifact) -> Iterator[Emitted]:
    """Go and Java source."""
    if artifact.size > MAX_SOURCE_BYTES:
        yield _too_large(artifact, "source file", MAX_SOURCE_BYTES, Material.SOURCE)
        return
    data = artifact.read()
    is_go = artifact.name.lower().endswith(".go")
    if not any(hint in data for hint in (_GO_HINTS if is_go else _JAVA_HINTS)):
        return
    yield from _scanned(artifact, scan_go(data) if is_go else scan_java(data))


def _scanned(artifact: Artifact, result: ScanResult) -> Iterator[Emitted]:
    if result.stopped:
        yield finding(
            UnreadableCryptoMaterial,
            f"scan stopped: {result.stopped}; its cryptography is not inventoried",
            severity=UnreadableCryptoMaterial.severity_in(Material.SOURCE),
        )
    yield from _judged(artifact, result.assets)


def _file(artifact: Artifact) -> Iterator[Emitted]:
    severity = UnreadableCryptoMaterial.severity_in(Material.KEY_OR_CERTIFICATE)
    if artifact.size > MAX_FILE_BYTES:
        yield _too_large(
            artifact, "certificate or key file", MAX_FILE_BYTES, Material.KEY_OR_CERTIFICATE
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
    yield from _judged(artifact, result.assets)


def _python(artifact: Artifact) -> Iterator[Emitted]:
    if artifact.size > MAX_SOURCE_BYTES:
        yield _too_large(artifact, "module", MAX_SOURCE_BYTES, Material.SOURCE)
        return
    data = artifact.read()
    if not imports_known_module(data):
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
    yield from _judged(artifact, result.assets)


def _judged(artifact: Artifact, assets: list[Asset]) -> Iterator[Emitted]:
    """Findings and components for the assets; facts for the attack graph unless the file is
    test code, test data or documentation."""
    in_tests = in_test_code(artifact.member_path)
    in_dependency = inside_installed_packages(artifact.path) or inside_package_archive(
        artifact.path
    )
    yield from judge(assets, in_tests=in_tests, in_dependency=in_dependency)
    if not in_tests:
        yield from asset_facts(artifact.path, assets)


def _too_large(artifact: Artifact, what: str, limit: int, material: Material) -> Finding:
    """The finding for an artifact larger than the layer reads: it is not inventoried."""
    return finding(
        UnreadableCryptoMaterial,
        f"{what} of {artifact.size} bytes is larger than the crypto layer reads ({limit});"
        " its cryptography is not inventoried",
        severity=UnreadableCryptoMaterial.severity_in(material),
    )
