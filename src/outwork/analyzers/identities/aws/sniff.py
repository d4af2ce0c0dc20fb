"""What makes a text file Terraform this layer reads, decided from its first bytes by the
analyzer's declaration before the HCL parser is imported."""

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
