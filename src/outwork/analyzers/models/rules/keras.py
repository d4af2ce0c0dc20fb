"""MDL011, MDL012, MDL017: Keras configurations that make the loader run serialised code, import
and call something outside Keras' layers or read a file of the loading host, and the check that
walks a configuration for them (the scanners find the configuration in .keras archives, HDF5
files and hub JSON)."""

from __future__ import annotations

import binascii
import enum
import functools
import json
import re
import struct
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
    Python bytecode or source. Also serialised lambdas anywhere else in the configuration:
    `{"class_name": "__lambda__"}` objects (a loss, a metric, a regularizer, an initializer, a
    custom object's argument), any `X` beside `X_type: "lambda"`, and any string that is
    base64 of a marshalled Python code object (how Keras writes an activation given as a
    lambda: `{"activation": {"value": ["4wEA...", null, null]}}`), in the model and in its
    compile and training configuration.

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


class KerasConfigReadsHostFile(Rule):
    """A Keras configuration makes a layer read a file or URL of the loader's choosing.

    ## What it finds
    Layer configurations whose file-bearing arguments (`vocabulary` of `StringLookup`,
    `IntegerLookup` and `TextVectorization`, tokenizer `vocabulary`/`merges`/`proto` files,
    `filepath`, `path`, ...) hold an absolute path (`/etc/passwd`, `C:\\Windows`), a home
    path, a path that climbs out of the model's folder (`../`) or a URL (`gs://`, `http://`):
    the layer reads it when the model is built at load time.

    ## Why it matters
    The lookup layers load a vocabulary from a string path with TensorFlow's file system,
    unless the loader refuses paths under `safe_mode` (keras-team/keras pull request 23050 and
    keras-hub 2517 added such refusals): the file's lines become the model's vocabulary, so a
    crafted model reads local secrets into what it outputs, or reaches internal URLs.

    ## Example
    `{"class_name": "StringLookup", "config": {"vocabulary": "/etc/passwd"}}`.

    ## Remediation
    Do not load the model. Save vocabularies as lists inside the model (Keras stores them in
    the archive's assets), never as a path on the machine that saved it.

    ## References
    - CWE-73: External Control of File Name or Path
    - CWE-918: Server-Side Request Forgery
    - https://github.com/keras-team/keras/pull/23050 (lookup layers refuse vocabulary paths
      in safe mode)
    - https://github.com/keras-team/keras-hub/pull/2517 (the same for tokenizers)
    """

    code = "MDL017"
    name = "keras-config-reads-host-file"
    layer = Layer.MDL
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (73, 918)
    inline_suppressible = False


#: Layer arguments that name a file the layer reads when it is built.
FILE_KEYS = frozenset(
    {"vocabulary", "vocabulary_file", "vocab_file", "merges", "merges_file", "proto", "filepath"}
    | {"file_path", "path", "filename", "spm_model_file", "tokenizer_file", "idf_weights"}
)
_HOST_PATH = re.compile(
    r"^(/|~|[A-Za-z]:[\\/]|\\\\|[A-Za-z][A-Za-z0-9+.-]*://)|(^|[\\/])\.\.([\\/]|$)"
)
#: The first bytes of a marshalled code object (TYPE_CODE, with or without FLAG_REF).
_CODE_TYPES = (0x63, 0xE3)
#: Strings longer than this are not read for marshalled code (a lambda is far smaller).
MAX_CODE_STRING = 1 << 20

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
    """MDL011 for each Lambda layer or serialised lambda, MDL012 for each object that makes the
    loader import or call something outside Keras' layers (as severe as what it reaches),
    MDL017 for each file a layer reads from the host; MDL005 where the configuration nests too
    deep to check."""
    flagged: list[str] = []
    for item in _check_objects(config, path=path, logical=logical or "config"):
        if item.rule is KerasLambdaCode:
            flagged.append(item.location.logical or logical)
        yield item
    yield from _check_values(config, flagged, path=path, logical=logical or "config")


def _check_values(config: Any, flagged: list[str], *, path: str, logical: str) -> Iterator[Finding]:
    """Lambdas outside Lambda layers (marshalled code in any string, ``X_type: "lambda"``) and
    file-bearing arguments that name a host path."""
    for where, key, value, typed in _values(config, logical):
        if any(_inside(where, prefix) for prefix in flagged):
            continue
        if typed or (isinstance(value, str) and marshalled_code(value)):
            flagged.append(where)
            yield finding(
                KerasLambdaCode,
                "Keras config holds a serialised lambda (marshalled Python bytecode): it runs "
                "when the model loads, wherever it sits (activation, loss, metric, regularizer, "
                "custom object)",
                path=path,
                logical=where,
                evidence=json_evidence(value)[:120],
            )
        elif isinstance(value, str) and key in FILE_KEYS and _HOST_PATH.search(value.strip()):
            yield finding(
                KerasConfigReadsHostFile,
                f"Keras layer argument {key!r} names {value[:200]!r}: the layer reads it from "
                "the loading host when the model is built",
                path=path,
                logical=where,
                evidence=value[:300],
            )


def _inside(where: str, prefix: str) -> bool:
    return where == prefix or where.startswith((f"{prefix}.", f"{prefix}["))


def marshalled_code(text: str) -> bool:
    """Whether ``text`` is base64 of a marshalled Python 3 code object (``func_dump``)."""
    if not 24 <= len(text) <= MAX_CODE_STRING:
        return False
    try:
        head = binascii.a2b_base64(text[:32])
    except (binascii.Error, ValueError):
        return False
    if len(head) < 13 or head[0] not in _CODE_TYPES:
        return False
    argcount, posonly, kwonly = (int(n) for n in struct.unpack("<3i", head[1:13]))
    return 0 <= argcount < 256 and 0 <= posonly <= argcount and 0 <= kwonly < 256


def _values(node: Any, where: str, depth: int = 0) -> Iterator[tuple[str, str, Any, bool]]:
    """(logical place, key, value, lambda-typed) for every scalar of a configuration, and for
    each value beside an ``X_type: "lambda"`` (serialised code whatever its form)."""
    if depth > 200:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}"
            if isinstance(key, str) and node.get(f"{key}_type") == "lambda":
                yield here, key, value, True
            if isinstance(value, dict | list):
                yield from _values(value, here, depth + 1)
            else:
                yield here, str(key), value, False
    elif isinstance(node, list):
        for i, value in enumerate(node[:100_000]):
            if isinstance(value, dict | list):
                yield from _values(value, f"{where}[{i}]", depth + 1)
            else:
                yield f"{where}[{i}]", "", value, False


def _check_objects(config: Any, *, path: str, logical: str) -> Iterator[Finding]:
    """MDL011 for Lambda layers and ``__lambda__`` objects, MDL012 for foreign objects."""
    for where, node in _objects(config, logical):
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
        if class_name in ("Lambda", "__lambda__") or (
            isinstance(inner, dict) and inner.get("function_type") == "lambda"
        ):
            what = "serialised lambda" if class_name == "__lambda__" else "Lambda layer"
            yield finding(
                KerasLambdaCode,
                f"Keras {what}: its serialised Python function runs when the model "
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
