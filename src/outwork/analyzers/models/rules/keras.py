"""MDL011, MDL012: Keras configurations that make the loader run serialised code or import and
call something outside Keras' layers, and the check that walks a configuration for them (the
scanners find the configuration in .keras archives, HDF5 files and hub JSON)."""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from outwork.analyzers.models.context import KerasObject
from outwork.analyzers.models.policy import Verdict, judge, reason_table
from outwork.analyzers.models.rules.formats import ModelFileMalformed
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class KerasLambdaCode(Rule):
    """A Keras model carries a Lambda layer: serialised Python code that runs on load.

    ## What it finds
    `Lambda` layers (and other layers with a `function` of type `lambda`) in `.keras`
    `config.json` and HDF5 `model_config`, including nested models. Their function is marshalled
    Python bytecode or source.

    ## Why it matters
    Keras deserialises Lambda layers by unmarshalling and calling their code (CVE-2024-3660);
    `safe_mode` is not applied to HDF5 files (CVE-2025-9905).

    ## Example
    A `model.h5` whose config has
    `{"class_name": "Lambda", "config": {"function": ["4wEA...", null, null]}}`.

    ## Remediation
    Replace Lambda layers with registered custom layers whose code you control, and load
    untrusted models with `safe_mode=True` in the `.keras` format on Keras 3.9 or later.

    ## References
    - CWE-94: Improper Control of Generation of Code
    - CVE-2024-3660 (Keras Lambda layer code injection)
    """

    code = "MDL011"
    name = "keras-lambda-layer-code"
    layer = Layer.MDL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (94, 502)
    inline_suppressible = False


class KerasUnsafeObject(Rule):
    """A Keras configuration makes the loader import or call something outside Keras' layers.

    ## What it finds
    Objects in `.keras`/HDF5 configurations whose `module` lies outside Keras and TensorFlow's
    Keras namespaces (CVE-2025-1550), function references to loaders and downloaders such as
    `keras.utils.get_file` or `keras.models.load_model` (CVE-2025-8747, CVE-2025-9906), and
    `TFSMLayer`, which loads an attacker-chosen SavedModel (CVE-2026-1462).

    ## Why it matters
    Keras resolves `module` + `class_name` by importing them, even with `safe_mode=True` in
    affected versions: the configuration file alone chooses what code runs.

    ## Example
    `{"module": "os", "class_name": "system", "config": ...}` in `config.json`.

    ## Remediation
    Do not load the model; update Keras to 3.14 or later; use only registered custom objects.

    ## References
    - CWE-502: Deserialization of Untrusted Data
    - CVE-2025-1550, CVE-2025-8747, CVE-2026-1462 (Keras safe_mode bypasses)
    """

    code = "MDL012"
    name = "keras-config-unsafe-object"
    layer = Layer.MDL
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        KerasObject.KNOWN_DANGEROUS: Severity.CRITICAL,
        KerasObject.FOREIGN_MODULE: Severity.HIGH,
        KerasObject.GADGET_FUNCTION: Severity.HIGH,
    }
    cwe = (502, 470)
    inline_suppressible = False


_KERAS_MODULE = re.compile(r"^(keras|tf_keras|tensorflow\.keras|tensorflow\.python\.keras)(\.|$)")
#: Keras namespaces whose functions a configuration may reference (activations, losses, ...).
_KERAS_FUNCTIONS = re.compile(
    r"^(keras|tf_keras|tensorflow\.keras)(\.src)?\.(activations|losses|metrics|initializers"
    r"|regularizers|constraints|ops|random|layers|optimizers)(\.|$)"
)


@functools.cache
def keras_dangerous() -> dict[str, str]:
    return reason_table("keras_dangerous.tsv")


def check_keras_config(config: Any, *, path: str = "", logical: str = "") -> Iterator[Finding]:
    """MDL011 for each Lambda layer, MDL012 for each object that makes the loader import or call
    something outside Keras' layers (as severe as what it reaches); MDL005 where the
    configuration nests too deep to check."""
    for where, node in _objects(config, logical or "config"):
        if node.get("__too_deep__") is True and len(node) == 1:
            yield finding(
                ModelFileMalformed,
                "Keras configuration nests deeper than 200 levels; the rest is unchecked",
                path=path,
                logical=where[:200],
            )
            return
        class_name = node.get("class_name")
        module = node.get("module")
        inner = node.get("config")
        if not isinstance(class_name, str):
            continue
        if class_name == "Lambda" or (
            isinstance(inner, dict) and inner.get("function_type") == "lambda"
        ):
            yield finding(
                KerasLambdaCode,
                "Keras Lambda layer: its serialised Python function runs when the model "
                "loads (CVE-2024-3660)",
                path=path,
                logical=where,
                evidence=json_evidence(inner) if inner is not None else class_name,
            )
        names = []
        if class_name == "function" and isinstance(inner, str):
            names.append(f"{module}.{inner}" if isinstance(module, str) else inner)
        if isinstance(module, str):
            names.append(f"{module}.{class_name}")
        else:
            names.append(f"keras.layers.{class_name}")
        reason = next((keras_dangerous()[n] for n in names if n in keras_dangerous()), None)
        if (
            reason is None
            and class_name == "function"
            and isinstance(module, str)
            and _KERAS_MODULE.match(module)
            and not _KERAS_FUNCTIONS.match(module)
        ):
            yield finding(
                KerasUnsafeObject,
                f"Keras config references the function {names[0]}, outside the activation, "
                "loss and metric namespaces: a gadget for safe_mode bypasses",
                path=path,
                logical=where,
                severity=KerasUnsafeObject.severity_in(KerasObject.GADGET_FUNCTION),
                evidence=json_evidence(node),
            )
            continue
        if reason is None and isinstance(module, str) and not _KERAS_MODULE.match(module):
            obj = inner if class_name == "function" and isinstance(inner, str) else class_name
            verdict = judge(module, obj)
            if verdict.verdict is Verdict.DANGEROUS:
                reason = f"imports {module}.{obj}: {verdict.reason} (CVE-2025-1550)"
            else:
                yield finding(
                    KerasUnsafeObject,
                    f"Keras config imports {module}.{obj}, outside the Keras namespace: "
                    "loading imports that module (custom code)",
                    path=path,
                    logical=where,
                    severity=KerasUnsafeObject.severity_in(KerasObject.FOREIGN_MODULE),
                    evidence=json_evidence(node),
                )
                continue
        if reason:
            yield finding(
                KerasUnsafeObject,
                f"Keras config object {names[-1]}: {reason}",
                path=path,
                logical=where,
                severity=KerasUnsafeObject.severity_in(KerasObject.KNOWN_DANGEROUS),
                evidence=json_evidence(node),
            )


def json_evidence(value: Any) -> str:
    """A JSON value as a finding's evidence, cut to 300 characters."""
    try:
        return json.dumps(value)[:300]
    except (ValueError, TypeError, RecursionError):
        return repr(type(value))


def _objects(node: Any, where: str, depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    if depth > 200:
        yield where, {"__too_deep__": True}
        return
    if isinstance(node, dict):
        if "class_name" in node:
            yield where, node
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from _objects(value, f"{where}.{key}", depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node[:100_000]):
            if isinstance(value, dict | list):
                yield from _objects(value, f"{where}[{i}]", depth + 1)
