"""GCP IAM: inheritance down the hierarchy, the escalation methods, conditions and hostile input."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.identities import IdentityAnalyzer
from outwork.analyzers.identities.gcp.escalation import GEscalation
from outwork.analyzers.identities.gcp.iam import read
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding


def asset(resource: str, bindings: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"resource": resource, "policy": {"bindings": bindings}, **extra}


ORG = "//cloudresourcemanager.googleapis.com/organizations/1"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/2"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/app"
OTHER = "//cloudresourcemanager.googleapis.com/projects/other"
DEPLOYER = "serviceAccount:deployer@app.iam.gserviceaccount.com"


def hierarchy(
    *project_bindings: dict[str, Any], folder: list[dict[str, Any]] = ()
) -> list[dict[str, Any]]:  # type: ignore[assignment]
    return [
        asset(ORG, []),
        asset(FOLDER, list(folder), organization="organizations/1"),
        asset(
            PROJECT,
            [{"role": "roles/owner", "members": [DEPLOYER]}, *project_bindings],
            folders=["folders/2"],
            organization="organizations/1",
        ),
        asset(OTHER, [], organization="organizations/1"),
    ]


def escalating(results: list[dict[str, Any]]) -> set[str]:
    return set(GEscalation(read({"results": results})).result.first_hop)


def test_a_folder_binding_is_inherited_by_its_projects() -> None:
    folder = [{"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:a@example.com"]}]
    assert escalating(hierarchy(folder=folder)) == {"user:a@example.com"}


def test_actas_needs_a_runtime_to_run_code_with() -> None:
    actas = {"role": "roles/iam.serviceAccountUser", "members": ["user:a@example.com"]}
    run = {"role": "roles/run.developer", "members": ["user:a@example.com"]}
    assert escalating(hierarchy(actas)) == set()
    assert escalating(hierarchy(actas, run)) == {"user:a@example.com"}


def test_a_grant_in_another_project_reaches_nothing_here() -> None:
    results = hierarchy()
    results[3]["policy"]["bindings"] = [
        {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:a@example.com"]}
    ]
    assert escalating(results) == set()


def test_custom_roles_are_read_in_full() -> None:
    role = {
        "name": "projects/app/roles/deployer",
        "includedPermissions": ["iam.serviceAccounts.actAs", "cloudbuild.builds.create"],
    }
    grant = {"role": "projects/app/roles/deployer", "members": ["group:ci@example.com"]}
    assert escalating([*hierarchy(grant), role]) == {"group:ci@example.com"}


def test_two_hops_through_a_service_account() -> None:
    middle = "serviceAccount:middle@app.iam.gserviceaccount.com"
    results = hierarchy({"role": "roles/iam.serviceAccountKeyAdmin", "members": [middle]})
    results.append(
        asset(
            "//iam.googleapis.com/projects/app/serviceAccounts/middle@app.iam.gserviceaccount.com",
            [{"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:a@example.com"]}],
            project="projects/app",
        )
    )
    search = GEscalation(read({"results": results}))
    path = search.result.path("user:a@example.com")
    assert [h.target for h in path] == [middle, DEPLOYER]


def analyze(data: bytes) -> list[Finding]:
    item = Artifact(path="policy.json", kind=Kind.JSON, size=len(data), data=data)
    return [
        e for e in IdentityAnalyzer().analyze(item, AnalysisContext()) if isinstance(e, Finding)
    ]


def test_conditional_bindings_give_medium_confidence() -> None:
    grant = {
        "role": "roles/iam.serviceAccountKeyAdmin",
        "members": ["user:a@example.com"],
        "condition": {"expression": "request.time < timestamp('2030-01-01T00:00:00Z')"},
    }
    findings = [
        f for f in analyze(json.dumps({"results": hierarchy(grant)}).encode()) if f.code == "IAM009"
    ]
    assert [(f.subject, f.confidence.label) for f in findings] == [("user:a@example.com", "medium")]


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.one_of(
            st.sampled_from(["roles/owner", "allUsers", "user:a@b.c", "projects/p", "*", ""]),
            st.integers(),
            st.none(),
        ),
        lambda c: st.one_of(
            st.lists(c, max_size=4),
            st.dictionaries(
                st.sampled_from(
                    [
                        "bindings",
                        "role",
                        "members",
                        "condition",
                        "results",
                        "policy",
                        "resource",
                        "folders",
                        "project",
                        "organization",
                        "includedPermissions",
                        "name",
                    ]
                ),
                c,
                max_size=5,
            ),
        ),
        max_leaves=40,
    )
)
def test_mistyped_policies_never_crash(tree: object) -> None:
    analyze(json.dumps({"bindings": [{"role": "roles/owner", "members": []}], "x": tree}).encode())
    analyze(json.dumps({"results": [tree]}).encode())
    analyze(json.dumps({"results": [{"policy": tree, "folders": tree, "resource": tree}]}).encode())
