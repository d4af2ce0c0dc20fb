"""IAM009 and IAM010: GCP members that can become owner, and bindings to everyone."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from outwork.analyzers.identities.gcp.escalation import GEscalation, GHop
from outwork.analyzers.identities.gcp.iam import Hierarchy
from outwork.analyzers.identities.rules.evaluation import PolicyNotFullyEvaluable
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

GCheck = Callable[[Hierarchy, GEscalation], Iterator[Emitted]]
#: Every GCP check, registered by the modules that define them.
GCP_CHECKS: list[GCheck] = []


def gcp_check(check: GCheck) -> GCheck:
    GCP_CHECKS.append(check)
    return check


class GcpEscalationToOwner(Rule):
    """A GCP member can make itself owner of a project, folder or organisation.

    ## What it finds
    Users, groups and service accounts that reach owner through the methods of Rhino Security
    Labs' GCP research, inherited down the hierarchy from organisation and folders: setting the
    IAM policy of the scope, updating a custom role they hold, or becoming a more privileged
    service account (creating its keys, minting its tokens, signing as it, setting its policy,
    or running code as it with `iam.serviceAccounts.actAs` and Compute Engine, Cloud Functions,
    Cloud Run, Cloud Build or Deployment Manager). The path, hop by hop with the bindings that
    grant each, is in the finding's properties; a hop through a conditional binding makes the
    finding medium confidence.

    ## Why it matters
    Default service accounts often hold Editor or more; `actAs` on them is the most common
    way a developer foothold becomes the whole project.

    ## Example
    ```json
    {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:dev@example.com"]}
    ```
    (on a project whose deploy service account is owner)

    ## Remediation
    Grant `iam.serviceAccountUser` and `serviceAccountTokenCreator` on the one service account
    needed, not on the project; keep service accounts off owner and editor.

    ## References
    - https://rhinosecuritylabs.com/gcp/privilege-escalation-google-cloud-platform-part-1/
    - https://rhinosecuritylabs.com/cloud-security/privilege-escalation-google-cloud-platform-part-2/
    - https://cloud.google.com/iam/docs/service-account-overview#service-account-permissions
    """

    code = "IAM009"
    name = "gcp-escalation-to-owner"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (269,)
    attack = ("T1098", "T1078.004")


class Everyone(enum.Enum):
    """What a binding to everyone grants."""

    ESCALATION = "a role with owner or escalation permissions"
    OTHER = "another role"


class GcpBindingToEveryone(Rule):
    """A GCP allow policy grants a role to allUsers or allAuthenticatedUsers.

    ## What it finds
    Bindings whose members include `allUsers` (anyone on the internet) or
    `allAuthenticatedUsers` (anyone with a Google account). Critical when the role holds owner or
    an escalation permission; medium for any other role (a public bucket may be intended, the
    finding says which role and where).

    ## Why it matters
    `allAuthenticatedUsers` is not "our organisation": any Gmail account qualifies.

    ## Example
    ```json
    {"role": "roles/iam.serviceAccountUser", "members": ["allAuthenticatedUsers"]}
    ```

    ## Remediation
    Replace the member with the group or domain meant.

    ## References
    - https://cloud.google.com/iam/docs/principals-overview#all-authenticated-users
    """

    code = "IAM010"
    name = "gcp-binding-to-everyone"
    layer = Layer.IAM
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (284, 732)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Everyone.ESCALATION: Severity.CRITICAL,
        Everyone.OTHER: Severity.MEDIUM,
    }


def _hop(hop: GHop) -> dict[str, Any]:
    return {
        "from": hop.source,
        "to": hop.target or f"owner of {hop.scope}",
        "method": hop.method.id,
        "title": hop.method.title,
        "bindings": [f"{g.role} on {g.scope} (line {g.line})" for g in hop.grants],
        "conditional": hop.conditional,
    }


@gcp_check
def check_gcp_escalation(hierarchy: Hierarchy, search: GEscalation) -> Iterator[Emitted]:
    result = search.result
    for member, grant in sorted(result.owners.items()):
        yield Fact(
            f"gcp:{member}",
            "administers",
            f"jewel:gcp-owner:{grant.scope}",
            proof=f"{grant.role} on {grant.scope}",
            properties={"severity": "critical"},
        )
    for member in sorted(result.first_hop):
        path = result.path(member)
        if not path:
            continue
        for hop in path:
            target = f"gcp:{hop.target}" if hop.target else f"jewel:gcp-owner:{hop.scope}"
            yield Fact(
                f"gcp:{hop.source}",
                "can-become",
                target,
                proof=hop.method.id,
                properties={"severity": "high"},
            )
        first = path[0]
        conditional = any(h.conditional for h in path)
        steps = " -> ".join(f"{h.method.id} ({h.target or 'owner'})" for h in path)
        yield finding(
            GcpEscalationToOwner,
            f"{member} can become owner: {steps}",
            line=first.grants[0].line if first.grants else None,
            confidence=Confidence.MEDIUM if conditional else Confidence.HIGH,
            subject=member,
            evidence="; ".join(f"{g.role} on {g.scope}" for g in first.grants),
            properties={"path": [_hop(h) for h in path], "methods": [h.method.id for h in path]},
        )


@gcp_check
def check_everyone(hierarchy: Hierarchy, search: GEscalation) -> Iterator[Emitted]:
    for grant in hierarchy.public:
        dangerous = bool(hierarchy.permissions(grant.role))
        kind = Everyone.ESCALATION if dangerous else Everyone.OTHER
        yield finding(
            GcpBindingToEveryone,
            f"{grant.role} is granted to {grant.member} on {grant.scope}",
            line=grant.line,
            severity=GcpBindingToEveryone.severity_in(kind),
            subject=grant.member,
            evidence=f"{grant.role} on {grant.scope}",
        )


@gcp_check
def check_gcp_unreadable(hierarchy: Hierarchy, search: GEscalation) -> Iterator[Emitted]:
    for message, line in hierarchy.problems:
        yield finding(PolicyNotFullyEvaluable, message, line=line, subject="gcp")
