r"""Identities on real public projects: where each finding is placed, and what was read.

Reads Terraform modules and CloudFormation/SAM templates of public repositories from a cache
outside the repository (never committed), scans them with the IAM rules, and prints every
finding with its file, line and the text of that line, classified as placed on a policy
statement (a ``statement {`` block, an ``Effect`` line, a YAML ``- `` statement item or a JSON
``{`` that opens the statement), on the resource that declares the identity, or elsewhere. The
classification is a first cut: the lines are printed so that they can be checked by hand.
Notes that something is left to deploy time (IAM002) are counted, not listed. For the Terraform
of each source it then reads the modules in process (as the scan does) and counts the modules,
identities, policies and statements read, where the statements are written, and what stayed
unknown, by kind.

Filling the cache: ``--fill`` copies the sources of :data:`SOURCES` at their commits, only the
files the layer reads, from a local clone (``--mirror DIR`` holding ``owner+name/repo`` git
directories) or from GitHub. The first three sources were filled by hand (the commits measured
in docs/benchmarks.md):

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

    python bench/iam_real.py --fill [--mirror /work/.mirror] [--cache DIR] [SOURCE ...]
    python bench/iam_real.py [--cache /work/bench-data/iam-real] [SOURCE ...]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import subprocess
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATEMENT = re.compile(r'^\s*(?:statement\s*\{|"?Effect"?\s*[:=]|-\s+\w+\s*:|\{\s*$|\{\s*"\w+")')
RESOURCE = re.compile(r'^\s*(?:resource\s+"|data\s+"|"?Type"?\s*:|"?[\w-]+"?\s*:\s*\{?\s*$)')
#: Files a module may read besides its .tf files (policies, templates).
READ_FILES = re.compile(r"\.(tf|json|tpl|tftpl|tmpl)$")


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    #: Paths (from the repository's root) that are copied.
    paths: str = r".*"
    #: Paths left out (code the layer never reads: functions' sources, vendored packages).
    exclude: str = r"$^"
    note: str = ""


SOURCES: dict[str, Source] = {
    "cloudgoat": Source(
        "RhinoSecurityLabs/cloudgoat",
        "abf1ba8",
        r"^cloudgoat/scenarios/aws/[^/]+/terraform/",
        r"lambda_source_code/",
        "vulnerable-by-design scenarios, each README naming its escalation path",
    ),
    "sadcloud": Source(
        "nccgroup/sadcloud", "f538652", note="misconfigurations behind flags, off by default"
    ),
    "terragoat": Source("bridgecrewio/terragoat", "729f8da", r"^terraform/aws/"),
    "aft": Source(
        "aws-ia/terraform-aws-control_tower_account_factory",
        "2ba0f21",
        note="AWS Control Tower Account Factory: policies written as templatefile() templates",
    ),
    "cloud-gov": Source(
        "cloud-gov/terraform-provision", "8255117", note="a government platform's infrastructure"
    ),
}


def place(text: str) -> str:
    if STATEMENT.search(text):
        return "statement"
    if RESOURCE.search(text):
        return "resource"
    return "other"


def fill(cache: Path, name: str, source: Source, mirror: Path | None) -> None:
    """Copy a source's files at its commit into the cache (from a local clone, else GitHub)."""
    target = cache / name
    if (target / ".commit").is_file():
        return
    local = mirror / source.repo.replace("/", "+") / "repo" if mirror else None
    git_dir = local if local is not None and local.is_dir() else cache / f".{name}.git"
    if git_dir == cache / f".{name}.git" and not git_dir.is_dir():
        subprocess.run(
            ["git", "clone", "-q", "--bare", f"https://github.com/{source.repo}", str(git_dir)],
            check=True,
        )
    listed = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", source.commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    paths = [
        p
        for p in listed
        if READ_FILES.search(p) and re.search(source.paths, p) and not re.search(source.exclude, p)
    ]
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", source.commit, *paths],
        capture_output=True,
        check=True,
    ).stdout
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    (target / ".commit").write_text(source.commit + "\n")
    print(f"filled {name}: {len(paths)} files of {source.repo} at {source.commit}")


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


#: What a module note says stayed unknown, by kind.
UNKNOWN_KINDS = (
    ("budget", re.compile(r"^budget: ")),
    ("module outside the scan (registry, git)", re.compile(r"comes from .*outside the scan")),
    ("file the scan does not hold", re.compile(r"file the scan does not hold")),
    ("function not evaluated", re.compile(r"made by \w+\(\)")),
    ("dynamic block over a value not known", re.compile(r'a dynamic "')),
    ("variable without a value", re.compile(r"^var\.[\w-]+ is left to deploy time")),
    ("data source", re.compile(r"^data\.")),
    ("attribute known after apply", re.compile(r"^aws_\w+\.[\w-]+.* is left to deploy time")),
    ("module output", re.compile(r"^module\.")),
    ("policy not evaluated as a whole", re.compile(r"left to deploy time: not evaluated")),
    ("not in the value it names", re.compile(r"not in the value it names")),
)


def terraform_read(target: Path) -> None:
    """The Terraform of a source read in process, as the scan reads it: what was read and what
    stayed unknown."""
    from outwork.analyzers.identities.aws.terraform import load, read_modules
    from outwork.analyzers.identities.documents import DocumentError

    files = []
    texts: dict[str, str] = {}
    unreadable = 0
    for path in sorted(target.rglob("*")):
        if not path.is_file() or not READ_FILES.search(path.name):
            continue
        text = path.read_text(errors="replace")
        if path.suffix != ".tf":
            if len(text) <= 256 * 1024:
                texts[str(path)] = text
            continue
        try:
            files.append(load(text, str(path)))
        except DocumentError:
            unreadable += 1
    roots = identities = policies = 0
    folders = len({f.path.rsplit("/", 1)[0] for f in files})
    statements: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    read_files: set[str] = set()
    for _, account, resource_policies, used in read_modules(files, texts):
        roots += 1
        read_files |= used
        pools = []
        for who in account.principals():
            identities += 1
            pools.extend(who.inline)
            if who.trust is not None:
                pools.append(who.trust)
        pools.extend(m.default for m in account.managed.values() if ":aws:policy/" not in m.arn)
        pools.extend(p for _, p in resource_policies)
        policies += len(pools)
        for policy in pools:
            for statement in policy.statements:
                written = statement.origin.path or ""
                statements[Path(written).suffix or "(no file)"] += 1
        for message, _ in account.problems:
            kind = next((k for k, rx in UNKNOWN_KINDS if rx.search(message)), "other")
            unknown[kind] += 1
    print(
        f"  Terraform read: {len(files)} .tf files ({unreadable} unreadable) in {folders}"
        f" folders, {roots} root modules, {identities} identities, {policies} policies,"
        f" {sum(statements.values())} statements (written in: {dict(statements)}),"
        f" {len(read_files)} files read by file()/templatefile()"
    )
    print(f"  unknown, by kind (notes): {dict(unknown.most_common())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/work/bench-data/iam-real"))
    parser.add_argument("--fill", action="store_true", help="copy the sources into the cache")
    parser.add_argument("--mirror", type=Path, help="local clones: DIR/owner+name/repo")
    parser.add_argument(
        "sources",
        nargs="*",
        default=["tf-iam", "cfn-templates", "serverless-patterns", *SOURCES],
    )
    args = parser.parse_args()
    for name in args.sources:
        target = args.cache / name
        if args.fill and name in SOURCES:
            fill(args.cache, name, SOURCES[name], args.mirror)
        if not target.is_dir():
            sys.exit(f"{target} is missing: fill the cache as the module docstring says")
        report(name, target.resolve())
        terraform_read(target.resolve())


if __name__ == "__main__":
    main()
