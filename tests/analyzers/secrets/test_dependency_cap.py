"""A credential in a third-party package's own files is the publisher's leak: medium at most,
saying so. The same value in the project's own files keeps its grade, wherever the project keeps
it (a ``vendor/`` copy, a folder named like a package, a path that merely contains a package
folder's name)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from outwork.core.findings import Finding
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.packages.helpers import tar_gz
from tests.secretforge import Forge

SOURCE = 'TOKEN = "{token}"\nDSN = "postgresql://app:{password}@db.acme-corp.net/app"\n'


def _findings(root: Path) -> dict[str, list[Finding]]:
    result = scan([str(root)], ScanOptions(jobs=1, select=("SEC",)))
    found: dict[str, list[Finding]] = {}
    for item in result.findings:
        path = item.location.path.removeprefix(str(root) + "/")
        found.setdefault(path, []).append(item)
    return found


def _sdist(path: Path, members: dict[str, str]) -> None:
    path.write_bytes(tar_gz(dict(members)))


def test_a_package_archive_or_installed_package_is_capped_and_own_files_are_not(
    tmp_path: Path,
) -> None:
    forge = Forge(7)
    text = SOURCE.format(token=forge.github(), password=forge.password())
    root = tmp_path / "project"
    own = ["app/settings.py", "vendor/acme/client.py", "site_packages_notes/client.py"]
    for path in own:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    installed = root / ".venv/lib/python3.12/site-packages/acme/client.py"
    installed.parent.mkdir(parents=True)
    installed.write_text(text)
    modules = root / "web/node_modules/acme/index.js"
    modules.parent.mkdir(parents=True)
    modules.write_text(text.replace("TOKEN =", "const TOKEN =").replace("DSN =", "const DSN ="))
    (root / "dist").mkdir()
    _sdist(root / "dist/acme-1.0.tar.gz", {"acme-1.0/acme/client.py": text})
    with zipfile.ZipFile(root / "dist/acme-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("acme/client.py", text)

    found = _findings(root)
    for path in own:
        assert {(f.code, f.severity.label, f.location.line) for f in found[path]} == {
            ("SEC001", "critical", 1),
            ("SEC004", "high", 2),
        }, path
        assert all("third-party" not in f.message for f in found[path])
    dependency = [
        ".venv/lib/python3.12/site-packages/acme/client.py",
        "web/node_modules/acme/index.js",
        "dist/acme-1.0.tar.gz!/acme-1.0/acme/client.py",
        "dist/acme-1.0-py3-none-any.whl!/acme/client.py",
    ]
    for path in dependency:
        graded = {(f.code, f.severity.label, f.location.line) for f in found[path]}
        assert graded == {("SEC001", "medium", 1), ("SEC004", "medium", 2)}, (path, graded)
        for item in found[path]:
            assert "in a third-party package's own files: medium at most" in item.message
            assert item.properties["in_dependency"] is True


def test_the_cap_never_raises_what_the_context_already_lowered(tmp_path: Path) -> None:
    forge = Forge(8)
    root = tmp_path / "project"
    root.mkdir()
    test_text = f'TOKEN = "{forge.github()}"  # fake token for the tests\n'
    _sdist(root / "acme-1.0.tar.gz", {"acme-1.0/tests/test_client.py": test_text})
    found = _findings(root)
    [item] = found["acme-1.0.tar.gz!/acme-1.0/tests/test_client.py"]
    assert item.severity.label in {"info", "low"}
    assert "third-party" not in item.message
