"""Side by side with zizmor --offline: the same pipeline files, one run, findings and wall time.

Usage (from the repository root):

    python bench/pipelines_zizmor.py [--runs 5] [--zizmor /work/peers/zizmor/bin/zizmor]
        [--out /work/bench-data/pipelines-compare.json] [--markdown] [ROOT ...]

ROOTs default to ../shared/corpus/workflows and /work/bench-data/workflows (if present). Every
GitHub Actions workflow, action and Dependabot file below them is given to both tools as explicit
paths. Every zizmor finding (regular persona) is matched with outwork's by file, rule and line
(within two lines): a finding of an audit outwork has no rule for counts as missed. The table
gives, per zizmor audit, how many findings outwork reproduces, at each zizmor severity. Both tools
run once more with their pedantic persona (outwork's ``--persona pedantic``): the findings
zizmor's adds to its regular ones are matched against outwork's pedantic findings left over once
zizmor's regular findings took theirs, and counted apart, per audit. What is left on outwork's
side is listed per rule and severity (outwork-only), for each persona. Install the peer in a
throwaway venv:

    python3 -m venv /work/peers/zizmor && /work/peers/zizmor/bin/pip install zizmor
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _bytecode import compile_outwork

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ROOTS = [
    REPO.parent / "shared" / "corpus" / "workflows",
    Path("/work/bench-data/workflows"),
]

#: zizmor audit -> outwork rule codes that cover it.
OVERLAP: dict[str, tuple[str, ...]] = {
    "template-injection": ("CI001",),
    "dangerous-triggers": ("CI003", "CI002"),
    "excessive-permissions": ("CI004",),
    "unpinned-uses": ("CI005",),
    "unpinned-images": ("CI006", "CI005"),
    "artipacked": ("CI007",),
    "github-env": ("CI008",),
    "secrets-inherit": ("CI009",),
    "self-hosted-runner": ("CI010",),
    "bot-conditions": ("CI011",),
    "cache-poisoning": ("CI015",),
    "hardcoded-container-credentials": ("CI016",),
    "insecure-commands": ("CI017",),
    "unsound-condition": ("CI018",),
    "unsound-contains": ("CI018",),
    "unsound-ternary": ("CI018",),
    "obfuscation": ("CI019",),
    "typosquat-uses": ("CI020",),
    "dependabot-cooldown": ("CI021",),
    "dependabot-execution": ("CI022",),
    "use-trusted-publishing": ("CI024",),
    "undocumented-permissions": ("CI025",),
    "overprovisioned-secrets": ("CI026",),
    "unredacted-secrets": ("CI027",),
    "archived-uses": ("CI028",),
    "github-app": ("CI035", "CI041"),
    "self-repository": ("CI036",),
    "adhoc-packages": ("CI037",),
    "superfluous-actions": ("CI038",),
    "unpinned-tools": ("CI039",),
    "misfeature": ("CI040",),
}
#: Pedantic-persona findings of audits whose rule has another code in outwork.
PEDANTIC_OVERLAP: dict[str, tuple[str, ...]] = {
    "undocumented-permissions": ("CI025",),
    "concurrency-limits": ("CI060",),
    "anonymous-definition": ("CI061",),
}
TOLERANCE = 2
SEVERITIES = ("High", "Medium", "Low", "Informational", "Unknown")


def collect(roots: list[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".yml", ".yaml") or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            name = path.name.lower()
            if "/configs/" in f"/{rel}" or "pre-commit" in name or name.startswith("zizmor"):
                continue
            if "config-scenarios" in rel:
                continue
            files.append(path)
    return files


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, children included) and standard output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1, 10, 11, 12, 13, 14):
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit(f"{command[0]} failed with {proc.returncode}")
    return elapsed, cpu, proc.stdout


def zizmor_findings(output: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in json.loads(output):
        primary = next(
            (loc for loc in item["locations"] if loc["symbolic"]["kind"] == "Primary"),
            item["locations"][0],
        )
        key = primary["symbolic"]["key"]
        path = key.get("Local", {}).get("verbatim_path") or str(key)
        where = primary["concrete"]["location"]
        others = [
            loc["concrete"]["location"]["start_point"]["row"] + 1
            for loc in item["locations"]
            if loc is not primary and loc["symbolic"]["key"] == key
        ]
        out.append(
            {
                "audit": item["ident"],
                "path": str(Path(path).resolve()),
                "line": where["start_point"]["row"] + 1,
                "end_line": where["end_point"]["row"] + 1,
                "other_lines": others,
                "severity": item["determinations"]["severity"],
                "confidence": item["determinations"]["confidence"],
                "annotation": primary["symbolic"]["annotation"],
            }
        )
    return out


def outwork_findings(output: str) -> list[dict[str, object]]:
    data = json.loads(output)
    return [
        {
            "code": f["code"],
            "path": str(Path(f["location"]["path"]).resolve()),
            "line": f["location"]["line"],
            "severity": f["severity"],
            "message": f["message"],
            "evidence": f["evidence"],
        }
        for f in data["findings"]
        if f["code"].startswith("CI")
    ]


@dataclass
class Comparison:
    matched: collections.Counter[tuple[str, str]]
    missed: list[dict[str, object]]
    #: outwork's findings left unmatched
    extra: list[dict[str, object]]


def _key(z: dict[str, object]) -> tuple[str, str]:
    return str(z["audit"]), str(z["severity"])


def _near(f: dict[str, object], z: dict[str, object], spans: bool) -> bool:
    """Whether outwork's finding ``f`` is at zizmor's finding ``z``: within ``TOLERANCE`` lines
    of its primary location; with ``spans``, also inside the primary location's span (zizmor
    marks a whole ``run:`` block where outwork names the line in it) or near one of its other
    locations in the file (zizmor's ``uses:`` of a job where outwork names its ``secrets:``)."""
    line, start = int(str(f["line"])), int(str(z["line"]))
    if abs(line - start) <= TOLERANCE:
        return True
    if not spans:
        return False
    if start <= line <= int(str(z.get("end_line", start))):
        return True
    others = z.get("other_lines") or []
    assert isinstance(others, list)
    return any(abs(line - int(o)) <= TOLERANCE for o in others)


def compare(
    ours: list[dict[str, object]],
    theirs: list[dict[str, object]],
    overlap: dict[str, tuple[str, ...]],
    spans: bool = True,
) -> Comparison:
    """Match each zizmor finding with one outwork finding of a covering rule in the same file
    at it (see ``_near``; the nearest to its primary line); an audit without a covering rule is
    missed."""
    by_file: dict[tuple[str, str], list[dict[str, object]]] = collections.defaultdict(list)
    for f in ours:
        by_file[(str(f["path"]), str(f["code"]))].append(f)
    used: set[int] = set()
    matched: collections.Counter[tuple[str, str]] = collections.Counter()
    missed: list[dict[str, object]] = []
    for z in theirs:
        hit = None
        for code in overlap.get(str(z["audit"]), ()):
            candidates = [
                f
                for f in by_file.get((str(z["path"]), code), [])
                if id(f) not in used and isinstance(f["line"], int) and _near(f, z, spans)
            ]
            if candidates:
                hit = min(candidates, key=lambda f: abs(int(str(f["line"])) - int(str(z["line"]))))
                break
        if hit is None:
            missed.append(z)
        else:
            used.add(id(hit))
            matched[_key(z)] += 1
    extra = [f for f in ours if id(f) not in used]
    return Comparison(matched, missed, extra)


def pedantic_only(
    pedantic: list[dict[str, object]], regular: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The findings the pedantic persona adds to the regular one."""
    seen = collections.Counter((z["audit"], z["path"], z["line"]) for z in regular)
    out = []
    for z in pedantic:
        key = (z["audit"], z["path"], z["line"])
        if seen[key]:
            seen[key] -= 1
        else:
            out.append(z)
    return out


def audit_table(result: Comparison, title: str) -> list[str]:
    """A markdown table: per zizmor audit, findings, reproduced and the share, by severity."""
    missed = collections.Counter(_key(z) for z in result.missed)
    audits = sorted({a for a, _ in result.matched} | {a for a, _ in missed})
    rows = [
        f"| {title} | zizmor | reproduced | missed | share | by zizmor severity (reproduced/all) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    total_all = total_hit = 0
    for audit in sorted(
        audits,
        key=lambda a: -sum(n for (x, _), n in missed.items() if x == a),
    ):
        parts = []
        hit_sum = all_sum = 0
        for sev in SEVERITIES:
            hit, miss = result.matched[(audit, sev)], missed[(audit, sev)]
            if hit + miss:
                parts.append(f"{sev.lower()} {hit}/{hit + miss}")
                hit_sum += hit
                all_sum += hit + miss
        total_all += all_sum
        total_hit += hit_sum
        share = f"{100 * hit_sum / all_sum:.0f} %"
        rows.append(
            f"| {audit} | {all_sum} | {hit_sum} | {all_sum - hit_sum} | {share}"
            f" | {', '.join(parts)} |"
        )
    if total_all:
        rows.append(
            f"| **all** | {total_all} | {total_hit} | {total_all - total_hit} |"
            f" {100 * total_hit / total_all:.1f} % | |"
        )
    return rows


def extra_table(extra: list[dict[str, object]]) -> list[str]:
    by_rule: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for f in extra:
        by_rule[str(f["code"])][str(f["severity"])] += 1
    rows = ["| outwork-only rule | findings | by severity |", "| --- | --- | --- |"]
    for code in sorted(by_rule, key=lambda c: -sum(by_rule[c].values())):
        sev = by_rule[code]
        parts = ", ".join(f"{k} {v}" for k, v in sorted(sev.items()))
        rows.append(f"| {code} | {sum(sev.values())} | {parts} |")
    return rows


def in_process_seconds(files: list[Path], runs: int) -> float:
    """CPU seconds of the pipelines analyzer alone (parse + audits), best of ``runs``: the cost
    outwork adds per file, without the command line's start-up and reporting."""
    from outwork.analyzers.pipelines import PipelineAnalyzer
    from outwork.core.analyzer import AnalysisContext
    from outwork.core.artifact import Artifact, Kind

    blobs = [(str(f), f.read_bytes()) for f in files]
    artifacts = [Artifact(path=p, kind=Kind.YAML, size=len(b), data=b) for p, b in blobs]
    analyzer, context = PipelineAnalyzer(), AnalysisContext()
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        for artifact in artifacts:
            if analyzer.accepts(artifact):
                list(analyzer.analyze(artifact, context))
        best = min(best, time.process_time() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--zizmor", default="/work/peers/zizmor/bin/zizmor")
    parser.add_argument("--outwork", default=str(REPO / ".venv" / "bin" / "outwork"))
    parser.add_argument("--out", type=Path, default=Path("/work/bench-data/pipelines-compare.json"))
    args = parser.parse_args()
    if not Path(args.zizmor).exists():
        raise SystemExit(f"{args.zizmor} not found: install the peer first (see the docstring)")
    compile_outwork()
    files = collect(args.roots or DEFAULT_ROOTS)
    if not files:
        raise SystemExit("no pipeline files under the given roots")
    names = [str(f) for f in files]
    workflows = sum(1 for f in files if f.parent.name == "workflows")
    zcmd = [args.zizmor, "--offline", "--format", "json", "--no-progress", *names]
    ocmd = [args.outwork, "scan", "--no-cache", "-q", "--select", "CI", "--format", "json", *names]
    ztimes: list[float] = []
    otimes: list[float] = []
    zcpu: list[float] = []
    ocpu: list[float] = []
    zout = oout = ""
    for _ in range(args.runs):  # interleaved, so noise hits both alike
        elapsed, cpu, zout = timed(zcmd)
        ztimes.append(elapsed)
        zcpu.append(cpu)
        elapsed, cpu, oout = timed(ocmd)
        otimes.append(elapsed)
        ocpu.append(cpu)
    _, _, pout = timed([*zcmd[:1], "--persona", "pedantic", *zcmd[1:]])
    _, _, opout = timed([*ocmd[:2], "--persona", "pedantic", *ocmd[2:]])
    theirs = zizmor_findings(zout)
    ours = outwork_findings(oout)
    result = compare(ours, theirs, OVERLAP)
    added = pedantic_only(zizmor_findings(pout), theirs)
    ours_pedantic = outwork_findings(opout)
    left = compare(ours_pedantic, theirs, OVERLAP).extra
    pedantic = compare(left, added, {**OVERLAP, **PEDANTIC_OVERLAP})
    zmed, omed = statistics.median(ztimes), statistics.median(otimes)
    reproduced = sum(result.matched.values())
    print(f"zizmor: {zizmor_version(args.zizmor)}")
    print(f"files: {len(files)} (GitHub workflow files under .github/workflows: {workflows})")
    print(
        f"wall time, median of {args.runs}: zizmor {zmed:.2f}s, outwork {omed:.2f}s, "
        f"ratio {omed / zmed:.2f}"
    )
    zc, oc = statistics.median(zcpu), statistics.median(ocpu)
    print(f"CPU time, median: zizmor {zc:.2f}s, outwork {oc:.2f}s, ratio {oc / zc:.2f}")
    alone = in_process_seconds(files, args.runs)
    print(f"outwork pipelines analyzer alone (in process, best of {args.runs}): {alone:.2f}s CPU")
    print(
        f"zizmor findings (regular): {len(theirs)}; reproduced by outwork: {reproduced}"
        f" ({100 * reproduced / max(len(theirs), 1):.1f} %)"
    )
    strict = sum(compare(ours, theirs, OVERLAP, spans=False).matched.values())
    print(
        f"  of which within {TOLERANCE} lines of zizmor's primary location: {strict}"
        f" ({100 * strict / max(len(theirs), 1):.1f} %)"
    )
    unmatched = compare(result.extra, added, {**OVERLAP, **PEDANTIC_OVERLAP}).extra
    print(f"outwork findings: {len(ours)}; without a zizmor counterpart: {len(unmatched)}")
    print(
        f"with --persona pedantic on both: outwork {len(ours_pedantic)} findings, zizmor"
        f" {len(theirs) + len(added)}; without a zizmor counterpart: {len(pedantic.extra)}"
    )
    print()
    print("\n".join(audit_table(result, "zizmor audit (regular)")))
    print()
    print("\n".join(audit_table(pedantic, "added by --persona pedantic (both tools)")))
    print()
    print("\n".join(extra_table(unmatched)))
    print()
    print("\n".join(extra_table(pedantic.extra)).replace("outwork-only", "pedantic outwork-only"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "files": len(files),
                "zizmor_seconds": ztimes,
                "outwork_seconds": otimes,
                "zizmor_cpu_seconds": zcpu,
                "outwork_cpu_seconds": ocpu,
                "missed": result.missed,
                "pedantic_missed": pedantic.missed,
                "extra": unmatched,
                "pedantic_extra": pedantic.extra,
                "matched": {f"{a} {s}": n for (a, s), n in result.matched.items()},
            },
            indent=1,
            default=str,
        )
    )
    print(f"details: {args.out}")
    return 0


def zizmor_version(binary: str) -> str:
    proc = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
