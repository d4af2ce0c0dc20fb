"""A differential snapshot of findings: the same inputs scanned by two checkouts, compared.

Drives each checkout through its command line (``outwork scan ... -f json --no-cache``), the one
interface that stays put while the internals move, and records per input a sorted, normalised list
of findings (code, path, line, column, logical location, severity, confidence, message, suppressed),
analyzer errors and skipped artifacts, and per command the attack paths and exit code. Timings,
statistics, fingerprints and temporary paths are left out, so two snapshots of the same code match.

    python bench/snapshot.py snapshot --src CHECKOUT --out FILE.json [--sets fixtures,malicious,...]
        [--update]                      # replace only these sets in FILE.json (same commit)
    python bench/snapshot.py compare A.json B.json

The CLI of CHECKOUT is ``CHECKOUT/.venv/bin/python -m outwork`` (an editable install of that
checkout; reinstall it after a rebase that changes entry points), or ``--python PY`` with
``PYTHONPATH=CHECKOUT/src``.

Input sets (default: all):

- ``fixtures``: every ``tests/fixtures/rules/<CODE>`` folder of *this* checkout, prepared by
  ``tests/ruleharness.prepare`` (copied, ``generate.py`` run) and scanned one folder per command,
  the options ``generate.py`` returns written to a ``--config`` file's ``[analyzers]`` table
  (``--online`` where it starts a loopback registry). The CORE008 fixture registers an analyzer
  in the harness's own process, which no command line can see: its findings here are only those
  of the built-in analyzers.
- ``malicious``: the 2,500 samples of ``../shared/corpus/packages/pypi-malicious-dev.zip``, written
  as bytes into a throwaway folder in batches, scanned with ``--select PKG,CORE``, deleted.
- ``benign``: the archives in ``/work/bench-data/benign/{sdist,wheel}`` (a download of the sdist
  and a wheel of each project pinned in ``pypi-benign-dev.txt``), every analyzer.
- ``workflows``, ``lockfiles``: the folders of ``../shared/corpus`` (lockfiles with the advisory
  database ``/work/bench-data/advisories.sqlite3``, see ``--advisory-db``).
- ``models``: ``/work/bench-data/models``, written by ``bench/models_corpus.py``.

Fixtures come from the checkout this script lives in, so compare two snapshots taken with the same
fixtures (the snapshot records their digest and ``compare`` says when they differ).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
DATA = Path("/work/bench-data")
MALICIOUS_ZIP = CORPUS / "packages" / "pypi-malicious-dev.zip"
SETS = ("fixtures", "workflows", "lockfiles", "models", "malicious", "benign")  # quickest first
LOOPBACK = re.compile(r"\b(127\.0\.0\.1|localhost):\d+")  # the fixtures' registries
#: Content digests: generated fixtures (zips with timestamps) differ in bytes from run to run.
DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
GRAPH_CODES = frozenset({"PATH001"})  # findings made from a command's attack paths
FINDING_KEYS = (
    "code",
    "path",
    "line",
    "column",
    "logical",
    "severity",
    "confidence",
    "message",
    "suppressed",
)


@dataclass(frozen=True, slots=True)
class Cli:
    """How to run one checkout's ``outwork``."""

    checkout: Path
    python: Path
    pythonpath: str | None

    @classmethod
    def of(cls, checkout: Path, python: Path | None) -> Cli:
        checkout = checkout.resolve()
        if python is None:
            venv = checkout / ".venv" / "bin" / "python"
            if not venv.is_file():
                raise SystemExit(f"{venv}: missing; make the checkout's venv or pass --python")
            cli = cls(checkout, venv, None)
        else:
            cli = cls(checkout, python, str(checkout / "src"))
        where = cli.run_python("import outwork, sys; sys.stdout.write(outwork.__file__)")
        if not Path(where).resolve().is_relative_to(checkout / "src"):
            raise SystemExit(f"{cli.python} imports outwork from {where}, not from {checkout}/src")
        return cli

    def env(self, data_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTWORK_", "PYTHON"))}
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        env["OUTWORK_DATA_DIR"] = str(data_dir)
        env["OUTWORK_CACHE_DIR"] = str(data_dir / "cache")
        return env

    def run_python(self, code: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        done = subprocess.run(
            [str(self.python), "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def commit(self) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(self.checkout), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


@dataclass(slots=True)
class Run:
    """One ``outwork scan`` command: what it scans and how its paths map to inputs."""

    name: str
    root: Path  # finding paths are made relative to this folder
    targets: list[str]
    args: list[str] = field(default_factory=list)
    depth: int | None = None  # leading components of a relative path that name its input
    inputs: list[str] = field(default_factory=list)
    fixed_input: str | None = None  # every finding of this run belongs to this input
    fixture: Path | None = None  # a prepared rule fixture folder whose expectations to check


def scan(cli: Cli, run: Run, data_dir: Path) -> dict[str, Any]:
    """Run one command; its report with the scanned root, the scratch folder (``data_dir``'s
    parent), loopback ports and sha256 digests taken out of every string."""
    cmd = [str(cli.python), "-m", "outwork", "scan", *run.targets]
    cmd += ["-f", "json", "--no-cache", "-q", "--fail-on", "none", *run.args]
    done = subprocess.run(
        cmd, env=cli.env(data_dir), cwd=data_dir, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        return {"exit": done.returncode, "stderr": _clean(done.stderr, run.root, data_dir)[-2000:]}
    report = json.loads(done.stdout)
    return {"exit": done.returncode, "report": _clean(report, run.root, data_dir)}


def _clean(value: Any, root: Path, data_dir: Path) -> Any:
    if isinstance(value, str):
        for prefix in dict.fromkeys((str(root), str(root.resolve()))):
            value = value.replace(prefix + "/", "").replace(prefix, ".")
        for scratch in dict.fromkeys((str(data_dir.parent), str(data_dir.parent.resolve()))):
            value = value.replace(scratch, "<tmp>")
        return DIGEST.sub("<sha256>", LOOPBACK.sub(r"\1:<port>", value))
    if isinstance(value, list):
        return [_clean(v, root, data_dir) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v, root, data_dir) for k, v in value.items()}
    return value


def input_of(path: str, run: Run) -> str:
    if run.fixed_input is not None:
        return run.fixed_input
    on_disk = path.split("!/", 1)[0]
    parts = on_disk.split("/")
    return "/".join(parts[: run.depth]) if run.depth else on_disk


def normalise(result: dict[str, Any], run: Run) -> dict[str, Any]:
    """Per input: sorted findings, errors and skips; for the run: exit code and attack paths."""
    per_input: dict[str, dict[str, list[Any]]] = {
        name: {"findings": [], "errors": [], "skipped": []} for name in run.inputs
    }

    def slot(path: str) -> dict[str, list[Any]]:
        return per_input.setdefault(
            input_of(path, run), {"findings": [], "errors": [], "skipped": []}
        )

    summary: dict[str, Any] = {"exit": result["exit"]}
    report = result.get("report")
    if report is None:
        summary["stderr"] = result["stderr"]
        return {"run": summary, "inputs": per_input}
    for item in report["findings"]:
        loc = item["location"]
        row = {
            "code": item["code"],
            "path": loc["path"],
            "line": loc.get("line"),
            "column": loc.get("column"),
            "logical": loc.get("logical"),
            "severity": item["severity"],
            "confidence": item["confidence"],
            "message": item["message"],
            "suppressed": item.get("suppressed"),
        }
        slot(loc["path"])["findings"].append(row)
    for error in report.get("errors", []):
        slot(error["path"])["errors"].append(error)
    for skip in report.get("skipped", []):
        slot(skip["path"])["skipped"].append(skip)
    for entry in per_input.values():
        for key in ("findings", "errors", "skipped"):
            entry[key].sort(key=_sort_key)
    summary["paths"] = sorted(
        (_drop(p, "fingerprint") for p in report.get("paths", [])), key=_sort_key
    )
    return {"run": summary, "inputs": per_input}


def _drop(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _drop(v, key) for k, v in value.items() if k != key}
    if isinstance(value, list):
        return [_drop(v, key) for v in value]
    return value


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# -- input sets ---------------------------------------------------------------------------------


def fixture_runs(work: Path) -> Iterator[Run]:
    """Every rule fixture folder, prepared as the rule-fixture tests prepare it."""
    sys.path.insert(0, str(ROOT))
    from tests import ruleharness

    for folder in sorted(p for p in ruleharness.FIXTURES.iterdir() if p.is_dir()):
        code = folder.name
        workdir = work / code
        workdir.mkdir()
        target, options = ruleharness.prepare(code, workdir)
        online = bool(options.get("harness.online"))
        analyzers = {k: v for k, v in options.items() if not k.startswith("harness.")}
        config = workdir / "outwork-snapshot.toml"
        config.write_text(_toml_table("analyzers", analyzers))
        args = ["--config", str(config), "--jobs", "1", "--online" if online else "--offline"]
        yield Run(
            code, workdir, [str(target)], args, inputs=[code], fixed_input=code, fixture=target
        )


def unmet(run: Run, findings: list[dict[str, Any]]) -> list[str]:
    """The fixture's ``expect``/``ok`` marks that the command line's findings do not meet: the
    check that this script scans a fixture the way the rule-fixture tests do. The findings are
    handed to ``ruleharness.check`` as stand-ins with the attributes a ``Finding`` has."""
    from tests import ruleharness

    assert run.fixture is not None
    located = [
        SimpleNamespace(
            code=f["code"],
            message=f["message"],
            location=SimpleNamespace(
                path=f["path"], line=f["line"], column=f["column"], logical=f["logical"]
            ),
            severity=SimpleNamespace(label=f["severity"]),
            confidence=SimpleNamespace(label=f["confidence"]),
        )
        for f in findings
    ]
    expected = ruleharness.expectations(run.fixture)
    try:
        return ruleharness.check(Path(run.fixture.name), located, expected)  # type: ignore[arg-type]
    except AttributeError as exc:  # the harness reads a field the stand-ins lack: say so
        return [f"not checked: tests/ruleharness.check needs {exc}"]


def _toml_table(name: str, values: dict[str, Any]) -> str:
    lines = [f"[{name}]"]
    lines += [f"{json.dumps(key)} = {json.dumps(value)}" for key, value in sorted(values.items())]
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text)[name] == values, text
    return text


def fixtures_digest() -> str:
    sys.path.insert(0, str(ROOT))
    from tests import ruleharness

    digest = hashlib.sha256()
    for path in sorted(ruleharness.FIXTURES.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ruleharness.FIXTURES).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def malicious_runs(work: Path, batches: int) -> Iterator[Run]:
    """The malicious samples as bytes in throwaway folders, one command per batch, then deleted."""
    with zipfile.ZipFile(MALICIOUS_ZIP) as zf:
        names = sorted(n for n in zf.namelist() if not n.endswith("/"))
        size = -(-len(names) // batches)
        for index in range(batches):
            chunk = names[index * size : (index + 1) * size]
            folder = work / f"batch-{index}"
            for name in chunk:
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name, pwd=b"infected"))
            yield Run(
                f"batch-{index}",
                folder,
                [str(folder)],
                ["--select", "PKG,CORE", "--offline"],
                inputs=chunk,
            )
            shutil.rmtree(folder)


#: The file name each osv-scanner fixture family is read under (outwork picks a parser by name).
LOCKFILE_NAMES = {
    "npm": "package-lock.json",
    "yarn": "yarn.lock",
    "pnpm": "pnpm-lock.yaml",
    "cargo": "Cargo.lock",
    "go": "go.mod",
    "bundler": "Gemfile.lock",
    "composer": "composer.lock",
    "maven": "pom.xml",
    "gradle": "gradle.lockfile",
    "poetry": "poetry.lock",
    "pdm": "pdm.lock",
    "pipenv": "Pipfile.lock",
    "pip": "requirements.txt",
    "nuget": "packages.lock.json",
    "pub": "pubspec.lock",
    "mix": "mix.lock",
    "conan": "conan.lock",
}


def lockfile_run(work: Path, db: Path) -> Run:
    """Every lockfile of the corpus copied to ``FAMILY/FILE/<the name its tool writes>``."""
    source = CORPUS / "lockfiles"
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = path.relative_to(source)
        family = rel.parts[1] if len(rel.parts) > 2 else ""
        target = work / rel.parent / path.name / LOCKFILE_NAMES.get(family, path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    args = ["--advisory-db", str(db)] if db.is_file() else []
    if not args:
        print(f"  {db} missing: lockfiles scanned without an advisory database", file=sys.stderr)
    run = folder_run("lockfiles", work, args, None)
    run.inputs = sorted({i.rsplit("/", 1)[0] for i in run.inputs})
    run.depth = -1
    return run


def benign_runs(work: Path, benign: Path, step: int) -> Iterator[Run]:
    """The downloaded sdists and wheels, one command per folder; with ``step`` > 1 every
    step-th archive of each, hard-linked into a scratch folder of the same name."""
    for folder in (benign / "sdist", benign / "wheel"):
        if not folder.is_dir():
            continue
        archives = sorted(p for p in folder.iterdir() if p.is_file())
        if step > 1:
            target = work / folder.name
            target.mkdir()
            for path in archives[::step]:
                os.link(path, target / path.name)
            folder, archives = target, archives[::step]
        files = [f"{folder.name}/{p.name}" for p in archives]
        yield Run(folder.name, folder.parent, [str(folder)], ["--offline"], 2, files)


def folder_run(name: str, root: Path, args: list[str], depth: int | None) -> Run:
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    inputs = sorted({"/".join(f.split("/")[:depth]) if depth else f for f in files})
    return Run(name, root, [str(root)], ["--offline", *args], depth=depth, inputs=inputs)


def set_runs(name: str, work: Path, args: argparse.Namespace) -> Iterator[Run]:
    if name == "fixtures":
        yield from fixture_runs(work)
    elif name == "malicious":
        yield from malicious_runs(work, args.batches)
    elif name == "benign":
        yield from benign_runs(work, args.benign, args.benign_step)
    elif name == "workflows":
        yield folder_run("workflows", CORPUS / "workflows", [], 1)
    elif name == "lockfiles":
        yield lockfile_run(work, args.advisory_db)
    elif name == "models":
        yield folder_run("models", args.models, [], None)


def take(args: argparse.Namespace) -> int:
    cli = Cli.of(args.src, args.python)
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SETS))
    if unknown:
        raise SystemExit(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(SETS)}")
    snapshot: dict[str, Any] = {
        "meta": {
            "checkout": str(cli.checkout),
            "commit": cli.commit(),
            "python": str(cli.python),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "fixtures_from": str(ROOT),
            "fixtures_digest": fixtures_digest(),
            "sets": {},
        },
        "sets": {},
    }
    previous = json.loads(args.out.read_text()) if args.update and args.out.is_file() else None
    if previous is not None:
        merged(previous, snapshot)  # refuses a file of another commit before the work, not after
    for name in wanted:
        started = time.monotonic()
        runs: dict[str, Any] = {}
        inputs: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix=f"outwork-snapshot-{name}-") as tmp:
            work = Path(tmp) / "in"
            data_dir = Path(tmp) / "data"
            work.mkdir()
            data_dir.mkdir()
            for run in set_runs(name, work, args):
                result = normalise(scan(cli, run, data_dir), run)
                runs[run.name] = result["run"]
                inputs.update(result["inputs"])
                found = sum(len(v["findings"]) for v in result["inputs"].values())
                print(
                    f"  {name}/{run.name}: exit {result['run']['exit']},"
                    f" {len(result['inputs'])} inputs, {found} findings",
                    file=sys.stderr,
                )
                if run.fixture is not None:
                    problems = unmet(run, result["inputs"][run.name]["findings"])
                    for problem in problems:
                        print(f"    unmet: {problem}", file=sys.stderr)
                    if problems:
                        snapshot["meta"].setdefault("unmet", {})[run.name] = problems
        snapshot["sets"][name] = {"runs": runs, "inputs": dict(sorted(inputs.items()))}
        snapshot["meta"]["sets"][name] = {
            "inputs": len(inputs),
            "findings": sum(len(v["findings"]) for v in inputs.values()),
            "by_code": dict(
                sorted(Counter(f["code"] for v in inputs.values() for f in v["findings"]).items())
            ),
            "seconds": round(time.monotonic() - started, 1),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        print(f"{name}: {snapshot['meta']['sets'][name]}", file=sys.stderr)
        write(args, previous, snapshot)  # after every set: a long run stopped keeps what it took
    return 0


def write(
    args: argparse.Namespace, previous: dict[str, Any] | None, snapshot: dict[str, Any]
) -> None:
    data = merged(previous, snapshot) if previous else snapshot
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the sets that ``new`` took replaced: both of one commit."""
    if old["meta"]["commit"] != new["meta"]["commit"]:
        raise SystemExit(
            f"--update: the file holds {old['meta']['commit']}, this checkout is"
            f" {new['meta']['commit']}; take every set again instead"
        )
    meta = {**old["meta"], "sets": {**old["meta"]["sets"], **new["meta"]["sets"]}}
    if "fixtures" in new["sets"]:
        meta["fixtures_digest"] = new["meta"]["fixtures_digest"]
        meta["fixtures_from"] = new["meta"]["fixtures_from"]
        meta.pop("unmet", None)
        if "unmet" in new["meta"]:
            meta["unmet"] = new["meta"]["unmet"]
    return {"meta": meta, "sets": {**old["sets"], **new["sets"]}}


# -- compare ------------------------------------------------------------------------------------


def _row(finding: dict[str, Any]) -> str:
    where = finding["path"] + (f":{finding['line']}" if finding["line"] is not None else "")
    where += f":{finding['column']}" if finding["column"] is not None else ""
    where += f" [{finding['logical']}]" if finding["logical"] else ""
    state = f" suppressed={finding['suppressed']}" if finding["suppressed"] else ""
    return f"{where} {finding['severity']}/{finding['confidence']}{state}: {finding['message']}"


def _anchor(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (
        finding["code"],
        finding["path"],
        finding["line"],
        finding["column"],
        finding["logical"],
    )


def diff_findings(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> Iterator[tuple[str, str]]:
    """(code, line of text) for every finding that differs, a change at one place paired up."""
    a = Counter(_sort_key(f) for f in before)
    b = Counter(_sort_key(f) for f in after)
    gone = [json.loads(k) for k in (a - b).elements()]
    new = [json.loads(k) for k in (b - a).elements()]
    by_anchor: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for finding in new:
        by_anchor[_anchor(finding)].append(finding)
    for old in gone:
        twins = by_anchor.get(_anchor(old))
        if twins:
            changed = twins.pop(0)
            fields = [
                f"{key} {old[key]!r} -> {changed[key]!r}"
                for key in FINDING_KEYS
                if old[key] != changed[key]
            ]
            yield old["code"], f"~ {_row(old)}\n      {'; '.join(fields)}"
        else:
            yield old["code"], f"- {_row(old)}"
    for twins in by_anchor.values():
        for finding in twins:
            yield finding["code"], f"+ {_row(finding)}"


def diff_items(kind: str, before: Iterable[Any], after: Iterable[Any]) -> Iterator[str]:
    a = Counter(_sort_key(x) for x in before)
    b = Counter(_sort_key(x) for x in after)
    for key in sorted((a - b).elements()):
        yield f"- {kind} {key}"
    for key in sorted((b - a).elements()):
        yield f"+ {kind} {key}"


def diff_paths(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Iterator[str]:
    """Attack paths that differ; a path whose entry, target and step proofs stay is shown as a
    change of its fields. An empty ``suppressed_steps`` (a key the report grew with the policy
    applied before paths) is no difference."""

    def plain(path: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in path.items() if not (k == "suppressed_steps" and not v)}

    a = Counter(_sort_key(plain(p)) for p in before)
    b = Counter(_sort_key(plain(p)) for p in after)
    gone = [json.loads(k) for k in sorted((a - b).elements())]
    new = [json.loads(k) for k in sorted((b - a).elements())]

    def anchor(path: dict[str, Any]) -> tuple[Any, ...]:
        return (path["entry"], path["target"], tuple(s.get("proof") for s in path["steps"]))

    by_anchor: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for path in new:
        by_anchor[anchor(path)].append(path)
    for old in gone:
        twins = by_anchor.get(anchor(old))
        title = f"attack path {old['entry']} -> {old['target']}"
        if twins:
            changes = "; ".join(leaf_changes(old, twins.pop(0)))
            yield f"~ {title} ({old['steps'][0].get('proof')}): {changes}"
        else:
            yield f"- {title} {_sort_key(old)}"
    for twins in by_anchor.values():
        for path in twins:
            yield f"+ attack path {path['entry']} -> {path['target']} {_sort_key(path)}"


def leaf_changes(a: Any, b: Any, where: str = "") -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from leaf_changes(a.get(key), b.get(key), f"{where}.{key}" if where else key)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from leaf_changes(x, y, f"{where}[{index}]")
    elif a != b:
        yield f"{where} {a!r} -> {b!r}"


def compare(args: argparse.Namespace) -> int:
    old = json.loads(args.a.read_text())
    new = json.loads(args.b.read_text())
    print(f"A: {args.a} ({old['meta']['commit']}, {old['meta']['date']})")
    print(f"B: {args.b} ({new['meta']['commit']}, {new['meta']['date']})")
    if old["meta"]["fixtures_digest"] != new["meta"]["fixtures_digest"]:
        print(
            "note: the two snapshots prepared different fixtures (taken from different checkouts);"
            " take A again with this checkout's bench/snapshot.py --sets fixtures"
        )
    total: Counter[str] = Counter()
    for name in [s for s in SETS if s in old["sets"] or s in new["sets"]]:
        if name not in old["sets"] or name not in new["sets"]:
            print(f"\n== {name}: only in {'A' if name in old['sets'] else 'B'}; not compared")
            continue
        a, b = old["sets"][name], new["sets"][name]
        lines: dict[str, list[str]] = defaultdict(list)
        only_a = sorted(set(a["inputs"]) - set(b["inputs"]))
        only_b = sorted(set(b["inputs"]) - set(a["inputs"]))
        common = sorted(set(a["inputs"]) & set(b["inputs"]))
        # A command's attack paths (and their PATH001 findings) are capped and joined across
        # its inputs: comparable only when both sides scanned the same inputs.
        same_inputs = not only_a and not only_b
        for key in common:
            x, y = a["inputs"][key], b["inputs"][key]
            before, after = x["findings"], y["findings"]
            if not same_inputs:
                before = [f for f in before if f["code"] not in GRAPH_CODES]
                after = [f for f in after if f["code"] not in GRAPH_CODES]
            for code, text in diff_findings(before, after):
                lines[code].append(f"  [{key}] {text}")
            for kind in ("errors", "skipped"):
                for text in diff_items(kind, x[kind], y[kind]):
                    lines[f"({kind})"].append(f"  [{key}] {text}")
        for run in sorted(set(a["runs"]) & set(b["runs"])) if same_inputs else []:
            x, y = a["runs"][run], b["runs"][run]
            if x["exit"] != y["exit"]:
                lines["(exit)"].append(f"  [{run}] exit {x['exit']} -> {y['exit']}")
                for side, data in (("A", x), ("B", y)):
                    if "stderr" in data:
                        lines["(exit)"].append(f"    {side}: {data['stderr'][-500:]}")
            for text in diff_paths(x.get("paths", []), y.get("paths", [])):
                lines["(paths)"].append(f"  [{run}] {text}")
        count = sum(len(v) for v in lines.values())
        total[name] = count
        print(f"\n== {name}: {len(common)} inputs compared, {count} differences")
        if only_a or only_b:
            print(
                f"   inputs only in A: {len(only_a)}, only in B: {len(only_b)} (not compared;"
                " nor are the commands' exit codes, attack paths and PATH001 findings)"
            )
            for key in only_a[:10]:
                print(f"     A only: {key}")
            for key in only_b[:10]:
                print(f"     B only: {key}")
        for code in sorted(lines):
            print(f"-- {name} / {code}: {len(lines[code])}")
            for text in lines[code]:
                print(text)
    print(
        "\nsummary: "
        + (", ".join(f"{name} {n}" for name, n in total.items()) or "nothing compared")
        + f"; {sum(total.values())} differences"
    )
    return 1 if sum(total.values()) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot", help="scan every input set with one checkout's CLI")
    snap.add_argument("--src", type=Path, required=True, help="the checkout to run")
    snap.add_argument("--out", type=Path, required=True)
    snap.add_argument("--sets", default=",".join(SETS))
    snap.add_argument(
        "--update", action="store_true", help="replace only these sets in an existing --out"
    )
    snap.add_argument("--python", type=Path, help="interpreter (default: CHECKOUT/.venv)")
    snap.add_argument("--batches", type=int, default=5, help="malicious samples: commands")
    snap.add_argument("--benign", type=Path, default=DATA / "benign")
    snap.add_argument(
        "--benign-step",
        type=int,
        default=1,
        help="every N-th benign archive (compare: common ones)",
    )
    snap.add_argument("--models", type=Path, default=DATA / "models")
    snap.add_argument("--advisory-db", type=Path, default=DATA / "advisories.sqlite3")
    cmp = sub.add_parser("compare", help="every difference between two snapshots")
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    args = parser.parse_args()
    # A stopped run still deletes its scratch folder (the malicious samples are live malware).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return take(args) if args.command == "snapshot" else compare(args)


if __name__ == "__main__":
    raise SystemExit(main())
