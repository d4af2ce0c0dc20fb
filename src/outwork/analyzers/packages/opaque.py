"""Opaque carriers opened: archives named as other files, and the strings of native executables.

The package reader keeps, within a budget, the bytes of the members worth opening
(:func:`worth_keeping`); :func:`analyze` opens each archive through the sources' bounded reader
and scans its Python modules as the package's own code (they run when the package's code
imports them through ``zipimport`` or ``sys.path``), and reads the printable strings of native
executables for channel destinations and fetch-and-run commands. Nothing is extracted, loaded
or run.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from outwork.analyzers.packages import destinations
from outwork.analyzers.packages.pyscan import PythonScanner
from outwork.analyzers.packages.rules.base import Variant, When
from outwork.analyzers.packages.rules.carriers import OpaqueCarrier
from outwork.analyzers.packages.rules.persistence import FETCH_AND_RUN
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.core.artifact import Kind, classify
from outwork.core.budgets import Budgets
from outwork.sources.reader import ArchiveError, iter_members

#: Bytes kept of one carrier, and of all carriers of one package.
MEMBER_BYTES = 4 * 1024 * 1024
PACKAGE_BYTES = 24 * 1024 * 1024
#: Names under which a zip archive is what it says: archives, and formats built on zip
#: (Office and OpenDocument files, Java and Android archives, model and array files, browser
#: and editor extensions).
ZIP_NAMES = re.compile(
    r"\.(zip|whl|egg|pyz|pex|jar|war|ear|aar|apk|ipa|xpi|crx|vsix|nupkg|docx|xlsx|pptx|"
    r"docm|xlsm|odt|ods|odp|epub|npz|pt|pth|pts|ptl|mar|keras|kmz|3mf|usdz|sketch|xmind|"
    r"mlmodel|mlpackage|tflite|onnx|msix|appx|gz|tgz|bz2|xz|zst|tar|7z)$",
    re.IGNORECASE,
)
EXECUTABLES = frozenset({Kind.ELF, Kind.PE, Kind.MACHO})
_STRINGS = re.compile(rb"[\x20-\x7e]{6,}")
_PYTHON = (".py", ".pyw")
#: Carriers opened inside carriers, at most.
_MAX_DEPTH = 3
#: Inner members read whole from a carrier, at most.
_INNER_BYTES = 4 * 1024 * 1024


def worth_keeping(kind: Kind, name: str) -> bool:
    """Whether a member's content is opened: a zip archive named as something else, or a
    native executable."""
    lower = PurePosixPath(name).name.lower()
    return (kind is Kind.ZIP and not ZIP_NAMES.search(lower)) or kind in EXECUTABLES


def analyze(carriers: dict[str, bytes], *, source_package: bool, pure: bool) -> list[Signal]:
    """Signals of the kept carriers: the code inside disguised archives, and the strings of
    executables (high in a source package, a pure one or under a false name)."""
    signals: list[Signal] = []
    for member, data in carriers.items():
        kind = classify(data[:8192], PurePosixPath(member).name.lower(), len(data))
        if kind is Kind.ZIP:
            signals.extend(_archive(member, data))
        elif kind in EXECUTABLES:
            disguised = not _honest_executable(member)
            variant = (
                OpaqueCarrier.EXECUTABLE_STRINGS
                if source_package or pure or disguised
                else OpaqueCarrier.MODULE_STRINGS
            )
            signals.extend(_strings(member, data, variant))
    return signals


def _archive(member: str, data: bytes, depth: int = 0) -> list[Signal]:
    """A zip named as another file: its modules scanned as import-time code of the package. A
    carrier that cannot be read to its end (corrupt, truncated at the kept bytes, stopped by
    a budget) is reported with the reason; what was read before is analysed."""
    signals: list[Signal] = []
    code: list[str] = []
    try:
        for inner in iter_members(data, Budgets(), path=member):
            if not inner.regular or inner.encrypted:
                continue
            content = inner.read(_INNER_BYTES)
            name = inner.name
            path = f"{member}!/{name}"
            kind = classify(content[:8192], PurePosixPath(name).name.lower(), len(content))
            if name.lower().endswith(_PYTHON) or kind is Kind.PYTHON:
                code.append(name)
                text = content.decode("utf-8", "replace")
                signals.extend(PythonScanner(text, path, Context.IMPORT).run())
            elif kind in EXECUTABLES:
                code.append(name)
                signals.extend(_strings(path, content, OpaqueCarrier.EXECUTABLE_STRINGS))
            elif name.lower().endswith(".pyc"):
                code.append(name)
            elif kind is Kind.ZIP and depth < _MAX_DEPTH:
                # a carrier inside a carrier: opened the same way, to a bounded depth
                inner_signals = _archive(path, content, depth + 1)
                signals.extend(inner_signals)
                if any(s.rule is OpaqueCarrier for s in inner_signals):
                    code.append(name)
            elif kind is Kind.ZIP:
                code.append(name)
                signals.append(
                    _signal(
                        OpaqueCarrier.UNREADABLE,
                        f"archive nested {depth + 2} deep inside a carrier, not opened",
                        path,
                        "zip inside zips named as other files",
                    )
                )
    except ArchiveError as exc:  # BudgetStop and ArchiveStop included
        signals.append(
            _signal(
                OpaqueCarrier.UNREADABLE,
                f"zip archive named as a {_suffix(member)} file could not be read completely"
                f" ({len(data):,} bytes kept): {exc}",
                member,
                str(exc)[:200],
            )
        )
    if code:
        signals.append(
            _signal(
                OpaqueCarrier.DISGUISED_ARCHIVE,
                f"zip archive named as a {_suffix(member)} file holds code ({len(code)} of its"
                f" members: {', '.join(code[:5])})",
                member,
                "content starts with the zip signature PK\\x03\\x04",
            )
        )
    return signals


def _suffix(member: str) -> str:
    return PurePosixPath(member).suffix or "extension-less"


def _strings(member: str, data: bytes, variant: Variant) -> list[Signal]:
    """The printable strings of an executable, searched for a channel destination or a
    fetch-and-run command (the first one found is the evidence)."""
    blob = b"\n".join(_STRINGS.findall(data)).decode("ascii")
    found = destinations.weighed("channel").search(blob)
    what = ""
    if found is not None:
        what = destinations.describe([_line_at(blob, found.start())])
    else:
        found = FETCH_AND_RUN.search(blob)
        what = "a fetch-and-run command"
    if found is None:
        return []
    message = f"native executable's strings name {what}"
    return [_signal(variant, message, member, clip(_line_at(blob, found.start())))]


def _line_at(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end >= 0 else len(text)]


def _honest_executable(member: str) -> bool:
    lower = PurePosixPath(member).name.lower()
    return (
        re.search(r"\.(so|dll|exe|dylib|pyd|node|bin|o|a|lib)(\.\d+)*$", lower) is not None
        or "." not in lower
    )


def _signal(variant: Variant, message: str, member: str, evidence: str) -> Signal:
    return Signal(
        variant.rule,
        variant.severity_in(When.IMPORT),
        message,
        member,
        None,
        evidence,
        Context.IMPORT,
    )
