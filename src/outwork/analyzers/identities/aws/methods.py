"""The published AWS privilege-escalation methods, as data.

Each method is the set of permissions it needs, each on the resource the attacker must act on,
and what the attacker becomes when it holds: administrator (the principal rewrites its own
permissions), another user (it mints that user's credentials), or a role (it assumes it, or has a
service run its code with it). Sources: Rhino Security Labs' "AWS IAM Privilege Escalation -
Methods and Mitigation" (the 21 methods and their later additions) and the pathfinding.cloud
catalogue of escalation paths. The search itself is in :mod:`.escalation`.
"""

from __future__ import annotations

from dataclasses import dataclass

from outwork.analyzers.identities.aws.evaluate import PRESENT

RHINO = "Rhino Security Labs, AWS IAM Privilege Escalation - Methods and Mitigation"
PATHFINDING = "pathfinding.cloud"
SCHEDULER = (
    "Amazon EventBridge Scheduler User Guide: a schedule's universal target calls any AWS API"
    " operation with the execution role passed to it"
)

# What a step's resource is:
#: the principal's own ARN
SELF = "self"
#: a group the user belongs to
OWN_GROUP = "own-group"
#: a customer-managed policy attached to the principal (or its groups)
OWN_POLICY = "own-policy"
#: such a policy that also has a non-default version
OWN_POLICY_VERSIONS = "own-policy-versions"
#: a group whose permissions would make the user administrator
GROUP = "group"
#: another user, or a role
USER = "user"
ROLE = "role"
#: a role the service can use, named by ``Method.service``
SERVICE_ROLE = "service-role"
#: a resource the attacker creates or picks (a new function, an instance it launches)
CHOSEN = "chosen"
#: the principal's own permission boundary, a customer-managed policy (and one of its other
#: versions, for ``SetDefaultPolicyVersion``)
OWN_BOUNDARY = "own-boundary"
OWN_BOUNDARY_VERSIONS = "own-boundary-versions"
BOUNDARIES = "AWS IAM User Guide, permissions boundaries for IAM entities"
PACU = "Rhino Security Labs, Pacu iam__privesc_scan (instance-profile methods)"
CLOUDGOAT = "Rhino Security Labs, CloudGoat iam_privesc_by_attachment"


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    resource: str
    #: Condition keys the attacker's request for this step carries, as it makes it (an
    #: instance launched without a profile names none: ``ec2:InstanceProfile`` absent).
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    title: str
    steps: tuple[Step, ...]
    #: "admin", "user" or "role": what the principal becomes
    gives: str
    source: str = RHINO
    #: the service principal the target role must trust (SERVICE_ROLE steps, PassRole)
    service: str = ""
    #: principals this method applies to ("user", "role" or both)
    who: tuple[str, ...] = ("user", "role")
    #: the role must be in an instance profile (EC2)
    needs_instance_profile: bool = False
    #: the method acts on a resource that already runs with the role (a function, an instance,
    #: a notebook), which neither a snapshot nor a policy shows: it holds only if one exists
    existing: bool = False
    #: What must exist for an ``existing`` method, as its finding says (by default: a resource
    #: of the service that runs with the role).
    premise: str = ""
    #: Steps that, all allowed without condition, make the premise true: the principal makes
    #: the resource itself (launches the instance it then gives the role).
    makes_premise: tuple[Step, ...] = ()


def _m(
    id_: str,
    title: str,
    gives: str,
    *steps: tuple[str, str] | Step,
    source: str = RHINO,
    service: str = "",
    who: tuple[str, ...] = ("user", "role"),
    needs_instance_profile: bool = False,
    existing: bool = False,
    premise: str = "",
    makes_premise: tuple[Step, ...] = (),
) -> Method:
    return Method(
        id_,
        title,
        tuple(step if isinstance(step, Step) else Step(*step) for step in steps),
        gives,
        source,
        service,
        who,
        needs_instance_profile,
        existing,
        premise,
        makes_premise,
    )


#: What giving a role to a running instance needs besides the calls: an instance the principal
#: runs code on. It makes one itself when it may launch an instance without a profile.
_REACHED_INSTANCE = (
    "an instance the principal runs code on must exist (one it reaches with SSM, EC2 Instance"
    " Connect or its own key): instances are not in the input"
)
_LAUNCH_WITHOUT_PROFILE = (Step("ec2:RunInstances", CHOSEN, (("ec2:InstanceProfile", ()),)),)


def _associate(id_: str, title: str, action: str) -> Method:
    """``iam:PassRole`` of a role in an instance profile with a call that gives that profile to
    a running instance (Pacu's "associate an existing instance profile with an existing EC2
    instance"): the role's credentials are then served to the instance's metadata."""
    return _m(
        id_,
        title,
        "role",
        ("iam:PassRole", SERVICE_ROLE),
        (action, CHOSEN),
        source=PACU,
        service="ec2.amazonaws.com",
        needs_instance_profile=True,
        existing=True,
        premise=_REACHED_INSTANCE,
        makes_premise=_LAUNCH_WITHOUT_PROFILE,
    )


def _passrole(
    id_: str,
    title: str,
    service: str,
    *actions: str,
    source: str = RHINO,
    needs_instance_profile: bool = False,
) -> Method:
    # a launch given the role's instance profile names one (which, the input does not say)
    named = (("ec2:InstanceProfile", (PRESENT,)),) if needs_instance_profile else ()
    steps = (Step("iam:PassRole", SERVICE_ROLE), *(Step(a, CHOSEN, named) for a in actions))
    return _m(
        id_,
        title,
        "role",
        *steps,
        source=source,
        service=service,
        needs_instance_profile=needs_instance_profile,
    )


def _existing(
    id_: str,
    title: str,
    service: str,
    *actions: str,
    source: str = PATHFINDING,
    needs_instance_profile: bool = False,
) -> Method:
    """A method that acts on a resource that already runs with a role (a function, an
    instance, a notebook): the target is any role the service may use."""
    steps = tuple((a, CHOSEN) for a in actions)
    return _m(
        id_,
        title,
        "role",
        *steps,
        source=source,
        service=service,
        needs_instance_profile=needs_instance_profile,
        existing=True,
    )


METHODS: tuple[Method, ...] = (
    _m(
        "iam-create-policy-version",
        "iam:CreatePolicyVersion on a policy attached to itself",
        "admin",
        ("iam:CreatePolicyVersion", OWN_POLICY),
    ),
    _m(
        "iam-set-default-policy-version",
        "iam:SetDefaultPolicyVersion makes another version of its own policy live",
        "admin",
        ("iam:SetDefaultPolicyVersion", OWN_POLICY_VERSIONS),
    ),
    _m(
        "iam-put-user-policy",
        "iam:PutUserPolicy writes an inline policy on itself",
        "admin",
        ("iam:PutUserPolicy", SELF),
        who=("user",),
    ),
    _m(
        "iam-attach-user-policy",
        "iam:AttachUserPolicy attaches an administrator policy to itself",
        "admin",
        ("iam:AttachUserPolicy", SELF),
        who=("user",),
    ),
    _m(
        "iam-put-group-policy",
        "iam:PutGroupPolicy writes an inline policy on its own group",
        "admin",
        ("iam:PutGroupPolicy", OWN_GROUP),
        who=("user",),
    ),
    _m(
        "iam-attach-group-policy",
        "iam:AttachGroupPolicy attaches an administrator policy to its own group",
        "admin",
        ("iam:AttachGroupPolicy", OWN_GROUP),
        who=("user",),
    ),
    _m(
        "iam-put-role-policy",
        "iam:PutRolePolicy writes an inline policy on itself",
        "admin",
        ("iam:PutRolePolicy", SELF),
        who=("role",),
    ),
    _m(
        "iam-attach-role-policy",
        "iam:AttachRolePolicy attaches an administrator policy to itself",
        "admin",
        ("iam:AttachRolePolicy", SELF),
        who=("role",),
    ),
    _m(
        "iam-add-user-to-group",
        "iam:AddUserToGroup adds itself to a more privileged group",
        "admin",
        ("iam:AddUserToGroup", GROUP),
        who=("user",),
    ),
    _m(
        "iam-create-access-key",
        "iam:CreateAccessKey mints keys of another user",
        "user",
        ("iam:CreateAccessKey", USER),
    ),
    _m(
        "iam-create-login-profile",
        "iam:CreateLoginProfile sets a console password on another user",
        "user",
        ("iam:CreateLoginProfile", USER),
    ),
    _m(
        "iam-update-login-profile",
        "iam:UpdateLoginProfile changes the console password of another user",
        "user",
        ("iam:UpdateLoginProfile", USER),
    ),
    _m(
        "iam-update-assume-role-policy",
        "iam:UpdateAssumeRolePolicy rewrites a role's trust policy to trust itself",
        "role",
        ("iam:UpdateAssumeRolePolicy", ROLE),
    ),
    _m(
        "iam-put-role-policy-assumable",
        "iam:PutRolePolicy on a role it can assume",
        "admin",
        ("iam:PutRolePolicy", ROLE),
        source=PATHFINDING,
    ),
    _m(
        "iam-attach-role-policy-assumable",
        "iam:AttachRolePolicy on a role it can assume",
        "admin",
        ("iam:AttachRolePolicy", ROLE),
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-ec2",
        "iam:PassRole with ec2:RunInstances (code on an instance with the role)",
        "ec2.amazonaws.com",
        "ec2:RunInstances",
        needs_instance_profile=True,
    ),
    _associate(
        "ec2-associate-instance-profile",
        "iam:PassRole with ec2:AssociateIamInstanceProfile (the role on an instance it runs"
        " code on)",
        "ec2:AssociateIamInstanceProfile",
    ),
    _associate(
        "ec2-replace-instance-profile-association",
        "iam:PassRole with ec2:ReplaceIamInstanceProfileAssociation (the role swapped onto an"
        " instance it runs code on)",
        "ec2:ReplaceIamInstanceProfileAssociation",
    ),
    _passrole(
        "passrole-lambda-invoke",
        "iam:PassRole with lambda:CreateFunction and lambda:InvokeFunction",
        "lambda.amazonaws.com",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ),
    _passrole(
        "passrole-lambda-event-source",
        "iam:PassRole with lambda:CreateFunction and lambda:CreateEventSourceMapping",
        "lambda.amazonaws.com",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    ),
    _passrole(
        "passrole-lambda-add-permission",
        "iam:PassRole with lambda:CreateFunction and lambda:AddPermission",
        "lambda.amazonaws.com",
        "lambda:CreateFunction",
        "lambda:AddPermission",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-scheduler",
        "iam:PassRole with scheduler:CreateSchedule (a schedule calls any API as the role)",
        "scheduler.amazonaws.com",
        "scheduler:CreateSchedule",
        source=SCHEDULER,
    ),
    _passrole(
        "passrole-glue-dev-endpoint",
        "iam:PassRole with glue:CreateDevEndpoint",
        "glue.amazonaws.com",
        "glue:CreateDevEndpoint",
    ),
    _passrole(
        "passrole-glue-job",
        "iam:PassRole with glue:CreateJob and glue:StartJobRun",
        "glue.amazonaws.com",
        "glue:CreateJob",
        "glue:StartJobRun",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-cloudformation",
        "iam:PassRole with cloudformation:CreateStack",
        "cloudformation.amazonaws.com",
        "cloudformation:CreateStack",
    ),
    _passrole(
        "passrole-datapipeline",
        "iam:PassRole with datapipeline:CreatePipeline and PutPipelineDefinition",
        "datapipeline.amazonaws.com",
        "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition",
        "datapipeline:ActivatePipeline",
    ),
    _passrole(
        "passrole-sagemaker-notebook",
        "iam:PassRole with sagemaker:CreateNotebookInstance (its lifecycle script runs as it)",
        "sagemaker.amazonaws.com",
        "sagemaker:CreateNotebookInstance",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-sagemaker-training",
        "iam:PassRole with sagemaker:CreateTrainingJob",
        "sagemaker.amazonaws.com",
        "sagemaker:CreateTrainingJob",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-sagemaker-processing",
        "iam:PassRole with sagemaker:CreateProcessingJob",
        "sagemaker.amazonaws.com",
        "sagemaker:CreateProcessingJob",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-codebuild",
        "iam:PassRole with codebuild:CreateProject and codebuild:StartBuild",
        "codebuild.amazonaws.com",
        "codebuild:CreateProject",
        "codebuild:StartBuild",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-ecs",
        "iam:PassRole with ecs:RegisterTaskDefinition and ecs:RunTask",
        "ecs-tasks.amazonaws.com",
        "ecs:RegisterTaskDefinition",
        "ecs:RunTask",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-apprunner",
        "iam:PassRole with apprunner:CreateService",
        "tasks.apprunner.amazonaws.com",
        "apprunner:CreateService",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-ec2-spot",
        "iam:PassRole with ec2:RequestSpotInstances",
        "ec2.amazonaws.com",
        "ec2:RequestSpotInstances",
        source=PATHFINDING,
        needs_instance_profile=True,
    ),
    _passrole(
        "passrole-cloudformation-stackset",
        "iam:PassRole with cloudformation:CreateStackSet and CreateStackInstances",
        "cloudformation.amazonaws.com",
        "cloudformation:CreateStackSet",
        "cloudformation:CreateStackInstances",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-codebuild-batch",
        "iam:PassRole with codebuild:CreateProject and codebuild:StartBuildBatch",
        "codebuild.amazonaws.com",
        "codebuild:CreateProject",
        "codebuild:StartBuildBatch",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-ecs-service",
        "iam:PassRole with ecs:RegisterTaskDefinition and ecs:CreateService",
        "ecs-tasks.amazonaws.com",
        "ecs:RegisterTaskDefinition",
        "ecs:CreateService",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-ecs-start-task",
        "iam:PassRole with ecs:RegisterTaskDefinition and ecs:StartTask",
        "ecs-tasks.amazonaws.com",
        "ecs:RegisterTaskDefinition",
        "ecs:StartTask",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-glue-job-trigger",
        "iam:PassRole with glue:CreateJob and glue:CreateTrigger",
        "glue.amazonaws.com",
        "glue:CreateJob",
        "glue:CreateTrigger",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-glue-update-job",
        "iam:PassRole with glue:UpdateJob and glue:StartJobRun",
        "glue.amazonaws.com",
        "glue:UpdateJob",
        "glue:StartJobRun",
        source=PATHFINDING,
    ),
    _passrole(
        "passrole-bedrock-code-interpreter",
        "iam:PassRole with bedrock-agentcore:CreateCodeInterpreter and a session it invokes",
        "bedrock-agentcore.amazonaws.com",
        "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
        source=PATHFINDING,
    ),
    _existing(
        "ec2-modify-user-data",
        "ec2:ModifyInstanceAttribute rewrites an instance's user data, run at its restart",
        "ec2.amazonaws.com",
        "ec2:ModifyInstanceAttribute",
        "ec2:StopInstances",
        "ec2:StartInstances",
        needs_instance_profile=True,
    ),
    _existing(
        "ec2-modify-launch-template",
        "ec2:CreateLaunchTemplateVersion and ModifyLaunchTemplate change what instances run",
        "ec2.amazonaws.com",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
        needs_instance_profile=True,
    ),
    _existing(
        "cloudformation-change-set",
        "cloudformation:CreateChangeSet and ExecuteChangeSet on a stack that runs with the role",
        "cloudformation.amazonaws.com",
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
    ),
    _existing(
        "sagemaker-lifecycle-config",
        "a new lifecycle configuration on an existing notebook, restarted",
        "sagemaker.amazonaws.com",
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        "sagemaker:StopNotebookInstance",
        "sagemaker:UpdateNotebookInstance",
        "sagemaker:StartNotebookInstance",
    ),
    _existing(
        "bedrock-code-interpreter-session",
        "a session in an existing Bedrock AgentCore code interpreter that runs with the role",
        "bedrock-agentcore.amazonaws.com",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ),
    _existing(
        "glue-update-dev-endpoint",
        "glue:UpdateDevEndpoint on an existing endpoint",
        "glue.amazonaws.com",
        "glue:UpdateDevEndpoint",
        source=RHINO,
    ),
    _existing(
        "lambda-update-function-code",
        "lambda:UpdateFunctionCode on an existing function",
        "lambda.amazonaws.com",
        "lambda:UpdateFunctionCode",
        source=RHINO,
    ),
    _existing(
        "lambda-update-function-configuration",
        "lambda:UpdateFunctionConfiguration adds a layer to an existing function",
        "lambda.amazonaws.com",
        "lambda:UpdateFunctionConfiguration",
    ),
    _existing(
        "ssm-send-command",
        "ssm:SendCommand runs commands on an instance with the role",
        "ec2.amazonaws.com",
        "ssm:SendCommand",
        needs_instance_profile=True,
    ),
    _existing(
        "ssm-start-session",
        "ssm:StartSession opens a shell on an instance with the role",
        "ec2.amazonaws.com",
        "ssm:StartSession",
        needs_instance_profile=True,
    ),
    _existing(
        "ec2-instance-connect",
        "ec2-instance-connect:SendSSHPublicKey logs into an instance with the role",
        "ec2.amazonaws.com",
        "ec2-instance-connect:SendSSHPublicKey",
        needs_instance_profile=True,
    ),
    _existing(
        "sagemaker-presigned-notebook-url",
        "sagemaker:CreatePresignedNotebookInstanceUrl opens an existing notebook",
        "sagemaker.amazonaws.com",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
    ),
    _existing(
        "codebuild-start-build-override",
        "codebuild:StartBuild with a buildspec override on an existing project",
        "codebuild.amazonaws.com",
        "codebuild:StartBuild",
    ),
    _existing(
        "cloudformation-update-stack",
        "cloudformation:UpdateStack changes a stack that runs with the role",
        "cloudformation.amazonaws.com",
        "cloudformation:UpdateStack",
    ),
    _existing(
        "ecs-execute-command",
        "ecs:ExecuteCommand opens a shell in a task with the role",
        "ecs-tasks.amazonaws.com",
        "ecs:ExecuteCommand",
    ),
)

#: How a principal lifts its own permission boundary (``gives="unbounded"``): it deletes it,
#: replaces it with a policy of its choice (AWS's ``AdministratorAccess``; a condition on
#: ``iam:PermissionsBoundary`` that pins the boundary stops it), or rewrites the boundary policy
#: itself. The boundary limits these calls too. What the principal is afterwards (its identity
#: policies without the boundary, or under the other version) is searched like any principal.
BOUNDARY_LIFTS: tuple[Method, ...] = (
    _m(
        "iam-delete-role-permissions-boundary",
        "iam:DeleteRolePermissionsBoundary removes its own boundary",
        "unbounded",
        ("iam:DeleteRolePermissionsBoundary", SELF),
        source=BOUNDARIES,
        who=("role",),
    ),
    _m(
        "iam-delete-user-permissions-boundary",
        "iam:DeleteUserPermissionsBoundary removes its own boundary",
        "unbounded",
        ("iam:DeleteUserPermissionsBoundary", SELF),
        source=BOUNDARIES,
        who=("user",),
    ),
    _m(
        "iam-put-role-permissions-boundary",
        "iam:PutRolePermissionsBoundary replaces its own boundary with a weaker policy",
        "unbounded",
        ("iam:PutRolePermissionsBoundary", SELF),
        source=BOUNDARIES,
        who=("role",),
    ),
    _m(
        "iam-put-user-permissions-boundary",
        "iam:PutUserPermissionsBoundary replaces its own boundary with a weaker policy",
        "unbounded",
        ("iam:PutUserPermissionsBoundary", SELF),
        source=BOUNDARIES,
        who=("user",),
    ),
    _m(
        "iam-create-policy-version-boundary",
        "iam:CreatePolicyVersion rewrites the policy that is its own boundary",
        "unbounded",
        ("iam:CreatePolicyVersion", OWN_BOUNDARY),
        source=BOUNDARIES,
    ),
    _m(
        "iam-set-default-policy-version-boundary",
        "iam:SetDefaultPolicyVersion makes another version of its boundary policy live",
        "unbounded",
        ("iam:SetDefaultPolicyVersion", OWN_BOUNDARY_VERSIONS),
        source=BOUNDARIES,
    ),
)

#: How a role that is in no instance profile gets into one, so that the methods that need one
#: (``needs_instance_profile``) can give it to an instance: the principal creates a profile and
#: adds the role, or empties an existing profile and adds the role to it (CloudGoat's
#: iam_privesc_by_attachment). AWS asks ``iam:PassRole`` on the role for the addition too: it is
#: a step of every such method already.
PROFILE_PLACEMENTS: tuple[Method, ...] = (
    _m(
        "iam-create-instance-profile",
        "iam:CreateInstanceProfile and iam:AddRoleToInstanceProfile put the role in a new profile",
        "profile",
        ("iam:CreateInstanceProfile", CHOSEN),
        ("iam:AddRoleToInstanceProfile", CHOSEN),
        source=PACU,
    ),
    _m(
        "iam-swap-instance-profile-role",
        "iam:RemoveRoleFromInstanceProfile and iam:AddRoleToInstanceProfile swap the role into"
        " an existing profile",
        "profile",
        ("iam:RemoveRoleFromInstanceProfile", CHOSEN),
        ("iam:AddRoleToInstanceProfile", CHOSEN),
        source=CLOUDGOAT,
    ),
)

#: Tag-then-act: a grant guarded by a condition on the resource's tags (``aws:ResourceTag/K``,
#: ``iam:ResourceTag/K``) is the attacker's when it may set that tag on the resource itself.
#: The tagging call by the kind of resource it tags; the request sets ``aws:RequestTag/K`` and
#: ``aws:TagKeys``, so a Deny or a condition on those stops it.
TAGGING: dict[str, str] = {"user": "iam:TagUser", "role": "iam:TagRole"}
TAGS = (
    "AWS IAM User Guide, controlling access to IAM resources with tags (aws:ResourceTag,"
    " iam:ResourceTag, aws:RequestTag, aws:TagKeys); CloudGoat iam_privesc_by_key_rotation"
)
#: The resource-tag condition keys a tag-then-act step satisfies.
RESOURCE_TAG_KEYS = ("aws:resourcetag/", "iam:resourcetag/")


def tag_then_act(action: str, resource: str, tags: str) -> Method:
    """The setup step of a hop whose grant asks for a tag the principal sets first."""
    return _m(
        "tag-then-act",
        f"{action} sets the tag {tags} that a condition on the resource's tags asks for",
        "tag",
        (action, resource),
        source=TAGS,
    )


#: What administrator means: allowed, without condition, these actions across services on any
#: resource (what ``"Action": "*"`` grants and narrower grants do not).
ADMIN_PROBES: tuple[tuple[str, str], ...] = (
    ("iam:CreateUser", "arn:aws:iam::{account}:user/outwork-probe"),
    ("iam:AttachRolePolicy", "arn:aws:iam::{account}:role/outwork-probe"),
    ("iam:PutUserPolicy", "arn:aws:iam::{account}:user/outwork-probe"),
    ("sts:AssumeRole", "arn:aws:iam::{account}:role/outwork-probe"),
    ("organizations:LeaveOrganization", "*"),
    ("s3:GetObject", "arn:aws:s3:::outwork-probe/probe"),
    ("s3:PutBucketPolicy", "arn:aws:s3:::outwork-probe"),
    ("ec2:RunInstances", "arn:aws:ec2:us-east-1:{account}:instance/i-0probe"),
    ("lambda:CreateFunction", "arn:aws:lambda:us-east-1:{account}:function:outwork-probe"),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:{account}:key/outwork-probe"),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:{account}:secret:outwork-probe",
    ),
    ("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:{account}:table/outwork-probe"),
)
