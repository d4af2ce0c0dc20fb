"""The dependency analyzer end to end on artifacts: findings, merged aliases, facts, components,
database states; and the `outwork db` command."""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from outwork.analyzers.dependencies import DependencyAnalyzer
from outwork.cli.db import add_db_arguments, run_db
from outwork.core.analyzer import AnalysisContext, Component
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.core.rules import Severity
from tests.analyzers.dependencies.osvrecords import build_database, write_feeds


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("advisories") / "db.sqlite3")


def _artifact(path: str, text: str, kind: Kind = Kind.LOCKFILE) -> Artifact:
    data = text.encode()
    return Artifact(path, kind, len(data), data=data)


def _run(artifact: Artifact, db: Path | None) -> list[object]:
    options = {"dependencies.db": str(db)} if db else {}
    analyzer = DependencyAnalyzer()
    assert analyzer.accepts(artifact)
    return list(analyzer.analyze(artifact, AnalysisContext(options=options)))


def _findings(items: list[object]) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding)]


def test_aliases_merge_into_one_finding_with_cvss_and_upgrade(database: Path) -> None:
    items = _run(_artifact("app/requirements.txt", "requests==2.19.0\n"), database)
    found = sorted(_findings(items), key=lambda f: f.subject or "")
    by_primary = {f.properties["aliases"][0] if f.properties["aliases"] else "": f for f in found}
    assert len(found) == 2  # GHSA-x84v + PYSEC-2018-28 are one vulnerability
    old = by_primary["CVE-2018-18074"]
    assert old.code == "VUL001"
    assert old.location.line == 1
    assert old.properties["advisory_ids"] == ["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"]
    assert old.properties["cvss_score"] == 7.5
    assert old.severity is Severity.HIGH
    assert old.properties["fixed"] == ["2.20.0"]
    assert old.properties["upgrade"] == "2.31.0"  # clears CVE-2023-32681 too
    assert "2.31.0" in old.remediation
    assert old.subject == "pkg:pypi/requests@2.19.0"
    newer = by_primary["CVE-2023-32681"]
    assert newer.properties["cvss_score"] == 6.1 and newer.severity is Severity.MEDIUM


def test_facts_and_components(database: Path) -> None:
    items = _run(_artifact("app/requirements.txt", "requests==2.19.0\nidna==3.7\n"), database)
    facts = [i for i in items if isinstance(i, Fact)]
    components = [i for i in items if isinstance(i, Component)]
    edges = {(f.source, f.relation, f.target) for f in facts}
    assert ("project:app/requirements.txt", "depends-on", "pkg:pypi/idna@3.7") in edges
    assert ("pkg:pypi/requests@2.19.0", "has-vulnerability", "vuln:PYSEC-2018-28") in edges
    assert [(c.type, c.name, c.version, c.purl) for c in components] == [
        ("library", "requests", "2.19.0", "pkg:pypi/requests@2.19.0"),
        ("library", "idna", "3.7", "pkg:pypi/idna@3.7"),
    ]
    assert components[0].properties["line"] == 1


def test_malicious_package_is_critical_and_not_suppressible(database: Path) -> None:
    lock = json.dumps(
        {"lockfileVersion": 3, "packages": {"node_modules/crossenv": {"version": "6.1.1"}}},
        indent=2,
    )
    (found,) = _findings(_run(_artifact("web/package-lock.json", lock), database))
    assert found.code == "VUL002" and found.severity is Severity.CRITICAL
    assert found.location.line == 4
    assert not found.rule.inline_suppressible
    assert found.properties["malicious"] is True


def test_qualitative_severity_without_vector(database: Path) -> None:
    lock = '{\n "packages": [\n  {"name": "guzzlehttp/guzzle", "version": "7.4.2"}\n ]\n}\n'
    (found,) = _findings(_run(_artifact("php/composer.lock", lock), database))
    assert found.severity is Severity.MEDIUM and found.location.line == 3


def test_duplicate_occurrences_become_related_locations(database: Path) -> None:
    lock = json.dumps(
        {
            "lockfileVersion": 3,
            "packages": {
                "node_modules/lodash": {"version": "4.17.20"},
                "node_modules/a/node_modules/lodash": {"version": "4.17.20"},
            },
        },
        indent=2,
    )
    (found,) = _findings(_run(_artifact("package-lock.json", lock), database))
    assert found.location.line == 4
    assert [r.line for r in found.related] == [7]


def _whole(artifact: Artifact, db: Path | None) -> list[Finding]:
    """The artifact's findings, then those of the whole-scan step over its components."""
    items = _run(artifact, db)
    components = [(artifact.path, c) for c in items if isinstance(c, Component)]
    options = {"dependencies.db": str(db)} if db else {}
    finished = DependencyAnalyzer().finish(components, AnalysisContext(options=options))
    return [*_findings(items), *[f for f in finished if isinstance(f, Finding)]]


def test_no_database_is_said_once_with_the_remedy() -> None:
    artifact = _artifact("requirements.txt", "requests==2.19.0\n")
    assert _findings(_run(artifact, None)) == []  # nothing per file
    (found,) = _whole(artifact, None)
    assert found.code == "VUL003" and "outwork db update" in found.remediation
    assert found.location.path == "requirements.txt" and found.location.line == 1
    assert found.severity is Severity.INFO
    assert found.properties["unchecked"] == {"PyPI": {"dependencies": 1, "files": 1}}


def test_missing_database_file(tmp_path: Path) -> None:
    artifact = _artifact("requirements.txt", "requests==2.19.0\n")
    (found,) = _whole(artifact, tmp_path / "none.sqlite3")
    assert found.code == "VUL003" and "outwork db update" in found.message


def test_stale_database_warns_but_still_matches(tmp_path: Path) -> None:
    db = build_database(tmp_path / "db.sqlite3")
    con = sqlite3.connect(db)
    con.execute("UPDATE feeds SET imported_at = '2020-01-01T00:00:00+00:00'")
    con.commit()
    con.close()
    os.utime(db, (time.time() + 5, time.time() + 5))
    found = _whole(_artifact("requirements.txt", "requests==2.19.0\n"), db)
    codes = sorted(f.code for f in found)
    assert codes == ["VUL001", "VUL001", "VUL003"]
    stale = next(f for f in found if f.code == "VUL003")
    assert stale.severity is Severity.INFO and "days old" in stale.message


def test_accepts_sboms_by_content_and_refuses_other_json() -> None:
    analyzer = DependencyAnalyzer()
    sbom = _artifact(
        "out/inventory.json", '{"bomFormat": "CycloneDX", "components": []}', Kind.JSON
    )
    other = _artifact("out/data.json", '{"a": 1}', Kind.JSON)
    assert analyzer.accepts(sbom)
    assert not analyzer.accepts(other)
    assert analyzer.accepts(_artifact("p/pyproject.toml", "[project]\n", Kind.TOML))
    assert analyzer.accepts(_artifact("node_modules/x/package.json", "{}", Kind.JSON))


def _cli(argv: list[str], data_dir: Path) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_db_arguments(parser.add_subparsers(dest="command").add_parser("db"))
    err = io.StringIO()
    code = run_db(parser.parse_args(argv), data_dir, err)
    return code, err.getvalue()


def test_cli_db_update_from_file_and_status(tmp_path: Path) -> None:
    feeds = write_feeds(tmp_path / "feeds")
    code, text = _cli(["db", "status"], tmp_path)
    assert code == 1 and "outwork db update" in text
    code, text = _cli(
        ["db", "update", "--ecosystem", "PyPI", "--from-file", str(feeds["PyPI"])], tmp_path
    )
    assert code == 0 and "PyPI: 8 records" in text
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "X-1.json").write_text(json.dumps({"id": "X-1", "modified": "2024-01-01T00:00:00Z"}))
    code, text = _cli(["db", "update", "--ecosystem", "Hex", "--from-file", str(folder)], tmp_path)
    assert code == 0 and "Hex: 1 records" in text
    code, text = _cli(["db", "status"], tmp_path)
    assert code == 0 and "PyPI" in text and "Hex" in text
    assert (tmp_path / "advisories.sqlite3").is_file()


def test_cli_db_update_over_loopback(tmp_path: Path) -> None:
    from tests.analyzers.dependencies.corpusfeeds import serve

    write_feeds(tmp_path / "feeds")
    with serve(tmp_path / "feeds") as base:
        code, text = _cli(
            [
                "db",
                "--database",
                str(tmp_path / "x.sqlite3"),
                "update",
                "--ecosystem",
                "npm",
                "--base-url",
                base,
            ],
            tmp_path,
        )
    assert code == 0 and "npm: 2 records" in text and "downloading" in text


def test_requirements_inside_a_package_archive_are_not_called_unpinned() -> None:
    inside = _artifact("dist/pkg-1.0.tar.gz!/pkg-1.0/requirements.txt", "flask>=2\n")
    assert not _findings(_run(inside, None))
    outside = _artifact("app/requirements.txt", "flask>=2\n")
    assert [f.code for f in _findings(_run(outside, None))] == ["VUL004"]
    analyzer = DependencyAnalyzer()
    assert not analyzer.accepts(_artifact("node_modules/a/test/package.json", "{}", Kind.JSON))


def test_ecosystem_without_a_feed_is_not_a_silent_pass(tmp_path: Path) -> None:
    from outwork.store.advisories import import_zip

    feeds = write_feeds(tmp_path / "feeds")
    db = tmp_path / "db.sqlite3"
    import_zip(db, "PyPI", feeds["PyPI"])
    lock = '{\n "packages": [\n  {"name": "guzzlehttp/guzzle", "version": "7.4.2"}\n ]\n}\n'
    (found,) = _whole(_artifact("php/composer.lock", lock), db)
    assert found.code == "VUL003" and "Packagist (1 dependency in 1 file)" in found.message
    assert "no feed" in found.message and "--ecosystem Packagist" in found.remediation
    assert found.location.line == 3 and found.severity is Severity.INFO


def test_oversized_lockfile_is_refused_not_truncated() -> None:
    from outwork.analyzers.dependencies.analysis import MAX_LOCKFILE_BYTES
    from outwork.core.errors import BudgetExceeded

    huge = Artifact("package-lock.json", Kind.LOCKFILE, MAX_LOCKFILE_BYTES + 1, data=b"{}")
    with pytest.raises(BudgetExceeded):
        list(DependencyAnalyzer().analyze(huge, AnalysisContext()))


def test_installed_packages_belong_to_their_environment() -> None:
    meta = _artifact(
        "img/usr/lib/python3/site-packages/requests-2.19.0.dist-info/METADATA",
        "Name: requests\nVersion: 2.19.0\n",
    )
    facts = [i for i in _run(meta, None) if isinstance(i, Fact)]
    assert (facts[0].source, facts[0].target) == (
        "environment:img/usr/lib/python3/site-packages",
        "pkg:pypi/requests@2.19.0",
    )
    pkg = _artifact("web/node_modules/@a/b/package.json", '{"name": "@a/b", "version": "1.0.0"}')
    facts = [i for i in _run(pkg, None) if isinstance(i, Fact)]
    assert facts[0].source == "environment:web/node_modules"
