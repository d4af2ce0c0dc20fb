"""Kubernetes RBAC: the labelled cluster (labelled_k8s.py) through the whole scanner, RBAC's
matching rules, and hostile manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.identities import IdentityAnalyzer
from outwork.analyzers.identities.kubernetes.rbac import Rule
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.identities import labelled_k8s


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[labelled_k8s.Cluster, list[Finding], list[Fact]]:
    folder = tmp_path_factory.mktemp("cluster")
    cluster = labelled_k8s.build()
    (folder / "rbac.yaml").write_text(cluster.text())
    result = scan([str(folder)], ScanOptions(jobs=1, cache_dir=None, select=("IAM",)))
    assert not result.errors
    return cluster, result.findings, result.facts


def test_every_family_is_found_and_no_decoy(
    scanned: tuple[labelled_k8s.Cluster, list[Finding], list[Fact]],
) -> None:
    cluster, findings, _ = scanned
    escalating = {f.subject for f in findings if f.code == "IAM008"}
    admins = {f.subject for f in findings if f.code == "IAM007"}
    want = {s for s, label in cluster.labels.items() if label == "positive"}
    decoys = {s for s, label in cluster.labels.items() if label == "decoy"}
    assert want - escalating == set(), "missed"
    assert escalating - want == set(), "flagged beyond the labels"
    assert admins == {labelled_k8s.ADMIN_SA}
    assert not decoys & escalating


def test_paths_name_the_method_and_the_service_account(
    scanned: tuple[labelled_k8s.Cluster, list[Finding], list[Fact]],
) -> None:
    _, findings, facts = scanned
    pods = next(f for f in findings if f.code == "IAM008" and f.subject == "pos-create-pods")
    assert pods.properties["methods"] == ["create-pods"]
    assert pods.properties["path"][0]["to"] == labelled_k8s.ADMIN_SA
    assert pods.location.line is not None
    secrets = next(f for f in findings if f.code == "IAM008" and f.subject == "pos-read-secrets")
    assert secrets.confidence.label == "medium"  # token secrets may not exist
    assert ("k8s:pos-create-pods", f"k8s:{labelled_k8s.ADMIN_SA}") in {
        (f.source, f.target) for f in facts if f.relation == "can-become"
    }


@pytest.mark.parametrize(
    ("rule", "request_", "allowed"),
    [
        (Rule(("",), ("pods",), ("create",)), ("create", "", "pods", ""), True),
        (Rule(("",), ("pods",), ("create",)), ("create", "apps", "pods", ""), False),
        (Rule(("",), ("*",), ("get",)), ("get", "", "nodes/proxy", ""), True),
        (Rule(("",), ("pods/*",), ("create",)), ("create", "", "pods/exec", ""), True),
        (Rule(("",), ("*/exec",), ("create",)), ("create", "", "pods/exec", ""), True),
        (Rule(("",), ("pods",), ("create",)), ("create", "", "pods/exec", ""), False),
        (Rule(("",), ("secrets",), ("get",), ("a",)), ("get", "", "secrets", "a"), True),
        (Rule(("",), ("secrets",), ("get",), ("a",)), ("get", "", "secrets", ""), False),
        (Rule(("",), ("pods",), ("create",), ("a",)), ("create", "", "pods", "a"), False),
        (Rule(("*",), ("*",), ("*",)), ("*", "*", "*", ""), True),
        (Rule(("*",), ("*",), ("get", "list")), ("*", "*", "*", ""), False),
        (Rule(("",), (), ("*",), urls=("/metrics",)), ("get", "", "pods", ""), False),
    ],
)
def test_rbac_matching(rule: Rule, request_: tuple[str, str, str, str], allowed: bool) -> None:
    assert rule.allows(*request_) is allowed


def analyze(text: str, name: str = "rbac.yaml") -> list[Finding]:
    data = text.encode()
    item = Artifact(path=name, kind=Kind.YAML, size=len(data), data=data)
    return [
        e for e in IdentityAnalyzer().analyze(item, AnalysisContext()) if isinstance(e, Finding)
    ]


def test_alias_bombs_and_wrong_shapes_are_bounded() -> None:
    bomb = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    bomb += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "\n".join(bomb) + "\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nx: *a8\n"
    assert [(f.code, f.severity.label) for f in analyze(text)] == [("IAM001", "high")]
    wrong = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nroleRef: 7\n"
        "subjects: {kind: User}\n---\nkind: ClusterRole\nrules: [1, [2], {verbs: 3}]\n---\n- 1\n"
    )
    codes = [f.code for f in analyze(wrong)]
    assert "IAM001" not in codes


def test_truncated_manifest_reports_the_line(tmp_path: Path) -> None:
    text = labelled_k8s.build().text()
    cut = text[: len(text) // 2] + "\n  - {apiGroups: [\n"
    findings = analyze(cut)
    assert [f.code for f in findings if f.code == "IAM001"] == ["IAM001"]
    assert next(f for f in findings if f.code == "IAM001").location.line
