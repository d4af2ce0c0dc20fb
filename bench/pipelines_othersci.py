"""Issue 13's other CI systems on real files: Azure Pipelines, CircleCI, Bitbucket Pipelines and
Jenkinsfiles of public projects, and the labelled fixtures of CI070-CI083, with checkov (the one
peer on PyPI that reads three of these systems) side by side in the same run.

The real files are third-party data: they are never in the repository. The script copies each
file of :data:`MANIFEST` (repository, path, commit) into a cache, from a local git mirror of the
repository when ``--mirrors`` holds one (``<mirrors>/<owner>+<name>/repo``, as the search tool's
``fetch`` lays them out), else from ``raw.githubusercontent.com`` at that commit (needs the
internet), and scans the cache.

Usage:

    python bench/pipelines_othersci.py [--cache DIR] [--mirrors /work/.mirror] [--set dev|test|all]
        [--checkov /work/peers/checkov/bin/checkov] [--rounds 3]

It prints, per system, the files, findings by rule and severity, every high finding with its
evidence (each is to be looked at), the labelled fixtures' hits and misses by location, and
CPU seconds (user+sys of the scanning process) of outwork and checkov, rounds interleaved.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from pathlib import Path

from outwork.engine.pipeline import ScanOptions, scan

#: (repository, path, commit, set): ``dev`` files were read while the rules were written
#: (in-sample); ``test`` files were gathered and scanned once, after the code was frozen.
MANIFEST_BY_REPO: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "numba/numba": (
        "5340f052d01403b12480fa19e596200ee0d0e131",
        "dev",
        (
            "azure-pipelines.yml",
            "buildscripts/azure/azure-linux-macos.yml",
            "buildscripts/azure/azure-windows.yml",
        ),
    ),
    "KLayout/klayout": (
        "31f5ebf340fea0425554fbe618dc750444593854",
        "dev",
        (
            "Jenkinsfile",
            "Jenkinsfile-linux",
            "Jenkinsfile-msvc2017",
            "Jenkinsfile-publish-doc",
            "Jenkinsfile-publish-sources",
            "Jenkinsfile-pypi",
            "azure-pipelines.yml",
        ),
    ),
    "mne-tools/mne-python": (
        "8aa8dec45a522363be02cba78d0856442b208067",
        "dev",
        (
            ".circleci/config.yml",
            "azure-pipelines.yml",
        ),
    ),
    "microsoft/calculator": (
        "9f186049101f9a26e99a6e6cdff614d5558b5d27",
        "dev",
        (
            "build/pipelines/azure-pipelines.ci-internal.yaml",
            "build/pipelines/azure-pipelines.loc.yaml",
            "build/pipelines/azure-pipelines.release.yaml",
            "build/pipelines/templates/build-single-architecture.yaml",
            "build/pipelines/templates/package-msixbundle.yaml",
            "build/pipelines/templates/release-store.yaml",
            "build/pipelines/templates/release-vpack.yaml",
            "build/pipelines/templates/run-ui-tests.yaml",
            "build/pipelines/templates/run-unit-tests.yaml",
        ),
    ),
    "microsoft/vscode-eslint": (
        "f5e644a38575bdc652856be6c8e45559b18f52ad",
        "dev",
        (
            ".azure-pipelines.yml",
            "build/azure-pipelines/linux/build.yml",
            "build/azure-pipelines/pre-release.yml",
            "build/azure-pipelines/release.yml",
            "build/azure-pipelines/win32/build.yml",
        ),
    ),
    "microsoft/playwright-mcp": (
        "7e0457a7cbf88823bf0146d12c46ae12c6818247",
        "dev",
        (".azure-pipelines/publish.yml",),
    ),
    "0ryant/taudit": (
        "2456810d94fbcf0ce69d3dd7901e73a1ebfd9dde",
        "dev",
        (
            "azure-pipelines.stack-integration.yml",
            "azure-pipelines.taudit-task-smoke.yml",
            "azure-pipelines.vscode-extension.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
        ),
    ),
    "pyodide/pyodide": (
        "fa84565891ce2d3bb58dd04666b2f98af6a33382",
        "dev",
        (".circleci/config.yml",),
    ),
    "ethereum/solidity": (
        "a83ea4082740cc2d39238aaf80a8fc8fc93ac260",
        "dev",
        (".circleci/config.yml",),
    ),
    "scipy/scipy": (
        "3dbf660a919b1479cdf30d533176053b428d08d3",
        "dev",
        (".circleci/config.yml",),
    ),
    "CircleCI-Public/circleci-cli": (
        "5bb718335615a3711b51479ae383759c6556cc1a",
        "dev",
        (
            ".circleci/config.yml",
            ".circleci/test-suites.yml",
        ),
    ),
    "CircleCI-Public/slack-orb": (
        "0985c4598509ce5879ac4445b091d8d8fbb3ce4c",
        "dev",
        (
            ".circleci/config.yml",
            ".circleci/test-deploy.yml",
        ),
    ),
    "181192/kube-fluentd-operator": (
        "b607bad5f6ca99fa660f47a07ae1e98da3f63f66",
        "dev",
        ("bitbucket-pipelines.yml",),
    ),
    "20tab/django-uwsgi-template": (
        "99a36c26121a9e2a93f4aa58b12a983d391a341e",
        "dev",
        ("bitbucket-pipelines.yml",),
    ),
    "2hats-co/2hats-admin-portal": (
        "4d2ad8996460b9a65677fd282c75c0cea4121104",
        "dev",
        ("bitbucket-pipelines.yml",),
    ),
    "3sidedcube/laravel-api-template": (
        "87be37d2573a49b7dc23e75571e46003d5871bd6",
        "dev",
        ("bitbucket-pipelines.yml",),
    ),
    "42-technology-ltd/v1026-demo-app": (
        "c42089825c5165363731df52bd04103eb1b98f20",
        "dev",
        ("bitbucket-pipelines.yml",),
    ),
    "219-design/qt-qml-project-template-with-ci": (
        "47219d45c1106b224f184dc570584d9c23a6e9d4",
        "dev",
        ("bitbucket-pipelines.yml",),
    ),
    "apache/maven": (
        "540897d3d3c329a38e4df9648249c9d407dbc8c2",
        "dev",
        ("Jenkinsfile",),
    ),
    "jenkinsci/git-plugin": (
        "add6e4dc74e64874e32f53fc90e8b8da3590afe5",
        "dev",
        ("Jenkinsfile",),
    ),
    "jenkinsci/jenkins": (
        "ff9430ee1dc6e319349a488650d914444fe141f3",
        "dev",
        ("Jenkinsfile",),
    ),
    "apache/zookeeper": (
        "53a78e36f99602162643303ab330377fc383b41f",
        "dev",
        (
            "Jenkinsfile",
            "Jenkinsfile-PreCommit",
            "Jenkinsfile-owasp",
            "Jenkinsfile-s390x",
        ),
    ),
    "PowerShell/PSScriptAnalyzer": (
        "4b0117ca7d2887711c9699f467ba7171f8859156",
        "test",
        (".pipelines/PSScriptAnalyzer-Official.yml",),
    ),
    "nilearn/nilearn": (
        "59fffa24b81712132c78549c242f68d0f3db8a67",
        "test",
        (".circleci/config.yml",),
    ),
    "sphinx-gallery/sphinx-gallery": (
        "520ca2e272507462e68451321049359106441a45",
        "test",
        (".circleci/config.yml",),
    ),
    "apache/activemq": (
        "c3580e79d292c213f34f4f503600f85ce1d08490",
        "test",
        ("Jenkinsfile",),
    ),
    "jenkinsci/kubernetes-plugin": (
        "a82d78a0087e9eaa10ec2339b48891549345c1a4",
        "test",
        (
            "Jenkinsfile",
            "examples/declarative_from_yaml_file/Jenkinsfile",
        ),
    ),
    "19h/dualshock4-rs": (
        "ce3c8f4f0c97117f3b28ad6ccb9929bb0195c828",
        "test",
        ("bitbucket-pipelines.yml",),
    ),
    "50gramx/eapp-python-implementation": (
        "f9ba86b807a9a90f729480a3cae1fbd83855270e",
        "test",
        (
            "Jenkinsfile",
            "bitbucket-pipelines.yml",
        ),
    ),
    "astropy/astropy": (
        "1fdfae1fe1881234e08855ac662dae86e538ed7c",
        "test",
        (".circleci/config.yml",),
    ),
    "KHALILCBIGIT/rest-api-azure-pipeline": (
        "2886052a1d4ad7d35faab84bfd279e00eadb5aad",
        "test",
        ("azure-pipelines.yml",),
    ),
    "KIMANHMEDIASV/n8n": (
        "f8af1bd3ba287eedc7ea79f574aaf1b939111557",
        "test",
        ("azure-pipelines.yml",),
    ),
    "KMConner/Sharpdown": (
        "f0c8947dadcc36f9454dead43e5553d4745d5c80",
        "test",
        ("azure-pipelines.yml",),
    ),
    "KKtheGhost/Hearthstone-Deck-Tracker": (
        "68773866ad0490ec63d8cc401e13884a3db010fb",
        "test",
        ("azure-pipelines.yml",),
    ),
    "KNVArch/microservices": (
        "7553e35c8ce86e6e3365aacc3f158f7228fe689d",
        "test",
        ("azure-pipelines.yml",),
    ),
    "KJMAN678/deploy_bokeh_app_in_azure": (
        "c965d0c8dd477a44b064f3c8f120f6f31d141adf",
        "test",
        ("azure-pipelines.yml",),
    ),
    "csarat424/Jenkins-webhook_project": (
        "f02f0628b1df08ab46fed06a9f4629ec5b16dc76",
        "test",
        ("Jenkinsfile",),
    ),
    "csalab-id/dast-ci": (
        "e55d1daafb46f877c7a9630d0892c11e33915b79",
        "test",
        ("Jenkinsfile",),
    ),
    "csap-platform/csap-packages": (
        "8229ee50d5cfbabf782fc1fec78830db861606a9",
        "test",
        (
            "Jenkinsfile",
            "JenkinsfileVersion",
            "csap-package-docker/Jenkinsfile",
            "csap-package-docker/JenkinsfileVersion",
            "csap-package-httpd/Jenkinsfile",
            "csap-package-httpd/JenkinsfileVersion",
        ),
    ),
    "cs7165/java-maven-jenkins-docker": (
        "eb8d02a77d253bb8ae20f7ef10288a36d63e1699",
        "test",
        ("Jenkinsfile",),
    ),
    "00labs/requestNetwork": (
        "22888ae0a1c78b27ce0942884754c47a1ca49433",
        "test",
        (".circleci/config.yml",),
    ),
    "0b01001110/gnomock": (
        "7faef68cfaa8b05467ad95c4ed19eac61177aaf9",
        "test",
        (".circleci/config.yml",),
    ),
    "0sc/activestorage-cloudinary-service": (
        "264ceae0e110cc9064ab36cf736928bfdc5778eb",
        "test",
        (".circleci/config.yml",),
    ),
    "0xvgd/gold-pillar": (
        "e590a10c0e11fc029273a25ffe5e9b53c484713d",
        "test",
        ("bitbucket-pipelines.yml",),
    ),
    "1gravity/Android-TichuCounter": (
        "2e579505b67012b6eb409fa37823be17f78f084f",
        "test",
        ("bitbucket-pipelines.yml",),
    ),
    "4cadia-foundation/slackbot": (
        "54b703d8cfac63731f5d829584518bbc702cae7a",
        "test",
        ("bitbucket-pipelines.yml",),
    ),
}
MANIFEST: list[tuple[str, str, str, str]] = [
    (repo, path, commit, subset)
    for repo, (commit, subset, paths) in MANIFEST_BY_REPO.items()
    for path in paths
]
SYSTEMS = {
    "azure": "Azure Pipelines",
    "circleci": "CircleCI",
    "bitbucket": "Bitbucket",
    "jenkins": "Jenkins",
}
CODES = tuple(f"CI0{n}" for n in range(70, 84))
RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
MAX_BYTES = 1024 * 1024


def system_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    if name.startswith("jenkinsfile") or name.endswith(".jenkinsfile"):
        return "jenkins"
    if ".circleci/" in path:
        return "circleci"
    if name.startswith("bitbucket-pipelines"):
        return "bitbucket"
    return "azure"


def local(cache: Path, repo: str, path: str) -> Path:
    return cache / repo.replace("/", "+") / path


def fill(cache: Path, mirrors: Path | None, rows: list[tuple[str, str, str, str]]) -> list[str]:
    """Copy every file of ``rows`` into the cache; the problems met."""
    problems: list[str] = []
    for repo, path, commit, _ in rows:
        target = local(cache, repo, path)
        if target.exists():
            continue
        data = None
        git = mirrors / repo.replace("/", "+") / "repo" if mirrors else None
        if git is not None and (git / ".git").is_dir():
            git = git / ".git"
        if git is not None and git.is_dir():
            shown = subprocess.run(
                ["git", f"--git-dir={git}", "show", f"{commit}:{path}"],
                capture_output=True,
                check=False,
            )
            data = shown.stdout if shown.returncode == 0 else None
        if data is None:
            try:
                with urllib.request.urlopen(
                    RAW.format(repo=repo, commit=commit, path=path), timeout=30
                ) as r:
                    data = r.read(MAX_BYTES + 1)
            except OSError as exc:
                problems.append(f"{repo}/{path}: {exc}")
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[:MAX_BYTES])
    return problems


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def outwork_scan(root: Path) -> tuple[list, float]:
    before = cpu()
    result = scan(
        [str(root)],
        ScanOptions(jobs=1, cache_dir=None, analyzers=("pipelines",), select=(*CODES, "CI023")),
    )
    return result.findings, cpu() - before


def checkov_scan(checkov: str, root: Path) -> tuple[list[dict], float]:
    before = cpu()
    done = subprocess.run(
        [
            checkov,
            "-d",
            str(root),
            "--framework",
            "azure_pipelines",
            "circleci_pipelines",
            "bitbucket_pipelines",
            "-o",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    spent = cpu() - before
    try:
        data = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return [], spent
    reports = data if isinstance(data, list) else [data]
    failed = [c for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    return failed, spent


def labelled() -> list[str]:
    """The fixtures of CI070-CI083 (attacks and safe twins, by location): one line each."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests import ruleharness

    lines = []
    for code in CODES:
        with tempfile.TemporaryDirectory() as tmp:
            root, options = ruleharness.prepare(code, Path(tmp))
            expected = [e for e in ruleharness.expectations(root) if e.code == code]
            problems = ruleharness.check(root, ruleharness.run(root, options), expected)
        fire = sum(e.must_fire for e in expected)
        quiet = len(expected) - fire
        missed = sum(p.startswith("missing") for p in problems)
        alarms = sum(p.startswith("false alarm") for p in problems)
        lines.append(f"| {code} | {fire} | {fire - missed} | {quiet} | {quiet - alarms} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/outwork-bench/othersci")
    parser.add_argument("--mirrors", type=Path, default=None)
    parser.add_argument("--set", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--checkov", default="")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-labelled", action="store_true", help="real files only")
    args = parser.parse_args()
    rows = [r for r in MANIFEST if args.set in ("all", r[3])]
    for problem in fill(args.cache, args.mirrors, rows):
        print("could not fetch:", problem, file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for repo, path, _, _ in rows:
            source = local(args.cache, repo, path)
            if source.exists():
                target = root / repo.replace("/", "+") / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
        files = Counter(
            system_of(path) for repo, path, _, _ in rows if local(args.cache, repo, path).exists()
        )
        times: dict[str, list[float]] = {"outwork": [], "checkov": []}
        findings: list = []
        peer: list[dict] = []
        for _ in range(args.rounds):
            findings, spent = outwork_scan(root)
            times["outwork"].append(spent)
            if args.checkov:
                peer, spent = checkov_scan(args.checkov, root)
                times["checkov"].append(spent)
        report(root, files, findings, peer, times)
    if args.no_labelled:
        return 0
    print("\n## Labelled fixtures (by location)\n")
    print("| rule | attacks | found | safe twins | quiet |\n|---|---|---|---|---|")
    print("\n".join(labelled()))
    return 0


def report(root: Path, files: Counter, findings: list, peer: list[dict], times: dict) -> None:
    prefix = str(root) + "/"
    by_system: dict[str, Counter] = {s: Counter() for s in SYSTEMS}
    highs = []
    paths: list[tuple[str, str]] = []
    for f in findings:
        rel = f.location.path.removeprefix(prefix)
        system = system_of(rel.split("/", 1)[1] if "/" in rel else rel)
        by_system[system][(f.code, f.severity.label)] += 1
        if f.code.startswith("PATH"):
            paths.append((rel, f.message))
        elif f.severity.label in ("high", "critical"):
            highs.append((rel, f.location.line, f.code, f.message, f.evidence))
    print("## Findings by system\n")
    print("| system | files | findings (rule/severity: count) |\n|---|---|---|")
    for system, label in SYSTEMS.items():
        counts = ", ".join(f"{c}/{s}: {n}" for (c, s), n in sorted(by_system[system].items()))
        print(f"| {label} | {files.get(system, 0)} | {counts or 'none'} |")
    print(f"\n## Every high finding ({len(highs)})\n")
    for rel, line, code, message, evidence in sorted(highs):
        print(f"- `{rel}:{line}` {code}: {message} [{evidence}]")
    print(f"\n## Attack paths joined from these findings' facts ({len(paths)})\n")
    for rel, message in sorted(paths):
        print(f"- `{rel}` {message}")
    if peer:
        per = Counter(c.get("check_id") for c in peer)
        print(f"\n## checkov failed checks ({len(peer)})\n")
        for check, n in sorted(per.items()):
            print(f"- {check}: {n}")
    for tool, spent in times.items():
        if spent:
            spent = sorted(spent)
            print(
                f"\n{tool}: CPU seconds per round {', '.join(f'{s:.2f}' for s in spent)}"
                f" (median {spent[len(spent) // 2]:.2f})"
            )


if __name__ == "__main__":
    sys.exit(main())
