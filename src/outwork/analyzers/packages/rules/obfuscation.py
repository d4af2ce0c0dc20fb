"""PKG012 and PKG013: code that hides itself, and install code that cannot be parsed.

The checks: encrypted (PyArmor) code, modules imported by computed names, builtins reached
through computed ``getattr`` names, large embedded strings run as code, decoding or nesting past
the analysis budgets; for the module as a whole, identifiers in non-Latin scripts, packed lines
and probes for debuggers or virtual machines; and sources that do not parse.
"""

from __future__ import annotations

import ast
import bisect
import math
import re
from collections import Counter

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import syntax
from outwork.analyzers.packages.facts import CallSite, Facts, ModuleSource
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import Context, clip
from outwork.core.fold import Ref, Unknown
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

#: Code lines longer than this are packed or minified.
LONG_LINE = 4000
#: Embedded strings run as code past this length are a payload, not a snippet.
LARGE_STRING = 2000


class ObfuscationIndicators(BehaviourRule):
    """Code hides itself: dynamic builtins, homoglyph identifiers, packed lines, sandbox checks.

    ## What it finds
    `getattr(__builtins__, <computed>)`, `__import__` of computed names, identifiers in
    non-Latin scripts, extremely long code lines, large high-entropy blobs that no decoder
    explains, layers the deobfuscation budget could not finish, and probes for debuggers and
    virtual machines.

    ## Why it matters
    Each alone can be innocent; together with execution they are how malware defeats review.

    ## Example
    ```python
    getattr(__builtins__, "".join(map(chr, [101, 120, 101, 99])))(payload)
    ```

    ## Remediation
    Read the deobfuscated evidence; refuse packages that will not let themselves be read.

    ## References
    - MITRE ATT&CK T1027 (Obfuscated Files or Information), T1497 (Virtualization/Sandbox Evasion)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG012"
    name = "obfuscation-indicators"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (506,)
    attack = ("T1027", "T1497")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    HIDDEN = Variant(
        "reaches a builtin through a computed name, runs a large embedded string, or is too"
        " large or deep to analyse",
        M,
        M,
        M,
        L,
    )
    ENCRYPTED = Variant(
        "runs encrypted (PyArmor) code, or decoding stopped at the layer budget", H, H, H, M
    )
    COMPUTED_IMPORT = Variant("imports a module whose name is computed", L, L, L, N)
    LEXICAL = Variant(
        "non-Latin identifiers, packed code lines, debugger or virtual machine probes",
        M,
        L,
        L,
        N,
    )


class UnparsableInstallCode(BehaviourRule):
    """Install-time code cannot be parsed, so it cannot be proven safe.

    ## What it finds
    `setup.py`, `.pth` files and other install-time Python that the parser rejects (syntax
    errors, nesting beyond the budget, encodings that do not decode). The text is still searched
    for dangerous commands and the finding says so; the broken lines (then, if needed, their
    statements) are set aside and everything else is analysed as if the file had parsed.

    ## Why it matters
    Fail closed: malformed code is a classic way to make a scanner skip a file, and pip may still
    run code that a newer or older interpreter accepts.

    ## Example
    A `setup.py` written for Python 2 (`print "x"`) or nested 10,000 parentheses deep.

    ## Remediation
    Prefer a wheel or a release whose install code parses; review the text by hand.

    ## References
    - CWE-20: Improper Input Validation
    - outwork design principle 2: fail closed
    """

    code = "PKG013"
    name = "unparsable-install-code"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (20,)
    attack = ("T1027",)
    inline_suppressible = False

    #: install, import, reached from import, only when called
    BROKEN = Variant("code does not parse (install time, or a decoded layer)", M, L, L, N)
    PYTHON2 = Variant("Python 2 code, analysed after rewriting", L, L, L, N)


def runs_encrypted(call: CallSite) -> None:
    """``__pyarmor__``/``pyarmor_runtime``: fail closed, encrypted code that only its runtime
    can read is not proven safe."""
    call.emit(
        ObfuscationIndicators.ENCRYPTED,
        f"runs encrypted (PyArmor) code that cannot be analysed {call.ctx.label}",
        clip(ast.unparse(call.node.func)),
    )


def imports_computed(call: CallSite) -> None:
    """``__import__``/``importlib.import_module`` of a name that does not fold."""
    if call.node.args and isinstance(call.fold(call.node.args[0]), Unknown):
        call.emit(
            ObfuscationIndicators.COMPUTED_IMPORT,
            "imports a module whose name is computed",
            clip(ast.unparse(call.node)),
        )


def computed_builtin(call: CallSite) -> None:
    """``getattr(builtins, <computed>)``."""
    args = call.node.args
    if not args:
        return
    base = call.fold(args[0])
    if (
        isinstance(base, Ref)
        and base.name in ("builtins", "__builtins__")
        and len(args) > 1
        and isinstance(call.fold(args[1]), Unknown)
    ):
        call.emit(
            ObfuscationIndicators.HIDDEN,
            "reaches a builtin through a computed getattr name",
            clip(ast.unparse(call.node)),
        )


def runs_large_string(call: CallSite, text: str) -> None:
    """``exec`` of a large constant string (not decoded) written in the file itself."""
    if call.facts.layer == 0 and len(text) > LARGE_STRING:
        call.emit(
            ObfuscationIndicators.HIDDEN,
            f"{call.name}() runs a large embedded string",
            clip(text, 200),
        )


def layer_budget(facts: Facts, text: str, line: int, ctx: Context) -> None:
    """Decoded layers nest deeper than the analysis follows."""
    facts.emit(
        ObfuscationIndicators.ENCRYPTED,
        "decoding stopped at the layer budget",
        line,
        clip(text, 200),
        ctx=ctx,
    )


def too_large(facts: Facts, size: int) -> None:
    facts.emit(
        ObfuscationIndicators.HIDDEN,
        "source larger than the parse budget",
        None,
        f"{size} characters",
    )


def too_deep(facts: Facts) -> None:
    facts.emit(ObfuscationIndicators.HIDDEN, "code nests deeper than the analysis budget", None, "")


def python2(facts: Facts, line: int | None, error: str) -> None:
    facts.emit(
        UnparsableInstallCode.PYTHON2,
        "Python 2 code: analysed after rewriting its print/exec statements",
        line,
        error,
    )


def unparsable(facts: Facts, ctx: Context, recovered: bool, line: int | None, error: str) -> None:
    """Code that does not parse: install-time code, or a layer decoded from a file (a library
    module that does not parse is the library's problem, not a risk of installing it)."""
    if ctx is Context.INSTALL or facts.layer > 0:
        facts.emit(
            UnparsableInstallCode.BROKEN,
            "code does not parse; the statements that do were analysed, the rest searched as text"
            if recovered
            else "code does not parse; searched as text",
            line,
            error,
        )


def non_latin_identifiers(module: ModuleSource) -> None:
    """Three or more identifiers in non-Latin scripts: homoglyphs or generated names."""
    text = module.text
    if text.isascii() or module.tree is None:
        return
    odd = words_beyond_ascii(text[:2_000_000])
    if len(odd) < 3:
        return  # fewer such words than the three identifiers asked for
    # an identifier beyond ASCII is written with a character beyond ASCII on its own line: the
    # statements spanning no such line name none of the words (a tree parsed from a rewritten
    # text may number its lines otherwise, and is read whole)
    identifiers = _identifiers(module.tree, None if module.rewritten else _non_ascii_lines(text))
    weird = [w for w in odd if w in identifiers]
    if len(weird) >= 3:
        module.facts.emit(
            ObfuscationIndicators.LEXICAL,
            "identifiers in non-Latin scripts (homoglyph or generated names)",
            None,
            clip(" ".join(sorted(set(weird))[:10])),
            ctx=module.ctx,
        )


_WORD = re.compile(r"[^\W\d]\w*")


def words_beyond_ascii(text: str) -> list[str]:
    """The words of ``text`` that hold a character beyond ASCII, in order. No word spans a line
    break, so only the lines that hold such a character are split into words."""
    return [
        word
        for line in text.split("\n")
        if not line.isascii()
        for word in _WORD.findall(line)
        if not word.isascii()
    ]


def packed_lines(module: ModuleSource) -> None:
    """A very long code line of high entropy or many statements: packed or minified code."""
    text = module.text
    lines = text.splitlines()[:100_000] if len(text) > LONG_LINE else []
    if not lines or max(map(len, lines)) <= LONG_LINE:
        return
    for number, line in enumerate(lines, start=1):
        if len(line) > LONG_LINE and not line.lstrip().startswith("#"):
            entropy = _entropy(line[:20_000])
            if entropy > 5.0 or ";" in line[:20_000]:
                module.facts.emit(
                    ObfuscationIndicators.LEXICAL,
                    f"packed code line of {len(line)} characters (entropy {entropy:.1f})",
                    number,
                    clip(line, 120),
                    ctx=module.ctx,
                )
                return


def probes_sandbox(module: ModuleSource) -> None:
    """Probes for debuggers or virtual machines."""
    match = tables.ANTI_ANALYSIS_RE.search(module.text[:2_000_000])
    if match:
        module.facts.emit(
            ObfuscationIndicators.LEXICAL,
            "probes for debuggers or virtual machines",
            None,
            match.group(0),
            ctx=module.ctx,
        )


def _identifiers(tree: ast.Module, lines: list[int] | None = None) -> set[str]:
    """Names bound or used in a tree: variables, parameters, classes and functions. With
    ``lines`` (sorted line numbers), only those of the statements that span one of the lines:
    every name written on them, and others."""
    out: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if lines is None:
            parts = [node]  # the whole tree, in one walk
        elif node is tree or _spans(node, lines):
            parts = syntax.own_expressions(node)
            stack.extend(syntax.block_children(node))
            if isinstance(node, syntax.DEFS):
                out.add(node.name)
        else:
            continue
        for part in parts:
            for child in syntax.nodes(part):
                if isinstance(child, ast.Name):
                    out.add(child.id)
                elif isinstance(child, ast.arg):
                    out.add(child.arg)
                elif isinstance(child, syntax.DEFS):
                    out.add(child.name)
    return out


def _spans(node: ast.AST, lines: list[int]) -> bool:
    """Whether a statement (with its decorators), an exception handler or a match case (which
    has no position: always) spans one of ``lines``."""
    start: int | None = getattr(node, "lineno", None)
    if start is None:
        return True
    if isinstance(node, syntax.DEFS):
        start = min([start, *(d.lineno for d in node.decorator_list)])
    end: int = getattr(node, "end_lineno", None) or start
    i = bisect.bisect_left(lines, start)
    return i < len(lines) and lines[i] <= end


def _non_ascii_lines(text: str) -> list[int]:
    """The numbers of the lines that hold a character beyond ASCII, counted as the parser
    counts them (a line ends at ``\\r\\n``, ``\\r`` or ``\\n``)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [number for number, line in enumerate(lines, start=1) if not line.isascii()]


def _entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())
