"""CycloneDX 1.6 (JSON), built with cyclonedx-python-lib.

- Every scanned artifact is a ``file`` component whose ``bom-ref`` is its logical path, with its
  SHA-256 when the scan computed one.
- Components that analyzers identified (``ScannedArtifact.properties["components"]``: libraries
  with purls, machine-learning models, ...) are components too, one per purl (or type, name and
  version), with ``evidence.occurrences`` naming every artifact they were found in. Models get a
  ``modelCard`` from what the analyzer reported (task, architecture; format, framework and the
  rest as model-card properties). cyclonedx-python-lib has no model-card type yet, so the card is
  added to the serialised document, which the tests validate against the official 1.6 schema.
- Cryptographic assets (``cryptographic-asset`` components of the crypto analyzer) make the
  document a CBOM too: :mod:`outwork.report.cbom` maps them to ``cryptoProperties`` with an
  occurrence per file and line, and each file that uses one depends on it.
- Every finding is a ``vulnerability``: its id is the first advisory id or alias the finding
  carries (``properties["advisory_ids"]``, ``properties["aliases"]``), else the rule code; it
  ``affects`` the file it was found in and the component named by its ``subject``.

The same scan gives the same document: no timestamp unless asked for, and a serial number
derived from the content unless one is given.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from cyclonedx.model import HashAlgorithm, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from outwork.core.artifact import MEMBER_SEP
from outwork.core.findings import Finding, ScannedArtifact, ScanResult
from outwork.core.rules import Severity
from outwork.report._common import (
    TOOL_NAME,
    TOOL_URI,
    TOOL_VERSION,
    clean_data,
    dump_json,
    is_sha256,
    public_components,
    public_properties,
    rule_sections,
    utf8_safe,
)
from outwork.report.cbom import CRYPTO_TYPE, CbomBuilder

PREFIX = "outwork"
_PLACEHOLDER_SERIAL = uuid.UUID(int=0)

SEVERITY: dict[Severity, VulnerabilitySeverity] = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
}
#: Where an advisory id's prefix says it is published.
ADVISORY_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("CVE-", "NVD", "https://nvd.nist.gov/vuln/detail/{id}"),
    ("GHSA-", "GitHub", "https://github.com/advisories/{id}"),
    ("PYSEC-", "OSV", "https://osv.dev/vulnerability/{id}"),
    ("MAL-", "OSV", "https://osv.dev/vulnerability/{id}"),
    ("RUSTSEC-", "OSV", "https://osv.dev/vulnerability/{id}"),
    ("GO-", "OSV", "https://osv.dev/vulnerability/{id}"),
    ("OSV-", "OSV", "https://osv.dev/vulnerability/{id}"),
)
#: Analyzer component properties that have a place of their own in a CycloneDX model card.
MODEL_PARAMETERS: dict[str, str] = {
    "task": "task",
    "architecture_family": "architectureFamily",
    "architectureFamily": "architectureFamily",
    "architecture": "modelArchitecture",
    "model_architecture": "modelArchitecture",
    "modelArchitecture": "modelArchitecture",
}
COMPONENT_TYPES: frozenset[str] = frozenset(t.value for t in ComponentType)


def render(
    result: ScanResult,
    *,
    serial_number: uuid.UUID | None = None,
    timestamp: datetime | None = None,
    indent: int | None = 2,
) -> str:
    """The SBOM as CycloneDX 1.6 JSON text."""
    data = to_data(result, serial_number=serial_number, timestamp=timestamp)
    return dump_json(data, indent=indent)


def to_data(
    result: ScanResult,
    *,
    serial_number: uuid.UUID | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    builder = _Builder(result)
    bom = builder.build(serial_number or _PLACEHOLDER_SERIAL, timestamp)
    data: dict[str, Any] = json.loads(JsonV1Dot6(bom).output_as_string())
    if timestamp is None:
        data.get("metadata", {}).pop("timestamp", None)
    for component in data.get("components", []):
        card = builder.model_cards.get(component.get("bom-ref", ""))
        if card:
            component["modelCard"] = card
        # The library orders occurrences that have no bom-ref differently from run to run.
        occurrences = component.get("evidence", {}).get("occurrences")
        if occurrences:
            occurrences.sort(key=lambda o: str(o.get("location")))
    files = [builder.files[path] for path in sorted(builder.files)]
    data["components"] = files + data.get("components", [])
    dependencies = data.get("dependencies", []) + [
        {"ref": f["bom-ref"], "dependsOn": sorted(builder.cbom.uses[f["bom-ref"]])}
        if f["bom-ref"] in builder.cbom.uses
        else {"ref": f["bom-ref"]}
        for f in files
    ]
    known = {str(d["ref"]) for d in dependencies}
    dependencies += [{"ref": ref} for ref in sorted(builder.cbom.refs()) if ref not in known]
    data["dependencies"] = sorted(dependencies, key=lambda d: str(d["ref"]))
    if serial_number is None:
        compact = dump_json(data, indent=None)
        digest = hashlib.sha256(compact.encode("utf-8")).hexdigest()
        data["serialNumber"] = uuid.uuid5(uuid.NAMESPACE_URL, f"{TOOL_URI}#{digest}").urn
    return data


class _Builder:
    def __init__(self, result: ScanResult) -> None:
        self.result = result
        #: File components by logical path, as CycloneDX JSON. They are the bulk of an SBOM (one
        #: per file of a 100,000-file tree) and trivial in shape, so they are written directly
        #: (docs/benchmarks.md, "Issue 11"); the tests validate the result against the official
        #: schema like the rest.
        self.files: dict[str, dict[str, Any]] = {}
        self.identified: dict[str, Component] = {}
        self.occurrences: dict[str, list[str]] = {}
        self.model_cards: dict[str, dict[str, Any]] = {}
        self.refs: set[str] = set()
        self.cbom = CbomBuilder(self._claim)

    def _claim(self, ref: str) -> str:
        """A unique bom-ref: hostile names can collide once made UTF-8-safe, or look like purls."""
        ref = utf8_safe(ref) or "(empty)"
        candidate, number = ref, 2
        while candidate in self.refs:
            candidate, number = f"{ref}#{number}", number + 1
        self.refs.add(candidate)
        return candidate

    def build(self, serial: uuid.UUID, timestamp: datetime | None) -> Bom:
        artifacts = sorted(self.result.artifacts, key=lambda a: a.path)
        for artifact in artifacts:
            self.files[artifact.path] = _file_component(artifact, self._claim(artifact.path))
        for artifact in artifacts:
            for raw in public_components(artifact.properties.get("components")):
                if not isinstance(raw, dict) or not raw.get("name"):
                    continue
                if raw.get("type") == CRYPTO_TYPE:
                    file_ref = self.files[artifact.path]["bom-ref"]
                    self.cbom.add(raw, artifact.path, file_ref)
                else:
                    self._identified(raw, artifact.path)
        for key, places in self.occurrences.items():
            self.identified[key].evidence = ComponentEvidence(
                occurrences=[Occurrence(location=utf8_safe(p)) for p in sorted(set(places))]
            )
        vulnerabilities = [self._vulnerability(f, i) for i, f in enumerate(self.result.findings)]
        tool = Component(
            type=ComponentType.APPLICATION,
            name=TOOL_NAME,
            version=TOOL_VERSION,
            bom_ref=f"{TOOL_NAME}@{TOOL_VERSION}",
        )
        metadata = BomMetaData(
            tools=ToolRepository(components=[tool]),
            timestamp=timestamp,
            properties=[
                Property(name=f"{PREFIX}:target", value=utf8_safe(t)) for t in self.result.targets
            ],
        )
        return Bom(
            serial_number=serial,
            metadata=metadata,
            components=list(self.identified.values()) + self.cbom.finish(),
            vulnerabilities=vulnerabilities,
        )

    def _identified(self, raw: dict[str, Any], found_in: str) -> None:
        kind = utf8_safe(str(raw.get("type") or "library"))
        name = utf8_safe(str(raw["name"]))
        version = raw.get("version")
        version = utf8_safe(str(version)) if version not in (None, "") else None
        purl_text = raw.get("purl")
        purl = _purl(purl_text)
        if purl is not None:
            key = purl.to_string()
        else:
            key = f"component:{kind}:{name}" + (f"@{version}" if version else "")
        self.occurrences.setdefault(key, []).append(found_in)
        if key in self.identified:
            return
        ref = self._claim(key)
        props = dict(raw.get("properties") or {})
        is_model = kind == ComponentType.MACHINE_LEARNING_MODEL.value
        # A model's properties go to its model card, not twice into the document.
        properties = (
            [] if is_model else [_property(f"{PREFIX}:{k}", v) for k, v in sorted(props.items())]
        )
        if purl_text and purl is None:
            properties.append(_property(f"{PREFIX}:purl", purl_text))
        component_type = ComponentType(kind) if kind in COMPONENT_TYPES else ComponentType.LIBRARY
        if kind not in COMPONENT_TYPES:
            properties.append(_property(f"{PREFIX}:type", kind))
        self.identified[key] = Component(
            type=component_type,
            name=name,
            version=version,
            purl=purl,
            bom_ref=ref,
            properties=properties,
        )
        if is_model:
            self.model_cards[ref] = _model_card(props)

    def _affected(self, item: Finding) -> list[str]:
        refs: list[str] = []
        path = item.location.path
        while True:
            if path in self.files:
                refs.append(self.files[path]["bom-ref"])
                break
            if MEMBER_SEP not in path:
                break
            path = path.rsplit(MEMBER_SEP, 1)[0]
        if not refs:
            # The finding is about something the scan did not list as an artifact (an archive
            # that was refused, a member that was skipped): give it a component to point at.
            ref = self._claim(item.location.path)
            entry = _file_entry(item.location.path, ref, None, [(f"{PREFIX}:analyzed", "false")])
            self.files[item.location.path] = entry
            refs.append(entry["bom-ref"])
        if item.subject:
            subject = _purl(item.subject)
            key = subject.to_string() if subject is not None else item.subject
            if key in self.identified:
                refs.append(str(self.identified[key].bom_ref.value))
        return refs

    def _vulnerability(self, item: Finding, index: int) -> Vulnerability:
        props = public_properties(item.properties)
        ids = [str(i) for i in _as_list(props.get("advisory_ids")) + _as_list(props.get("aliases"))]
        ids = list(dict.fromkeys(i for i in ids if i))
        rule_source = VulnerabilitySource(name=TOOL_NAME, url=XsUri(item.rule.help_uri()))
        primary = ids[0] if ids else item.code
        references = [VulnerabilityReference(id=i, source=_advisory_source(i)) for i in ids[1:]]
        if ids:
            references.append(VulnerabilityReference(id=item.code, source=rule_source))
        remediation = item.remediation or rule_sections(item.rule).get("Remediation", "")
        detail = item.evidence or item.rule.summary()
        properties = [
            _property(f"{PREFIX}:code", item.code),
            _property(f"{PREFIX}:rule", item.rule.name),
            _property(f"{PREFIX}:layer", item.rule.layer.value),
            _property(f"{PREFIX}:confidence", item.confidence.label),
            _property(f"{PREFIX}:fingerprint", item.fingerprint),
            _property(f"{PREFIX}:location", str(item.location)),
        ]
        if item.location.logical:
            properties.append(_property(f"{PREFIX}:logical", item.location.logical))
        if item.subject:
            properties.append(_property(f"{PREFIX}:subject", item.subject))
        if item.suppressed is not None:
            properties.append(_property(f"{PREFIX}:suppressed", item.suppressed))
        for key, value in sorted(props.items()):
            if key not in ("advisory_ids", "aliases"):
                properties.append(_property(f"{PREFIX}:property:{key}", value))
        analysis = None
        if item.suppressed is not None:
            analysis = VulnerabilityAnalysis(
                detail=f"suppressed by outwork policy ({item.suppressed})"
            )
        return Vulnerability(
            bom_ref=f"{item.fingerprint}-{index}",
            id=utf8_safe(primary),
            source=_advisory_source(primary) if ids else rule_source,
            references=references,
            ratings=[
                VulnerabilityRating(
                    source=rule_source,
                    severity=SEVERITY[item.severity],
                    method=VulnerabilityScoreSource.OTHER,
                )
            ],
            cwes=list(item.rule.cwe),
            description=utf8_safe(item.message),
            detail=utf8_safe(detail),
            recommendation=utf8_safe(remediation) or None,
            analysis=analysis,
            affects=[BomTarget(ref=utf8_safe(r)) for r in self._affected(item)],
            properties=properties,
        )


def _file_component(artifact: ScannedArtifact, ref: str) -> dict[str, Any]:
    properties = [(f"{PREFIX}:kind", str(artifact.kind)), (f"{PREFIX}:size", str(artifact.size))]
    properties += [(f"{PREFIX}:analyzer", a) for a in artifact.analyzers]
    return _file_entry(artifact.path, ref, artifact.sha256, properties)


def _file_entry(
    path: str, ref: str, sha256: str | None, properties: list[tuple[str, str]]
) -> dict[str, Any]:
    """A ``file`` component in CycloneDX 1.6 JSON, shaped as cyclonedx-python-lib writes it."""
    entry: dict[str, Any] = {"type": "file", "bom-ref": ref, "name": utf8_safe(path)}
    if is_sha256(sha256):
        entry["hashes"] = [{"alg": HashAlgorithm.SHA_256.value, "content": sha256}]
    if properties:
        entry["properties"] = [
            {"name": name, "value": _text(value)} for name, value in sorted(properties)
        ]
    return entry


def _model_card(props: dict[str, Any]) -> dict[str, Any]:
    parameters: dict[str, str] = {}
    rest: list[dict[str, str]] = []
    for key, value in sorted(props.items()):
        field = MODEL_PARAMETERS.get(key)
        if field and isinstance(value, str) and value:
            parameters[field] = utf8_safe(value)
        elif value not in (None, ""):
            rest.append({"name": utf8_safe(f"{PREFIX}:model:{key}"), "value": _text(value)})
    card: dict[str, Any] = {}
    if parameters:
        card["modelParameters"] = parameters
    if rest:
        card["properties"] = rest
    return card


def _purl(text: object) -> PackageURL | None:
    if not isinstance(text, str) or not text.startswith("pkg:"):
        return None
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def _advisory_source(advisory: str) -> VulnerabilitySource:
    upper = advisory.upper()
    for prefix, name, url in ADVISORY_SOURCES:
        if upper.startswith(prefix):
            return VulnerabilitySource(name=name, url=XsUri(url.format(id=advisory)))
    return VulnerabilitySource(name="unknown")


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return [value]


def _text(value: object) -> str:
    if isinstance(value, str):
        return utf8_safe(value)
    return json.dumps(clean_data(value), sort_keys=True, ensure_ascii=False)


def _property(name: str, value: object) -> Property:
    return Property(name=utf8_safe(name), value=_text(value))
