"""One AWS input, read and searched once, handed to every AWS check.

An input is an account (an authorization snapshot, or the identities a template declares) or a
lone policy document. A lone identity policy is evaluated as the only policy of a principal that
holds it (``holder``), against a role of every service and a user that stand for whatever the
account holds, so that "this policy lets its holder escalate" is answered from the document
alone; a lone resource policy (one with ``Principal``) is checked for who it admits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from outwork.analyzers.identities.aws.account import Account, Identity
from outwork.analyzers.identities.aws.escalation import Escalation, Result
from outwork.analyzers.identities.aws.methods import METHODS
from outwork.analyzers.identities.aws.policy import Policy, parse_policy
from outwork.core.analyzer import Emitted

#: The account id of the stand-in account a lone policy is evaluated in.
STANDIN_ACCOUNT = "111122223333"
HOLDER = "outwork-policy-holder"


@dataclass(slots=True)
class AwsScan:
    account: Account
    #: "snapshot", "template" or "policy"
    mode: str
    #: Resource-based policies found in the input (S3, KMS, SNS, SQS, Secrets Manager, Lambda,
    #: ECR): (what it protects, policy).
    resource_policies: list[tuple[str, Policy]] = field(default_factory=list)
    #: The lone policy, in "policy" mode.
    policy: Policy | None = None
    #: The time requests are evaluated at (the scan's); None: the time the search runs.
    now: datetime | None = None
    _result: Result | None = None

    def result(self) -> Result:
        """The escalation search, run once for all checks."""
        if self._result is None:
            self._result = Escalation(self.account, self.now).run()
        return self._result


Check = Callable[[AwsScan], Iterator[Emitted]]
#: Every AWS check, registered by the rule modules that define them (``@aws_check``).
AWS_CHECKS: list[Check] = []


def aws_check(check: Check) -> Check:
    AWS_CHECKS.append(check)
    return check


def lone_policy(document: Any, name: str, line: int | None) -> AwsScan:
    """The scan of one identity policy: a stand-in account where a user holds only it."""
    policy = parse_policy(document, name, line=line)
    account = Account(id=STANDIN_ACCOUNT, standin=True)
    holder = Identity("user", HOLDER, f"arn:aws:iam::{STANDIN_ACCOUNT}:user/{HOLDER}")
    holder.inline = [policy]
    account.users[holder.name] = holder
    admin = Identity(
        "user", "outwork-any-user", f"arn:aws:iam::{STANDIN_ACCOUNT}:user/outwork-any-user"
    )
    admin.attached = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    account.users[admin.name] = admin
    services = sorted({m.service for m in METHODS if m.service})
    for service in services:
        short = service.split(".")[0]
        role = Identity(
            "role",
            f"outwork-any-{short}-role",
            f"arn:aws:iam::{STANDIN_ACCOUNT}:role/outwork-any-{short}-role",
        )
        role.attached = ["arn:aws:iam::aws:policy/AdministratorAccess"]
        role.instance_profile = True
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
            f"{role.name} trust",
        )
        account.roles[role.name] = role
    return AwsScan(account, "policy", policy=policy)


def every_policy(scan: AwsScan) -> Iterator[Policy]:
    """Every policy of the input once: inline, managed (all versions), trust, SCPs, resource."""
    account = scan.account
    seen: set[int] = set()
    pools: list[Policy] = []
    for who in [*account.users.values(), *account.groups.values(), *account.roles.values()]:
        pools.extend(who.inline)
        if who.trust is not None:
            pools.append(who.trust)
    for managed in account.managed.values():
        pools.append(managed.default)
        pools.extend(managed.others)
    pools.extend(account.scps)
    pools.extend(policy for _, policy in scan.resource_policies)
    for policy in pools:
        if id(policy) not in seen:
            seen.add(id(policy))
            yield policy
