"""Collect rule fixtures, scan them and compare findings with their expectations by location."""

from __future__ import annotations

import importlib.util
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outwork.core.findings import Finding
from outwork.engine.pipeline import ScanOptions, scan
from outwork.engine.registry import load_analyzers

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
_CODE = r"[A-Z]+\d{3,4}(?:/(?:info|low|medium|high|critical))?"
_MARK_RE = re.compile(rf"\b(?P<kind>expect|ok):\s*(?P<codes>{_CODE}(?:\s*,\s*{_CODE})*)")


@dataclass(frozen=True)
class Expectation:
    must_fire: bool
    code: str
    path: str  # logical path relative to the scanned fixture folder
    line: int | None = None
    logical: str | None = None
    #: ``expect: CODE/high`` also asserts the finding's severity.
    severity: str | None = None

    def describe(self) -> str:
        where = (
            self.path
            + (f":{self.line}" if self.line else "")
            + (f" [{self.logical}]" if self.logical else "")
            + (f" ({self.severity})" if self.severity else "")
        )
        return f"{'expect' if self.must_fire else 'ok'} {self.code} at {where}"


def prepare(code: str, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """Copy a rule's fixture folder into ``workdir`` and run its generator."""
    source = FIXTURES / code
    target = workdir / code
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("generate.py", "__pycache__"))
    options: dict[str, Any] = {}
    generator = source / "generate.py"
    if generator.exists():
        spec = importlib.util.spec_from_file_location(f"fixture_generate_{code}", generator)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        options = module.generate(target) or {}
    return target, options


def expectations(root: Path) -> list[Expectation]:
    found: list[Expectation] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if path.name.endswith(".expect"):
            found.extend(_sidecar(path, rel[: -len(".expect")]))
            continue
        if (path.parent / (path.name + ".expect")).exists():
            continue
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        marks: list[Expectation] = []
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _MARK_RE.finditer(line):
                for mark in re.split(r"\s*,\s*", match.group("codes")):
                    code, _, severity = mark.partition("/")
                    must_fire = match.group("kind") == "expect"
                    marks.append(Expectation(must_fire, code, rel, number, None, severity or None))
        firing = {m.code for m in marks if m.must_fire}
        for mark in marks:
            # a file that only says `ok: CODE` must produce no CODE finding anywhere in it
            found.append(mark if mark.code in firing else Expectation(False, mark.code, rel))
    return found


def _sidecar(path: Path, rel: str) -> list[Expectation]:
    out: list[Expectation] = []
    for raw in path.read_text("utf-8").splitlines():
        parts = raw.split()
        if not parts or parts[0].startswith("#"):
            continue
        kind, mark, *rest = parts
        code, _, severity = mark.partition("/")  # ``expect CODE/high`` also asserts the severity
        fields = dict(p.split("=", 1) for p in rest)
        target = rel + ("!/" + fields["member"] if "member" in fields else "")
        line = int(fields["line"]) if "line" in fields else None
        logical = fields.get("logical")
        out.append(Expectation(kind == "expect", code, target, line, logical, severity or None))
    return out


def run(root: Path, options: dict[str, Any]) -> list[Finding]:
    """Scan a prepared fixture folder. Analyzers a fixture brings (``harness.analyzers``) are
    installed for this scan only: the registry is restored afterwards, whatever happens."""
    online = bool(options.get("harness.online"))  # fixtures that bring a loopback registry
    registry = load_analyzers()
    saved = dict(registry)
    registry.update((cls.name, cls) for cls in options.get("harness.analyzers", ()))
    try:
        result = scan(
            [str(root)],
            ScanOptions(jobs=1, cache_dir=None, analyzer_options=options, offline=not online),
        )
    finally:
        registry.clear()
        registry.update(saved)
    if not options.get("harness.allow_errors"):
        assert not result.errors, f"analyzer errors on fixtures: {result.errors}"
    # fixtures of a command other than scan (``outwork diff``) bring the findings it reports
    command = options.get("harness.findings")
    return result.findings + (list(command(root)) if command else [])


def check(root: Path, findings: list[Finding], expected: list[Expectation]) -> list[str]:
    """Every unmet expectation, described; empty when the fixtures hold."""
    problems: list[str] = []
    prefix = str(root).rstrip("/") + "/"
    located = [
        (
            f.code,
            f.location.path.removeprefix(prefix),
            f.location.line,
            f.location.logical or "",
            f.severity.label,
        )
        for f in findings
    ]
    for exp in expected:

        def hits(exp: Expectation = exp) -> list[tuple[str, str, int | None, str, str]]:
            return [
                loc
                for loc in located
                if loc[0] == exp.code
                and (
                    loc[1] == exp.path or (not exp.must_fire and loc[1].startswith(exp.path + "!/"))
                )
                and (exp.line is None or loc[2] == exp.line)
                and (exp.logical is None or exp.logical in loc[3])
                and (exp.severity is None or loc[4] == exp.severity)
            ]

        matched = hits()
        if exp.must_fire and not matched:
            near = [loc for loc in located if loc[1] == exp.path]
            problems.append(f"missing: {exp.describe()}; findings in that file: {near}")
        elif not exp.must_fire and matched:
            problems.append(f"false alarm: {exp.describe()}; got {matched}")
    return problems
