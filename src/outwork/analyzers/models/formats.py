"""Model formats that are not pickles: safetensors, GGUF, Keras, HDF5, ONNX, SavedModel, hub JSON.

Each reader is bounded, reads headers and configurations only, and never touches tensor data.
"""

from __future__ import annotations

import functools
import json
import math
import mmap
import re
import struct
from collections.abc import Iterator
from importlib import resources
from typing import Any

from outwork.analyzers.models.containers import ContainerResult
from outwork.analyzers.models.context import Bounds
from outwork.analyzers.models.rules.formats import (
    ChatTemplateInjection,
    ModelContainerAnomaly,
    ModelFileMalformed,
    OnnxCustomOperator,
    OnnxExternalDataEscape,
    SafetensorsHeaderInvalid,
)
from outwork.analyzers.models.rules.hub import check_remote_code
from outwork.analyzers.models.rules.keras import check_keras_config
from outwork.analyzers.models.rules.savedmodel import check_savedmodel_ops
from outwork.core.analyzer import Component, Emitted
from outwork.core.artifact import Artifact
from outwork.core.findings import Fact, Finding, finding
from outwork.core.rules import Severity
from outwork.sources.reader import ArchiveError, ZipArchive, advise

__all__ = ["CODE_EXECUTION_CODES", "ModelContainerAnomaly"]

#: Findings that mean loading the model can run code on the host.
CODE_EXECUTION_CODES = frozenset({"MDL007", "MDL010", "MDL011", "MDL012", "MDL015", "MDL016"})


# -- safetensors -------------------------------------------------------------------------------

SAFETENSORS_MAX_HEADER = 100_000_000
SAFETENSORS_DTYPES = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "C64": 64,
}


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(f"duplicate key {key!r} (parsers disagree on which one wins)")
        out[key] = value
    return out


def scan_safetensors(buf: memoryview, result: ContainerResult) -> None:
    result.format = "safetensors"
    problems = _safetensors_problems(buf, result)
    for text, logical, bounds in problems[:20]:
        loader = _SAFETENSORS_LOADER[bounds]
        result.findings.append(
            finding(
                SafetensorsHeaderInvalid,
                f"safetensors: {text}{loader}",
                logical=logical,
                severity=SafetensorsHeaderInvalid.severity_in(bounds),
            )
        )


#: What a loader does with each kind of problem, said in the finding.
_SAFETENSORS_LOADER = {
    Bounds.BEYOND_FILE: (
        " (the safetensors library refuses the file, or keeps one of two duplicate keys; "
        "hand-written readers read past the buffer, pick another tensor or skip hidden bytes)"
    ),
    Bounds.UNREADABLE: "",
}
Problem = tuple[str, str, Bounds]


def _tensor_problems(
    name: str, info: object, data_len: int, spans: list[tuple[int, int, str]]
) -> Iterator[Problem]:
    """What is wrong with one tensor's description; its byte span goes to ``spans`` when the
    description is well formed."""
    where = f"header.{name}"
    if not isinstance(info, dict) or set(info) - {"dtype", "shape", "data_offsets"}:
        yield f"tensor {name!r} has an unexpected description", where, Bounds.UNREADABLE
        return
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in SAFETENSORS_DTYPES:
        yield f"tensor {name!r} has unknown dtype {dtype!r}", where, Bounds.UNREADABLE
        return
    if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
        yield f"tensor {name!r} has an invalid shape {shape!r}", where, Bounds.UNREADABLE
        return
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(isinstance(o, int) and o >= 0 for o in offsets)
        and offsets[0] <= offsets[1]
    ):
        yield f"tensor {name!r} has invalid data_offsets {offsets!r}", where, Bounds.BEYOND_FILE
        return
    begin, end = offsets
    bits = math.prod(shape) * SAFETENSORS_DTYPES[dtype]
    if bits != (end - begin) * 8:
        yield (
            f"tensor {name!r}: shape {shape} of {dtype} needs {bits // 8} bytes, "
            f"offsets give {end - begin}",
            where,
            Bounds.BEYOND_FILE,
        )
    if end > data_len:
        yield (
            f"tensor {name!r} ends at {end}, beyond the data ({data_len})",
            where,
            Bounds.BEYOND_FILE,
        )
    spans.append((begin, end, name))


def _safetensors_problems(buf: memoryview, result: ContainerResult) -> list[Problem]:
    if len(buf) < 8:
        return [("file shorter than the 8-byte header length", "header", Bounds.BEYOND_FILE)]
    (n,) = struct.unpack("<Q", buf[:8])
    if n > SAFETENSORS_MAX_HEADER:
        return [(f"header length {n} exceeds the 100 MB limit", "header", Bounds.BEYOND_FILE)]
    if 8 + n > len(buf):
        return [
            (
                f"header length {n} runs past the end of the file ({len(buf)} bytes)",
                "header",
                Bounds.BEYOND_FILE,
            )
        ]
    advise(buf, mmap.MADV_WILLNEED, 0, 8 + n)
    raw = bytes(buf[8 : 8 + n])
    if not raw.startswith(b"{"):
        return [("header does not start with '{'", "header", Bounds.UNREADABLE)]
    try:
        header = json.loads(raw.decode("utf-8").rstrip(" "), object_pairs_hook=_no_duplicates)
    except _DuplicateKeyError as exc:
        return [(f"header {exc}", "header", Bounds.BEYOND_FILE)]
    except (ValueError, RecursionError) as exc:
        return [(f"header is not valid JSON: {exc}", "header", Bounds.UNREADABLE)]
    if not isinstance(header, dict):
        return [("header is not a JSON object", "header", Bounds.UNREADABLE)]
    problems: list[Problem] = []
    data_len = len(buf) - 8 - n
    spans: list[tuple[int, int, str]] = []
    meta = header.pop("__metadata__", None)
    if meta is not None:
        if not isinstance(meta, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in meta.items()
        ):
            problems.append(
                ("__metadata__ is not a map of strings", "header.__metadata__", Bounds.UNREADABLE)
            )
        elif "format" in meta:
            result.framework = str(meta["format"])[:40]
    for name, info in header.items():
        problems.extend(_tensor_problems(name, info, data_len, spans))
    spans.sort()
    cursor = 0
    for begin, end, name in spans:
        if begin < cursor:
            problems.append(
                (
                    f"tensor {name!r} overlaps the previous tensor",
                    f"header.{name}",
                    Bounds.BEYOND_FILE,
                )
            )
        elif begin > cursor:
            problems.append(
                (
                    f"{begin - cursor} unused bytes before tensor {name!r}",
                    f"header.{name}",
                    Bounds.BEYOND_FILE,
                )
            )
        cursor = max(cursor, end)
    if cursor < data_len:
        problems.append(
            (
                f"{data_len - cursor} bytes of trailing data after the last tensor",
                "data",
                Bounds.BEYOND_FILE,
            )
        )
    result.properties["tensors"] = len(spans)
    return problems


# -- GGUF --------------------------------------------------------------------------------------

GGUF_MAX_KV = 1_000_000
GGUF_MAX_TENSORS = 10_000_000
_GGUF_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}


class _GGUFError(Exception):
    """A GGUF header that breaks: past the file's bounds unless said otherwise."""

    def __init__(self, message: str, bounds: Bounds = Bounds.BEYOND_FILE) -> None:
        super().__init__(message)
        self.bounds = bounds


#: What a ggml-based loader does with a header whose numbers exceed the file.
_GGUF_LOADER = (
    "; ggml-based loaders allocate and read by these numbers (heap overflows in llama.cpp's "
    "GGUF reader, reported by Databricks and fixed in ggml pull request 709)"
)


GGUF_MAX_STRING = 256 * 1024 * 1024
_GGUF_LEN32 = struct.Struct("<I")
_GGUF_LEN64 = struct.Struct("<Q")
#: Bytes of a GGUF header asked for at once as its parser moves through it (a memory map is
#: otherwise read page by page).
GGUF_READ_AHEAD = 1 << 20


class _Reader:
    def __init__(self, buf: memoryview, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos
        self.ahead = pos

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise _GGUFError(f"needs {n} bytes at offset {self.pos}, file has {len(self.buf)}")
        self.need(self.pos + n)
        view = self.buf[self.pos : self.pos + n]
        self.pos += n
        return view

    def skip(self, n: int) -> None:
        """Step over ``n`` bytes no rule reads (an array of numbers: token scores and types),
        without asking for them: a memory map reads only the pages touched."""
        if n < 0 or self.pos + n > len(self.buf):
            raise _GGUFError(f"needs {n} bytes at offset {self.pos}, file has {len(self.buf)}")
        self.pos += n

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def need(self, end: int) -> None:
        """Ask for the bytes up to ``end`` and a stretch beyond, once per stretch."""
        if end > self.ahead:
            start, self.ahead = self.pos, end + GGUF_READ_AHEAD
            advise(self.buf, mmap.MADV_WILLNEED, start, self.ahead - start)

    def skip_strings(self, count: int, wide: bool) -> None:
        """Step over ``count`` strings without decoding them (a vocabulary of 100k tokens and
        as many merges: no rule reads them, but the tensor table lies beyond them)."""
        length = _GGUF_LEN64 if wide else _GGUF_LEN32
        unpack, size, limit = length.unpack_from, length.size, GGUF_MAX_STRING
        buf, pos, ahead = self.buf, self.pos, self.ahead
        try:
            for _ in range(count):
                if pos + size > ahead:
                    self.pos = pos
                    self.need(pos + size)
                    ahead = self.ahead
                (n,) = unpack(buf, pos)
                if n > limit:
                    raise _GGUFError(f"string of {n} bytes at offset {pos}")
                pos += size + n
        except struct.error:
            raise _GGUFError(f"string at offset {pos} runs past the end of the file") from None
        if pos > len(buf):
            raise _GGUFError(f"string at offset {self.pos} runs past the end of the file")
        self.pos = pos


def _gguf_string(r: _Reader, wide: bool) -> str:
    n = r.unpack("<Q" if wide else "<I")
    if n > GGUF_MAX_STRING:
        raise _GGUFError(f"string of {n} bytes at offset {r.pos}")
    return bytes(r.take(n)).decode("utf-8", "replace")


def _gguf_value(r: _Reader, vtype: int, wide: bool, depth: int = 0) -> Any:
    if vtype in _GGUF_SCALARS:
        return r.unpack(_GGUF_SCALARS[vtype])
    if vtype == 8:
        return _gguf_string(r, wide)
    if vtype == 9:
        if depth > 2:
            raise _GGUFError("arrays nested too deeply")
        itype = r.unpack("<I")
        count = r.unpack("<Q" if wide else "<I")
        if itype in _GGUF_SCALARS:
            size = struct.calcsize(_GGUF_SCALARS[itype])
            if count * size > len(r.buf) - r.pos:
                raise _GGUFError(f"array of {count} items runs past the end of the file")
            r.skip(count * size)
            return f"<array of {count}>"
        if count > len(r.buf) - r.pos:
            raise _GGUFError(f"array of {count} items runs past the end of the file")
        if itype == 8:
            r.skip_strings(count, wide)
            return f"<array of {count}>"
        for _ in range(count):
            _gguf_value(r, itype, wide, depth + 1)
        return f"<array of {count}>"
    raise _GGUFError(f"unknown value type {vtype} at offset {r.pos}", Bounds.UNREADABLE)


def scan_gguf(buf: memoryview, result: ContainerResult) -> None:
    result.format = "gguf"
    result.framework = "ggml"
    r = _Reader(buf)
    templates_found: list[tuple[str, str, int]] = []
    alignment = 32
    try:
        if bytes(r.take(4)) != b"GGUF":
            raise _GGUFError("bad magic", Bounds.UNREADABLE)
        version = r.unpack("<I")
        if version not in (1, 2, 3):
            raise _GGUFError(f"unknown GGUF version {version}", Bounds.UNREADABLE)
        wide = version >= 2
        n_tensors = r.unpack("<Q" if wide else "<I")
        n_kv = r.unpack("<Q" if wide else "<I")
        if n_kv > GGUF_MAX_KV or n_tensors > GGUF_MAX_TENSORS:
            raise _GGUFError(f"{n_kv} key-values / {n_tensors} tensors exceed the budgets")
        for _ in range(n_kv):
            at = r.pos
            key = _gguf_string(r, wide)
            vtype = r.unpack("<I")
            value = _gguf_value(r, vtype, wide)
            if key == "general.alignment" and isinstance(value, int):
                if value <= 0 or value & (value - 1) or value > 1 << 20:
                    raise _GGUFError(f"general.alignment {value} is not a power of two")
                alignment = value
            if key == "general.architecture" and isinstance(value, str):
                result.properties["architecture"] = value[:80]
            if key.startswith("tokenizer.chat_template") and isinstance(value, str):
                templates_found.append((key, value, at))
        spans: list[tuple[int, int, str]] = []
        for _ in range(n_tensors):
            tname = _gguf_string(r, wide)
            dims = r.unpack("<I")
            if dims > 8:
                raise _GGUFError(f"tensor {tname[:60]!r} with {dims} dimensions")
            shape = struct.unpack(
                f"<{dims}{'Q' if wide else 'I'}", r.take(8 * dims if wide else 4 * dims)
            )
            ttype = r.unpack("<I")
            offset = r.unpack("<Q")
            spans.append((offset, _ggml_bytes(ttype, shape, tname), tname))
        result.properties["tensors"] = n_tensors
        _gguf_tensor_bounds(buf, r.pos, alignment, spans, result)
    except (_GGUFError, struct.error) as exc:
        bounds = exc.bounds if isinstance(exc, _GGUFError) else Bounds.BEYOND_FILE
        result.findings.append(
            finding(
                ModelFileMalformed,
                f"GGUF header: {exc}" + (_GGUF_LOADER if bounds is Bounds.BEYOND_FILE else ""),
                logical=f"gguf@0x{r.pos:x}",
                severity=ModelFileMalformed.severity_in(bounds),
            )
        )
    for key, source, at in templates_found:
        _template_findings(result, source, logical=f"gguf.{key}@0x{at:x}")


@functools.cache
def ggml_types() -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    text = resources.files("outwork.analyzers.models").joinpath("data", "ggml_types.tsv")
    for raw in text.read_text("utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            ident, block, size, *_ = raw.split("\t")
            out[int(ident)] = (int(block), int(size))
    return out


def _ggml_bytes(ttype: int, shape: tuple[int, ...], name: str) -> int:
    if ttype not in ggml_types():
        raise _GGUFError(f"tensor {name[:60]!r} has unknown type {ttype}", Bounds.UNREADABLE)
    block, size = ggml_types()[ttype]
    count = math.prod(shape)
    if shape and shape[0] % block:
        raise _GGUFError(f"tensor {name[:60]!r}: row of {shape[0]} is not a multiple of {block}")
    return count // block * size


def _gguf_tensor_bounds(
    buf: memoryview,
    info_end: int,
    alignment: int,
    spans: list[tuple[int, int, str]],
    result: ContainerResult,
) -> None:
    data_start = -(-info_end // alignment) * alignment
    data_len = len(buf) - data_start
    cursor = 0
    for offset, size, name in sorted(spans):
        problem = ""
        if offset % alignment:
            problem = f"tensor {name[:60]!r} at offset {offset} is not aligned to {alignment}"
        elif offset + size > data_len:
            problem = f"tensor {name[:60]!r} ends at {offset + size}, beyond the data ({data_len})"
        elif offset < cursor:
            problem = f"tensor {name[:60]!r} overlaps the previous tensor"
        if problem:
            result.findings.append(
                finding(
                    ModelFileMalformed,
                    f"GGUF tensor table: {problem}{_GGUF_LOADER}",
                    logical=f"gguf.{name[:80]}",
                    severity=ModelFileMalformed.severity_in(Bounds.BEYOND_FILE),
                )
            )
            return
        cursor = offset + size


def _template_findings(
    result: ContainerResult, source: str, *, logical: str, path: str = ""
) -> None:
    # jinja2's parser, for the files that carry a chat template only: a pickle or safetensors
    # scan starts without it (docs/benchmarks.md, issue 21).
    from outwork.analyzers.models import templates

    try:
        reasons = templates.analyse(source)
    except ValueError as exc:
        result.findings.append(
            finding(ModelFileMalformed, f"chat template: {exc}", logical=logical, path=path)
        )
        return
    if reasons:
        result.findings.append(
            finding(
                ChatTemplateInjection,
                "chat template reaches Python internals when rendered: " + "; ".join(reasons[:5]),
                logical=logical,
                path=path,
                evidence="; ".join(reasons[:10])[:500],
                remediation="Replace the template with the publisher's original and render "
                "templates only in a sandboxed environment (llama-cpp-python >= 0.2.72).",
            )
        )


# -- Keras ---------------------------------------------------------------------------------------

MAX_CONFIG_BYTES = 64 * 1024 * 1024


def scan_keras_zip(view: ZipArchive, result: ContainerResult) -> None:
    """A ``.keras`` archive (``view``, opened ``tolerant``): its configuration's layers."""
    result.format = "keras"
    result.framework = "keras"
    for text in dict.fromkeys(view.anomalies):
        result.findings.append(finding(ModelContainerAnomaly, f"zip container anomaly: {text}"))
    entry = next((e for e in view.members if e.name == "config.json"), None)
    if view.error or entry is None:
        result.findings.append(
            finding(
                ModelFileMalformed,
                f"Keras archive without a readable config.json ({view.error or 'member missing'})",
            )
        )
        return
    try:
        raw = view.read(entry, MAX_CONFIG_BYTES)
        config = json.loads(raw)
    except (ArchiveError, ValueError, RecursionError) as exc:
        result.findings.append(
            finding(ModelFileMalformed, f"Keras config.json: {exc}", path="config.json")
        )
        return
    result.findings += check_keras_config(config, path="config.json")


# -- HDF5 (legacy Keras) ---------------------------------------------------------------------

HDF5_SCAN_BYTES = 64 * 1024 * 1024
_CONFIG_START = re.compile(rb'\{\s*"class_name"\s*:')


def scan_hdf5(buf: memoryview, result: ContainerResult) -> None:
    """Find Keras' ``model_config`` attribute (JSON) without an HDF5 library."""
    result.format = "hdf5"
    advise(buf, mmap.MADV_WILLNEED, 0, HDF5_SCAN_BYTES)
    window = bytes(buf[:HDF5_SCAN_BYTES])
    found = _embedded_keras_configs(window, result, "hdf5")
    if found:
        result.format = "keras-hdf5"
    elif b"keras_version" in window or b"model_config" in window:
        result.format = "keras-hdf5"
        result.framework = "keras"
        result.findings.append(
            finding(
                ModelFileMalformed,
                "Keras HDF5 model whose model_config could not be read: its layers are unchecked",
            )
        )


def _embedded_keras_configs(window: bytes, result: ContainerResult, label: str) -> int:
    """Check every Keras configuration JSON embedded in a binary container; return the count."""
    decoder = json.JSONDecoder()
    found = 0
    pos = 0
    while found < 8:
        match = _CONFIG_START.search(window, pos)
        if not match:
            break
        start = match.start()
        try:
            text = window[start : start + MAX_CONFIG_BYTES].decode("utf-8", "replace")
            config, length = decoder.raw_decode(text)
        except (ValueError, RecursionError):
            pos = start + 1
            continue
        found += 1
        result.framework = "keras"
        result.findings += check_keras_config(config, logical=f"{label}@0x{start:x}")
        pos = start + max(len(text[:length].encode("utf-8", "replace")), 1)
    return found


# -- Protocol buffers: ONNX and SavedModel ----------------------------------------------------

STANDARD_ONNX_DOMAINS = frozenset(
    {
        "",
        "ai.onnx",
        "ai.onnx.ml",
        "ai.onnx.training",
        "ai.onnx.preview.training",
        "com.microsoft",
        "com.microsoft.nchwc",
        "com.microsoft.experimental",
        "org.pytorch.aten",
        "com.ms.internal.nhwc",
    }
)


class _PBError(Exception):
    pass


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        if pos >= end or shift > 63:
            raise _PBError(f"bad varint at {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or start, end) for each field of one message."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _PBError(f"field number 0 at {pos}")
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value, pos
        elif wire == 1:
            pos += 8
            yield number, wire, pos - 8, pos
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise _PBError(f"field {number} of {length} bytes runs past its message at {pos}")
            yield number, wire, pos, pos + length
            pos += length
        elif wire == 5:
            pos += 4
            yield number, wire, pos - 4, pos
        else:
            raise _PBError(f"unsupported wire type {wire} at {pos}")
    if pos != end:
        raise _PBError("message runs past its end")


def _text(buf: memoryview, start: int, end: int) -> str:
    return bytes(buf[start : min(end, start + 4096)]).decode("utf-8", "replace")


def scan_protobuf_model(buf: memoryview, result: ContainerResult, name: str) -> None:
    """ONNX ModelProto, TensorFlow SavedModel or frozen GraphDef, told apart by structure."""
    lower = name.lower()
    try:
        top = list(_fields(buf, 0, len(buf)))
    except _PBError as exc:
        if lower.endswith((".onnx", "saved_model.pb")):
            result.format = "onnx" if lower.endswith(".onnx") else "tensorflow-savedmodel"
            result.findings.append(finding(ModelFileMalformed, f"protobuf model: {exc}"))
        return
    numbers = {f[0] for f in top}
    if 7 in numbers and not lower.endswith(".pb"):
        _scan_onnx(buf, top, result)
    elif lower.endswith("saved_model.pb") or _looks_like_savedmodel(buf, top):
        _scan_savedmodel(buf, top, result)
    elif lower.endswith("keras_metadata.pb"):
        result.format = "keras-savedmodel-metadata"
        _embedded_keras_configs(bytes(buf[:HDF5_SCAN_BYTES]), result, "keras_metadata")
    elif lower.endswith(".pb"):
        ops: dict[str, int] = {}
        try:
            _tf_graph(buf, 0, len(buf), ops)
        except _PBError:
            return
        if ops:
            result.format = "tensorflow-graphdef"
            result.framework = "tensorflow"
            _report_ops(ops, result)
    elif lower.endswith(".onnx"):
        result.format = "onnx"
        result.findings.append(finding(ModelFileMalformed, "ONNX model without a graph"))


def _looks_like_savedmodel(buf: memoryview, top: list[tuple[int, int, int, int]]) -> bool:
    """SavedModel by structure: a version varint and meta graphs holding a GraphDef."""
    if not any(n == 1 and w == 0 for n, w, _, _ in top):
        return False
    try:
        for number, wire, a, b in top:
            if number == 2 and wire == 2:
                return any(n2 == 2 and w2 == 2 for n2, w2, _, _ in _fields(buf, a, b))
    except _PBError:
        return False
    return False


def _scan_onnx(
    buf: memoryview, top: list[tuple[int, int, int, int]], result: ContainerResult
) -> None:
    result.format = "onnx"
    result.framework = "onnx"
    state: dict[str, Any] = {"domains": set(), "locations": [], "nodes": 0}
    try:
        for number, wire, a, b in top:
            if number == 8 and wire == 2:  # opset_import
                for n2, w2, a2, b2 in _fields(buf, a, b):
                    if n2 == 1 and w2 == 2:
                        state["domains"].add(_text(buf, a2, b2))
            elif number == 7 and wire == 2:
                _onnx_graph(buf, a, b, state, 0)
            elif number == 2 and wire == 2:
                result.properties["producer"] = _text(buf, a, b)[:80]
            elif number == 25 and wire == 2:  # functions
                _onnx_function(buf, a, b, state)
    except _PBError as exc:
        result.findings.append(finding(ModelFileMalformed, f"ONNX model: {exc}"))
    for domain in sorted(d for d in state["domains"] if d not in STANDARD_ONNX_DOMAINS):
        result.findings.append(
            finding(
                OnnxCustomOperator,
                f"ONNX model uses operators from the custom domain {domain!r}: a native "
                "library must be registered to run it",
                logical=f"opset.{domain}",
                evidence=domain[:200],
            )
        )
    for location in state["locations"]:
        if _escapes(location):
            result.findings.append(
                finding(
                    OnnxExternalDataEscape,
                    f"ONNX external data location {location!r} escapes the model folder",
                    logical=f"external_data.{location[:80]}",
                    evidence=location[:300],
                )
            )
    result.properties["nodes"] = state["nodes"]


def _escapes(location: str) -> bool:
    norm = location.replace("\\", "/")
    return (
        norm.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", norm))
        or ".." in norm.split("/")
        or "\x00" in norm
    )


def _onnx_graph(buf: memoryview, start: int, end: int, state: dict[str, Any], depth: int) -> None:
    if depth > 32:
        raise _PBError("subgraphs nested too deeply")
    for number, wire, a, b in _fields(buf, start, end):
        if wire != 2:
            continue
        if number == 1:
            _onnx_node(buf, a, b, state, depth)
        elif number in (5, 15):  # initializer, sparse_initializer
            _onnx_tensor(buf, a, b, state, sparse=number == 15)


def _onnx_node(buf: memoryview, start: int, end: int, state: dict[str, Any], depth: int) -> None:
    state["nodes"] += 1
    if state["nodes"] > 5_000_000:
        raise _PBError("more than 5,000,000 nodes")
    for number, wire, a, b in _fields(buf, start, end):
        if number == 7 and wire == 2:
            state["domains"].add(_text(buf, a, b))
        elif number == 5 and wire == 2:  # attribute
            for n2, w2, a2, b2 in _fields(buf, a, b):
                if (n2 == 6 and w2 == 2) or (n2 == 11 and w2 == 2):  # g
                    _onnx_graph(buf, a2, b2, state, depth + 1)
                elif n2 == 5 and w2 == 2:  # t (tensor)
                    _onnx_tensor(buf, a2, b2, state)


def _onnx_tensor(
    buf: memoryview, start: int, end: int, state: dict[str, Any], *, sparse: bool = False
) -> None:
    for number, wire, a, b in _fields(buf, start, end):
        if sparse and number in (1, 2) and wire == 2:
            _onnx_tensor(buf, a, b, state)
        elif number == 13 and wire == 2:  # external_data: StringStringEntryProto
            key = value = ""
            for n2, w2, a2, b2 in _fields(buf, a, b):
                if n2 == 1 and w2 == 2:
                    key = _text(buf, a2, b2)
                elif n2 == 2 and w2 == 2:
                    value = _text(buf, a2, b2)
            if key == "location":
                state["locations"].append(value)


def _onnx_function(buf: memoryview, start: int, end: int, state: dict[str, Any]) -> None:
    for number, wire, a, b in _fields(buf, start, end):
        if number == 7 and wire == 2:
            _onnx_node(buf, a, b, state, 1)
        elif number == 10 and wire == 2:
            state["domains"].add(_text(buf, a, b))


def _scan_savedmodel(
    buf: memoryview, top: list[tuple[int, int, int, int]], result: ContainerResult
) -> None:
    result.format = "tensorflow-savedmodel"
    result.framework = "tensorflow"
    ops: dict[str, int] = {}
    try:
        for number, wire, a, b in top:
            if number == 2 and wire == 2:  # meta_graphs
                for n2, w2, a2, b2 in _fields(buf, a, b):
                    if n2 == 2 and w2 == 2:  # graph_def
                        _tf_graph(buf, a2, b2, ops)
    except _PBError as exc:
        result.findings.append(finding(ModelFileMalformed, f"SavedModel: {exc}"))
    _report_ops(ops, result)


def _report_ops(ops: dict[str, int], result: ContainerResult) -> None:
    result.findings += check_savedmodel_ops(ops)
    result.properties["ops"] = len(ops)


def _tf_graph(buf: memoryview, start: int, end: int, ops: dict[str, int]) -> None:
    for number, wire, a, b in _fields(buf, start, end):
        if number == 1 and wire == 2:
            _tf_node(buf, a, b, ops)
        elif number == 2 and wire == 2:  # library
            for n2, w2, a2, b2 in _fields(buf, a, b):
                if n2 == 1 and w2 == 2:  # FunctionDef
                    for n3, w3, a3, b3 in _fields(buf, a2, b2):
                        if n3 == 3 and w3 == 2:  # node_def
                            _tf_node(buf, a3, b3, ops)


def _tf_node(buf: memoryview, start: int, end: int, ops: dict[str, int]) -> None:
    for number, wire, a, b in _fields(buf, start, end):
        if number == 2 and wire == 2:
            op = _text(buf, a, b)
            ops[op] = ops.get(op, 0) + 1


# -- model-hub JSON --------------------------------------------------------------------------

MAX_HUB_JSON = 16 * 1024 * 1024


#: Keys of a hub configuration that make a loader run or render something.
_LOADER_KEYS = (b'"auto_map"', b'"chat_template"', b'"class_name"')


def scan_hub_json(artifact: Artifact) -> Iterator[Emitted]:
    if artifact.size > MAX_HUB_JSON:
        yield _unparsed_hub_json(artifact, f"larger than {MAX_HUB_JSON} bytes")
        return
    try:
        data = json.loads(artifact.read())
    except RecursionError:
        yield _unparsed_hub_json(artifact, "nested deeper than the JSON parser goes")
        return
    except ValueError:  # not JSON at all: no loader reads it either
        return
    if not isinstance(data, dict):
        return
    if artifact.name == "config.json" and ("model_type" in data or "architectures" in data):
        yield _hub_component(artifact, data)
    auto_map = data.get("auto_map")
    if isinstance(auto_map, dict) and auto_map:
        refs = sorted(
            {
                str(v if isinstance(v, str) else v[0] if v else "")
                for v in auto_map.values()
                if isinstance(v, str | list)
            }
        )
        modules = sorted(
            {r.split("--")[-1].rsplit(".", 1)[0].replace(".", "/") + ".py" for r in refs if r}
        )
        foreign = sorted({r.split("--")[0] for r in refs if "--" in r})
        folder = artifact.path.rsplit("/", 1)[0] if "/" in artifact.path else ""
        model = f"model:{folder or artifact.path}"
        yield Fact("entry:model-hub", "provides", model, proof=artifact.path)
        yield Fact(model, "executes-on-load", "jewel:host-code-execution", proof=artifact.path)
        yield check_remote_code(auto_map, modules, foreign, folder)
    template = data.get("chat_template")
    sources: list[tuple[str, str]] = []
    if isinstance(template, str):
        sources.append(("chat_template", template))
    elif isinstance(template, list):
        for i, item in enumerate(template[:50]):
            if isinstance(item, dict) and isinstance(item.get("template"), str):
                sources.append((f"chat_template[{i}].template", item["template"]))
    result = ContainerResult()
    for logical, source in sources:
        _template_findings(result, source, logical=logical)
    if "class_name" in data and isinstance(data.get("config"), dict):
        result.findings += check_keras_config(data, logical="config")
    yield from result.findings


def _hub_component(artifact: Artifact, data: dict[str, Any]) -> Component:
    """A Hugging Face model folder, named after its folder, for the ML-BOM."""
    folder = artifact.path.rsplit("/", 2)
    name = folder[-2] if len(folder) >= 2 else artifact.name
    props: dict[str, Any] = {"format": "huggingface", "framework": "transformers"}
    architectures = data.get("architectures")
    if isinstance(architectures, list) and architectures and isinstance(architectures[0], str):
        props["architecture"] = architectures[0][:100]
    if isinstance(data.get("model_type"), str):
        props["architecture_family"] = data["model_type"][:100]
    version = data.get("transformers_version")
    if isinstance(version, str):
        props["transformers_version"] = version[:40]
    props["path"] = artifact.path
    return Component("machine-learning-model", name, properties=props)


def _unparsed_hub_json(artifact: Artifact, why: str) -> Finding:
    """A hub configuration the budget stopped: high when its bytes name a key a loader acts on
    (the part that matters was not read), low when they name none."""
    named = _names_loader_key(artifact)
    return finding(
        ModelFileMalformed,
        f"model configuration {artifact.name} is {why}, so it was not parsed"
        + (f"; it names {', '.join(named)}, which a loader acts on" if named else ""),
        severity=Severity.HIGH if named else Severity.LOW,
        evidence=f"{artifact.size} bytes",
    )


def _names_loader_key(artifact: Artifact) -> list[str]:
    """Loader keys in the raw bytes, read in chunks (a key cut by a chunk edge is still found)."""
    found: set[bytes] = set()
    overlap = max(len(k) for k in _LOADER_KEYS)
    with artifact.open() as fh:
        tail = b""
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            window = tail + chunk
            found.update(k for k in _LOADER_KEYS if k in window)
            tail = window[-overlap:]
    return [k.decode().strip('"') for k in _LOADER_KEYS if k in found]


def scan_template_file(artifact: Artifact) -> Iterator[Emitted]:
    """A Hugging Face ``chat_template.jinja``: the template alone, parsed and never rendered."""
    if artifact.size > MAX_HUB_JSON:
        return
    result = ContainerResult()
    _template_findings(result, artifact.text(), logical="chat_template")
    for item in result.findings:
        lines = [int(n) for n in re.findall(r"\(line (\d+)\)", item.evidence or item.message)]
        yield finding(
            item.rule,
            item.message,
            line=min(lines) if lines else None,
            logical=item.location.logical,
            evidence=item.evidence,
            remediation=item.remediation,
        )
