"""Data tables of the malware and persistence rules: what miners, reverse shells, web shells and
persistence entries look like, as behaviour (a protocol, a socket wired to a shell, request data
handed to an interpreter), not as the names or hashes of one sample."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    pattern: re.Pattern[bytes]
    #: Strong indicators decide alone; weak ones need a second, different one.
    strong: bool
    #: Lower-case literals every match holds: one of each group. A text without them cannot
    #: match, so the pattern is not run on it (patterns are case-insensitive, ASCII-only, as
    #: ``bytes.lower`` is). Empty: the pattern has no literal; it runs when another indicator
    #: of its family was found (alone it decides nothing, see ``decided``), so it must be weak.
    needs: tuple[tuple[bytes, ...], ...]


def _i(name: str, pattern: str, needs: tuple[str, ...], strong: bool = False) -> Indicator:
    """``needs``: one string per group, its alternatives separated by spaces."""
    groups = tuple(tuple(word.encode() for word in group.split()) for group in needs)
    if not groups and strong:
        raise ValueError(f"{name}: a strong indicator needs literals to look for first")
    return Indicator(name, re.compile(pattern.encode(), re.I), strong, groups)


#: Cryptocurrency miners: the mining protocol, the pools' and miners' own vocabulary, wallets.
MINER = (
    _i(
        "stratum mining protocol URL",
        r"stratum\+(?:tcp|ssl|tls)://[\w.-]+",
        ("stratum+",),
        strong=True,
    ),
    _i(
        "mining pool host",
        r"\b(?:[\w-]+\.)*(?:minexmr|supportxmr|moneroocean|nanopool|2miners|f2pool|hashvault"
        r"|c3pool|herominers|xmrpool|minergate|nicehash|unmineable|dwarfpool|mining(?:pool)?hub)"
        r"\.(?:com|org|net|pro|stream|eu)\b",
        (
            "minexmr supportxmr moneroocean nanopool 2miners f2pool hashvault c3pool herominers"
            " xmrpool minergate nicehash unmineable dwarfpool mining",
        ),
        strong=True,
    ),
    _i("XMRig miner", r"\bxmrig\b", ("xmrig",)),
    _i(
        "miner configuration keys",
        r"\"(?:donate-level|randomx|cpu-priority|rig-id)\"\s*:",
        ("donate-level randomx cpu-priority rig-id",),
    ),
    _i(
        "mining algorithm",
        r"\b(?:cryptonight|randomx|rx/0|kawpow|ethash)\b",
        ("cryptonight randomx rx/0 kawpow ethash",),
    ),
    _i("Monero wallet address", r"(?<![\w])[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?![\w])", ()),
    _i(
        "cpuminer",
        r"\b(?:cpuminer|minerd|ccminer|t-rex|lolminer|nbminer)\b",
        ("cpuminer minerd ccminer t-rex lolminer nbminer",),
    ),
)

#: A shell or interpreter wired to a network socket.
REVERSE_SHELL = (
    _i(
        "shell redirected to /dev/tcp",
        r"(?:ba)?sh\s+-i\s*[^\n]{0,40}/dev/(?:tcp|udp)/",
        ("sh", "-i", "/dev/tcp/ /dev/udp/"),
        strong=True,
    ),
    _i(
        "output redirected to a socket",
        r"(?:>&|&>)\s*/dev/(?:tcp|udp)/[\w.-]+/\d+",
        (">& &>", "/dev/tcp/ /dev/udp/"),
        strong=True,
    ),
    _i(
        "socket wired to standard input",
        r"/dev/(?:tcp|udp)/[\w.-]+/\d+\s+0>&1",
        ("0>&1", "/dev/tcp/ /dev/udp/"),
        strong=True,
    ),
    _i(
        "netcat executing a shell",
        r"\b(?:nc|ncat|netcat)\b[^\n|;]{0,60}\s-[ec]\s*/?\S*sh\b",
        ("nc netcat", "-e -c", "sh"),
        strong=True,
    ),
    _i(
        "shell piped to netcat",
        r"\b(?:ba)?sh\s+-i\s*[^\n]{0,20}\|\s*(?:nc|ncat|netcat)\b",
        ("sh", "-i", "|", "nc netcat"),
        strong=True,
    ),
    _i(
        "socat exec of a shell",
        r"\bsocat\b[^\n]{0,80}exec:['\"]?[\w/]*sh\b",
        ("socat", "exec:"),
        strong=True,
    ),
    _i(
        "interpreter socket duplicated onto stdio",
        r"\.connect\([\s\S]{0,300}?dup2\([\s\S]{0,300}?(?:pty\.spawn|/bin/(?:ba)?sh|call\()",
        (".connect(", "dup2("),
        strong=True,
    ),
    _i(
        "perl socket shell",
        r"use\s+Socket[^\n]{0,300}exec\s*\(?\s*['\"]/bin/(?:ba)?sh",
        ("socket", "exec", "/bin/"),
        strong=True,
    ),
    _i(
        "fifo shell relay",
        r"mkfifo\s+\S+[^\n]{0,80}\|\s*(?:ba)?sh\s+-i",
        ("mkfifo", "-i"),
        strong=True,
    ),
)

#: Request data handed to an interpreter or a shell (PHP, JSP, ASP.NET).
WEB_SHELL = (
    _i(
        "PHP request data evaluated",
        r"\b(?:eval|assert|create_function|preg_replace)\s*\(\s*(?:base64_decode\s*\(\s*)?"
        r"(?:gzinflate\s*\(\s*)?(?:str_rot13\s*\(\s*)?\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\b",
        ("$_", "eval assert create_function preg_replace"),
        strong=True,
    ),
    _i(
        "PHP request data run as a command",
        r"\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(\s*"
        r"\$_(?:GET|POST|REQUEST|COOKIE)\b",
        ("$_", "system exec passthru popen proc_open"),
        strong=True,
    ),
    _i(
        "PHP backtick command from request",
        r"`\s*\$_(?:GET|POST|REQUEST)\[",
        ("`", "$_"),
        strong=True,
    ),
    _i(
        "JSP request parameter run as a command",
        r"Runtime\.getRuntime\(\)\.exec\(\s*request\.getParameter",
        ("runtime.getruntime().exec(", "request.getparameter"),
        strong=True,
    ),
    _i(
        "ASP.NET request run as a process",
        r"Process\.Start\([^)]{0,200}Request(?:\.Form|\.QueryString|\[)",
        ("process.start(", "request"),
        strong=True,
    ),
)
WEB_SUFFIXES = (".php", ".phtml", ".php5", ".php7", ".jsp", ".jspx", ".asp", ".aspx", ".ashx")

#: What makes a scheduled or started command an attacker's: fetching and running code, running
#: from world-writable or hidden places, decoding a payload.
SUSPICIOUS_COMMAND = (
    _i(
        "download piped to a shell",
        r"\b(?:curl|wget)\b[^\n|]*\|\s*(?:ba|z|da)?sh\b",
        ("curl wget", "|", "sh"),
        strong=True,
    ),
    _i(
        "download then run",
        r"\b(?:curl|wget)\b[^\n]*(?:;|&&)\s*(?:ba)?sh\s",
        ("curl wget", "; &&", "sh"),
        strong=True,
    ),
    _i(
        "runs from a world-writable folder",
        r"(?:^|[\s'\"=])/(?:tmp|dev/shm|var/tmp)/\S+",
        ("/tmp/ /dev/shm/ /var/tmp/",),  # noqa: S108 - paths looked for, not used
    ),
    _i(
        "decodes a payload",
        r"base64\s+(?:-d|--decode)\b[^\n]*\|\s*(?:ba)?sh",
        ("base64", "-d --decode", "|", "sh"),
        strong=True,
    ),
    _i("hidden executable", r"(?:^|\s)/[\w/.-]*/\.[\w.-]+(?:\s|$)", ("/.",)),
)


def matches(indicators: tuple[Indicator, ...], data: bytes) -> list[tuple[Indicator, int]]:
    """Each indicator found, with the offset of its first match.

    A pattern runs only on a text that holds its literals (``Indicator.needs``), and the weak
    patterns without literals only once another indicator was found: the answer is the one
    every pattern run on every text would give, at the cost of one ``lower`` and a few
    substring searches for the texts that hold none of them (almost all)."""
    lowered = data.lower()
    found: list[tuple[Indicator, int]] = []
    later: list[Indicator] = []
    for indicator in indicators:
        if not indicator.needs:
            later.append(indicator)
        elif all(any(word in lowered for word in group) for group in indicator.needs):
            hit = indicator.pattern.search(data)
            if hit is not None:
                found.append((indicator, hit.start()))
    for indicator in later if found else ():
        hit = indicator.pattern.search(data)
        if hit is not None:
            found.append((indicator, hit.start()))
    order = {indicator.name: n for n, indicator in enumerate(indicators)}
    return sorted(found, key=lambda item: order[item[0].name])


def decided(found: list[tuple[Indicator, int]]) -> bool:
    """A strong indicator, or two different weak ones."""
    return any(i.strong for i, _ in found) or len({i.name for i, _ in found}) >= 2


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
