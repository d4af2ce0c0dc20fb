"""The evaluator follows AWS's decision logic, three-valued: each case names the rule it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from outwork.analyzers.identities.aws.account import from_snapshot
from outwork.analyzers.identities.aws.catalogue import catalogue, unknown_actions
from outwork.analyzers.identities.aws.escalation import Escalation
from outwork.analyzers.identities.aws.evaluate import (
    CHOSEN,
    MAYBE,
    NO,
    PRESENT,
    YES,
    Context,
    Principal,
    clock,
    condition,
    decide,
    expiry,
)
from outwork.analyzers.identities.aws.policy import Condition, Policy, parse_policy
from outwork.analyzers.identities.aws.scan import AwsScan
from outwork.analyzers.identities.rules.escalation import check_escalation
from outwork.core.findings import Finding

USER = "arn:aws:iam::123456789012:user/alice"
CTX = Context(
    {
        "aws:principalarn": (USER,),
        "aws:username": ("alice",),
        "aws:tagkeys": (),
        "aws:sourceip": ("203.0.113.7",),
        "aws:currenttime": ("2026-06-01T00:00:00Z",),
        "s3:prefix": ("home/alice/", "home/bob/"),
    },
    closed=("aws:resourcetag/",),
)


def policy(*statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, "p")


def principal(
    *statements: dict[str, Any], boundary: Policy | None = None, scps: tuple[Policy, ...] = ()
) -> Principal:
    return Principal(USER, policy(*statements).statements, boundary, scps)


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_explicit_deny_beats_allow() -> None:
    p = principal(allow("iam:*"), deny("iam:PutUserPolicy"))
    assert decide(p, "iam:PutUserPolicy", USER, CTX).level == NO
    assert decide(p, "iam:GetUser", USER, CTX).level == YES


def test_implicit_deny_without_allow() -> None:
    assert decide(principal(allow("s3:GetObject")), "iam:PutUserPolicy", USER, CTX).level == NO


def test_actions_match_case_insensitively_with_wildcards() -> None:
    p = principal(allow(["IAM:put*POLICY", "s3:Get?bject"]))
    assert decide(p, "iam:PutUserPolicy", USER, CTX).level == YES
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/k", CTX).level == YES
    assert decide(p, "iam:PutUserPermissionsBoundary", USER, CTX).level == NO


def test_not_action_allows_everything_else() -> None:
    p = principal({"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"})
    assert decide(p, "iam:PutUserPolicy", USER, CTX).level == YES
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/k", CTX).level == NO


def test_resources_match_case_sensitively() -> None:
    p = principal(allow("iam:PutUserPolicy", "arn:aws:iam::123456789012:user/Alice"))
    assert decide(p, "iam:PutUserPolicy", USER, CTX).level == NO


def test_not_resource_in_a_deny_covers_everything_it_does_not_name() -> None:
    p = principal(
        allow("iam:AttachUserPolicy"),
        {
            "Effect": "Deny",
            "Action": "iam:AttachUserPolicy",
            "NotResource": "arn:aws:iam::123456789012:user/bob",
        },
    )
    assert decide(p, "iam:AttachUserPolicy", USER, CTX).level == NO
    assert decide(p, "iam:AttachUserPolicy", "arn:aws:iam::123456789012:user/bob", CTX).level == YES


def test_policy_variables_resolve_from_the_context() -> None:
    p = principal(allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/${aws:username}"))
    assert decide(p, "iam:CreateAccessKey", USER, CTX).level == YES
    assert decide(p, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/bob", CTX).level == NO


def test_unknown_policy_variable_is_maybe() -> None:
    p = principal(allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/x/k", Context()).level == MAYBE


def test_permission_boundary_intersects() -> None:
    boundary = policy(allow(["s3:*", "iam:PutUserPolicy"]))
    p = principal(allow("*"), boundary=boundary)
    assert decide(p, "iam:PutUserPolicy", USER, CTX).level == YES
    assert decide(p, "iam:CreateUser", USER, CTX).level == NO


def test_every_scp_must_allow_and_an_scp_deny_wins() -> None:
    full = policy(allow("*"))
    only_s3 = policy(allow("s3:*"))
    p = principal(allow("*"), scps=(full, only_s3))
    assert decide(p, "s3:GetObject", "arn:aws:s3:::b/k", CTX).level == YES
    assert decide(p, "iam:CreateUser", USER, CTX).level == NO
    deny_keys = policy(allow("*"), deny("iam:CreateAccessKey"))
    assert (
        decide(principal(allow("*"), scps=(deny_keys,)), "iam:CreateAccessKey", USER, CTX).level
        == NO
    )


def test_resource_policy_grants_without_identity_policy() -> None:
    bucket = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": USER},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    )
    assert (
        decide(principal(), "s3:GetObject", "arn:aws:s3:::b/k", CTX, bucket.statements).level == YES
    )


def test_chosen_resources_need_some_name_an_allow_admits_and_a_deny_of_all() -> None:
    fn = "arn:aws:lambda:*:*:function:team-*"
    p = principal(allow("lambda:CreateFunction", fn))
    assert decide(p, "lambda:CreateFunction", CHOSEN, CTX).level == YES
    p = principal(allow("lambda:CreateFunction"), deny("lambda:CreateFunction", fn))
    assert decide(p, "lambda:CreateFunction", CHOSEN, CTX).level == YES
    p = principal(allow("lambda:CreateFunction"), deny("lambda:CreateFunction"))
    assert decide(p, "lambda:CreateFunction", CHOSEN, CTX).level == NO
    p = principal(allow("lambda:CreateFunction", "arn:aws:s3:::bucket"))
    assert decide(p, "lambda:CreateFunction", CHOSEN, CTX).level == NO


@pytest.mark.parametrize(
    ("operator", "key", "values", "expected"),
    [
        ("StringEquals", "aws:username", ("alice",), YES),
        ("StringEquals", "aws:username", ("bob",), NO),
        ("StringNotEquals", "aws:username", ("bob",), YES),
        ("StringEqualsIgnoreCase", "aws:username", ("ALICE",), YES),
        ("StringLike", "aws:principalarn", ("arn:aws:iam::*:user/a*",), YES),
        ("StringNotLike", "aws:principalarn", ("*alice",), NO),
        ("ArnLike", "aws:PrincipalArn", ("arn:aws:iam::123456789012:user/*",), YES),
        ("ArnNotEquals", "aws:PrincipalArn", (USER,), NO),
        ("IpAddress", "aws:SourceIp", ("203.0.113.0/24",), YES),
        ("NotIpAddress", "aws:SourceIp", ("203.0.113.0/24",), NO),
        ("DateGreaterThan", "aws:CurrentTime", ("2026-01-01T00:00:00Z",), YES),
        ("DateLessThan", "aws:CurrentTime", ("2026-01-01T00:00:00Z",), NO),
        ("NumericLessThan", "aws:username", ("3",), NO),  # unreadable number: no match
        # a key absent from the request: positive operators fail, negated ones hold
        ("StringEquals", "aws:ResourceTag/team", ("ops",), NO),
        ("StringNotEquals", "aws:ResourceTag/team", ("ops",), YES),
        ("StringEqualsIfExists", "aws:ResourceTag/team", ("ops",), YES),
        ("Null", "aws:ResourceTag/team", ("true",), YES),
        ("Null", "aws:username", ("true",), NO),
        # multivalued keys
        ("ForAnyValue:StringLike", "s3:prefix", ("home/alice/*",), YES),
        ("ForAllValues:StringLike", "s3:prefix", ("home/alice/*",), NO),
        ("ForAllValues:StringLike", "s3:prefix", ("home/*",), YES),
        ("ForAllValues:StringEquals", "aws:TagKeys", ("a",), YES),  # chosen by the requester
        ("ForAnyValue:StringEquals", "aws:ResourceTag/x", ("a",), NO),
        # keys the attacker sets on its own request
        ("StringEquals", "aws:RequestedRegion", ("eu-west-1",), YES),
        # keys nobody knows offline, and operators the evaluator lacks
        ("Bool", "aws:MultiFactorAuthPresent", ("true",), MAYBE),
        ("StringEqualsIfExist", "aws:username", ("alice",), MAYBE),
        ("ForSomeValues:StringEquals", "aws:username", ("alice",), MAYBE),
    ],
)
def test_condition_operators(
    operator: str, key: str, values: tuple[str, ...], expected: int
) -> None:
    assert condition(Condition(operator, key, values), CTX)[0] == expected


def test_unknown_operator_in_an_allow_makes_the_verdict_conditional_and_says_why() -> None:
    p = principal(allow("iam:PutUserPolicy", Condition={"StringEqualsIfExist": {"a:b": "c"}}))
    verdict = decide(p, "iam:PutUserPolicy", USER, CTX)
    assert verdict.level == MAYBE
    assert any("cannot be evaluated" in u for u in verdict.unknown)


def test_unknown_condition_in_a_deny_makes_an_allow_conditional() -> None:
    p = principal(allow("iam:*"), deny("iam:*", Condition={"Bool": {"aws:ViaAWSService": "false"}}))
    assert decide(p, "iam:PutUserPolicy", USER, CTX).level == MAYBE


def test_catalogue_knows_actions_and_reports_unknown_ones() -> None:
    cat = catalogue()
    assert cat.known("iam:PutUserPolicy") and cat.known("IAM:putuserpolicy")
    assert "iam:PutUserPolicy" in cat.expand("iam:Put*Policy")
    assert cat.level("iam:PutUserPolicy") == "P"
    assert cat.version and cat.generated
    assert unknown_actions(("iam:PutUserPolicies", "s3:GetObjekt*", "s3:Get*", "*", "junk")) == [
        "iam:PutUserPolicies",
        "s3:GetObjekt*",
        "junk",
    ]


def test_the_scan_time_decides_grants_bounded_in_time() -> None:
    """aws:CurrentTime and aws:EpochTime are the scan's time: an expired grant is none, one
    that ends later is one, and expiry() names its end."""
    ends_2030 = allow(
        "iam:PutUserPolicy", Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}
    )
    p = principal(ends_2030)
    before = Context(clock(datetime(2029, 12, 31, tzinfo=UTC)))
    after = Context(clock(datetime(2030, 1, 2, tzinfo=UTC)))
    assert decide(p, "iam:PutUserPolicy", USER, before).level == YES
    assert decide(p, "iam:PutUserPolicy", USER, after).level == NO
    assert decide(p, "iam:PutUserPolicy", USER, Context()).level == MAYBE
    epoch = principal(
        allow("iam:*", Condition={"NumericLessThan": {"aws:EpochTime": "1893456000"}})
    )
    assert decide(epoch, "iam:PutUserPolicy", USER, before).level == YES
    assert decide(epoch, "iam:PutUserPolicy", USER, after).level == NO
    assert expiry(p.identity) == "2030-01-01T00:00:00Z"
    starts = allow("iam:*", Condition={"DateGreaterThan": {"aws:CurrentTime": "2030-01-01"}})
    assert expiry(principal(starts).identity) is None
    denied_until = deny("iam:*", Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01"}})
    assert expiry(principal(denied_until).identity) is None


def test_an_expiring_grant_is_reported_with_its_end() -> None:
    account = from_snapshot(
        {
            "UserDetailList": [
                {
                    "UserName": "temp",
                    "Arn": "arn:aws:iam::123456789012:user/temp",
                    "UserPolicyList": [
                        {
                            "PolicyName": "until-2030",
                            "PolicyDocument": {
                                "Statement": [
                                    allow(
                                        "iam:PutUserPolicy",
                                        "arn:aws:iam::123456789012:user/temp",
                                        Condition={
                                            "DateLessThan": {"aws:CurrentTime": "2030-01-01"}
                                        },
                                    )
                                ]
                            },
                        }
                    ],
                }
            ]
        }
    )
    temp = "arn:aws:iam::123456789012:user/temp"
    assert temp in Escalation(account, datetime(2029, 6, 1, tzinfo=UTC)).run().first_hop
    assert temp not in Escalation(account, datetime(2030, 6, 1, tzinfo=UTC)).run().first_hop
    scan = AwsScan(account, "snapshot")
    scan._result = Escalation(account, datetime(2029, 6, 1, tzinfo=UTC)).run()
    found = [f for f in check_escalation(scan) if isinstance(f, Finding)]
    assert [f.properties["expires"] for f in found] == ["2030-01-01"]
    assert "expires at 2030-01-01" in found[0].message


def test_an_action_not_known_offline_may_match() -> None:
    """An Action left to deploy time (a template's interpolation, an unreadable value) may be
    any action: an Allow through it is MAYBE, never NO (silently safe) nor YES (silently
    dangerous); a known part still narrows it; a Deny through it makes the Allow MAYBE."""
    whole = principal(allow("${var.actions}"))
    assert decide(whole, "iam:PutUserPolicy", USER, CTX).level == MAYBE
    verdict = decide(whole, "iam:PutUserPolicy", USER, CTX)
    assert verdict.unknown == ("Action ${var.actions} is not known offline",)
    part = principal(allow("${var.service}:PassRole"))
    assert decide(part, "iam:PassRole", USER, CTX).level == MAYBE
    assert decide(part, "iam:PutUserPolicy", USER, CTX).level == NO
    unread = principal(allow([{"Ref": "Actions"}]))  # a value the reader cannot read
    assert decide(unread, "iam:PutUserPolicy", USER, CTX).level == MAYBE
    # the resource still decides: unknown actions on a harmless resource reach nothing
    harmless = principal(allow("${var.actions}", "arn:aws:s3:::reports/*"))
    assert decide(harmless, "iam:PutUserPolicy", USER, CTX).level == NO
    # a Deny whose actions are unknown may deny: the known Allow becomes MAYBE
    fenced = principal(allow("iam:PutUserPolicy"), deny("${var.denied}"))
    assert decide(fenced, "iam:PutUserPolicy", USER, CTX).level == MAYBE
    # a known Deny still denies, whatever the unknown Allow names
    walled = principal(allow("${var.actions}"), deny("*"))
    assert decide(walled, "iam:PutUserPolicy", USER, CTX).level == NO
    # NotAction with an unknown entry may exclude the action, or not
    excluded = principal({"Effect": "Allow", "NotAction": ["s3:*", "${var.x}"], "Resource": "*"})
    assert decide(excluded, "iam:PutUserPolicy", USER, CTX).level == MAYBE
    assert decide(excluded, "s3:GetObject", USER, CTX).level == NO
    assert unknown_actions(("${var.actions}", "iam:PutUserPolicyy")) == ["iam:PutUserPolicyy"]


def test_a_path_through_an_unknown_action_is_conditional() -> None:
    """The escalation search (through its action index) finds the path an unknown Action may
    open, at MAYBE, and none where a known Deny closes it."""

    def snapshot(*statements: dict[str, Any]) -> dict[str, Any]:
        return {
            "UserDetailList": [
                {
                    "UserName": "alice",
                    "Arn": USER,
                    "UserPolicyList": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {"Statement": list(statements)},
                        }
                    ],
                }
            ]
        }

    open_ = Escalation(from_snapshot(snapshot(allow("${var.actions}")))).run()
    assert USER in open_.first_hop and USER not in open_.admins
    hop = open_.first_hop[USER]
    assert hop.level == MAYBE and "Action ${var.actions} is not known offline" in hop.unknown
    notaction = Escalation(
        from_snapshot(snapshot({"Effect": "Allow", "NotAction": "${var.x}", "Resource": "*"}))
    ).run()
    assert notaction.first_hop[USER].level == MAYBE and USER not in notaction.admins
    closed = Escalation(from_snapshot(snapshot(allow("${var.actions}"), deny("iam:*")))).run()
    assert USER not in closed.first_hop


def test_a_request_the_attacker_must_make_as_it_is_meets_conditions_on_what_it_sets() -> None:
    """Keys the requester sets are the attacker's to shape, except in a request it has to make
    as it is (tagging a resource with the tag a grant asks for): there they are evaluated."""
    tagging = principal(
        allow("iam:TagUser"),
        deny("iam:TagUser", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["developer"]}}),
    )
    shaped = Context()
    assert decide(tagging, "iam:TagUser", USER, shaped).level == YES  # it sets no such key
    developer = Context().with_request(
        {"aws:RequestTag/developer": ("true",), "aws:TagKeys": ("developer",)}
    )
    team = Context().with_request({"aws:RequestTag/team": ("a",), "aws:TagKeys": ("team",)})
    assert decide(tagging, "iam:TagUser", USER, developer).level == NO
    assert decide(tagging, "iam:TagUser", USER, team).level == YES
    only_false = principal(
        allow("iam:TagUser", Condition={"StringEquals": {"aws:RequestTag/developer": "false"}})
    )
    assert decide(only_false, "iam:TagUser", USER, developer).level == NO
    # a tag the request does not set is absent, not unknown
    other = principal(allow("iam:TagUser", Condition={"Null": {"aws:RequestTag/owner": "true"}}))
    assert decide(other, "iam:TagUser", USER, developer).level == YES


def test_a_value_present_but_not_known_answers_null_tests_only() -> None:
    """A launch given a role's instance profile names one: a Null test on ec2:InstanceProfile
    holds (a guard against launching with any profile denies it), a test of which one is
    MAYBE."""
    launch = Context({"ec2:instanceprofile": (PRESENT,)})
    guarded = principal(
        allow("ec2:RunInstances"),
        deny("ec2:RunInstances", Condition={"Null": {"ec2:InstanceProfile": "false"}}),
    )
    assert decide(guarded, "ec2:RunInstances", CHOSEN, launch).level == NO
    bare = Context({"ec2:instanceprofile": ()})
    assert decide(guarded, "ec2:RunInstances", CHOSEN, bare).level == YES
    pinned = principal(
        allow(
            "ec2:RunInstances",
            Condition={"ArnLike": {"ec2:InstanceProfile": "arn:aws:iam::*:instance-profile/app-*"}},
        )
    )
    assert decide(pinned, "ec2:RunInstances", CHOSEN, launch).level == MAYBE
    assert decide(pinned, "ec2:RunInstances", CHOSEN, bare).level == NO
