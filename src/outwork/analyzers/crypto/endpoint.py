"""A probed TLS endpoint as crypto assets, findings, CBOM components and attack-graph facts:
what ``outwork tls HOST:PORT`` reports. The probing itself is :mod:`.tlsprobe`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from outwork.analyzers.crypto import CryptoAnalyzer
from outwork.analyzers.crypto.analysis import judge
from outwork.analyzers.crypto.files import read_file
from outwork.analyzers.crypto.model import Asset, AssetType
from outwork.analyzers.crypto.policy import classify
from outwork.analyzers.crypto.rules.unreadable import Material, UnreadableCryptoMaterial
from outwork.analyzers.crypto.tlsprobe import Endpoint, parse_target, probe
from outwork.analyzers.crypto.treesource import suite
from outwork.core.analyzer import Component
from outwork.core.findings import Fact, Finding, ScannedArtifact, ScanResult, Stats, finding

#: Key exchanges that keep a TLS 1.3 session confidential against a quantum computer.
HYBRID_GROUPS = frozenset({"X25519MLKEM768"})


def endpoint_assets(endpoint: Endpoint) -> tuple[list[Asset], list[tuple[str, str]]]:
    """The assets an endpoint shows (each version it accepts with its suites; the broken
    suites; the key exchange; the certificates), and what could not be read."""
    assets: list[Asset] = []
    problems: list[tuple[str, str]] = []
    for version, accepted in endpoint.versions.items():
        if not accepted:
            continue
        suites = endpoint.suites.get(version, [])
        details = [("logical", version), ("cipherSuites", ", ".join(suites))]
        if version == "TLSv1.3" and endpoint.hybrid:
            details.append(("keyExchange", "X25519MLKEM768"))
        elif version == "TLSv1.3" and endpoint.preferred_group:
            details.append(("keyExchange", endpoint.preferred_group))
        assets.append(
            Asset(
                AssetType.PROTOCOL,
                "TLS",
                "protocol",
                f"handshake with {endpoint.target}",
                version=version,
                details=tuple(details),
            )
        )
        for name in suites:
            found = suite(name, f"{version} cipher suite {name}")
            if found is not None:
                assets.append(
                    Asset(
                        AssetType.ALGORITHM,
                        found.algorithm,
                        "block-cipher" if found.mode else "stream-cipher",
                        found.api,
                        mode=found.mode,
                        details=(("logical", f"{version} {name}"),),
                    )
                )
    if endpoint.versions.get("TLSv1.3"):
        group = "X25519MLKEM768" if endpoint.hybrid else endpoint.preferred_group
        if group in HYBRID_GROUPS:
            assets.append(
                Asset(
                    AssetType.ALGORITHM,
                    "X25519MLKEM768",
                    "kem",
                    "TLSv1.3 key exchange",
                    details=(("logical", "TLSv1.3 key exchange"),),
                )
            )
    for index, der in enumerate(endpoint.chain):
        where = f"certificate[{index}]"
        result = read_file(f"{where}.der", der)
        assets.extend(replace(a, details=(*a.details, ("logical", where))) for a in result.assets)
        problems.extend((f"{where} {what}", why) for what, why in result.problems)
    return assets, problems


def endpoint_result(endpoint: Endpoint) -> tuple[list[Finding], list[Component], list[Fact]]:
    assets, problems = endpoint_assets(endpoint)
    findings: list[Finding] = []
    components: list[Component] = []
    for item in judge(assets):
        if isinstance(item, Finding):
            findings.append(_at(item, endpoint.target))
        elif isinstance(item, Component):
            components.append(item)
    for what, why in [*problems, *(("probe", p) for p in endpoint.problems)]:
        findings.append(
            _at(
                finding(
                    UnreadableCryptoMaterial,
                    f"{what}: {why}",
                    logical=what,
                    severity=UnreadableCryptoMaterial.severity_in(Material.KEY_OR_CERTIFICATE),
                    evidence=why,
                ),
                endpoint.target,
            )
        )
    return findings, components, endpoint_facts(endpoint, assets)


def endpoint_facts(endpoint: Endpoint, assets: list[Asset]) -> list[Fact]:
    """The endpoint, reachable from the network, protects its traffic with each protocol
    version it accepts, and authenticates with its certificate's key: the node a private key
    found in a scanned file joins (:func:`outwork.analyzers.crypto.facts.key_facts`)."""
    host = endpoint.target.removeprefix("tls://")
    node = f"endpoint:{host}"
    facts = [Fact("entry:network", "reaches", node, proof=f"{endpoint.target}: handshake")]
    for asset in assets:
        if asset.asset_type is AssetType.PROTOCOL:
            facts.append(
                Fact(
                    node,
                    "protects-traffic-with",
                    f"crypto:{asset.label}",
                    proof=f"{endpoint.target}: {asset.version}",
                    properties={
                        "status": classify(asset).status.value,
                        "cipherSuites": asset.detail("cipherSuites") or "",
                        "keyExchange": asset.detail("keyExchange") or "",
                    },
                )
            )
    leaf = next(
        (a for a in assets if a.asset_type is AssetType.CERTIFICATE and a.detail("spkiSha256")),
        None,
    )
    if leaf is not None:
        facts.append(
            Fact(
                node,
                "authenticates-with",
                f"key:spki-sha256:{leaf.detail('spkiSha256')}",
                proof=f"{endpoint.target}: {leaf.detail('logical')}",
            )
        )
    return facts


def _at(item: Finding, target: str) -> Finding:
    return replace(item, location=replace(item.location, path=target))


def scan_endpoints(
    targets: Iterable[str],
    *,
    timeout: float = 5.0,
    server_name: str | None = None,
    prober: Callable[..., Endpoint] = probe,
) -> ScanResult:
    """Probe each ``HOST:PORT`` and report it like a scanned artifact (the network is asked
    here and nowhere else in the layer)."""
    started = time.monotonic()
    len(CryptoAnalyzer.rules)  # the rule modules register the checks when first asked for
    result = ScanResult()
    for text in targets:
        host, port = parse_target(text)
        endpoint = prober(host, port, timeout=timeout, server_name=server_name)
        findings, components, facts = endpoint_result(endpoint)
        result.findings.extend(findings)
        result.facts.extend(facts)
        result.targets.append(endpoint.target)
        result.artifacts.append(
            ScannedArtifact(
                endpoint.target,
                "tls-endpoint",
                0,
                None,
                ("crypto",),
                properties={"components": [c.to_dict() for c in components]},
            )
        )
    result.stats = Stats(
        artifacts=len(result.artifacts),
        analyzed=len(result.artifacts),
        seconds=time.monotonic() - started,
        targets=len(result.targets),
    )
    return result
