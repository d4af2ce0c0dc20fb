"""Turn what the pickle machine saw into findings, following nested payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from outwork.analyzers.models import picklevm
from outwork.analyzers.models.context import PickleStream
from outwork.analyzers.models.policy import Verdict, judge
from outwork.analyzers.models.rules.formats import ModelContainerAnomaly
from outwork.analyzers.models.rules.pickles import (
    EXECUTES_CODE,
    Stream,
    check_dynamic,
    check_globals,
    check_malformed,
    check_unread_nested,
)
from outwork.analyzers.models.screen import screen
from outwork.core.findings import Finding, finding
from outwork.sources.reader import ArchiveError, open_zip

#: Magic number of the legacy (pre-1.6) PyTorch serialisation: five stacked pickles.
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_TORCH_STREAMS = 5
MAX_NESTING = 3
#: Nested payloads read per file, at every depth (a pickled ``nn.Module`` holds one legacy
#: ``torch.save`` stream per tensor storage); the rest are reported (MDL004), never dropped.
NESTED_READ = 4096
#: Bytes of a pickle member read from a PyTorch zip nested inside a pickle.
NESTED_PICKLE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class PickleReport:
    """What the pickle streams of one file do."""

    findings: list[Finding] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)
    framework: str | None = None
    legacy_torch: bool = False
    #: Pickle streams followed one after the other at the top level.
    streams: int = 0
    #: Nested payloads read so far, at every depth (see :data:`NESTED_READ`).
    nested_read: int = 0

    def absorb(self, other: PickleReport) -> None:
        """Add what another stream's report found (a member of a container)."""
        self.findings += other.findings
        self.globals |= other.globals
        self.framework = self.framework or other.framework

    @property
    def executes_code(self) -> bool:
        return any(f.rule in EXECUTES_CODE for f in self.findings)


def _loc(prefix: str, offset: int) -> str:
    return f"{prefix}pickle@0x{offset:x}"


def scan_stream(
    buf: bytes | memoryview,
    *,
    path: str = "",
    prefix: str = "",
    start: int = 0,
    stacked: bool = True,
    depth: int = 0,
    report: PickleReport | None = None,
    torchscript: bool = False,
) -> PickleReport:
    """Analyse the pickle stream(s) starting at ``start``; findings carry ``path`` and offsets."""
    report = report or PickleReport()
    if depth == 0 and _plain(buf, start, report, stacked=stacked, torchscript=torchscript):
        return report
    traces = list(picklevm.run_all(buf, start, max_streams=64 if stacked else 1))
    if traces and _is_legacy_magic(traces[0].result):
        report.legacy_torch = True
        report.framework = "pytorch"
        traces = traces[:LEGACY_TORCH_STREAMS]
        if len(traces) < LEGACY_TORCH_STREAMS and traces[-1].complete:
            pos = traces[-1].end
            for _ in range(LEGACY_TORCH_STREAMS - len(traces)):
                more = picklevm.run(buf, pos)
                traces.append(more)
                if not more.complete:
                    break
                pos = more.end
    if depth > 0 and traces and not traces[0].complete and not traces[0].imports:
        return report  # bytes that merely start like a pickle: not a nested payload
    if stacked and depth == 0 and not report.legacy_torch and traces and traces[-1].complete:
        _trailing(buf, traces, report, path, prefix)
    if depth == 0:
        report.streams += len(traces)
    for index, trace in enumerate(traces):
        _report_trace(
            buf, trace, report, path, prefix, depth, later=index > 0, torchscript=torchscript
        )
    return report


def _plain(
    buf: bytes | memoryview,
    start: int,
    report: PickleReport,
    *,
    stacked: bool,
    torchscript: bool,
) -> bool:
    """Whether the stream is one the machine would find nothing in but allowed imports (see
    :mod:`~outwork.analyzers.models.screen`); then its imports are reported as the machine's
    would be. Anything else (another stream or data after STOP, legacy PyTorch's magic
    number, an import the policy does not allow as the stream uses it) is left to the machine."""
    plain = screen(buf, start)
    if plain is None or plain.result == LEGACY_TORCH_MAGIC:
        return False
    if stacked and bytes(buf[plain.end :]).strip(b"\x00 \r\n\t"):
        return False
    for imp in plain.imports:
        called = (imp.module, imp.name) in plain.called
        verdict = judge(imp.module, imp.name, torchscript=torchscript, called=called).verdict
        if verdict is not Verdict.ALLOWED:
            return False
    for imp in plain.imports:
        report.globals.add(f"{imp.module}.{imp.name}")
        _framework_hint(report, imp.module)
    report.streams += 1
    return True


def _trailing(
    buf: bytes | memoryview,
    traces: list[picklevm.Trace],
    report: PickleReport,
    path: str,
    prefix: str,
) -> None:
    """Bytes after the last STOP: another stream (protocol 0/1 has no header) or hidden data."""
    end = traces[-1].end
    rest = len(buf) - end
    if rest <= 0 or not bytes(buf[end:]).strip(b"\x00 \r\n\t"):
        return
    more = picklevm.run(buf, end, max_ops=1_000_000)
    if more.complete or more.imports:
        traces.append(more)  # a stream, even a broken one: what it imports before the break runs
    if more.complete:
        return
    report.findings.append(
        finding(
            ModelContainerAnomaly,
            f"{rest} bytes follow the pickle's STOP opcode: a loader that reads on (several "
            "pickle.load calls, or another format's reader) sees data scanners skip",
            path=path,
            logical=_loc(prefix, end),
            evidence=repr(bytes(buf[end : end + 32])),
        )
    )


def _is_legacy_magic(value: object) -> bool:
    return isinstance(value, picklevm.Lit) and value.value == LEGACY_TORCH_MAGIC


def _report_trace(
    buf: bytes | memoryview,
    trace: picklevm.Trace,
    report: PickleReport,
    path: str,
    prefix: str,
    depth: int,
    *,
    later: bool,
    torchscript: bool = False,
) -> None:
    imports = list(trace.imports)
    if trace.skipped:
        imports += _hidden_in_skipped(buf, trace)
    for imp in imports:
        report.globals.add(f"{imp.module}.{imp.name}")
        _framework_hint(report, imp.module)
    stream = Stream(trace, tuple(imports), path, prefix, later=later, torchscript=torchscript)
    report.findings += check_globals(stream)
    report.findings += check_dynamic(stream)
    executes = PickleStream.EXECUTES_CODE if report.executes_code else PickleStream.DATA_ONLY
    report.findings += check_malformed(stream, executes)
    unread = trace.nested_dropped
    for nested in trace.nested:
        if depth >= MAX_NESTING or report.nested_read >= NESTED_READ:
            unread += 1
            continue
        report.nested_read += 1
        if nested.data[:4] == b"PK\x03\x04":
            _nested_zip(nested, report, path, f"{_loc(prefix, nested.offset)}/", depth)
            continue
        scan_stream(
            nested.data,
            path=path,
            prefix=f"{_loc(prefix, nested.offset)}/",
            stacked=False,
            depth=depth + 1,
            report=report,
            torchscript=torchscript,
        )
    if unread:
        report.findings += check_unread_nested(stream, unread, NESTED_READ)


def _nested_zip(
    nested: picklevm.Nested, report: PickleReport, path: str, prefix: str, depth: int
) -> None:
    """A PyTorch zip handed to ``torch.load`` from inside a pickle: scan its pickle members."""
    view = open_zip(nested.data, tolerant=True)
    for entry in view.members:
        if not entry.name.lower().endswith("pkl"):
            continue
        try:
            member = view.read(entry, NESTED_PICKLE_BYTES)
        except ArchiveError:
            continue
        scan_stream(
            member,
            path=path,
            prefix=f"{prefix}{entry.name}!",
            stacked=False,
            depth=depth + 1,
            report=report,
        )


#: The opcodes that import a global: GLOBAL, INST, STACK_GLOBAL.
_IMPORT_OPCODE = re.compile(rb"[ci\x93]")


def _hidden_in_skipped(buf: bytes | memoryview, trace: picklevm.Trace) -> list[picklevm.Import]:
    """A plain ``pickle.load`` reads joblib's raw array bytes as opcodes: look there too.

    Only dangerous imports count, so that ordinary array bytes never raise false alarms. An
    import's offset is its opcode's (GLOBAL, INST, STACK_GLOBAL): where none of those bytes
    occurs in the array bytes, the plain reading cannot import anything there, and is skipped.
    """
    if not any(_IMPORT_OPCODE.search(buf, begin, end) for begin, end in trace.skipped):
        return []
    if trace.fork is not None:  # the plain reading is joblib's up to the first array
        plain = picklevm.resume(buf, trace.fork, max_ops=200_000)
    else:
        plain = picklevm.run(buf, trace.start, joblib=False, max_ops=200_000)
    out = []
    for imp in plain.imports:
        inside = any(a <= imp.offset < b for a, b in trace.skipped)
        if inside and judge(imp.module, imp.name).verdict is Verdict.DANGEROUS:
            out.append(imp)
    return out


_FRAMEWORKS = {
    "torch": "pytorch",
    "sklearn": "scikit-learn",
    "joblib": "joblib",
    "numpy": "numpy",
    "pandas": "pandas",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
}


def _framework_hint(report: PickleReport, module: str) -> None:
    if report.framework:
        return
    hint = _FRAMEWORKS.get(module.split(".", 1)[0])
    if hint:
        report.framework = hint
