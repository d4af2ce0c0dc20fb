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

from outwork.analyzers.aitools.files import (
    MCP_SDK_MARKERS,
    SERVICE_MARKERS,
    role_of,
    service_file,
)
from outwork.analyzers.aitools.modelrepo import is_model_card
from outwork.core.rules import Severity
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.aitools import labelled, labelled_services

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
        # the manifests of a folder an MCP configuration serves: AI010 reads its dependencies
        projects = {
            _project_folder(n) for n in listing if n.rsplit("/", 1)[-1].lower() in MCP_NAMES
        }
        for name in listing:
            folder, _, base = name.rpartition("/")
            if base in PROJECT_MANIFESTS and folder in projects:
                _copy(repo, name, corpus / repo.parent.name / name)
                continue
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


#: Manifests copied beside MCP configurations (not agent files: never counted as such).
PROJECT_MANIFESTS = ("package.json", "pyproject.toml", "requirements.txt")


def _project_folder(name: str) -> str:
    """The folder an MCP configuration serves (``proj`` for ``proj/.cursor/mcp.json``)."""
    folder = name.rpartition("/")[0]
    last = folder.rpartition("/")[2]
    return folder.rpartition("/")[0] if last.startswith(".") else folder


def _copy(repo: Path, name: str, target: Path) -> None:
    data = subprocess.run(
        ["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=False
    ).stdout
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


#: Rules of the AI services family (and AI021, which also reads server command lines).
SERVICE_RULES = ("AI021", "AI030", "AI031", "AI032")


def fill_services(corpus: Path, mirrors: Path) -> int:
    """Copy every deployment file of every mirrored repository's HEAD that launches an AI
    service (the layer's own test: a Dockerfile, compose file, manifest, script, unit or Jupyter
    configuration naming one) into ``corpus``, and Python files that import gradio or call
    ``ray.init``."""
    count = 0
    for repo in sorted(mirrors.glob("*/repo")):
        listing = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.splitlines()  # fmt: skip
        for name in listing:
            lower = name.lower()
            kind = service_file(
                name, is_yaml=lower.endswith((".yml", ".yaml")), is_shell=lower.endswith(".sh")
            )
            if kind is None and not lower.endswith(".py"):
                continue
            data = subprocess.run(
                ["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=False
            ).stdout
            head = data[:65536]
            named = any(m in head.lower() for m in SERVICE_MARKERS)
            wanted = kind == "jupyter" or (kind is not None and named)
            if kind is None:
                wanted = b"gradio" in head or b"ray.init(" in head
            if not wanted:
                continue
            target = corpus / repo.parent.name / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    return count


def fill_launchers(corpus: Path, mirrors: Path) -> int:
    """Session 8's readers on files the earlier sets did not hold: every Makefile, every Helm
    chart (the whole folder of each ``Chart.yaml``), every ``.streamlit/config.toml`` (never a
    ``secrets.toml``), and every Dockerfile, compose file, script or Python file that runs
    ``streamlit``, of every mirrored repository's HEAD."""
    count = 0
    for repo in sorted(mirrors.glob("*/repo")):
        listing = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.splitlines()  # fmt: skip
        charts = [n.rsplit("/", 1)[0] + "/" if "/" in n else "" for n in listing
                  if n.rsplit("/", 1)[-1] == "Chart.yaml"]  # fmt: skip
        for name in listing:
            lower = name.lower()
            kind = service_file(
                name, is_yaml=lower.endswith((".yml", ".yaml")), is_shell=lower.endswith(".sh")
            )
            in_chart = any(name.startswith(c) for c in charts)
            wanted = kind in ("make", "streamlit") or in_chart
            if not wanted and kind is None and not lower.endswith(".py"):
                continue
            if name.endswith("secrets.toml"):
                continue
            data = subprocess.run(
                ["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=False
            ).stdout
            if not wanted and b"streamlit run" not in data.lower():
                continue
            if len(data) > 4 * 1024 * 1024:
                continue
            target = corpus / repo.parent.name / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    return count


def fill_cards(corpus: Path, mirrors: Path) -> int:
    """Copy every Markdown file of the mirrored repositories that has a model card's front
    matter into ``corpus``, each as ``<repo>/<name>/README.md`` (its name on the Hub)."""
    count = 0
    for repo in sorted(mirrors.glob("*/repo")):
        listing = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.splitlines()  # fmt: skip
        for name in listing:
            if not name.lower().endswith(".md"):
                continue
            data = subprocess.run(
                ["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=False
            ).stdout
            if not is_model_card("README.md", data[:65536]):
                continue
            target = corpus / repo.parent.name / name.replace("/", "__") / "README.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    return count


def labelled_services_report(cards: bool = False) -> None:
    """The held-out labelled set of the AI services rules (or, with ``cards``, of AI040): each
    attack must raise its rule at its severity or above; a benign case must raise nothing of
    medium or above."""
    chosen = labelled_services.CARDS if cards else labelled_services.CASES
    rules = ("AI040",) if cards else SERVICE_RULES
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = labelled_services.write(root, chosen)
        result = scan([str(root)], ScanOptions(jobs=1, cache_dir=None, select=rules))
        found: dict[str, list[tuple[str, Severity]]] = {}
        for item in result.findings:
            name = item.location.path.removeprefix(str(root) + "/").split("/", 1)[0]
            found.setdefault(name, []).append((item.rule.code, item.severity))
    hits = alarms = 0
    for name, case in cases.items():
        got = found.get(name, [])
        shown = ",".join(f"{c}/{s.label}" for c, s in got) or "-"
        if case.expect:
            code, level = case.expect.split("/")
            ok = any(c == code and s >= Severity[level.upper()] for c, s in got)
            hits += ok
            print(f"  {name:32} attack {case.expect:12} {'found' if ok else 'MISSED'}: {shown}")
        else:
            noisy = any(s >= Severity.MEDIUM and c in rules for c, s in got)
            alarms += noisy
            print(f"  {name:32} benign {'':12} {'FALSE ALARM' if noisy else 'quiet'}: {shown}")
    attacks = sum(1 for c in cases.values() if c.expect)
    print(f"held-out: {hits}/{attacks} attacks found, {alarms}/{len(cases) - attacks} false alarms")


def services_report(corpus: Path, rules: tuple[str, ...] = SERVICE_RULES) -> None:
    """Every finding of ``rules`` on the real files, by file, for review."""
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file()]
    start = cpu()
    result = scan([str(corpus)], ScanOptions(jobs=1, cache_dir=None, select=rules))
    spent = cpu() - start
    by_file: dict[str, list[str]] = {}
    for found in result.findings:
        rel = found.location.path.removeprefix(str(corpus) + "/")
        by_file.setdefault(rel, []).append(
            f"{found.rule.code}/{found.severity.label}:{found.location.line}"
        )
    repos = {p.relative_to(corpus).parts[0] for p in files}
    print(f"\n## {', '.join(rules)}: {len(files)} real files from {len(repos)} repositories")
    print(f"files with a finding: {len(by_file)}; CPU {spent:.2f} s")
    for rel, found in sorted(by_file.items()):
        print(f"  {rel}: {' '.join(found)}")


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
    parser.add_argument(
        "--services",
        type=Path,
        metavar="CORPUS",
        help="only the AI services rules, on real deployment files cached in CORPUS "
        "(filled from --mirrors when empty)",
    )
    parser.add_argument(
        "--cards",
        type=Path,
        metavar="CORPUS",
        help="only AI040 on real model cards cached in CORPUS (filled from --mirrors when empty)",
    )
    parser.add_argument(
        "--launchers",
        type=Path,
        metavar="CORPUS",
        help="the AI services rules and AI009 on Makefiles, Helm charts and Streamlit files "
        "cached in CORPUS (filled from --mirrors when empty)",
    )
    parser.add_argument("--labelled-services", action="store_true", help="the held-out set")
    parser.add_argument("--labelled-cards", action="store_true", help="held-out model cards")
    args = parser.parse_args()
    if args.labelled_services or args.labelled_cards:
        labelled_services_report(cards=args.labelled_cards)
        return
    if args.cards:
        if not args.cards.is_dir():
            print(f"filled {fill_cards(args.cards, args.mirrors)} model cards")
        services_report(args.cards, ("AI040",))
        return
    if args.launchers:
        if not args.launchers.is_dir():
            print(f"filled {fill_launchers(args.launchers, args.mirrors)} files")
        services_report(args.launchers, (*SERVICE_RULES, "AI009"))
        return
    if args.services:
        if not args.services.is_dir():
            print(f"filled {fill_services(args.services, args.mirrors)} files")
        services_report(args.services)
        return
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
        manifests = [p for p in files if p.name in PROJECT_MANIFESTS]
        print(f"\n## real files: {len(files) - len(manifests)} under {args.corpus}"
              f" (and {len(manifests)} project manifests beside MCP configurations)")  # fmt: skip
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
