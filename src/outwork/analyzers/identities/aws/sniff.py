"""What makes a file one this layer reads (Terraform, CloudFormation, Kubernetes RBAC, GCP
allow policies), decided from its first bytes by the analyzer's declaration before the parsers
are imported."""

from __future__ import annotations

import re

#: Resource policies: the resource type and the attribute that holds the policy.
RESOURCE_POLICIES = {
    "aws_s3_bucket_policy": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_glacier_vault": "access_policy",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_opensearch_domain_policy": "access_policies",
}
#: A ``resource`` or ``data`` block of an IAM or resource-policy type.
SNIFF = re.compile(
    rb'(?m)^[ \t]*(?:resource|data)[ \t]+"aws_(?:iam_|'
    + "|".join(t.removeprefix("aws_") for t in RESOURCE_POLICIES).encode()
    + rb")"
)

#: The blocks that give a module's values (``locals``, ``variable``, ``output``) or call another
#: module: a ``.tf`` file with one of them is read with the module's other files, so that the
#: values its identities are built from are known.
MODULE_VALUES = re.compile(rb'(?m)^[ \t]*(?:locals|variable|output|module)\b[ \t]*(?:"|\{)')

#: CloudFormation resource policies: the resource type and the property that holds the policy.
CFN_RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
    "AWS::ECR::Repository": "RepositoryPolicyText",
    "AWS::OpenSearchService::Domain": "AccessPolicies",
}
_CFN_TYPES = "IAM::|Serverless::Function|" + "|".join(
    re.escape(t.removeprefix("AWS::")) for t in CFN_RESOURCE_POLICIES
)
#: A CloudFormation or SAM resource of an IAM or resource-policy type, in JSON or YAML.
CFN_JSON = re.compile(rb'"Type"\s*:\s*"AWS::(?:' + _CFN_TYPES.encode() + rb")")
CFN_YAML = re.compile(rb"(?m)^\s*Type\s*:\s*['\"]?AWS::(?:" + _CFN_TYPES.encode() + rb")")
#: Kubernetes RBAC objects, service accounts and EKS's aws-auth map, in YAML or JSON.
RBAC = re.compile(
    rb"rbac\.authorization\.k8s\.io/|kind\W+ServiceAccount\b|name\W+aws-auth\b|mapRoles"
)
#: GCP allow policies (getIamPolicy, asset search results) and custom roles.
GCP = re.compile(
    rb'"bindings"\s*:\s*\[\s*\{\s*"(?:role|members|condition)"|"includedPermissions"\s*:'
)
#: Markup no policy document holds: a fenced code block of Markdown, reStructuredText's code
#: directive or literal-block marker (a paragraph ending in ``::``), a line that opens in bold
#: (the AWS CLI's examples): prose that quotes a policy or a resource (a module's README, a
#: command's documentation), not a document of its own.
PROSE = re.compile(rb"(?m)^(?:[ \t]{0,3}(?:```|~~~)|\.\. code(?:-block)?::|\*\*\w)|\S::[ \t\r]*$")
