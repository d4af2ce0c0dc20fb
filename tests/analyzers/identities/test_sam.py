"""SAM functions' roles: policy templates expanded from SAM's list, AWS-managed policies by
name, odd shapes reported and never a crash."""

from __future__ import annotations

from outwork.analyzers.identities import IdentityAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding

HEAD = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
"""


def analyze(policies: str) -> list[Finding]:
    data = (HEAD + "      Policies:" + policies).encode()
    item = Artifact(path="template.yaml", kind=Kind.YAML, size=len(data), data=data)
    emitted = IdentityAnalyzer().analyze(item, AnalysisContext())
    return [e for e in emitted if isinstance(e, Finding)]


def test_odd_policy_entries_are_reported_not_fatal() -> None:
    for shape in (
        " 5\n",
        "\n        - {}\n",
        "\n        - S3CrudPolicy: [a, b]\n",
        "\n        - S3CrudPolicy: {BucketName: {'Fn::GetAtt': [Nowhere, Arn]}}\n",
        "\n        - S3CrudPolicy: {BucketName: [1, 2]}\n",
        "\n        - Ref: AWS::NoValue\n",
        "\n        - [nested, list]\n",
        "\n        - " + "A" * 5000 + "Policy: {}\n",
    ):
        findings = analyze(shape)
        assert all(f.code in ("IAM001", "IAM002") for f in findings), (shape, findings)


def test_a_template_name_is_not_an_administrator_grant() -> None:
    findings = analyze("\n        - AdministratorAccessPolicy: {}\n")
    assert [f.code for f in findings] == ["IAM002"]
    assert "not in" in findings[0].message


def test_an_aws_managed_policy_by_name_and_a_template_together() -> None:
    findings = analyze(
        "\n        - AdministratorAccess\n        - DynamoDBCrudPolicy:\n            TableName: t\n"
    )
    assert [f.code for f in findings if f.code != "IAM002"] == ["IAM003"]
