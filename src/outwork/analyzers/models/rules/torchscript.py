"""MDL007: a PyTorch archive that is a TorchScript program, and the check that grades it by the
operators its code calls (the container scanner reads the code members and hands them over)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.models.context import TorchScriptOps
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class TorchScriptCode(Rule):
    """A PyTorch archive is a TorchScript program: loading it runs its code.

    ## What it finds
    PyTorch zip archives with TorchScript members (`constants.pkl`, `bytecode.pkl`, `code/`). Before
    PyTorch 2.6, `torch.load(..., weights_only=True)` handed such archives to the TorchScript loader
    (CVE-2025-32434). Severity rises when the code calls file or operator-loading primitives
    (`aten::save`, `aten::from_file`, `torch.ops.load_library`).

    ## Why it matters
    TorchScript is code: its operators can read and write files, and memory-corruption bugs in the
    interpreter have turned archives into remote code execution.

    ## Example
    A `model.pt` with `code/__torch__.py` calling `torch.ops.aten.save`.

    ## Remediation
    Upgrade PyTorch to 2.6 or later, load untrusted checkpoints as state dictionaries only, and
    prefer safetensors.

    ## References
    - CWE-94: Improper Control of Generation of Code
    - CVE-2025-32434 (PyTorch torch.load weights_only bypass)
    """

    code = "MDL007"
    name = "torchscript-code-on-load"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        TorchScriptOps.FILE_OR_LIBRARY: Severity.HIGH,
        TorchScriptOps.ORDINARY: Severity.INFO,
    }
    cwe = (94, 502)
    inline_suppressible = False


#: Operators that read or write files or load native libraries.
_TORCHSCRIPT_RISKY = re.compile(
    rb"ops\.aten\.(save|from_file|_load_from_bytes)|aten::(save|from_file)|load_library"
    rb"|\bops\.(?!aten\b|prim\b|quantized\b|profiler\b)[A-Za-z_]\w*\.\w+"
)


def check_torchscript(names: list[str], code: Iterable[tuple[str, bytes]]) -> Iterator[Finding]:
    """MDL007 once per archive, on its constants (or first TorchScript member): high when a code
    member calls a file or library-loading operator, info otherwise."""
    risky: list[str] = []
    for name, text in code:
        match = _TORCHSCRIPT_RISKY.search(text)
        if match:
            risky.append(f"{name}: {match.group(0).decode('latin-1')}")
    first = next((n for n in names if n.endswith("constants.pkl")), names[0])
    if risky:
        yield finding(
            TorchScriptCode,
            "TorchScript archive whose code calls file or library-loading operators: "
            + "; ".join(risky[:5]),
            path=first,
            severity=TorchScriptCode.severity_in(TorchScriptOps.FILE_OR_LIBRARY),
            evidence="; ".join(risky[:5]),
        )
    else:
        yield finding(
            TorchScriptCode,
            "TorchScript archive: torch.jit.load (and torch.load before PyTorch 2.6, "
            "CVE-2025-32434) runs its code",
            path=first,
            severity=TorchScriptCode.severity_in(TorchScriptOps.ORDINARY),
            evidence=", ".join(names[:5]),
        )
