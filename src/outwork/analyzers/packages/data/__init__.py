"""Data tables of the packages layer: what is dangerous, as data rather than branches of code.

Qualified names are what :mod:`outwork.analyzers.packages.pyscan` resolves a call to after
following imports, aliases, ``getattr`` and ``__import__`` indirection.
"""

from __future__ import annotations

import pkgutil
import re
from functools import cache

from outwork.analyzers.packages.keywords import Keywords

#: Calls that start another program.
PROCESS_CALLS: frozenset[str] = frozenset(
    {
        "os.system",
        "os.popen",
        "os.popen2",
        "os.popen3",
        "os.startfile",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execlpe",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.posix_spawn",
        "os.posix_spawnp",
        "subprocess.Popen",
        "subprocess.call",
        "subprocess.run",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "commands.getoutput",
        "commands.getstatusoutput",
        "pty.spawn",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "win32api.ShellExecute",
        "win32process.CreateProcess",
        "ctypes.windll.shell32.ShellExecuteW",
        "ctypes.windll.shell32.ShellExecuteA",
    }
)

#: Calls that install other packages while this one installs.
PIP_CALLS: frozenset[str] = frozenset(
    {"pip.main", "pip._internal.main", "pip._internal.cli.main.main"}
)

#: Options of ``pip install`` that change neither where packages come from nor which: with
#: them, requirements named in full are fetched from the default index as a declared build
#: requirement would be. Any other option (``-i``, ``--extra-index-url``, ``--trusted-host``,
#: ``-f``, ``-r``, ``-e``, ``--target``...) leaves the command graded as installing software.
PIP_INDEX_OPTIONS: frozenset[str] = frozenset(
    {
        "-U",
        "--upgrade",
        "-q",
        "-qq",
        "--quiet",
        "-v",
        "--verbose",
        "--user",
        "--pre",
        "--no-deps",
        "--no-cache-dir",
        "--force-reinstall",
        "-I",
        "--ignore-installed",
        "--no-build-isolation",
        "--prefer-binary",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--no-input",
        "--break-system-packages",
    }
)

#: Words pip and setuptools put on a ``setup.py`` command line: the commands of setuptools and
#: distutils (pip runs egg_info, dist_info, bdist_wheel, editable_wheel, install, develop and
#: clean; those run the rest), the values build backends give their options (``sdist
#: --formats gztar``, ``editable_wheel --mode strict``) and the script's own name
#: (``sys.argv[0]``). Their options start with a dash and their folders hold a slash: a test of
#: the command line against any other word (``publish``, ``release``) holds only when someone
#: runs ``setup.py WORD`` by hand.
SETUP_COMMAND_WORDS: frozenset[str] = frozenset(
    {
        "alias",
        "bdist",
        "bdist_dumb",
        "bdist_egg",
        "bdist_rpm",
        "bdist_wheel",
        "build",
        "build_clib",
        "build_ext",
        "build_py",
        "build_scripts",
        "check",
        "clean",
        "config",
        "develop",
        "dist_info",
        "easy_install",
        "editable_wheel",
        "egg_info",
        "install",
        "install_data",
        "install_egg_info",
        "install_headers",
        "install_lib",
        "install_scripts",
        "rotate",
        "saveopts",
        "sdist",
        "setopt",
        "test",
        "gztar",
        "bztar",
        "xztar",
        "ztar",
        "tar",
        "zip",
        "lenient",
        "strict",
        "compat",
        "setup.py",
    }
)

#: Chat-bot clients (Telegram, Discord): a bot built with a hard-coded token is a channel its
#: author reads, the way command-and-control and stealers use them.
CHAT_BOT_CLIENTS: frozenset[str] = frozenset(
    {
        "telebot.TeleBot",
        "telebot.async_telebot.AsyncTeleBot",
        "telegram.Bot",
        "telegram.ext.Application.builder",
        "telegram.ext.ApplicationBuilder",
        "telegram.ext.Updater",
        "aiogram.Bot",
        "pyrogram.Client",
        "telethon.TelegramClient",
        "telethon.sync.TelegramClient",
        "discord.Client",
        "discord.ext.commands.Bot",
        "discord.Webhook.from_url",
        "discord.SyncWebhook.from_url",
    }
)

#: Calls that reach the network. The value says which argument carries the data sent.
NETWORK_CALLS: frozenset[str] = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.request",
        "requests.Session",
        "requests.session",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.request",
        "httpx.Client",
        "httpx.AsyncClient",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.request.Request",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "urllib2.Request",
        "urllib3.PoolManager",
        "urllib3.request",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "socket.socket",
        "socket.create_connection",
        "socket.gethostbyname",
        "socket.getaddrinfo",
        "socket.gethostbyname_ex",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "aiohttp.ClientSession",
        "aiohttp.request",
        "ftplib.FTP",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "telnetlib.Telnet",
        "paramiko.SSHClient",
        "websocket.create_connection",
        "discord_webhook.DiscordWebhook",
        "dhooks.Webhook",
        "pycurl.Curl",
        *CHAT_BOT_CLIENTS,
    }
)

#: Chat-bot libraries, by import name.
CHAT_BOT_LIBRARIES = ("telebot", "telegram", "aiogram", "pyrogram", "telethon", "discord")
#: A module that imports a chat-bot library: the first parameter of its handlers (functions
#: registered by a decorator of an object, ``@bot.message_handler(...)``, ``@client.event``)
#: is a message someone else sent.
_CHAT_BOT_NAMES = "(?:" + "|".join(CHAT_BOT_LIBRARIES) + ")"
CHAT_BOT_IMPORT = re.compile(
    # ``from telebot import ...``, ``import telebot``, ``import os, subprocess, telebot as t``
    rf"^\s*(?:from\s+{_CHAT_BOT_NAMES}\b|"
    rf"import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*{_CHAT_BOT_NAMES}\b)",
    re.MULTILINE,
)

#: Parameters named as key material: a "wallet helper" that takes a private key, mnemonic or
#: seed phrase and sends it to a constant host steals it (legitimate wallets sign locally).
KEY_MATERIAL_PARAM = re.compile(
    r"(?:^|_)(?:private_?key|priv_?key|privkey|mnemonic|seed_?phrase|recovery_?phrase|"
    r"secret_?phrase|seed_?words|wallet_?seed|secret_?recovery)s?$",
    re.IGNORECASE,
)
#: Functions named for the key material they take first (``from_mnemonic(phrase)``,
#: ``import_private_key(value)``, ``restore_seed_phrase(words)``). A bare "seed" names random
#: seeds (``set_seed``, ``seed_everything``) as often as wallets, so it does not count.
KEY_MATERIAL_FUNCTION = re.compile(
    r"(?:^|_)(?:private_?key|privkey|mnemonic|seed_?phrase|recovery_?phrase|"
    r"secret_?phrase|seed_?words|wallet_?seed)(?:_|$)",
    re.IGNORECASE,
)

#: Constructors of a wallet library's signer: an object that holds a private key, signs with
#: it locally and shows only what the key holder publishes (:data:`SIGNER_PUBLIC_ATTRS`,
#: :data:`SIGNER_SIGNING_METHODS`). A library's own class by these names, not a look-alike of
#: the package's.
SIGNER_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "eth_account.Account.from_key",
        "eth_account.Account.from_mnemonic",
        "eth_account.Account.create",
        "eth_account.account.Account.from_key",
        "eth_account.account.Account.from_mnemonic",
        "eth_account.account.Account.create",
        "nacl.signing.SigningKey",
        "nacl.signing.SigningKey.generate",
        "solders.keypair.Keypair.from_bytes",
        "solders.keypair.Keypair.from_seed",
        "solders.keypair.Keypair.from_base58_string",
    }
)
#: What a signer shows of its key: the account's address and public key (a hash or the public
#: half, which the holder publishes).
SIGNER_PUBLIC_ATTRS: frozenset[str] = frozenset({"address", "public_key", "verify_key", "pubkey"})
#: A signer's methods that sign with the key: the result is a signature over what they are
#: handed (the message's own labels pass through), made to be sent.
SIGNER_SIGNING_METHODS: frozenset[str] = frozenset(
    {"sign_message", "sign_transaction", "sign_typed_data", "unsafe_sign_hash", "sign"}
)

#: Calls that return the caller's frames: what the program that uses the package is running.
CALLER_FRAMES: frozenset[str] = frozenset(
    {
        "inspect.stack",
        "inspect.currentframe",
        "inspect.getouterframes",
        "inspect.trace",
        "sys._getframe",
    }
)

#: Calls that read a module's or a frame's source.
SOURCE_READERS: frozenset[str] = frozenset(
    {
        "inspect.getsource",
        "inspect.getsourcelines",
        "inspect.getfile",
        "inspect.getsourcefile",
        "linecache.getlines",
        "open",
        "io.open",
        "pathlib.Path",
        "tokenize.open",
    }
)

#: Method names whose result is a cloud SDK's resolved credentials (boto3/botocore sessions).
CREDENTIAL_GETTERS: frozenset[str] = frozenset({"get_credentials", "get_frozen_credentials"})

#: Network classes whose constructor configures a client and sends nothing yet.
CLIENT_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "requests.Session",
        "requests.session",
        "httpx.Client",
        "httpx.AsyncClient",
        "urllib3.PoolManager",
        "aiohttp.ClientSession",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "socket.socket",
        "paramiko.SSHClient",
        "ftplib.FTP",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        *CHAT_BOT_CLIENTS,
    }
)

#: Calls whose result is bytes fetched from the network (download sources).
DOWNLOAD_CALLS: frozenset[str] = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.request",
        "httpx.get",
        "httpx.request",
        "urllib.request.urlopen",
        "urllib.urlopen",
        "urllib2.urlopen",
        "urllib3.request",
    }
)

#: Calls that run code held in a value.
EXEC_CALLS: frozenset[str] = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "execfile",
        "builtins.exec",
        "builtins.eval",
        "builtins.compile",
        "types.FunctionType",
        "types.CodeType",
        "code.InteractiveInterpreter.runsource",
        "runpy.run_path",
        "runpy.run_module",
    }
)

#: Calls that load compiled code objects from bytes.
MARSHAL_CALLS: frozenset[str] = frozenset(
    {"marshal.loads", "marshal.load", "pickle.loads", "dill.loads"}
)

#: Calls that import a module named by a value.
DYNAMIC_IMPORT_CALLS: frozenset[str] = frozenset(
    {"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"}
)

#: Decoders the folder evaluates statically (and whose results taint as decoded).
DECODE_CALLS: frozenset[str] = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.b85decode",
        "base64.a85decode",
        "base64.urlsafe_b64decode",
        "base64.standard_b64decode",
        "base64.decodebytes",
        "base64.decodestring",
        "binascii.unhexlify",
        "binascii.a2b_hex",
        "binascii.a2b_base64",
        "bytes.fromhex",
        "codecs.decode",
        "zlib.decompress",
        "lzma.decompress",
        "bz2.decompress",
        "gzip.decompress",
        "fernet.Fernet.decrypt",
        "cryptography.fernet.Fernet.decrypt",
        "Crypto.Cipher.AES.new",
    }
)

#: Calls whose result is a secret or identifies the host and its user.
SECRET_SOURCE_CALLS: frozenset[str] = frozenset(
    {
        "os.getenv",
        "os.environ.get",
        "os.environ.copy",
        "os.environ.items",
        "os.environ.values",
        "os.getenvb",
        "getpass.getuser",
        "getpass.getpass",
        "os.getlogin",
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "platform.uname",
        "uuid.getnode",
        "os.uname",
        "browser_cookie3.load",
        "browser_cookie3.chrome",
        "win32crypt.CryptUnprotectData",
        "pyperclip.paste",
        "PIL.ImageGrab.grab",
        "ImageGrab.grab",
        "pyautogui.screenshot",
    }
)

#: Attribute reads that are secrets.
SECRET_SOURCE_ATTRS: frozenset[str] = frozenset({"os.environ", "os.environb"})

#: Calls that write files; the first argument is the path.
FILE_WRITE_CALLS: frozenset[str] = frozenset(
    {"shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "os.rename", "os.replace"}
)

#: Subclassing one of these makes a class a setuptools/distutils command that runs at install.
INSTALL_COMMAND_BASES: frozenset[str] = frozenset(
    {
        "install",
        "develop",
        "egg_info",
        "build_py",
        "build_ext",
        "build",
        "sdist",
        "bdist_wheel",
        "bdist_egg",
        "install_lib",
        "install_scripts",
        "Command",
        "_install",
        "_develop",
        "_egg_info",
    }
)


class Prefiltered:
    """A case-insensitive pattern run only when one of its keywords occurs in the text.

    Large case-insensitive alternations cost Python's regex engine a scan per alternative; the
    keyword test rules out almost every string first. The pattern then runs with its literals
    lower-cased over the lower-cased text, which the regex engine scans several times faster
    than a case-insensitive pattern (tens of times on text that is not ASCII); the match it
    returns is the original pattern's at the same place, so callers see exactly what a plain
    case-insensitive search gives. That holds on every text that lower-cases character for
    character and holds none of :data:`CASE_FOLDS_TO_ASCII`; the rest is searched as it is.

    The three expressions are compiled on first use, not at import (a scan that never meets a
    string worth searching, or never a hit, pays nothing for them).
    """

    __slots__ = ("by_line", "folded", "index", "keywords", "regex", "screen", "source")

    source: str
    keywords: tuple[str, ...]
    #: the case-insensitive pattern itself
    regex: re.Pattern[str]
    #: the keywords as one alternation: for short texts, one scan instead of one per keyword
    screen: re.Pattern[str]
    #: the pattern with its literals lower-cased, for lower-cased ASCII text
    folded: re.Pattern[str]
    #: whether every match lies within one line and holds one of the keywords (see
    #: :func:`line_bound`): long texts are then searched only in the lines naming a keyword
    by_line: bool
    #: the keywords, found in one pass over a long text
    index: Keywords

    def __init__(self, source: str, keywords: tuple[str, ...]) -> None:
        if not source.isascii():
            raise ValueError("a prefiltered pattern names ASCII characters only")
        if any("\n" in k or k != k.lower() for k in keywords):
            raise ValueError("keywords are lower-case and hold no line break")
        self.source = source
        self.keywords = keywords
        self.index = Keywords(keywords)

    def __getattr__(self, name: str) -> re.Pattern[str] | bool:
        """Compile an expression the first time it is read (later reads find the slot set)."""
        if name == "by_line":
            self.by_line = line_bound(self.source, self.keywords)
            return self.by_line
        if name == "regex":
            self.regex = re.compile(self.source, re.IGNORECASE)
            return self.regex
        if name in ("screen", "folded"):
            self.screen = re.compile("|".join(map(re.escape, self.keywords)))
            self.folded = re.compile(fold_literals(self.source))
            return self.screen if name == "screen" else self.folded
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"Prefiltered({self.source!r}, {self.keywords!r})"

    def search(self, text: str) -> re.Match[str] | None:
        lower = text.lower()
        short = len(lower) < _SCREEN_BY_REGEX
        starts: list[int] = []
        if short:
            if self.screen.search(lower) is None:
                return None
        else:
            starts = self.index.starts(lower)
            if not starts:
                return None
        if not text.isascii() and (
            len(lower) != len(text) or CASE_FOLDS_TO_ASCII.search(text) is not None
        ):
            return self.regex.search(text)
        if short or not self.by_line:
            hit = self.folded.search(lower)
        else:
            hit = self._by_line(lower, starts)
        return None if hit is None else self.regex.match(text, hit.start())

    def _by_line(self, lower: str, starts: list[int]) -> re.Match[str] | None:
        """The leftmost match of :attr:`folded` in ``lower``, looked for only in the lines
        where a keyword starts (``starts``), in order."""
        searched = 0  # lines before this offset are done
        for at in sorted(starts):
            if at < searched:
                continue
            start = lower.rfind("\n", 0, at) + 1
            end = lower.find("\n", at)
            if end < 0:
                end = len(lower)
            hit = self.folded.search(lower, start, end)
            if hit is not None:
                return hit
            searched = end
        return None


#: Characters beyond ASCII that a case-insensitive pattern matches to ASCII letters (the
#: dotted and dotless i, the long s, the Kelvin sign), or whose lower case is not one
#: character of the same kind (word, space, digit); a test derives the set from Unicode.
CASE_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
#: Below this length the keyword alternation is faster than one substring search per keyword.
_SCREEN_BY_REGEX = 512
_LITERAL_OR_ESCAPE = re.compile(r"\\.|[A-Z]+")


#: Escapes that can match a line break or an anchor's position (``\\s``, ``\\Z``...).
_MULTILINE_ESCAPES = frozenset("sSWDnrAZ")
_QUANTIFIERS = frozenset("?*{+")


def line_bound(pattern: str, keywords: tuple[str, ...]) -> bool:
    """Whether no match of ``pattern`` (case-insensitive) can hold a line break and every match
    holds one of ``keywords``: the pattern names no character class or escape that matches a
    line break, no ``.``, no anchor, and every top-level alternative has a run of literal
    characters, none of them optional, that holds a keyword. Conservative: a pattern this
    cannot prove is searched whole."""
    runs: list[str] = []  # literal runs of the current alternative
    run: list[str] = []
    alternatives: list[list[str]] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped in _MULTILINE_ESCAPES:
                return False
            if escaped.isalnum():  # \b, \d, \w: not a literal character
                runs.append("".join(run))
                run = []
            else:
                run.append(escaped)
            i += 2
        elif char == "[":
            close = pattern.find("]", i + 2)
            inner = pattern[i + 1 : close]
            if close < 0 or inner.startswith("^") or "\n" in inner:
                return False
            if any(f"\\{e}" in inner for e in _MULTILINE_ESCAPES):
                return False
            runs.append("".join(run))
            run = []
            i = close + 1
        elif char in "$^.":
            return False
        elif char == "(":
            depth += 1
            runs.append("".join(run))
            run = []
            i += 1
        elif char == ")":
            depth -= 1
            i += 1
        elif char == "|" and depth == 0:
            runs.append("".join(run))
            alternatives.append(runs)
            runs, run = [], []
            i += 1
        elif char in _QUANTIFIERS:
            if run and depth == 0:
                run.pop()  # the character before it is optional or repeated
            runs.append("".join(run))
            run = []
            if char == "{":
                i = pattern.find("}", i) + 1 or len(pattern)
            else:
                i += 1
        else:
            if depth == 0:
                run.append(char.lower())
            i += 1
    runs.append("".join(run))
    alternatives.append(runs)
    return all(any(k in r for r in runs for k in keywords) for runs in alternatives)


def fold_literals(pattern: str) -> str:
    """``pattern`` with its upper-case letters lower-cased, escapes (``\\S``, ``\\D``) kept.

    Without ``re.IGNORECASE`` it matches lower-cased ASCII text exactly where the original,
    case-insensitive, matches the text: every letter it names stands for both cases there.
    """
    return _LITERAL_OR_ESCAPE.sub(
        lambda m: m.group(0) if m.group(0).startswith("\\") else m.group(0).lower(), pattern
    )


def _pattern(source: str, keywords: str) -> Prefiltered:
    return Prefiltered(source, tuple(keywords.split(",")))


def _program(name: str) -> str:
    """``name`` where a shell would run it as the program: a whole word, after a folder
    (``/usr/bin/curl``) and before ``.exe``; not part of another program's name
    (``curl-config``, ``ssh-keygen``), of a folder (``./curl-7.83.1/``, ``include/curl/``,
    ``~/.ssh/``) or of an option (``--with-curl``)."""
    return rf"(?<![\w.-]){name}(?:\.exe)?(?![\w./\\-])"


#: Programs that run, fetch or schedule what their arguments name (shells, interpreters,
#: downloaders, remote shells, Windows' script hosts and proxy-execution binaries): a decoded
#: argument of one of them may be the payload itself (:func:`..pyscan.data_arguments_only`).
CODE_RUNNERS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh", "ash", "busybox", "env", "sudo",
     "doas", "su", "nohup", "setsid", "xargs", "timeout", "nice", "watch", "script", "expect",
     "cmd", "powershell", "pwsh", "wsl", "python", "pythonw", "py", "pypy", "ipython", "node",
     "nodejs", "deno", "bun", "npx", "perl", "ruby", "irb", "php", "lua", "tclsh", "wish",
     "java", "jshell", "osascript", "open", "xdg-open", "explorer", "start", "wscript",
     "cscript", "mshta", "rundll32", "regsvr32", "msiexec", "installutil", "regasm", "regsvcs",
     "msbuild", "certutil", "bitsadmin", "schtasks", "at", "crontab", "systemd-run",
     "launchctl", "curl", "wget", "aria2c", "nc", "ncat", "netcat", "socat", "telnet", "ssh",
     "scp", "sftp", "rsync", "ftp", "tftp", "awk", "gawk", "find", "make", "eval", "exec",
     "source"}
)  # fmt: skip

#: Commands (after folding) that download, hide or hand control to a shell: strong evidence.
#: PowerShell's ``-e``/``-enc`` takes base64 of UTF-16 text, never a bare hexadecimal token:
#: ``git cat-file -e`` of an object id is no encoded command.
STRONG_COMMAND_RE = _pattern(
    r"powershell|pwsh|-e(nc(odedcommand)?)?\s+(?![0-9a-f]+(?![A-Za-z0-9+/=]))[A-Za-z0-9+/=]{16,}|"
    r"invoke-webrequest|\biwr\b|"
    r"invoke-expression|\biex\b|downloadstring|downloadfile|start-process|bitsadmin|certutil|"
    r"mshta|rundll32|regsvr32|wscript|cscript|schtasks|reg\s+add|"
    rf"{_program('curl')}[^|;&]*(https?://|\|)|{_program('wget')}[^|;&]*https?://|"
    r"\|\s*(ba|z|da)?sh\b|/dev/tcp/|"
    r"\bnc\b.*-e|\bncat\b|bash\s+-i|base64\s+(-d|--decode)|chmod\s+\+?[0-7]*x|"
    r"net\s+user\s+/add|net\s+localgroup|\.exe\b.*https?://|https?://\S+\.(exe|bat|ps1|vbs|scr|sh|bin)\b|"
    r"start\s+\S+\.exe|attrib\s+\+h|taskkill|vssadmin|cmd(\.exe)?\s+/c\s+start|"
    # an AI coding agent started with its approvals switched off, flags from each tool's own
    # documentation: Claude Code --dangerously-skip-permissions (docs.anthropic.com, CLI
    # reference), Gemini CLI --yolo / --approval-mode yolo (github.com/google-gemini/gemini-cli),
    # OpenAI Codex CLI --dangerously-bypass-approvals-and-sandbox (github.com/openai/codex),
    # Amazon Q Developer CLI q chat --trust-all-tools (docs.aws.amazon.com), GitHub Copilot CLI
    # --allow-all-tools (docs.github.com). A package that starts one hands a language model
    # the user's disk and shell (the 2025 npm worms asked such agents to search the disk for
    # secrets and wallets)
    r"--dangerously-skip-permissions|--dangerously-bypass-approvals|--yolo\b|"
    r"--approval-mode[= ]yolo|--trust-all-tools|--allow-all-tools",
    "powershell,pwsh,-e,invoke,iwr,iex,download,start-,bitsadmin,certutil,mshta,rundll32,"
    "regsvr32,wscript,cscript,schtasks,reg ,curl,wget,|,/dev/tcp,nc ,ncat,bash,base64,"
    "chmod,net ,.exe,.bat,.ps1,.vbs,.scr,.sh,.bin,attrib,taskkill,vssadmin,cmd,--dangerously,"
    "--yolo,--approval-mode,--trust-all-tools,--allow-all-tools",
)

#: Weaker command evidence: installing more packages, reaching hosts, running shells.
#: Container engines build, pull and run images with the network and the engine's daemon
#: (root on most hosts, the host's folders a ``-v`` away): what a package's shipped
#: Dockerfile does is decided by the command that builds it.
WEAK_COMMAND_RE = _pattern(
    r"https?://|pip3?\s+install|-m\s+pip\s+install|\.exe\b|cmd(\.exe)?\s+/c|\bstart\s|/tmp/|"
    r"%temp%|%appdata%|"
    + "|".join(map(_program, ("curl", "wget", "nohup", "crontab", "sudo", "scp", "ssh")))
    + "|"
    # a system package manager installing software (what ``sudo`` usually precedes)
    + _program("(apt-get|apt|aptitude|yum|dnf|zypper|brew|port|choco|winget|scoop|snap|gem)")
    + r"\s+(-\S+\s+)*install\b|"
    + _program("apk")
    + r"\s+(-\S+\s+)*add\b|"
    + _program("pacman")
    + r"\s+-S|"
    r"\b(docker|podman|nerdctl)(\s+(buildx|compose|image|container))?\s+(build|run|pull|create|up)\b|"
    r"\bbuildah\s+(bud|build|from|run)\b",
    "http,curl,wget,pip,.exe,cmd,start,nohup,crontab,sudo,scp,ssh,/tmp/,%temp%,%appdata%,"
    "docker,podman,nerdctl,buildah,install,apk,pacman",
)

#: URL shapes of a payload or a collector, whatever the host (the hosts themselves are weighed
#: by class: ``destinations.toml``): a script or program fetched from raw repository content,
#: a PHP endpoint.
PAYLOAD_URL_RE = _pattern(
    r"\.php\b|raw\.githubusercontent\.com/[^\s\"']+\.(exe|py|sh)",
    ".php,raw.githubusercontent",
)

#: Places whose reading is credential harvesting (a relative path into the package's own tree
#: is not one: see :mod:`..stores`, which also takes a path ending at a chat client's folder).
CREDENTIAL_PATH_RE = _pattern(
    r"\.ssh[/\\]|id_rsa|id_ed25519|\.aws[/\\]credentials|\.aws/config|\.azure[/\\]|"
    r"gcloud[/\\]credentials|application_default_credentials|\.kube[/\\]config|\.docker[/\\]config|"
    r"\.npmrc|\.pypirc|\.git-credentials|\.netrc|Login Data|Web Data|Local State|"
    r"Local Storage[/\\]+leveldb|discord(canary|ptb)?[/\\]|"
    r"Telegram Desktop[/\\]+tdata|\btdata[/\\]|"
    r"wallet\.dat|Exodus|Electrum|Atomic[/\\]|MetaMask|nkbihfbeogaeaoehlefnkodbefgpgknn|"
    r"Ethereum[/\\]keystore|Bitcoin[/\\]|Coinomi|Guarda|Jaxx|Armory|"
    r"Mozilla[/\\]Firefox[/\\]Profiles|Google[/\\]Chrome[/\\]User Data|BraveSoftware|"
    r"Opera Software|Microsoft[/\\]Edge[/\\]User Data|Yandex[/\\]YandexBrowser|"
    r"/etc/shadow|login\.keychain|\.bash_history|\.zsh_history|FileZilla|"
    r"sitemanager\.xml|Steam[/\\]config|\.minecraft|Roblox",
    ".ssh,id_rsa,id_ed25519,.aws,.azure,gcloud,application_default,.kube,.docker,.npmrc,"
    ".pypirc,.git-credentials,.netrc,login data,web data,local state,leveldb,discord,"
    "telegram,tdata,wallet,exodus,electrum,atomic,metamask,nkbihf,ethereum,"
    "bitcoin,coinomi,guarda,jaxx,armory,firefox,user data,bravesoftware,opera software,"
    "yandexbrowser,/etc/shadow,/etc/passwd,keychain,_history,filezilla,sitemanager,steam,"
    ".minecraft,roblox",
)

#: Credential stores that only their owner's programs read: private keys, shell history, browser
#: profiles, chat sessions, wallets. Unlike tool credentials (``.netrc``, ``.pypirc``, cloud
#: config), which SDKs send to their own service, no library uploads these.
PRIVATE_STORE_RE = _pattern(
    r"id_rsa\b|id_ed25519\b|id_ecdsa\b|\.bash_history|\.zsh_history|Login Data|Web Data|"
    r"Local State|Local Storage[/\\]+leveldb|\btdata[/\\]|wallet\.dat|Exodus|Electrum|MetaMask|"
    r"Ethereum[/\\]keystore|Mozilla[/\\]Firefox[/\\]Profiles|Google[/\\]Chrome[/\\]User Data|"
    r"login\.keychain|/etc/shadow|sitemanager\.xml",
    "id_rsa,id_ed25519,id_ecdsa,_history,login data,web data,local state,leveldb,tdata,wallet,"
    "exodus,electrum,metamask,ethereum,firefox,user data,keychain,/etc/shadow,sitemanager",
)

#: Files that hold a whole configured environment: ``.env`` files, a process's environment.
DUMP_FILE_RE = _pattern(
    r"(?:^|[/\\])\.env(?:\.[\w-]+)?$|/proc/(?:self|\d+)/environ",
    ".env,environ",
)

#: A Kubernetes pod's service-account token (sent anywhere but the cluster's API server, it
#: hands over the pod's identity).
SERVICE_TOKEN_RE = _pattern(r"serviceaccount[/\\]token", "serviceaccount")

#: Places whose writing gives persistence: start-up folders, shell rc files, cron, services, keys.
PERSISTENCE_PATH_RE = _pattern(
    r"Start Menu[/\\]+Programs[/\\]+Startup|Microsoft[/\\]+Windows[/\\]+Start Menu|"
    r"CurrentVersion[/\\]+Run|\.bashrc|\.bash_profile|\.zshrc|\.profile\b|/etc/profile|"
    r"/etc/rc\.local|crontab|/etc/cron|/var/spool/cron|systemd[/\\]system|\.config[/\\]systemd|"
    r"\.config[/\\]autostart|LaunchAgents|LaunchDaemons|authorized_keys|/etc/sudoers|"
    r"/etc/ld\.so\.preload|sitecustomize\.py|usercustomize\.py|\.pth$",
    "start,currentversion,.bash,.zshrc,.profile,/etc/,crontab,/var/spool,systemd,"
    "autostart,launch,authorized_keys,customize,.pth",
)

#: Strings that probe for analysis sandboxes and debuggers.
ANTI_ANALYSIS_RE = _pattern(
    r"IsDebuggerPresent|CheckRemoteDebuggerPresent|vmware|virtualbox|vboxservice|vboxtray|"
    r"qemu-ga|sandboxie|SbieDll|wireshark|procmon|x64dbg|ollydbg|ida64|fiddler|"
    r"HTTP Debugger|processhacker|WDAGUtilityAccount|Hyper-V",
    "debugger,vmware,virtualbox,vbox,qemu,sandboxie,sbiedll,wireshark,procmon,x64dbg,"
    "ollydbg,ida64,fiddler,http debugger,processhacker,wdagutility,hyper-v",
)

#: npm lifecycle scripts that run during installation.
NPM_INSTALL_SCRIPTS: tuple[str, ...] = (
    "preinstall",
    "install",
    "postinstall",
    "prepare",
    "preuninstall",
)


@cache
def top_ranked(registry: str) -> tuple[str, ...]:
    """The most-downloaded names of a registry (``pypi`` or ``npm``), normalised, the most
    downloaded first: where several could match, the order decides, the same on every run."""
    data = pkgutil.get_data(__name__, f"top-{registry}.txt")
    if data is None:
        raise FileNotFoundError(f"top-{registry}.txt is missing from {__name__}")
    text = data.decode("utf-8")
    return tuple(
        dict.fromkeys(
            line.strip().lower()
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")
        )
    )


@cache
def top_names(registry: str) -> frozenset[str]:
    """:func:`top_ranked` as a set, for membership tests (never iterated: a set's order changes
    from one run to the next)."""
    return frozenset(top_ranked(registry))


@cache
def popular_modules() -> dict[str, frozenset[str]]:
    """Top-level import names of the most-downloaded PyPI projects -> the projects (normalised
    names) that legitimately ship each (``top-modules.txt``, written by
    ``scripts/popular_names.py``)."""
    data = pkgutil.get_data(__name__, "top-modules.txt")
    if data is None:
        raise FileNotFoundError(f"top-modules.txt is missing from {__name__}")
    table: dict[str, frozenset[str]] = {}
    for line in data.decode("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            module, _, owners = line.partition("\t")
            table[module.strip()] = frozenset(owners.split())
    return table


#: Credentials of well-known platforms, by the prefix of the environment variable that holds
#: them (the names each platform's own tools document: AWS CLI ``AWS_*``, GitHub Actions
#: ``GITHUB_TOKEN``/``GH_TOKEN``, npm ``NPM_TOKEN``, twine ``TWINE_*``/``PYPI_*``, Azure SDK
#: ``AZURE_*``, Google Cloud ``GOOGLE_*``/``GCP_*``/``GCLOUD_*``, and the AI, chat and payment
#: APIs named the same way), with the domains that platform's own endpoints live under. Sent
#: to a constant host outside them, the credential is sent to someone else: a client only sends
#: a platform's credential to that platform. Only variables named as credentials count (KEY, TOKEN,
#: SECRET, PASSWORD, CREDENTIAL, AUTH, SESSION: flow._SECRET_WORD), not settings (AWS_REGION).
SECRET_VENDORS: dict[str, tuple[str, ...]] = {
    "AWS_": ("amazonaws.com", "amazon.com", "amazonaws.com.cn"),
    "GITHUB_": ("github.com", "githubusercontent.com", "github.io", "ghe.com"),
    "GH_": ("github.com", "githubusercontent.com", "ghe.com"),
    "NPM_": ("npmjs.org", "npmjs.com"),
    "TWINE_": ("pypi.org", "python.org"),
    "PYPI_": ("pypi.org", "python.org"),
    "AZURE_": ("azure.com", "windows.net", "microsoft.com", "microsoftonline.com", "azure.net"),
    "GOOGLE_": ("googleapis.com", "google.com", "gstatic.com"),
    "GCP_": ("googleapis.com", "google.com"),
    "GCLOUD_": ("googleapis.com", "google.com"),
    "OPENAI_": ("openai.com", "azure.com"),
    "ANTHROPIC_": ("anthropic.com",),
    "HF_": ("huggingface.co", "hf.co"),
    "HUGGINGFACE_": ("huggingface.co", "hf.co"),
    "SLACK_": ("slack.com",),
    "STRIPE_": ("stripe.com",),
    "DIGITALOCEAN_": ("digitalocean.com", "digitaloceanspaces.com"),
    "HEROKU_": ("heroku.com",),
    "CIRCLE_": ("circleci.com",),
    "GITLAB_": ("gitlab.com",),
    "CI_JOB_TOKEN": ("gitlab.com",),
    # a pod's service-account token (SERVICE_TOKEN_RE) belongs to its cluster's API server,
    # by name or by the address Kubernetes puts in every pod's environment (folded as
    # ``%KUBERNETES_SERVICE_HOST%``: kubernetes.io, "Accessing the Kubernetes API from a Pod")
    "KUBERNETES_": (
        "kubernetes.default.svc",
        "cluster.local",
        "svc",
        "%kubernetes_service_host%",
    ),
}
