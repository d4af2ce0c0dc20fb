"""What a command imports before it needs it, checked in a fresh interpreter: the network stack
and rich are imported where a download or a drawing happens (docs/benchmarks.md, "Issue 11"),
and the code that imports them there must work when nothing else has imported them first."""

from __future__ import annotations

import ast
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_json_packages_scan_of_local_files_loads_neither_the_network_stack_nor_rich(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text("import os\n")
    out = _fresh(
        "import sys, io\n"
        "from outwork.cli.main import run\n"
        f"run(['scan', {str(tmp_path)!r}, '--select', 'PKG', '-f', 'json', '-q', '--no-cache',"
        " '--offline'],"
        " io.StringIO(), io.StringIO())\n"
        "print(sorted(m for m in ('http.client', 'ssl', 'urllib.request', 'rich')"
        " if m in sys.modules))\n"
    )
    assert out.strip() == "[]"


def test_a_scan_imports_the_rules_of_the_layers_it_selects_and_no_others(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\nos.system('id')\n")
    out = _fresh(
        "import sys, io\n"
        "from outwork.cli.main import run\n"
        "err = io.StringIO()\n"
        f"code = run(['scan', {str(tmp_path)!r}, '--select', 'PKG,CI', '--ignore', 'PKG001',"
        " '-f', 'json', '-q', '--no-cache', '--offline'], io.StringIO(), err)\n"
        "print(code, err.getvalue().strip())\n"
        "print(sorted({m.split('.')[2] for m in sys.modules"
        " if m.startswith('outwork.analyzers.') and '.rules' in m}))\n"
    )
    status, layers = out.splitlines()
    assert status.startswith("1"), status  # the os.system call is a finding: PKG ran
    loaded = set(ast.literal_eval(layers))
    assert {"packages", "pipelines"} <= loaded  # dependencies too: packages reads its components
    assert not loaded & {"crypto", "identities", "models", "secrets"}


@pytest.fixture
def registry() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/missing":
                self.send_error(404)
                return
            body = json.dumps({"info": {"name": "demo"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_registry_documents_are_fetched_by_a_fresh_interpreter(registry: str) -> None:
    out = _fresh(
        "from outwork.sources.registries import fetch_document\n"
        f"print(fetch_document({registry + '/pypi/demo/json'!r}, timeout=5, max_bytes=1000,"
        " what='demo'))\n"
        f"print(fetch_document({registry + '/missing'!r}, timeout=5, max_bytes=1000,"
        " what='missing'))\n"
    )
    assert out.splitlines() == ["{'info': {'name': 'demo'}}", "None"]
