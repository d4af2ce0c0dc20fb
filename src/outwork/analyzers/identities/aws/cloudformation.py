"""AWS identities as CloudFormation and SAM templates declare them (YAML with its short-form
tags, or JSON), read by the bounded readers of :mod:`..documents`: never deployed.

Roles, users, groups, managed and inline policies, their attachments, instance profiles,
group additions, SAM functions' and state machines' implicit roles (their ``Policies``: inline
statements, AWS-managed policies by name, and SAM policy templates such as ``S3CrudPolicy``
expanded from SAM's own template list, shipped as data) and the resource policies of buckets,
queues, topics, keys, secrets and repositories become an :class:`~.account.Account`. ``Ref``,
``Fn::GetAtt``, ``Fn::Sub`` and ``Fn::Join`` over this template's resources and pseudo
parameters are resolved; parameters, imports and conditions are left to deploy time and
reported as such (the evaluator treats such a value as unknown, so what depends on it is
conditional). Each statement keeps the line its mapping starts on; a policy written as a JSON
string (``PolicyDocument: !Sub '{...}'``) has its statements placed at the lines of their
``"Effect"`` in the template's text, and a SAM policy template's at the line that names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from outwork.analyzers.identities.aws.account import Account, Identity, ManagedPolicy
from outwork.analyzers.identities.aws.policy import Origin, Policy, Statement, parse_policy
from outwork.analyzers.identities.aws.published import (
    aws_managed_arn,
    sam_source,
    sam_template,
    substitute,
)
from outwork.analyzers.identities.aws.sniff import CFN_RESOURCE_POLICIES as RESOURCE_POLICIES
from outwork.analyzers.identities.documents import PosDict, line_of

_EFFECT_RE = re.compile(r'"Effect"\s*:')
#: SAM resources that get a role of their own from ``Policies``, and the service it trusts.
SAM_ROLES = {
    "AWS::Serverless::Function": "lambda.amazonaws.com",
    "AWS::Serverless::StateMachine": "states.amazonaws.com",
}

TEMPLATE_ACCOUNT = "000000000000"
_SUB_RE = re.compile(r"\$\{([^}!][^}]*)\}")
PSEUDO = {
    "AWS::AccountId": TEMPLATE_ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


def looks_like_template(value: Any) -> bool:
    resources = value.get("Resources") if isinstance(value, dict) else None
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::")
        for r in resources.values()
    )


class _Reader:
    def __init__(self, template: dict[str, Any], lines: list[str] | None = None) -> None:
        self.lines = lines or []
        raw = template.get("Resources")
        self.resources: dict[str, dict[str, Any]] = {
            k: v for k, v in (raw.items() if isinstance(raw, dict) else []) if isinstance(v, dict)
        }
        self.account = Account(id=TEMPLATE_ACCOUNT)
        self.resource_policies: list[tuple[str, Policy]] = []
        self.owner = ""  # the logical id being read, for problems

    # --- intrinsic functions -------------------------------------------------------------------

    def props(self, logical: str) -> dict[str, Any]:
        props = self.resources.get(logical, {}).get("Properties")
        return props if isinstance(props, dict) else {}

    def kind(self, logical: str) -> str:
        return str(self.resources.get(logical, {}).get("Type", ""))

    def name(self, logical: str) -> str:
        kind = self.kind(logical)
        key = {
            "AWS::IAM::Role": "RoleName",
            "AWS::IAM::User": "UserName",
            "AWS::IAM::Group": "GroupName",
            "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
        }.get(kind)
        value = self.props(logical).get(key) if key else None
        return value if isinstance(value, str) else logical

    def arn(self, logical: str) -> str:
        kind = self.kind(logical)
        short = {
            "AWS::IAM::Role": "role",
            "AWS::IAM::User": "user",
            "AWS::IAM::Group": "group",
            "AWS::IAM::ManagedPolicy": "policy",
            "AWS::IAM::InstanceProfile": "instance-profile",
        }.get(kind)
        if short:
            return f"arn:aws:iam::{TEMPLATE_ACCOUNT}:{short}/{self.name(logical)}"
        return f"arn:aws:cloudformation:::{logical}"

    def ref(self, target: str) -> str:
        if target in PSEUDO:
            return PSEUDO[target]
        if target in self.resources:
            # Ref of a managed policy is its ARN; of a role, user or group, its name
            if self.kind(target) == "AWS::IAM::ManagedPolicy":
                return self.arn(target)
            return self.name(target)
        self.unresolved(f"Ref {target}")
        return "${" + target + "}"

    def value(self, node: Any) -> Any:
        """A property with this template's intrinsics resolved where they can be."""
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            resolved = self.intrinsic(key, arg)
            if resolved is not None:
                return resolved
        return PosDict({k: self.value(v) for k, v in node.items()}, line_of(node, 0) or 0)

    def intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref" and isinstance(arg, str):
            return self.ref(arg)
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2 and parts[0] in self.resources:
                return self.arn(str(parts[0])) if parts[1] == "Arn" else self.name(str(parts[0]))
            self.unresolved(f"Fn::GetAtt {arg}")
            return "${GetAtt}"
        if key == "Fn::Sub":
            text, extra = (
                (arg, {})
                if isinstance(arg, str)
                else ((arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else ("", {}))
            )
            if isinstance(text, str):
                return _SUB_RE.sub(lambda m: self._sub(m.group(1), extra), text)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = self.value(arg[1])
            if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
                return str(arg[0]).join(parts)
        if key.startswith("Fn::") or key == "Condition":
            self.unresolved(key)
            return "${" + key + "}"
        return None

    def _sub(self, name: str, extra: Any) -> str:
        if isinstance(extra, dict) and name in extra:
            value = self.value(extra[name])
            return value if isinstance(value, str) else "${" + name + "}"
        if name in PSEUDO:
            return PSEUDO[name]
        base, _, attribute = name.partition(".")
        if base in self.resources:
            return self.arn(base) if attribute == "Arn" else self.name(base)
        # IAM's own policy variables (${aws:username}) pass through untouched
        if ":" not in name or name.startswith("AWS::"):
            self.unresolved(f"${{{name}}}")
        return "${" + name + "}"

    def unresolved(self, what: str) -> None:
        self.account.problems.append(
            (
                f"{what} is left to deploy time: evaluated as unknown",
                Origin(self.owner, line_of(self.resources.get(self.owner))),
            )
        )

    # --- resources ----------------------------------------------------------------------------

    def policy(self, document: Any, name: str, at: int | None = None) -> Policy:
        """A policy document; ``at`` is the line of the mapping that holds it, where the
        statements of a document written as a JSON string are looked for."""
        line = line_of(document, at)
        policy = parse_policy(self.value(document), name, line=line)
        if _written_as_text(document) and line is not None:
            policy = self._placed_in_text(policy, line)
        return policy

    def _placed_in_text(self, policy: Policy, start: int) -> Policy:
        """Statements at the lines of the ``"Effect"`` keys that follow ``start``, in order."""
        effects = [
            number
            for number, text in enumerate(self.lines[start - 1 :], start=start)
            if _EFFECT_RE.search(text)
        ][: len(policy.statements)]
        placed = tuple(
            _at(statement, effects[i]) if i < len(effects) else statement
            for i, statement in enumerate(policy.statements)
        )
        return Policy(policy.name, placed, policy.problems, policy.arn, policy.line)

    def inline(self, props: dict[str, Any], owner: str) -> list[Policy]:
        out = []
        for entry in props.get("Policies") or []:
            if isinstance(entry, dict) and "PolicyDocument" in entry:
                name = f"{owner}/{entry.get('PolicyName', 'inline')}"
                out.append(self.policy(entry["PolicyDocument"], name, line_of(entry)))
        return out

    def strings(self, value: Any) -> list[str]:
        resolved = self.value(value)
        items = resolved if isinstance(resolved, list) else [resolved] if resolved else []
        return [str(v) for v in items if isinstance(v, str)]

    def read(self) -> tuple[Account, list[tuple[str, Policy]]]:
        for logical, resource in self.resources.items():
            self.owner = logical
            kind = self.kind(logical)
            if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
                self.identity(logical, kind.rsplit("::", 1)[-1].lower(), resource)
            elif kind in SAM_ROLES:
                self.function(logical, resource, SAM_ROLES[kind])
        for logical in self.resources:
            self.owner = logical
            self.link(logical, self.kind(logical))
        return self.account, self.resource_policies

    def table(self, kind: str) -> dict[str, Identity]:
        return {
            "user": self.account.users,
            "role": self.account.roles,
            "group": self.account.groups,
        }[kind]

    def identity(self, logical: str, kind: str, resource: dict[str, Any]) -> None:
        props = self.props(logical)
        who = Identity(
            kind,
            self.name(logical),
            self.arn(logical),
            line=line_of(resource),
            logical=f"Resources.{logical}",
        )
        who.inline = self.inline(props, who.name)
        who.attached = self.strings(props.get("ManagedPolicyArns"))
        if "PermissionsBoundary" in props:
            who.boundary_arn = next(iter(self.strings(props["PermissionsBoundary"])), "")
        if kind == "role" and "AssumeRolePolicyDocument" in props:
            who.trust = self.policy(props["AssumeRolePolicyDocument"], f"{who.name} trust policy")
        if kind == "user":
            who.groups = self.strings(props.get("Groups"))
        tags = props.get("Tags")
        if isinstance(tags, list):
            who.tags = {str(t.get("Key")): str(t.get("Value")) for t in tags if isinstance(t, dict)}
        self.table(kind)[who.name] = who

    def function(self, logical: str, resource: dict[str, Any], service: str) -> None:
        """A SAM function (or state machine) without ``Role`` gets a role trusting its service,
        with its ``Policies`` and ``PermissionsBoundary``."""
        props = self.props(logical)
        if "Role" in props:
            return
        name = f"{logical}Role"
        role = Identity(
            "role",
            name,
            f"arn:aws:iam::{TEMPLATE_ACCOUNT}:role/{name}",
            line=line_of(resource),
            logical=f"Resources.{logical}",
        )
        role.trust = parse_policy(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "sts:AssumeRole",
                    }
                ]
            },
            f"{name} trust policy",
        )
        if "PermissionsBoundary" in props:
            role.boundary_arn = next(iter(self.strings(props["PermissionsBoundary"])), "")
        raw = props.get("Policies")
        for entry in raw if isinstance(raw, list) else [raw] if raw else []:
            if isinstance(entry, dict) and "Statement" in entry:
                role.inline.append(self.policy(entry, f"{logical} policy"))
            elif isinstance(entry, dict) and len(entry) == 1 and not _intrinsic(entry):
                role.inline.extend(self.sam_policy(logical, entry))
            else:
                for value in self.strings(entry):
                    role.attached.append(
                        value if value.startswith("arn:") else aws_managed_arn(value)
                    )
        self.account.roles[name] = role

    def sam_policy(self, logical: str, entry: dict[str, Any]) -> list[Policy]:
        """A SAM policy template (``- S3CrudPolicy: {BucketName: !Ref Bucket}``) expanded as
        SAM does: its statements with the parameters given, at the line that names it."""
        ((template_name, raw_args),) = entry.items()
        template = sam_template(str(template_name))
        if template is None:
            self.unresolved(f"SAM policy template {template_name} (not in {sam_source()})")
            return []
        args = raw_args if isinstance(raw_args, dict) else {}
        missing = [p for p in template.parameters if p not in args]
        if missing:
            self.unresolved(f"SAM policy template {template_name} without {', '.join(missing)}")
        document = {
            "Version": "2012-10-17",
            "Statement": substitute(list(template.statements), args),
        }
        return [self.policy(document, f"{logical} {template_name}", line_of(entry))]

    def link(self, logical: str, kind: str) -> None:
        props = self.props(logical)
        if kind == "AWS::IAM::ManagedPolicy":
            arn = self.arn(logical)
            self.account.managed[arn] = ManagedPolicy(
                arn,
                self.policy(props.get("PolicyDocument"), self.name(logical)),
                versions_listed=False,
            )
            self.attach(props, lambda who: who.attached.append(arn))
        elif kind == "AWS::IAM::Policy":
            policy = self.policy(props.get("PolicyDocument"), str(props.get("PolicyName", logical)))
            self.attach(props, lambda who: who.inline.append(policy))
        elif kind in ("AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"):
            who_kind = kind.removeprefix("AWS::IAM::").removesuffix("Policy").lower()
            key = f"{who_kind.capitalize()}Name"
            policy = self.policy(props.get("PolicyDocument"), str(props.get("PolicyName", logical)))
            for name in self.strings(props.get(key)):
                if (who := self.table(who_kind).get(name)) is not None:
                    who.inline.append(policy)
        elif kind == "AWS::IAM::InstanceProfile":
            for name in self.strings(props.get("Roles")):
                if (role := self.account.roles.get(name)) is not None:
                    role.instance_profile = True
        elif kind == "AWS::IAM::UserToGroupAddition":
            group = next(iter(self.strings(props.get("GroupName"))), "")
            for name in self.strings(props.get("Users")):
                if (user := self.account.users.get(name)) is not None:
                    user.groups.append(group)
        elif kind in RESOURCE_POLICIES and RESOURCE_POLICIES[kind] in props:
            policy = self.policy(props[RESOURCE_POLICIES[kind]], logical)
            self.resource_policies.append((logical, policy))

    def attach(self, props: dict[str, Any], add: Callable[[Identity], None]) -> None:
        for key, kind in (("Roles", "role"), ("Users", "user"), ("Groups", "group")):
            for name in self.strings(props.get(key)):
                if (who := self.table(kind).get(name)) is not None:
                    add(who)


def read(
    template: dict[str, Any], lines: list[str] | None = None
) -> tuple[Account, list[tuple[str, Policy]]]:
    """The account and resource policies a CloudFormation or SAM template declares (``lines``:
    the template's text, where statements written as JSON strings are placed)."""
    return _Reader(template, lines).read()


def _intrinsic(entry: dict[str, Any]) -> bool:
    ((key, _),) = entry.items()
    return key == "Ref" or str(key).startswith("Fn::")


def _written_as_text(document: Any) -> bool:
    """A policy written as a JSON string, or as ``Fn::Sub`` over one."""
    if isinstance(document, dict) and len(document) == 1 and "Fn::Sub" in document:
        document = document["Fn::Sub"]
        document = document[0] if isinstance(document, list) and document else document
    return isinstance(document, str)


def _at(statement: Statement, line: int) -> Statement:
    return replace(
        statement, origin=Origin(statement.origin.policy, line, statement.origin.logical)
    )
