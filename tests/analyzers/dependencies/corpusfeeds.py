"""Turn the pypa/advisory-database snapshot (YAML OSV) into an OSV JSON ``all.zip``, and serve
feed folders from a loopback HTTP server, so tests and benchmarks run the real update path."""

from __future__ import annotations

import contextlib
import datetime
import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PYPA_ZIP = "advisories/pypa-advisory-database-2024-10-10.zip"


def convert_pypa(source: Path, target: Path, keep: Callable[[str], bool] | None = None) -> int:
    """Write the YAML records of ``source`` (those ``keep`` accepts by path) as OSV JSON into the
    zip ``target``; returns how many records were written."""
    yaml = YAML(typ="safe", pure=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            name = info.filename
            if not name.endswith(".yaml") or not name.startswith("vulns/"):
                continue
            if keep is not None and not keep(name):
                continue
            record: dict[str, Any] = yaml.load(src.read(info))
            out.writestr(f"{record['id']}.json", json.dumps(record, default=_rfc3339))
            count += 1
    return count


def _rfc3339(value: object) -> str:
    """YAML turns unquoted timestamps into datetimes; OSV JSON wants RFC 3339 strings."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%dT00:00:00Z")
    return str(value)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(
    directory: Path, handler: type[http.server.BaseHTTPRequestHandler] | None = None
) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1; yields the base URL."""
    factory = (
        functools.partial(_QuietHandler, directory=str(directory)) if handler is None else handler
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
