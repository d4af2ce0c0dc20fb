"""Side by side with zizmor --offline: the same pipeline files, one run, findings and wall time.

Usage (from the repository root):

    python bench/pipelines_zizmor.py [--runs 5] [--zizmor /work/peer-venvs/zizmor/bin/zizmor]
        [--out /work/bench-data/pipelines-compare.json] [ROOT ...]

ROOTs default to ../shared/corpus/workflows and /work/bench-data/workflows (if present). Every
GitHub Actions workflow, action and Dependabot file below them is given to both tools as explicit
paths. zizmor's findings of audits that outwork also has are matched with outwork's by file, rule
and line (within two lines); the unmatched ones on either side are listed for review.
Install the peer in a throwaway venv:

    python3 -m venv /work/peer-venvs/zizmor && /work/peer-venvs/zizmor/bin/pip install zizmor
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
    "obfuscation": ("CI019",),
    "typosquat-uses": ("CI020",),
    "dependabot-cooldown": ("CI021",),
    "dependabot-execution": ("CI022",),
    "use-trusted-publishing": ("CI024",),
    "undocumented-permissions": ("CI025",),
    "overprovisioned-secrets": ("CI026",),
    "unredacted-secrets": ("CI027",),
    "archived-uses": ("CI028",),
}
TOLERANCE = 2
#: outwork rules whose zizmor counterpart runs only with ``--persona pedantic``: their findings
#: are counted apart, not as extras of the regular comparison.
PEDANTIC = frozenset({"CI025"})


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
        out.append(
            {
                "audit": item["ident"],
                "path": str(Path(path).resolve()),
                "line": primary["concrete"]["location"]["start_point"]["row"] + 1,
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
    matched: collections.Counter[str]
    missed: list[dict[str, object]]
    extra: list[dict[str, object]]
    other: collections.Counter[str]


def compare(ours: list[dict[str, object]], theirs: list[dict[str, object]]) -> Comparison:
    by_file: dict[tuple[str, str], list[dict[str, object]]] = collections.defaultdict(list)
    for f in ours:
        by_file[(str(f["path"]), str(f["code"]))].append(f)
    used: set[int] = set()
    matched: collections.Counter[str] = collections.Counter()
    missed: list[dict[str, object]] = []
    other: collections.Counter[str] = collections.Counter()
    for z in theirs:
        codes = OVERLAP.get(str(z["audit"]))
        if not codes:
            other[str(z["audit"])] += 1
            continue
        hit = None
        for code in codes:
            candidates = [
                f
                for f in by_file.get((str(z["path"]), code), [])
                if id(f) not in used
                and isinstance(f["line"], int)
                and abs(int(f["line"]) - int(str(z["line"]))) <= TOLERANCE
            ]
            if candidates:
                hit = min(candidates, key=lambda f: abs(int(str(f["line"])) - int(str(z["line"]))))
                break
        if hit is None:
            missed.append(z)
        else:
            used.add(id(hit))
            matched[str(z["audit"])] += 1
    extra = [f for f in ours if id(f) not in used and f["code"] not in PEDANTIC]
    return Comparison(matched, missed, extra, other)


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
    parser.add_argument("--zizmor", default="/work/peer-venvs/zizmor/bin/zizmor")
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
    theirs = zizmor_findings(zout)
    ours = outwork_findings(oout)
    result = compare(ours, theirs)
    zmed, omed = statistics.median(ztimes), statistics.median(otimes)
    overlap_total = sum(result.matched.values()) + len(result.missed)
    print(f"files: {len(files)} (GitHub workflow files under .github/workflows: {workflows})")
    print(
        f"wall time, median of {args.runs}: zizmor {zmed:.2f}s, outwork {omed:.2f}s, "
        f"ratio {omed / zmed:.2f}"
    )
    zc, oc = statistics.median(zcpu), statistics.median(ocpu)
    print(f"CPU time, median: zizmor {zc:.2f}s, outwork {oc:.2f}s, ratio {oc / zc:.2f}")
    alone = in_process_seconds(files, args.runs)
    print(f"outwork pipelines analyzer alone (in process, best of {args.runs}): {alone:.2f}s CPU")
    print(f"zizmor findings: {len(theirs)}; of overlapping audits: {overlap_total}")
    print(f"reproduced by outwork: {sum(result.matched.values())}")
    print(f"zizmor-only (overlapping audits): {len(result.missed)}")
    pedantic = sum(1 for f in ours if f["code"] in PEDANTIC)
    print(
        f"outwork findings: {len(ours)} ({pedantic} of rules zizmor runs only when pedantic); "
        f"without a zizmor counterpart: {len(result.extra)}"
    )
    print("matched per audit:", dict(sorted(result.matched.items())))
    missed_by = collections.Counter(str(z["audit"]) for z in result.missed)
    print("missed per audit:", dict(sorted(missed_by.items())))
    extra_by = collections.Counter(str(f["code"]) for f in result.extra)
    print("extra per rule:", dict(sorted(extra_by.items())))
    print("zizmor audits outwork does not have:", dict(sorted(result.other.items())))
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
                "extra": result.extra,
                "matched": result.matched,
                "other": result.other,
            },
            indent=1,
            default=str,
        )
    )
    print(f"details: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
