"""Reading one identity document and handing it to the checks of what it turns out to be.

What a document is comes from its content: an authorization snapshot has ``UserDetailList``
and its siblings, a policy has ``Statement``, a resource policy's statements name a
``Principal``, an SCP arrives wrapped in ``describe-policy`` output, a CloudFormation template
declares ``AWS::`` resource types, a Kubernetes RBAC object its ``rbac.authorization.k8s.io``
API group. A file that is none of these yields nothing.

Terraform is read by module: each ``.tf`` file is parsed when it is analysed (a file that
cannot be read is reported then) and handed on as a private component; the whole-scan step
(:func:`finish`) reads the files of each folder together, follows the modules they call, and
runs the checks once per root module, each finding placed in the file that writes it. A module
may read other files of the scan (``file``, ``templatefile``): small JSON documents are handed
on too, and a document written as a Terraform template (``${name}``, ``%{ for }``; IAM's own
``${aws:username}`` is no template) is read in the whole-scan step, rendered with the values
of the module that reads it, or alone when no module does.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from outwork.analyzers.identities.aws import cloudformation, sniff, terraform
from outwork.analyzers.identities.aws.account import (
    Account,
    Identity,
    from_snapshot,
    looks_like_snapshot,
)
from outwork.analyzers.identities.aws.evaluate import time_bound
from outwork.analyzers.identities.aws.policy import decode_document, parse_policy
from outwork.analyzers.identities.aws.scan import AWS_CHECKS, AwsScan, every_policy, lone_policy
from outwork.analyzers.identities.aws.terraform.expressions import blank_template
from outwork.analyzers.identities.documents import (
    MAX_BYTES,
    DocumentError,
    line_of,
    load_json,
    load_yaml_documents,
)
from outwork.analyzers.identities.gcp import iam as gcp_iam
from outwork.analyzers.identities.gcp.escalation import GEscalation
from outwork.analyzers.identities.kubernetes import rbac
from outwork.analyzers.identities.kubernetes.escalation import KEscalation
from outwork.analyzers.identities.rules.gcp import GCP_CHECKS
from outwork.analyzers.identities.rules.kubernetes import K8S_CHECKS
from outwork.analyzers.identities.rules.unreadable import IdentityDocumentUnreadable, Unreadable
from outwork.core.analyzer import Component, Emitted, TimeBound
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding, finding
from outwork.core.reach import in_package_tests
from outwork.core.rules import Severity

#: The highest severity of a finding on a document in a package's test or example data.
TEST_DATA_CAP = Severity.MEDIUM
#: The private component that hands a Terraform file to the whole-scan step.
TERRAFORM = "_iam-terraform"
#: The private component that hands on a file a module may read: a small JSON document, or a
#: template (read in the whole-scan step).
FILE = "_iam-file"
#: Characters of a JSON document handed on for modules to read, and of a template.
MAX_SHARED_CHARS = 64 * 1024
MAX_TEMPLATE_CHARS = 256 * 1024
#: A Terraform template sequence: a directive, or an interpolation that is not one of IAM's
#: policy variables (``${aws:username}``, ``${*}``).
TEMPLATE_SUFFIXES = (".tftpl", ".tpl", ".tmpl")
TEMPLATE_RE = re.compile(r"%\{|\$\{(?![*?$]\})[^}:]*\}")


def analyze(artifact: Artifact, form: str, now: float) -> Iterator[Emitted]:
    """Findings and facts of one identity document; ``form`` is "json", "yaml" or "hcl";
    ``now``: the scan's time (POSIX seconds), the time requests are evaluated at."""
    for item in _analyze(artifact, form, now):
        yield from _where(item, artifact.path)


def _where(item: Emitted, path: str) -> Iterator[Emitted]:
    """An item graded by where its document sits: a policy in a package's test, example or
    documentation data (a recorded service response in botocore's tests) is no account's
    configuration, whatever it allows: its findings are medium at most, saying so, and it
    makes no link of an attack path. The same document anywhere else (a repository's
    infrastructure folder, the package's own data) keeps its grade."""
    if not isinstance(item, Finding | Fact):
        yield item
        return
    if not in_package_tests(path):
        yield item
    elif isinstance(item, Finding):
        if item.severity > TEST_DATA_CAP:
            item = replace(
                item,
                severity=TEST_DATA_CAP,
                message=f"{item.message} (in a package's test or example data, not an account's"
                f" configuration: {TEST_DATA_CAP.label} at most)",
                properties={**item.properties, "in_package_tests": True},
            )
        yield item


def _analyze(artifact: Artifact, form: str, now: float) -> Iterator[Emitted]:
    if artifact.size > MAX_BYTES:
        yield _unreadable(
            DocumentError(f"document of {artifact.size} bytes exceeds the budget", budget=True)
        )
        return
    text = artifact.read().decode("utf-8", "replace")
    if form == "hcl":
        try:
            terraform.load(text, artifact.path)
        except DocumentError as exc:
            yield _unreadable(exc)
            return
        yield Component(TERRAFORM, artifact.path, properties={"text": text})
        return
    if _template(text, form, artifact.name):
        # a template: rendered by the module that reads it, in the whole-scan step
        props = {"text": text, "form": form, "template": True}
        yield Component(FILE, artifact.path, properties=props)
        return
    yield from analyze_text(text, form, artifact.name, now)
    if form == "json" and len(text) <= MAX_SHARED_CHARS:
        yield Component(FILE, artifact.path, properties={"text": text})


def _template(text: str, form: str, name: str) -> bool:
    """Whether a document is a Terraform template: named as one (``.tftpl``, ``.tpl``), or
    written with template sequences that keep it from being read as it is (a CloudFormation
    ``!Sub "${Bucket}"`` is read as it is, and is no template)."""
    if len(text) > MAX_TEMPLATE_CHARS or not TEMPLATE_RE.search(text.replace("$${", "")):
        return False
    if name.lower().endswith(TEMPLATE_SUFFIXES):
        return True
    try:
        load_json_or_yaml(text, form)
    except DocumentError:
        return True
    return False


def analyze_text(text: str, form: str, name: str, now: float) -> Iterator[Emitted]:
    """Findings and facts of one JSON or YAML identity document's text."""
    try:
        documents = load_json_or_yaml(text, form)
    except DocumentError as exc:
        yield _unreadable(exc)
        return
    if len(documents) == 1 and gcp_iam.looks_like_gcp(documents[0]):
        hierarchy = gcp_iam.read(documents[0])
        gsearch = GEscalation(hierarchy)
        for gcheck in GCP_CHECKS:
            yield from gcheck(hierarchy, gsearch)
        return
    if any(rbac.looks_like_rbac(d) for d in documents):
        cluster = rbac.read(documents)
        search = KEscalation(cluster)
        for k8s in K8S_CHECKS:
            yield from k8s(cluster, search)
        return
    lines = text.splitlines()
    for document in documents:
        scan = aws_scan(document, name, lines)
        if scan is not None:
            yield from run_checks(scan, now)


def finish(components: Sequence[tuple[str, Component]], now: float) -> Iterator[Finding | Fact]:
    """The Terraform modules of the scan, each root read with the modules it calls, then the
    templates no module read, each alone (``now``: the scan's time)."""
    files = []
    texts: dict[str, str] = {}
    templates: dict[str, str] = {}
    for path, component in components:
        text = str(component.properties.get("text", ""))
        if component.type == FILE:
            texts[path] = text
            if component.properties.get("template"):
                templates[path] = str(component.properties.get("form", "json"))
        elif component.type == TERRAFORM:
            try:
                files.append(terraform.load(text, path))
            except DocumentError:
                continue  # reported when the file was analysed
    read: set[str] = set()
    for members, account, policies, used in terraform.read_modules(files, texts):
        read |= used
        for item in run_checks(AwsScan(account, "template", policies), now):
            yield from _placed(item, members[0].path)  # nothing more precise: its first file
    for path, form in sorted(templates.items()):
        if path not in read:
            # rendered by no module of the scan: read with its values not known
            text = blank_template(texts[path])
            for item in analyze_text(text, form, posixpath.basename(path), now):
                yield from _placed(item, path)


def _placed(item: Emitted, path: str) -> Iterator[Finding | Fact]:
    """A finding of the whole-scan step with a path (``path`` when it has none)."""
    if isinstance(item, Finding):
        if not item.location.path:
            item = replace(item, location=replace(item.location, path=path))
        path = item.location.path
    for graded in _where(item, path):
        if isinstance(graded, Finding | Fact):
            yield graded


def run_checks(scan: AwsScan, now: float) -> Iterator[Emitted]:
    """Every AWS check on one input, its requests evaluated at ``now``; when a condition on the
    request's time decided anything, the span of scan times over which these results hold
    (a cached result is not served past it)."""
    scan.now = datetime.fromtimestamp(now, UTC)
    for check in AWS_CHECKS:
        yield from check(scan)
    span = time_bound((s for p in every_policy(scan) for s in p.statements), now)
    if span is not None:
        yield TimeBound(*span)


def load_json_or_yaml(text: str, form: str) -> list[Any]:
    if form == "json":
        return [load_json(text)]
    return load_yaml_documents(text)


def _unreadable(exc: DocumentError) -> Emitted:
    return finding(
        IdentityDocumentUnreadable,
        f"identity document cannot be read: {exc}",
        line=exc.line,
        column=exc.column,
        severity=IdentityDocumentUnreadable.severity_in(
            Unreadable.BUDGET if exc.budget else Unreadable.SYNTAX
        ),
        evidence=str(exc)[:300],
    )


def _statements(value: Any) -> list[Any]:
    raw = value.get("Statement") if isinstance(value, dict) else None
    return raw if isinstance(raw, list) else [raw] if raw is not None else []


def _is_policy(value: Any) -> bool:
    return isinstance(value, dict) and "Statement" in value


def aws_scan(value: Any, name: str = "policy", lines: list[str] | None = None) -> AwsScan | None:
    """The AWS input a parsed document holds, or None when it holds none (``lines``: the
    document's text, for a template whose policies are written as JSON strings)."""
    if looks_like_snapshot(value):
        return AwsScan(from_snapshot(value), "snapshot")
    if cloudformation.looks_like_template(value):
        account, resource_policies = cloudformation.read(value, lines)
        return AwsScan(account, "template", resource_policies)
    if not isinstance(value, dict):
        return None
    wrapped = _unwrap(value, name)
    if wrapped is not None:
        return wrapped
    if _is_policy(value):
        statements = [s for s in _statements(value) if isinstance(s, dict)]
        if any("Principal" in s or "NotPrincipal" in s for s in statements):
            if all(_only_assume(s) for s in statements):
                return trust_scan(value, name)
            return resource_scan(value, name)
        return lone_policy(value, name, line_of(value))
    return None


def _only_assume(statement: dict[str, Any]) -> bool:
    actions = statement.get("Action", [])
    items = actions if isinstance(actions, list) else [actions]
    return bool(items) and all(
        isinstance(a, str) and a.lower().startswith("sts:assumerole") for a in items
    )


def trust_scan(document: Any, name: str) -> AwsScan:
    """A lone trust policy: the trust of a role whose account is not known."""
    account = Account()
    role = Identity("role", name, f"arn:aws:iam:::role/{name}")
    role.trust = parse_policy(document, f"{name} trust policy", line=line_of(document))
    account.roles[name] = role
    return AwsScan(account, "trust")


def resource_scan(document: Any, name: str) -> AwsScan:
    scan = AwsScan(Account(), "resource")
    scan.resource_policies.append((name, parse_policy(document, name, line=line_of(document))))
    return scan


def _unwrap(value: dict[str, Any], name: str) -> AwsScan | None:
    """The AWS CLI's wrappers around a policy: ``get-policy-version``, ``get-role-policy``,
    ``describe-policy`` (SCPs), ``get-bucket-policy`` / ``get-key-policy`` (resource policies)."""
    version = value.get("PolicyVersion")
    if isinstance(version, dict) and "Document" in version:
        return lone_policy(decode_document(version["Document"]), name, line_of(version))
    if "PolicyDocument" in value and (
        "RoleName" in value or "UserName" in value or "GroupName" in value
    ):
        owner = value.get("RoleName") or value.get("UserName") or value.get("GroupName")
        return lone_policy(
            decode_document(value["PolicyDocument"]), f"{owner} inline policy", line_of(value)
        )
    policy = value.get("Policy")
    if isinstance(policy, dict) and "Content" in policy:
        scan = AwsScan(Account(), "scp")
        scan.account.scps.append(parse_policy(policy["Content"], "SCP", line=line_of(policy)))
        return scan
    if isinstance(policy, str):
        document = decode_document(policy)
        if _is_policy(document):
            return resource_scan(document, name)
    return None


def form_of(kind: Kind, name: str, head: bytes) -> str:
    """How to read an accepted document: "json", "yaml" or "hcl"."""
    lower = name.lower()
    if lower.endswith(".tf") or (kind == Kind.TEXT and sniff.SNIFF.search(head)):
        return "hcl"
    return "json" if kind == Kind.JSON or lower.endswith(".json") else "yaml"


__all__ = ["analyze", "analyze_text", "aws_scan", "finish", "form_of"]
