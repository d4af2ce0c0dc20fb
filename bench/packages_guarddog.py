"""outwork and GuardDog side by side, on the same archives, in one run.

Malicious samples come from ../shared/corpus/packages/pypi-malicious-dev.zip (read as bytes; each
is written to a throwaway temporary folder only for GuardDog, which needs a path, and removed at
once); benign ones from the download folder of ``packages_corpus.py``. GuardDog is installed in its
own virtualenv (``python3 -m venv /work/peer-venvs/guarddog && .../pip install guarddog``), never
as a project dependency.

    python bench/packages_guarddog.py [--malicious 60] [--benign 40] [--guarddog PATH]

A package counts as flagged by outwork when a finding is high or critical; by GuardDog when its
risk label is high or critical (``risk_score.label``) or one of its risks is high or critical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from packages_corpus import CORPUS, judge

from outwork.core.rules import Severity


def guarddog(
    binary: str, path: Path, ecosystem: str = "pypi"
) -> tuple[bool, float, str, list[str]]:
    """One GuardDog run on ``path``: whether it flags the package (a high or critical label or
    risk), its wall time, its label and the rules of its high or critical risks."""
    started = time.perf_counter()
    proc = subprocess.run(
        [binary, ecosystem, "scan", str(path), "--output-format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    try:  # the report can follow lines of progress
        doc = json.loads(proc.stdout[proc.stdout.find("{") :])
    except ValueError:
        return False, elapsed, f"no JSON (exit {proc.returncode})", []
    label = str((doc.get("risk_score") or {}).get("label", ""))
    risks = doc.get("risks") or []
    severe = [r for r in risks if str(r.get("severity")) in ("high", "critical")]
    flagged = label in ("high_risk", "critical_risk", "high", "critical") or bool(severe)
    why = sorted(
        {f"{r.get('threat_rule') or r.get('name')} {r.get('threat_location', '')}" for r in severe}
    )
    return flagged, elapsed, label, why


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--malicious", type=int, default=60)
    parser.add_argument("--benign", type=int, default=40)
    parser.add_argument("--benign-dir", default="/work/bench-data/benign")
    parser.add_argument("--guarddog", default="/work/peer-venvs/guarddog/bin/guarddog")
    args = parser.parse_args()

    zf = zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip")
    names = [n for n in zf.namelist() if not n.endswith("/")]
    step = max(1, len(names) // max(args.malicious, 1))
    samples: list[tuple[str, str, bytes]] = [
        ("malicious", n.rsplit("/", 1)[-1], zf.read(n, pwd=b"infected"))
        for n in names[::step][: args.malicious]
    ]
    benign = sorted(
        p for p in Path(args.benign_dir).rglob("*") if p.name.endswith((".whl", ".tar.gz", ".zip"))
    )
    bstep = max(1, len(benign) // max(args.benign, 1))
    samples += [("benign", p.name, p.read_bytes()) for p in benign[::bstep][: args.benign]]

    rows = []
    cli_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="outwork-gd-warm-") as tmp:
        warm = Path(tmp) / samples[0][1]
        warm.write_bytes(samples[0][2])
        outwork_cli([warm])  # bytecode caches written, files cached: as an installed command
    for label, name, data in samples:
        findings, ours = judge(name, data)
        mine = any(f.severity >= Severity.HIGH for f in findings)
        with tempfile.TemporaryDirectory(prefix="outwork-gd-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            theirs, their_time, their_label, _ = guarddog(args.guarddog, path)
            cli_times.append(outwork_cli([path]))
        rows.append((label, name, mine, ours, theirs, their_time, their_label))
        print(
            f"{label:9} {name[:50]:50} outwork={mine!s:5} {1000 * ours:8.1f}ms "
            f"(CLI {cli_times[-1]:5.2f}s) guarddog={theirs!s:5} {their_time:6.2f}s {their_label}",
            flush=True,
        )
    with tempfile.TemporaryDirectory(prefix="outwork-gd-all-") as tmp:
        for index, (_, name, data) in enumerate(samples):
            (Path(tmp) / f"{index:03d}-{name}").write_bytes(data)
        batch = outwork_cli([Path(tmp)])

    for label in ("malicious", "benign"):
        part = [r for r in rows if r[0] == label]
        if not part:
            continue
        print(
            f"{label}: n={len(part)} outwork flagged {sum(r[2] for r in part)}, "
            f"guarddog flagged {sum(r[4] for r in part)}"
        )
    ours_median = statistics.median(r[3] for r in rows)
    theirs_median = statistics.median(r[5] for r in rows)
    print(
        f"median time per package: outwork {1000 * ours_median:.1f} ms, guarddog "
        f"{1000 * theirs_median:.0f} ms, ratio {theirs_median / ours_median:.0f}x"
    )
    cli_median = statistics.median(cli_times)
    print(
        f"one command per package, start-up included: outwork CLI {1000 * cli_median:.0f} ms,"
        f" ratio {theirs_median / cli_median:.1f}x"
    )
    their_total = sum(r[5] for r in rows)
    print(
        f"the whole set: outwork one CLI run {batch:.1f} s ({1000 * batch / len(rows):.0f} ms per"
        f" package), guarddog {their_total:.1f} s over {len(rows)} runs, ratio"
        f" {their_total / batch:.0f}x"
    )
    return 0


def outwork_cli(paths: list[Path]) -> float:
    """Wall time of ``outwork scan PATHS --select PKG --no-cache`` (the installed command).

    Run as an installation runs: from bytecode caches (GuardDog's virtualenv has them too), so
    a shell's ``PYTHONDONTWRITEBYTECODE`` is dropped; the caller warms them with one run first.
    """
    binary = str(Path(sys.executable).parent / "outwork")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    subprocess.run(
        [binary, "scan", *map(str, paths), "--select", "PKG", "--no-cache", "-f", "json"],
        capture_output=True,
        timeout=1800,
        check=False,
        env=env,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
