"""Analysing one model file: the implementation behind
:meth:`~outwork.analyzers.models.ModelAnalyzer.analyze`.

Kept out of the package's ``__init__`` so that learning the analyzer and its rules (every scan
does, whatever it selects) does not import the pickle machine, the format parsers and their
data tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from outwork.analyzers.models import containers, formats, picklevm, scanpickle
from outwork.analyzers.models.context import Shipped
from outwork.analyzers.models.formats import CODE_EXECUTION_CODES
from outwork.analyzers.models.rules.formats import ModelContainerAnomaly, ModelFileMalformed
from outwork.analyzers.models.rules.pickles import EXECUTES_CODE, PickleUnlistedGlobal
from outwork.analyzers.models.shipped import shipped_context
from outwork.analyzers.models.sniff import (
    PICKLE_PREFIX_BYTES,
    first_import_resolvable,
    hdf5_superblock,
    is_chat_template,
    pickle_prefix,
    sniff_compressed,
)
from outwork.core.analyzer import AnalysisContext, Component, Emitted
from outwork.core.artifact import Artifact, Kind, named_as_text
from outwork.core.budgets import Budgets
from outwork.core.findings import Fact, Finding, finding
from outwork.core.rules import Severity
from outwork.sources.reader import ArchiveError, advise, decompress, open_zip

#: Files above this size are identified by path unless the engine already hashed them: the
#: analyzer's cost follows the pickle stream, not the tensor bytes.
HASH_LIMIT = 16 * 1024 * 1024
#: Files up to this size are read whole (cheaper than a memory map) and hashed from memory.
SMALL_FILE = 1024 * 1024
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Where HDF5 readers look for a superblock behind a user block: 512, 1024, 2048, ...
HDF5_PROBES = tuple(512 << i for i in range(22))
#: Bytes at the end of a file where a zip reader looks for its end record (22 and a comment).
ZIP_TAIL = 65557


def _small_bytes(artifact: Artifact) -> bytes:
    """The bytes of an artifact held in memory or small enough to read whole (cheaper than a
    memory map), hashed from memory on the way."""
    data = artifact.read()
    if not artifact._digest and len(data) <= HASH_LIMIT:
        artifact.with_digest(hashlib.sha256(data).hexdigest())
    return data


def _is_small(artifact: Artifact) -> bool:
    return artifact.data is not None or not artifact.fs_path or artifact.size <= SMALL_FILE


@contextlib.contextmanager
def _buffer(artifact: Artifact) -> Iterator[memoryview]:
    """The artifact's bytes as a view: memory-mapped from disk, so only touched pages are read.

    The map is read at random: a model's headers are scattered (a zip's directory and local
    headers, a GGUF's tensor table, the polyglot probes), and each page touched with the
    kernel's default read-around pulls in the device's read-ahead (megabytes) with it. Parsers
    that read a stretch in order ask for it as a whole (:func:`~outwork.sources.reader.advise`).
    """
    if _is_small(artifact):
        yield memoryview(_small_bytes(artifact))
        return
    assert artifact.fs_path is not None
    with open(artifact.fs_path, "rb") as fh:  # noqa: PTH123 - a raw descriptor for mmap
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            yield memoryview(b"")
            return
        mm.madvise(mmap.MADV_RANDOM)
        view = memoryview(mm)
        try:
            yield view
        finally:
            view.release()
            with contextlib.suppress(BufferError):
                mm.close()


class _Analysis:
    def analyze(self, artifact: Artifact) -> Iterable[Emitted]:
        if artifact.kind is Kind.JSON:
            yield from formats.scan_hub_json(artifact)
            return
        if artifact.kind is Kind.TEXT and is_chat_template(artifact):
            yield from formats.scan_template_file(artifact)
            return
        result = containers.ContainerResult()
        if _is_small(artifact):  # most model files of a folder: no context to enter and leave
            self._dispatch(artifact, _small_bytes(artifact), result)
        else:
            with _buffer(artifact) as buf:
                self._dispatch(artifact, buf, result)
        if not result.format:
            return
        yield from result.findings
        graded = _graded(artifact.path, result.pickle.findings)
        yield from graded
        framework = result.framework or result.pickle.framework
        model = self._model_id(artifact)
        yield Fact("entry:model-hub", "provides", model, proof=artifact.path)
        dangerous = any(_runs_on_load(f) for f in graded) or _executes_code(result.findings)
        if dangerous:
            yield Fact(model, "executes-on-load", "jewel:host-code-execution", proof=artifact.path)
        props: dict[str, object] = {"format": result.format, "path": artifact.path}
        if framework:
            props["framework"] = framework
        if result.pickle.globals:
            props["pickle_globals"] = sorted(result.pickle.globals)[:200]
        props["findings"] = len(result.findings) + len(result.pickle.findings)
        props.update(result.properties)
        if model.startswith("model:sha256:"):
            props["sha256"] = model.removeprefix("model:sha256:")
        yield Component("machine-learning-model", artifact.name, properties=props)

    @staticmethod
    def _model_id(artifact: Artifact) -> str:
        if artifact.size <= HASH_LIMIT or artifact._digest:
            return f"model:sha256:{artifact.sha256()}"
        return f"model:{artifact.path}"

    def _dispatch(
        self, artifact: Artifact, data: bytes | memoryview, result: containers.ContainerResult
    ) -> None:
        """Read the file as its kind says. ``data`` is a small file's bytes or a large file's
        memory map; a pickle stream is read from the bytes themselves (their slices decode
        faster than a view's), everything else through a view."""
        buf = data if isinstance(data, memoryview) else memoryview(data)
        kind = artifact.kind
        head = bytes(buf[:16])
        if kind is Kind.PICKLE and sniff_compressed(head) is not None:
            # A compressed joblib stream whose bytes happen not to look binary is classified by
            # its name (.joblib): no pickle starts with a zlib, lz4 or lzma header, so open it.
            self._compressed(head, buf, result)
        if kind is Kind.PICKLE and not result.format:
            result.format = "pickle"
            advise(buf, mmap.MADV_NORMAL)  # a pickle stream is read in order from its start
            scanpickle.scan_stream(data, report=result.pickle)
            advise(buf, mmap.MADV_RANDOM)
            if result.pickle.legacy_torch:
                result.format = "pytorch-legacy"
        elif kind in (Kind.PYTORCH_ZIP, Kind.ZIP, Kind.KERAS, Kind.NUMPY_ZIP):
            self._zip(artifact, buf, result)
        elif kind is Kind.NUMPY:
            containers.scan_npy(buf, result)
        elif kind in (Kind.SAFETENSORS, Kind.GGUF, Kind.HDF5, Kind.ONNX) or (
            kind in (Kind.BINARY, Kind.TEXT) and artifact.name.lower().endswith(".pb")
        ):
            if kind is Kind.SAFETENSORS:
                formats.scan_safetensors(buf, result)
            elif kind is Kind.GGUF:
                formats.scan_gguf(buf, result)
            elif kind is Kind.HDF5:
                formats.scan_hdf5(buf, result)
            else:
                formats.scan_protobuf_model(buf, result, artifact.name)
        elif kind in (Kind.BINARY, Kind.TEXT):
            self._compressed(head, buf, result)
        if kind in (Kind.TEXT, Kind.BINARY) and not result.format:
            self._padded(buf, result, text=named_as_text(artifact.name.lower()))
        if kind in (Kind.TEXT, Kind.BINARY) and not result.format:
            at = hdf5_superblock(buf)
            if at is not None:  # an HDF5 file behind a user block, whatever its name
                formats.scan_hdf5(buf[at:], result)
                result.properties["hdf5_user_block"] = at
        if result.format and kind not in (Kind.PYTORCH_ZIP, Kind.ZIP, Kind.KERAS, Kind.NUMPY_ZIP):
            self._polyglot_zip(buf, result)
        if result.format and kind is not Kind.HDF5 and "hdf5_user_block" not in result.properties:
            self._polyglot_hdf5(buf, result)

    def _zip(self, artifact: Artifact, buf: memoryview, result: containers.ContainerResult) -> None:
        view = open_zip(buf, tolerant=True)
        names = view.names()
        if artifact.kind is Kind.KERAS or (
            "config.json" in names and any(n.endswith(".h5") or n == "metadata.json" for n in names)
        ):
            formats.scan_keras_zip(view, result)
        elif artifact.kind is Kind.NUMPY_ZIP or (names and all(n.endswith(".npy") for n in names)):
            if artifact.kind is Kind.NUMPY_ZIP or artifact.name.lower().endswith(".npz"):
                containers.scan_npz(view, result)
        elif artifact.kind is Kind.PYTORCH_ZIP or any(
            PurePosixPath(n).name in ("data.pkl", "constants.pkl") for n in names
        ):
            containers.scan_torch_zip(view, result)
        elif view.error and artifact.kind is not Kind.ZIP:
            result.format = artifact.kind.value
            result.findings.append(
                finding(ModelFileMalformed, f"model zip cannot be read: {view.error}")
            )

    @staticmethod
    def _polyglot_zip(buf: memoryview, result: containers.ContainerResult) -> None:
        """A model that is also a zip is scanned as both (zip readers look at the end)."""
        advise(buf, mmap.MADV_WILLNEED, len(buf) - ZIP_TAIL, ZIP_TAIL)
        tail = bytes(buf[-ZIP_TAIL:])
        if b"PK\x05\x06" not in tail:
            return
        view = open_zip(buf, tolerant=True)
        if view.error or not view.members:
            return
        inner = containers.ContainerResult()
        containers.scan_torch_zip(view, inner)
        result.findings.append(
            finding(
                ModelContainerAnomaly,
                f"file is both {result.format} and a zip archive (polyglot): loaders pick "
                "different parts of it",
                evidence=f"zip members: {', '.join(view.names()[:5])}",
            )
        )
        result.findings.extend(inner.findings)
        result.pickle.findings.extend(inner.pickle.findings)
        result.pickle.globals |= inner.pickle.globals

    @staticmethod
    def _polyglot_hdf5(buf: memoryview, result: containers.ContainerResult) -> None:
        """HDF5 readers look for the superblock at 0, 512, 1024, 2048, ... (a user block)."""
        probes = [at for at in HDF5_PROBES if at + 8 <= len(buf)]
        for at in probes:  # one request each, all in flight at once
            advise(buf, mmap.MADV_WILLNEED, at, 8)
        for at in probes:
            if bytes(buf[at : at + 8]) == HDF5_SIGNATURE:
                advise(buf, mmap.MADV_WILLNEED, at, formats.HDF5_SCAN_BYTES)
                inner = containers.ContainerResult()
                formats.scan_hdf5(buf[at:], inner)
                result.findings.append(
                    finding(
                        ModelContainerAnomaly,
                        f"file is both {result.format} and an HDF5 file (superblock at {at}): "
                        "loaders pick different parts of it",
                        logical=f"hdf5@0x{at:x}",
                    )
                )
                result.findings.extend(inner.findings)
                return

    @staticmethod
    def _padded(buf: memoryview, result: containers.ContainerResult, *, text: bool) -> None:
        """A headerless pickle whose first literal outruns every check of the file's head
        (8 KB of padding text, then the imports): decided from the whole stream, within the
        pickle machine's budgets. A stream that imports nothing is not a pickle anyone
        crafted, and is left alone. So is a file whose name says text (``text``) whose whole
        stream neither calls anything nor reaches its STOP: a loader handed it imports what
        its lines name (modules already on its path) and raises at the end, having run
        nothing the file chose (a CSV of ``cv.add`` lines reads as nothing but GLOBALs); a
        ``.csv`` that goes on to call something is judged as the pickle it is."""
        if not pickle_prefix(bytes(buf[:PICKLE_PREFIX_BYTES])) or not first_import_resolvable(buf):
            return
        if text:
            trace = picklevm.run(buf)
            if trace.end < 0 and not trace.calls and not trace.dynamic:
                return
        report = scanpickle.scan_stream(buf)
        if report.globals:
            result.format = "pickle"
            result.pickle = report

    @staticmethod
    def _compressed(head: bytes, buf: memoryview, result: containers.ContainerResult) -> None:
        kind = sniff_compressed(head)
        if kind is None:
            return
        try:
            head = decompress(kind, buf, limit=64)
            if head[:1] not in (b"\x80", b"c", b"(", b"]", b"}", b"i"):
                return  # compressed, but not a pickle: leave the binary alone
            advise(buf, mmap.MADV_NORMAL)  # the stream is read in order from its start
            data = decompress(kind, buf)
        except ArchiveError:
            return  # not a compressed stream after all
        finally:
            advise(buf, mmap.MADV_RANDOM)
        result.format = f"joblib-{kind}"
        result.framework = "joblib"
        scanpickle.scan_stream(data, report=result.pickle, path="", prefix=f"{kind}:")
        limit = Budgets().max_member_bytes
        if len(data) >= limit:
            result.findings.append(
                finding(
                    ModelFileMalformed,
                    f"decompressed stream exceeds {limit} bytes; the rest was not analysed",
                )
            )


def _graded(path: str, findings: list[Finding]) -> list[Finding]:
    """The pickle findings, MDL002 graded by where a package ships the pickle (see
    :mod:`~outwork.analyzers.models.shipped`)."""
    unlisted = [f for f in findings if f.rule is PickleUnlistedGlobal]
    if not unlisted:
        return findings
    context = shipped_context(path, unlisted)
    if context is Shipped.LOADED:
        return findings
    severity = PickleUnlistedGlobal.severity_in(context)
    return [
        replace(f, severity=severity) if f.rule is PickleUnlistedGlobal else f for f in findings
    ]


def _runs_on_load(item: Finding) -> bool:
    """Whether a pickle finding means loading the file runs code someone else chose (an
    unlisted global graded down is the package's own code, or is never loaded)."""
    if item.rule is PickleUnlistedGlobal:
        return item.severity >= Severity.HIGH
    return item.rule in EXECUTES_CODE


def _executes_code(findings: list[Finding]) -> bool:
    """Whether a container or format finding says loading runs code."""
    if not findings:
        return False
    return any(
        f.rule.code in CODE_EXECUTION_CODES and f.severity >= Severity.MEDIUM for f in findings
    )


_ANALYSIS = _Analysis()


def analyze(artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
    """Findings, facts and the ML-BOM component of one model file."""
    return _ANALYSIS.analyze(artifact)
