"""Hostile identity documents: truncated, mistyped, nested, huge and random input never crash
the analysis; what cannot be read is an IAM001 finding with the parser's position."""

from __future__ import annotations

import json
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.identities import IdentityAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding
from tests.analyzers.identities import labelled

KEYS = [
    "Version",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "Sid",
    "AWS",
    "Service",
    "Federated",
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
    "PolicyVersionList",
    "UserPolicyList",
    "RolePolicyList",
    "GroupPolicyList",
    "AttachedManagedPolicies",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "PermissionsBoundary",
    "GroupList",
    "PolicyArn",
    "PermissionsBoundaryArn",
    "Arn",
    "UserName",
    "RoleName",
    "GroupName",
    "Document",
    "IsDefaultVersion",
    "ServiceControlPolicies",
    "Content",
    "StringEquals",
    "ForAnyValue:StringLike",
    "Null",
    "Tags",
    "InstanceProfileList",
    "PolicyVersion",
]
SCALARS = st.sampled_from(
    [
        "Allow",
        "Deny",
        "*",
        "iam:*",
        "iam:PassRole",
        "sts:AssumeRole",
        "arn:aws:iam::1:user/a",
        "arn:aws:iam::123456789012:role/r",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "${aws:username}",
        "${",
        "",
        "true",
        "ec2.amazonaws.com",
        "2012-10-17",
        "v1",
        "{",
        "%7B",
    ]
)
TREES = st.recursive(
    st.one_of(SCALARS, st.integers(), st.none(), st.booleans(), st.floats(allow_nan=True)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    ),
    max_leaves=50,
)
SNAPSHOT = json.dumps(labelled.build().snapshot(), indent=1)


def analyze(data: bytes, name: str = "doc.json") -> list[Finding]:
    item = Artifact(path=name, kind=Kind.JSON, size=len(data), data=data)
    emitted = IdentityAnalyzer().analyze(item, AnalysisContext())
    return [e for e in emitted if isinstance(e, Finding)]


@settings(max_examples=300, deadline=None)
@given(TREES)
def test_mistyped_structures_never_crash(tree: object) -> None:
    analyze(json.dumps(tree).encode())


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=len(SNAPSHOT) - 1))
def test_truncated_snapshots_report_where_the_parser_stopped(cut: int) -> None:
    findings = analyze(SNAPSHOT[:cut].encode())
    unreadable = [f for f in findings if f.code == "IAM001"]
    assert len(unreadable) == 1
    assert unreadable[0].location.line is not None and unreadable[0].location.line >= 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    analyze(b'{"Statement": ' + data)


def test_deep_nesting_is_a_budget_finding() -> None:
    depth = 100_000
    findings = analyze(b'{"Statement": ' + b"[" * depth + b"]" * depth + b"}")
    assert [(f.code, f.severity.label) for f in findings] == [("IAM001", "high")]


def test_large_snapshots_are_read_without_lines_but_located_logically() -> None:
    snapshot = labelled.build().snapshot()
    filler = [
        {
            "UserName": f"filler-{i}",
            "Arn": f"arn:aws:iam::123456789012:user/filler-{i}",
            "UserPolicyList": [],
            "AttachedManagedPolicies": [],
            "GroupList": [],
            "Tags": [{"Key": "pad", "Value": "x" * 200}],
        }
        for i in range(12_000)
    ]
    snapshot["UserDetailList"].extend(filler)
    data = json.dumps(snapshot).encode()
    assert len(data) > 2 * 1024 * 1024
    findings = [f for f in analyze(data) if f.code == "IAM004"]
    assert findings
    assert all(f.location.line is None and f.location.logical for f in findings)


def test_invalid_utf8_is_read_with_replacement() -> None:
    data = (
        b'{"Statement": [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "\xff*"}]}'
    )
    assert [f.code for f in analyze(data)] == []


def test_url_encoded_documents_are_decoded() -> None:
    inner = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    wrapped = {"PolicyVersion": {"Document": urllib.parse.quote(inner)}}
    assert [f.code for f in analyze(json.dumps(wrapped).encode())] == ["IAM003"]
