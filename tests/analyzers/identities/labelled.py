"""A labelled AWS account, generated: every published escalation method held by one principal
that has exactly it, decoys that look dangerous but are denied, bounded, scoped or conditioned
away, and hard positives that look safe but are not. Written as
``aws iam get-account-authorization-details`` output (with the SCPs outwork reads beside it).

Used by the tests (tests/analyzers/identities/test_labelled.py) and by bench/iam_labelled.py, which
also runs cloudsplaining and parliament on the same file. Labels say what an exact evaluator must
report: ``positive`` principals can become administrator, ``decoy`` principals cannot,
``admin`` principals are administrators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
SERVICES = {
    "ec2": "ec2.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "glue": "glue.amazonaws.com",
    "cloudformation": "cloudformation.amazonaws.com",
    "datapipeline": "datapipeline.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
    "codebuild": "codebuild.amazonaws.com",
    "ecs": "ecs-tasks.amazonaws.com",
    "apprunner": "tasks.apprunner.amazonaws.com",
    "bedrock-agentcore": "bedrock-agentcore.amazonaws.com",
}


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    actions: list[str] | str, resource: list[str] | str = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: list[str] | str, resource: list[str] | str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def trust(principal: dict[str, Any]) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


@dataclass
class Account:
    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    scps: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)

    def managed(self, name: str, *versions: dict[str, Any], default: int = 0) -> str:
        policy_arn = arn("policy", name)
        self.policies.append(
            {
                "PolicyName": name,
                "PolicyId": f"ANPA{len(self.policies):016d}",
                "Arn": policy_arn,
                "Path": "/",
                "DefaultVersionId": f"v{default + 1}",
                "AttachmentCount": 1,
                "IsAttachable": True,
                "PolicyVersionList": [
                    {"Document": v, "VersionId": f"v{i + 1}", "IsDefaultVersion": i == default}
                    for i, v in enumerate(versions)
                ],
            }
        )
        return policy_arn

    def user(
        self,
        name: str,
        inline: list[dict[str, Any]] = (),  # type: ignore[assignment]
        attached: list[str] = (),  # type: ignore[assignment]
        groups: list[str] = (),  # type: ignore[assignment]
        boundary: str = "",
        label: str = "",
        method: str = "",
    ) -> str:
        entry: dict[str, Any] = {
            "Path": "/",
            "UserName": name,
            "UserId": f"AIDA{len(self.users):016d}",
            "Arn": arn("user", name),
            "CreateDate": "2024-01-01T00:00:00Z",
            "UserPolicyList": [
                {"PolicyName": f"{name}-inline-{i}", "PolicyDocument": d}
                for i, d in enumerate(inline)
            ],
            "GroupList": list(groups),
            "AttachedManagedPolicies": [
                {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
            ],
            "Tags": [],
        }
        if boundary:
            entry["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        self.users.append(entry)
        if label:
            self.labels[entry["Arn"]] = label
            self.methods[entry["Arn"]] = method
        return entry["Arn"]

    def group(self, name: str, inline: list[dict[str, Any]] = (), attached: list[str] = ()) -> str:  # type: ignore[assignment]
        self.groups.append(
            {
                "Path": "/",
                "GroupName": name,
                "GroupId": f"AGPA{len(self.groups):016d}",
                "Arn": arn("group", name),
                "GroupPolicyList": [
                    {"PolicyName": f"{name}-inline-{i}", "PolicyDocument": d}
                    for i, d in enumerate(inline)
                ],
                "AttachedManagedPolicies": [
                    {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
                ],
            }
        )
        return name

    def role(
        self,
        name: str,
        trust_policy: dict[str, Any],
        inline: list[dict[str, Any]] = (),  # type: ignore[assignment]
        attached: list[str] = (),  # type: ignore[assignment]
        profile: bool = False,
        label: str = "",
        method: str = "",
        boundary: str = "",
    ) -> str:
        role_arn = arn("role", name)
        self.roles.append(
            {
                "Path": "/",
                "RoleName": name,
                "RoleId": f"AROA{len(self.roles):016d}",
                "Arn": role_arn,
                "CreateDate": "2024-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": trust_policy,
                "InstanceProfileList": (
                    [
                        {
                            "InstanceProfileName": name,
                            "Arn": arn("instance-profile", name),
                            "Path": "/",
                            "Roles": [],
                        }
                    ]
                    if profile
                    else []
                ),
                "RolePolicyList": [
                    {"PolicyName": f"{name}-inline-{i}", "PolicyDocument": d}
                    for i, d in enumerate(inline)
                ],
                "AttachedManagedPolicies": [
                    {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
                ],
                "Tags": [],
            }
        )
        if boundary:
            self.roles[-1]["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        if label:
            self.labels[role_arn] = label
            self.methods[role_arn] = method
        return role_arn

    def snapshot(self) -> dict[str, Any]:
        admin_policy = {
            "PolicyName": "AdministratorAccess",
            "PolicyId": "ANPAIWMBCKSKIEE64ZLYK",
            "Arn": ADMIN_ARN,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "IsAttachable": True,
            "PolicyVersionList": [
                {"Document": doc(allow("*")), "VersionId": "v1", "IsDefaultVersion": True}
            ],
        }
        return {
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": [admin_policy, *self.policies],
            "ServiceControlPolicies": self.scps,
        }


def _split(
    account: Account, name: str, statements: list[dict[str, Any]], user: bool
) -> dict[str, Any]:
    """Spread a principal's statements over an inline policy, a managed policy and (users) a
    group, so that only their combination holds the method."""
    parts: dict[str, Any] = {"inline": [], "attached": [], "groups": []}
    for index, statement in enumerate(statements):
        slot = index % (3 if user else 2)
        if slot == 0:
            parts["inline"].append(doc(statement))
        elif slot == 1:
            parts["attached"].append(account.managed(f"{name}-managed-{index}", doc(statement)))
        else:
            group = account.group(f"{name}-group", inline=[doc(statement)])
            parts["groups"].append(group)
    return parts


# What each method's holder needs, beyond the targets the account provides.
METHOD_GRANTS: dict[str, list[str]] = {
    "iam-create-policy-version": ["iam:CreatePolicyVersion"],
    "iam-set-default-policy-version": ["iam:SetDefaultPolicyVersion"],
    "iam-put-user-policy": ["iam:PutUserPolicy"],
    "iam-attach-user-policy": ["iam:AttachUserPolicy"],
    "iam-put-group-policy": ["iam:PutGroupPolicy"],
    "iam-attach-group-policy": ["iam:AttachGroupPolicy"],
    "iam-put-role-policy": ["iam:PutRolePolicy"],
    "iam-attach-role-policy": ["iam:AttachRolePolicy"],
    "iam-add-user-to-group": ["iam:AddUserToGroup"],
    "iam-create-access-key": ["iam:CreateAccessKey"],
    "iam-create-login-profile": ["iam:CreateLoginProfile"],
    "iam-update-login-profile": ["iam:UpdateLoginProfile"],
    "iam-update-assume-role-policy": ["iam:UpdateAssumeRolePolicy"],
    "iam-put-role-policy-assumable": ["iam:PutRolePolicy"],
    "iam-attach-role-policy-assumable": ["iam:AttachRolePolicy"],
    "passrole-ec2": ["iam:PassRole", "ec2:RunInstances"],
    "ec2-associate-instance-profile": ["iam:PassRole", "ec2:AssociateIamInstanceProfile"],
    "ec2-replace-instance-profile-association": [
        "iam:PassRole",
        "ec2:ReplaceIamInstanceProfileAssociation",
    ],
    "passrole-lambda-invoke": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
    "passrole-lambda-event-source": [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    ],
    "passrole-lambda-add-permission": [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:AddPermission",
    ],
    "passrole-glue-dev-endpoint": ["iam:PassRole", "glue:CreateDevEndpoint"],
    "passrole-glue-job": ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
    "passrole-cloudformation": ["iam:PassRole", "cloudformation:CreateStack"],
    "passrole-datapipeline": [
        "iam:PassRole",
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    ],
    "passrole-sagemaker-notebook": ["iam:PassRole", "sagemaker:CreateNotebookInstance"],
    "passrole-ec2-spot": ["iam:PassRole", "ec2:RequestSpotInstances"],
    "passrole-cloudformation-stackset": [
        "iam:PassRole",
        "cloudformation:CreateStackSet",
        "cloudformation:CreateStackInstances",
    ],
    "passrole-codebuild-batch": [
        "iam:PassRole",
        "codebuild:CreateProject",
        "codebuild:StartBuildBatch",
    ],
    "passrole-ecs-service": ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
    "passrole-ecs-start-task": ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"],
    "passrole-glue-job-trigger": ["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"],
    "passrole-glue-update-job": ["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"],
    "passrole-bedrock-code-interpreter": [
        "iam:PassRole",
        "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ],
    "ec2-modify-user-data": [
        "ec2:ModifyInstanceAttribute",
        "ec2:StopInstances",
        "ec2:StartInstances",
    ],
    "ec2-modify-launch-template": ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
    "cloudformation-change-set": [
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
    ],
    "sagemaker-lifecycle-config": [
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        "sagemaker:StopNotebookInstance",
        "sagemaker:UpdateNotebookInstance",
        "sagemaker:StartNotebookInstance",
    ],
    "bedrock-code-interpreter-session": [
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ],
    "passrole-sagemaker-training": ["iam:PassRole", "sagemaker:CreateTrainingJob"],
    "passrole-sagemaker-processing": ["iam:PassRole", "sagemaker:CreateProcessingJob"],
    "passrole-codebuild": ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
    "passrole-ecs": ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    "passrole-apprunner": ["iam:PassRole", "apprunner:CreateService"],
    "glue-update-dev-endpoint": ["glue:UpdateDevEndpoint"],
    "lambda-update-function-code": ["lambda:UpdateFunctionCode"],
    "lambda-update-function-configuration": ["lambda:UpdateFunctionConfiguration"],
    "ssm-send-command": ["ssm:SendCommand"],
    "ssm-start-session": ["ssm:StartSession"],
    "ec2-instance-connect": ["ec2-instance-connect:SendSSHPublicKey"],
    "sagemaker-presigned-notebook-url": ["sagemaker:CreatePresignedNotebookInstanceUrl"],
    "codebuild-start-build-override": ["codebuild:StartBuild"],
    "cloudformation-update-stack": ["cloudformation:UpdateStack"],
    "ecs-execute-command": ["ecs:ExecuteCommand"],
    "sts-assume-role": ["sts:AssumeRole"],
}
ROLE_ONLY = {"iam-put-role-policy", "iam-attach-role-policy"}


def build() -> Account:
    """The labelled account."""
    acc = Account()
    # Targets: administrators a method can reach.
    acc.user("target-admin-user", attached=[ADMIN_ARN], label="admin")
    acc.group("target-admins", attached=[ADMIN_ARN])
    for short, service in SERVICES.items():
        acc.role(
            f"target-admin-{short}",
            trust({"Service": service}),
            attached=[ADMIN_ARN],
            profile=short == "ec2",
            label="admin",
        )
    acc.role(
        "target-admin-foreign-trust",
        trust({"AWS": "arn:aws:iam::999999999999:root"}),
        attached=[ADMIN_ARN],
        label="admin",
    )
    acc.role(
        "target-admin-account-trust",
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
        attached=[ADMIN_ARN],
        label="admin",
    )

    for method, actions in METHOD_GRANTS.items():
        _positive(acc, method, actions)
    _decoys(acc)
    _hard_positives(acc)
    _boundary_lifts(acc)
    _instance_profiles(acc)
    _tag_then_act(acc)
    return acc


def _positive(acc: Account, method: str, actions: list[str]) -> None:
    name = f"pos-{method}"
    statements: list[dict[str, Any]] = []
    for action in actions:
        resource: Any = "*"
        if method in (
            "iam-create-access-key",
            "iam-create-login-profile",
            "iam-update-login-profile",
        ):
            resource = arn("user", "target-admin-user")
        elif method == "iam-update-assume-role-policy":
            resource = arn("role", "target-admin-foreign-trust")
        elif method == "sts-assume-role":
            resource = arn("role", "target-admin-account-trust")
        elif action == "iam:PassRole":
            resource = arn("role", "target-admin-*")
        statements.append(allow(action, resource))
    if method in ROLE_ONLY:
        parts = _split(acc, name, statements, user=False)
        acc.role(
            name,
            trust({"Service": "outwork-nothing.amazonaws.com"}),
            inline=parts["inline"],
            attached=parts["attached"],
            label="positive",
            method=method,
        )
        return
    if method == "iam-create-policy-version":
        own = acc.managed(
            f"{name}-own", doc(allow("iam:CreatePolicyVersion", arn("policy", f"{name}-own")))
        )
        acc.user(name, attached=[own], label="positive", method=method)
        return
    if method == "iam-set-default-policy-version":
        own = acc.managed(
            f"{name}-own",
            doc(allow("iam:SetDefaultPolicyVersion", arn("policy", f"{name}-own"))),
            doc(allow("*")),
        )
        acc.user(name, attached=[own], label="positive", method=method)
        return
    if method in ("iam-put-group-policy", "iam-attach-group-policy"):
        group = acc.group(
            f"{name}-own-group", inline=[doc(allow(actions[0], arn("group", f"{name}-own-group")))]
        )
        acc.user(name, groups=[group], label="positive", method=method)
        return
    if method.endswith("-assumable"):
        acc.role(
            f"{name}-weak-role",
            trust({"AWS": arn("user", name)}),
            inline=[doc(allow("s3:ListAllMyBuckets"))],
        )
        acc.user(
            name,
            inline=[doc(allow(actions[0], arn("role", f"{name}-weak-role")))],
            label="positive",
            method=method,
        )
        return
    parts = _split(acc, name, statements, user=True)
    acc.user(
        name,
        inline=parts["inline"],
        attached=parts["attached"],
        groups=parts["groups"],
        label="positive",
        method=method,
    )


def _decoys(acc: Account) -> None:
    d = "decoy"
    acc.user(
        "decoy-explicit-deny",
        inline=[
            doc(allow("iam:PutUserPolicy", arn("user", "decoy-explicit-deny"))),
            doc(deny("iam:*")),
        ],
        label=d,
        method="explicit deny",
    )
    boundary = acc.managed("decoy-boundary", doc(allow(["iam:AttachUserPolicy", "s3:GetObject"])))
    acc.user(
        "decoy-bounded",
        inline=[doc(allow("iam:AttachUserPolicy", arn("user", "decoy-bounded")))],
        boundary=boundary,
        label=d,
        method="permission boundary",
    )
    acc.user("decoy-scp", inline=[doc(allow("iam:CreateAccessKey"))], label=d, method="SCP deny")
    acc.scps.append(
        {
            "Policy": {
                "PolicySummary": {"Name": "deny-decoy-keys", "Type": "SERVICE_CONTROL_POLICY"},
                "Content": json.dumps(
                    doc(
                        allow("*"),
                        deny(
                            "iam:CreateAccessKey",
                            Condition={"ArnEquals": {"aws:PrincipalArn": arn("user", "decoy-scp")}},
                        ),
                    )
                ),
            }
        }
    )
    acc.role(
        "harmless-lambda-role",
        trust({"Service": SERVICES["lambda"]}),
        inline=[doc(allow("logs:PutLogEvents"))],
    )
    acc.user(
        "decoy-harmless-resource",
        inline=[
            doc(
                allow("iam:PassRole", arn("role", "harmless-lambda-role")),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            )
        ],
        label=d,
        method="resource constraint to a harmless role",
    )
    acc.user(
        "decoy-unmeetable-condition",
        inline=[
            doc(
                allow(
                    "iam:PutUserPolicy",
                    "*",
                    Condition={"ArnEquals": {"aws:PrincipalArn": arn("user", "someone-else")}},
                )
            )
        ],
        label=d,
        method="condition that cannot be met",
    )
    acc.user(
        "decoy-passrole-wrong-service",
        inline=[
            doc(
                allow(
                    "iam:PassRole",
                    "*",
                    Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                ),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            )
        ],
        label=d,
        method="PassRole only to a service it cannot use",
    )
    acc.user(
        "decoy-missing-passrole",
        inline=[doc(allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))],
        label=d,
        method="one permission of the method missing",
    )
    acc.user(
        "decoy-notaction-poweruser",
        inline=[
            doc(
                {
                    "Effect": "Allow",
                    "NotAction": [
                        "iam:*",
                        "sts:*",
                        "ssm:*",
                        "ec2-instance-connect:*",
                        "lambda:*",
                        "glue:*",
                        "sagemaker:*",
                        "codebuild:*",
                        "cloudformation:*",
                        "ecs:*",
                        "datapipeline:*",
                        "apprunner:*",
                        "organizations:*",
                        "ec2:*",
                        "bedrock-agentcore:*",
                    ],
                    "Resource": "*",
                }
            )
        ],
        label=d,
        method="NotAction that excludes every escalation service",
    )
    acc.user(
        "decoy-deny-notresource",
        inline=[
            doc(
                allow("iam:AttachUserPolicy"),
                {
                    "Effect": "Deny",
                    "Action": "iam:AttachUserPolicy",
                    "NotResource": arn("user", "someone-else"),
                },
            )
        ],
        label=d,
        method="Deny with NotResource covering itself",
    )
    acc.user(
        "decoy-own-keys-only",
        inline=[doc(allow("iam:CreateAccessKey", arn("user", "${aws:username}")))],
        label=d,
        method="CreateAccessKey scoped to its own user",
    )
    acc.user(
        "decoy-read-only",
        inline=[doc(allow(["iam:Get*", "iam:List*", "s3:Get*"]))],
        label=d,
        method="read-only IAM",
    )
    acc.user(
        "decoy-passrole-no-profile",
        inline=[
            doc(
                allow("iam:PassRole", arn("role", "harmless-lambda-role")),
                allow("ec2:RunInstances"),
            )
        ],
        label=d,
        method="PassRole of a role EC2 cannot use",
    )
    acc.user(
        "decoy-deny-passrole-admin",
        inline=[
            doc(
                allow(["iam:PassRole", "glue:CreateDevEndpoint"]),
                deny("iam:PassRole", arn("role", "target-admin-*")),
            )
        ],
        label=d,
        method="Deny of PassRole on every privileged role",
    )


def _hard_positives(acc: Account) -> None:
    p = "positive"
    acc.user(
        "hard-notaction",
        inline=[doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})],
        label=p,
        method="NotAction that leaves IAM allowed",
    )
    acc.user(
        "hard-resource-glob",
        inline=[doc(allow("iam:PutUserPolicy", arn("user", "hard-*")))],
        label=p,
        method="resource pattern that still covers itself",
    )
    acc.user(
        "hard-policy-variable",
        inline=[doc(allow("iam:PutUserPolicy", arn("user", "${aws:username}")))],
        label=p,
        method="policy variable naming itself",
    )
    acc.user(
        "hard-condition-policy-arn",
        inline=[
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    "*",
                    Condition={"ArnEquals": {"iam:PolicyARN": ADMIN_ARN}},
                )
            )
        ],
        label=p,
        method="condition the attacker satisfies (the policy it attaches)",
    )
    acc.user(
        "hard-condition-region",
        inline=[
            doc(
                allow(
                    ["iam:PassRole", "ec2:RunInstances"],
                    "*",
                    Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
                )
            )
        ],
        label=p,
        method="condition the attacker satisfies (the region it calls)",
    )
    acc.user(
        "hard-passed-to-service",
        inline=[
            doc(
                allow(
                    "iam:PassRole",
                    "*",
                    Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
                ),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            )
        ],
        label=p,
        method="PassRole limited to the service it uses",
    )
    acc.user(
        "hard-deny-elsewhere",
        inline=[
            doc(allow("iam:PutUserPolicy"), deny("iam:PutUserPolicy", arn("user", "target-*")))
        ],
        label=p,
        method="Deny that misses itself",
    )
    acc.role(
        "hard-hop-role",
        trust({"AWS": arn("user", "hard-two-hops")}),
        inline=[doc(allow("iam:CreateAccessKey", arn("user", "target-admin-user")))],
        label=p,
        method="role that mints an administrator's keys (the second hop)",
    )
    acc.user(
        "hard-two-hops",
        inline=[doc(allow("sts:AssumeRole", arn("role", "hard-hop-role")))],
        label=p,
        method="two hops: assume a role that mints an administrator's keys",
    )
    acc.user(
        "hard-wildcard-action",
        inline=[doc(allow("iam:Put*", arn("user", "hard-wildcard-action")))],
        label=p,
        method="wildcard action covering iam:PutUserPolicy",
    )
    acc.user(
        "hard-ifexists",
        inline=[
            doc(
                allow(
                    "iam:PutUserPolicy",
                    "*",
                    Condition={"StringEqualsIfExists": {"aws:ResourceTag/team": "ops"}},
                )
            )
        ],
        label=p,
        method="IfExists on a tag the target lacks",
    )


#: Principals under a boundary that lift it, by the lift their path must name first.
LIFTS = {
    "lift-delete-user": "iam-delete-user-permissions-boundary",
    "lift-delete-role": "iam-delete-role-permissions-boundary",
    "lift-put-user": "iam-put-user-permissions-boundary",
    "lift-put-role": "iam-put-role-permissions-boundary",
    "lift-policy-version": "iam-create-policy-version-boundary",
    "lift-default-version": "iam-set-default-policy-version-boundary",
    "lift-put-pinned-wide": "iam-put-user-permissions-boundary",
    "lift-put-aws-managed": "iam-put-user-permissions-boundary",
}


def _boundary_lifts(acc: Account) -> None:
    """Bounded principals whose boundary alone keeps them from administrator: those that can
    lift it are positives, those whose lift is denied, pinned, outside the boundary or useless
    are decoys."""
    p, d = "positive", "decoy"
    nobody = trust({"Service": "outwork-nothing.amazonaws.com"})

    def boundary(name: str, *versions: dict[str, Any]) -> str:
        return acc.managed(f"{name}-boundary", *versions)

    name = "lift-delete-user"
    acc.user(
        name,
        inline=[
            doc(
                allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"], arn("user", name))
            )
        ],
        boundary=boundary(name, doc(allow(["iam:DeleteUserPermissionsBoundary", "s3:GetObject"]))),
        label=p,
        method="deletes its boundary, then writes its own policy",
    )
    name = "lift-delete-role"
    acc.role(
        name,
        nobody,
        attached=[ADMIN_ARN],
        boundary=boundary(name, doc(allow("iam:DeleteRolePermissionsBoundary", arn("role", name)))),
        label=p,
        method="an administrator policy held back by a boundary it can delete",
    )
    name = "lift-put-user"
    acc.user(
        name,
        inline=[doc(allow("iam:PutUserPolicy", arn("user", name)))],
        attached=[acc.managed(f"{name}-managed", doc(allow("iam:PutUserPermissionsBoundary")))],
        boundary=boundary(name, doc(allow(["iam:Put*", "s3:GetObject"]))),
        label=p,
        method="replaces its boundary, then writes its own policy",
    )
    name = "lift-put-role"
    acc.role(
        name,
        nobody,
        attached=[ADMIN_ARN],
        boundary=boundary(name, doc(allow("iam:PutRolePermissionsBoundary"))),
        label=p,
        method="replaces its boundary with AdministratorAccess",
    )
    name = "lift-policy-version"
    acc.user(
        name,
        attached=[
            acc.managed(f"{name}-managed", doc(allow("iam:AttachUserPolicy", arn("user", name))))
        ],
        inline=[doc(allow("iam:CreatePolicyVersion", arn("policy", f"{name}-boundary")))],
        boundary=boundary(name, doc(allow("iam:CreatePolicyVersion"), allow("iam:List*"))),
        label=p,
        method="rewrites the policy that bounds it, then attaches any policy",
    )
    name = "lift-default-version"
    acc.user(
        name,
        attached=[ADMIN_ARN],
        boundary=boundary(
            name,
            doc(allow("iam:SetDefaultPolicyVersion", arn("policy", f"{name}-boundary"))),
            doc(allow("*")),
        ),
        label=p,
        method="makes a wider version of its boundary live",
    )

    # replacing the boundary with the one policy a condition allows, which grants the method
    wide = acc.managed("team-wide-boundary", doc(allow("*")))
    narrow = acc.managed("team-narrow-boundary", doc(allow(["s3:*"])))

    def pinned(name: str, kind: str, operator: str, policy: str) -> dict[str, Any]:
        return allow(
            f"iam:Put{kind}PermissionsBoundary",
            arn(kind.lower(), name),
            Condition={operator: {"iam:PermissionsBoundary": policy}},
        )

    name = "lift-put-pinned-wide"
    acc.user(
        name,
        inline=[
            doc(
                allow("iam:PutUserPolicy", arn("user", name)),
                pinned(name, "User", "StringEquals", wide),
            )
        ],
        boundary=boundary(name, doc(allow("iam:PutUserPermissionsBoundary"))),
        label=p,
        method="may only set a team boundary, which allows writing its own policy",
    )
    name = "lift-put-aws-managed"
    acc.user(
        name,
        inline=[
            doc(
                allow("iam:CreateAccessKey", arn("user", "target-admin-user")),
                pinned(name, "User", "ArnLike", "arn:aws:iam::aws:policy/IAMFull*"),
            )
        ],
        boundary=boundary(name, doc(allow("iam:PutUserPermissionsBoundary"))),
        label=p,
        method="may set AWS's IAMFullAccess as its boundary, then mints an administrator's keys",
    )
    name = "decoy-lift-pinned-narrow"
    acc.user(
        name,
        inline=[
            doc(
                allow("iam:PutUserPolicy", arn("user", name)),
                pinned(name, "User", "StringEquals", narrow),
            )
        ],
        boundary=boundary(name, doc(allow("iam:PutUserPermissionsBoundary"))),
        label=d,
        method="may only set a team boundary that allows S3 alone",
    )

    name = "decoy-lift-denied"
    acc.user(
        name,
        attached=[ADMIN_ARN],
        inline=[doc(deny(["iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary"]))],
        boundary=boundary(name, doc(allow(["iam:*PermissionsBoundary", "s3:GetObject"]))),
        label=d,
        method="boundary lift explicitly denied",
    )
    name = "decoy-lift-pinned"
    acc.role(
        name,
        nobody,
        attached=[ADMIN_ARN],
        boundary=boundary(
            name,
            doc(
                allow(
                    "iam:PutRolePermissionsBoundary",
                    Condition={
                        "StringEquals": {
                            "iam:PermissionsBoundary": arn("policy", f"{name}-boundary")
                        }
                    },
                )
            ),
        ),
        label=d,
        method="iam:PermissionsBoundary condition pins the boundary",
    )
    name = "decoy-lift-outside-boundary"
    acc.user(
        name,
        inline=[
            doc(
                allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"], arn("user", name))
            )
        ],
        boundary=boundary(name, doc(allow("s3:GetObject"))),
        label=d,
        method="the boundary does not allow lifting it",
    )
    name = "decoy-lift-narrow-version"
    acc.user(
        name,
        attached=[ADMIN_ARN],
        boundary=boundary(
            name,
            doc(allow("iam:SetDefaultPolicyVersion", arn("policy", f"{name}-boundary"))),
            doc(allow("s3:ListBucket")),
        ),
        label=d,
        method="its boundary's other version is no wider",
    )
    name = "decoy-lift-other-boundary"
    acc.user(
        name,
        attached=[ADMIN_ARN],
        boundary=boundary(
            name, doc(allow("iam:CreatePolicyVersion", arn("policy", "some-other-policy")))
        ),
        label=d,
        method="may rewrite a policy that is not its boundary",
    )


def _instance_profiles(acc: Account) -> None:
    """Giving a role to an instance: association with a running instance (methods of their
    own, above) and a role that is in no instance profile put into one first. Positives that
    only their combination or a guard's gap opens, decoys denied, bounded, blocked by an SCP,
    scoped to a harmless role, conditioned away or missing the placement."""
    p, d = "positive", "decoy"
    bare = acc.role(
        "target-admin-ec2-bare",
        trust({"Service": SERVICES["ec2"]}),
        attached=[ADMIN_ARN],
        label="admin",
    )
    acc.role(
        "harmless-ec2-role",
        trust({"Service": SERVICES["ec2"]}),
        inline=[doc(allow("logs:PutLogEvents"))],
        profile=True,
    )
    mighty = arn("role", "target-admin-ec2")
    associate = "ec2:AssociateIamInstanceProfile"
    launch_with_profile_denied = deny(
        "ec2:RunInstances", Condition={"Null": {"ec2:InstanceProfile": "false"}}
    )
    name = "hard-launch-then-associate"
    parts = _split(
        acc,
        name,
        [
            allow("iam:PassRole", mighty),
            allow(["ec2:RunInstances", associate]),
            launch_with_profile_denied,
        ],
        user=True,
    )
    acc.user(
        name,
        **parts,
        label=p,
        method="may not launch with a profile, may launch without one and associate it after",
    )
    name = "hard-profile-create"
    parts = _split(
        acc,
        name,
        [
            allow("iam:PassRole", bare),
            allow(
                ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"],
                arn("instance-profile", "*"),
            ),
            allow("ec2:RunInstances"),
        ],
        user=True,
    )
    acc.user(
        name, **parts, label=p, method="puts a role in no profile into a new one, then launches"
    )
    name = "hard-profile-swap"
    acc.user(
        name,
        inline=[
            doc(
                allow("iam:PassRole", bare),
                allow(["iam:RemoveRoleFromInstanceProfile", "iam:AddRoleToInstanceProfile"]),
            )
        ],
        attached=[
            acc.managed(f"{name}-managed", doc(allow(["ec2:RunInstances", "ec2:CreateKeyPair"])))
        ],
        label=p,
        method="swaps a role in no profile into an existing profile, then launches",
    )

    name = "decoy-associate-denied"
    acc.user(
        name,
        inline=[doc(allow(["iam:PassRole", associate])), doc(deny(associate))],
        label=d,
        method="association explicitly denied",
    )
    acc.user(
        "decoy-associate-bounded",
        inline=[doc(allow(["iam:PassRole", associate]))],
        boundary=acc.managed(
            "decoy-associate-boundary", doc(allow(["iam:PassRole", "s3:GetObject"]))
        ),
        label=d,
        method="association outside the permission boundary",
    )
    name = "decoy-replace-scp"
    acc.user(
        name,
        inline=[doc(allow(["iam:PassRole", "ec2:ReplaceIamInstanceProfileAssociation"]))],
        label=d,
        method="replacement denied by an SCP",
    )
    acc.scps.append(
        {
            "Policy": {
                "PolicySummary": {"Name": "deny-decoy-replace", "Type": "SERVICE_CONTROL_POLICY"},
                "Content": json.dumps(
                    doc(
                        allow("*"),
                        deny(
                            "ec2:ReplaceIamInstanceProfileAssociation",
                            Condition={"ArnEquals": {"aws:PrincipalArn": arn("user", name)}},
                        ),
                    )
                ),
            }
        }
    )
    acc.user(
        "decoy-associate-harmless-role",
        inline=[doc(allow("iam:PassRole", arn("role", "harmless-ec2-role")), allow(associate))],
        label=d,
        method="association of a harmless role only",
    )
    acc.user(
        "decoy-associate-passed-elsewhere",
        inline=[
            doc(
                allow(
                    "iam:PassRole",
                    Condition={"StringEquals": {"iam:PassedToService": SERVICES["lambda"]}},
                ),
                allow(associate),
            )
        ],
        label=d,
        method="PassRole only to Lambda: no role reaches an instance",
    )
    acc.user(
        "decoy-associate-unmeetable",
        inline=[
            doc(
                allow("iam:PassRole"),
                allow(
                    associate,
                    Condition={"ArnEquals": {"aws:PrincipalArn": arn("user", "someone-else")}},
                ),
            )
        ],
        label=d,
        method="association conditioned on another principal",
    )
    acc.user(
        "decoy-profile-no-placement",
        inline=[
            doc(
                allow("iam:PassRole", bare),
                allow(["ec2:RunInstances", "iam:AddRoleToInstanceProfile"]),
            )
        ],
        label=d,
        method="a role in no profile, and no profile to put it in",
    )
    acc.user(
        "decoy-profile-placement-denied",
        inline=[
            doc(
                allow("iam:PassRole", bare),
                allow(
                    [
                        "ec2:RunInstances",
                        "iam:CreateInstanceProfile",
                        "iam:AddRoleToInstanceProfile",
                    ]
                ),
                deny("iam:AddRoleToInstanceProfile"),
            )
        ],
        label=d,
        method="putting the role in a profile denied",
    )


def _tag_then_act(acc: Account) -> None:
    """Grants guarded by a condition on the target's tags, held by principals that may set the
    tag (positives) or may not: no tagging permission, tagging denied for that key, outside the
    boundary, denied by an SCP, allowed on a harmless user only, for another key or value only,
    or a second condition that cannot be met (decoys)."""
    p, d = "positive", "decoy"
    users = arn("user", "*")
    developer = {"StringEquals": {"aws:ResourceTag/developer": "true"}}
    keys = allow("iam:CreateAccessKey", users, Condition=developer)

    name = "tag-user-then-keys"
    acc.user(
        name,
        **_split(acc, name, [keys, allow("iam:TagUser"), allow("iam:ListUsers")], user=True),
        label=p,
        method="tags the administrator developer=true, then mints its keys",
    )
    name = "tag-role-then-pass"
    acc.user(
        name,
        **_split(
            acc,
            name,
            [
                allow(
                    "iam:PassRole",
                    arn("role", "*"),
                    Condition={"StringLike": {"iam:ResourceTag/team": "build*"}},
                ),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
                allow(
                    "iam:TagRole",
                    arn("role", "*"),
                    Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
                ),
            ],
            user=True,
        ),
        label=p,
        method="tags an administrator role team=build (the one key it may set), then passes it",
    )
    name = "tag-self-then-write"
    acc.user(
        name,
        inline=[
            doc(
                allow(
                    "iam:PutUserPolicy",
                    arn("user", name),
                    Condition={"StringEquals": {"aws:ResourceTag/self-service": "yes"}},
                ),
                allow("iam:TagUser", arn("user", name)),
            )
        ],
        label=p,
        method="tags itself, then writes its own policy",
    )

    acc.user(
        "harmless-tagged-user",
        inline=[doc(allow("s3:ListAllMyBuckets"))],
    )
    acc.user(
        "decoy-tag-cannot-tag",
        inline=[doc(keys, allow(["iam:ListUsers", "iam:ListUserTags"]))],
        label=d,
        method="a tag condition, and no permission to tag",
    )
    acc.user(
        "decoy-tag-denied",
        inline=[
            doc(keys, allow("iam:TagUser")),
            doc(
                deny(
                    "iam:TagUser",
                    Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["developer"]}},
                )
            ),
        ],
        label=d,
        method="tagging with the key the grant reads denied",
    )
    acc.user(
        "decoy-tag-bounded",
        inline=[doc(keys, allow("iam:TagUser"))],
        boundary=acc.managed("decoy-tag-boundary", doc(allow(["iam:CreateAccessKey", "s3:*"]))),
        label=d,
        method="tagging outside the permission boundary",
    )
    name = "decoy-tag-scp"
    acc.user(
        name, inline=[doc(keys, allow("iam:TagUser"))], label=d, method="tagging denied by an SCP"
    )
    acc.scps.append(
        {
            "Policy": {
                "PolicySummary": {"Name": "deny-decoy-tagging", "Type": "SERVICE_CONTROL_POLICY"},
                "Content": json.dumps(
                    doc(
                        allow("*"),
                        deny(
                            "iam:TagUser",
                            Condition={"ArnEquals": {"aws:PrincipalArn": arn("user", name)}},
                        ),
                    )
                ),
            }
        }
    )
    acc.user(
        "decoy-tag-harmless-only",
        inline=[doc(keys, allow("iam:TagUser", arn("user", "harmless-*")))],
        label=d,
        method="may tag a harmless user only",
    )
    acc.user(
        "decoy-tag-other-key",
        inline=[
            doc(
                keys,
                allow(
                    "iam:TagUser",
                    Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}},
                ),
            )
        ],
        label=d,
        method="may set other tag keys only",
    )
    acc.user(
        "decoy-tag-other-value",
        inline=[
            doc(
                keys,
                allow(
                    "iam:TagUser",
                    Condition={"StringEquals": {"aws:RequestTag/developer": "false"}},
                ),
            )
        ],
        label=d,
        method="may set the key to another value only",
    )
    acc.user(
        "decoy-tag-unmeetable",
        inline=[
            doc(
                allow(
                    "iam:CreateAccessKey",
                    users,
                    Condition={
                        **developer,
                        "ArnEquals": {"aws:PrincipalArn": arn("user", "someone-else")},
                    },
                ),
                allow("iam:TagUser"),
            )
        ],
        label=d,
        method="a tag it may set, and a condition it cannot meet",
    )


def write(path: str) -> Account:
    acc = build()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(acc.snapshot(), fh, indent=1)
    return acc
