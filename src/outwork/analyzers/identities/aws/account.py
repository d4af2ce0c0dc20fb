"""An AWS account as the identities layer sees it: users, groups, roles, managed policies (every
version), permission boundaries, instance profiles, trust policies and Organizations SCPs.

Read from ``aws iam get-account-authorization-details`` output. SCPs are not part of that
output; a snapshot may carry them under a top-level ``ServiceControlPolicies`` list, each item
a policy document, or ``aws organizations describe-policy`` output (``{"Policy": {"Content":
...}}``). Without more, every SCP is a level of its own and must allow. With the account's place
in the organisation (``OrganizationPath``: the ids from the root to the account, as
``aws organizations list-parents`` walks them) and each SCP's ``Targets`` (``aws organizations
list-targets-for-policy`` output, or a list of ids), the SCPs are inherited as Organizations
does: those attached to one node of the path are one level (any of them may allow), every level
must allow, a Deny at any level wins, and an SCP attached only off the path does not apply (a
node with no SCP in the input is taken to hold the default ``FullAWSAccess``).
Templates (Terraform, CloudFormation) build the same model from their resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from outwork.analyzers.identities.aws.evaluate import Principal
from outwork.analyzers.identities.aws.policy import Origin, Policy, account_of, parse_policy
from outwork.analyzers.identities.aws.published import aws_managed_document, managed_source
from outwork.analyzers.identities.documents import line_of

ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    arn: str
    default: Policy
    #: The versions that are not the default (``SetDefaultPolicyVersion`` makes one live).
    others: tuple[Policy, ...] = ()
    #: Whether the input lists every version (a snapshot does; a template declares only the
    #: one it writes, and versions made outside it are not known).
    versions_listed: bool = True


@dataclass(slots=True)
class Identity:
    kind: str  # "user", "role" or "group"
    name: str
    arn: str
    inline: list[Policy] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    boundary_arn: str = ""
    trust: Policy | None = None
    tags: dict[str, str] = field(default_factory=dict)
    instance_profile: bool = False
    line: int | None = None
    logical: str = ""
    #: The file that declares it, when the input spans several (a Terraform module).
    path: str = ""


@dataclass(slots=True)
class Account:
    id: str = ""
    users: dict[str, Identity] = field(default_factory=dict)
    roles: dict[str, Identity] = field(default_factory=dict)
    groups: dict[str, Identity] = field(default_factory=dict)
    managed: dict[str, ManagedPolicy] = field(default_factory=dict)
    scps: list[Policy] = field(default_factory=list)
    #: Shapes that could not be read, with where.
    problems: list[tuple[str, Origin]] = field(default_factory=list)
    #: True for the stand-in account a lone policy is evaluated in.
    standin: bool = False

    def principals(self) -> list[Identity]:
        return [*self.users.values(), *self.roles.values()]

    def managed_policy(self, arn: str, who: Identity) -> Policy | None:
        found = self.managed.get(arn)
        if found is not None:
            return found.default
        known = aws_managed_document(arn)
        if known is not None:
            # an AWS-managed policy the input does not hold, from the published versions the
            # layer ships: its statements are placed where the identity attaches it
            return parse_policy(
                known,
                arn.rsplit("/", 1)[-1],
                arn=arn,
                logical=f"{who.logical}.AttachedManagedPolicies" if who.logical else "",
                line=who.line,
                path=who.path,
            )
        held = (
            "which neither the input nor the AWS-managed policies outwork ships"
            f" ({managed_source()}) hold"
            if ":iam::aws:policy/" in arn
            else "which the snapshot does not hold"
        )
        self.problems.append(
            (
                f"{who.kind} {who.name} has policy {arn} attached, {held}: its permissions cannot"
                " be evaluated",
                Origin(who.name, who.line, who.logical, who.path),
            )
        )
        self.managed[arn] = ManagedPolicy(arn, Policy(arn, (), arn=arn))
        return None

    def policies_of(self, who: Identity) -> list[Policy]:
        """Inline and attached policies of an identity and of the groups a user belongs to."""
        out = list(who.inline)
        out.extend(p for arn in who.attached if (p := self.managed_policy(arn, who)) is not None)
        for group_name in who.groups:
            group = self.groups.get(group_name)
            if group is not None:
                out.extend(self.policies_of(group))
        return out

    def principal(self, who: Identity) -> Principal:
        boundary = self.managed_policy(who.boundary_arn, who) if who.boundary_arn else None
        if who.boundary_arn and boundary is None:
            boundary = Policy(who.boundary_arn, ())  # unknown boundary: allows nothing known
        statements = tuple(s for p in self.policies_of(who) for s in p.statements)
        return Principal(who.arn, statements, boundary, tuple(self.scps))


# --- get-account-authorization-details ---------------------------------------------------

SNAPSHOT_KEYS = ("UserDetailList", "RoleDetailList", "GroupDetailList")


def looks_like_snapshot(value: Any) -> bool:
    return isinstance(value, dict) and (
        any(isinstance(value.get(k), list) for k in SNAPSHOT_KEYS)
        or (isinstance(value.get("Policies"), list) and "PolicyVersionList" in str(value)[:4096])
    )


def _items(
    value: Any, key: str, account: Account, logical: str
) -> list[tuple[int, dict[str, Any]]]:
    raw = value.get(key, []) if isinstance(value, dict) else []
    if not isinstance(raw, list):
        account.problems.append((f"{key} is not a list", Origin(key, line_of(value), logical)))
        return []
    out = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            out.append((index, item))
        else:
            account.problems.append(
                (
                    f"{key}[{index}] is not an object",
                    Origin(key, line_of(value), f"{logical}{key}[{index}]"),
                )
            )
    return out


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _inline(
    item: dict[str, Any], key: str, owner: str, logical: str, account: Account
) -> list[Policy]:
    out = []
    for index, entry in _items(item, key, account, logical):
        name = f"{owner}/{_text(entry, 'PolicyName') or index}"
        out.append(
            parse_policy(
                entry.get("PolicyDocument"),
                name,
                logical=f"{logical}{key}[{index}].PolicyDocument",
                line=line_of(entry),
            )
        )
    return out


def _attached(item: dict[str, Any]) -> list[str]:
    raw = item.get("AttachedManagedPolicies")
    return [
        entry["PolicyArn"]
        for entry in (raw if isinstance(raw, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("PolicyArn"), str)
    ]


def _tags(item: dict[str, Any]) -> dict[str, str]:
    raw = item.get("Tags")
    return {
        str(t.get("Key")): str(t.get("Value"))
        for t in (raw if isinstance(raw, list) else [])
        if isinstance(t, dict)
    }


def _boundary(item: dict[str, Any]) -> str:
    raw = item.get("PermissionsBoundary")
    return _text(raw, "PermissionsBoundaryArn") if isinstance(raw, dict) else ""


def _identity(kind: str, item: dict[str, Any], logical: str, account: Account) -> Identity:
    name = _text(item, f"{kind.capitalize()}Name") or logical
    arn = _text(item, "Arn") or f"arn:aws:iam::{account.id or '000000000000'}:{kind}/{name}"
    who = Identity(kind, name, arn, line=line_of(item), logical=logical)
    key = {"user": "UserPolicyList", "group": "GroupPolicyList", "role": "RolePolicyList"}[kind]
    who.inline = _inline(item, key, name, f"{logical}.", account)
    who.attached = _attached(item)
    who.boundary_arn = _boundary(item)
    who.tags = _tags(item)
    if kind == "user":
        groups = item.get("GroupList")
        who.groups = [g for g in (groups if isinstance(groups, list) else []) if isinstance(g, str)]
    if kind == "role":
        who.trust = parse_policy(
            item.get("AssumeRolePolicyDocument"),
            f"{name} trust policy",
            logical=f"{logical}.AssumeRolePolicyDocument",
            line=line_of(item),
        )
        profiles = item.get("InstanceProfileList")
        who.instance_profile = bool(profiles) and isinstance(profiles, list)
    return who


def from_snapshot(value: dict[str, Any]) -> Account:
    account = Account()
    for key in ("UserDetailList", "RoleDetailList"):
        for _index, item in _items(value, key, account, ""):
            arn = _text(item, "Arn")
            if arn and not account.id:
                account.id = account_of(arn)
    for kind, key, table in (
        ("user", "UserDetailList", account.users),
        ("group", "GroupDetailList", account.groups),
        ("role", "RoleDetailList", account.roles),
    ):
        for index, item in _items(value, key, account, ""):
            who = _identity(kind, item, f"{key}[{index}]", account)
            table[who.name] = who
    for index, item in _items(value, "Policies", account, ""):
        _managed(item, f"Policies[{index}]", account)
    scps = [
        (_scp(item, f"ServiceControlPolicies[{index}]"), _targets(item))
        for index, item in _items(value, "ServiceControlPolicies", account, "")
    ]
    account.scps = _inherited(scps, value.get("OrganizationPath"), account)
    return account


def _targets(item: dict[str, Any]) -> list[str]:
    """The ids an SCP is attached to: ``Targets`` as ``list-targets-for-policy`` gives them."""
    raw = item.get("Targets")
    raw = raw.get("Targets") if isinstance(raw, dict) else raw
    ids = [t.get("TargetId") if isinstance(t, dict) else t for t in _list_of(raw)]
    return [i for i in ids if isinstance(i, str)]


def _inherited(scps: list[tuple[Policy, list[str]]], path: Any, account: Account) -> list[Policy]:
    """One policy per level of the organisation path (its SCPs' statements together: any of
    them may allow); without a path, or for an SCP without targets, one level per SCP."""
    nodes = [n for n in _list_of(path) if isinstance(n, str)]
    if not nodes:
        return [policy for policy, _ in scps]
    levels: dict[str, list[Policy]] = {node: [] for node in nodes}
    out: list[Policy] = []
    for policy, targets in scps:
        if not targets:
            out.append(policy)
            continue
        on_path = [t for t in targets if t in levels]
        for target in on_path:
            levels[target].append(policy)
        if not on_path:
            account.problems.append(
                (
                    f"{policy.name} is attached to {', '.join(targets)}, not on this account's "
                    "organisation path: it does not apply",
                    Origin(policy.name, policy.line),
                )
            )
    for node in nodes:
        if levels[node]:
            statements = tuple(s for p in levels[node] for s in p.statements)
            problems = tuple(x for p in levels[node] for x in p.problems)
            names = " + ".join(p.name for p in levels[node])
            out.append(
                Policy(f"{names} (at {node})", statements, problems, line=levels[node][0].line)
            )
    return out


def _list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _managed(item: dict[str, Any], logical: str, account: Account) -> None:
    arn = _text(item, "Arn")
    name = _text(item, "PolicyName") or arn or logical
    default: Policy | None = None
    others: list[Policy] = []
    for index, version in _items(item, "PolicyVersionList", account, f"{logical}."):
        version_id = _text(version, "VersionId") or str(index)
        policy = parse_policy(
            version.get("Document"),
            f"{name} {version_id}",
            arn=arn,
            logical=f"{logical}.PolicyVersionList[{index}].Document",
            line=line_of(version),
        )
        if version.get("IsDefaultVersion") is True or version_id == _text(item, "DefaultVersionId"):
            default = policy
        else:
            others.append(policy)
    if default is None:
        account.problems.append(
            (f"managed policy {name} has no default version", Origin(name, line_of(item), logical))
        )
        default = Policy(name, (), arn=arn)
    account.managed[arn] = ManagedPolicy(arn, default, tuple(others))


def _scp(item: dict[str, Any], logical: str) -> Policy:
    inner = item.get("Policy") if isinstance(item.get("Policy"), dict) else item
    assert isinstance(inner, dict)
    summary = inner.get("PolicySummary")
    name = _text(summary, "Name") if isinstance(summary, dict) else ""
    document = inner.get("Content", inner)
    return parse_policy(document, f"SCP {name or logical}", logical=logical, line=line_of(item))
