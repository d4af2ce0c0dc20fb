"""Models benchmark: techniques caught by outwork, picklescan, modelscan and fickling, and cost.

Run from the repository root (peers live in throwaway venvs, never project dependencies):

    for t in picklescan modelscan fickling; do
        python3 -m venv /work/peer-venvs/$t && /work/peer-venvs/$t/bin/pip install $t
    done
    /work/peer-venvs/fickling/bin/pip install typing_extensions
    .venv/bin/python bench/models_compare.py [--peers /work/peer-venvs] [--small 1000,5000]
        [--runs 5] [--timing-only]

It writes every sample into a temporary folder (harmless payloads: ``echo outwork-test``), runs
each tool on each sample in the same run, and prints a Markdown table of caught/missed per
technique, then timings: a folder of small models and a sparse 10 GB PyTorch checkpoint.
Nothing is ever unpickled or loaded by this script.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _bytecode import compile_outwork  # noqa: E402

from outwork.engine.pipeline import ScanOptions, scan  # noqa: E402
from tests.analyzers.models import craft  # noqa: E402

Sample = tuple[str, str, bytes, bool]  # technique, file name, bytes, malicious?


def samples() -> list[Sample]:
    os_sys = craft.os_system(2)
    zipped = craft.torch_zip(os_sys)
    body = craft.call_body("os", "system", craft.PAYLOAD)
    out: list[Sample] = [
        ("os.system, protocol 0 (text)", "p0.pkl", craft.protocol0_system(), True),
        ("os.system, protocol 2", "p2.pkl", os_sys, True),
        ("os.system, protocol 4 STACK_GLOBAL", "p4.pkl", craft.os_system(4), True),
        ("PyTorch zip with os.system", "torch.pt", zipped, True),
        (
            "CVE-2025-1716 pip.main",
            "pip.pkl",
            craft.call("pip", "main", ("install", "outwork-test"), proto=4, stack=True),
            True,
        ),
        ("CVE-2025-1889 pickle with an odd extension", "model.safetensors.txt", os_sys, True),
        ("CVE-2025-10155 pickle renamed .bin", "pytorch_model.bin", os_sys, True),
        (
            "CVE-2025-1944 zip local/central name mismatch",
            "mismatch.pt",
            craft.patch_local_name(zipped, "archive/data.pkl", "archive/data.pkX"),
            True,
        ),
        (
            "CVE-2025-1945 zip flag bits",
            "flags.pt",
            craft.set_flag_bits(zipped, "archive/data.pkl", 0x1),
            True,
        ),
        (
            "CVE-2025-10156 zip CRC error",
            "crc.pt",
            craft.break_crc(zipped, "archive/data.pkl"),
            True,
        ),
        (
            "CVE-2025-10157 asyncio subprocess gadget",
            "asyncio.pkl",
            craft.call(
                "asyncio.unix_events",
                "_UnixSubprocessTransport._start",
                craft.PAYLOAD,
                proto=4,
                stack=True,
            ),
            True,
        ),
        ("nullifAI broken pickle", "broken.pkl", craft.broken_after(body), True),
        (
            "nested pickle via torch _load_from_bytes",
            "nested.pkl",
            craft.call("torch.storage", "_load_from_bytes", os_sys),
            True,
        ),
        ("legacy PyTorch stacked pickles", "legacy.pth", craft.legacy_torch(os_sys), True),
        ("polyglot pickle + zip", "poly.bin", craft.benign(2) + zipped, True),
        ("NumPy object array payload", "obj.npy", craft.npy_object(craft.os_system(3)), True),
        (
            "joblib zlib-compressed payload",
            "z.joblib",
            craft.zlib_compress(craft.os_system(4)),
            True,
        ),
        (
            "computed STACK_GLOBAL (unknown operands)",
            "computed.pkl",
            b"\x80\x04"
            + craft.arg("os")
            + craft.call_body("builtins", "str", "system")
            + b"\x93"
            + craft.arg((craft.PAYLOAD,))
            + b"R.",
            True,
        ),
        (
            "dotted attribute chain posixpath.os.system",
            "chain.pkl",
            craft.call("posixpath", "os.system", craft.PAYLOAD, proto=4, stack=True),
            True,
        ),
        (
            "TorchScript aten::save (CVE-2025-32434)",
            "ts.pt",
            craft.torch_zip(
                craft.benign(2),
                extra={
                    "constants.pkl": b"\x80\x02).",
                    "code/__torch__/m.py": b'def f(x):\n    ops.aten.save(x, "/tmp/o")\n',
                },
            ),
            True,
        ),
        (
            "Keras Lambda (CVE-2024-3660)",
            "lambda.keras",
            craft.keras_zip(craft.keras_model(craft.keras_layer("Lambda", {"function": {}}))),
            True,
        ),
        (
            "Keras module import (CVE-2025-1550)",
            "module.keras",
            craft.keras_zip(
                craft.keras_model(
                    {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
                )
            ),
            True,
        ),
        (
            "Keras get_file (CVE-2025-8747)",
            "getfile.keras",
            craft.keras_zip(
                craft.keras_model(
                    craft.keras_layer(
                        "Dense",
                        {
                            "activation": {
                                "module": "keras.utils",
                                "class_name": "function",
                                "config": "get_file",
                                "registered_name": "function",
                            }
                        },
                    )
                )
            ),
            True,
        ),
        (
            "Keras TFSMLayer (CVE-2026-1462)",
            "tfsm.keras",
            craft.keras_zip(craft.keras_model(craft.keras_layer("TFSMLayer", {"filepath": "/x"}))),
            True,
        ),
        (
            "GGUF chat template SSTI (CVE-2024-34359)",
            "evil.gguf",
            craft.gguf(
                {"tokenizer.chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
            ),
            True,
        ),
        (
            "ONNX external data traversal",
            "escape.onnx",
            craft.onnx_model(location="../../../../etc/passwd"),
            True,
        ),
        ("benign OrderedDict pickle", "benign.pkl", craft.benign(2), False),
        ("benign PyTorch zip", "benign.pt", craft.torch_zip(craft.benign(2)), False),
        (
            "benign safetensors",
            "benign.safetensors",
            craft.safetensors({"a": ("F32", [2], (0, 8))}, 8),
            False,
        ),
    ]
    for module, name in (
        ("runpy", "_run_code"),
        ("bdb", "Bdb.run"),
        ("timeit", "timeit"),
        ("cProfile", "run"),
        ("profile", "run"),
        ("trace", "Trace.runctx"),
        ("doctest", "debug_script"),
        ("code", "InteractiveInterpreter.runsource"),
        ("idlelib.pyshell", "ModifiedInterpreter"),
        ("lib2to3.pgen2.pgen", "generate_grammar"),
        ("ensurepip", "_run_pip"),
        ("pty", "spawn"),
        ("ctypes", "CDLL"),
        ("uuid", "_get_command_stdout"),
        ("imaplib", "IMAP4_stream"),
        ("distutils.file_util", "write_file"),
        ("numpy.f2py.crackfortran", "getlincoef"),
        ("numpy.testing._private.utils", "runstring"),
        ("torch.utils.bottleneck.__main__", "run_cprofile"),
        ("torch.utils.collect_env", "run"),
        ("torch._dynamo.guards", "GuardBuilder.EQUALS_MATCH"),
        ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"),
        ("torch.jit.unsupported_tensor_ops", "execWrapper"),
        ("torch._inductor.codecache", "compile_file"),
        ("pkgutil", "resolve_name"),
        ("pydoc", "locate"),
        ("operator", "methodcaller"),
    ):
        data = craft.call(module, name, craft.PAYLOAD, proto=4, stack=True)
        out.append(
            (f"gadget {module}.{name}", f"g_{module}_{name}.pkl".replace("/", "_"), data, True)
        )
    return out


def outwork_flags(path: Path) -> str:
    result = scan([str(path)], ScanOptions(jobs=1, cache_dir=None))
    hits = [f for f in result.findings if f.code.startswith("MDL") and f.severity >= 2]
    return "caught" if hits else "missed"


def _run(cmd: list[str], timeout: float = 120) -> tuple[int, str]:
    # Peers may write files into the working directory (fickling writes safety_results.json):
    # run them in a throwaway one.
    try:
        with tempfile.TemporaryDirectory() as scratch:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=scratch)
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    return proc.returncode, proc.stdout + proc.stderr


def picklescan_flags(peers: Path) -> Callable[[Path], str]:
    exe = peers / "picklescan" / "bin" / "picklescan"

    def run(path: Path) -> str:
        code, _ = _run([str(exe), "-p", str(path)])
        return {0: "missed", 1: "caught"}.get(code, "error")

    return run


def modelscan_flags(peers: Path) -> Callable[[Path], str]:
    exe = peers / "modelscan" / "bin" / "modelscan"

    def run(path: Path) -> str:
        code, _ = _run([str(exe), "-p", str(path)])
        return {0: "missed", 1: "caught", 3: "missed"}.get(code, "error")

    return run


def fickling_flags(peers: Path) -> Callable[[Path], str]:
    exe = peers / "fickling" / "bin" / "fickling"

    def run(path: Path) -> str:
        code, _ = _run([str(exe), "--check-safety", str(path)])
        return {0: "missed", 1: "caught"}.get(code, "error")

    return run


def technique_table(peers: Path, work: Path) -> tuple[str, dict[str, list[int]]]:
    tools: dict[str, Callable[[Path], str]] = {"outwork": outwork_flags}
    for name, factory in (
        ("picklescan", picklescan_flags),
        ("modelscan", modelscan_flags),
        ("fickling", fickling_flags),
    ):
        if (peers / name / "bin" / name).exists():
            tools[name] = factory(peers)
    rows = [
        "| technique | expected | " + " | ".join(tools) + " |",
        "|---|---|" + "---|" * len(tools),
    ]
    score: dict[str, list[int]] = {t: [0, 0, 0, 0] for t in tools}  # caught, error, missed, FA
    for technique, name, data, malicious in samples():
        folder = work / "samples" / name.replace(".", "_")
        folder.mkdir(parents=True)
        path = folder / name
        path.write_bytes(data)
        cells = []
        for tool, fn in tools.items():
            verdict = fn(path)
            if malicious:
                score[tool][{"caught": 0, "error": 1}.get(verdict, 2)] += 1
                cells.append("caught" if verdict == "caught" else f"**{verdict}**")
            else:
                flagged = verdict != "missed"
                score[tool][3] += int(flagged)
                cells.append(f"**false alarm ({verdict})**" if flagged else "clean")
        rows.append(
            f"| {technique} | {'malicious' if malicious else 'benign'} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(rows), score


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_small_folder(peers: Path, work: Path, count: int, runs: int) -> list[str]:
    """Wall-clock (and CPU) medians of ``runs`` interleaved rounds: every command once per round,
    so that load on a shared machine falls on all of them alike.

    outwork runs the way a user types it, ``outwork scan DIR`` (terminal report on a pipe), with
    the scan cache off (``--no-cache``), cold (a fresh cache directory each run: hashes every file
    and writes the cache) and warm (the same directory again: every file a cache hit).
    """
    folder = work / f"small{count}"
    folder.mkdir()
    for i in range(count):
        data = craft.torch_zip(craft.benign(2)) if i % 2 else craft.benign(2)
        (folder / f"m{i:05d}.{'pt' if i % 2 else 'pkl'}").write_bytes(data)
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    ow = [str(Path(sys.executable).parent / "outwork"), "scan"]
    warm = work / f"cache-warm-{count}"
    _run([*ow, str(folder), "--cache-dir", str(warm)], timeout=1800)  # fill the warm cache
    cmds: dict[str, Callable[[int], list[str]]] = {}
    if (peers / "picklescan" / "bin" / "picklescan").exists():
        exe = str(peers / "picklescan" / "bin" / "picklescan")
        cmds["picklescan -p DIR"] = lambda _: [exe, "-p", str(folder)]
    cmds["outwork scan DIR --no-cache"] = lambda _: [*ow, str(folder), "--no-cache"]
    cmds["outwork scan DIR (cache cold)"] = lambda i: [
        *ow,
        str(folder),
        "--cache-dir",
        str(work / f"cache-cold-{count}-{i}"),
    ]
    cmds["outwork scan DIR (cache warm)"] = lambda _: [*ow, str(folder), "--cache-dir", str(warm)]
    cmds["outwork scan DIR --no-cache --jobs 1"] = lambda _: [
        *ow,
        str(folder),
        "--no-cache",
        "--jobs",
        "1",
    ]
    cmds["outwork start-up (empty folder)"] = lambda _: [*ow, str(empty), "--no-cache"]
    wall: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for i in range(runs):
        for name, make in cmds.items():
            cmd = make(i)
            used = _child_cpu()
            started = time.monotonic()
            _run(cmd, timeout=1800)
            wall[name].append(time.monotonic() - started)
            cpu[name].append(_child_cpu() - used)
    times = []
    for _ in range(runs):
        started = time.monotonic()
        scan([str(folder)], ScanOptions(jobs=1, cache_dir=None))
        times.append(time.monotonic() - started)
    library = statistics.median(times)
    lines = [
        f"{count:,} small models ({count // 2} pickles, {count - count // 2} PyTorch zips), "
        f"medians of {runs} interleaved runs:",
        f"- outwork library in-process (jobs=1, imports excluded): {library:.3f} s",
    ]
    base_wall = statistics.median(wall["picklescan -p DIR"]) if "picklescan -p DIR" in wall else 0
    base_cpu = statistics.median(cpu["picklescan -p DIR"]) if "picklescan -p DIR" in cpu else 0
    for name in cmds:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        ratio = f" ({w / base_wall:.2f}x picklescan)" if base_wall else ""
        cpu_ratio = f" ({c / base_cpu:.2f}x)" if base_cpu else ""
        lines.append(f"- {name}: wall {w:.3f} s{ratio}; CPU {c:.3f} s{cpu_ratio}")
    return lines


def time_sparse(work: Path, runs: int) -> list[str]:
    lines = []
    for gigabytes in (1, 10):
        path = work / f"sparse{gigabytes}.pt"
        craft.sparse_torch_zip(str(path), gigabytes * 1024**3, craft.os_system(2))
        times = []
        for _ in range(runs):
            started = time.monotonic()
            result = scan([str(path)], ScanOptions(jobs=1, cache_dir=None))
            times.append(time.monotonic() - started)
        caught = any(f.code == "MDL001" for f in result.findings)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines.append(
            f"- sparse {gigabytes} GB PyTorch checkpoint: median {statistics.median(times):.3f} s, "
            f"payload {'caught' if caught else 'MISSED'}, peak RSS of the process so far "
            f"{rss:.0f} MB"
        )
        path.unlink()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=Path, default=Path("/work/peer-venvs"))
    parser.add_argument(
        "--small", default="1000", help="folder sizes to time, comma-separated (1000,5000)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--timing-only", action="store_true", help="skip the technique table and the sparse files"
    )
    args = parser.parse_args()
    compile_outwork()
    work = Path(tempfile.mkdtemp(prefix="outwork-models-bench-"))
    try:
        if not args.timing_only:
            table, score = technique_table(args.peers, work)
            print("## techniques\n")
            print(table)
            print("\n| tool | caught | scan error | missed | false alarms |\n|---|---|---|---|---|")
            for tool, (caught, error, missed, fa) in score.items():
                print(f"| {tool} | {caught} | {error} | {missed} | {fa} |")
            print(json.dumps({"score": score}), file=sys.stderr)
        print("\n## cost\n")
        if not args.timing_only:
            print("\n".join(time_sparse(work, args.runs)))
        for count in (int(n) for n in args.small.split(",")):
            print("\n".join(time_small_folder(args.peers, work, count, args.runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
