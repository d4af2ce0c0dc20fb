"""MDL016: a model-hub folder that asks the loader to run its own Python code, and the check
that grades it by where that code comes from (the hub JSON scanner reads auto_map)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from outwork.analyzers.models.context import RemoteCode
from outwork.analyzers.models.rules.keras import json_evidence
from outwork.core.findings import Finding, Location, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class HubRemoteCode(Rule):
    """A model-hub folder asks the loader to run its own Python code (`trust_remote_code`).

    ## What it finds
    `config.json`, `tokenizer_config.json` and similar files with an `auto_map` that points
    Transformers at Python modules shipped with the model. The modules are analysed by the
    packages layer.

    ## Why it matters
    With `trust_remote_code=True` the named modules are imported: the model's author runs code
    on every machine that loads it.

    ## Example
    `"auto_map": {"AutoModel": "modeling_evil.EvilModel"}`.

    ## Remediation
    Read the referenced Python files before loading, pin the model to a reviewed revision, or use
    models that need no remote code.

    ## References
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    - Hugging Face Transformers documentation, "trust_remote_code"
    """

    code = "MDL016"
    name = "hub-model-remote-code"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        RemoteCode.OWN_REPOSITORY: Severity.MEDIUM,
        RemoteCode.OTHER_REPOSITORY: Severity.HIGH,
    }
    cwe = (829, 94)
    inline_suppressible = False


def check_remote_code(
    auto_map: dict[str, Any], modules: list[str], foreign: list[str], folder: str
) -> Finding:
    """MDL016 for an ``auto_map``: the Python ``modules`` it loads (beside the model in
    ``folder``), from ``foreign`` repositories when its references name others."""
    where = f" from other repositories ({', '.join(foreign[:3])})" if foreign else ""
    origin = RemoteCode.OTHER_REPOSITORY if foreign else RemoteCode.OWN_REPOSITORY
    return finding(
        HubRemoteCode,
        f"model asks for trust_remote_code: auto_map loads Python{where} ("
        + ", ".join(modules[:5])
        + ")",
        logical="auto_map",
        evidence=json_evidence(auto_map),
        severity=HubRemoteCode.severity_in(origin),
        properties={"modules": modules, "repositories": foreign},
        related=tuple(Location(f"{folder}/{m}" if folder else m) for m in modules[:20]),
    )
