"""GCP IAM as data: allow policies (``getIamPolicy`` output, or ``gcloud asset
search-all-iam-policies`` results that name each policy's resource and ancestors), custom roles,
inheritance down organisation, folders and projects, and the escalation methods of Rhino
Security Labs' GCP research as sets of permissions.

Predefined roles are known only by the permissions that matter for escalation
(:data:`PREDEFINED`, from Google's IAM roles reference); a binding to any other predefined role
is read as granting none of them, and a custom role defined in the same input is read in full.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from outwork.analyzers.identities.documents import line_of

SET_POLICY = {
    "organization": "resourcemanager.organizations.setIamPolicy",
    "folder": "resourcemanager.folders.setIamPolicy",
    "project": "resourcemanager.projects.setIamPolicy",
}
ACT_AS = "iam.serviceAccounts.actAs"
#: Escalation-relevant permissions of predefined roles (Google Cloud IAM roles reference).
PREDEFINED: dict[str, frozenset[str]] = {
    "roles/owner": frozenset({"*"}),
    "roles/editor": frozenset(
        {
            ACT_AS,
            "iam.serviceAccountKeys.create",
            "compute.instances.create",
            "compute.instances.setMetadata",
            "cloudfunctions.functions.create",
            "cloudfunctions.functions.update",
            "run.services.create",
            "cloudbuild.builds.create",
            "deploymentmanager.deployments.create",
            "iam.roles.update",
        }
    ),
    "roles/resourcemanager.organizationAdmin": frozenset(
        {SET_POLICY["organization"], SET_POLICY["folder"], SET_POLICY["project"]}
    ),
    "roles/resourcemanager.folderAdmin": frozenset({SET_POLICY["folder"], SET_POLICY["project"]}),
    "roles/resourcemanager.folderIamAdmin": frozenset({SET_POLICY["folder"]}),
    "roles/resourcemanager.projectIamAdmin": frozenset({SET_POLICY["project"]}),
    "roles/iam.securityAdmin": frozenset(
        {
            SET_POLICY["organization"],
            SET_POLICY["folder"],
            SET_POLICY["project"],
            "iam.serviceAccounts.setIamPolicy",
        }
    ),
    "roles/iam.roleAdmin": frozenset({"iam.roles.update", "iam.roles.create"}),
    "roles/iam.organizationRoleAdmin": frozenset({"iam.roles.update", "iam.roles.create"}),
    "roles/iam.serviceAccountAdmin": frozenset({"iam.serviceAccounts.setIamPolicy"}),
    "roles/iam.serviceAccountKeyAdmin": frozenset({"iam.serviceAccountKeys.create"}),
    "roles/iam.serviceAccountTokenCreator": frozenset(
        {
            "iam.serviceAccounts.getAccessToken",
            "iam.serviceAccounts.signBlob",
            "iam.serviceAccounts.signJwt",
            "iam.serviceAccounts.implicitDelegation",
            "iam.serviceAccounts.getOpenIdToken",
        }
    ),
    "roles/iam.serviceAccountUser": frozenset({ACT_AS}),
    "roles/iam.workloadIdentityUser": frozenset({"iam.serviceAccounts.getAccessToken"}),
    "roles/compute.admin": frozenset({"compute.instances.create", "compute.instances.setMetadata"}),
    "roles/compute.instanceAdmin.v1": frozenset(
        {"compute.instances.create", "compute.instances.setMetadata"}
    ),
    "roles/cloudfunctions.admin": frozenset(
        {"cloudfunctions.functions.create", "cloudfunctions.functions.update"}
    ),
    "roles/cloudfunctions.developer": frozenset(
        {"cloudfunctions.functions.create", "cloudfunctions.functions.update"}
    ),
    "roles/run.admin": frozenset({"run.services.create", "run.services.update"}),
    "roles/run.developer": frozenset({"run.services.create", "run.services.update"}),
    "roles/cloudbuild.builds.editor": frozenset({"cloudbuild.builds.create"}),
    "roles/cloudbuild.builds.builder": frozenset({"cloudbuild.builds.create"}),
    "roles/deploymentmanager.editor": frozenset({"deploymentmanager.deployments.create"}),
}
EVERYONE = frozenset({"allUsers", "allAuthenticatedUsers"})


@dataclass(frozen=True, slots=True)
class GMethod:
    id: str
    title: str
    #: every permission needed; "SA" marks those asked of the target service account
    needs: tuple[tuple[str, str], ...]
    #: "admin" (owner of the scope) or "service-account"
    gives: str


#: Rhino Security Labs, "Privilege Escalation in Google Cloud Platform" (parts 1 and 2).
METHODS: tuple[GMethod, ...] = (
    GMethod(
        "set-iam-policy",
        "setIamPolicy on the scope: grant itself owner",
        (("SET", "scope"),),
        "admin",
    ),
    GMethod(
        "update-custom-role",
        "iam.roles.update on a custom role it holds",
        (("iam.roles.update", "scope"),),
        "admin",
    ),
    GMethod(
        "service-account-key",
        "iam.serviceAccountKeys.create: a key for the service account",
        (("iam.serviceAccountKeys.create", "SA"),),
        "service-account",
    ),
    GMethod(
        "access-token",
        "iam.serviceAccounts.getAccessToken: mint its token",
        (("iam.serviceAccounts.getAccessToken", "SA"),),
        "service-account",
    ),
    GMethod(
        "sign-jwt",
        "iam.serviceAccounts.signJwt: sign a token as the service account",
        (("iam.serviceAccounts.signJwt", "SA"),),
        "service-account",
    ),
    GMethod(
        "sign-blob",
        "iam.serviceAccounts.signBlob: sign as the service account",
        (("iam.serviceAccounts.signBlob", "SA"),),
        "service-account",
    ),
    GMethod(
        "implicit-delegation",
        "iam.serviceAccounts.implicitDelegation",
        (("iam.serviceAccounts.implicitDelegation", "SA"),),
        "service-account",
    ),
    GMethod(
        "sa-set-iam-policy",
        "iam.serviceAccounts.setIamPolicy: grant itself the account",
        (("iam.serviceAccounts.setIamPolicy", "SA"),),
        "service-account",
    ),
    GMethod(
        "actas-compute",
        "actAs with compute.instances.create",
        ((ACT_AS, "SA"), ("compute.instances.create", "scope")),
        "service-account",
    ),
    GMethod(
        "actas-functions",
        "actAs with cloudfunctions.functions.create",
        ((ACT_AS, "SA"), ("cloudfunctions.functions.create", "scope")),
        "service-account",
    ),
    GMethod(
        "actas-functions-update",
        "actAs with cloudfunctions.functions.update",
        ((ACT_AS, "SA"), ("cloudfunctions.functions.update", "scope")),
        "service-account",
    ),
    GMethod(
        "actas-run",
        "actAs with run.services.create",
        ((ACT_AS, "SA"), ("run.services.create", "scope")),
        "service-account",
    ),
    GMethod(
        "actas-cloudbuild",
        "actAs with cloudbuild.builds.create",
        ((ACT_AS, "SA"), ("cloudbuild.builds.create", "scope")),
        "service-account",
    ),
    GMethod(
        "actas-deploymentmanager",
        "actAs with deploymentmanager.deployments.create",
        ((ACT_AS, "SA"), ("deploymentmanager.deployments.create", "scope")),
        "service-account",
    ),
)


@dataclass(frozen=True, slots=True)
class Scope:
    """A resource allow policies attach to, with its ancestors (nearest first)."""

    name: str  # e.g. "projects/p", "folders/1", "organizations/2", "serviceAccounts/x@p..."
    kind: str  # organization, folder, project, service-account, resource
    ancestors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Grant:
    member: str
    role: str
    scope: str
    line: int | None
    conditional: bool


@dataclass(slots=True)
class Hierarchy:
    scopes: dict[str, Scope] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    custom_roles: dict[str, frozenset[str]] = field(default_factory=dict)
    #: bindings to allUsers or allAuthenticatedUsers, whatever the role
    public: list[Grant] = field(default_factory=list)
    problems: list[tuple[str, int | None]] = field(default_factory=list)

    def permissions(self, role: str) -> frozenset[str]:
        if role in self.custom_roles:
            return self.custom_roles[role]
        return PREDEFINED.get(role, frozenset())

    def covering(self, scope: str) -> tuple[str, ...]:
        """The scope and its ancestors."""
        found = self.scopes.get(scope)
        return (scope, *(found.ancestors if found else ()))

    def holds(self, member: str, permission: str, scope: str) -> list[Grant]:
        out = []
        covering = set(self.covering(scope))
        for grant in self.grants:
            if grant.scope in covering and _member_matches(grant.member, member):
                perms = self.permissions(grant.role)
                if "*" in perms or permission in perms:
                    out.append(grant)
        return out

    def service_accounts(self) -> Iterator[str]:
        seen: set[str] = set()
        for scope in self.scopes.values():
            if scope.kind == "service-account":
                seen.add(f"serviceAccount:{scope.name.rsplit('/', 1)[-1]}")
        seen |= {g.member for g in self.grants if g.member.startswith("serviceAccount:")}
        yield from sorted(seen)

    def sa_scope(self, member: str) -> str:
        """The scope of a service account member: its own resource when the input has it, else
        its project (from ``NAME@PROJECT.iam.gserviceaccount.com``)."""
        email = member.removeprefix("serviceAccount:")
        for name, scope in self.scopes.items():
            if scope.kind == "service-account" and name.endswith(email):
                return name
        domain = email.partition("@")[2]
        project = domain.removesuffix(".iam.gserviceaccount.com")
        return f"projects/{project}" if project != domain else ""


def _member_matches(granted: str, member: str) -> bool:
    if granted in EVERYONE:
        return True
    if granted.startswith("domain:"):
        return member.partition("@")[2] == granted.removeprefix("domain:")
    return granted == member


def _kind(name: str) -> str:
    for prefix, kind in (
        ("organizations/", "organization"),
        ("folders/", "folder"),
        ("projects/", "project"),
    ):
        if name.startswith(prefix) and name.count("/") == 1:
            return kind
    return "service-account" if "/serviceAccounts/" in name else "resource"


def looks_like_gcp(value: Any) -> bool:
    if isinstance(value, dict) and isinstance(value.get("bindings"), list):
        return any(
            isinstance(b, dict) and "role" in b and "members" in b for b in value["bindings"]
        )
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        value = value["results"]
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(v, dict) and ("policy" in v or "includedPermissions" in v) for v in value
        )
    )


def read(value: Any) -> Hierarchy:
    hierarchy = Hierarchy()
    if isinstance(value, dict) and isinstance(value.get("bindings"), list):
        hierarchy.scopes["<this resource>"] = Scope("<this resource>", "project")
        _bindings(hierarchy, value, "<this resource>")
        return hierarchy
    items = value.get("results") if isinstance(value, dict) else value
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if "includedPermissions" in item:
            perms = item.get("includedPermissions")
            hierarchy.custom_roles[str(item.get("name", ""))] = frozenset(
                p for p in (perms if isinstance(perms, list) else []) if isinstance(p, str)
            )
            continue
        resource = str(item.get("resource", "")).removeprefix("//")
        name = resource.split("/", 1)[1] if "/" in resource else resource
        folders = item.get("folders")
        ancestors = [
            f for f in (folders if isinstance(folders, list) else []) if isinstance(f, str)
        ]
        if isinstance(item.get("project"), str) and _kind(name) != "project":
            ancestors.insert(0, str(item["project"]))
        if isinstance(item.get("organization"), str):
            ancestors.append(str(item["organization"]))
        hierarchy.scopes[name] = Scope(name, _kind(name), tuple(ancestors))
        policy = item.get("policy")
        if isinstance(policy, dict):
            _bindings(hierarchy, policy, name)
    _project_aliases(hierarchy)
    return hierarchy


def _project_aliases(hierarchy: Hierarchy) -> None:
    """Asset search names a project by id in its resource and by number in ``project``;
    scopes whose ancestors name a project number get the project's own ancestors too."""
    for name, scope in list(hierarchy.scopes.items()):
        if scope.kind in ("service-account", "resource"):
            extra: list[str] = []
            for ancestor in scope.ancestors:
                parent = hierarchy.scopes.get(ancestor)
                if parent is not None:
                    extra.extend(a for a in parent.ancestors if a not in scope.ancestors)
            if extra:
                hierarchy.scopes[name] = Scope(name, scope.kind, (*scope.ancestors, *extra))


def _bindings(hierarchy: Hierarchy, policy: dict[str, Any], scope: str) -> None:
    raw = policy.get("bindings")
    if raw is not None and not isinstance(raw, list):
        hierarchy.problems.append(("bindings is not a list", line_of(policy)))
        return
    for binding in raw or []:
        if not isinstance(binding, dict):
            hierarchy.problems.append(("a binding is not an object", line_of(policy)))
            continue
        role = binding.get("role")
        members = binding.get("members")
        if not isinstance(role, str) or not isinstance(members, list):
            hierarchy.problems.append(("a binding lacks its role or members", line_of(binding)))
            continue
        conditional = binding.get("condition") is not None
        for member in members:
            if not isinstance(member, str):
                continue
            grant = Grant(member, role, scope, line_of(binding), conditional)
            if member in EVERYONE:
                hierarchy.public.append(grant)
            if role in PREDEFINED or role.startswith(("projects/", "organizations/")):
                hierarchy.grants.append(grant)
