"""Agent instruction files: outwork's AI layer beside skillscan-security and snyk-agent-scan on
the same files, in the same run.

Two sets:

- the labelled set (tests/analyzers/aitools/labelled.py): attacks, the published rules-file
  backdoor and tool-poisoning instructions rewritten among them, and hard benign files; one
  folder per case;
- real instruction files and MCP configurations of public repositories, read from ``--corpus``
  (filled with ``--fill`` from the repositories mirrored under /work/.mirror; never committed).
  Every real file counts as benign; files of offensive-security skill packs are listed apart.

A tool flags a file when it reports a finding of medium severity or above for it (outwork: an
AI finding; skillscan-security: a finding in its JSON report). CPU time (user + sys of the
process and its children) is summed per tool, rounds interleaved.

    python bench/aitools_labelled.py [--fill] [--corpus /work/shared/corpus/aitools/real]
        [--peers /work/peers/aitools/venv/bin]

Peers live in a throwaway venv (they need Python 3.12): python3.12 -m venv
/work/peers/aitools/venv && /work/peers/aitools/venv/bin/pip install snyk-agent-scan
skillscan-security.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outwork.analyzers.aitools.files import MCP_SDK_MARKERS, role_of
from outwork.core.rules import Severity
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.aitools import labelled

MCP_NAMES = {".mcp.json", "mcp.json", "claude_desktop_config.json", "mcp_config.json"}
SOURCE_SUFFIXES = (".py", ".ts", ".js", ".mjs")
#: Repositories whose skills teach offensive security (reverse shells, credential dumping):
#: their instructions are what the rules describe, so they are reported apart.
OFFENSIVE = ("0X6C7879+aegissec", "0K-cool+athena")
ALARM = {"medium", "high", "critical"}


def fill(corpus: Path, mirrors: Path) -> int:
    """Copy every agent file of every mirrored repository's HEAD into ``corpus``: instruction
    files, MCP configurations, and MCP server sources (``.py``/``.ts``/``.js`` importing an MCP
    SDK, outside tests)."""
    count = 0
    for repo in sorted(mirrors.glob("*/repo")):
        listing = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.splitlines()  # fmt: skip
        for name in listing:
            agent_file = role_of(name) is not None or name.rsplit("/", 1)[-1].lower() in MCP_NAMES
            source = name.endswith(SOURCE_SUFFIXES) and "test" not in name.lower()
            if not (agent_file or source):
                continue
            data = subprocess.run(
                ["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=False
            ).stdout
            if source and not any(marker in data[:65536] for marker in MCP_SDK_MARKERS):
                continue
            target = corpus / repo.parent.name / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    return count


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def outwork_flags(root: Path) -> tuple[dict[str, list[str]], float]:
    """Files (relative to ``root``) with an AI finding of medium or above, and the CPU time."""
    start = cpu()
    result = scan([str(root)], ScanOptions(jobs=1, cache_dir=None, select=("AI",)))
    spent = cpu() - start
    flags: dict[str, list[str]] = {}
    for found in result.findings:
        if found.severity >= Severity.MEDIUM:
            rel = found.location.path.removeprefix(str(root) + "/")
            flags.setdefault(rel, []).append(f"{found.rule.code}/{found.severity.label}")
    return flags, spent


def skillscan_flags(peers: Path, target: Path) -> tuple[dict[str, list[str]], float, str]:
    """skillscan-security's findings of medium or above per file, under ``target``."""
    start = cpu()
    done = subprocess.run(
        [str(peers / "skillscan-security"), "scan", str(target), "--format", "json",
         "--no-auto-intel", "--no-progress"],
        capture_output=True, text=True, check=False, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    spent = cpu() - start
    flags: dict[str, list[str]] = {}
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return flags, spent, (done.stderr or done.stdout).strip()[-300:]
    for found in report.get("findings", []):
        if found.get("severity") in ALARM:
            where = str(found.get("evidence_path") or target)
            if not where.startswith(str(target)):
                where = str(target)  # a single file is copied to a temporary folder first
            flags.setdefault(where, []).append(f"{found['id']}/{found['severity']}")
    return flags, spent, ""


def snyk_message(peers: Path, target: Path) -> str:
    """What snyk-agent-scan answers offline (it has no offline mode: it asks for SNYK_TOKEN)."""
    env = {k: v for k, v in os.environ.items() if k != "SNYK_TOKEN"}
    env["HOME"] = tempfile.mkdtemp(prefix="snyk-home-")
    done = subprocess.run(
        [str(peers / "snyk-agent-scan"), "scan", str(target)],
        capture_output=True, text=True, check=False, env=env, timeout=120,
    )  # fmt: skip
    return " ".join((done.stdout + done.stderr).split())[:300]


def labelled_files(root: Path) -> Iterator[tuple[str, Path]]:
    for case in labelled.CASES:
        yield case.name, root / case.name / case.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus/aitools/real"))
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--fill", action="store_true", help="copy agent files from --mirrors")
    parser.add_argument("--peers", type=Path, default=Path("/work/peers/aitools/venv/bin"))
    args = parser.parse_args()
    if args.fill:
        print(f"filled {fill(args.corpus, args.mirrors)} files into {args.corpus}")
    peers_ok = (args.peers / "skillscan-security").exists()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = labelled.write(root)
        ours, our_cpu = outwork_flags(root)
        their: dict[str, list[str]] = {}
        their_cpu = 0.0
        errors: list[str] = []
        if peers_ok:
            for _name, path in labelled_files(root):
                flags, spent, error = skillscan_flags(args.peers, path)
                their_cpu += spent
                if error:
                    errors.append(f"{path.name}: {error}")
                if flags:
                    their[str(path.relative_to(root))] = [f for v in flags.values() for f in v]
        print("\n## labelled set")
        print(f"{'case':40} {'label':9} {'outwork':28} skillscan-security")
        held = {case.name for case in labelled.HELD_OUT}
        tally = {"outwork": [0, 0, 0, 0], "skillscan": [0, 0, 0, 0]}  # tp fn fp tn
        for name, path in labelled_files(root):
            rel = str(path.relative_to(root))
            mine = ours.get(rel, [])
            peer = their.get(rel, [])
            malicious = cases[name].malicious
            for tool, hit in (("outwork", bool(mine)), ("skillscan", bool(peer))):
                index = (0 if hit else 1) if malicious else (2 if hit else 3)
                tally[tool][index] += 1
            label = ("attack" if malicious else "benign") + ("*" if name in held else "")
            theirs = ",".join(sorted(set(peer)))[:60] if peers_ok else "not installed"
            print(f"{name:40} {label:9} {','.join(sorted(set(mine)))[:28]:28} {theirs}")
        for tool, (tp, fn, fp, tn) in tally.items():
            precision = tp / (tp + fp) if tp + fp else 0.0
            print(f"{tool}: recall {tp}/{tp + fn}, false alarms {fp}/{fp + tn}, "
                  f"precision {precision:.2f}")  # fmt: skip
        print("(* held out: written after the rules were frozen; see docs/benchmarks.md)")
        print(f"CPU: outwork {our_cpu:.2f} s, skillscan-security {their_cpu:.2f} s")
        for error in errors[:5]:
            print("skillscan error:", error)

    if args.corpus.is_dir():
        files = [p for p in sorted(args.corpus.rglob("*")) if p.is_file()]
        print(f"\n## real files: {len(files)} under {args.corpus}")
        ours, our_cpu = outwork_flags(args.corpus)
        their = {}
        their_cpu = 0.0
        if peers_ok:
            for repo in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
                flags, spent, _ = skillscan_flags(args.peers, repo)
                their_cpu += spent
                for where, found in flags.items():
                    their[where.removeprefix(str(args.corpus) + "/")] = found
        for tool, flagged in (("outwork", ours), ("skillscan-security", their)):
            plain = sorted(f for f in flagged if not f.startswith(OFFENSIVE))
            offensive = sorted(f for f in flagged if f.startswith(OFFENSIVE))
            print(f"{tool}: {len(plain)} ordinary files flagged, {len(offensive)} files of "
                  f"offensive-security skill packs flagged")  # fmt: skip
            for rel in plain:
                print(f"  {rel}: {','.join(sorted(set(flagged[rel])))[:100]}")
        print(f"CPU: outwork {our_cpu:.2f} s, skillscan-security {their_cpu:.2f} s")

    if (args.peers / "snyk-agent-scan").exists():
        probe = args.corpus if args.corpus.is_dir() else Path(tempfile.gettempdir())
        print(f"\nsnyk-agent-scan: {snyk_message(args.peers, probe)}")
    print(f"\nrun at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
