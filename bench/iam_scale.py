"""Scale of the identities layer: a generated account of 5,000 principals and 20,000 policies
(seeded, so every run scans the same file), scanned by outwork and by the peers, each in a
child process: wall and CPU seconds, peak RSS.

    python bench/iam_scale.py [--principals 5000] [--policies 20000] [--peers /work/peers]
                              [--cache ~/.cache/outwork-bench/iam] [--rounds 3]

The account mixes what real ones hold: data-access and deployment policies scoped to resources,
service roles trusting their service, roles trusting the account, groups, permission boundaries,
and a sprinkling of escalation methods and administrators so that the search has paths to find.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ACCOUNT = "210987654321"
REPO = Path(__file__).resolve().parents[1]
SERVICES = ["ec2", "lambda", "glue", "ecs-tasks", "codebuild", "sagemaker", "states", "events"]


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def _statement(rng: random.Random, index: int) -> dict[str, Any]:
    kind = rng.random()
    bucket = f"arn:aws:s3:::data-{rng.randrange(400)}"
    if kind < 0.30:
        return {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [bucket, f"{bucket}/*"],
        }
    if kind < 0.45:
        return {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
            "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{rng.randrange(300)}",
        }
    if kind < 0.55:
        return {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    if kind < 0.63:
        return {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
    if kind < 0.70:
        return {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
            "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q{rng.randrange(200)}",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    if kind < 0.76:
        return {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": _arn("role", f"svc-{rng.randrange(1500)}"),
            "Condition": {
                "StringEquals": {"iam:PassedToService": f"{rng.choice(SERVICES)}.amazonaws.com"}
            },
        }
    if kind < 0.82:
        return {
            "Effect": "Allow",
            "Action": ["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
            "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f{rng.randrange(500)}",
        }
    if kind < 0.86:
        return {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    if kind < 0.90:
        return {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k{rng.randrange(100)}",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        }
    if kind < 0.94:
        return {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": _arn("role", f"svc-{rng.randrange(1500)}"),
        }
    if kind < 0.985:
        return {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
    # the dangerous few
    return rng.choice(
        [
            {
                "Effect": "Allow",
                "Action": "iam:CreateAccessKey",
                "Resource": _arn("user", f"u{rng.randrange(3500)}"),
            },
            {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "iam:UpdateAssumeRolePolicy",
                "Resource": _arn("role", f"svc-{rng.randrange(1500)}"),
            },
        ]
    )


def _doc(rng: random.Random, index: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [_statement(rng, index) for _ in range(rng.randint(1, 4))],
    }


def generate(principals: int, policies: int, seed: int = 15) -> dict[str, Any]:
    rng = random.Random(seed)
    users = principals * 7 // 10
    roles = principals - users
    groups = max(1, principals // 25)
    inline_users = users
    inline_roles = roles
    inline_groups = groups
    managed_count = policies - inline_users - inline_roles - inline_groups
    managed = []
    for i in range(managed_count):
        name = f"m{i}"
        managed.append(
            {
                "PolicyName": name,
                "PolicyId": f"ANPA{i:016d}",
                "Arn": _arn("policy", name),
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "IsAttachable": True,
                "PolicyVersionList": [
                    {"Document": _doc(rng, i), "VersionId": "v1", "IsDefaultVersion": True}
                ],
            }
        )

    def attached(n: int) -> list[dict[str, str]]:
        return [
            {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in rng.sample(managed, n)
        ]

    group_list = [
        {
            "GroupName": f"g{i}",
            "GroupId": f"AGPA{i:016d}",
            "Arn": _arn("group", f"g{i}"),
            "Path": "/",
            "GroupPolicyList": [{"PolicyName": f"g{i}-inline", "PolicyDocument": _doc(rng, i)}],
            "AttachedManagedPolicies": attached(2),
        }
        for i in range(groups)
    ]
    user_list = []
    for i in range(users):
        entry: dict[str, Any] = {
            "UserName": f"u{i}",
            "UserId": f"AIDA{i:016d}",
            "Arn": _arn("user", f"u{i}"),
            "Path": "/",
            "UserPolicyList": [{"PolicyName": f"u{i}-inline", "PolicyDocument": _doc(rng, i)}],
            "GroupList": [f"g{rng.randrange(groups)}"],
            "AttachedManagedPolicies": attached(rng.randint(1, 3)),
            "Tags": [{"Key": "team", "Value": f"t{rng.randrange(20)}"}],
        }
        if rng.random() < 0.1:
            entry["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": rng.choice(managed)["Arn"],
            }
        user_list.append(entry)
    role_list = []
    for i in range(roles):
        service = rng.choice(SERVICES)
        trust = (
            {"Service": f"{service}.amazonaws.com"}
            if rng.random() < 0.7
            else {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        )
        role_list.append(
            {
                "RoleName": f"svc-{i}",
                "RoleId": f"AROA{i:016d}",
                "Arn": _arn("role", f"svc-{i}"),
                "Path": "/",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": trust, "Action": "sts:AssumeRole"}
                    ],
                },
                "InstanceProfileList": [{"InstanceProfileName": f"svc-{i}"}]
                if service == "ec2"
                else [],
                "RolePolicyList": [
                    {"PolicyName": f"svc-{i}-inline", "PolicyDocument": _doc(rng, i)}
                ],
                "AttachedManagedPolicies": attached(rng.randint(1, 3)),
                "Tags": [],
            }
        )
    return {
        "UserDetailList": user_list,
        "GroupDetailList": group_list,
        "RoleDetailList": role_list,
        "Policies": managed,
    }


def measure(command: list[str], timeout: float) -> dict[str, Any]:
    """Wall and CPU seconds and peak RSS (MiB) of one child process, from its own rusage."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timer = threading.Timer(timeout, child.kill)
    timer.start()
    assert child.stderr is not None
    err = child.stderr.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(child.pid, 0)
    timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    code = child.returncode
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "exit": code,
        "tail": err.strip().splitlines()[-1:] if code else [],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", type=int, default=5000)
    parser.add_argument("--policies", type=int, default=20000)
    parser.add_argument("--peers", type=Path, default=Path("/work/peers"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/outwork-bench/iam")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer-timeout", type=float, default=900)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"scale-{args.principals}-{args.policies}.json"
    if not path.exists():
        path.write_text(json.dumps(generate(args.principals, args.policies)))
    print(
        f"{path}: {path.stat().st_size / 2**20:.1f} MiB, {args.principals} principals, "
        f"{args.policies} policies"
    )
    outwork = [
        sys.executable,
        "-m",
        "outwork.cli.main",
        "scan",
        str(path),
        "--select",
        "IAM",
        "--format",
        "json",
        "--no-cache",
        "--jobs",
        "1",
        "--output",
        "/dev/null",
    ]
    runs = [measure(outwork, 600) for _ in range(args.rounds)]
    print(
        f"outwork         wall {statistics.median(r['wall'] for r in runs):6.2f} s  "
        f"cpu {statistics.median(r['cpu'] for r in runs):6.2f} s  "
        f"peak RSS {max(r['rss_mib'] for r in runs):7.1f} MiB  "
        f"exit {runs[0]['exit']} {runs[0]['tail']}"
    )
    with tempfile.TemporaryDirectory() as out:
        peers = {
            "cloudsplaining": [
                str(args.peers / "cloudsplaining/bin/cloudsplaining"),
                "scan",
                "-i",
                str(path),
                "-o",
                out,
                "-s",
            ],
            "parliament": [
                str(args.peers / "parliament/bin/parliament"),
                "--auth-details-file",
                str(path),
                "--json",
                "--include-community-auditors",
            ],
        }
        for name, command in peers.items():
            if not Path(command[0]).exists():
                print(f"{name}: not installed under {args.peers}")
                continue
            r = measure(command, args.peer_timeout)
            print(
                f"{name:15} wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s  "
                f"peak RSS {r['rss_mib']:7.1f} MiB  exit {r['exit']} {r['tail']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
