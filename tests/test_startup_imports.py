"""What a command imports before it needs it, checked in a fresh interpreter: the network stack
and rich are imported where a download or a drawing happens (docs/benchmarks.md, "Issue 11"),
and the code that imports them there must work when nothing else has imported them first."""

from __future__ import annotations

import ast
import http.server
import json
import pickle
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


#: What a scan never imports: the other commands' modules (loaded when they run, through
#: ``outwork.cli.main.COMMANDS``) and the registry client (for ``pypi:``/``npm:`` targets).
OTHER_COMMANDS = (
    "outwork.cli.diff",
    "outwork.cli.serve",
    "outwork.cli.watch",
    "outwork.serve",
    "outwork.sources.registries",
    "outwork.watch",
)


def test_a_json_scan_of_an_empty_folder_loads_no_other_command_nor_rich(tmp_path: Path) -> None:
    out = _fresh(
        "import sys, io\n"
        "from outwork.cli.main import run\n"
        f"code = run(['scan', {str(tmp_path)!r}, '-f', 'json', '--no-cache'],"
        " io.StringIO(), io.StringIO())\n"
        "print(code)\n"
        f"print(sorted(m for m in {(*OTHER_COMMANDS, *NOT_AT_START, 'rich')!r}"
        " if m in sys.modules))\n"
    )
    code, loaded = out.splitlines()
    assert code == "3"  # nothing was scanned
    assert ast.literal_eval(loaded) == []


@pytest.mark.parametrize("command", ["diff", "db", "watch", "serve", "token"])
def test_a_command_in_its_own_module_is_imported_when_it_runs_or_shows_its_help(
    command: str,
) -> None:
    out = _fresh(
        "import contextlib, sys, io\n"
        "from outwork.cli.main import COMMANDS, run\n"
        "text = io.StringIO()\n"
        "with contextlib.redirect_stdout(text):\n"
        f"    code = run([{command!r}, '--help'], io.StringIO(), io.StringIO())\n"
        "print(code)\n"
        f"print(text.getvalue().startswith('usage: outwork {command}'))\n"
        f"print(COMMANDS[{command!r}].run.partition(':')[0] in sys.modules)\n"
    )
    assert out.split() == ["0", "True", "True"]


def test_a_scan_imports_the_rules_of_the_layers_it_selects_and_no_others(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\nos.system('id')\n")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text("on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n")
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
    assert {"packages", "pipelines"} <= loaded
    assert not loaded & {"crypto", "identities", "models", "secrets"}


#: What a scan that analyses nothing, or one model file, must not import: every other layer's
#: rules and checks, the stores, the worker pool, the network stack, the completion generator
#: and the optional parsers (docs/benchmarks.md, issue 21: each was start-up time).
NOT_AT_START = (
    "concurrent.futures",
    "http.client",
    "jinja2",
    "packaging.version",
    "pathspec",
    "rich.progress",
    "shtab",
    "ssl",
    "urllib.request",
    "yaml",
    "outwork.store.advisories",
    "outwork.store.results",
)


def _modules_of_scan(target: Path) -> tuple[list[str], set[str], set[str]]:
    """What a terminal-report scan of ``target`` imported: the ``NOT_AT_START`` modules, the
    analyzer packages beyond the layers' declarations (``outwork.analyzers.LAYER.MODULE``, the
    ``sniff`` modules of their ``accepts`` left out), and the layers whose rules or checks were
    imported."""
    out = _fresh(
        "import sys, io\n"
        "from outwork.cli.main import run\n"
        f"run(['scan', {str(target)!r}, '--no-cache', '--color', 'never'],"
        " io.StringIO(), io.StringIO())\n"
        f"print(sorted(m for m in {NOT_AT_START!r} if m in sys.modules))\n"
        "ours = [m for m in sys.modules if m.startswith('outwork.analyzers.')"
        " and not m.endswith('.sniff')]\n"
        "print(sorted({'.'.join(m.split('.')[:4]) for m in ours if m.count('.') > 2}))\n"
        "print(sorted({m.split('.')[2] for m in ours if '.rules' in m or m.count('.') > 3}))\n"
    )
    unwanted, modules, layers = out.splitlines()
    return ast.literal_eval(unwanted), set(ast.literal_eval(modules)), set(ast.literal_eval(layers))


def test_an_empty_folder_is_scanned_without_any_layers_checks(tmp_path: Path) -> None:
    unwanted, modules, layers = _modules_of_scan(tmp_path)
    assert unwanted == []
    # the declarations and the cheap tables their accepts read (file names), nothing of the
    # layers' rules or checks
    assert not any(".rules" in m for m in modules)
    assert layers == set()


def test_a_pickle_scan_loads_the_models_layer_and_no_other(tmp_path: Path) -> None:
    target = tmp_path / "model.pkl"
    target.write_bytes(pickle.dumps({"weights": [1.0, 2.0]}, protocol=4))
    unwanted, _, layers = _modules_of_scan(target)
    assert unwanted == []
    assert layers == {"models"}


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
