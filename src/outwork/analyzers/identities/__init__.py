"""The identities analyzer: overprivileged cloud identities and the paths to administrator.

It reads AWS authorization snapshots (``aws iam get-account-authorization-details``), policy
documents (identity, resource, trust, SCP) and the AWS CLI's wrappers around them, Terraform
files, CloudFormation/SAM templates, Kubernetes RBAC (manifests and ``kubectl get`` dumps) and
GCP allow policies, recognised by content whatever the file is called, evaluates them as the
cloud or cluster would and searches who can become administrator. Files are taken when their
first bytes name what only these documents name (``"Statement"``, ``UserDetailList``,
``AWS::IAM::``, ``rbac.authorization.k8s.io``, ``"bindings"``); the content decides the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import cast

from outwork.analyzers.identities.aws import sniff
from outwork.core.analyzer import AnalysisContext, Analyzer, Component, Emitted, rules_in
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.core.rules import Layer

#: Bytes of a file read to decide whether it is an identity document.
SNIFF_BYTES = 65536
#: Keys only these documents have; the quotes may be escaped (a policy inside a JSON string, as
#: ``get-bucket-policy`` returns it).
_JSON_HINT = re.compile(
    rb'\\?"(?:Statement|UserDetailList|RoleDetailList|GroupDetailList|PolicyVersionList)'
    rb'\\?"\s*:'
)


class IdentityAnalyzer(Analyzer):
    """Evaluates IAM policies and finds escalation paths to administrator."""

    name = "identities"
    version = "11"
    layer = Layer.IAM
    kinds = frozenset({Kind.JSON, Kind.YAML, Kind.TEXT})
    rules = rules_in("outwork.analyzers.identities.rules")
    implementation = "outwork.analyzers.identities.analysis"

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind not in self.kinds:
            return False
        head = artifact.read(SNIFF_BYTES)
        if (
            artifact.kind == Kind.TEXT
            and not artifact.name.lower().endswith(".tf")
            and sniff.PROSE.search(head)
        ):
            return False
        hints = (_JSON_HINT, sniff.SNIFF, sniff.CFN_JSON, sniff.CFN_YAML, sniff.RBAC, sniff.GCP)
        if artifact.name.lower().endswith(".tf") and sniff.MODULE_VALUES.search(head):
            return True
        return any(hint.search(head) for hint in hints)

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding | Fact]:
        """Terraform read by module: the files of a folder together, with the modules they
        call and the files they read; templates no module reads, alone."""
        if not any(c.type in ("_iam-terraform", "_iam-file") for _, c in components):
            return ()
        return cast(Iterable[Finding | Fact], self.work.finish(components, context.now))

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        head = artifact.read(SNIFF_BYTES)
        form = self.work.form_of(artifact.kind, artifact.name, head)
        return cast(Iterable[Emitted], self.work.analyze(artifact, form, context.now))
