"""A second labelled AWS account, written after the evaluator and frozen before it was first
scanned: the out-of-sample measure of ``bench/iam_labelled.py --account oos``.

It is written from the published methods (Rhino Security Labs' list, pathfinding.cloud, the
AWS documentation on permission boundaries) with shapes the in-sample account
(tests/analyzers/identities/labelled.py) does not use: attacking roles as well as users, users in
two groups, managed policies attached to groups, administrators whose power is an inline
``"Action": "*"``, role chains of three hops, and conditions and wildcards of other kinds
(``iam:*Policy*``, ``NotResource`` that still covers the target, ``aws:RequestTag`` the attacker
sets itself, ``StringNotEquals`` on a tag the target lacks, a Deny whose ``NotResource`` spares
the attacker, an SCP whose exception names the attacker). Decoys are denied by a group policy,
by ``Deny`` with ``NotAction``, by an SCP condition, by a boundary, by a pinned boundary, by a
condition on the principal's or target's tags it cannot meet, by an expired ``aws:CurrentTime``,
or aimed at harmless targets.

No test reads this file: its labels are the generator's, and a miss or false alarm is reported
as measured, not fixed here.
"""

from __future__ import annotations

from typing import Any

from tests.analyzers.identities.labelled import ACCOUNT, ADMIN_ARN, Account, allow, arn, deny, doc

P, D = "positive", "decoy"
SERVICES = {
    "ec2": "ec2.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "glue": "glue.amazonaws.com",
    "cfn": "cloudformation.amazonaws.com",
    "datapipeline": "datapipeline.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
    "codebuild": "codebuild.amazonaws.com",
    "ecs": "ecs-tasks.amazonaws.com",
    "apprunner": "tasks.apprunner.amazonaws.com",
}
STAR = doc(allow("*"))


def _trust(**principal: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


NOBODY = _trust(Service="outwork-oos-nothing.amazonaws.com")


def _tag(entries: list[dict[str, Any]], **tags: str) -> None:
    entries[-1]["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]


def _targets(acc: Account) -> None:
    acc.group("oos-admins", attached=[ADMIN_ARN])
    acc.group("oos-readers", inline=[doc(allow(["s3:GetObject", "s3:ListBucket"]))])
    acc.user("oos-admin-alice", groups=["oos-admins"], label="admin")
    acc.user("oos-admin-bob", inline=[STAR], label="admin")
    _tag(acc.users, protected="false")
    acc.user("oos-intern", inline=[doc(allow("s3:GetObject"))])
    for short, service in SERVICES.items():
        acc.role(
            f"oos-svc-{short}-admin",
            _trust(Service=service),
            inline=[STAR],
            profile=short == "ec2",
            label="admin",
        )
    acc.role(
        "oos-harmless-ec2",
        _trust(Service="ec2.amazonaws.com"),
        inline=[doc(allow("s3:GetObject"))],
        profile=True,
    )
    acc.role("oos-ops-admin", _trust(AWS=f"arn:aws:iam::{ACCOUNT}:root"), attached=[ADMIN_ARN])
    acc.labels[arn("role", "oos-ops-admin")] = "admin"
    acc.role("oos-mfa-free-admin", _trust(AWS=arn("user", "oos-someone-else")), inline=[STAR])


def _self_modification(acc: Account) -> None:
    acc.role(
        "p-role-mid-wildcard",
        NOBODY,
        inline=[doc(allow("iam:*Policy*", arn("role", "p-role-*")))],
        label=P,
        method="iam:*Policy* on its own role (PutRolePolicy)",
    )
    team = acc.managed("oos-team-dev", doc(allow("s3:ListAllMyBuckets")))
    acc.group("oos-dev-b", attached=[team])
    writer = acc.managed(
        "oos-policy-writer", doc(allow("iam:CreatePolicyVersion", arn("policy", "oos-team-*")))
    )
    acc.group("oos-dev-a", attached=[writer])
    acc.user(
        "p-group-policy-version",
        groups=["oos-dev-a", "oos-dev-b"],
        label=P,
        method="CreatePolicyVersion on a policy attached to its other group",
    )
    versions = acc.managed(
        "oos-versioned",
        doc(allow("iam:SetDefaultPolicyVersion", arn("policy", "oos-versioned"))),
        doc({"Effect": "Allow", "NotAction": "iam:DeleteUser", "Resource": "*"}),
    )
    acc.user(
        "p-default-version-notaction",
        attached=[versions],
        label=P,
        method="SetDefaultPolicyVersion to a NotAction version",
    )
    acc.role(
        "p-attach-notresource",
        NOBODY,
        inline=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:Attach*",
                    "NotResource": f"arn:aws:iam::{ACCOUNT}:user/*",
                }
            )
        ],
        label=P,
        method="iam:Attach* with a NotResource that spares its own role",
    )
    acc.user(
        "p-add-to-admins",
        inline=[doc(allow("iam:AddUser*", arn("group", "oos-admins")))],
        label=P,
        method="AddUserToGroup on the administrators' group",
    )
    own = acc.managed(
        "oos-own-group-writer", doc(allow("iam:PutGroupPolicy", arn("group", "oos-self-writers")))
    )
    acc.group("oos-self-writers", attached=[own])
    acc.user(
        "p-put-own-group-policy",
        groups=["oos-self-writers"],
        label=P,
        method="PutGroupPolicy on its group, granted by a managed policy of that group",
    )
    acc.group(
        "oos-almost-power",
        inline=[doc({"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"], "Resource": "*"})],
    )
    acc.user(
        "p-notaction-group",
        groups=["oos-almost-power"],
        label=P,
        method="group NotAction that leaves IAM writes",
    )


def _credentials(acc: Account) -> None:
    acc.role(
        "p-role-access-key",
        NOBODY,
        inline=[doc(allow("iam:CreateAccessKey", arn("user", "oos-admin*")))],
        label=P,
        method="role mints keys for users matching oos-admin*",
    )
    acc.user(
        "p-login-untagged",
        inline=[
            doc(
                allow(
                    "iam:UpdateLoginProfile",
                    Condition={"StringNotEquals": {"aws:ResourceTag/protected": "true"}},
                )
            )
        ],
        label=P,
        method="UpdateLoginProfile unless the target is tagged protected=true",
    )
    acc.user(
        "p-keys-notresource",
        inline=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:CreateAccessKey",
                    "NotResource": arn("user", "oos-intern"),
                }
            )
        ],
        label=P,
        method="CreateAccessKey on every user but the intern",
    )
    acc.user(
        "p-create-login-profile",
        inline=[doc(allow("iam:CreateLoginProfile", arn("user", "oos-admin-alice")))],
        label=P,
        method="CreateLoginProfile on an administrator",
    )


def _assume(acc: Account) -> None:
    acc.user(
        "p-update-trust",
        inline=[doc(allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], "*"))],
        label=P,
        method="UpdateAssumeRolePolicy on a service role, then assume it",
    )
    acc.user(
        "p-assume-wildcard",
        attached=[acc.managed("oos-assumer", doc(allow("sts:Assume*", arn("role", "oos-ops-*"))))],
        label=P,
        method="sts:Assume* on a role trusting the account",
    )
    acc.role(
        "p-hop-lambda",
        _trust(AWS=arn("user", "p-two-hops-passrole")),
        inline=[
            doc(
                allow("iam:PassRole", arn("role", "oos-svc-lambda-admin")),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            )
        ],
        label=P,
        method="role that passes an administrator role to Lambda",
    )
    acc.user(
        "p-two-hops-passrole",
        inline=[doc(allow("sts:AssumeRole", arn("role", "p-hop-lambda")))],
        label=P,
        method="assumes a role that passes an administrator role to Lambda",
    )
    acc.role(
        "p-hop-last",
        _trust(AWS=arn("role", "p-hop-middle")),
        inline=[doc(allow("iam:PutRolePolicy", arn("role", "p-hop-last")))],
        label=P,
        method="role that writes its own policy (third hop)",
    )
    acc.role(
        "p-hop-middle",
        _trust(AWS=arn("user", "p-three-hops")),
        inline=[doc(allow("sts:AssumeRole", arn("role", "p-hop-last")))],
        label=P,
        method="role that assumes a self-writing role (second hop)",
    )
    acc.user(
        "p-three-hops",
        inline=[doc(allow("sts:AssumeRole", arn("role", "p-hop-middle")))],
        label=P,
        method="three hops through two roles",
    )


def _passrole(acc: Account) -> None:
    acc.user(
        "p-ec2-request-tag",
        inline=[
            doc(
                allow("iam:PassRole", arn("role", "oos-svc-ec2-admin")),
                allow(
                    "ec2:RunInstances",
                    Condition={"StringEquals": {"aws:RequestTag/owner": "${aws:username}"}},
                ),
            )
        ],
        label=P,
        method="PassRole + RunInstances on a tag the attacker sets",
    )
    acc.user(
        "p-lambda-esm-like-service",
        inline=[
            doc(
                allow(
                    "iam:PassRole",
                    Condition={"StringLike": {"iam:PassedToService": "*.amazonaws.com"}},
                ),
                allow(["lambda:CreateFunction", "lambda:CreateEventSourceMapping"]),
            )
        ],
        label=P,
        method="PassRole to any service + Lambda event source mapping",
    )
    acc.group("oos-glue-devs", attached=[acc.managed("oos-glue", doc(allow("glue:CreateDev*")))])
    acc.user(
        "p-glue-dev-endpoint-split",
        inline=[doc(allow("iam:PassRole", arn("role", "oos-svc-glue-admin")))],
        groups=["oos-glue-devs"],
        label=P,
        method="PassRole inline + glue:CreateDevEndpoint through a group's managed policy",
    )
    acc.role(
        "p-cfn-mid-wildcard",
        NOBODY,
        inline=[
            doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*admin*")),
            doc(allow("cloudformation:CreateStack")),
        ],
        label=P,
        method="role passes roles matching *admin* to CloudFormation",
    )
    simple: dict[str, tuple[str, list[str]]] = {
        "p-datapipeline": ("datapipeline", ["datapipeline:*"]),
        "p-sagemaker-training": ("sagemaker", ["sagemaker:CreateTrainingJob"]),
        "p-codebuild": ("codebuild", ["codebuild:CreateProject", "codebuild:StartBuild"]),
        "p-ecs-run-task": ("ecs", ["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        "p-lambda-add-permission": (
            "lambda",
            ["lambda:CreateFunction", "lambda:AddPermission"],
        ),
        "p-glue-job": ("glue", ["glue:Create*", "glue:Start*"]),
        "p-apprunner": ("apprunner", ["apprunner:CreateService"]),
        "p-sagemaker-processing": ("sagemaker", ["sagemaker:CreateProcessingJob"]),
        "p-ec2-spot": ("ec2", ["ec2:RequestSpotInstances"]),
    }
    for name, (short, actions) in simple.items():
        passrole = acc.managed(
            f"{name}-pass", doc(allow("iam:PassRole", arn("role", f"oos-svc-{short}-admin")))
        )
        acc.role(
            name,
            NOBODY,
            inline=[doc(allow(actions))],
            attached=[passrole],
            label=P,
            method=f"PassRole to {short} (managed) + {', '.join(actions)} (inline)",
        )


def _existing(acc: Account) -> None:
    existing = {
        "p-lambda-update": ["lambda:Update*"],
        "p-ssm-send": ["ssm:Send*"],
        "p-instance-connect": ["ec2-instance-connect:SendSSHPublicKey"],
        "p-ecs-exec": ["ecs:ExecuteCommand"],
        "p-codebuild-start": ["codebuild:StartBuild"],
        "p-glue-update-endpoint": ["glue:UpdateDevEndpoint"],
        "p-cfn-update-stack": ["cloudformation:UpdateStack"],
        "p-sagemaker-url": ["sagemaker:CreatePresignedNotebookInstanceUrl"],
    }
    for name, actions in existing.items():
        acc.user(name, inline=[doc(allow(actions))], label=P, method=f"{actions[0]} (existing)")


def _deny_and_boundary_misses(acc: Account) -> None:
    lift = acc.managed("oos-lift-boundary", doc(allow(["iam:Delete*", "iam:PutRolePolicy"], "*")))
    acc.role(
        "p-boundary-delete-wildcard",
        NOBODY,
        inline=[doc(allow("iam:*", arn("role", "p-boundary-delete-wildcard")))],
        boundary=lift,
        label=P,
        method="iam:Delete* in its boundary deletes the boundary",
    )
    own = arn("user", "p-deny-spares-self")
    acc.user(
        "p-deny-spares-self",
        inline=[
            doc(
                allow("iam:PutUserPolicy"),
                {"Effect": "Deny", "Action": "iam:PutUserPolicy", "NotResource": own},
            )
        ],
        label=P,
        method="Deny with NotResource that spares itself",
    )
    acc.user(
        "p-deny-other-regions",
        inline=[
            doc(
                allow(["iam:PassRole", "ec2:RunInstances"]),
                deny(
                    "ec2:RunInstances",
                    Condition={
                        "StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}
                    },
                ),
            )
        ],
        label=P,
        method="Deny outside two regions; the attacker uses one of them",
    )
    acc.user(
        "p-scp-exception",
        inline=[doc(allow("iam:PutUserPolicy", arn("user", "p-scp-exception")))],
        label=P,
        method="SCP denies IAM writes except to principals it names",
    )


def _decoys(acc: Account) -> None:
    acc.group(
        "oos-guard",
        inline=[
            doc(
                deny(
                    [
                        "iam:Put*",
                        "iam:Attach*",
                        "iam:CreatePolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                    ]
                )
            )
        ],
    )
    acc.user(
        "d-group-deny",
        inline=[doc(allow("iam:*Policy*", arn("user", "d-group-deny")))],
        groups=["oos-guard"],
        label=D,
        method="group Deny on IAM writes",
    )
    acc.role(
        "d-passrole-harmless",
        NOBODY,
        inline=[
            doc(allow("iam:PassRole", arn("role", "oos-harmless-*")), allow("ec2:RunInstances"))
        ],
        label=D,
        method="PassRole scoped to a harmless role",
    )
    acc.user(
        "d-lambda-no-trigger",
        inline=[
            doc(allow("iam:PassRole", arn("role", "oos-svc-*")), allow("lambda:CreateFunction"))
        ],
        label=D,
        method="PassRole + CreateFunction without a way to run it",
    )
    acc.user(
        "d-passed-to-glue",
        inline=[
            doc(
                allow(
                    "iam:PassRole",
                    Condition={"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}},
                ),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            )
        ],
        label=D,
        method="PassRole only to Glue, Lambda permissions only",
    )
    acc.user(
        "d-keys-intern",
        inline=[doc(allow("iam:CreateAccessKey", arn("user", "oos-intern")))],
        label=D,
        method="CreateAccessKey on a harmless user",
    )
    acc.user(
        "d-login-team-tag",
        inline=[
            doc(
                allow(
                    "iam:UpdateLoginProfile",
                    Condition={"StringEquals": {"aws:ResourceTag/team": "interns"}},
                )
            )
        ],
        label=D,
        method="UpdateLoginProfile only on users tagged team=interns (no administrator is)",
    )
    acc.user(
        "d-expired",
        inline=[
            doc(
                allow(
                    "iam:PutUserPolicy",
                    arn("user", "d-expired"),
                    Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                )
            )
        ],
        label=D,
        method="grant that expired in 2020",
    )
    acc.user(
        "d-principal-tag",
        inline=[
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    arn("user", "d-principal-tag"),
                    Condition={"StringEquals": {"aws:PrincipalTag/role": "breakglass"}},
                )
            )
        ],
        label=D,
        method="condition on a principal tag it does not have",
    )
    acc.user(
        "d-scp-denied",
        inline=[doc(allow("iam:PutUserPolicy", arn("user", "d-scp-denied")))],
        label=D,
        method="SCP denies IAM writes to it",
    )
    s3_only = acc.managed("oos-s3-boundary", doc(allow("s3:*")))
    acc.user(
        "d-boundary-s3",
        inline=[doc(allow("iam:*", arn("user", "d-boundary-s3")))],
        boundary=s3_only,
        label=D,
        method="boundary allows S3 only",
    )
    pinned = acc.managed(
        "oos-pinned-boundary", doc(allow(["iam:PutRolePermissionsBoundary", "s3:*"]))
    )
    acc.role(
        "d-boundary-pinned",
        NOBODY,
        inline=[
            doc(
                allow("iam:CreateAccessKey", arn("user", "oos-admin-alice")),
                allow(
                    "iam:PutRolePermissionsBoundary",
                    arn("role", "d-boundary-pinned"),
                    Condition={"StringEquals": {"iam:PermissionsBoundary": pinned}},
                ),
            )
        ],
        boundary=pinned,
        label=D,
        method="its boundary holds back an administrator's keys; it may only set that boundary",
    )
    acc.user(
        "d-deny-notaction",
        inline=[
            doc(
                allow("iam:PutUserPolicy", arn("user", "d-deny-notaction")),
                {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"},
            )
        ],
        label=D,
        method="Deny everything but S3",
    )
    acc.user(
        "d-add-to-readers",
        inline=[doc(allow("iam:AddUserToGroup", arn("group", "oos-readers")))],
        label=D,
        method="AddUserToGroup on a read-only group",
    )
    acc.user(
        "d-assume-not-trusted",
        inline=[doc(allow("sts:AssumeRole", arn("role", "oos-mfa-free-admin")))],
        label=D,
        method="AssumeRole on a role that trusts someone else",
    )
    acc.user(
        "d-read-only-wildcards",
        inline=[doc(allow(["iam:Get*", "iam:List*", "lambda:Get*", "ssm:Describe*"]))],
        label=D,
        method="read-only wildcards",
    )
    acc.user(
        "d-notresource-no-user",
        inline=[
            doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:PutUserPolicy",
                    "NotResource": f"arn:aws:iam::{ACCOUNT}:user/*",
                }
            )
        ],
        label=D,
        method="PutUserPolicy on everything but users",
    )
    acc.managed("oos-unattached", doc(allow("s3:GetObject")))
    acc.user(
        "d-version-unattached",
        inline=[doc(allow("iam:CreatePolicyVersion", arn("policy", "oos-unattached")))],
        label=D,
        method="CreatePolicyVersion on a policy attached to nobody",
    )
    narrow = acc.managed(
        "oos-narrow-versions",
        doc(allow("iam:SetDefaultPolicyVersion", arn("policy", "oos-narrow-versions"))),
        doc(allow("s3:ListBucket")),
    )
    acc.user(
        "d-default-version-narrow",
        attached=[narrow],
        label=D,
        method="SetDefaultPolicyVersion where every other version is narrower",
    )


def _scps(acc: Account) -> None:
    acc.scps.append(
        {
            "Policy": {
                "PolicySummary": {"Name": "oos-iam-writes", "Type": "SERVICE_CONTROL_POLICY"},
                "Content": doc(
                    allow("*"),
                    deny(
                        "iam:PutUserPolicy",
                        Condition={
                            "ArnLike": {"aws:PrincipalArn": arn("user", "p-scp-*")},
                            "ArnNotLike": {"aws:PrincipalArn": arn("user", "p-scp-exception")},
                        },
                    ),
                ),
            }
        }
    )
    acc.scps.append(
        {
            "Policy": {
                "PolicySummary": {"Name": "oos-deny-decoy", "Type": "SERVICE_CONTROL_POLICY"},
                "Content": doc(
                    allow("*"),
                    deny(
                        "iam:*",
                        Condition={"ArnLike": {"aws:PrincipalArn": arn("user", "d-scp-*")}},
                    ),
                ),
            }
        }
    )


def build() -> Account:
    """The out-of-sample labelled account."""
    acc = Account()
    _targets(acc)
    _self_modification(acc)
    _credentials(acc)
    _assume(acc)
    _passrole(acc)
    _existing(acc)
    _deny_and_boundary_misses(acc)
    _decoys(acc)
    _scps(acc)
    return acc
