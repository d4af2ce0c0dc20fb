"""Escalation detection on the labelled AWS account: outwork, cloudsplaining and parliament on the
same `get-account-authorization-details` file, in the same run.

The account (tests/analyzers/identities/labelled.py) holds every published method as a principal
that has exactly it (spread over inline, managed and group policies), decoys that are denied,
bounded, scoped or conditioned away, and hard positives. It is written to a cache outside the
repository; the peers read the same file without outwork's ``ServiceControlPolicies`` key
(their schema rejects it; neither reads SCPs).

A peer flags a principal when one of the policies it holds (inline, managed, or through a group)
carries its privilege-escalation finding; outwork flags it with IAM004.

    python bench/iam_labelled.py [--peers /work/peers] [--cache ~/.cache/outwork-bench/iam]
    python bench/iam_labelled.py --account oos   # the out-of-sample account (iam_oos_account.py)

Peers are installed in throwaway venvs: python3 -m venv /work/peers/cloudsplaining &&
/work/peers/cloudsplaining/bin/pip install cloudsplaining (and the same for parliament).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import iam_oos_account

from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.identities import labelled


def held_policies(snapshot: dict[str, Any]) -> dict[str, set[str]]:
    """Principal ARN -> the keys of the policies it holds: ``inline:<owner arn>/<name>`` and
    managed policy ARNs, its groups' included."""
    groups = {g["GroupName"]: g for g in snapshot["GroupDetailList"]}

    def own(entry: dict[str, Any], key: str) -> set[str]:
        keys = {f"inline:{entry['Arn']}/{p['PolicyName']}" for p in entry.get(key, [])}
        keys |= {p["PolicyArn"] for p in entry.get("AttachedManagedPolicies", [])}
        return keys

    out: dict[str, set[str]] = {}
    for user in snapshot["UserDetailList"]:
        keys = own(user, "UserPolicyList")
        for name in user.get("GroupList", []):
            keys |= own(groups[name], "GroupPolicyList")
        out[user["Arn"]] = keys
    for role in snapshot["RoleDetailList"]:
        out[role["Arn"]] = own(role, "RolePolicyList")
    return out


def outwork_flags(path: Path) -> tuple[set[str], float]:
    start = time.perf_counter()
    result = scan([str(path)], ScanOptions(jobs=1, cache_dir=None, select=("IAM",)))
    seconds = time.perf_counter() - start
    return {f.subject for f in result.findings if f.code == "IAM004" and f.subject}, seconds


def cloudsplaining_flags(
    peers: Path, path: Path, snapshot: dict[str, Any], *extra: str
) -> tuple[set[str], float]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [
                str(peers / "cloudsplaining/bin/cloudsplaining"),
                "scan",
                "-i",
                str(path),
                "-o",
                out,
                "-s",
                *extra,
            ],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - start
        results = json.loads(next(Path(out).glob("iam-results-*.json")).read_text())
    escalating: set[str] = set()
    for section in ("inline_policies", "customer_managed_policies", "aws_managed_policies"):
        for policy_id, policy in results.get(section, {}).items():
            if (policy.get("PrivilegeEscalation") or {}).get("findings"):
                escalating.add(policy_id)
    flagged: set[str] = set()
    for kind in ("users", "roles"):
        for entry in results[kind].values():
            ids = _ids(entry)
            for group in (entry.get("groups") or {}).values():
                ids |= _ids(group)
            if ids & escalating:
                flagged.add(entry["arn"])
    return flagged, seconds


def _ids(entry: dict[str, Any]) -> set[str]:
    return {
        *entry.get("inline_policies", {}),
        *entry.get("customer_managed_policies", {}),
        *entry.get("aws_managed_policies", {}),
    }


def parliament_flags(peers: Path, path: Path, snapshot: dict[str, Any]) -> tuple[set[str], float]:
    start = time.perf_counter()
    run = subprocess.run(
        [
            str(peers / "parliament/bin/parliament"),
            "--auth-details-file",
            str(path),
            "--json",
            "--include-community-auditors",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    where: set[str] = set()
    for line in run.stdout.splitlines():
        item = json.loads(line)
        if item["issue"] == "PRIVILEGE_ESCALATION":
            where.add(item["location"]["filepath"])
    held = held_policies(snapshot)
    groups = {g["GroupName"]: g["Arn"] for g in snapshot["GroupDetailList"]}
    users = {u["Arn"]: u for u in snapshot["UserDetailList"]}
    flagged: set[str] = set()
    for arn, keys in held.items():
        # parliament names an inline policy by its owner's ARN, a managed one by its own ARN
        owners = {arn} | {groups[g] for g in users.get(arn, {}).get("GroupList", [])}
        if owners & where or {k for k in keys if not k.startswith("inline:")} & where:
            flagged.add(arn)
    return flagged, seconds


def cpu_seconds() -> float:
    """User and system CPU of this process and its waited-for children: the comparable figure
    on a shared machine, where wall time depends on the others' load."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measured(run: Any, *args: Any) -> tuple[set[str], float, float]:
    """A tool's flags, wall seconds and CPU seconds."""
    start = cpu_seconds()
    flagged, seconds = run(*args)
    return flagged, seconds, cpu_seconds() - start


def report(
    name: str, flagged: set[str], seconds: float, cpu: float, account: labelled.Account
) -> dict[str, Any]:
    positives = {a for a, label in account.labels.items() if label == "positive"}
    decoys = {a for a, label in account.labels.items() if label == "decoy"}
    found = flagged & positives
    false = flagged & decoys
    return {
        "tool": name,
        "found": len(found),
        "positives": len(positives),
        "decoys_flagged": len(false),
        "decoys": len(decoys),
        "seconds": round(seconds, 2),
        "cpu": round(cpu, 2),
        "missed": sorted(_short(positives - found)),
        "false_alarms": sorted(_short(false)),
    }


def _short(arns: Iterable[str]) -> list[str]:
    return [a.rsplit("/", 1)[-1] for a in arns]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", type=Path, default=Path("/work/peers"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/outwork-bench/iam")
    parser.add_argument(
        "--account",
        choices=("labelled", "oos"),
        default="labelled",
        help="the in-sample account of the tests, or the out-of-sample one",
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    account = iam_oos_account.build() if args.account == "oos" else labelled.build()
    snapshot = account.snapshot()
    ours = args.cache / f"{args.account}.json"
    ours.write_text(json.dumps(snapshot, indent=1))
    plain = args.cache / f"{args.account}-aws.json"
    plain.write_text(
        json.dumps({k: v for k, v in snapshot.items() if k != "ServiceControlPolicies"}, indent=1)
    )
    rows = [report("outwork", *measured(outwork_flags, ours), account)]
    if (args.peers / "cloudsplaining/bin/cloudsplaining").exists():
        flags = measured(cloudsplaining_flags, args.peers, plain, snapshot)
        rows.append(report("cloudsplaining", *flags, account))
        # --flag-all-risky-actions: also flag actions scoped to resources or conditioned
        flags = measured(cloudsplaining_flags, args.peers, plain, snapshot, "-aR")
        rows.append(report("cloudsplaining -aR", *flags, account))
    else:
        print(f"cloudsplaining: not installed under {args.peers}", file=sys.stderr)
    if (args.peers / "parliament/bin/parliament").exists():
        flags = measured(parliament_flags, args.peers, plain, snapshot)
        rows.append(report("parliament", *flags, account))
    else:
        print(f"parliament: not installed under {args.peers}", file=sys.stderr)
    for row in rows:
        print(
            f"{row['tool']:19} found {row['found']}/{row['positives']}  decoys flagged "
            f"{row['decoys_flagged']}/{row['decoys']}  {row['seconds']} s wall"
            f"  {row['cpu']} s CPU"
        )
        print(f"  missed: {', '.join(row['missed']) or '-'}")
        print(f"  false alarms: {', '.join(row['false_alarms']) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
