"""The labelled account (labelled.py): every method found by the principal that holds exactly
it, every decoy left alone, through the whole scanner, with paths and facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outwork.core.findings import Fact, Finding
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.identities import labelled

Scanned = tuple[labelled.Account, list[Finding], list[Fact]]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    folder = tmp_path_factory.mktemp("account")
    account = labelled.write(str(folder / "authorization.json"))
    result = scan([str(folder)], ScanOptions(jobs=1, cache_dir=None, select=("IAM",)))
    assert not result.errors
    return account, result.findings, result.facts


def test_every_method_and_hard_positive_is_found_and_no_decoy(scanned: Scanned) -> None:
    account, findings, _ = scanned
    escalating = {f.subject for f in findings if f.code == "IAM004"}
    admins = {f.subject for f in findings if f.code == "IAM003"}
    want = {arn for arn, label in account.labels.items() if label == "positive"}
    want_admins = {arn for arn, label in account.labels.items() if label == "admin"}
    decoys = {arn for arn, label in account.labels.items() if label == "decoy"}
    assert want - escalating == set(), "missed"
    assert escalating - want == set(), "flagged beyond the labels"
    assert admins == want_admins
    assert not decoys & (escalating | admins)


def test_each_positive_is_found_by_its_own_method(scanned: Scanned) -> None:
    account, findings, _ = scanned
    by_subject = {f.subject: f for f in findings if f.code == "IAM004"}
    for arn, method in account.methods.items():
        if account.labels[arn] != "positive" or arn.split("/")[-1] != f"pos-{method}":
            continue
        assert by_subject[arn].properties["methods"][0] == method, arn


def test_paths_are_explained_hop_by_hop_and_located(scanned: Scanned) -> None:
    _, findings, facts = scanned
    two_hops = next(
        f for f in findings if f.code == "IAM004" and f.subject.endswith("/hard-two-hops")
    )
    path = two_hops.properties["path"]
    assert [h["method"] for h in path] == ["sts-assume-role", "iam-create-access-key"]
    assert path[0]["to"].endswith(":role/hard-hop-role")
    assert path[1]["to"].endswith(":user/target-admin-user")
    assert all(h["statements"] for h in path)
    assert two_hops.location.line is not None
    edges = {(f.source, f.target) for f in facts if f.relation == "can-become"}
    assert (
        f"aws:{labelled.arn('user', 'hard-two-hops')}",
        f"aws:{labelled.arn('role', 'hard-hop-role')}",
    ) in edges


def test_existing_resource_methods_are_conditional(scanned: Scanned) -> None:
    _, findings, _ = scanned
    ssm = next(
        f for f in findings if f.code == "IAM004" and f.subject.endswith("/pos-ssm-send-command")
    )
    assert ssm.confidence.label == "medium"
    code = next(
        f
        for f in findings
        if f.code == "IAM004" and f.subject.endswith("/pos-iam-create-access-key")
    )
    assert code.confidence.label == "high"


def test_the_file_is_the_snapshot_format(tmp_path: Path) -> None:
    labelled.write(str(tmp_path / "a.json"))
    data = json.loads((tmp_path / "a.json").read_text())
    assert {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"} <= set(data)


def test_boundary_lifts_are_named_first_in_the_path(scanned: Scanned) -> None:
    _, findings, _ = scanned
    by_subject = {f.subject: f for f in findings if f.code == "IAM004"}
    for name, lift in labelled.LIFTS.items():
        path = by_subject[next(a for a in by_subject if a.endswith(f"/{name}"))].properties["path"]
        first = path[0]
        assert lift in (first["method"], first["lifts_boundary"]), (name, first)


def test_instance_profile_methods_name_what_they_need(scanned: Scanned) -> None:
    """Association holds if the principal runs code on some instance (medium) unless it
    launches one of its own without a profile (high); a role in no profile is put in one
    first, and the path says how."""
    _, findings, _ = scanned
    by_name = {f.subject.rsplit("/", 1)[-1]: f for f in findings if f.code == "IAM004"}
    associate = by_name["pos-ec2-associate-instance-profile"]
    assert associate.confidence.label == "medium"
    assert any(
        "instance the principal runs code on" in u
        for u in associate.properties["path"][0]["unknown"]
    )
    launched = by_name["hard-launch-then-associate"]
    assert launched.confidence.label == "high"
    assert launched.properties["methods"] == ["ec2-associate-instance-profile"]
    for name, setup in (
        ("hard-profile-create", "iam-create-instance-profile"),
        ("hard-profile-swap", "iam-swap-instance-profile-role"),
    ):
        hop = by_name[name].properties["path"][0]
        assert (hop["method"], [s["method"] for s in hop["setup"]]) == ("passrole-ec2", [setup])
        assert setup in by_name[name].message


def test_tag_then_act_names_the_tag_first(scanned: Scanned) -> None:
    _, findings, _ = scanned
    by_name = {f.subject.rsplit("/", 1)[-1]: f for f in findings if f.code == "IAM004"}
    for name, method, tag in (
        ("tag-user-then-keys", "iam-create-access-key", "iam:TagUser sets the tag developer=true"),
        ("tag-role-then-pass", "passrole-lambda-invoke", "iam:TagRole sets the tag team=build"),
        ("tag-self-then-write", "iam-put-user-policy", "iam:TagUser sets the tag self-service="),
    ):
        found = by_name[name]
        hop = found.properties["path"][0]
        assert hop["method"] == method and hop["setup"][0]["method"] == "tag-then-act", name
        assert hop["setup"][0]["title"].startswith(tag), hop["setup"]
        assert found.confidence.label == "high"
        assert "tag-then-act + " in found.message
