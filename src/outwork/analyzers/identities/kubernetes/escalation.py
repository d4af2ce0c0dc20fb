"""Who can become cluster-admin in a Kubernetes cluster, as data over RBAC.

The methods are the families rbac-police and KubiScan check for, each a set of permissions
(any of some verbs, on a group and resource) that must all be granted in one scope, and what
holding them gives: cluster-admin itself (escalate or bind roles, impersonate groups, approve
certificates for ``system:masters``, control admission webhooks, rewrite ``aws-auth``, reach the
kubelet through ``nodes/proxy``), or the service accounts of the namespace the grant covers
(create pods or workloads that mount them, exec into pods running as them, mint their tokens,
read their token secrets). The search is breadth-first from the cluster admins, like AWS's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from outwork.analyzers.identities.kubernetes.rbac import ALL, Binding, Cluster, Rule, Subject

RBAC = "rbac.authorization.k8s.io"
WRITE = ("create", "update", "patch")


@dataclass(frozen=True, slots=True)
class Need:
    verbs: tuple[str, ...]
    group: str
    resource: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class KMethod:
    id: str
    title: str
    needs: tuple[Need, ...]
    #: "admin" (cluster-admin) or "service-accounts" (those of the scope the grant covers)
    gives: str
    #: the grant must be cluster-wide (a ClusterRoleBinding)
    cluster_only: bool = False
    #: the namespace the grant must cover ("" for any)
    namespace: str = ""
    #: it needs something that may not exist (a pod to exec into, a legacy token secret)
    existing: bool = False


METHODS: tuple[KMethod, ...] = (
    KMethod(
        "escalate-clusterrole",
        "escalate and update on cluster roles: add any rule to a role",
        (
            Need(("escalate",), RBAC, "clusterroles"),
            Need(("update", "patch"), RBAC, "clusterroles"),
        ),
        "admin",
        cluster_only=True,
    ),
    KMethod(
        "bind-cluster-admin",
        "bind on cluster roles and create cluster role bindings",
        (Need(("bind",), RBAC, "clusterroles"), Need(("create",), RBAC, "clusterrolebindings")),
        "admin",
        cluster_only=True,
    ),
    KMethod(
        "impersonate-groups",
        "impersonate groups (system:masters)",
        (Need(("impersonate",), "", "groups"),),
        "admin",
        cluster_only=True,
    ),
    KMethod(
        "impersonate-users",
        "impersonate users (any administrator)",
        (Need(("impersonate",), "", "users"),),
        "admin",
        cluster_only=True,
    ),
    KMethod(
        "approve-csr",
        "create and approve certificate signing requests for system:masters",
        (
            Need(("create",), "certificates.k8s.io", "certificatesigningrequests"),
            Need(("update", "patch"), "certificates.k8s.io", "certificatesigningrequests/approval"),
            Need(("approve",), "certificates.k8s.io", "signers"),
        ),
        "admin",
        cluster_only=True,
    ),
    KMethod(
        "mutating-webhook",
        "control mutating admission webhooks (rewrite every pod created)",
        (Need(WRITE, "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),),
        "admin",
        cluster_only=True,
        existing=True,
    ),
    KMethod(
        "nodes-proxy",
        "nodes/proxy: run commands in any pod through the kubelet API",
        (Need(("get", "create"), "", "nodes/proxy"),),
        "admin",
        cluster_only=True,
        existing=True,
    ),
    KMethod(
        "aws-auth",
        "update the aws-auth ConfigMap: map its own IAM role to system:masters",
        (Need(("update", "patch"), "", "configmaps", "aws-auth"),),
        "admin",
        namespace="kube-system",
    ),
    KMethod(
        "escalate-role",
        "escalate and update on roles: any rule in the namespace",
        (Need(("escalate",), RBAC, "roles"), Need(("update", "patch"), RBAC, "roles")),
        "service-accounts",
    ),
    KMethod(
        "bind-role",
        "bind on roles and create role bindings: bind admin in the namespace",
        (
            Need(
                ("bind",),
                RBAC,
                "clusterroles",
            ),
            Need(("create",), RBAC, "rolebindings"),
        ),
        "service-accounts",
    ),
    KMethod(
        "impersonate-serviceaccounts",
        "impersonate service accounts",
        (Need(("impersonate",), "", "serviceaccounts"),),
        "service-accounts",
    ),
    KMethod(
        "create-pods",
        "create pods that mount any service account of the namespace",
        (Need(("create",), "", "pods"),),
        "service-accounts",
    ),
    KMethod(
        "create-workloads",
        "create workloads whose pods mount any service account",
        (Need(("create",), "apps", "deployments"),),
        "service-accounts",
    ),
    KMethod(
        "create-daemonsets",
        "create daemon sets whose pods mount any service account",
        (Need(("create",), "apps", "daemonsets"),),
        "service-accounts",
    ),
    KMethod(
        "create-jobs",
        "create jobs whose pods mount any service account",
        (Need(("create",), "batch", "jobs"),),
        "service-accounts",
    ),
    KMethod(
        "create-cronjobs",
        "create cron jobs whose pods mount any service account",
        (Need(("create",), "batch", "cronjobs"),),
        "service-accounts",
    ),
    KMethod(
        "token-request",
        "create serviceaccounts/token: mint a token for any service account",
        (Need(("create",), "", "serviceaccounts/token"),),
        "service-accounts",
    ),
    KMethod(
        "pods-exec",
        "exec into running pods and read their service account tokens",
        (Need(("create", "get"), "", "pods/exec"),),
        "service-accounts",
        existing=True,
    ),
    KMethod(
        "read-secrets",
        "read secrets, service account tokens among them",
        (Need(("get", "list", "watch"), "", "secrets"),),
        "service-accounts",
        existing=True,
    ),
)
#: Groups every (or every authenticated) client is in.
EVERYONE = frozenset({"system:authenticated", "system:unauthenticated", "system:anonymous"})


@dataclass(frozen=True, slots=True)
class KHop:
    source: Subject
    target: Subject | None  # None: cluster-admin itself
    method: KMethod
    rules: tuple[Rule, ...]
    scope: str


@dataclass(slots=True)
class KResult:
    admins: dict[Subject, tuple[Rule, Binding]] = field(default_factory=dict)
    first_hop: dict[Subject, KHop] = field(default_factory=dict)

    def path(self, subject: Subject) -> list[KHop]:
        hops: list[KHop] = []
        seen: set[Subject] = set()
        while subject in self.first_hop and subject not in seen:
            seen.add(subject)
            hop = self.first_hop[subject]
            hops.append(hop)
            if hop.target is None:
                break
            subject = hop.target
        return hops


class KEscalation:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.grants: dict[Subject, list[tuple[Rule, str, Binding]]] = {}
        for subject, rule, scope, binding in cluster.grants():
            self.grants.setdefault(subject, []).append((rule, scope, binding))
        self.subjects = sorted(
            set(self.grants) | cluster.service_accounts, key=lambda s: (s.kind, s.namespace, s.name)
        )

    @cached_property
    def result(self) -> KResult:
        """The search, run once for all checks."""
        return self.run()

    def allowed(self, subject: Subject, need: Need, namespace: str) -> list[tuple[Rule, str]]:
        """The grants (rule, scope) that let ``subject`` meet ``need`` in ``namespace`` ("" asks
        for a cluster-wide grant)."""
        out = []
        for rule, scope, _ in self.grants.get(subject, ()):
            if namespace == "" and scope != "":
                continue
            if scope not in ("", namespace):
                continue
            if any(rule.allows(verb, need.group, need.resource, need.name) for verb in need.verbs):
                out.append((rule, scope))
        return out

    def scopes(self, subject: Subject) -> set[str]:
        return {"", *(scope for _, scope, _ in self.grants.get(subject, ()) if scope)}

    def run(self) -> KResult:
        result = KResult()
        for subject in self.subjects:
            for rule, scope, binding in self.grants.get(subject, ()):
                if scope == "" and rule.allows(ALL, ALL, ALL) and ALL in rule.api_groups:
                    result.admins[subject] = (rule, binding)
                    break
        reach: set[Subject] = set(result.admins)
        frontier: set[Subject] = set(reach)
        first = True
        while frontier or first:
            found: dict[Subject, KHop] = {}
            for subject in self.subjects:
                if subject in reach:
                    continue
                hop = next(self.hops(subject, frontier, first), None)
                if hop is not None:
                    found[subject] = hop
            result.first_hop.update(found)
            reach.update(found)
            frontier = set(found)
            first = False
        return result

    def hops(self, subject: Subject, frontier: set[Subject], first: bool) -> Iterator[KHop]:
        for method in sorted(METHODS, key=lambda m: m.existing):
            if method.gives == "admin" and not first:
                continue
            for scope in sorted(self.scopes(subject)):
                if method.cluster_only and scope:
                    continue
                if method.namespace and scope not in ("", method.namespace):
                    continue
                namespace = scope or method.namespace
                rules: list[Rule] = []
                for need in method.needs:
                    granted = self.allowed(subject, need, namespace)
                    if not granted:
                        break
                    rules.append(granted[0][0])
                else:
                    if method.gives == "admin":
                        yield KHop(subject, None, method, tuple(rules), scope)
                        continue
                    for target in sorted(frontier, key=lambda s: s.id):
                        if (
                            target.kind == "ServiceAccount"
                            and target != subject
                            and (scope == "" or target.namespace == scope)
                        ):
                            yield KHop(subject, target, method, tuple(rules), scope)
                            break
