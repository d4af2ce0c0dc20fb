"""A labelled Kubernetes cluster, generated: each escalation family held by one user that has
exactly it, decoys that look the same but cannot reach cluster-admin, and hard positives.
Written as one multi-document RBAC manifest. Labels: ``positive`` users can become
cluster-admin, ``decoy`` users cannot, ``admin`` subjects are cluster-admin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

RBAC = "rbac.authorization.k8s.io"
ADMIN_SA = "system:serviceaccount:build:controller"


def rule(
    groups: list[str], resources: list[str], verbs: list[str], names: list[str] = ()
) -> dict[str, Any]:  # type: ignore[assignment]
    out: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        out["resourceNames"] = list(names)
    return out


@dataclass
class Cluster:
    docs: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def grant(
        self,
        user: str,
        rules: list[dict[str, Any]],
        namespace: str = "",
        label: str = "",
        labels: dict[str, str] | None = None,
    ) -> None:
        kind = "Role" if namespace else "ClusterRole"
        meta: dict[str, Any] = {"name": f"{user}-role"}
        if namespace:
            meta["namespace"] = namespace
        if labels:
            meta["labels"] = labels
        self.docs.append(
            {"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": meta, "rules": rules}
        )
        self.bind(user, kind, f"{user}-role", namespace)
        if label:
            self.labels[user] = label

    def bind(self, user: str, kind: str, role: str, namespace: str = "") -> None:
        binding = "RoleBinding" if namespace else "ClusterRoleBinding"
        meta: dict[str, Any] = {"name": f"{user}-{role}"}
        if namespace:
            meta["namespace"] = namespace
        self.docs.append(
            {
                "apiVersion": f"{RBAC}/v1",
                "kind": binding,
                "metadata": meta,
                "roleRef": {"apiGroup": RBAC, "kind": kind, "name": role},
                "subjects": [{"kind": "User", "name": user, "apiGroup": RBAC}],
            }
        )

    def text(self) -> str:
        return yaml.safe_dump_all(self.docs, sort_keys=False)


def build() -> Cluster:
    c = Cluster()
    c.docs.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "controller", "namespace": "build"},
        }
    )
    c.docs.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": "sandbox"},
        }
    )
    c.docs.append(
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "controller"},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "controller", "namespace": "build"}],
        }
    )
    c.labels[ADMIN_SA] = "admin"
    p, d = "positive", "decoy"
    # one user per family
    c.grant("pos-escalate", [rule([RBAC], ["clusterroles"], ["escalate", "update"])], label=p)
    c.grant(
        "pos-bind",
        [
            rule([RBAC], ["clusterroles"], ["bind"]),
            rule([RBAC], ["clusterrolebindings"], ["create"]),
        ],
        label=p,
    )
    c.grant("pos-impersonate-groups", [rule([""], ["groups"], ["impersonate"])], label=p)
    c.grant("pos-impersonate-users", [rule([""], ["users"], ["impersonate"])], label=p)
    c.grant(
        "pos-csr",
        [
            rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create"]),
            rule(["certificates.k8s.io"], ["certificatesigningrequests/approval"], ["update"]),
            rule(["certificates.k8s.io"], ["signers"], ["approve"]),
        ],
        label=p,
    )
    c.grant(
        "pos-webhook",
        [rule(["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"], ["create"])],
        label=p,
    )
    c.grant("pos-nodes-proxy", [rule([""], ["nodes/proxy"], ["get"])], label=p)
    c.grant("pos-aws-auth", [rule([""], ["configmaps"], ["patch"], ["aws-auth"])], "kube-system", p)
    c.grant("pos-escalate-role", [rule([RBAC], ["roles"], ["escalate", "update"])], "build", p)
    c.grant(
        "pos-bind-role",
        [rule([RBAC], ["clusterroles"], ["bind"]), rule([RBAC], ["rolebindings"], ["create"])],
        "build",
        p,
    )
    c.grant("pos-impersonate-sa", [rule([""], ["serviceaccounts"], ["impersonate"])], "build", p)
    c.grant("pos-create-pods", [rule([""], ["pods"], ["create"])], "build", p)
    c.grant("pos-create-deployments", [rule(["apps"], ["deployments"], ["create"])], "build", p)
    c.grant("pos-create-daemonsets", [rule(["apps"], ["daemonsets"], ["create"])], "build", p)
    c.grant("pos-create-jobs", [rule(["batch"], ["jobs"], ["create"])], "build", p)
    c.grant("pos-create-cronjobs", [rule(["batch"], ["cronjobs"], ["create"])], "build", p)
    c.grant("pos-token-request", [rule([""], ["serviceaccounts/token"], ["create"])], "build", p)
    c.grant("pos-pods-exec", [rule([""], ["pods/exec"], ["create"])], "build", p)
    c.grant("pos-read-secrets", [rule([""], ["secrets"], ["list"])], "build", p)
    # decoys: the same shapes where they reach nothing, or one permission short
    c.grant("decoy-pods-elsewhere", [rule([""], ["pods"], ["create"])], "sandbox", d)
    c.grant("decoy-secrets-elsewhere", [rule([""], ["secrets"], ["get", "list"])], "sandbox", d)
    c.grant(
        "decoy-bind-named",
        [
            rule([RBAC], ["clusterroles"], ["bind"], ["view"]),
            rule([RBAC], ["clusterrolebindings"], ["create"]),
        ],
        label=d,
    )
    c.grant(
        "decoy-escalate-no-update", [rule([RBAC], ["clusterroles"], ["escalate", "get"])], label=d
    )
    c.grant(
        "decoy-bindings-without-bind", [rule([RBAC], ["clusterrolebindings"], ["create"])], label=d
    )
    c.grant(
        "decoy-csr-no-approve",
        [rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get"])],
        label=d,
    )
    c.grant(
        "decoy-webhook-read",
        [
            rule(
                ["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"], ["get", "list"]
            )
        ],
        label=d,
    )
    c.grant(
        "decoy-pods-read", [rule([""], ["pods", "pods/log"], ["get", "list", "watch"])], "build", d
    )
    c.grant(
        "decoy-configmaps-other",
        [rule([""], ["configmaps"], ["patch"], ["app-config"])],
        "kube-system",
        d,
    )
    c.grant("decoy-secret-named", [rule([""], ["secrets"], ["get"], ["tls-cert"])], "build", d)
    c.grant("decoy-nodes-read", [rule([""], ["nodes"], ["get", "list"])], label=d)
    c.grant(
        "decoy-namespaced-impersonate",
        [rule([""], ["serviceaccounts"], ["impersonate"])],
        "sandbox",
        d,
    )
    # hard positives
    c.grant("hard-wildcard-verbs", [rule([""], ["pods"], ["*"])], "build", p)
    c.grant("hard-wildcard-resources", [rule([""], ["*"], ["create"])], "build", p)
    c.grant("hard-wildcard-groups", [rule(["*"], ["deployments"], ["create"])], "build", p)
    c.grant("hard-subresource-wildcard", [rule([""], ["*/exec"], ["create"])], "build", p)
    c.grant("hard-aggregated", [], labels=None, label=p)
    c.docs[-2]["aggregationRule"] = {
        "clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to-hard": "true"}}]
    }
    c.docs.append(
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRole",
            "metadata": {
                "name": "impersonation-bits",
                "labels": {"example.com/aggregate-to-hard": "true"},
            },
            "rules": [rule([""], ["groups"], ["impersonate"])],
        }
    )
    c.bind("hard-clusterrole-in-namespace", "ClusterRole", "edit", "build")
    c.labels["hard-clusterrole-in-namespace"] = p
    return c
