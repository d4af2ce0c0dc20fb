"""Rules about pickle streams, wherever they sit (raw, PyTorch, joblib, NumPy, nested), and the
checks that decide when each fires: the scanner runs the pickle machine once per stream and hands
each check the :class:`Stream` it saw."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

from outwork.analyzers.models import picklevm
from outwork.analyzers.models.context import PickleStream, Shipped
from outwork.analyzers.models.policy import Verdict, judge
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

MAX_DYNAMIC = 20
MAX_UNLISTED = 50

REMEDIATION = (
    "Do not load this file. Prefer safetensors/GGUF/ONNX, or load PyTorch files only with "
    "torch.load(..., weights_only=True) on PyTorch 2.6 or later."
)


class PickleDangerousCallable(Rule):
    """A pickle imports a callable known to run commands, code, files or the network on load.

    ## What it finds
    `GLOBAL`, `STACK_GLOBAL` and `INST` opcodes whose (module, name) matches the table of
    dangerous callables (`os.system`, `builtins.eval`, `runpy._run_code`, `pip.main`,
    `pydoc.locate`, `torch.utils.collect_env.run`, ...), whether named directly, through a dotted
    attribute chain or through a Python 2 alias. The opcode offset is the location. Headerless
    (protocol 0/1) streams are followed whatever the file's name, also when a long first
    literal (kilobytes of padding text) pushes the imports past any check of the file's head.

    ## Why it matters
    Unpickling imports and calls what the stream names: a model file that imports `os.system`
    runs a shell command the moment `torch.load`, `joblib.load` or `pickle.load` reads it.

    ## Example
    A `pytorch_model.bin` whose `data.pkl` holds `GLOBAL 'posix system'` followed by `REDUCE`.

    ## Remediation
    Do not load the file. Obtain the model in a format that cannot run code (safetensors, GGUF,
    ONNX) or from a publisher you trust, and report the artifact to the model hub.

    ## References
    - CWE-502: Deserialization of Untrusted Data
    - Python documentation, "pickle: Restricting Globals"
    - CVE-2025-1716 (`pip.main`), CVE-2025-10157 (`asyncio` subprocess transports) and the 2025
      picklescan gadget advisories (`runpy`, `bdb`, `timeit`, `cProfile`, `pkgutil.resolve_name`,
      `pydoc.locate`, `torch.utils.collect_env`, `numpy.f2py`, ...)
    - JFrog, ReversingLabs and Sonatype research on malicious models on Hugging Face (2024-2025)
    """

    code = "MDL001"
    name = "pickle-imports-dangerous-callable"
    layer = Layer.MDL
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (502, 94)
    attack = ("T1195.002", "T1059.006")
    inline_suppressible = False


class PickleUnlistedGlobal(Rule):
    """A pickle imports a global that is not among those the real frameworks emit.

    ## What it finds
    Any (module, qualified name) pair imported by a pickle that is not on the allowlist of
    globals emitted by PyTorch, NumPy, SciPy, scikit-learn, joblib, pandas and the standard
    containers. The policy is allowlist first: an unknown import is treated as dangerous until
    someone proves otherwise. The allowlist names what each module of those libraries *defines*
    (generated from the libraries by `scripts/models_allowlist.py`), so a standard-library class
    that a library module merely imports (`sklearn.datasets._covtype.GzipFile`, a socket
    listener, a temporary directory) is not allowed by its module's name. A library function
    is allowed as a reference inside an object's state (`FunctionTransformer(func=np.log1p)`)
    but not as something the stream calls while loading, directly or through a *call gadget*
    (an allowed callable that calls its argument, such as
    `numpy.random._pickle.__generator_ctor(name, ctor)`).

    ## Why it matters
    Denylists lose: picklescan alone took dozens of bypass advisories in 2025 for callables it had
    not listed (`pkgutil.resolve_name`, `timeit.timeit`, `cProfile.run`, ...). A model whose
    pickle imports something unexpected deserves a human look before it is loaded.

    Pickles that packages ship are graded by what they call: one whose every unlisted global is
    a module of the package that ships it can do nothing the package's own code cannot (the
    packages layer judges that code), so it is low; one in the package's tests or docs, which
    neither installing nor importing it reads, is medium. Known-dangerous callables (MDL001)
    keep their grade wherever they are.

    ## Example
    A checkpoint importing `mypackage.helpers.rebuild` or `functools.partial`.

    ## Remediation
    Check what the global does. If the model is yours, save only tensors (`state_dict`, then
    safetensors) so that loading imports nothing. Load untrusted PyTorch files only with
    `torch.load(..., weights_only=True)`.

    ## References
    - CWE-502: Deserialization of Untrusted Data
    - PyTorch documentation, "torch.load weights_only"
    """

    code = "MDL002"
    name = "pickle-imports-unlisted-global"
    layer = Layer.MDL
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Shipped.LOADED: Severity.HIGH,
        Shipped.NOT_LOADED: Severity.MEDIUM,
        Shipped.OWN_MODULES: Severity.LOW,
    }
    cwe = (502,)
    attack = ("T1195.002",)
    inline_suppressible = False


class PickleMalformed(Rule):
    """A pickle stream cannot be parsed to its end, so the file is not proven safe.

    ## What it finds
    Pickle streams that are truncated, use unknown opcodes, underflow the stack, reference memo
    slots never written, exceed budgets, or otherwise break. Everything before the break is still
    analysed and reported; this finding marks the part that could not be.

    ## Why it matters
    Loaders execute opcodes as they read them: a payload placed before a deliberate break runs
    even though the file "fails to load". The nullifAI models on Hugging Face (2025) used exactly
    this to slip past scanners that gave up on the error.

    ## Example
    A protocol-2 stream that imports `posix.system` and calls it with `REDUCE`, then carries an
    unknown opcode instead of `STOP`.

    ## Remediation
    Do not load the file. Download it again from its source and compare digests; a legitimate
    model has no reason to carry a broken pickle.

    ## References
    - CWE-502: Deserialization of Untrusted Data
    - CWE-20: Improper Input Validation
    - ReversingLabs, "Malicious ML models discovered on Hugging Face platform" (nullifAI, 2025)
    """

    code = "MDL003"
    name = "pickle-stream-malformed"
    layer = Layer.MDL
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        PickleStream.EXECUTES_CODE: Severity.HIGH,
        PickleStream.DATA_ONLY: Severity.MEDIUM,
    }
    cwe = (502, 20)
    inline_suppressible = False


class PickleDynamicOperation(Rule):
    """A pickle computes what it imports or calls, or mutates a global, instead of naming it.

    ## What it finds
    `STACK_GLOBAL` whose module or name is not a literal string, `REDUCE`/`NEWOBJ`/`OBJ` on a
    value that is not an imported global (calling the result of a call), a computed value handed
    to an allowed callable that calls its argument (a call gadget such as
    `numpy.random._pickle.__generator_ctor` or `copyreg._reconstructor`, listed in
    `data/pickle_call_gadgets.tsv`), `BUILD`, `APPEND` or `SETITEM` applied to an imported module
    or class itself, `EXT1/2/4` extension codes and out-of-band buffers, and nested payloads
    the reading's budget leaves unread (more than 4,096 nested pickles in one file, or nested
    deeper than three levels). The machine cannot know these values, and unknown is dangerous.

    ## Why it matters
    These are the building blocks of allowlist bypasses: fetch `getattr` through an allowed object,
    call what it returns, or overwrite a function in an allowed module so a later call runs
    attacker code. Framework-written pickles never do any of this.

    ## Example
    `BUILD` with state `{"join": ...}` on `GLOBAL 'os.path'`, or `STACK_GLOBAL` fed by the result of
    a call.

    ## Remediation
    Do not load the file; inspect it with a pickle disassembler (`python -m pickletools`) in a
    sandbox. Re-save models in a format that cannot run code.

    ## References
    - CWE-502: Deserialization of Untrusted Data
    - CWE-470: Use of Externally-Controlled Input to Select Classes or Code
    - Trail of Bits, "Never a dill moment: Exploiting machine learning pickle files" (2021)
    """

    code = "MDL004"
    name = "pickle-dynamic-operation"
    layer = Layer.MDL
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (502, 470)
    inline_suppressible = False


#: Rules whose findings mean that loading the stream runs code.
EXECUTES_CODE = (PickleDangerousCallable, PickleUnlistedGlobal, PickleDynamicOperation)


@dataclass(frozen=True, slots=True)
class Stream:
    """One pickle stream as the checks read it: its trace and where its findings point."""

    trace: picklevm.Trace
    #: The stream's imports, with those hidden in bytes joblib skips but a plain load runs.
    imports: tuple[picklevm.Import, ...]
    path: str
    prefix: str
    #: Not the file's first stream: a loader may never read it.
    later: bool
    #: Inside a TorchScript archive, whose loader allows its own globals.
    torchscript: bool

    def where(self, offset: int) -> str:
        return f"{self.prefix}pickle@0x{offset:x}"


def check_globals(stream: Stream) -> Iterator[Finding]:
    """MDL001 for each import the policy calls dangerous, MDL002 for each it does not list (the
    first MAX_UNLISTED one by one, the rest counted)."""
    called: dict[tuple[str, str], str] = {}
    for call in stream.trace.calls:
        via = call.opcode.partition(" via ")[2]
        called.setdefault(
            (call.module, call.name),
            f"through {via}: {call.args}" if via else f"with {call.args}",
        )
    unlisted = 0
    for imp in stream.imports:
        args = called.get((imp.module, imp.name))
        verdict = judge(
            imp.module, imp.name, torchscript=stream.torchscript, called=args is not None
        )
        if verdict.verdict is Verdict.ALLOWED:
            continue
        use = f", called {args}" if args is not None else ""
        full = f"{imp.module}.{imp.name}"
        evidence = f"{imp.opcode} {imp.module} {imp.name}{use}"
        props = {"module": imp.module, "name": imp.name, "opcode": imp.opcode}
        if verdict.verdict is Verdict.DANGEROUS:
            yield finding(
                PickleDangerousCallable,
                f"pickle imports {full}{use}: {verdict.reason}",
                path=stream.path,
                logical=stream.where(imp.offset),
                evidence=evidence,
                remediation=REMEDIATION,
                properties=props | {"matched": verdict.matched},
            )
        elif verdict.verdict is Verdict.UNLISTED:
            unlisted += 1
            if unlisted > MAX_UNLISTED:
                continue
            why = verdict.reason or (
                "which is not on the allowlist of globals that model frameworks emit"
            )
            yield finding(
                PickleUnlistedGlobal,
                f"pickle imports {full}{use}, {why}",
                path=stream.path,
                logical=stream.where(imp.offset),
                evidence=evidence,
                remediation=REMEDIATION,
                properties=props,
            )
    if unlisted > MAX_UNLISTED:
        yield finding(
            PickleUnlistedGlobal,
            f"pickle imports {unlisted - MAX_UNLISTED} more globals outside the allowlist "
            "(not listed one by one)",
            path=stream.path,
            logical=stream.where(stream.trace.start),
            remediation=REMEDIATION,
        )


def check_dynamic(stream: Stream) -> Iterator[Finding]:
    """MDL004 for each distinct dynamic operation, up to MAX_DYNAMIC."""
    seen: set[tuple[str, str]] = set()
    for dyn in stream.trace.dynamic:
        key = (dyn.opcode, dyn.detail)
        if key in seen or len(seen) >= MAX_DYNAMIC:
            continue
        seen.add(key)
        yield finding(
            PickleDynamicOperation,
            f"pickle {dyn.opcode}: {dyn.detail}",
            path=stream.path,
            logical=stream.where(dyn.offset),
            evidence=dyn.detail[:300],
            remediation=REMEDIATION,
        )


def check_unread_nested(stream: Stream, unread: int, read: int) -> Iterator[Finding]:
    """MDL004 once for nested payloads the budget leaves unread: a loader reads them all."""
    detail = (
        f"holds {unread} nested pickle or zip payload(s) beyond the {read} read per file "
        f"(or nested deeper than the reading goes); they are not analysed, and a loader that "
        f"unpickles them runs whatever they hold"
    )
    yield finding(
        PickleDynamicOperation,
        f"pickle {detail}",
        path=stream.path,
        logical=stream.where(stream.trace.start),
        evidence=detail[:300],
        remediation=REMEDIATION,
    )


def check_malformed(stream: Stream, context: PickleStream) -> Iterator[Finding]:
    """MDL003 at the stream's first break, as severe as what the file's streams do on load."""
    for err in stream.trace.errors[:1]:
        yield finding(
            PickleMalformed,
            f"pickle stream breaks at offset 0x{err.offset:x}: {err.message}; opcodes before "
            "the break still run when a loader reads the file",
            path=stream.path,
            logical=stream.where(err.offset),
            evidence=err.message[:300],
            severity=PickleMalformed.severity_in(context),
            confidence=Confidence.LOW if stream.later else None,
            remediation=REMEDIATION,
        )
