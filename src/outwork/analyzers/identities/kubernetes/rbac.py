"""Kubernetes RBAC as data: roles and cluster roles (aggregated ones expanded), bindings,
service accounts and EKS's ``aws-auth`` mapping, read from manifests or ``kubectl get -o
yaml|json`` dumps (``kind: List``), and the question RBAC's authorizer answers: may this subject
do this verb on this resource in this namespace?

Roles a binding names but the input does not define are looked up among Kubernetes' default
cluster roles (``cluster-admin``, ``admin``, ``edit``, ``view``, as the API server bootstraps
them); any other is reported as unknown, never assumed empty or all-powerful.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from outwork.analyzers.identities.documents import DocumentError, line_of, load_yaml_documents

ALL = "*"


@dataclass(frozen=True, slots=True)
class Rule:
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    names: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    role: str = ""
    line: int | None = None

    def allows(self, verb: str, group: str, resource: str, name: str = "") -> bool:
        if not self.resources:
            return False
        if ALL not in self.verbs and verb not in self.verbs:
            return False
        if ALL not in self.api_groups and group not in self.api_groups:
            return False
        if not any(_resource_matches(r, resource) for r in self.resources):
            return False
        if self.names:
            # a rule naming resources never allows create, and allows a request only by name
            return verb != "create" and name in self.names
        return True


def _resource_matches(pattern: str, resource: str) -> bool:
    if pattern in (ALL, resource):
        return True
    base, _, sub = resource.partition("/")
    if pattern == f"{base}/*" and sub:
        return True
    return bool(sub) and pattern == f"*/{sub}"


@dataclass(slots=True)
class Role:
    kind: str  # "Role" or "ClusterRole"
    name: str
    namespace: str
    rules: list[Rule] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    selectors: list[dict[str, str]] = field(default_factory=list)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str  # "User", "Group" or "ServiceAccount"
    name: str
    namespace: str = ""

    @property
    def id(self) -> str:
        if self.kind == "ServiceAccount":
            return f"system:serviceaccount:{self.namespace}:{self.name}"
        return self.name if self.kind == "User" else f"group:{self.name}"


@dataclass(slots=True)
class Binding:
    kind: str  # "RoleBinding" or "ClusterRoleBinding"
    name: str
    namespace: str
    role_kind: str
    role_name: str
    subjects: list[Subject]
    line: int | None = None


@dataclass(slots=True)
class Cluster:
    roles: dict[tuple[str, str, str], Role] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    service_accounts: set[Subject] = field(default_factory=set)
    #: aws-auth: IAM ARN -> (username, groups)
    aws_auth: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    problems: list[tuple[str, int | None]] = field(default_factory=list)

    def role(self, kind: str, name: str, namespace: str) -> Role | None:
        key = (kind, namespace if kind == "Role" else "", name)
        found = self.roles.get(key)
        if found is None and kind == "ClusterRole" and name in DEFAULT_ROLES:
            found = Role(
                "ClusterRole", name, "", [Rule(*r, role=name) for r in DEFAULT_ROLES[name]]
            )
        return found

    def grants(self) -> Iterator[tuple[Subject, Rule, str, Binding]]:
        """Every (subject, rule, namespace or "" for cluster-wide, binding)."""
        for binding in self.bindings:
            role = self.role(binding.role_kind, binding.role_name, binding.namespace)
            if role is None:
                continue
            scope = binding.namespace if binding.kind == "RoleBinding" else ""
            for subject in binding.subjects:
                for rule in role.rules:
                    yield subject, rule, scope, binding


#: What the default ``edit`` cluster role grants (``admin`` adds roles and role bindings).
_EDIT_RULES: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    (
        ("",),
        (
            "pods",
            "pods/exec",
            "pods/attach",
            "pods/portforward",
            "pods/proxy",
            "secrets",
            "services",
            "configmaps",
            "serviceaccounts",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "endpoints",
        ),
        (ALL,),
    ),
    (("",), ("serviceaccounts",), ("impersonate",)),
    (("",), ("serviceaccounts/token",), ("create",)),
    (("apps",), ("deployments", "daemonsets", "statefulsets", "replicasets"), (ALL,)),
    (("batch",), ("jobs", "cronjobs"), (ALL,)),
]

#: Kubernetes' default user-facing cluster roles (bootstrap policy), as (apiGroups, resources,
#: verbs) rules: what a binding to them grants when the input does not define them.
DEFAULT_ROLES: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    "cluster-admin": [((ALL,), (ALL,), (ALL,))],
    "admin": [
        *_EDIT_RULES,
        (("rbac.authorization.k8s.io",), ("roles", "rolebindings"), (ALL,)),
    ],
    "edit": _EDIT_RULES,
    "view": [
        (
            ("",),
            (
                "pods",
                "services",
                "configmaps",
                "serviceaccounts",
                "endpoints",
                "persistentvolumeclaims",
            ),
            ("get", "list", "watch"),
        ),
        (
            ("apps",),
            ("deployments", "daemonsets", "statefulsets", "replicasets"),
            ("get", "list", "watch"),
        ),
    ],
}

RBAC_KINDS = frozenset(
    {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ServiceAccount"}
)


def looks_like_rbac(value: Any) -> bool:
    return isinstance(value, dict) and (
        value.get("kind") in RBAC_KINDS
        or (value.get("kind") == "List" and isinstance(value.get("items"), list))
        or (value.get("kind") == "ConfigMap" and _meta(value).get("name") == "aws-auth")
    )


def _object_at(value: dict[str, Any], key: str) -> dict[str, Any]:
    found = value.get(key)
    return found if isinstance(found, dict) else {}


def _meta(value: dict[str, Any]) -> dict[str, Any]:
    meta = value.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(str(v) for v in items if isinstance(v, str | int | float))


def read(documents: list[Any]) -> Cluster:
    cluster = Cluster()
    stack = list(reversed(documents))
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if item.get("kind") == "List":
            stack.extend(reversed(item.get("items") or []))
            continue
        _object(cluster, item)
    _aggregate(cluster)
    return cluster


def _object(cluster: Cluster, item: dict[str, Any]) -> None:
    kind = item.get("kind")
    meta = _meta(item)
    name = str(meta.get("name", ""))
    namespace = str(meta.get("namespace", "") or "")
    line = line_of(item)
    if kind in ("Role", "ClusterRole"):
        role = Role(str(kind), name, namespace if kind == "Role" else "", line=line)
        labels = meta.get("labels")
        role.labels = (
            {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
        )
        for raw in item.get("rules") or []:
            if isinstance(raw, dict):
                role.rules.append(
                    Rule(
                        _strings(raw.get("apiGroups")),
                        _strings(raw.get("resources")),
                        _strings(raw.get("verbs")),
                        _strings(raw.get("resourceNames")),
                        _strings(raw.get("nonResourceURLs")),
                        name,
                        line_of(raw, line),
                    )
                )
            else:
                cluster.problems.append((f"{kind} {name} has a rule that is not an object", line))
        aggregation = item.get("aggregationRule")
        if isinstance(aggregation, dict):
            for selector in aggregation.get("clusterRoleSelectors") or []:
                labels_wanted = selector.get("matchLabels") if isinstance(selector, dict) else None
                if isinstance(labels_wanted, dict):
                    role.selectors.append({str(k): str(v) for k, v in labels_wanted.items()})
                if isinstance(selector, dict) and selector.get("matchExpressions"):
                    cluster.problems.append(
                        (f"ClusterRole {name} aggregates by matchExpressions, not expanded", line)
                    )
        cluster.roles[(role.kind, role.namespace, name)] = role
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        ref = _object_at(item, "roleRef")
        subjects = []
        for raw in item.get("subjects") or []:
            if isinstance(raw, dict):
                subjects.append(
                    Subject(
                        str(raw.get("kind", "")),
                        str(raw.get("name", "")),
                        str(raw.get("namespace", "") or namespace),
                    )
                )
        binding = Binding(
            str(kind),
            name,
            namespace if kind == "RoleBinding" else "",
            str(ref.get("kind", "")),
            str(ref.get("name", "")),
            subjects,
            line,
        )
        cluster.bindings.append(binding)
        cluster.service_accounts.update(s for s in subjects if s.kind == "ServiceAccount")
    elif kind == "ServiceAccount":
        cluster.service_accounts.add(Subject("ServiceAccount", name, namespace or "default"))
    elif kind == "ConfigMap" and name == "aws-auth":
        _aws_auth(cluster, item, line)


def _aws_auth(cluster: Cluster, item: dict[str, Any], line: int | None) -> None:
    """EKS's IAM-to-Kubernetes mapping: ``mapRoles`` and ``mapUsers`` hold YAML text."""
    data = _object_at(item, "data")
    for key, arn_key in (("mapRoles", "rolearn"), ("mapUsers", "userarn")):
        text = data.get(key)
        if not isinstance(text, str):
            continue
        try:
            entries = load_yaml_documents(text)
        except DocumentError as exc:
            cluster.problems.append((f"aws-auth {key} cannot be read: {exc}", line))
            continue
        for entry in entries[0] if entries and isinstance(entries[0], list) else []:
            if isinstance(entry, dict) and isinstance(entry.get(arn_key), str):
                groups = _strings(entry.get("groups"))
                cluster.aws_auth[entry[arn_key]] = (str(entry.get("username", "")), groups)


def _aggregate(cluster: Cluster) -> None:
    """Aggregated cluster roles take the rules of every cluster role their selectors match."""
    for role in cluster.roles.values():
        if not role.selectors:
            continue
        for other in cluster.roles.values():
            if other is role or other.kind != "ClusterRole":
                continue
            if any(all(other.labels.get(k) == v for k, v in sel.items()) for sel in role.selectors):
                role.rules.extend(other.rules)
