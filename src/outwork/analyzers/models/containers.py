"""Model containers that hold pickles: PyTorch zips, NumPy npy/npz, compressed joblib."""

from __future__ import annotations

import ast
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from outwork.analyzers.models.context import Divergence
from outwork.analyzers.models.rules.formats import (
    ModelContainerAnomaly,
    ModelFileMalformed,
    NumpyObjectArray,
)
from outwork.analyzers.models.rules.torchscript import check_torchscript
from outwork.analyzers.models.scanpickle import PickleReport, scan_stream
from outwork.analyzers.models.sniff import PICKLE_FIRST_OPCODES
from outwork.core.findings import Finding, finding
from outwork.sources.reader import ArchiveError, ZipArchive, ZipMember, open_zip

#: Bytes of a TorchScript code member searched for risky operators.
MAX_CODE_MEMBER = 4 * 1024 * 1024

#: Archives followed inside a PyTorch zip (a checkpoint inside a checkpoint).
MAX_ZIP_NESTING = 3
#: Bytes of a member no loader is expected to unpickle read to look for a pickle in it.
HIDDEN_PICKLE_BYTES = 4 * 1024 * 1024

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclass(slots=True)
class ContainerResult:
    """What one model file holds."""

    findings: list[Finding] = field(default_factory=list)
    pickle: PickleReport = field(default_factory=PickleReport)
    format: str = ""
    framework: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def _anomalies(view: ZipArchive, result: ContainerResult, path: str = "") -> None:
    for text in dict.fromkeys(view.anomalies):
        result.findings.append(
            finding(
                ModelContainerAnomaly,
                f"zip container anomaly: {text}",
                evidence=text[:300],
                path=path.removesuffix("!/"),
            )
        )


def _pickle_by_name(name: str) -> bool | None:
    """Whether a member is a pickle by its name alone; None when its first bytes decide."""
    lower = name.lower()
    if lower.endswith(("pkl", ".pickle")):
        return True
    if "/data/" in f"/{lower}" or lower.endswith(("/version", "byteorder")):
        return False
    return None


def scan_torch_zip(
    view: ZipArchive, result: ContainerResult, *, prefix: str = "", depth: int = 0
) -> None:
    """Every member a loader may unpickle, TorchScript constants/bytecode included, read from
    the zip as PyTorch's loader reads it (``view``, opened ``tolerant``); also pickles in
    members no loader is expected to unpickle (any folder, storage records) and archives
    nested in the archive, whose paths carry ``prefix``."""
    result.format = result.format or "pytorch-zip"
    result.framework = "pytorch"
    if view.error:
        result.findings.append(
            finding(ModelFileMalformed, f"model zip cannot be read: {view.error}", path=prefix)
        )
        return
    torchscript = [
        e.name
        for e in view.members
        if e.name.rsplit("/", 1)[-1] in ("constants.pkl", "bytecode.pkl")
        or "/code/" in f"/{e.name}"
    ]
    for entry in view.members:
        name = entry.name
        by_name = _pickle_by_name(name)  # the member's first bytes are read only when needed
        if by_name is True:
            _pickle_member(view, entry, result, prefix, torchscript=bool(torchscript))
        elif by_name is None or "/data/" in f"/{name.lower()}":
            _other_member(view, entry, result, prefix, depth)
    _anomalies(view, result, prefix)
    if torchscript and depth == 0:
        _torchscript(view, torchscript, result)
    if depth == 0:
        result.properties["members"] = len(view.members)


def _read_member(
    view: ZipArchive, entry: ZipMember, result: ContainerResult, path: str
) -> bytes | None:
    limit = view.budgets.max_member_bytes
    if entry.file_size > limit:
        result.findings.append(
            finding(
                ModelFileMalformed,
                f"pickle member is larger than {limit} bytes and was not read",
                path=path,
            )
        )
        return None
    try:
        return view.read(entry)
    except ArchiveError as exc:
        result.findings.append(
            finding(ModelFileMalformed, f"pickle member cannot be read: {exc}", path=path)
        )
        return None


def _pickle_member(
    view: ZipArchive, entry: ZipMember, result: ContainerResult, prefix: str, *, torchscript: bool
) -> None:
    """A member a loader unpickles: every stream in it (``torch.load`` reads the first, a
    loop of ``pickle.load`` reads them all)."""
    path = prefix + entry.name
    data = _read_member(view, entry, result, path)
    if data is None:
        return
    member = scan_stream(data, path=path, torchscript=torchscript)
    result.pickle.absorb(member)
    if member.streams > 1:
        result.findings.append(
            finding(
                ModelContainerAnomaly,
                f"{member.streams} pickle streams follow one another in a member torch.load "
                "reads one stream of: a loader that reads on runs the others",
                path=path,
                severity=ModelContainerAnomaly.severity_in(Divergence.HIDDEN_CODE),
            )
        )


def _other_member(
    view: ZipArchive, entry: ZipMember, result: ContainerResult, prefix: str, depth: int
) -> None:
    """A member not named as a pickle: a pickle by its header, a headerless pickle that
    imports something, a pickle in a storage record, or a nested archive."""
    path = prefix + entry.name
    storage = "/data/" in f"/{entry.name.lower()}"
    head = view.head(entry, 4)
    if head[:1] == b"\x80" and len(head) >= 2 and 2 <= head[1] <= 5 and not storage:
        _pickle_member(view, entry, result, prefix, torchscript=False)
        return
    if head.startswith(b"PK\x03\x04") and depth < MAX_ZIP_NESTING:
        data = _read_member(view, entry, result, path)
        if data is not None:
            _hidden(result, path, "an archive nested in the archive: a loader handed it opens it")
            scan_torch_zip(
                open_zip(data, tolerant=True), result, prefix=f"{path}!/", depth=depth + 1
            )
        return
    if not head or (storage and not (head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5)):
        return
    if not storage and head[0] not in PICKLE_FIRST_OPCODES:
        return
    if entry.name.endswith(".py") or "/code/" in f"/{entry.name}":
        return  # TorchScript source: its operators are checked as code
    data = view.head(entry, HIDDEN_PICKLE_BYTES)
    found = scan_stream(data, path=path)
    codes = {f.rule.code for f in found.findings}
    if not found.globals or ("MDL003" in codes and "MDL001" not in codes):
        return  # bytes that merely start like a pickle (text, tensor data)
    where = "a storage record, which torch.load reads as tensor bytes" if storage else "a member"
    _hidden(result, path, f"a pickle stream in {where} no loader is expected to unpickle")
    result.pickle.absorb(found)


def _hidden(result: ContainerResult, path: str, what: str) -> None:
    result.findings.append(
        finding(
            ModelContainerAnomaly,
            f"{what}: another reader of the file runs what the expected loader skips",
            path=path,
            severity=ModelContainerAnomaly.severity_in(Divergence.HIDDEN_CODE),
        )
    )


def _torchscript(view: ZipArchive, names: list[str], result: ContainerResult) -> None:
    result.format = "torchscript"
    result.findings += check_torchscript(names, _code_members(view, names))


def _code_members(view: ZipArchive, names: list[str]) -> Iterator[tuple[str, bytes]]:
    """The TorchScript code members (``.py``), each read up to MAX_CODE_MEMBER, one at a time."""
    for entry in view.members:
        if entry.name in names and entry.name.endswith(".py"):
            code = view.head(entry, MAX_CODE_MEMBER)
            yield entry.name, code


_NPY_MAGIC = b"\x93NUMPY"


def scan_npy(buf: memoryview, result: ContainerResult, *, path: str = "") -> None:
    result.format = result.format or "numpy"
    result.framework = result.framework or "numpy"
    try:
        header, data_start = _npy_header(buf)
    except ValueError as exc:
        result.findings.append(finding(ModelFileMalformed, f"NumPy file header: {exc}", path=path))
        return
    descr = header.get("descr")
    if _descr_has_object(descr):
        result.findings.append(
            finding(
                NumpyObjectArray,
                f"NumPy array of Python objects (descr {descr!r}): numpy.load needs "
                "allow_pickle=True and unpickles the payload",
                path=path,
                logical="npy-header",
                evidence=f"descr={descr!r}",
            )
        )
        scan_stream(buf, path=path, start=data_start, stacked=False, report=result.pickle)


def _npy_header(buf: memoryview) -> tuple[dict[str, Any], int]:
    if bytes(buf[:6]) != _NPY_MAGIC or len(buf) < 10:
        raise ValueError("not a .npy file (bad magic)")
    major = buf[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", buf[8:10])
        start = 10
    elif major in (2, 3):
        if len(buf) < 12:
            raise ValueError("truncated header")
        (hlen,) = struct.unpack("<I", buf[8:12])
        start = 12
    else:
        raise ValueError(f"unknown format version {major}")
    if hlen > 1_000_000 or start + hlen > len(buf):
        raise ValueError(f"header length {hlen} runs past the file")
    text = bytes(buf[start : start + hlen]).decode("latin-1")
    try:
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        # without the node's memory address, so the same file gives the same finding (and
        # fingerprint) on every run
        reason = _ADDRESS.sub("", str(exc))
        raise ValueError(f"header is not a Python literal: {reason}") from None
    if not isinstance(header, dict) or "descr" not in header:
        raise ValueError("header is not a dict with 'descr'")
    return header, start + hlen


def _descr_has_object(descr: object) -> bool:
    if isinstance(descr, str):
        return descr.lstrip("|<>=").startswith("O")
    if isinstance(descr, list | tuple):
        return any(_descr_has_object(part) for part in descr)
    return False


def scan_npz(view: ZipArchive, result: ContainerResult) -> None:
    """The arrays of an npz (``view``, opened ``tolerant``) that hold Python objects."""
    result.format = "numpy-zip"
    result.framework = "numpy"
    if view.error:
        result.findings.append(finding(ModelFileMalformed, f"npz cannot be read: {view.error}"))
        return
    for entry in view.members:
        head = view.head(entry, 4096)
        if not head.startswith(_NPY_MAGIC):
            continue
        try:
            header, _ = _npy_header(memoryview(head))
        except ValueError:
            header = {"descr": "O"}  # cannot tell from the head: read the member whole
        if not _descr_has_object(header.get("descr")):
            continue
        try:
            data = view.read(entry)
        except ArchiveError as exc:
            result.findings.append(
                finding(ModelFileMalformed, f"npz member cannot be read: {exc}", path=entry.name)
            )
            continue
        scan_npy(memoryview(data), result, path=entry.name)
    _anomalies(view, result)
