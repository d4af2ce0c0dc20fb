"""From a text to findings and facts: the table's candidates weighed in their context, masked,
fingerprinted with the installation's key, and the identities their structure names."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from outwork.analyzers.secrets import placement, redact
from outwork.analyzers.secrets.rules import (
    cloud,
    coverage,
    generic,
    jwt,
    private_keys,
    tokens,
    urls,
)
from outwork.analyzers.secrets.rules.credential_files import file_candidates
from outwork.analyzers.secrets.scan import MAX_HITS, Table, scan_text, without_overlaps
from outwork.analyzers.secrets.table import Candidate, Exposure
from outwork.analyzers.secrets.verify import Verdict, verify, verify_aws_pair
from outwork.core.analyzer import AnalysisContext, Emitted
from outwork.core.artifact import (
    MEMBER_SEP,
    Artifact,
    inside_installed_packages,
    inside_package_archive,
)
from outwork.core.findings import Fact, finding
from outwork.core.rules import Severity

#: Bytes of one text searched; the rest is reported (SEC008), never silently dropped.
MAX_SCAN_BYTES = 8 * 1024 * 1024
#: Lines between an AWS key id and its secret access key for the two to be one credential.
PAIR_LINES = 10
#: The highest severity of a credential in a third-party package's own files (a member of a
#: package archive, or a file under ``site-packages``/``node_modules``): it is the publisher's
#: leak, to be reported to the publisher, not a credential of the project or machine being
#: scanned, and installing the package exposes nothing of the user's. The same value in the
#: project's own files (a ``vendor/`` copy included) keeps its grade; the packages layer judges
#: what a package does with a token (a bot or webhook used as a channel) on its own.
DEPENDENCY_CAP = Severity.MEDIUM

TABLE = Table(
    row for module in (tokens, private_keys, cloud, urls, jwt, generic) for row in module.DETECTORS
)

#: Identity fields a structure decodes, and the attack-graph node each one names.
IDENTITY_NODES = {
    "aws_account": "principal:aws:account:{}",
    "gcp_service_account": "principal:gcp:service-account:{}",
    "storage_account": "principal:azure:storage-account:{}",
    "team_id": "principal:slack:team:{}",
    "registry_user": "principal:registry:{}",
}


@dataclass(frozen=True, slots=True)
class Where:
    """Where a text comes from. ``path`` is the artifact's (the facts' proof); ``name`` the
    file name its context is judged by; ``logical`` is set for a text that is not the artifact
    itself (a blob in a repository's history): findings are then placed there, not at a line of
    the artifact, and carry ``properties``."""

    path: str
    name: str
    logical: str = ""
    properties: dict[str, object] = field(default_factory=dict)
    #: The text is a third-party package's own file (:data:`DEPENDENCY_CAP`).
    dependency: bool = False


def analyze(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    limit = int(context.options.get("secrets.max_scan_bytes", MAX_SCAN_BYTES))
    text = artifact.read(limit).decode("utf-8", "replace")
    key, persistent = redact.fingerprint_key(context.data_dir, context.scan_key)
    asking = context.options if verifying(context) else None
    dependency = inside_package_archive(artifact.path) or inside_installed_packages(artifact.path)
    where = Where(artifact.path, scanned_name(artifact), dependency=dependency)
    yield from scan_document(text, where, key, persistent, asking)
    if artifact.size > limit:
        yield finding(
            coverage.SecretScanIncomplete,
            f"only the first {limit} of {artifact.size} bytes were searched for credentials",
            logical="size",
            properties={"scanned_bytes": limit, "size": artifact.size},
        )


def credentials_in(text: str, name: str) -> list[tuple[str, str, str]]:
    """(provider, detector id, masked value) of every credential in ``text``, for other layers
    (:meth:`SecretAnalyzer.credentials_in`)."""
    found = scan_text(text, TABLE, placement.file_context(name, text[:65536]))
    return [(c.detector.provider, c.detector.id, redact.mask(c.value)) for c in found.candidates]


def scanned_name(artifact: Artifact) -> str:
    """The artifact's path inside what was scanned (its archive, or the target folder): the
    folders above the target (a checkout under ``~/tests/``) say nothing about the file."""
    if MEMBER_SEP in artifact.path:
        return artifact.member_path
    root = artifact.root.rstrip("/")
    if root and artifact.path.startswith(root + "/"):
        return artifact.path[len(root) + 1 :]
    return artifact.name


def verifying(context: AnalysisContext) -> bool:
    """``--verify`` asked for, and the scan may use the network."""
    return bool(context.options.get("secrets.verify")) and not context.offline


def scan_document(
    text: str,
    where: Where,
    key: bytes,
    persistent: bool,
    verify_options: Mapping[str, Any] | None = None,
) -> Iterator[Emitted]:
    """Every credential of one text, as findings and facts; with ``verify_options``, each one
    the provider can be asked about is checked first (:mod:`verify`)."""
    ctx = placement.file_context(where.name, text[:65536])
    found = scan_text(text, TABLE, ctx)
    candidates = without_overlaps(
        _pair_aws(found.candidates, text) + file_candidates(where.name, text)
    )
    if candidates:  # line numbers only for texts that hold something
        lines = Lines(text)
        all_spans = [(c.start, c.end) for c in found.candidates + candidates]
        for candidate in candidates:
            checked = _verified(candidate, verify_options) if verify_options else candidate
            yield from _emit(checked, ctx, lines, all_spans, (key, persistent), where)
    if found.dropped_hits:
        yield finding(
            coverage.SecretScanIncomplete,
            f"{found.dropped_hits} keyword occurrences past the first {MAX_HITS} were not followed",
            logical=f"{where.logical}:keywords" if where.logical else "keywords",
            properties={"unfollowed": found.dropped_hits},
        )


def _verified(candidate: Candidate, options: Mapping[str, Any]) -> Candidate:
    """The provider's answer folded into the structure: a revoked credential is weakened; a
    live one names whom it authenticates as, when the provider says."""
    if candidate.partner and candidate.detector.id == "aws-access-key-id":
        verdict: Verdict | None = verify_aws_pair(candidate.value, candidate.partner, options)
    else:
        verdict = verify(candidate.detector.id, candidate.value, options)
    if verdict is None:
        return candidate
    structure = candidate.structure
    identity = {**structure.identity, "verified": verdict.status, "verified_detail": verdict.detail}
    if verdict.identity:
        identity["verified_identity"] = verdict.identity
    weakened = structure.weakened
    if verdict.status == "revoked":
        weakened = f"revoked at the provider ({verdict.detail})"
    return replace(candidate, structure=replace(structure, identity=identity, weakened=weakened))


class Lines:
    """Line numbers of offsets in one text."""

    __slots__ = ("ends", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends = [m.start() for m in re.finditer("\n", text)]

    def number(self, offset: int) -> int:
        return bisect.bisect_left(self.ends, offset) + 1

    def bounds(self, number: int) -> tuple[int, int]:
        start = self.ends[number - 2] + 1 if number > 1 else 0
        end = self.ends[number - 1] if number - 1 < len(self.ends) else len(self.text)
        return start, end


def _pair_aws(candidates: list[Candidate], text: str) -> list[Candidate]:
    """An AWS key id with its secret access key a few lines away is one proven credential:
    the pair is reported at the key id, the secret folded into it."""
    ids = [c for c in candidates if c.detector.id == "aws-access-key-id"]
    secrets_ = [c for c in candidates if c.detector.id == "aws-secret-access-key"]
    if not ids or not secrets_:
        return candidates
    used: set[int] = set()
    out: list[Candidate] = []
    for candidate in candidates:
        if candidate.detector.id != "aws-access-key-id":
            out.append(candidate)
            continue
        partner = next(
            (
                s
                for s in secrets_
                if id(s) not in used
                and text.count("\n", *sorted((s.start, candidate.start))) <= PAIR_LINES
            ),
            None,
        )
        if partner is None:
            out.append(candidate)
            continue
        used.add(id(partner))
        structure = replace(candidate.structure, kind="AWS access key pair", checked=True)
        out.append(replace(candidate, structure=structure, partner=partner.value))
    return [c for c in out if id(c) not in used]


def exposure(candidate: Candidate, ctx: placement.FileContext, line: str) -> list[Exposure]:
    """Every context that applies; the finding takes the one its rule grades lowest."""
    found = [Exposure.CHECKED if candidate.structure.checked else Exposure.SHAPED]
    if candidate.structure.weakened:
        found.append(Exposure.WEAKENED)
    if ctx.test or ctx.example:
        found.append(Exposure.TEST)
    marked = ctx.says_fake or placement.says_fake(line) or placement.says_fake(candidate.name)
    if (ctx.test or ctx.example) and marked:
        found.append(Exposure.FAKE)
    return found


def _emit(
    candidate: Candidate,
    ctx: placement.FileContext,
    lines: Lines,
    spans: list[tuple[int, int]],
    keyed: tuple[bytes, bool],
    where: Where,
) -> Iterator[Emitted]:
    row = candidate.detector
    rule = row.rule
    number = lines.number(candidate.start)
    start, end = lines.bounds(number)
    line = lines.text[start:end]
    outside = line[: max(0, candidate.start - start)] + line[candidate.end - start :]
    contexts = exposure(candidate, ctx, outside)
    table = rule.severities
    usable = [c for c in contexts if c in table] or [Exposure.SHAPED]
    chosen = min(usable, key=lambda c: (table[c], -list(Exposure).index(c)))
    key, persistent = keyed
    digest = redact.keyed_hash(candidate.value, key)
    masked = redact.mask(candidate.value)
    structure = candidate.structure
    on_line = [
        (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
    ]
    message = f"{structure.kind} ({row.provider}) {masked}"
    why = _why(chosen, structure.weakened)
    if why:
        message += f": {why}"
    severity = rule.severity_in(chosen)
    if where.dependency and severity > DEPENDENCY_CAP:
        severity = DEPENDENCY_CAP
        message += f" (in a third-party package's own files: {DEPENDENCY_CAP.label} at most)"
    if structure.identity.get("verified") == "live":
        who = structure.identity.get("verified_identity")
        message += f"; live at the provider{f' as {who}' if who else ''}"
    properties: dict[str, object] = {
        "provider": row.provider,
        "detector": row.id,
        "credential_kind": structure.kind,
        "masked": masked,
        "secret_hash": digest,
        "secret_hash_scope": "installation" if persistent else "this run only",
        "format_checked": structure.checked,
        "exposure": chosen.name.lower(),
        **structure.identity,
        **where.properties,
    }
    if where.dependency:
        properties["in_dependency"] = True
    anchor = f"{row.id}:{digest[:16]}"
    if where.logical:
        properties["line"] = number
    yield finding(
        rule,
        message,
        line=None if where.logical else number,
        column=None if where.logical else candidate.start - start + 1,
        logical=f"{where.logical}:{number}:{anchor}" if where.logical else anchor,
        severity=severity,
        evidence=redact.mask_line(line, on_line),
        properties=properties,
        subject=_subject(structure.identity),
    )
    path = where.path
    number_text = f"{where.logical}:{number}" if where.logical else str(number)
    node = f"jewel:credential:{row.id}:{digest[:16]}"
    yield Fact(f"artifact:{path}", "exposes", node, proof=f"{path}:{number_text}")
    who = structure.identity.get("verified_identity")
    if who:
        principal = f"principal:{row.provider.lower().replace(' ', '-')}:{who}"
        yield Fact(node, "authenticates-as", principal, proof=f"{path}:{number_text}")
    for label, template in IDENTITY_NODES.items():
        if structure.identity.get(label):
            yield Fact(
                node,
                "authenticates-as",
                template.format(structure.identity[label]),
                proof=f"{path}:{number_text}",
            )
    projects = structure.identity.get("projects")
    if projects and row.id == "pypi-token":
        for project in projects.split(","):
            yield Fact(
                node,
                "can-publish",
                f"pkg:pypi/{project.strip().lower()}",
                proof=f"{path}:{number_text}",
            )


def _why(chosen: Exposure, weakened: str) -> str:
    if chosen is Exposure.FAKE:
        return "in a test or example file that calls it fake"
    if chosen is Exposure.TEST:
        return "in a test, example or documentation file"
    if chosen is Exposure.WEAKENED:
        return weakened
    return ""


def _subject(identity: dict[str, str]) -> str | None:
    for label, template in IDENTITY_NODES.items():
        if identity.get(label):
            return template.format(identity[label]).removeprefix("principal:")
    return None
