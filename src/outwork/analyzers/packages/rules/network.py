"""PKG007: package code reaches the network while installing or on import.

The check sees every network call (``requests``, ``urllib``, ``http.client``, sockets, DNS
look-ups) with its arguments folded; what it sends is judged first (PKG002), then where it goes.
"""

from __future__ import annotations

import ast
import re

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages.facts import EMPTY, CallSite, Labels
from outwork.analyzers.packages.rules import exfiltration
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import clip
from outwork.core.fold import iter_strings
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

#: Loopback and private addresses: what tests and local services use.
LOCAL_URL = re.compile(
    r"://(localhost|127\.|0\.0\.0\.0|\[?::1|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)",
    re.IGNORECASE,
)


class InstallTimeNetwork(BehaviourRule):
    """Package code reaches the network while installing or on import.

    ## What it finds
    Network calls (`requests`, `urllib`, `http.client`, sockets, DNS look-ups) in install-time
    code, or at the top level of a module, where a library has no reason to go online. Calls to
    paste sites, webhooks and raw IP addresses weigh more, and weigh high wherever the code runs
    when the address only exists after decoding (a library has no reason to hide it).

    ## Why it matters
    Installation should be reproducible and offline-capable; a network call while installing is
    a beacon, a download or an exfiltration channel.

    ## Example
    ```python
    requests.get("https://198.51.100.7/ping.php")   # in setup.py
    ```

    ## Remediation
    Review what is sent and fetched; prefer packages that vendor their data or fetch it only
    when asked, at run time.

    ## References
    - MITRE ATT&CK T1071 (Application Layer Protocol)
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "PKG007"
    name = "install-time-network"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (829,)
    attack = ("T1071",)
    inline_suppressible = False

    #: install, import, reached from import, only when called
    FIXED = Variant("reaches a constant public address", H, H, M, N)
    COMPUTED = Variant("reaches the network", H, M, M, N)
    SUSPICIOUS = Variant("contacts a paste site, webhook or raw address", H, H, H, L)
    HIDDEN = Variant("contacts a paste site, webhook or raw address it hides", H, H, H, H)


def contacted(call: CallSite) -> None:
    """A network call: what it sends (PKG002), then the address it reaches."""
    node, name = call.node, call.name
    labels: Labels = EMPTY
    texts: list[str] = []
    folder = call.folder()
    for arg in [*node.args, *(k.value for k in node.keywords)]:
        labels |= call.labels(arg)
        texts.extend(iter_strings(folder.fold(arg)))
    suspicious = any(tables.SUSPICIOUS_URL_RE.search(t) for t in texts)
    if name in tables.CLIENT_CONSTRUCTORS and not suspicious:
        labels = labels - {"secret"}  # configuring a client with a token sends nothing yet
    if (
        name.startswith(("socket.gethostbyname", "socket.getaddrinfo"))
        and node.args
        and not _composed(node.args[0])
    ):
        labels = labels - {"secret"}  # resolving the host's own name leaks nothing
    url = (
        node.args[0]
        if node.args
        else next((k.value for k in node.keywords if k.arg == "url"), None)
    )
    constant = list(texts)
    if url is not None and not any(True for _ in iter_strings(folder.fold(url))):
        constant.append(call.partial(url, folder))  # "https://host/?" + secret: the host is known
    if exfiltration.sends(call, labels, suspicious, constant):
        return
    evidence = clip(" ".join(texts) or ast.unparse(node))
    if suspicious:
        hidden = _hidden_address(call)
        call.emit(
            InstallTimeNetwork.HIDDEN if hidden else InstallTimeNetwork.SUSPICIOUS,
            f"{name}() contacts a paste site, webhook or raw address"
            f"{' that it hides by encoding' if hidden else ''} {call.ctx.label}",
            evidence,
        )
    else:
        # a constant public address, fetched on import (loopback and private ones are tests)
        fixed = any("://" in t and not LOCAL_URL.search(t) for t in texts)
        call.emit(
            InstallTimeNetwork.FIXED if fixed else InstallTimeNetwork.COMPUTED,
            f"{name}() reaches the network {call.ctx.label}",
            evidence,
        )


def _composed(host: ast.expr) -> bool:
    """Whether a looked-up host name is built from parts (data smuggled in a DNS query)."""
    return isinstance(host, ast.BinOp | ast.JoinedStr) or (
        isinstance(host, ast.Call)
        and isinstance(host.func, ast.Attribute)
        and host.func.attr in ("format", "join")
    )


def _hidden_address(call: CallSite) -> bool:
    """Whether the address only exists after decoding: a library has no reason to hide a
    webhook, bot or paste address from its readers."""
    node = call.node
    url = node.args[0] if node.args else None
    url = next((k.value for k in node.keywords if k.arg == "url"), url)
    if url is None:
        return False
    folder = call.folder()
    folder.fold(url)
    return bool(folder.trace.decoders) or "decoded" in call.labels(url)
