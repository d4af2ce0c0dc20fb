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


def _i(name: str, pattern: str, strong: bool = False) -> Indicator:
    return Indicator(name, re.compile(pattern.encode(), re.I), strong)


#: Cryptocurrency miners: the mining protocol, the pools' and miners' own vocabulary, wallets.
MINER = (
    _i("stratum mining protocol URL", r"stratum\+(?:tcp|ssl|tls)://[\w.-]+", strong=True),
    _i(
        "mining pool host",
        r"\b(?:[\w-]+\.)*(?:minexmr|supportxmr|moneroocean|nanopool|2miners|f2pool|hashvault"
        r"|c3pool|herominers|xmrpool|minergate|nicehash|unmineable|dwarfpool|mining(?:pool)?hub)"
        r"\.(?:com|org|net|pro|stream|eu)\b",
        strong=True,
    ),
    _i("XMRig miner", r"\bxmrig\b"),
    _i("miner configuration keys", r"\"(?:donate-level|randomx|cpu-priority|rig-id)\"\s*:"),
    _i("mining algorithm", r"\b(?:cryptonight|randomx|rx/0|kawpow|ethash)\b"),
    _i("Monero wallet address", r"(?<![\w])[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?![\w])"),
    _i("cpuminer", r"\b(?:cpuminer|minerd|ccminer|t-rex|lolminer|nbminer)\b"),
)

#: A shell or interpreter wired to a network socket.
REVERSE_SHELL = (
    _i("shell redirected to /dev/tcp", r"(?:ba)?sh\s+-i\s*[^\n]{0,40}/dev/(?:tcp|udp)/", True),
    _i("output redirected to a socket", r"(?:>&|&>)\s*/dev/(?:tcp|udp)/[\w.-]+/\d+", True),
    _i("socket wired to standard input", r"/dev/(?:tcp|udp)/[\w.-]+/\d+\s+0>&1", True),
    _i("netcat executing a shell", r"\b(?:nc|ncat|netcat)\b[^\n|;]{0,60}\s-[ec]\s*/?\S*sh\b", True),
    _i("shell piped to netcat", r"\b(?:ba)?sh\s+-i\s*[^\n]{0,20}\|\s*(?:nc|ncat|netcat)\b", True),
    _i("socat exec of a shell", r"\bsocat\b[^\n]{0,80}exec:['\"]?[\w/]*sh\b", True),
    _i(
        "interpreter socket duplicated onto stdio",
        r"\.connect\([\s\S]{0,300}?dup2\([\s\S]{0,300}?(?:pty\.spawn|/bin/(?:ba)?sh|call\()",
        True,
    ),
    _i("perl socket shell", r"use\s+Socket[^\n]{0,300}exec\s*\(?\s*['\"]/bin/(?:ba)?sh", True),
    _i("fifo shell relay", r"mkfifo\s+\S+[^\n]{0,80}\|\s*(?:ba)?sh\s+-i", True),
)

#: Request data handed to an interpreter or a shell (PHP, JSP, ASP.NET).
WEB_SHELL = (
    _i(
        "PHP request data evaluated",
        r"\b(?:eval|assert|create_function|preg_replace)\s*\(\s*(?:base64_decode\s*\(\s*)?"
        r"(?:gzinflate\s*\(\s*)?(?:str_rot13\s*\(\s*)?\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\b",
        True,
    ),
    _i(
        "PHP request data run as a command",
        r"\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(\s*"
        r"\$_(?:GET|POST|REQUEST|COOKIE)\b",
        True,
    ),
    _i("PHP backtick command from request", r"`\s*\$_(?:GET|POST|REQUEST)\[", True),
    _i(
        "JSP request parameter run as a command",
        r"Runtime\.getRuntime\(\)\.exec\(\s*request\.getParameter",
        True,
    ),
    _i(
        "ASP.NET request run as a process",
        r"Process\.Start\([^)]{0,200}Request(?:\.Form|\.QueryString|\[)",
        True,
    ),
)
WEB_SUFFIXES = (".php", ".phtml", ".php5", ".php7", ".jsp", ".jspx", ".asp", ".aspx", ".ashx")

#: What makes a scheduled or started command an attacker's: fetching and running code, running
#: from world-writable or hidden places, decoding a payload.
SUSPICIOUS_COMMAND = (
    _i("download piped to a shell", r"\b(?:curl|wget)\b[^\n|]*\|\s*(?:ba|z|da)?sh\b", True),
    _i("download then run", r"\b(?:curl|wget)\b[^\n]*(?:;|&&)\s*(?:ba)?sh\s", True),
    _i("runs from a world-writable folder", r"(?:^|[\s'\"=])/(?:tmp|dev/shm|var/tmp)/\S+"),
    _i("decodes a payload", r"base64\s+(?:-d|--decode)\b[^\n]*\|\s*(?:ba)?sh", True),
    _i("hidden executable", r"(?:^|\s)/[\w/.-]*/\.[\w.-]+(?:\s|$)", False),
)


def matches(indicators: tuple[Indicator, ...], data: bytes) -> list[tuple[Indicator, int]]:
    """Each indicator found, with the offset of its first match."""
    found: list[tuple[Indicator, int]] = []
    for indicator in indicators:
        hit = indicator.pattern.search(data)
        if hit is not None:
            found.append((indicator, hit.start()))
    return found


def decided(found: list[tuple[Indicator, int]]) -> bool:
    """A strong indicator, or two different weak ones."""
    return any(i.strong for i, _ in found) or len({i.name for i, _ in found}) >= 2


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
