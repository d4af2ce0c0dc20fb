"""IAM007 and IAM008: Kubernetes subjects that are, or can become, cluster-admin."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from outwork.analyzers.identities.kubernetes.escalation import EVERYONE, KEscalation, KHop
from outwork.analyzers.identities.kubernetes.rbac import Cluster, Subject
from outwork.analyzers.identities.rules.evaluation import PolicyNotFullyEvaluable
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

KCheck = Callable[[Cluster, KEscalation], Iterator[Emitted]]
#: Every Kubernetes check, registered by the modules that define them.
K8S_CHECKS: list[KCheck] = []
JEWEL = "jewel:cluster-admin:kubernetes"


def k8s_check(check: KCheck) -> KCheck:
    K8S_CHECKS.append(check)
    return check


class Who(enum.Enum):
    """Who the subject is."""

    EVERYONE = "every client, or every authenticated one"
    SERVICE_ACCOUNT = "a service account (a workload's identity)"
    PERSON = "a user or group"


def who(subject: Subject) -> Who:
    if subject.kind == "Group" and subject.name in EVERYONE:
        return Who.EVERYONE
    if subject.kind == "User" and subject.name == "system:anonymous":
        return Who.EVERYONE
    return Who.SERVICE_ACCOUNT if subject.kind == "ServiceAccount" else Who.PERSON


def builtin(subject: Subject) -> bool:
    """Kubernetes' own components (``system:`` users and groups, control-plane service
    accounts of kube-system bound by the bootstrap ``system:`` bindings): expected to be
    powerful, not reported (they still take part in paths)."""
    if who(subject) is Who.EVERYONE:
        return False
    return subject.kind in ("User", "Group") and subject.name.startswith("system:")


class KubernetesClusterAdmin(Rule):
    """A Kubernetes subject holds every verb on every resource, cluster-wide.

    ## What it finds
    Users, groups and service accounts bound cluster-wide to `cluster-admin` or to any role
    whose rules grant `*` verbs on `*` resources of `*` API groups (aggregated roles expanded).
    Bindings to `system:authenticated`, `system:unauthenticated` or `system:anonymous` are
    critical.

    ## Why it matters
    A pod running as such a service account, or a stolen token, owns the cluster: every
    secret, every node, every workload.

    ## Example
    ```yaml
    kind: ClusterRoleBinding
    roleRef: {kind: ClusterRole, name: cluster-admin}
    subjects: [{kind: ServiceAccount, name: ci, namespace: build}]
    ```

    ## Remediation
    Bind the narrowest role in the namespace the workload needs; keep cluster-admin for
    break-glass humans.

    ## References
    - https://kubernetes.io/docs/concepts/security/rbac-good-practices/
    - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
    """

    code = "IAM007"
    name = "kubernetes-cluster-admin-subject"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (269,)
    attack = ("T1078.001",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Who.EVERYONE: Severity.CRITICAL,
        Who.SERVICE_ACCOUNT: Severity.HIGH,
        Who.PERSON: Severity.MEDIUM,
    }


class KubernetesEscalationToClusterAdmin(Rule):
    """A Kubernetes subject can make itself cluster-admin through RBAC.

    ## What it finds
    Subjects whose permissions, through one or several hops, reach cluster-admin: `escalate`
    or `bind` on roles, `impersonate` on users, groups or service accounts, creating pods or
    workloads that mount a more privileged service account, `pods/exec` into its pods,
    `serviceaccounts/token`, reading secrets (legacy token secrets), `nodes/proxy`, approving
    certificate signing requests, controlling mutating webhooks, or rewriting EKS's `aws-auth`.
    The path, hop by hop with the rules that grant each, is in the finding's properties; hops
    that need something the manifests do not show (a running pod, a token secret) make the
    finding medium confidence.

    ## Why it matters
    RBAC's escalation checks stop `create rolebinding` from granting more than one holds, but
    not these: each is a documented route from a namespace foothold to the whole cluster.

    ## Example
    ```yaml
    kind: Role
    rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
    ```
    (in a namespace where a service account is cluster-admin)

    ## Remediation
    Remove the verbs, or keep privileged service accounts out of namespaces where others can
    create pods; use the `restricted` Pod Security Standard and bound service account tokens.

    ## References
    - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
    - https://github.com/PaloAltoNetworks/rbac-police
    - https://github.com/cyberark/KubiScan
    """

    code = "IAM008"
    name = "kubernetes-escalation-to-cluster-admin"
    layer = Layer.IAM
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (269,)
    attack = ("T1078.001", "T1611")
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Who.EVERYONE: Severity.CRITICAL,
        Who.SERVICE_ACCOUNT: Severity.HIGH,
        Who.PERSON: Severity.HIGH,
    }


def _node(subject: Subject) -> str:
    return f"k8s:{subject.id}"


def _hop(hop: KHop) -> dict[str, Any]:
    return {
        "from": hop.source.id,
        "to": hop.target.id if hop.target else "cluster-admin",
        "method": hop.method.id,
        "title": hop.method.title,
        "scope": hop.scope or "cluster",
        "rules": [f"{r.role} (line {r.line})" for r in hop.rules],
        "conditional": hop.method.existing,
    }


@k8s_check
def check_cluster_admins(cluster: Cluster, search: KEscalation) -> Iterator[Emitted]:
    result = search.result
    for subject, (rule, binding) in sorted(result.admins.items(), key=lambda kv: kv[0].id):
        yield Fact(
            _node(subject),
            "administers",
            JEWEL,
            proof=f"{binding.kind} {binding.name}",
            properties={"severity": "critical"},
        )
        if builtin(subject) or binding.name.startswith("system:"):
            continue
        yield finding(
            KubernetesClusterAdmin,
            f"{subject.id} is cluster-admin through {binding.kind} {binding.name}"
            f" (role {binding.role_name})",
            line=binding.line,
            severity=KubernetesClusterAdmin.severity_in(who(subject)),
            subject=subject.id,
            evidence=f"{binding.kind} {binding.name} -> {binding.role_kind} {binding.role_name}",
            properties={"binding": binding.name, "role": binding.role_name, "rule_line": rule.line},
        )


@k8s_check
def check_escalation(cluster: Cluster, search: KEscalation) -> Iterator[Emitted]:
    result = search.result
    for subject in sorted(result.first_hop, key=lambda s: s.id):
        path = result.path(subject)
        for hop in path:
            target = _node(hop.target) if hop.target else JEWEL
            yield Fact(
                _node(hop.source),
                "can-become",
                target,
                proof=hop.method.id,
                properties={"severity": "high"},
            )
        if builtin(subject) or not path:
            continue
        first = path[0]
        conditional = any(h.method.existing for h in path)
        steps = " -> ".join(
            f"{h.method.id} ({h.target.id if h.target else 'cluster-admin'})" for h in path
        )
        yield finding(
            KubernetesEscalationToClusterAdmin,
            f"{subject.id} can become cluster-admin: {steps}",
            line=first.rules[0].line if first.rules else None,
            severity=KubernetesEscalationToClusterAdmin.severity_in(who(subject)),
            confidence=Confidence.MEDIUM if conditional else Confidence.HIGH,
            subject=subject.id,
            evidence="; ".join(f"{r.role} (line {r.line})" for r in first.rules),
            properties={"path": [_hop(h) for h in path], "methods": [h.method.id for h in path]},
        )


@k8s_check
def check_aws_auth(cluster: Cluster, search: KEscalation) -> Iterator[Emitted]:
    """Facts only: which IAM identity EKS maps to which Kubernetes user and groups."""
    for arn, (username, groups) in sorted(cluster.aws_auth.items()):
        if username:
            yield Fact(f"aws:{arn}", "maps-to", f"k8s:{username}", proof="aws-auth")
        for group in groups:
            yield Fact(f"aws:{arn}", "maps-to", f"k8s:group:{group}", proof="aws-auth")
            if group == "system:masters":
                yield Fact(
                    f"aws:{arn}",
                    "administers",
                    JEWEL,
                    proof="aws-auth system:masters",
                    properties={"severity": "critical"},
                )


@k8s_check
def check_unknown(cluster: Cluster, search: KEscalation) -> Iterator[Emitted]:
    """What the RBAC reader could not evaluate: unknown roles, unexpanded aggregation."""
    for message, line in cluster.problems:
        yield finding(PolicyNotFullyEvaluable, message, line=line, subject="kubernetes")
    for binding in cluster.bindings:
        if cluster.role(binding.role_kind, binding.role_name, binding.namespace) is None:
            yield finding(
                PolicyNotFullyEvaluable,
                f"{binding.kind} {binding.name} binds {binding.role_kind} {binding.role_name},"
                " which the input does not define: its permissions cannot be evaluated",
                line=binding.line,
                subject=binding.name,
            )
