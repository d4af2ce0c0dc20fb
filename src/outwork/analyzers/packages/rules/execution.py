"""PKG004: code decoded from base64, hex, zlib, lzma, bz2, marshal or XOR is executed.

The checks: what ``exec``, ``eval`` and ``compile`` run (text decoded statically is analysed
again as a layer of its own, by every check), what ``marshal.loads`` and ``pickle.loads`` load,
and, for code that does not parse, its lines searched as text.
"""

from __future__ import annotations

import ast
import base64
import binascii
import re
from collections import Counter
from collections.abc import Callable, Sequence

from outwork.analyzers.packages import syntax
from outwork.analyzers.packages.facts import CallSite, Facts
from outwork.analyzers.packages.pickled import own_objects, read_pickle
from outwork.analyzers.packages.rules import (
    commands,
    credentials,
    download,
    network,
    obfuscation,
)
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import Context, Signal, clip
from outwork.core.fold import Folder, Marshalled, Ref, looks_like_text, marshal_strings
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

_UNPARSABLE_DECODE = re.compile(r"\b(exec|eval)\s*\(.*(b64decode|decompress|fromhex|marshal)")


class ObfuscatedCodeExecution(BehaviourRule):
    """Code decoded from base64, hex, zlib, lzma, bz2, marshal or XOR is executed.

    ## What it finds
    `exec`, `eval` and `compile` of values that only exist after decoding, and `marshal.loads`
    of embedded code objects. The decoded layers are decoded statically (never run) within a
    budget and analysed again; what they do is reported through the other rules. A decoded
    layer analysed whole (every statement of it, its functions graded as running where the
    `exec` runs) that is a module only defining names (imports, functions, classes, constants,
    a script's `__main__` block; decorators calls of its own functions) and in which no rule
    finds anything high is a module kept encoded and run into the namespace (an installer
    that carries its own source): medium from import code, high at install. An `exec` below
    a statement of the module's top level that certainly raises is never reached: a decoder
    handed constants it rejects (a template's placeholder, `b64decode("@SOURCE@")`, that a
    build replaces in the copy it installs), the constants bound once, by literals at the top
    level, with nothing above rewriting the namespace (`globals()`, `exec`, `sys.modules`).
    A pickle
    literal handed to `pickle.loads` is read (never loaded): one whose every import is a name
    of the package's own modules, that names no standard-library module among its strings and
    no name of the standard library's process, file or code-running modules, rebuilds the
    package's own objects (a test that an old pickle format still loads) and is medium; any other
    literal, or one that cannot be followed to its end, is an embedded load.

    ## Why it matters
    Legitimate libraries have no reason to hide their code from the reader. Encoding layers are
    how malicious packages slip past reviewers and signature scanners.

    ## Example
    ```python
    exec(zlib.decompress(base64.b64decode("eJzLz...")))
    ```

    ## Remediation
    Do not install the package. Read the decoded layers in the finding's evidence.

    ## References
    - MITRE ATT&CK T1027 (Obfuscated Files or Information)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG004"
    name = "obfuscated-code-execution"
    layer = Layer.PKG
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (506, 95)
    attack = ("T1027", "T1140")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    DECODED = Variant("runs code decoded statically, or a marshalled code object", C, C, C, H)
    #: a module kept encoded and run into the namespace (an installer carrying its own source):
    #: every statement of it is analysed as running where the exec runs, and what it does is
    #: graded by the other rules; hiding it from the reader is what is left
    DECODED_MODULE = Variant(
        "runs a module decoded statically that only defines names, in which no check finds"
        " anything high",
        H,
        M,
        M,
        L,
    )
    DECODED_FLOW = Variant("runs data that flowed through a decoder", C, H, H, M)
    EMBEDDED_LOAD = Variant("loads embedded code or objects", C, H, H, H)
    #: medium, not low: the re-export check knows the standard library's process, file and
    #: code-running modules only, so a gadget re-exported from another module (``pydoc``) would
    #: pass it; such a literal stays in the report, it only leaves the high gate
    OWN_OBJECTS = Variant("loads an embedded pickle of its own package's objects", H, M, M, M)
    FROM_ENVIRONMENT = Variant("runs code taken from the environment", H, M, M, L)
    MARSHAL_LOAD = Variant("loads marshalled code it was handed", H, M, M, L)
    COMPUTED = Variant("runs code computed at run time", M, L, L, N)
    LOAD = Variant("deserialises objects it was handed", M, L, L, N)
    UNPARSABLE = Variant("unparsable code runs decoded data", H, H, H, L)


def executed(call: CallSite) -> None:
    """``exec``, ``eval``, ``compile`` (and a thread started on one): what they run."""
    node, name, label = call.node, call.name, call.ctx.label
    if not node.args:
        return
    arg = node.args[0]
    folder = call.folder()
    value = folder.fold(arg)
    decoders = list(folder.trace.decoders)
    if decoders == ["compile"] and not _escaped(call, arg, value):
        # compile() of a constant written in plain sight (bottle's Python 2 ``raise`` shim, a
        # forwarding stub built from a template) hides nothing: its text is analysed as code
        # below; written with escapes, or compiling code that escapes its own names, it is a
        # layer that only hides code (kept and re-used instead, see ``flow.hiding``)
        decoders = []
    labels = call.labels(arg)
    if not decoders and "decoded" in labels:
        decoders = ["decoder"]
    if isinstance(value, Marshalled):
        _marshalled(call, value, decoders)
        return
    text = looks_like_text(value) if isinstance(value, str | bytes) else None
    if text is not None:
        chain = " -> ".join(dict.fromkeys(decoders)) if decoders else ""
        found = call.nested(text, chain or name)
        if decoders and found is not None and _only_defines(text, found):
            call.emit(
                ObfuscatedCodeExecution.DECODED_MODULE,
                f"{name}() runs a module decoded by {chain} that only defines names {label}",
                clip(text, 400),
                executes=True,
            )
        elif decoders:
            call.emit(
                ObfuscatedCodeExecution.DECODED,
                f"{name}() runs code decoded by {chain} {label}",
                clip(text, 400),
                executes=True,
            )
        else:
            obfuscation.runs_large_string(call, text)
        return
    if isinstance(value, bytes):
        call.emit(
            ObfuscatedCodeExecution.DECODED,
            f"{name}() runs binary data decoded statically {label}",
            clip(repr(value[:120])),
            executes=True,
        )
        return
    if download.executes_download(call, labels):
        return
    evidence = clip(ast.unparse(node))
    if "decoded" in labels and _stops_above(call):
        return  # a template's placeholder: the module raises above, and nothing here runs
    if "decoded" in labels:
        call.emit(
            ObfuscatedCodeExecution.DECODED_FLOW,
            f"{name}() runs decoded data {label}",
            evidence,
            executes=True,
        )
    elif "file" in labels:
        return  # running a file it reads is how tools load plugins and configurations
    elif "secret" in labels:
        call.emit(
            ObfuscatedCodeExecution.FROM_ENVIRONMENT,
            f"{name}() runs code taken from the environment {label}",
            evidence,
        )
    else:
        call.emit(
            ObfuscatedCodeExecution.COMPUTED, f"{name}() runs code computed at run time", evidence
        )


#: Decoders whose outcome on constants is read from the functions themselves (pure functions
#: of their input): whether a constant decodes is what the interpreter will find.
_EXACT_DECODERS: dict[str, Callable[..., bytes]] = {
    "base64.b64decode": base64.b64decode,
    "base64.standard_b64decode": base64.standard_b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.b32decode": base64.b32decode,
    "base64.b16decode": base64.b16decode,
    "base64.decodebytes": base64.decodebytes,
    "binascii.a2b_base64": binascii.a2b_base64,
    "binascii.unhexlify": binascii.unhexlify,
    "binascii.a2b_hex": binascii.a2b_hex,
}
#: Names through which code rewrites a module's namespace without binding a name in it.
_NAMESPACE_WRITERS = frozenset({"globals", "vars", "setattr", "__dict__", "modules", "exec"})


def _stops_above(call: CallSite) -> bool:
    """Whether the module certainly raises at a statement of its top level above ``call``:
    a decoder handed constants it cannot decode (a template's placeholder,
    ``b64decode("@PAYLOAD@")``, that a build replaces in the copy it installs). Importing
    the module stops there, so nothing below it runs or is even defined, ``call`` included.

    The constants are names bound once in the whole module, by a plain assignment of a
    literal at its top level above the statement (no branch can rebind them), and nothing
    above the statement writes the namespace by other means (``globals()``, ``vars()``,
    ``setattr``, ``sys.modules``, ``exec``)."""
    body = call.facts.top_level()
    if not body:
        return False
    bound = _binding_counts(body)
    env: dict[str, object] = {}
    for stmt in body:
        if (stmt.end_lineno or stmt.lineno) >= call.node.lineno:
            return False
        if _decode_raises(stmt, env):
            return True
        if any(
            (isinstance(n, ast.Name) and n.id in _NAMESPACE_WRITERS)
            or (isinstance(n, ast.Attribute) and n.attr in _NAMESPACE_WRITERS)
            for n in ast.walk(stmt)
        ):
            return False
        if isinstance(stmt, ast.Import | ast.ImportFrom) and not getattr(stmt, "level", 0):
            for alias in stmt.names:
                name = alias.asname or alias.name.split(".")[0]
                full = alias.name if isinstance(stmt, ast.Import) else f"{stmt.module}.{alias.name}"
                if bound[name] == 1 and (alias.asname or isinstance(stmt, ast.ImportFrom)):
                    env[name] = Ref(full)
                elif bound[name] == 1:
                    env[name] = Ref(name)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str | bytes)
            and bound[stmt.targets[0].id] == 1
        ):
            env[stmt.targets[0].id] = stmt.value.value
    return False


def _binding_counts(body: list[ast.stmt]) -> Counter[str]:
    """How many times each name is bound anywhere in the module (assigned, deleted, declared
    ``global``, imported, defined, a parameter or a handler's name)."""
    counts: Counter[str] = Counter()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            counts[node.id] += 1
        elif isinstance(node, ast.Global | ast.Nonlocal):
            counts.update(node.names)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            counts.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[node.name] += 1
        elif isinstance(node, ast.arg):
            counts[node.arg] += 1
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            counts[node.name] += 1
        elif isinstance(node, ast.MatchMapping) and node.rest:
            counts[node.rest] += 1
    return counts


def _decode_raises(stmt: ast.stmt, env: dict[str, object]) -> bool:
    """Whether ``stmt`` (an assignment or an expression statement) is a call of a decoder on
    values of ``env`` and literals that the decoder rejects."""
    value = stmt.value if isinstance(stmt, ast.Assign | ast.Expr) else None
    if not isinstance(value, ast.Call) or value.keywords or not value.args:
        return False
    folder = Folder(dict(env))
    func = folder.fold(value.func)
    decoder = _EXACT_DECODERS.get(func.name) if isinstance(func, Ref) else None
    args = [folder.fold(arg) for arg in value.args]
    if decoder is None or not all(isinstance(a, str | bytes) for a in args):
        return False
    try:
        decoder(*args)
    except ValueError:  # binascii.Error among them: the data does not decode
        return True
    except Exception:  # any other refusal (a wrong argument) is not this placeholder
        return False
    return False


def _only_defines(text: str, found: Sequence[Signal]) -> bool:
    """Whether decoded ``text``, analysed whole as a layer (``found``, its signals), is a
    module that only defines names: at its top level imports, functions, classes, constant
    expressions and assignments that call nothing (also inside ``if`` and ``try``), plus the
    ``if __name__ == "__main__":`` block a script runs; and no check graded anything in it
    (its functions included, as running where the exec runs) high or critical."""
    if any(signal.severity >= Severity.HIGH for signal in found):
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    own = {
        stmt.name for stmt in tree.body if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return _defines(tree.body, own)


def _defines(body: list[ast.stmt], own: set[str]) -> bool:
    """Whether ``body`` only defines names; a decorator may be a call of one of the module's
    own functions (``@register_handler("git")``), which the layer's analysis reads as run."""
    for stmt in body:
        if isinstance(
            stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.Pass
        ):
            decorators = getattr(stmt, "decorator_list", ())
            if not all(_own_decorator(d, own) for d in decorators):
                return False
            continue
        if isinstance(stmt, ast.ClassDef):
            if stmt.keywords or any(_calls(b) for b in stmt.bases):
                return False
            if not all(_own_decorator(d, own) for d in stmt.decorator_list):
                return False
            if not _defines(stmt.body, own):
                return False
        elif isinstance(stmt, ast.Expr | ast.Assign | ast.AnnAssign):
            if stmt.value is not None and _calls(stmt.value):
                return False
        elif isinstance(stmt, ast.If):
            if syntax.is_main_guard(stmt.test):
                continue
            if _calls(stmt.test) or not _defines(stmt.body, own):
                return False
            if not _defines(stmt.orelse, own):
                return False
        elif isinstance(stmt, ast.Try):
            handlers = [h.body for h in stmt.handlers]
            if any(h.type is not None and _calls(h.type) for h in stmt.handlers):
                return False
            blocks = (stmt.body, stmt.orelse, stmt.finalbody, *handlers)
            if not all(_defines(b, own) for b in blocks):
                return False
        else:
            return False
    return True


def _own_decorator(node: ast.expr, own: set[str]) -> bool:
    """A decorator that is a name, or a call of one of the module's own functions with
    arguments that call nothing."""
    if isinstance(node, ast.Call):
        return (
            isinstance(node.func, ast.Name)
            and node.func.id in own
            and not any(_calls(a) for a in [*node.args, *(k.value for k in node.keywords)])
        )
    return not _calls(node)


def _calls(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call | ast.Lambda | ast.Await) for n in ast.walk(node))


#: Escape sequences for characters that need none: how obfuscators write names and code.
_ESCAPES = re.compile(r"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\[0-7]{3}|\\N\{")


def _escaped(call: CallSite, arg: ast.expr, value: object) -> bool:
    """Whether the code ``exec``/``eval`` receives through ``compile`` is written with escape
    sequences (in the file, or inside the compiled text itself)."""
    text = value if isinstance(value, str) else ""
    return bool(_ESCAPES.search(call.facts.source_of(arg)) or _ESCAPES.search(text))


def loaded(call: CallSite) -> None:
    """``marshal.loads``, ``pickle.loads`` and the like: embedded code objects."""
    node, name = call.node, call.name
    if not node.args:
        return
    folder = call.folder()
    value = folder.fold(node.args[0])
    data = value if isinstance(value, bytes) else None
    if isinstance(value, Marshalled):
        data = value.data
    if data is not None and name.startswith("marshal"):
        _marshalled(call, Marshalled(data), folder.trace.decoders)
        return
    if data is not None and name.startswith(("pickle", "_pickle", "cPickle")):
        pickled = read_pickle(data)
        if own_objects(pickled, call.facts.owners):
            imported = ", ".join(dict.fromkeys(f"{m}.{a}" for m, a in pickled.imports))
            call.emit(
                ObfuscatedCodeExecution.OWN_OBJECTS,
                f"{name}() loads an embedded pickle of its own package's objects ({imported})"
                f" {call.ctx.label}",
                clip(ast.unparse(node)),
            )
            return
    labels = call.labels(node.args[0])
    embedded = data is not None or (
        "decoded" in labels and not labels & {"file", "net"} and call.ctx is not Context.RUNTIME
    )
    if embedded:
        variant = ObfuscatedCodeExecution.EMBEDDED_LOAD
    elif name.startswith("marshal"):
        variant = ObfuscatedCodeExecution.MARSHAL_LOAD
    else:
        variant = ObfuscatedCodeExecution.LOAD  # deserialising what it was handed is ordinary
    call.emit(
        variant,
        f"{name}() loads {'embedded ' if embedded else ''}code or objects {call.ctx.label}",
        clip(ast.unparse(node)),
    )


def _marshalled(call: CallSite, value: Marshalled, decoders: list[str]) -> None:
    strings = marshal_strings(value.data)
    chain = " -> ".join(dict.fromkeys(decoders))
    call.emit(
        ObfuscatedCodeExecution.DECODED,
        f"runs a marshalled code object ({chain or 'embedded'}) {call.ctx.label}",
        clip("strings: " + " ".join(strings[:60]), 400),
        executes=True,
    )
    joined = "\n".join(strings)
    line, where = call.node.lineno, "marshalled code"
    commands.embedded(call.facts, joined, line, call.ctx, where)
    credentials.embedded(call.facts, joined, line, call.ctx, where)
    network.embedded(call, strings)
    # source text the code object carries (written to a file and run, handed to exec) is
    # analysed as a layer of its own, as the same text in a module is
    carried = [(s, where) for s in strings if _carries_code(s)]
    for s in strings:
        decoded = _base64_text(s)
        if decoded is not None and _carries_code(decoded, statements=False):
            carried.append((decoded, f"{where} -> base64"))
    for text, how in carried[:_MAX_CARRIED]:
        call.nested(text, how)


#: Strings of one marshalled code object analysed as code, at most.
_MAX_CARRIED = 10
_CODE_WORDS = re.compile(r"\b(import|exec|eval|def|lambda|from|open|system)\b")


_BASE64 = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")


def _base64_text(text: str) -> str | None:
    """A string constant that is base64 of text (a payload kept encoded inside the code
    object), decoded; None otherwise."""
    if not _BASE64.fullmatch(text) or len(text) % 4:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return looks_like_text(raw)


def _carries_code(text: str, *, statements: bool = True) -> bool:
    """Whether a string of a code object is Python source that calls something: more than a
    name, a message or a path (which do not parse, or hold no call). A plain string must hold
    more than one statement (a line break or ``;``) to count; one decoded from base64 need
    not (nothing but code is encoded to be run)."""
    if len(text) < 16 or not _CODE_WORDS.search(text):
        return False
    if statements and not ("\n" in text or ";" in text):
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(node, ast.Call) for node in ast.walk(tree))


def unparsable_line(facts: Facts, line: str, number: int, ctx: Context) -> None:
    """A line of code that does not parse, searched as text."""
    if _UNPARSABLE_DECODE.search(line):
        facts.emit(
            ObfuscatedCodeExecution.UNPARSABLE,
            f"unparsable code runs decoded data {ctx.label}",
            number,
            clip(line),
            ctx=ctx,
        )
