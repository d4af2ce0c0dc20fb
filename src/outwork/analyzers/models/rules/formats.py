"""Rules about model containers and formats other than the pickle stream itself."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.models.context import Bounds, Divergence
from outwork.core.rules import Confidence, Layer, Rule, Severity


class ModelContainerAnomaly(Rule):
    """A model container deviates from its format in ways loaders tolerate and scanners trip on.

    ## What it finds
    Zip-based models (PyTorch, Keras, npz) whose local header names a different member than the
    central directory, whose CRC is wrong, whose encrypted flag is set, with duplicate members,
    trailing data, or data before the first member (a polyglot: the file is also another format,
    and outwork scans it as both). High when a reader other than the expected loader would run
    code the loader skips: a pickle stream after the first `STOP` (`torch.load` reads one,
    `pickle.load` in a loop reads on), a pickle in a PyTorch storage record (read as tensor bytes
    by `torch.load`, unpickled by whoever opens the member) or an archive nested in the archive.

    ## Why it matters
    PyTorch's reader ignores CRCs and flag bits and trusts the central directory; Python's
    `zipfile` does not. Scanners built on `zipfile` crashed on such files and reported nothing,
    while `torch.load` ran the pickle inside (CVE-2025-1944, CVE-2025-1945, CVE-2025-10156).

    ## Example
    A `model.pt` whose `archive/data.pkl` has a deliberately wrong CRC-32.

    ## Remediation
    Do not load the file. Re-download it and compare digests; legitimate writers never produce
    these deviations.

    ## References
    - CWE-434: Unrestricted Upload of File with Dangerous Type
    - CWE-20: Improper Input Validation
    - JFrog, "Unveiling 3 zero-day vulnerabilities in PickleScan" (2025)
    """

    code = "MDL005"
    name = "model-container-anomaly"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Divergence.HIDDEN_CODE: Severity.HIGH,
        Divergence.TOLERATED: Severity.MEDIUM,
    }
    cwe = (434, 20)
    inline_suppressible = False


class NumpyObjectArray(Rule):
    """A NumPy array file stores Python objects, so loading it unpickles.

    ## What it finds
    `.npy` files (alone or inside `.npz`) whose dtype has objects (`|O`): their payload is a
    pickle that `numpy.load(..., allow_pickle=True)` runs. The pickle is analysed as well; this
    finding records that the file needs pickle at all.

    ## Why it matters
    Users are trained to pass `allow_pickle=True` when NumPy refuses a file, which turns a data
    file into code.

    ## Example
    `embeddings.npy` with `descr: '|O'`.

    ## Remediation
    Store numeric arrays with numeric dtypes; load object arrays only from trusted sources.

    ## References
    - CWE-502: Deserialization of Untrusted Data
    - NumPy documentation, "numpy.load allow_pickle"
    """

    code = "MDL006"
    name = "numpy-object-array"
    layer = Layer.MDL
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (502,)
    inline_suppressible = False


class SafetensorsHeaderInvalid(Rule):
    """A safetensors file's header is inconsistent with its data.

    ## What it finds
    Header lengths beyond the file or the 100 MB cap, headers that are not a JSON object of
    tensors, unknown dtypes, shapes that do not match the byte ranges, tensors whose offsets
    overlap, leave gaps or run out of bounds, and trailing bytes after the last tensor.

    ## Why it matters
    safetensors is the safe format because its reader checks exactly these things; a file that
    fails them targets a lax reader (memory disclosure, confused tensors) or hides data where
    nobody looks. Offsets past the data, overlapping tensors, gaps, trailing bytes and
    duplicate keys are high: the reference reader refuses the file (or, for duplicate keys,
    keeps one of them) while hand-written readers read past the buffer or pick another tensor.
    An unknown dtype or a header that is not JSON is medium.

    ## Example
    Two tensors whose `data_offsets` both start at 0.

    ## Remediation
    Re-export the model with the official safetensors library and compare digests.

    ## References
    - CWE-20: Improper Input Validation
    - CWE-125: Out-of-bounds Read
    - Hugging Face, safetensors format specification
    """

    code = "MDL008"
    name = "safetensors-header-invalid"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Bounds.BEYOND_FILE: Severity.HIGH,
        Bounds.UNREADABLE: Severity.MEDIUM,
    }
    cwe = (20, 125)
    inline_suppressible = False


class ModelFileMalformed(Rule):
    """A model file cannot be parsed as the format its content claims, so it is not proven safe.

    ## What it finds
    GGUF, ONNX, SavedModel, Keras, HDF5, NumPy and zip-based model files whose structure is broken:
    truncated headers, lengths beyond the file, counts beyond budgets, configurations that are
    not JSON, zips without a central directory.

    ## Why it matters
    Scanners that skip what they cannot parse are switched off by one broken byte, while the real
    loader may be more tolerant. outwork fails closed. A GGUF header whose counts, lengths,
    alignment or tensor offsets exceed the file is high: ggml-based loaders have allocated and
    read by such numbers unchecked (the heap overflows Databricks reported in ggml's GGUF reader,
    fixed by ggml pull request 709).

    ## Example
    A GGUF file whose metadata key-value count claims four billion entries.

    ## Remediation
    Obtain the file again from its publisher and compare digests.

    ## References
    - CWE-20: Improper Input Validation
    - CWE-703: Improper Check or Handling of Exceptional Conditions
    - https://www.databricks.com/blog/ggml-gguf-file-format-vulnerabilities
    - https://github.com/ggml-org/ggml/pull/709 (gguf: input validation, integer overflows)
    """

    code = "MDL009"
    name = "model-file-malformed"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Bounds.BEYOND_FILE: Severity.HIGH,
        Bounds.UNREADABLE: Severity.MEDIUM,
    }
    cwe = (20, 703)
    inline_suppressible = False


class ChatTemplateInjection(Rule):
    """A model's Jinja chat template reaches Python internals: a sandbox escape on render.

    ## What it finds
    Chat templates in GGUF metadata (`tokenizer.chat_template`) and `tokenizer_config.json`
    whose syntax tree (parsed, never rendered) reads dunder or private attributes
    (`__class__`, `__mro__`, `__subclasses__`, `__globals__`, `__builtins__`, `__import__`),
    uses the `attr` filter or string-built attribute names, or calls `os`/`popen`/`eval`-like names.

    ## Why it matters
    llama-cpp-python rendered chat templates with an unsandboxed Jinja environment
    (CVE-2024-34359): loading a GGUF model ran the template, and the template ran shell commands.
    Real chat templates only format messages.

    ## Example
    `{{ ''.__class__.__mro__[1].__subclasses__() }}` inside `tokenizer.chat_template`.

    ## Remediation
    Do not load the model with a template renderer that is not sandboxed; replace the template
    with the publisher's original; update llama-cpp-python to 0.2.72 or later.

    ## References
    - CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine
    - CVE-2024-34359 (llama-cpp-python)
    """

    code = "MDL010"
    name = "chat-template-sandbox-escape"
    layer = Layer.MDL
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (1336, 94)
    attack = ("T1059.006",)
    inline_suppressible = False


class OnnxExternalDataEscape(Rule):
    """An ONNX model points its external tensor data outside the model's folder.

    ## What it finds
    `external_data` locations that are absolute, climb with `..`, or use drive letters or UNC
    paths.

    ## Why it matters
    ONNX loaders read external data relative to the model; a path that escapes lets a model read
    any file the loader can (CVE-2024-27318, CVE-2024-5187) and ship its contents onwards.

    ## Example
    An initializer with `location: ../../../../etc/passwd`.

    ## Remediation
    Keep external data beside the model with plain relative names; update onnx to 1.17 or later.

    ## References
    - CWE-22: Improper Limitation of a Pathname to a Restricted Directory
    - CVE-2024-27318, CVE-2024-5187 (onnx)
    """

    code = "MDL013"
    name = "onnx-external-data-escape"
    layer = Layer.MDL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (22,)
    inline_suppressible = False


class OnnxCustomOperator(Rule):
    """An ONNX model uses operators from a custom domain that loads native code.

    ## What it finds
    Nodes and opset imports from domains other than the standard ones (`ai.onnx`, `ai.onnx.ml`,
    `ai.onnx.training`, `ai.onnx.preview.training`, `com.microsoft`).

    ## Why it matters
    Custom operators are implemented by shared libraries that the runtime must load; a model
    that needs one asks its user to run native code of unknown origin.

    ## Example
    A node with `domain: "evil.ops"`.

    ## Remediation
    Check where the custom operator library comes from before registering it.

    ## References
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    - ONNX Runtime documentation, "Custom operators"
    """

    code = "MDL014"
    name = "onnx-custom-operator-domain"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (829,)
    inline_suppressible = False
