"""The attack graph: facts from every layer joined into paths from entry points to crown jewels.

Node ids are ``type:id``. Nodes whose id starts with ``entry:`` are where an outside attacker
starts (a fork's pull request, a public registry, a model hub); nodes starting with ``jewel:`` are
what they want (a secret, code execution on a host, a cloud role). Facts from different layers join
on shared node ids (``pkg:pypi/requests@2.0`` from a lockfile and from an image), which is what
turns separate findings into one chain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from outwork.core.findings import AttackPath, Fact, Finding, Location
from outwork.core.rules import Confidence, Layer, Rule, Severity

ENTRY_PREFIX = "entry:"
JEWEL_PREFIX = "jewel:"
#: Longest chain considered, in facts.
MAX_HOPS = 8
#: Paths reported at most, shortest first.
MAX_PATHS = 200


def build_paths(facts: Iterable[Fact]) -> list[AttackPath]:
    """Every simple path from an entry node to a crown-jewel node, most severe and shortest
    first, bounded in hops and in count.

    The graphs are small (tens to thousands of edges), so a depth-first search bounded by
    :data:`MAX_HOPS` and a budget of paths is all it takes.
    """
    edges: dict[str, dict[str, Fact]] = {}
    for fact in facts:
        targets = edges.setdefault(fact.source, {})
        known = targets.get(fact.target)
        if known is None or (fact.relation, fact.proof) < (known.relation, known.proof):
            targets[fact.target] = fact
    entries = sorted(n for n in edges if n.startswith(ENTRY_PREFIX))
    found: list[AttackPath] = []
    budget = MAX_PATHS * 4
    for entry in entries:
        stack: list[tuple[str, tuple[Fact, ...], frozenset[str]]] = [
            (entry, (), frozenset({entry}))
        ]
        while stack and len(found) < budget:
            node, steps, visited = stack.pop()
            for target, fact in sorted(edges.get(node, {}).items(), reverse=True):
                if target in visited:
                    continue
                chain = (*steps, fact)
                if target.startswith(JEWEL_PREFIX):
                    found.append(AttackPath(entry, target, chain, _severity(chain)))
                elif len(chain) < MAX_HOPS and target in edges:  # a dead end leads nowhere
                    stack.append((target, chain, visited | {target}))
    found.sort(key=lambda p: (-p.severity, len(p.steps), p.entry, p.target))
    return found[:MAX_PATHS]


def _severity(steps: tuple[Fact, ...]) -> Severity:
    """High, or the most severe step's own grade; medium at most when a step is only as likely
    as a setting outside the scanned files makes it (``confidence: low``: whether a fork's
    pull request gets the pipeline's secrets is a setting of the CI service, not of the file)."""
    best = Severity.HIGH
    for step in steps:
        label = step.properties.get("severity")
        if isinstance(label, str):
            try:
                best = max(best, Severity.parse(label))
            except ValueError:
                continue
    if any(step.properties.get("confidence") == "low" for step in steps):
        return min(best, Severity.MEDIUM)
    return best


class AttackPathToCrownJewel(Rule):
    """Facts from the scanned artifacts chain into a path from an outside attacker to a crown jewel.

    ## What it finds
    A chain of facts reported by the analyzers, possibly across layers, that leads from an entry
    point an outsider controls (a fork's pull request, a public package registry, a model hub) to a
    crown jewel (a repository secret, code execution on a build host, a cloud role). Each step is a
    fact with its proof; the finding's location is where the chain starts.

    ## Why it matters
    Autonomous attackers do not stop at one weakness: they walk from one to the next. Separate
    medium findings can add up to one critical path, and the path shows which link to cut first.
    A path one of whose steps depends on a setting outside the scanned files (whether the CI
    service gives forks' pull requests the secrets) is medium at most.

    ## Example
    `entry:fork-pull-request` → triggers `job:.github/workflows/pr.yml#test` (a
    `pull_request_target` job that checks out the fork) → exposes `jewel:secret:NPM_TOKEN`.

    ## Remediation
    Break the chain at its cheapest link: usually the first step (do not run untrusted code with
    privileges) or the last (remove the secret or role from the job that does).

    ## References
    - MITRE ATT&CK, Initial Access (TA0001) and Credential Access (TA0006)
    - CWE-1395: Dependency on Vulnerable Third-Party Component
    """

    code = "PATH001"
    name = "attack-path-to-crown-jewel"
    layer = Layer.PATH
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (1395, 284)
    attack = ("TA0001", "TA0006")
    inline_suppressible = False


def path_findings(paths: Iterable[AttackPath]) -> list[Finding]:
    """One PATH001 finding per attack path, located where its first step is proven."""
    out: list[Finding] = []
    for path in paths:
        proofs = [proof_location(s.proof) for s in path.steps if s.proof]
        located = [p for p in proofs if p.line is not None]
        location = (located or proofs or [Location("(scan)")])[0]
        chain = " -> ".join([path.entry, *(f"{s.relation} {s.target}" for s in path.steps)])
        message = f"attack path from {path.entry} to {path.target} in {len(path.steps)} steps"
        if path.suppressed_steps:
            numbers = ", ".join(str(i + 1) for i in path.suppressed_steps)
            message += f" (step {numbers} suppressed, the rest still active)"
        out.append(
            Finding(
                rule=AttackPathToCrownJewel,
                message=message,
                location=location,
                severity=path.severity,
                confidence=AttackPathToCrownJewel.confidence,
                evidence=chain,
                remediation="Cut the chain at its first or last step.",
                subject=path.target,
                related=tuple(proof_location(s.proof) for s in path.steps[1:] if s.proof),
                properties={
                    "steps": [s.to_dict() for s in path.steps],
                    "suppressed_steps": list(path.suppressed_steps),
                },
            )
        )
    return out


_PROOF_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))?$")


def proof_location(proof: str) -> Location:
    """A fact's proof is a logical path, optionally followed by ``:line``, ``:line:column`` or
    ``: logical position`` (a key path)."""
    match = _PROOF_RE.match(proof)
    if match:
        column = match.group("column")
        return Location(
            match.group("path"), int(match.group("line")), int(column) if column else None
        )
    path, sep, logical = proof.partition(": ")
    if sep and logical:
        return Location(path, logical=logical)
    return Location(proof or "(scan)")
