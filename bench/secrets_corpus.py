"""Precision and recall of the secrets layer on a labelled corpus it generates, side by side
with detect-secrets (PyPI) and with gitleaks' published rules re-run in a small harness.

The corpus: credentials of every provider the layer knows, forged with their real structure
(tests/secretforge.py; never live keys), planted in realistic files, and the false-alarm traps
users report (lockfile hashes, SRI integrity strings, UUIDs, placeholders, identifiers, masked
values, references to the environment). Two families of files:

- ``in-sample``: the shapes the layer was developed against (Python settings, .env, JSON, the
  fixture-like files);
- ``out-of-sample``: shapes written after the layer was frozen (Terraform, Java properties,
  Kubernetes manifests, Go, shell, Dockerfiles, notebooks' outputs, YAML CI files).

A label is a span of lines; a tool's detection on a line inside a positive span is a true
positive (once per span), anywhere else a false positive.

    python bench/secrets_corpus.py --gitleaks-config /work/peers/gitleaks/gitleaks.toml \\
        --detect-secrets /work/peers/detect-secrets/bin/detect-secrets

The gitleaks configuration is read from the path given (fetched from the gitleaks repository,
config/gitleaks.toml; not part of this repository).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import subprocess
import sys
import tempfile
import tomllib
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outwork.engine.pipeline import ScanOptions, scan
from tests.secretforge import Forge


@dataclass(frozen=True)
class Label:
    path: str
    first: int
    last: int
    kind: str
    secret: bool
    family: str


class Corpus:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.labels: list[Label] = []

    def write(self, family: str, rel: str, parts: list[tuple[str, str | None, bool]]) -> None:
        """``parts``: (text, kind, secret); a part with a kind is labelled over its lines."""
        path = self.root / family / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        line = 1
        out = []
        for text, kind, secret in parts:
            lines = text.count("\n")
            if kind:
                self.labels.append(
                    Label(f"{family}/{rel}", line, line + max(lines - 1, 0), kind, secret, family)
                )
            out.append(text)
            line += lines
        path.write_text("".join(out))


def _traps(f: Forge) -> list[tuple[str, str, bool]]:
    uuid = "3f2b8c1e-9a4d-4e7b-8c2a-1b5e7d9f0a3c"
    return [
        (f'api_key = "{uuid}"\n', "trap:uuid", False),
        ('token = "accessTokenExpiryMilliseconds"\n', "trap:camelcase", False),
        ('password = "${DB_PASSWORD}"\n', "trap:reference", False),
        ('AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n', "trap:aws-example", False),
        (
            'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n',
            "trap:aws-example",
            False,
        ),
        ('GITHUB_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n', "trap:placeholder", False),
        ('secret_key = "your-secret-key-here"\n', "trap:placeholder", False),
        ('STRIPE = "sk_live_************************"\n', "trap:masked", False),
        (f'GH = "{f.github_bad_checksum()}"\n', "trap:bad-checksum", False),
        ('password_hash = "5f4dcc3b5aa765d61d8327deb882cf99"\n', "trap:hash", False),
        ('DB = "postgresql://user:password@localhost:5432/db"\n', "trap:url-template", False),
        ('token_url = "https://auth.acme-corp.net/oauth2/token"\n', "trap:url", False),
        (
            f'integrity = "sha512-{base64.b64encode(f.rng.randbytes(64)).decode()}"\n',
            "trap:sri",
            False,
        ),
        ('max_tokens = "4096"\n', "trap:name", False),
        ('PUBLISHABLE = "pk_live_' + f.generic_secret(24) + '"\n', "trap:publishable", False),
    ]


def _in_sample(c: Corpus, f: Forge) -> None:
    fam = "in-sample"
    c.write(
        fam,
        "app/settings.py",
        [
            ("import os\n\n", None, False),
            (f'GITHUB_TOKEN = "{f.github()}"\n', "github", True),
            (f'NPM_TOKEN = "{f.npm()}"\n', "npm", True),
            (f'PYPI_TOKEN = "{f.pypi(("acme",))}"\n', "pypi", True),
            (f'SLACK_BOT_TOKEN = "{f.slack_bot()}"\n', "slack", True),
            (f'STRIPE_KEY = "{f.stripe()}"\n', "stripe", True),
            (f'OPENAI_API_KEY = "{f.openai()}"\n', "openai", True),
            (f'ANTHROPIC_API_KEY = "{f.anthropic()}"\n', "anthropic", True),
            (f'HF_TOKEN = "{f.huggingface()}"\n', "huggingface", True),
            (
                f'DATABASE_URL = "postgresql://app:{f.password()}@db.acme-corp.net/app"\n',
                "url",
                True,
            ),
            (f'INTERNAL_API_KEY = "{f.generic_secret(28)}"\n', "generic", True),
            *_traps(f),
        ],
    )
    c.write(
        fam,
        ".env",
        [
            (
                f"AWS_ACCESS_KEY_ID={f.aws_key_id()}\nAWS_SECRET_ACCESS_KEY={f.aws_secret()}\n",
                "aws",
                True,
            ),
            (f"SESSION_SECRET={f.generic_secret(32)}\n", "generic", True),
            ("DEBUG=true\nSECRET_KEY=change-me\n", "trap:placeholder", False),
        ],
    )
    c.write(fam, "deploy/id_rsa", [(f.private_key("rsa"), "private-key", True)])
    c.write(fam, "deploy/id_ed25519", [(f.private_key("openssh"), "private-key", True)])
    c.write(fam, "sa.json", [(f.gcp_service_account() + "\n", "gcp", True)])
    c.write(
        fam,
        "web/client.js",
        [
            (f'const SERVICE_JWT = "{f.jwt()}";\n', "jwt", True),
            (f'const STORAGE = "{f.azure_connection_string()}";\n', "azure", True),
            (f'const HOOK = "{f.slack_webhook()}";\n', "slack-webhook", True),
        ],
    )
    lock = {
        "packages": {
            f"node_modules/p{i}": {
                "integrity": "sha512-" + base64.b64encode(f.rng.randbytes(64)).decode(),
                "resolved": f"https://registry.npmjs.org/p{i}",
            }
            for i in range(20)
        }
    }
    c.write(fam, "package-lock.json", [(json.dumps(lock, indent=2) + "\n", "trap:lockfile", False)])
    c.write(
        fam,
        "poetry.lock",
        [
            (
                "".join(
                    f'[[package]]\nname = "p{i}"\nfiles = [\n'
                    f'    {{file = "p{i}.whl", hash = "sha256:'
                    f'{f.chars("0123456789abcdef", 64)}"}},\n]\n'
                    for i in range(20)
                ),
                "trap:lockfile",
                False,
            )
        ],
    )


def _out_of_sample(c: Corpus, f: Forge) -> None:
    fam = "out-of-sample"
    c.write(
        fam,
        "infra/main.tf",
        [
            ('provider "aws" {\n  region = "eu-west-1"\n', None, False),
            (
                f'  access_key = "{f.aws_key_id(account=210987654321)}"\n'
                f'  secret_key = "{f.aws_secret()}"\n',
                "aws",
                True,
            ),
            ("}\n", None, False),
            (
                'variable "db_password" {\n  default = "${var.password}"\n}\n',
                "trap:reference",
                False,
            ),
        ],
    )
    c.write(
        fam,
        "src/main/resources/application.properties",
        [
            ("spring.application.name=orders\n", None, False),
            (
                f"spring.datasource.url=jdbc:mysql://orders:{f.password()}@mysql.acme-corp.net/orders\n",
                "url",
                True,
            ),
            (f"spring.datasource.password={f.password(22)}\n", "generic", True),
            ("spring.datasource.username=orders\n", None, False),
            ("jwt.secret=${JWT_SECRET}\n", "trap:reference", False),
        ],
    )
    c.write(
        fam,
        "k8s/deployment.yaml",
        [
            (
                "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
                "      containers:\n      - name: app\n        env:\n",
                None,
                False,
            ),
            (f"        - name: SLACK_TOKEN\n          value: {f.slack_bot()}\n", "slack", True),
            (f"        - name: GITLAB_TOKEN\n          value: {f.gitlab()}\n", "gitlab", True),
            (
                "        - name: REQUEST_ID\n"
                "          value: 3f2b8c1e-9a4d-4e7b-8c2a-1b5e7d9f0a3c\n",
                "trap:uuid",
                False,
            ),
        ],
    )
    c.write(
        fam,
        "cmd/server/main.go",
        [
            ("package main\n\nconst (\n", None, False),
            (f'\tgithubToken = "{f.github("gho")}"\n', "github", True),
            (f'\tgoogleKey   = "{f.google_api_key()}"\n', "google", True),
            ('\ttokenHeader = "X-Auth-Token-Header-Name"\n', "trap:camelcase", False),
            (")\n", None, False),
        ],
    )
    c.write(
        fam,
        "scripts/publish.sh",
        [
            ("#!/bin/sh\nset -e\n", None, False),
            (f'export NPM_TOKEN="{f.npm()}"\n', "npm", True),
            (f"twine upload -u __token__ -p {f.pypi()} dist/*\n", "pypi", True),
            (
                'curl -H "Authorization: Bearer $API_TOKEN" https://api.acme-corp.net\n',
                "trap:reference",
                False,
            ),
        ],
    )
    c.write(
        fam,
        "Dockerfile",
        [
            ("FROM python:3.12-slim\n", None, False),
            (f"ENV HUGGING_FACE_HUB_TOKEN={f.huggingface()}\n", "huggingface", True),
            (f"ENV OPENAI_API_KEY={f.openai()}\n", "openai", True),
            ("ENV PIP_INDEX_URL=https://pypi.org/simple\n", None, False),
        ],
    )
    out = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": ["import requests\n", "resp = requests.get(url)\n"],
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": [f"Authorization: Bearer {f.jwt()}\n"],
                    }
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(out, indent=1).split("\n")
    parts = [(line + "\n", "jwt" if "Bearer" in line else None, "Bearer" in line) for line in text]
    c.write(fam, "notebooks/explore.ipynb", parts)
    c.write(
        fam,
        ".github/workflows/ci.yml",
        [
            ("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n", None, False),
            (f"      STRIPE_SECRET_KEY: {f.stripe()}\n", "stripe", True),
            ("      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n", "trap:reference", False),
            ("      NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n", "trap:reference", False),
        ],
    )
    c.write(fam, "config/keys.pem", [(f.private_key("ec"), "private-key", True)])
    c.write(
        fam,
        "docs/README.md",
        [
            (
                "Set `OPENAI_API_KEY=sk-...` and `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE`.\n",
                "trap:docs",
                False,
            ),
            ("Example token: `ghp_16C7e42F292c6912E7710c838347Ae178B4a`\n", "trap:docs", False),
        ],
    )
    c.write(
        fam,
        "static/vendor.min.js",
        [
            (
                "".join(
                    f"var a{i}=function(t){{return t.apiKey||'{f.generic_secret(24)}'}};"
                    for i in range(300)
                )
                + "\n",
                "trap:minified",
                False,
            )
        ],
    )
    c.write(
        fam,
        "app/models.py",
        [
            (
                f"class User:\n    password_hash = '{f.chars('0123456789abcdef', 64)}'\n",
                "trap:hash",
                False,
            ),
            (
                "    token_type = 'bearer'\n    secret_name = 'prod/db/password'\n",
                "trap:name",
                False,
            ),
        ],
    )


def run_outwork(root: Path) -> set[tuple[str, int]]:
    result = scan([str(root)], ScanOptions(jobs=1, cache_dir=None, select=("SEC",)))
    prefix = str(root) + "/"
    return {
        (f.location.path.removeprefix(prefix), f.location.line or 1)
        for f in result.findings
        if f.code != "SEC008"
    }


def run_detect_secrets(root: Path, exe: str) -> set[tuple[str, int]]:
    out = subprocess.run(
        [exe, "scan", "--all-files", "."], cwd=root, capture_output=True, text=True, check=True
    )
    data = json.loads(out.stdout)
    return {
        (path, item["line_number"]) for path, items in data["results"].items() for item in items
    }


class Gitleaks:
    """gitleaks' default rules re-run: keywords, regex, secretGroup, entropy, the global and
    per-rule allowlists (regexes, stopwords, paths). Go's RE2 syntax mostly is Python's; the
    few rules that do not compile are counted and left out."""

    def __init__(self, path: Path) -> None:
        config = tomllib.loads(path.read_text())
        self.global_paths = [re.compile(p) for p in config["allowlist"].get("paths", [])]
        self.global_regexes = [_compile(r) for r in config["allowlist"].get("regexes", [])]
        self.global_stop = [s.lower() for s in config["allowlist"].get("stopwords", [])]
        self.rules = []
        self.skipped = []
        for rule in config["rules"]:
            if "regex" not in rule:
                self.skipped.append(rule["id"])  # path-only rules
                continue
            regex = _compile(rule["regex"])
            if regex is None:
                self.skipped.append(rule["id"])
                continue
            allow = rule.get("allowlists", [])
            self.rules.append((rule, regex, allow))

    def scan(self, root: Path) -> set[tuple[str, int]]:
        found = set()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            if any(p.search(rel) for p in self.global_paths):
                continue
            text = path.read_text("utf-8", "replace")
            lower = text.lower()
            for rule, regex, allow in self.rules:
                if rule.get("keywords") and not any(k in lower for k in rule["keywords"]):
                    continue
                for match in regex.finditer(text):
                    if self._kept(rule, match, allow, rel):
                        found.add((rel, text.count("\n", 0, match.start()) + 1))
        return found

    def _kept(self, rule: dict, match: re.Match[str], allow: list[dict], rel: str) -> bool:
        group = rule.get("secretGroup")
        secret = (
            match.group(group) if group else next((g for g in match.groups() if g), match.group(0))
        )
        if secret is None:
            return False
        if rule.get("entropy") and _entropy(secret) < rule["entropy"]:
            return False
        if any(r and r.search(secret) for r in self.global_regexes):
            return False
        if any(s in secret.lower() for s in self.global_stop):
            return False
        for entry in allow:
            target = match.group(0) if entry.get("regexTarget") == "match" else secret
            if any((r := _compile(p)) and r.search(target) for p in entry.get("regexes", [])):
                return False
            if any(s in secret.lower() for s in entry.get("stopwords", [])):
                return False
            if any(re.search(p, rel) for p in entry.get("paths", [])):
                return False
        return True


_CACHE: dict[str, re.Pattern[str] | None] = {}


def _compile(pattern: str) -> re.Pattern[str] | None:
    if pattern in _CACHE:
        return _CACHE[pattern]
    text = pattern.replace(r"\z", r"\Z")
    warnings.simplefilter("ignore", FutureWarning)  # RE2 classes such as [[:alnum:]] read as sets
    try:
        compiled: re.Pattern[str] | None = re.compile(text)
    except re.error:
        try:  # Python wants global flags first: scope a mid-pattern (?i) to the whole pattern
            compiled = re.compile("(?i)" + text.replace("(?i)", ""))
        except re.error:
            compiled = None
    _CACHE[pattern] = compiled
    return compiled


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def score(labels: list[Label], found: set[tuple[str, int]], family: str) -> dict[str, object]:
    spans = defaultdict(list)
    for label in labels:
        if label.family == family:
            spans[label.path].append(label)
    positives = [lab for lab in labels if lab.family == family and lab.secret]
    hit: set[Label] = set()
    false: list[str] = []
    for path, line in sorted(found):
        if not path.startswith(family + "/"):
            continue
        owner = next((lab for lab in spans[path] if lab.first <= line <= lab.last), None)
        if owner is not None and owner.secret:
            hit.add(owner)
        else:
            false.append(f"{path}:{line} ({owner.kind if owner else 'unlabelled'})")
    tp = len(hit)
    fp = len(false)
    missed = sorted(f"{lab.path}:{lab.first} ({lab.kind})" for lab in positives if lab not in hit)
    return {
        "tp": tp,
        "fp": fp,
        "positives": len(positives),
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / len(positives), 3) if positives else None,
        "missed": missed,
        "false_alarms": false,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gitleaks-config", type=Path, required=True)
    parser.add_argument("--detect-secrets", required=True)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outwork-secrets-") as tmp:
        root = Path(tmp)
        corpus = Corpus(root)
        forge = Forge(args.seed)
        _in_sample(corpus, forge)
        _out_of_sample(corpus, forge)
        gitleaks = Gitleaks(args.gitleaks_config)
        tools = {
            "outwork": run_outwork(root),
            "detect-secrets": run_detect_secrets(root, args.detect_secrets),
            "gitleaks-rules": gitleaks.scan(root),
        }
        print(
            f"gitleaks rules run: {len(gitleaks.rules)}, left out: {len(gitleaks.skipped)}"
            f" ({', '.join(gitleaks.skipped)})"
        )
        print("| family | tool | TP | FP | positives | precision | recall |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        details = {}
        for family in ("in-sample", "out-of-sample"):
            for tool, found in tools.items():
                s = score(corpus.labels, found, family)
                details[(family, tool)] = s
                print(
                    f"| {family} | {tool} | {s['tp']} | {s['fp']} | {s['positives']} |"
                    f" {s['precision']} | {s['recall']} |"
                )
        for (family, tool), s in details.items():
            if args.verbose or tool == "outwork":
                print(
                    f"\n{family} / {tool}: missed {s['missed']}\n  false alarms {s['false_alarms']}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
