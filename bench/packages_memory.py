"""Peak memory of the packages analyzer on large wheels: it must not grow with the archive.

Builds wheels of the sizes asked for in a temporary folder: a few hundred generated modules
that look like a real library (imports, classes, functions, a setup-time hook) plus large
members that are not source (a native library, model weights, a data file), which make up the
size. Each measurement runs in a fresh child process and reports its peak resident set size
(``resource.getrusage``):

- ``analyzer``: the packages analyzer alone on the wheel as a file on disk, as a scan hands it;
- ``cli``: ``outwork scan WHEEL --select PKG --no-cache`` (sources, engine and reporter too);
- ``--cli-only``: the command line alone, in the modes asked for with ``--modes`` (``pkg``: the
  line above; ``all``: every analyzer, ``--no-cache``; ``cache``: every analyzer, a new cache
  directory per run), each run ``--runs`` times, the median peak reported.

    python bench/packages_memory.py [--sizes 25,100,400] [--keep DIR]
    python bench/packages_memory.py --cli-only --modes pkg,all,cache --runs 3 [--sizes ...]
    python bench/packages_memory.py --cli-only --sdist ...     # the same members as a .tar.gz
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

MODULES = 300

ANALYZER = textwrap.dedent(
    """
    import resource, sys, time
    from outwork.core.analyzer import AnalysisContext
    from outwork.analyzers.packages import PackageAnalyzer
    from outwork.core.artifact import Artifact, Kind
    from outwork.core.findings import Finding
    path = sys.argv[1]
    import os
    artifact = Artifact(path=os.path.basename(path), kind=Kind.ZIP, size=os.path.getsize(path),
                       fs_path=path)
    analyzer = PackageAnalyzer()
    analyzer.accepts(artifact)  # loads the implementation before the baseline is taken
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    items = list(analyzer.analyze(artifact, AnalysisContext()))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    findings = sum(isinstance(i, Finding) for i in items)
    print(before, peak, f"{elapsed:.2f}", findings)
    """
)

CLI = textwrap.dedent(
    """
    import resource, subprocess, sys, time
    started = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, f"{elapsed:.2f}", done.returncode)
    """
)


def module_source(rng: random.Random, index: int) -> str:
    """A plausible library module: imports, constants, a class with methods, helpers."""
    imports = rng.sample(
        ["os", "re", "json", "logging", "typing", "functools", "itertools", "pathlib", "base64"],
        4,
    )
    lines = [f'"""Module {index} of the generated library."""', ""]
    lines += [f"import {m}" for m in sorted(imports)]
    lines += ["", f"LIMIT_{index} = {rng.randint(1, 1000)}", f'NAME_{index} = "item-{index}"', ""]
    for c in range(3):
        lines += [f"class Handler{index}_{c}:", f'    """Handles case {c}."""', ""]
        lines += ["    def __init__(self, value, *, strict=False):"]
        lines += ["        self.value = value", "        self.strict = strict", ""]
        for m in range(6):
            lines += [
                f"    def method_{m}(self, items):",
                "        out = []",
                "        for item in items:",
                f"            if item and len(str(item)) > {rng.randint(0, 9)}:",
                f"                out.append(str(item).strip() + NAME_{index})",
                "        return sorted(out, key=len)",
                "",
            ]
    for f in range(10):
        lines += [
            f"def helper_{f}(path, encoding='utf-8'):",
            "    with open(path, encoding=encoding) as fh:",
            "        text = fh.read()",
            f"    return [line for line in text.splitlines() if line.startswith('{f}')]",
            "",
        ]
    return "\n".join(lines) + "\n"


def build_wheel(folder: Path, megabytes: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    name = f"biglib{megabytes}"
    path = folder / f"{name}-1.0.0-py3-none-manylinux_2_28_x86_64.whl"
    sources = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(MODULES):
            source = module_source(rng, i)
            sources += len(source)
            zf.writestr(f"{name}/sub{i % 12}/mod{i}.py", source)
        zf.writestr(f"{name}/__init__.py", "from .sub0 import mod0\n__version__ = '1.0.0'\n")
        info = f"{name}-1.0.0.dist-info"
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-manylinux_2_28_x86_64\n")
        zf.writestr(f"{info}/RECORD", "")
        remaining = megabytes * 1024 * 1024 - path.stat().st_size
        blobs = [
            (f"{name}/_native.cpython-311-x86_64-linux-gnu.so", b"\x7fELF\x02\x01\x01", 0.2),
            (f"{name}/data/weights.bin", b"", 0.5),
            (f"{name}/data/table.parquet", b"PAR1", 0.3),
        ]
        for member, head, share in blobs:
            size = max(0, int(remaining * share))
            with zf.open(member, "w", force_zip64=True) as fh:
                fh.write(head)
                written = len(head)
                while written < size:
                    chunk = os.urandom(min(1 << 20, size - written))  # incompressible
                    fh.write(chunk)
                    written += len(chunk)
    return path


#: Command-line modes: the arguments after ``outwork scan WHEEL`` (``{cache}``: a new directory).
MODES = {
    "pkg": ["--select", "PKG", "--no-cache"],
    "all": ["--no-cache"],
    "cache": ["--cache-dir", "{cache}"],
}


def measure_cli(path: Path, mode: str, runs: int) -> str:
    """Median peak RSS and wall time of ``outwork scan WHEEL`` in one mode over ``runs`` runs."""
    outwork = Path(sys.executable).with_name("outwork")
    peaks: list[int] = []
    times: list[float] = []
    codes: set[str] = set()
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            extra = [a.replace("{cache}", cache) for a in MODES[mode]]
            command = [sys.executable, "-c", CLI, str(outwork), "scan", str(path), *extra]
            done = subprocess.run(
                [*command, "-f", "json"], capture_output=True, text=True, check=True
            )
        peak, seconds, code = done.stdout.split()
        peaks.append(int(peak) // 1024)
        times.append(float(seconds))
        codes.add(code)
    return (
        f"{statistics.median(peaks):.0f} MB ({'/'.join(map(str, peaks))}),"
        f" {statistics.median(times):.2f} s (exit {','.join(sorted(codes))})"
    )


def build_sdist(folder: Path, megabytes: int) -> Path:
    """The wheel's members as an sdist (``.tar.gz``): tar members come in stream order."""
    import tarfile

    wheel = build_wheel(folder, megabytes)
    name = f"biglib{megabytes}-1.0.0"
    path = folder / f"{name}.tar.gz"
    with zipfile.ZipFile(wheel) as zf, tarfile.open(path, "w:gz", compresslevel=1) as tf:
        for info in zf.infolist():
            member = tarfile.TarInfo(f"{name}/{info.filename}")
            member.size = info.file_size
            with zf.open(info) as fh:
                tf.addfile(member, fh)
    wheel.unlink()
    return path


def measure(path: Path) -> tuple[str, str]:
    env = dict(os.environ)
    done = subprocess.run(
        [sys.executable, "-c", ANALYZER, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    before, peak, seconds, findings = done.stdout.split()
    analyzer = (
        f"{int(peak) // 1024} MB peak ({int(before) // 1024} MB before), {seconds} s,"
        f" {findings} findings"
    )
    outwork = Path(sys.executable).with_name("outwork")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI,
            str(outwork),
            "scan",
            str(path),
            "--select",
            "PKG",
            "--no-cache",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    peak_cli, seconds_cli, code = done.stdout.split()
    cli = f"{int(peak_cli) // 1024} MB peak, {seconds_cli} s (exit {code})"
    return analyzer, cli


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="25,100,400", help="wheel sizes in MB")
    parser.add_argument("--keep", default="", help="build the wheels here and keep them")
    parser.add_argument("--cli-only", action="store_true", help="measure the command line only")
    parser.add_argument("--modes", default="pkg,all,cache", help=f"of {', '.join(MODES)}")
    parser.add_argument("--runs", type=int, default=3, help="runs per command-line mode")
    parser.add_argument("--sdist", action="store_true", help="with --cli-only: sdists (.tar.gz)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.cli_only:
            modes = args.modes.split(",")
            print("| wheel | " + " | ".join(f"`{m}`: median peak RSS (runs), wall" for m in modes))
            print("| --- |" + " --- |" * len(modes))
            for megabytes in sizes:
                if args.sdist:
                    wheel = folder / f"biglib{megabytes}-1.0.0.tar.gz"
                    if not wheel.exists():
                        wheel = build_sdist(folder, megabytes)
                else:
                    wheel = folder / f"biglib{megabytes}-1.0.0-py3-none-manylinux_2_28_x86_64.whl"
                    if not wheel.exists():
                        wheel = build_wheel(folder, megabytes)
                cells = [measure_cli(wheel, mode, args.runs) for mode in modes]
                size = wheel.stat().st_size / (1024 * 1024)
                print(f"| {size:.0f} MB | " + " | ".join(cells) + " |", flush=True)
            return 0
        print("| wheel | analyzer (peak RSS) | `outwork scan --select PKG --no-cache` (peak RSS) |")
        print("| --- | --- | --- |")
        for megabytes in sizes:
            wheel = build_wheel(folder, megabytes)
            size = wheel.stat().st_size / (1024 * 1024)
            analyzer, cli = measure(wheel)
            print(f"| {size:.0f} MB, {MODULES} modules | {analyzer} | {cli} |", flush=True)
            if not args.keep:
                wheel.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
