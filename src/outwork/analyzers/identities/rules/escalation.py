"""IAM003 and IAM004: who is administrator, and who can become one.

Both read the escalation search of :mod:`..aws.escalation`, run once per input."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from outwork.analyzers.identities.aws.escalation import Hop
from outwork.analyzers.identities.aws.evaluate import YES, expiry
from outwork.analyzers.identities.aws.policy import Origin, Statement
from outwork.analyzers.identities.aws.scan import HOLDER, AwsScan, aws_check
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, Location, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Holder(enum.Enum):
    """Who holds the permissions."""

    USER = "an IAM user (long-lived credentials)"
    ROLE = "an IAM role"
    POLICY = "a policy document, whoever it is attached to"


class AdministratorEquivalent(Rule):
    """A principal (or a policy) is allowed everything: administrator in all but name.

    ## What it finds
    Users and roles whose policies, combined with their groups, permission boundary and the
    account's SCPs, allow without condition every probe of a spread of services and actions (IAM,
    STS, Organizations, S3, EC2, Lambda, KMS, Secrets Manager, DynamoDB) on any resource: what
    `"Action": "*"` grants, however it is spelled (`NotAction` with a token exclusion, `*:*`,
    `AdministratorAccess`). A lone policy document that grants this is reported the same way.
    Access bounded in time (`DateLessThan` on `aws:CurrentTime`) counts while it lasts, with its
    end in the finding; access that has ended does not.

    ## Why it matters
    Whoever obtains this principal's credentials owns the account. Long-lived administrator
    users are what automated attackers harvest from leaked keys first.

    ## Example
    ```json
    {"Effect": "Allow", "NotAction": "aws-portal:*", "Resource": "*"}
    ```

    ## Remediation
    Grant the actions the job needs; keep administrator access on a role assumed with MFA.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """

    code = "IAM003"
    name = "administrator-equivalent-principal"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (269,)
    attack = ("T1078.004",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Holder.USER: Severity.HIGH,
        Holder.ROLE: Severity.MEDIUM,
        Holder.POLICY: Severity.HIGH,
    }


class PrivilegeEscalationToAdministrator(Rule):
    """A principal can make itself administrator through a published escalation method.

    ## What it finds
    Users and roles (or a lone policy's holder) that can reach administrator, in one hop or
    several: rewriting their own policies (`iam:CreatePolicyVersion`, `SetDefaultPolicyVersion`,
    `Put*Policy`, `Attach*Policy`, `AddUserToGroup`), taking over another principal
    (`CreateAccessKey`, `CreateLoginProfile`, `UpdateLoginProfile`, `UpdateAssumeRolePolicy`,
    `sts:AssumeRole`), or passing a privileged role to a service that runs their code
    (`iam:PassRole` with EC2, Lambda, Glue, CloudFormation, Data Pipeline, SageMaker,
    CodeBuild, ECS, App Runner) or reaching code that already runs with one (`lambda:Update*`,
    `ssm:SendCommand`, `ssm:StartSession`, EC2 Instance Connect, `ecs:ExecuteCommand`), or
    giving a role's instance profile to a running instance (`iam:PassRole` with
    `ec2:AssociateIamInstanceProfile` or `ec2:ReplaceIamInstanceProfileAssociation`: it holds
    if the principal runs code on some instance, which the input does not show, so medium
    confidence, unless it may launch an instance of its own without a profile, then give it
    the role; a launch that passes a role names an instance profile, so a Deny on launches
    naming any, `Null` on `ec2:InstanceProfile`, stops it). A role in no instance profile is
    given to EC2 by a principal that can put it in one (`iam:CreateInstanceProfile`, or
    `iam:RemoveRoleFromInstanceProfile` on a profile the input shows, with
    `iam:AddRoleToInstanceProfile`), named first in the hop. A grant
    guarded by a condition on its target's tags (`aws:ResourceTag/K`, `iam:ResourceTag/K`) is
    the principal's when it may set that tag on the target (`iam:TagUser`, `iam:TagRole`,
    itself included): the tagging call is evaluated as the request it is, with
    `aws:RequestTag/K` and `aws:TagKeys`, so a Deny, boundary or SCP on tagging that key, or a
    tagging grant limited to other keys or values, stops it; the hop names the tag first
    (`tag-then-act`). A
    principal under a permission boundary that can lift it (`iam:Delete*PermissionsBoundary`,
    `iam:Put*PermissionsBoundary` with `AdministratorAccess`, or with any policy of the account
    or of AWS that a condition on `iam:PermissionsBoundary` lets it set and that grants what
    the method needs, `iam:CreatePolicyVersion` or `SetDefaultPolicyVersion` on the boundary
    policy itself) is not bounded: it is searched again as it is without the boundary (or
    under the one it sets), and the lift is named first in its path. Each method is a set
    of permissions evaluated with AWS's decision logic across all the principal's policies,
    its boundary and the SCPs; the path is in the finding's properties, hop by hop, with the
    statements that grant each. A path that depends on context outwork
    cannot know offline (an unknown condition key) is reported with medium confidence and says
    which. Conditions on the time of the request (`aws:CurrentTime`, `aws:EpochTime`) are
    evaluated at the time of the scan: a grant that has expired is no grant (nor is one that
    has not started), a Deny that has expired denies nothing, and a grant that ends later is a
    grant whose end the finding names (`properties.expires`); a cached result is not served
    to a scan whose time is past (or before) a time such a condition names. A template (Terraform,
    CloudFormation) declares one version of each managed policy it writes; other versions may be
    made outside it, so `SetDefaultPolicyVersion` on its own such policy is reported with
    medium confidence.

    ## Why it matters
    Least privilege on paper is worthless if the principal can rewrite it. Escalation methods
    are scripted in attack tools (Pacu, pmapper) and used by automated intrusions within minutes
    of a key leak.

    ## Example
    ```json
    {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction",
     "lambda:InvokeFunction"], "Resource": "*"}
    ```
    (the holder creates a function with an administrator role and invokes it)

    ## Remediation
    Scope `iam:PassRole` to the roles the job passes, with `iam:PassedToService`; never grant
    IAM write actions on the principal's own user, groups, roles or policies; attach a
    permission boundary that denies IAM writes, including the calls that change or remove the
    boundary itself (or require `iam:PermissionsBoundary` to stay the same policy).

    ## References
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    - https://pathfinding.cloud
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """

    code = "IAM004"
    name = "privilege-escalation-to-administrator"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (269,)
    attack = ("T1098", "T1078.004")
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Holder.USER: Severity.HIGH,
        Holder.ROLE: Severity.HIGH,
        Holder.POLICY: Severity.HIGH,
    }


def _holder(scan: AwsScan, kind: str) -> Holder:
    if scan.mode == "policy":
        return Holder.POLICY
    return Holder.USER if kind == "user" else Holder.ROLE


def _located(statements: tuple[Statement, ...]) -> tuple[Origin | None, tuple[Location, ...]]:
    origins = [s.origin for s in statements if not s.origin.policy.startswith("<")]
    if not origins:
        return None, ()
    related = tuple(Location(o.path, o.line, logical=o.logical or None) for o in origins[1:4])
    return origins[0], related


def _hop_record(hop: Hop) -> dict[str, Any]:
    return {
        "from": hop.source.arn,
        "to": hop.target.arn if hop.target is not None else "administrator",
        "method": hop.method.id,
        "title": hop.method.title,
        "source": hop.method.source,
        "statements": [s.origin.describe() for s in hop.granted_by],
        "conditional": hop.level != YES,
        "unknown": list(hop.unknown),
        "lifts_boundary": hop.lift.id if hop.lift is not None else None,
        "setup": [{"method": m.id, "title": m.title} for m in hop.setup],
    }


def _who(scan: AwsScan, subject: str) -> str:
    return f"a holder of {subject}" if scan.mode == "policy" else subject


def _node(arn: str) -> str:
    return f"aws:{arn}"


@aws_check
def check_administrators(scan: AwsScan) -> Iterator[Emitted]:
    result = scan.result()
    jewel = f"jewel:cloud-admin:aws:{scan.account.id or 'unknown'}"
    for arn, verdict in sorted(result.admins.items()):
        who = next(w for w in scan.account.principals() if w.arn == arn)
        if scan.mode == "policy" and who.name != HOLDER:
            continue
        origin, related = _located(verdict.granted_by)
        subject = scan.policy.name if scan.mode == "policy" and scan.policy else arn
        expires = expiry(verdict.granted_by)
        yield finding(
            AdministratorEquivalent,
            f"{_who(scan, subject)} is allowed every action on every resource"
            + (f" (granted by {origin.describe()})" if origin else "")
            + (f"; the grant expires at {expires}" if expires else ""),
            line=origin.line if origin else None,
            logical=(origin.logical or None) if origin else None,
            path=origin.path if origin else "",
            severity=AdministratorEquivalent.severity_in(_holder(scan, who.kind)),
            subject=subject,
            related=related,
            evidence="; ".join(s.origin.describe() for s in verdict.granted_by[:5]),
            properties={"principal": arn, "kind": who.kind, "expires": expires},
        )
        if scan.mode != "policy":
            yield Fact(
                _node(arn),
                "administers",
                jewel,
                proof=origin.describe() if origin else arn,
                properties={"severity": "critical"},
            )


@aws_check
def check_escalation(scan: AwsScan) -> Iterator[Emitted]:
    result = scan.result()
    for arn in sorted(result.first_hop):
        path = result.path(arn)
        if not path:
            continue
        who = path[0].source
        if scan.mode == "policy" and who.name != HOLDER:
            continue
        first = path[0]
        origin, related = _located(first.granted_by)
        conditional = any(h.level != YES for h in path)
        subject = scan.policy.name if scan.mode == "policy" and scan.policy else arn
        steps = " -> ".join(
            (f"{h.lift.id} + " if h.lift is not None else "")
            + "".join(f"{m.id} + " for m in h.setup)
            + f"{h.method.id} ({h.target.name if h.target else 'administrator'})"
            for h in path
        )
        unknown = sorted({u for h in path for u in h.unknown})
        expires = expiry(s for h in path for s in h.granted_by)
        yield finding(
            PrivilegeEscalationToAdministrator,
            f"{_who(scan, subject)} can become administrator: {steps}"
            + (f"; conditional on {', '.join(unknown[:3])}" if conditional and unknown else "")
            + (f"; a grant on the path expires at {expires}" if expires else ""),
            line=origin.line if origin else None,
            logical=(origin.logical or None) if origin else None,
            path=origin.path if origin else "",
            severity=PrivilegeEscalationToAdministrator.severity_in(_holder(scan, who.kind)),
            confidence=Confidence.HIGH if not conditional else Confidence.MEDIUM,
            subject=subject,
            related=related,
            evidence="; ".join(s.origin.describe() for s in first.granted_by[:5]),
            properties={
                "principal": arn,
                "path": [_hop_record(h) for h in path],
                "methods": [h.method.id for h in path],
                "expires": expires,
            },
        )
        if scan.mode == "policy":
            continue
        for hop in path:
            target = (
                _node(hop.target.arn)
                if hop.target is not None and hop.method.gives != "admin"
                else f"jewel:cloud-admin:aws:{scan.account.id or 'unknown'}"
            )
            yield Fact(
                _node(hop.source.arn),
                "can-become",
                target,
                proof=hop.method.id,
                properties={"severity": "high"},
            )
