"""Large model files with a cold and a warm page cache, side by side with picklescan and modelscan.

Run from the repository root (peers in a throwaway venv, never project dependencies):

    python3 -m venv /work/peers/speed21 && /work/peers/speed21/bin/pip install picklescan modelscan
    .venv/bin/python bench/models_cold.py prepare [--data /work/bench-data/speed21]
    .venv/bin/python bench/models_cold.py run --src src [--src OTHER/src ...] [--rounds 5]

``prepare`` writes the inputs once, outside the repository, with real (not sparse) tensor bytes:
a PyTorch checkpoint of several GB (``torch.save``'s own ``data.pkl`` for the state dict, the
storages rewritten as big stored members), a 2 GB GGUF with a Llama-3-sized vocabulary (128k
tokens, 280k merges) and a 2 GB safetensors file.

``run`` runs every command once per round, rounds interleaved, first with the file dropped from
the page cache (``fdatasync`` then ``posix_fadvise(POSIX_FADV_DONTNEED)``) and then again warm.
Each command is timed by the clock and by its CPU time, and its bytes read from storage are the
kernel's count for the child (``ru_inblock`` of ``wait4``, 512-byte units: what /proc/PID/io calls
read_bytes). outwork runs as ``outwork scan FILE --no-cache`` with ``PYTHONPATH`` set to each
``--src`` (so a checkout before a change runs beside the one after it), its bytecode compiled.
Nothing is ever unpickled or loaded.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

DATA = Path("/work/bench-data/speed21")
PEERS = Path("/work/peers/speed21")
ROOT = Path(__file__).resolve().parent.parent
BLOCK = 1 << 20

# ----------------------------------------------------------------------------- inputs


def _blob() -> bytes:
    """1 MiB of incompressible bytes, repeated to fill tensors (real blocks on disk, no holes)."""
    return os.urandom(BLOCK)


def _fill(out: object, size: int, blob: bytes) -> None:
    write = out.write  # type: ignore[attr-defined]
    while size > 0:
        n = min(size, len(blob))
        write(blob[:n])
        size -= n


def _layer_shapes(layers: int, dim: int) -> list[tuple[str, list[int]]]:
    """Tensor names and shapes of a Llama-style decoder."""
    shapes: list[tuple[str, list[int]]] = [("model.embed_tokens.weight", [32000, dim])]
    for i in range(layers):
        p = f"model.layers.{i}"
        shapes += [
            (f"{p}.self_attn.q_proj.weight", [dim, dim]),
            (f"{p}.self_attn.k_proj.weight", [dim, dim]),
            (f"{p}.self_attn.v_proj.weight", [dim, dim]),
            (f"{p}.self_attn.o_proj.weight", [dim, dim]),
            (f"{p}.mlp.gate_proj.weight", [dim * 2, dim]),
            (f"{p}.mlp.up_proj.weight", [dim * 2, dim]),
            (f"{p}.mlp.down_proj.weight", [dim, dim * 2]),
            (f"{p}.input_layernorm.weight", [dim]),
            (f"{p}.post_attention_layernorm.weight", [dim]),
        ]
    shapes += [("model.norm.weight", [dim]), ("lm_head.weight", [32000, dim])]
    return shapes


def make_torch(path: Path, layers: int, dim: int) -> None:
    """A torch.save checkpoint: torch writes data.pkl for the state dict (1-element storages),
    then every storage member is rewritten at its full size (fp16), stored as torch stores it."""
    import torch  # the benchmark's own dependency (models-test), never the scanner's

    shapes = _layer_shapes(layers, dim)
    small = {name: torch.zeros(1, dtype=torch.float16) for name, _ in shapes}
    with tempfile.TemporaryDirectory() as tmp:
        torch.save(small, Path(tmp) / "small.pt")
        with zipfile.ZipFile(Path(tmp) / "small.pt") as src:
            members = [(i, src.read(i.filename)) for i in src.infolist()]
    blob = _blob()
    sizes = {str(k): 2 * _numel(shape) for k, (_, shape) in enumerate(shapes)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
        for info, data in members:
            key = info.filename.rsplit("/data/", 1)[-1] if "/data/" in info.filename else None
            if key is None or key not in sizes:
                out.writestr(info.filename, data)
                continue
            with out.open(info.filename, "w", force_zip64=True) as member:
                _fill(member, sizes[key], blob)


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _gguf_str(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def _gguf_kv_string_array(key: str, items: list[str]) -> bytes:
    body = b"".join(_gguf_str(s) for s in items)
    return _gguf_str(key) + struct.pack("<IIQ", 9, 8, len(items)) + body


def make_gguf(path: Path, size: int) -> None:
    """GGUF v3 shaped like a Llama 3 conversion: 128,256 tokens, their scores and types, 280k
    merges, a chat template; tensors (F16) filling ``size`` bytes."""
    n_vocab, n_merges = 128_256, 280_147
    tokens = [f"tok{i:06d}\u0120x" for i in range(n_vocab)]
    merges = [f"\u0120t{i % 997} x{i}" for i in range(n_merges)]
    kv = [
        _gguf_str("general.architecture") + struct.pack("<I", 8) + _gguf_str("llama"),
        _gguf_str("general.alignment") + struct.pack("<II", 4, 32),
        _gguf_str("tokenizer.ggml.model") + struct.pack("<I", 8) + _gguf_str("gpt2"),
        _gguf_kv_string_array("tokenizer.ggml.tokens", tokens),
        _gguf_str("tokenizer.ggml.scores")
        + struct.pack("<IIQ", 9, 6, n_vocab)
        + struct.pack(f"<{n_vocab}f", *([0.0] * n_vocab)),
        _gguf_str("tokenizer.ggml.token_type")
        + struct.pack("<IIQ", 9, 5, n_vocab)
        + struct.pack(f"<{n_vocab}i", *([1] * n_vocab)),
        _gguf_kv_string_array("tokenizer.ggml.merges", merges),
        _gguf_str("tokenizer.chat_template")
        + struct.pack("<I", 8)
        + _gguf_str(
            "{% for message in messages %}{{ '<|' + message['role'] + '|>' + "
            "message['content'] }}{% endfor %}"
        ),
    ]
    dim = 2048
    shapes = _layer_shapes(8, dim)
    per = [2 * _numel(s) for _, s in shapes]
    scale = max(size // sum(per), 1)
    infos = b""
    offset = 0
    spans = []
    for (name, shape), nbytes in zip(shapes, per, strict=True):
        shape = [shape[0] * scale, *shape[1:]] if len(shape) > 1 else shape
        nbytes = 2 * _numel(shape)
        dims = list(reversed(shape))
        infos += _gguf_str(name) + struct.pack("<I", len(dims))
        infos += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", 1, offset)
        spans.append(nbytes)
        offset += nbytes + (-nbytes % 32)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(shapes), len(kv)) + b"".join(kv) + infos
    head += b"\x00" * (-len(head) % 32)
    blob = _blob()
    with path.open("wb") as fh:
        fh.write(head)
        for nbytes in spans:
            _fill(fh, nbytes, blob)
            fh.write(b"\x00" * (-nbytes % 32))


def make_safetensors(path: Path, layers: int, dim: int) -> None:
    shapes = _layer_shapes(layers, dim)
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in shapes:
        nbytes = 2 * _numel(shape)
        header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    blob = _blob()
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        _fill(fh, offset, blob)


def make_legacy(path: Path) -> None:
    """A legacy (pre-zip) torch.save file: stacked pickles, then every storage's raw bytes."""
    import torch

    state = {
        f"l{i}.weight": torch.full((32 * BLOCK,), float(i), dtype=torch.float16) for i in range(8)
    }
    torch.save(state, path, _use_new_zipfile_serialization=False)


INPUTS = {
    "pytorch-4g.pt": lambda p: make_torch(p, 48, 2048),
    "llama-2g.gguf": lambda p: make_gguf(p, 2 * 1024**3),
    "model-2g.safetensors": lambda p: make_safetensors(p, 22, 2048),
    "legacy-512m.bin": make_legacy,
}


#: An empty folder: every command's start-up, to tell it from the file's own cost.
EMPTY = "(empty folder)"


def prepare(data: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / EMPTY).mkdir(exist_ok=True)
    for name, make in INPUTS.items():
        path = data / name
        if path.exists():
            continue
        make(path.with_suffix(".tmp"))
        path.with_suffix(".tmp").rename(path)
        print(f"{name}: {path.stat().st_size / 1024**3:.2f} GiB", file=sys.stderr)


# ----------------------------------------------------------------------------- running


def drop(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=scratch, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        assert proc.stderr is not None
        proc.stderr.close()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "read": usage.ru_inblock * 512,
        "status": os.waitstatus_to_exitcode(status),
    }


def commands(srcs: list[Path]) -> dict[str, tuple[list[str], dict[str, str]]]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out: dict[str, tuple[list[str], dict[str, str]]] = {}
    for src in srcs:
        compileall.compile_dir(str(src / "outwork"), quiet=1)
        label = f"outwork ({src})"
        out[label] = (
            [sys.executable, "-m", "outwork", "scan", "{}", "--no-cache"],
            {**env, "PYTHONPATH": str(src)},
        )
    for tool in ("picklescan", "modelscan"):
        exe = PEERS / "bin" / tool
        if exe.exists():
            out[tool] = ([str(exe), "-p", "{}"], env)
    return out


def run(data: Path, srcs: list[Path], rounds: int, names: list[str]) -> dict[str, object]:
    tools = commands(srcs)
    results: dict[str, dict[str, dict[str, list[dict[str, float]]]]] = {}
    for r in range(rounds):
        for name in names:
            path = data / name
            per = results.setdefault(name, {})
            order = list(tools) if r % 2 == 0 else list(reversed(tools))
            for tool in order:
                cmd, env = tools[tool]
                argv = [str(path) if a == "{}" else a for a in cmd]
                if path.is_file():
                    drop(path)
                cold = measure(argv, env)
                warm = measure(argv, env)
                per.setdefault(tool, {"cold": [], "warm": []})
                per[tool]["cold"].append(cold)
                per[tool]["warm"].append(warm)
        print(f"round {r + 1}/{rounds} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return {"load": os.getloadavg(), "results": results}


def table(report: dict[str, object]) -> str:
    rows = [
        "| file | tool | cold wall | cold CPU | cold read | warm wall | warm CPU | exit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    results = report["results"]
    assert isinstance(results, dict)
    for name, per in results.items():
        for tool, runs in per.items():

            def med(key: str, which: str, runs: dict[str, list[dict[str, float]]] = runs) -> float:
                return statistics.median(x[key] for x in runs[which])

            rows.append(
                f"| {name} | {tool} | {med('wall', 'cold'):.3f} s | {med('cpu', 'cold'):.3f} s | "
                f"{med('read', 'cold') / 1024**2:.1f} MiB | {med('wall', 'warm'):.3f} s | "
                f"{med('cpu', 'warm'):.3f} s | {int(med('status', 'cold'))} |"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["prepare", "run"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", action="append", default=[], help="input names to run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.action == "prepare":
        prepare(args.data)
        return
    srcs = [s.resolve() for s in args.src] or [ROOT / "src"]
    report = run(args.data, srcs, args.rounds, args.only or [*INPUTS, EMPTY])
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    print(f"load average at the end: {report['load']}")
    print(table(report))


if __name__ == "__main__":
    main()
