"""PKG006: package code reads browser profiles, wallets, chat tokens, SSH or cloud credentials.

The checks: a call handed a credential store's path by code that runs at install or import;
``browser_cookie3``; strings of marshalled code naming a store; and, for the module as a whole,
any mention of one (low: context for the verdict).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import stores, syntax
from outwork.analyzers.packages.facts import CallSite, Facts, ModuleSource
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import Context, clip
from outwork.core.fold import iter_strings
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


class CredentialHarvesting(BehaviourRule):
    """Package code reads browser profiles, wallets, chat tokens, SSH or cloud credentials.

    ## What it finds
    Reads of (or path building towards) credential stores: browser `Login Data` and `Local State`,
    Discord and Telegram token stores, cryptocurrency wallets and extensions, `~/.ssh`,
    `~/.aws/credentials`, `.npmrc`, `.pypirc`, `.git-credentials`, kube and docker configs.
    A path built from the home or app-data folder (`Path.home()`, `os.path.expanduser`,
    `os.getenv("APPDATA")`) that ends at a chat client's folder counts, and so does a path
    object walked or read through its methods (`(Path.home() / ".config/discord").rglob(...)`).

    A relative path into the package's own tree is no store: a `setup.py` that reads its own
    `discord/__init__.py` for the version runs in the unpacked source distribution, where that
    path names the package's file. A path counts as the package's own when all of it is known,
    it is relative (not rooted at `/`, a drive, `~` or an environment variable), it names none
    of the parts a store is made of (`Local Storage`, `leveldb`, token, key, wallet and session
    files, browser profiles), the module never moves its working folder elsewhere (`os.chdir`
    to anything not derived from its own file), the code is no decoded layer, and it names a
    Python source file or a member or folder of the package scanned.

    A clipper is reported too: a loop that reads the clipboard (`pyperclip.paste`, pywin32's
    `GetClipboardData`, tkinter's `clipboard_get`) and writes it (`copy`, `SetClipboardData`,
    `clipboard_append`) in a module that matches or holds cryptocurrency wallet addresses: it
    waits for the user to copy a destination and puts its own in place. A wallet that copies
    an address once, or validates what is pasted, runs no such loop.

    ## Why it matters
    Info-stealers shipped as packages harvest exactly these files; a library rarely needs them
    and never at install time.

    ## Example
    ```python
    path = os.getenv("APPDATA") + "\\\\discord\\\\Local Storage\\\\leveldb"
    ```

    ## Remediation
    Do not install the package; if it ran, rotate the credentials stored in those places.

    ## References
    - MITRE ATT&CK T1555 (Credentials from Password Stores), T1552 (Unsecured Credentials),
      T1115 (Clipboard Data)
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "PKG006"
    name = "credential-harvesting"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (522, 506)
    attack = ("T1555", "T1552", "T1115")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    PATH = Variant("hands a credential store's path to a call", C, M, M, N)
    COOKIES = Variant("reads browser cookies", C, H, H, N)
    EMBEDDED = Variant("marshalled code names a credential store", C, H, H, L)
    MENTION = Variant("names a credential store", L, L, L, L)
    CLIPPER = Variant(
        "reads the clipboard in a loop and writes it back, in a module that matches wallet"
        " addresses (a clipper swapping the user's destination for its own)",
        C,
        H,
        H,
        H,
    )


#: Methods of a path object that read or walk what it names (``Path.home() / ".config"``).
_PATH_METHODS = frozenset(
    {"glob", "rglob", "iterdir", "walk", "open", "read_text", "read_bytes", "exists", "is_dir"}
)


def path_arguments(call: CallSite) -> None:
    """Any call whose first arguments, or whose path-object receiver (``Path(...).rglob``),
    fold to a credential store's path; a relative path into the package's own tree is none
    (:mod:`..stores`)."""
    if call.ctx is Context.RUNTIME:
        return  # not raised when called (a library reading its own config is its job): the
        # reads it makes at install or import are what harvesting looks like
    func = call.node.func
    paths = list(call.node.args[:3])
    if isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS:
        paths.append(func.value)
    for arg in paths:
        if isinstance(arg, ast.Constant) and not isinstance(arg.value, str):
            continue
        for text in iter_strings(call.fold(arg)):
            store = stores.credential_store(text, call.facts.own_tree)
            if store:
                call.emit(
                    CredentialHarvesting.PATH,
                    f"reaches a credential store ({store}) {call.ctx.label}",
                    clip(text),
                )
                return


def reads_cookies(call: CallSite) -> None:
    """``browser_cookie3.*``: every browser's cookie jar."""
    call.emit(
        CredentialHarvesting.COOKIES,
        f"{call.name}() reads browser cookies {call.ctx.label}",
        clip(ast.unparse(call.node)),
    )


def embedded(facts: Facts, text: str, line: int | None, ctx: Context, where: str) -> None:
    """Strings of a marshalled code object that name a credential store."""
    match = tables.CREDENTIAL_PATH_RE.search(text)
    if match:
        facts.emit(
            CredentialHarvesting.EMBEDDED,
            f"{where} reaches a credential store ({match.group(0)}) {ctx.label}",
            line,
            clip(text[max(0, match.start() - 80) : match.end() + 80]),
            ctx=ctx,
        )


#: A quoted string within one line, to tell which path a mention sits in.
_QUOTED_RE = re.compile(r"""(["'])([^"'\n]{0,400}?)\1""")
#: Mentions passed over as the package's own paths before the module counts as naming none.
_OWN_MENTIONS = 20


def mentioned(module: ModuleSource) -> None:
    """A credential store named anywhere in the module, other than in a quoted relative path
    into the package's own tree (:mod:`..stores`)."""
    text = module.text[:2_000_000]
    offset = 0
    for _ in range(_OWN_MENTIONS):
        found = tables.CREDENTIAL_PATH_RE.search(text[offset:] if offset else text)
        if found is None:
            return
        start, end = offset + found.start(), offset + found.end()
        if not _in_own_path(text, start, end, module.facts.own_tree):
            module.facts.emit(
                CredentialHarvesting.MENTION,
                f"names a credential store ({found.group(0)})",
                text.count("\n", 0, start) + 1,
                clip(text[max(0, start - 60) : end + 60]),
                ctx=Context.RUNTIME,
            )
            return
        offset = end


def _in_own_path(text: str, start: int, end: int, own_tree: Callable[[str], bool]) -> bool:
    """Whether the mention at ``start:end`` lies in a quoted string of its line that names the
    package's own tree."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    line = text[first : last if last >= 0 else len(text)]
    return any(
        q.start(2) <= start - first and end - first <= q.end(2) and own_tree(q.group(2))
        for q in _QUOTED_RE.finditer(line)
    )


#: Clipboard reads and writes, by the callee's last name (pyperclip, pyclip, pywin32, tkinter).
_CLIPBOARD_READS = frozenset(
    {"paste", "GetClipboardData", "clipboard_get", "get_clipboard", "GetClipboardText"}
)
_CLIPBOARD_WRITES = frozenset(
    {"copy", "SetClipboardData", "SetClipboardText", "clipboard_append", "set_clipboard"}
)
#: A wallet address matched (Ethereum's, Bitcoin's bech32 and base58 shapes as regular
#: expressions) or held (an Ethereum or bech32 address written out).
_WALLET_ADDRESS = re.compile(
    r"0x\[(?:a-fA-F0-9|0-9a-fA-F|A-Fa-f0-9|a-f0-9|0-9a-f)\]\{40\}|\bbc1\[|\bbc1\||"
    r"\[13\]\[a-km-zA-HJ-NP-Z1-9\]|(?<![\w])0x[a-fA-F0-9]{40}(?![\w])|"
    r"\bbc1q[02-9ac-hj-np-z]{38,58}\b"
)


def clipboard_swap(module: ModuleSource) -> None:
    """A loop that reads the clipboard and writes it, in a module that matches or holds wallet
    addresses: a clipper."""
    text = module.text[:2_000_000]
    if module.tree is None or ("paste" not in text and "lipboard" not in text):
        return
    if _WALLET_ADDRESS.search(text) is None:
        return
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.While):
            continue
        called = {syntax.callee_name(c.func) for c in syntax.calls_no_defs(node)}
        if called & _CLIPBOARD_READS and called & _CLIPBOARD_WRITES:
            module.facts.emit(
                CredentialHarvesting.CLIPPER,
                "reads the clipboard in a loop and writes another wallet address back"
                f" {module.ctx.label}",
                node.lineno,
                clip(ast.get_source_segment(text, node) or "", 300),
                ctx=module.ctx,
            )
            return
