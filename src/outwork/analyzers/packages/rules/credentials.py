"""PKG006: package code reads browser profiles, wallets, chat tokens, SSH or cloud credentials.

The checks: a call handed a credential store's path by code that runs at install or import;
``browser_cookie3``; strings of marshalled code naming a store; and, for the module as a whole,
any mention of one (low: context for the verdict).
"""

from __future__ import annotations

import ast

from outwork.analyzers.packages import data as tables
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
    - MITRE ATT&CK T1555 (Credentials from Password Stores), T1552 (Unsecured Credentials)
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "PKG006"
    name = "credential-harvesting"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (522, 506)
    attack = ("T1555", "T1552")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    PATH = Variant("hands a credential store's path to a call", C, M, M, N)
    COOKIES = Variant("reads browser cookies", C, H, H, N)
    EMBEDDED = Variant("marshalled code names a credential store", C, H, H, L)
    MENTION = Variant("names a credential store", L, L, L, L)


def path_arguments(call: CallSite) -> None:
    """Any call whose first arguments fold to a credential store's path."""
    if call.ctx is Context.RUNTIME:
        return  # not raised when called (a library reading its own config is its job): the
        # reads it makes at install or import are what harvesting looks like
    for arg in call.node.args[:3]:
        if isinstance(arg, ast.Constant) and not isinstance(arg.value, str):
            continue
        for text in iter_strings(call.fold(arg)):
            match = tables.CREDENTIAL_PATH_RE.search(text)
            if match:
                call.emit(
                    CredentialHarvesting.PATH,
                    f"reaches a credential store ({match.group(0)}) {call.ctx.label}",
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


def mentioned(module: ModuleSource) -> None:
    """A credential store named anywhere in the module."""
    text = module.text
    store = tables.CREDENTIAL_PATH_RE.search(text[:2_000_000])
    if store:
        module.facts.emit(
            CredentialHarvesting.MENTION,
            f"names a credential store ({store.group(0)})",
            text.count("\n", 0, store.start()) + 1,
            clip(text[max(0, store.start() - 60) : store.end() + 60]),
            ctx=Context.RUNTIME,
        )
