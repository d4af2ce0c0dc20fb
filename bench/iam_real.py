r"""Identities on real public projects: where each finding is placed.

Reads a Terraform module and CloudFormation/SAM templates of public repositories from a cache
outside the repository (never committed), scans them with the IAM rules, and prints every
finding with its file, line and the text of that line, classified as placed on a policy
statement (a ``statement {`` block, an ``Effect`` line, a YAML ``- `` statement item or a JSON
``{`` that opens the statement), on the resource that declares the identity, or elsewhere. The
classification is a first cut: the lines are printed so that they can be checked by hand.
Notes that something is left to deploy time (IAM002) are counted, not listed.

Filling the cache (the commits measured in docs/benchmarks.md):

    mkdir -p /work/bench-data/iam-real && cd /work/bench-data/iam-real
    git clone -q https://github.com/terraform-aws-modules/terraform-aws-iam tf-iam
    git -C tf-iam checkout -q 981121b && echo 981121b > tf-iam/.commit
    git clone -q https://github.com/aws-cloudformation/aws-cloudformation-templates cfn-templates
    git -C cfn-templates checkout -q 142ce6f && echo 142ce6f > cfn-templates/.commit
    # AWS's serverless patterns (SAM and CloudFormation templates, Terraform modules): only the
    # files the layer reads are kept
    git clone -q https://github.com/aws-samples/serverless-patterns sp-clone
    git -C sp-clone archive fb7b5d0 $(git -C sp-clone ls-tree -r --name-only fb7b5d0 \
        | grep -E '\.(tf|ya?ml|json|template)$' \
        | grep -vE 'node_modules|/botocore/|package(-lock)?\.json$|tsconfig|cdk\.json' \
        | grep -vE '\.vscode|events/|event\.json$') \
        | (mkdir -p serverless-patterns && tar -x -C serverless-patterns)
    echo fb7b5d0 > serverless-patterns/.commit

    python bench/iam_real.py [--cache /work/bench-data/iam-real] [SOURCE ...]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

STATEMENT = re.compile(r'^\s*(?:statement\s*\{|"?Effect"?\s*[:=]|-\s+\w+\s*:|\{\s*$|\{\s*"\w+")')
RESOURCE = re.compile(r'^\s*(?:resource\s+"|data\s+"|"?Type"?\s*:|"?[\w-]+"?\s*:\s*\{?\s*$)')


def place(text: str) -> str:
    if STATEMENT.search(text):
        return "statement"
    if RESOURCE.search(text):
        return "resource"
    return "other"


def scan(target: Path) -> tuple[dict[str, Any], float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "outwork",
            "scan",
            "--select",
            "IAM",
            "--no-cache",
            "--no-config",
            "--jobs",
            "1",
            "--fail-on",
            "none",
            "--format",
            "json",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(out), cpu


def report(name: str, target: Path) -> None:
    marker = target / ".commit"
    commit = marker.read_text().strip() if marker.is_file() else "?"
    start = time.perf_counter()
    result, cpu = scan(target)
    wall = time.perf_counter() - start
    findings = result["findings"]
    notes = [f for f in findings if f["code"] == "IAM002"]
    shown = [f for f in findings if f["code"] != "IAM002"]
    places: Counter[str] = Counter()
    print(
        f"== {name} ({commit}): {len(shown)} findings, {len(notes)} IAM002 notes, "
        f"{len(result['artifacts'])} artifacts listed, CPU {cpu:.2f} s, wall {wall:.1f} s"
    )
    for f in sorted(shown, key=lambda f: (f["location"]["path"], f["location"]["line"] or 0)):
        where = f["location"]
        line = where["line"]
        text = ""
        path = Path(where["path"])
        if line and path.is_file():
            lines = path.read_text(errors="replace").splitlines()
            text = lines[line - 1] if line <= len(lines) else ""
        kind = place(text) if line else "no line"
        places[kind] += 1
        rel = path.relative_to(target) if path.is_relative_to(target) else path
        print(f"  {rel}:{line} {f['code']} [{kind}] {text.strip()[:60]!r}")
        print(f"      {f['message'][:150]}")
    print(f"  placed: {dict(places)}")
    print(f"  IAM002 notes by kind: {dict(Counter(_note_kind(n['message']) for n in notes))}")


def _note_kind(message: str) -> str:
    if "left to deploy time" in message:
        return "left to deploy time"
    if "does not hold" in message:
        return "managed policy not in the input"
    return message.split(":")[0][:40]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/work/bench-data/iam-real"))
    parser.add_argument(
        "sources", nargs="*", default=["tf-iam", "cfn-templates", "serverless-patterns"]
    )
    args = parser.parse_args()
    for name in args.sources:
        target = args.cache / name
        if not target.is_dir():
            sys.exit(f"{target} is missing: fill the cache as the module docstring says")
        report(name, target.resolve())


if __name__ == "__main__":
    main()
