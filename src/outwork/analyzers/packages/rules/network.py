"""PKG007: package code reaches the network while installing or on import.

The check sees every network call (``requests``, ``urllib``, ``http.client``, sockets, DNS
look-ups) with its arguments folded; what it sends is judged first (PKG002), then where it goes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import destinations
from outwork.analyzers.packages.facts import EMPTY, CallSite, Labels
from outwork.analyzers.packages.flow import configuration_variable, hiding
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


#: A host that is this machine: ``sock.connect(("localhost", port))``.
LOCAL_HOST = re.compile(r"(localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0)$", re.IGNORECASE)
#: Client constructors that connect at once when they are given a host.
CONNECTS_WHEN_BUILT = frozenset(
    {"ftplib.FTP", "ftplib.FTP_TLS", "smtplib.SMTP", "smtplib.SMTP_SSL", "telnetlib.Telnet"}
)
#: Methods of a network client that send or connect.
CLIENT_USES = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "stream",
        "send",
        "sendall",
        "sendto",
        "connect",
        "connect_ex",
        "urlopen",
        "sendmail",
        "send_message",
        "login",
        "exec_command",
        "retrbinary",
        "storbinary",
        "ws_connect",
    }
)


class InstallTimeNetwork(BehaviourRule):
    """Package code reaches the network while installing or on import.

    ## What it finds
    Network calls (`requests`, `urllib`, `http.client`, sockets, DNS look-ups) in install-time
    code, or at the top level of a module, where a library has no reason to go online. Calls to
    a destination of a `channel` class (messaging bots and webhooks, request bins, paste and
    file drops, tunnels, dynamic DNS names, anonymity networks, raw public IP addresses, link
    shorteners: the table `data/destinations.toml`, with each class's documented sources) weigh
    more, and weigh high wherever the code runs when the address only exists after decoding (a
    library has no reason to hide it). A read of a package index's public metadata of a
    project and nothing else (`https://pypi.org/pypi/NAME/json`,
    `https://registry.npmjs.org/NAME/latest`: a version check that warns of a newer release)
    sends nothing and fetches no file: low on import, medium at install. A client
    that is only configured (`httpx.Client(base_url=...)`, `requests.Session()`,
    `socket.socket()`) sends nothing yet and is low; the methods that send or connect
    (`client.get(...)`, `sock.connect((host, port))`) are judged where they are called, with
    the address the constructor configured. Loopback and private addresses are local services.
    A marshalled code object that the package runs or loads, whose names include a network
    client and whose constants hold an address, reaches that address (read as bytes, never
    loaded; the address hidden by the encoding).

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
    REGISTRY = Variant(
        "reads a package index's public metadata of a project (a version check)", M, L, L, N
    )
    CLIENT = Variant("configures a network client that sends nothing yet", L, L, N, N)
    COMPUTED = Variant("reaches the network", H, M, M, N)
    SUSPICIOUS = Variant("contacts a paste site, webhook or raw address", H, H, H, L)
    HIDDEN = Variant("contacts a paste site, webhook or raw address it hides", H, H, H, H)


def contacted(call: CallSite) -> None:
    """A network call: what it sends (PKG002), then the address it reaches."""
    node, name = call.node, call.name
    labels: Labels = EMPTY
    texts: list[str] = []
    folder = call.folder()
    url = (
        node.args[0]
        if node.args
        else next((k.value for k in node.keywords if k.arg == "url"), None)
    )
    for arg in [*node.args, *(k.value for k in node.keywords)]:
        if arg is not url or not configured_address(call, arg):
            labels |= call.labels(arg)
        texts.extend(iter_strings(folder.fold(arg)))
    suspicious = any(destinations.suspicious(t) for t in texts)
    if name in tables.CLIENT_CONSTRUCTORS and not suspicious:
        labels = labels - {"secret"}  # configuring a client with a token sends nothing yet
    if (
        name.startswith(("socket.gethostbyname", "socket.getaddrinfo"))
        and node.args
        and not _composed(node.args[0])
    ):
        labels = labels - {"secret"}  # resolving the host's own name leaks nothing
    constant = list(texts)
    if url is not None and not any(True for _ in iter_strings(folder.fold(url))):
        constant.append(call.partial(url, folder))  # "https://host/?" + secret: the host is known
    if exfiltration.sends(call, labels, suspicious, constant):
        return
    evidence = clip(" ".join(texts) or ast.unparse(node))
    if name in tables.CLIENT_CONSTRUCTORS and not suspicious and not _connects(call):
        # ``httpx.Client(base_url=...)``, ``socket.socket()``: nothing leaves the host until a
        # method of the client is called (:func:`used` judges that call)
        call.emit(
            InstallTimeNetwork.CLIENT,
            f"{name}() configures a network client {call.ctx.label}",
            evidence,
        )
        return
    _reaches(call, f"{name}()", texts, suspicious, evidence)


#: ``os.getenv(NAME)``, ``os.environ.get(NAME)``, ``os.environ[NAME]`` as written.
_ENVIRON_GETTERS = ("os.getenv", "os.environ.get")


def configured_address(call: CallSite, url: ast.expr) -> bool:
    """Whether the whole address a call reaches is one environment variable that holds
    configuration (``requests.get(os.getenv("ARM_CLOUD_METADATA_URL"))``: the operator says
    where the client connects), read as written, with no default or a constant one: the value
    goes only to the host it names. A variable named as a secret or as the user's or machine's
    identity, an address built around the value, or a default that is not a constant sends
    what it reads."""
    if call.labels(url) != {"secret"}:
        return False  # not one variable read (the whole environment, a store, host identity)
    if isinstance(url, ast.Call):
        written = ast.unparse(url.func)
        if written not in _ENVIRON_GETTERS or url.keywords or not url.args:
            return False
        if not all(isinstance(arg, ast.Constant) for arg in url.args):
            return False
        key: ast.expr = url.args[0]
    elif isinstance(url, ast.Subscript) and ast.unparse(url.value) == "os.environ":
        key = url.slice
    else:
        return False
    return (
        isinstance(key, ast.Constant)
        and isinstance(key.value, str)
        and configuration_variable(key.value)
    )


def used(call: CallSite, configured: Sequence[str]) -> None:
    """``client.get(path)``, ``sock.connect((host, port))``: a method of a client this module
    configured (``configured``: its constructor's constant arguments, the base address among
    them) reaches the network here. Loopback and private addresses are local services."""
    node = call.node
    folder = call.folder()
    texts = list(configured)
    for arg in [*node.args, *(k.value for k in node.keywords)]:
        texts.extend(iter_strings(folder.fold(arg)))
    if any(LOCAL_URL.search(t) or LOCAL_HOST.match(t) for t in texts):
        return
    suspicious = any(destinations.suspicious(t) for t in texts)
    attr = node.func.attr if isinstance(node.func, ast.Attribute) else call.name
    evidence = clip(" ".join(texts) or ast.unparse(node))
    _reaches(call, f"{attr}() of a network client", texts, suspicious, evidence)


def _reaches(call: CallSite, what: str, texts: list[str], suspicious: bool, evidence: str) -> None:
    """The address a call reaches, weighed: a paste site, webhook or raw address (hidden or
    not), a constant public address, or one computed at run time."""
    if suspicious:
        hidden = _hidden_address(call)
        call.emit(
            InstallTimeNetwork.HIDDEN if hidden else InstallTimeNetwork.SUSPICIOUS,
            f"{what} contacts {destinations.describe(texts)}"
            f"{' that it hides by encoding' if hidden else ''} {call.ctx.label}",
            evidence,
        )
    elif (urls := [t for t in texts if "://" in t]) and all(_INDEX_METADATA.match(u) for u in urls):
        call.emit(
            InstallTimeNetwork.REGISTRY,
            f"{what} reads a package index's metadata of a project {call.ctx.label}",
            evidence,
        )
    else:
        # a constant public address, fetched on import (loopback and private ones are tests)
        fixed = any("://" in t and not LOCAL_URL.search(t) for t in texts)
        call.emit(
            InstallTimeNetwork.FIXED if fixed else InstallTimeNetwork.COMPUTED,
            f"{what} reaches the network {call.ctx.label}",
            evidence,
        )


#: The public metadata APIs of the package indexes, one project's document each (PyPI's JSON
#: API, https://docs.pypi.org/api/json/, and its simple index; npm's registry documents): what
#: a version check reads. Files (``files.pythonhosted.org``, npm tarballs) are not metadata.
_INDEX_METADATA = re.compile(
    r"^https://(?:pypi\.org/pypi/[A-Za-z0-9._-]+(?:/[A-Za-z0-9._!+-]+)?/json"
    r"|pypi\.org/simple/[A-Za-z0-9._-]+"
    r"|registry\.npmjs\.org/(?:@[a-z0-9._~-]+/)?[a-z0-9._~-]+(?:/latest)?)/?$"
)


#: Names in a code object that show it uses the network (modules and their calls).
_NETWORK_NAMES = frozenset(
    {
        "urlopen",
        "urlretrieve",
        "requests",
        "httpx",
        "aiohttp",
        "urllib3",
        "http.client",
        "HTTPConnection",
        "HTTPSConnection",
        "create_connection",
        "websocket",
        "websockets",
    }
)


def embedded(call: CallSite, strings: list[str]) -> None:
    """A marshalled code object (run or loaded at ``call``) whose names include a network
    client and whose constants hold an address: it reaches that address, weighed as a call in
    plain code is (a paste site, webhook or raw address; hidden, since it only exists inside
    the encoded object)."""
    if not _NETWORK_NAMES.intersection(strings):
        return
    texts = [t for t in strings if "://" in t and not LOCAL_URL.search(t)]
    texts += [t for t in strings if destinations.suspicious(t) and t not in texts]
    if not texts:
        return
    suspicious = any(destinations.suspicious(t) for t in texts)
    _reaches(call, "marshalled code", texts[:5], suspicious, clip(" ".join(texts[:5])))


def _connects(call: CallSite) -> bool:
    """Whether a client constructor connects when it is given a host (``ftplib.FTP(host)``,
    ``smtplib.SMTP(host)``)."""
    node = call.node
    return call.name in CONNECTS_WHEN_BUILT and bool(
        node.args or any(k.arg == "host" for k in node.keywords)
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
    return bool(hiding(folder.trace.decoders)) or "decoded" in call.labels(url)
