"""IAM005 and IAM006: who outside the account a policy lets in.

Role trust policies (who may assume the role) and resource policies (who may use a bucket, key,
queue, topic, secret, function, repository) both name principals; a principal of ``*`` or of
another account, or a CI provider's OIDC tokens without a subject, lets in whoever the condition
does not keep out. A condition keeps someone out when it tests an identifying key (the caller's
organisation, account, ARN, source, external id, the token's subject) with a value that is not
a bare wildcard."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.identities.aws.account import Identity
from outwork.analyzers.identities.aws.catalogue import catalogue, glob_match
from outwork.analyzers.identities.aws.evaluate import split_operator
from outwork.analyzers.identities.aws.policy import Statement, account_of
from outwork.analyzers.identities.aws.scan import AwsScan, aws_check
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Condition keys that identify who calls: testing one of them keeps strangers out.
IDENTIFYING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:userid",
        "aws:username",
        "aws:principalservicename",
        "sts:externalid",
        "kms:calleraccount",
        "kms:viaservice",
        "lambda:sourcefunctionarn",
        # S3's delegation to access points: only the account's own access points, whose
        # policies then decide
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
#: OIDC providers of CI systems: any project of the provider can mint a token, so the token's
#: subject (which repository, branch, pipeline) must be tested.
CI_OIDC_PROVIDERS = (
    "token.actions.githubusercontent.com",
    "gitlab.com",
    "app.terraform.io",
    "oidc.circleci.com",
    "api.bitbucket.org",
    "agent.buildkite.com",
    "oidc.eks.",
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
)
#: The claim that names which of the provider's tenants a token is for: the subject for CI
#: systems, the identity pool (the audience) for Cognito, whose subject is a per-user id.
_PINNING_CLAIM = {"cognito-identity.amazonaws.com": ":aud"}
_NEGATED = {"stringnotequals", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"}


def _restricts(statement: Statement, keys: frozenset[str] | None = None, suffix: str = "") -> bool:
    """Whether a condition tests an identifying key (or one ending in ``suffix``) with a value
    that is not a bare wildcard."""
    for cond in statement.conditions:
        _qualifier, base, _if_exists = split_operator(cond.operator)
        key = cond.key.lower()
        wanted = key in (keys or IDENTIFYING_KEYS) or (suffix and key.endswith(suffix))
        if not wanted or base in _NEGATED or base == "null":
            continue
        if cond.values and not all(
            v.strip("*") in ("", "repo:", "project_path:") for v in cond.values
        ):
            return True
    return False


class Exposure(enum.Enum):
    ANYONE = "any AWS principal, in any account"
    CI_ANY_SUBJECT = "any project of a CI provider's OIDC tokens"
    OTHER_ACCOUNT = "another AWS account, without an external id or condition"


class Access(enum.Enum):
    """What a public statement lets strangers do (from the catalogue's access levels)."""

    WRITE = "write, or change permissions"
    READ = "read or list"


class RoleTrustTooBroad(Rule):
    """A role's trust policy lets anyone, any CI project, or another account assume it.

    ## What it finds
    Trust policies that allow `sts:AssumeRole*` to `"Principal": "*"` (or `{"AWS": "*"}`)
    without a condition on the caller's organisation, account or ARN; to a CI provider's OIDC
    identity (GitHub Actions, GitLab, Terraform Cloud, CircleCI, Bitbucket, Buildkite) without a
    condition on the token's `sub`; or to another account's root without `sts:ExternalId` or
    another identifying condition.

    ## Why it matters
    Anyone with an AWS account can call `sts:AssumeRole` on a role trusted by `*`; any
    repository on GitHub can mint a token for `token.actions.githubusercontent.com` and assume a
    role that does not pin the subject to its own repository. The role's permissions become the
    stranger's (the pipelines layer reports the same role from the workflow side).

    ## Example
    ```json
    {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
     "Principal": {"Federated":
       "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
     "Condition": {"StringEquals":
       {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}
    ```

    ## Remediation
    Name the principals; add `aws:PrincipalOrgID` or `sts:ExternalId`; pin the OIDC `sub` to
    `repo:OWNER/REPO:ref:refs/heads/main` (or the environment) with `StringEquals`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    - https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
    """

    code = "IAM005"
    name = "role-trust-too-broad"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (284,)
    attack = ("T1078.004",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.ANYONE: Severity.CRITICAL,
        Exposure.CI_ANY_SUBJECT: Severity.CRITICAL,
        Exposure.OTHER_ACCOUNT: Severity.MEDIUM,
    }


class ResourcePolicyPublic(Rule):
    """A resource policy lets any AWS principal use the resource.

    ## What it finds
    Resource-based policies (S3 buckets, KMS keys, SNS topics, SQS queues, Secrets Manager
    secrets, Lambda functions, ECR repositories) with an `Allow` statement for
    `"Principal": "*"` (or `{"AWS": "*"}`) and no condition on the caller's organisation,
    account, ARN, source or network. Writing or changing permissions is critical; reading is
    high. A policy in a package's test, example or documentation data (a service response a
    client library records for its tests) configures no account: medium at most, like every
    identity finding there; the same policy in a repository or in the package's own data keeps
    its grade.

    ## Why it matters
    A public resource is found by scanners within hours: buckets read for data, queues and
    topics fed with messages, keys used to decrypt, functions invoked.

    ## Example
    ```json
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::reports/*"}
    ```

    ## Remediation
    Name the principals, or add `aws:PrincipalOrgID` / `aws:SourceArn` / `aws:SourceVpce`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    """

    code = "IAM006"
    name = "resource-policy-public"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (284, 732)
    attack = ("T1530",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Access.WRITE: Severity.CRITICAL,
        Access.READ: Severity.HIGH,
    }


def _anyone(statement: Statement) -> bool:
    return any(
        kind == "*" or (kind == "AWS" and value == "*")
        for kind, value in statement.principals or ()
    )


def _assumes(statement: Statement) -> bool:
    return (
        any(
            glob_match(p, "sts:AssumeRole", fold=True) or p.lower().startswith("sts:assumerole")
            for p in statement.actions
        )
        != statement.not_action
    )


def trust_exposure(role: Identity, statement: Statement) -> tuple[Exposure, str] | None:
    if not statement.allows or statement.principals is None or not _assumes(statement):
        return None
    if statement.not_principal:
        return Exposure.ANYONE, "NotPrincipal admits everyone it does not name"
    if _anyone(statement) and not _restricts(statement):
        return Exposure.ANYONE, "*"
    own = account_of(role.arn)
    for kind, value in statement.principals:
        claim = next((c for p, c in _PINNING_CLAIM.items() if p in value), ":sub")
        if (
            kind == "Federated"
            and any(p in value for p in CI_OIDC_PROVIDERS)
            and not _restricts(statement, frozenset(), suffix=claim)
        ):
            return Exposure.CI_ANY_SUBJECT, value
        if kind == "AWS":
            other = account_of(value)
            if other and own and other != own and not _restricts(statement):
                return Exposure.OTHER_ACCOUNT, value
    return None


@aws_check
def check_trust(scan: AwsScan) -> Iterator[Emitted]:
    if scan.account.standin:
        return
    for role in scan.account.roles.values():
        if role.trust is None:
            continue
        for statement in role.trust.statements:
            found = trust_exposure(role, statement)
            if found is None:
                continue
            exposure, who = found
            yield finding(
                RoleTrustTooBroad,
                f"role {role.name} can be assumed by {exposure.value} ({who})",
                line=statement.origin.line,
                path=statement.origin.path,
                logical=statement.origin.logical or None,
                severity=RoleTrustTooBroad.severity_in(exposure),
                subject=role.arn,
                evidence=statement.origin.describe(),
                properties={"principal": who, "exposure": exposure.name.lower()},
            )
            entry = {
                Exposure.ANYONE: "entry:any-aws-account",
                Exposure.CI_ANY_SUBJECT: f"entry:oidc:{who.rsplit('/', 1)[-1]}",
                Exposure.OTHER_ACCOUNT: f"entry:aws-account:{account_of(who)}",
            }[exposure]
            yield Fact(
                entry,
                "can-assume",
                f"aws:{role.arn}",
                proof=statement.origin.describe(),
                properties={"severity": RoleTrustTooBroad.severity_in(exposure).label},
            )


def _levels(statement: Statement) -> set[str]:
    cat = catalogue()
    levels: set[str] = set()
    if statement.not_action:
        return {"W", "P"}
    for pattern in statement.actions:
        matched = cat.expand(pattern) if ("*" in pattern or "?" in pattern) else [pattern]
        levels.update(cat.level(action) for action in matched[:5000])
    return levels


@aws_check
def check_public_resources(scan: AwsScan) -> Iterator[Emitted]:
    for what, policy in scan.resource_policies:
        for statement in policy.statements:
            if not statement.allows or statement.principals is None:
                continue
            if not (_anyone(statement) or statement.not_principal) or _restricts(statement):
                continue
            levels = _levels(statement)
            writes = bool(levels & {"W", "P", "?"})
            yield finding(
                ResourcePolicyPublic,
                f"{what} allows any AWS principal to {', '.join(statement.actions[:4])}"
                + (" (write or permissions management)" if writes else ""),
                line=statement.origin.line,
                path=statement.origin.path,
                logical=statement.origin.logical or None,
                severity=ResourcePolicyPublic.severity_in(Access.WRITE if writes else Access.READ),
                subject=what,
                evidence=statement.origin.describe(),
                properties={"actions": list(statement.actions), "levels": sorted(levels)},
            )
