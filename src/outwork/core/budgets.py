"""Budgets that bound every source and parser."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Budgets:
    """Limits for opening containers. Exceeding one is a finding, never a crash or a hang."""

    #: Members read from one archive.
    max_members: int = 100_000
    #: Bytes expanded from one archive, all members together.
    max_total_bytes: int = 2 * 1024**3
    #: Bytes of one member held in memory for analysis.
    max_member_bytes: int = 256 * 1024**2
    #: Expanded size divided by compressed size, per member and per archive.
    max_ratio: float = 200.0
    #: Archives inside archives.
    max_depth: int = 5
    #: Characters in one member name.
    max_path_length: int = 4096
    #: CPU seconds spent reading one top-level archive (nested ones included): processor time,
    #: so that a loaded machine reads as much of an archive as a quiet one (see :func:`clock`).
    max_seconds: float = 120.0
    #: Files larger than this on disk are still classified but analysers read them as streams.
    max_file_bytes: int = 64 * 1024**3
    #: Bytes of memory one syntax tree of a source file may take: a larger file is parsed in
    #: windows of source that fit (``core/syntaxwindows.py``), never left unread.
    max_tree_bytes: int = 32 * 1024**2

    def deadline(self) -> float:
        return clock() + self.max_seconds


#: Wall-clock seconds for one top-level archive, whatever its CPU time: reading that waits
#: rather than computes (a stalled file system) is stopped too.
WALL_SECONDS_PER_CPU_SECOND = 10.0


def clock() -> float:
    """The clock the reading budget runs on: the process's CPU time (``time.process_time``).

    A wall clock made the verdict depend on the machine's load: at a load of 15 on two cores,
    reading an ordinary large sdist (numpy's, scipy's) took more than 120 s of wall time for a
    few seconds of CPU, and became a high CORE007 finding.
    """
    return time.process_time()
