"""SCPs inherited down an Organizations path: one level per node (any SCP of the node may
allow), every level must allow, a Deny anywhere wins, an SCP off the path does not apply."""

from __future__ import annotations

from typing import Any

from outwork.analyzers.identities.aws.account import from_snapshot
from outwork.analyzers.identities.aws.evaluate import NO, YES, decide
from tests.analyzers.identities.test_evaluate import CTX, USER

PATH = ["r-root", "ou-root-workloads", "ou-root-prod", "123456789012"]


def scp(name: str, targets: list[str], *statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Policy": {
            "PolicySummary": {"Name": name},
            "Content": {"Version": "2012-10-17", "Statement": list(statements)},
        },
        "Targets": {"Targets": [{"TargetId": t, "Type": "ORGANIZATIONAL_UNIT"} for t in targets]},
    }


FULL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
ONLY_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
DENY_IAM = {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}


def level(path: list[str] | None, *scps: dict[str, Any], action: str = "iam:CreateUser") -> int:
    snapshot: dict[str, Any] = {
        "UserDetailList": [
            {
                "UserName": "alice",
                "Arn": USER,
                "UserPolicyList": [
                    {"PolicyName": "admin", "PolicyDocument": {"Statement": [FULL]}}
                ],
            }
        ],
        "ServiceControlPolicies": list(scps),
    }
    if path is not None:
        snapshot["OrganizationPath"] = path
    account = from_snapshot(snapshot)
    return decide(account.principal(account.users["alice"]), action, USER, CTX).level


def test_scps_of_one_node_are_a_union() -> None:
    # FullAWSAccess and an allow-list on the same OU: the allow-list narrows nothing
    scps = (scp("Full", ["r-root"], FULL), scp("Full", ["ou-root-prod"], FULL))
    assert level(PATH, *scps, scp("OnlyS3", ["ou-root-prod"], ONLY_S3)) == YES
    # without the path each SCP is its own level: the old, narrower reading
    assert level(None, *scps, scp("OnlyS3", ["ou-root-prod"], ONLY_S3)) == NO


def test_levels_intersect_down_the_path() -> None:
    # the allow-list alone on a parent OU bounds the account below it
    root = scp("Full", ["r-root", "ou-root-prod"], FULL)
    assert level(PATH, root, scp("OnlyS3", ["ou-root-workloads"], ONLY_S3)) == NO
    assert (
        level(PATH, root, scp("OnlyS3", ["ou-root-workloads"], ONLY_S3), action="s3:GetObject")
        == YES
    )


def test_a_deny_at_any_level_wins() -> None:
    full = scp("Full", ["r-root", "ou-root-workloads", "ou-root-prod"], FULL)
    assert level(PATH, full, scp("DenyIAM", ["r-root"], DENY_IAM)) == NO
    assert level(PATH, full, scp("DenyIAM", ["123456789012"], DENY_IAM)) == NO


def test_an_scp_off_the_path_does_not_apply() -> None:
    full = scp("Full", ["r-root"], FULL)
    assert level(PATH, full, scp("DenyIAM", ["ou-root-sandbox"], DENY_IAM)) == YES
    account = from_snapshot(
        {
            "ServiceControlPolicies": [scp("DenyIAM", ["ou-root-sandbox"], DENY_IAM)],
            "OrganizationPath": PATH,
            "UserDetailList": [],
        }
    )
    assert any("not on this account's organisation path" in m for m, _ in account.problems)


def test_an_scp_without_targets_still_applies() -> None:
    assert level(PATH, scp("Full", ["r-root"], FULL), {"Content": {"Statement": [DENY_IAM]}}) == NO
