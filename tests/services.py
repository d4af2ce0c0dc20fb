"""Servers and programs the tests start themselves: PostgreSQL on loopback and a headless Chromium,
from Debian's packages.

``scripts/setup-services.sh`` installs them (``scripts/test.sh`` calls it). A test that needs one
is skipped when it is missing, and fails under ``CI=true``, where the script has run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing, and CI=true requires it (scripts/setup-services.sh)")
    pytest.skip(f"{what} is not installed (run scripts/setup-services.sh)")


def postgres_bindir() -> Path | None:
    """Where Debian's PostgreSQL server programs are (the newest version installed)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` account then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1; yields a superuser URL to its ``postgres``
    database. Data in a temporary folder, without fsync; stopped and removed afterwards."""
    bindir = postgres_bindir()
    if bindir is None:
        _missing("PostgreSQL (initdb)")
        raise AssertionError  # unreachable: _missing skips or fails
    try:
        import psycopg  # noqa: F401 - the driver the store uses
    except ImportError:
        _missing("psycopg")
    folder = Path(tempfile.mkdtemp(prefix="outwork-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off"
    )
    initdb = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "outwork", "-E", "UTF8"]
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60"]
    try:
        for argv in (initdb, [*start, "-l", str(folder / "log"), "start"]):
            subprocess.run(_as_server_user(argv), capture_output=True, check=True)
    except subprocess.CalledProcessError as exc:
        log = folder / "log"
        detail = log.read_text(errors="replace") if log.exists() else exc.stderr.decode()
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {detail[-2000:]}")
    try:
        yield f"postgresql://outwork@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    """A new, empty database on the server; returns its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def chromium() -> str:
    """Debian's headless-capable Chromium (``chromium``), for pages that run their own script."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        _missing("Chromium")
        raise AssertionError("unreachable: _missing skips or fails")
    return found


def program(name: str) -> str:
    """A Debian program the tests run to write real files (``db5.3_load``, ``rpm``)."""
    found = shutil.which(name)
    if found is None:
        _missing(name)
        raise AssertionError("unreachable: _missing skips or fails")
    return found
