"""Models benchmark for issue 14: new attack samples per class, and hundreds of real benign
model files, scanned by outwork and by ModelAudit, picklescan, modelscan and fickling in the
same run.

Peers live in one throwaway venv, never as project dependencies:

    python3 -m venv /work/peers/models
    /work/peers/models/bin/pip install modelaudit picklescan modelscan fickling
    .venv/bin/pip install lightgbm xgboost-cpu   # optional: their models join the benign set
    .venv/bin/python bench/models_attacks.py [--peers /work/peers/models/bin]
        [--cache /work/bench-data/models-benign] [--only attacks|benign]

Attack samples carry harmless markers (``echo outwork-test``, ``/tmp/outwork-marker``) and are
written by code into a temporary folder; nothing is ever unpickled or loaded. The benign set is
built from the real libraries installed in this venv (scikit-learn estimators and pipelines
through pickle and joblib with every compression, pandas, NumPy, torch, Keras, xgboost and
lightgbm where importable) into ``--cache``, outside the repository, once. A tool "catches" a
file when its own gate says so (a non-zero "issues found" exit; for outwork an MDL finding of
medium or above) and "false-alarms" on a benign file the same way.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import marshal
import os
import pickle
import resource
import struct
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

from outwork.core.rules import Severity  # noqa: E402
from outwork.engine.pipeline import ScanOptions, scan  # noqa: E402
from tests.analyzers.models import craft  # noqa: E402

Sample = tuple[str, str, str, bytes]  # class, technique, file name, bytes
MARKER = "/tmp/outwork-marker"


def _lambda_code() -> str:
    return base64.b64encode(marshal.dumps((lambda x: x).__code__)).decode()


def allowlist_samples() -> Iterator[Sample]:
    gzip = craft.ref("sklearn.datasets._covtype", "GzipFile")
    yield (
        "allowlist",
        "stdlib class re-exported by sklearn (GzipFile opens a file)",
        "reexport.pkl",
        craft.call("sklearn.datasets._covtype", "GzipFile", MARKER, "wb"),
    )
    yield (
        "allowlist",
        "socket listener re-exported by sklearn",
        "listener.pkl",
        craft.call("sklearn.callback._transport", "Listener", ("127.0.0.1", 0)),
    )
    yield (
        "allowlist",
        "call gadget numpy __generator_ctor(path, GzipFile)",
        "gadget.pkl",
        craft.call("numpy.random._pickle", "__generator_ctor", MARKER, gzip),
    )
    yield (
        "allowlist",
        "call gadget copyreg._reconstructor(cls, GzipFile, path)",
        "reconstructor.pkl",
        craft.call(
            "copyreg", "_reconstructor", craft.ref("collections", "OrderedDict"), gzip, MARKER
        ),
    )
    computed = craft.Raw(craft.call_body("collections", "OrderedDict"))
    yield (
        "allowlist",
        "call gadget handed a computed callable",
        "gadget_computed.pkl",
        craft.call("numpy.random._pickle", "__generator_ctor", "x", computed),
    )
    yield (
        "allowlist",
        "library function allowed as a value, called on load",
        "value_called.pkl",
        craft.call("sklearn.base", "clone", "x"),
    )


def padding_samples() -> Iterator[Sample]:
    payload = b"0" + craft.protocol0_system()
    text = b"S'" + b"A" * 8192 + b"'\n" + payload
    for name in ("padded.pkl", "padded.joblib", "pytorch_model.bin", "padded.dat"):
        yield "padding", f"protocol 0 behind an 8 KB literal, named {name}", name, text
    binary = b"T" + struct.pack("<i", 9000) + b"\x00" * 9000 + payload
    yield "padding", "protocol 1 behind a 9 KB BINSTRING, named .pt", "padded.pt", binary
    line = b"V" + b"B" * 70_000 + b"\n" + payload
    yield "padding", "protocol 0 behind a 70 KB unicode line", "line.pkl", line


def keras_samples() -> Iterator[Sample]:
    code = _lambda_code()
    lam = {"class_name": "__lambda__", "config": {"value": [code, None, None]}}
    dense = craft.keras_layer("Dense", {"units": 2, "activation": {"value": [code, None, None]}})
    yield "keras", "lambda as an activation", "activation.keras", _keras(dense)
    plain = craft.keras_layer("Dense", {"units": 2})
    model = craft.keras_model(plain)
    model["compile_config"] = {"loss": lam, "metrics": [lam]}
    yield "keras", "lambda as a loss and a metric", "loss.keras", craft.keras_zip(model)
    reg = craft.keras_layer("Dense", {"units": 2, "kernel_regularizer": lam})
    yield "keras", "lambda as a regularizer", "regularizer.keras", _keras(reg)
    custom = craft.keras_layer("Scale", {"fn": {"code": code}}, module="keras.layers")
    yield "keras", "lambda in a custom object's argument", "custom.keras", _keras(custom)
    vocab = craft.keras_layer("StringLookup", {"vocabulary": "/etc/passwd"})
    yield "keras", "StringLookup vocabulary /etc/passwd", "vocab.keras", _keras(vocab)
    url = craft.keras_layer("TextVectorization", {"vocabulary": "http://169.254.169.254/x"})
    yield "keras", "TextVectorization vocabulary URL", "vocab_url.keras", _keras(url)
    legacy = {
        "class_name": "Sequential",
        "config": {
            "layers": [
                {
                    "class_name": "Lambda",
                    "config": {"function": [code, None, None], "function_type": "lambda"},
                }
            ]
        },
    }
    h5 = craft.hdf5_with_config(legacy)
    yield "keras", "HDF5 Lambda named .bin", "model.bin", h5
    yield "keras", "HDF5 Lambda behind a 512-byte user block, .h5", "userblock.h5", b"\0" * 512 + h5
    yield "keras", "HDF5 Lambda behind a user block, .weights", "m.weights", b"U" * 1024 + h5


def _keras(*layers: dict[str, object]) -> bytes:
    return craft.keras_zip(craft.keras_model(*layers))


def container_samples() -> Iterator[Sample]:
    base = craft.benign(2)
    payload = craft.os_system(2)
    yield (
        "containers",
        "PyTorch zip: pickle in a storage record",
        "storage.pt",
        craft.torch_zip(base, extra={"data/1": payload}),
    )
    yield (
        "containers",
        "PyTorch zip: headerless pickle in another folder",
        "folder.pt",
        craft.torch_zip(base, extra={"extra/init": craft.protocol0_system()}),
    )
    yield (
        "containers",
        "PyTorch zip: checkpoint nested in the checkpoint",
        "nested.pt",
        craft.torch_zip(base, extra={"extra/inner.pt": craft.torch_zip(payload)}),
    )
    yield (
        "containers",
        "PyTorch zip: second stream after data.pkl's STOP",
        "stacked.pt",
        craft.torch_zip(base + craft.protocol0_system()),
    )
    yield (
        "containers",
        "raw pickle: broken headerless stream after STOP",
        "stacked.pkl",
        base + craft.protocol0_system()[:-1] + b"\xff",
    )
    yield from _joblib_samples()
    yield from _tensor_samples()


def _joblib_samples() -> Iterator[Sample]:
    import joblib

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return os.system, (craft.PAYLOAD,)

    for compressor in ("zlib", "gzip", "bz2", "lzma", "xz", "lz4"):
        buf = io.BytesIO()
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "m.joblib"
            joblib.dump({"hook": Payload()}, target, compress=(compressor, 3))
            buf.write(target.read_bytes())
        data = buf.getvalue()
        yield "containers", f"joblib {compressor}, named .joblib", f"{compressor}.joblib", data
        yield "containers", f"joblib {compressor}, named .bin", f"{compressor}.bin", data


def _tensor_samples() -> Iterator[Sample]:
    st = craft.safetensors
    yield (
        "containers",
        "safetensors offsets past the data",
        "beyond.safetensors",
        st({"a": ("F32", [4], (0, 16))}, 8),
    )
    yield (
        "containers",
        "safetensors overlapping tensors",
        "overlap.safetensors",
        st({"a": ("F32", [2], (0, 8)), "b": ("F32", [2], (4, 12))}, 12),
    )
    yield (
        "containers",
        "safetensors gap between tensors",
        "gap.safetensors",
        st({"a": ("F32", [2], (0, 8)), "b": ("F32", [2], (16, 24))}, 24),
    )
    yield (
        "containers",
        "safetensors trailing bytes",
        "tail.safetensors",
        st({"a": ("F32", [2], (0, 8))}, 4096),
    )
    dup = (
        b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        b'"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    )
    yield "containers", "safetensors duplicate keys", "dup.safetensors", st({}, 8, raw_header=dup)
    yield (
        "containers",
        "GGUF key-value count beyond the file",
        "count.gguf",
        craft.gguf({"general.architecture": "llama"}, kv_count=1_000_000_000),
    )
    yield (
        "containers",
        "GGUF tensor offset beyond the file",
        "offset.gguf",
        craft.gguf({}, tensors=[("w", [32], 0, 1 << 40)], data=b"\x00" * 128),
    )
    yield (
        "containers",
        "GGUF misaligned tensor",
        "align.gguf",
        craft.gguf({}, tensors=[("w", [32], 0, 3)], data=b"\x00" * 256),
    )


def attack_samples() -> list[Sample]:
    return [
        *allowlist_samples(),
        *padding_samples(),
        *keras_samples(),
        *container_samples(),
    ]


# -- the benign set ----------------------------------------------------------------------------


def build_benign(cache: Path) -> list[Path]:
    """Real model files from the real libraries, written once into ``cache``."""
    done = cache / ".complete"
    if not done.exists():
        cache.mkdir(parents=True, exist_ok=True)
        warnings.simplefilter("ignore")
        for builder in (_sklearn, _pandas_numpy, _torch, _keras_real, _boosters):
            try:
                builder(cache)
            except ImportError as exc:
                print(f"skipped {builder.__name__}: {exc}", file=sys.stderr)
        done.write_text("")
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.name != ".complete")


def _data() -> tuple[object, object, object]:
    import numpy as np

    rng = np.random.RandomState(0)
    x = rng.rand(60, 4)
    y = (x[:, 0] + x[:, 1] > 1).astype(int)
    return x, y, x[:, 2] * 3.0


def _sklearn(cache: Path) -> None:
    import joblib
    import numpy as np
    from sklearn import (
        compose,
        decomposition,
        feature_selection,
        model_selection,
        pipeline,
        preprocessing,
    )
    from sklearn.utils import all_estimators

    x, y, target = _data()
    folder = cache / "sklearn"
    folder.mkdir(exist_ok=True)
    fitted = []
    for name, cls in all_estimators(type_filter=["classifier", "regressor", "transformer"]):
        try:
            est = cls()
            kind = getattr(est, "_estimator_type", "transformer")
            est.fit(x, y if kind == "classifier" else target if kind == "regressor" else y)
        except Exception:
            continue
        fitted.append((name, est))
    extra = [
        ("Pipeline", pipeline.make_pipeline(preprocessing.StandardScaler(), _lr())),
        ("FunctionTransformer", preprocessing.FunctionTransformer(np.log1p)),
        (
            "ColumnTransformer",
            compose.ColumnTransformer(
                [("s", preprocessing.StandardScaler(), [0, 1]), ("p", decomposition.PCA(1), [2, 3])]
            ),
        ),
        ("GridSearchCV", model_selection.GridSearchCV(_lr(), {"C": [0.5, 1.0]}, cv=2)),
        ("SelectKBest", feature_selection.SelectKBest(feature_selection.f_classif, k=2)),
    ]
    for name, est in extra:
        est.fit(x, y)
        fitted.append((name, est))
    compressors = ("zlib", "gzip", "bz2", "lzma", "xz", "lz4")
    for i, (name, est) in enumerate(fitted):
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(est, protocol=2 + i % 4))
        compress = (compressors[i % len(compressors)], 3) if i % 2 else 0
        joblib.dump(est, folder / f"{name}.joblib", compress=compress)


def _lr() -> object:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


def _pandas_numpy(cache: Path) -> None:
    import numpy as np
    import pandas as pd

    folder = cache / "pandas_numpy"
    folder.mkdir(exist_ok=True)
    frame = pd.DataFrame(
        {
            "i": np.arange(5),
            "f": np.linspace(0, 1, 5),
            "s": list("abcde"),
            "t": pd.date_range("2024-01-01", periods=5, tz="UTC"),
            "c": pd.Categorical(list("xyxyx")),
            "d": pd.to_timedelta(np.arange(5), unit="s"),
        }
    )
    objects = {
        "frame": frame,
        "series": frame["f"],
        "multi": frame.set_index(["s", "i"]),
        "period": pd.Series(pd.period_range("2024-01", periods=3, freq="M")),
        "interval": pd.Series(pd.interval_range(0, 3)),
        "nullable": pd.Series([1, None, 3], dtype="Int64"),
        "masked": np.ma.MaskedArray([1.0, 2.0], mask=[0, 1]),
        "rng": np.random.default_rng(1),
        "legacy_rng": np.random.RandomState(2),
        "record": np.rec.fromrecords([(1, "a")], names="n,s"),
    }
    for name, obj in objects.items():
        for proto in (2, 4, 5):
            (folder / f"{name}_p{proto}.pkl").write_bytes(pickle.dumps(obj, protocol=proto))
    frame.to_pickle(folder / "frame_to_pickle.pkl")
    for compression in ("gzip", "bz2", "xz", "zstd"):
        try:
            frame.to_pickle(folder / f"frame.{compression}.pkl", compression=compression)
        except ImportError:
            continue
    np.save(folder / "a.npy", np.arange(10.0))
    np.savez(folder / "b.npz", a=np.arange(3), b=np.eye(2))
    np.savez_compressed(folder / "c.npz", a=np.arange(3))


def _torch(cache: Path) -> None:
    import torch

    folder = cache / "torch"
    folder.mkdir(exist_ok=True)
    torch.manual_seed(0)
    modules = {
        "mlp": torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)),
        "cnn": torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2)),
        "rnn": torch.nn.LSTM(4, 4),
        "gru": torch.nn.GRU(4, 4),
        "transformer": torch.nn.TransformerEncoderLayer(8, 2, 16),
        "embedding": torch.nn.Embedding(10, 4),
        "norm": torch.nn.LayerNorm(4),
    }
    for name, module in modules.items():
        torch.save(module.state_dict(), folder / f"{name}_state.pt")
        torch.save(module, folder / f"{name}_full.pt")
        torch.save(
            module.state_dict(), folder / f"{name}_legacy.bin", _use_new_zipfile_serialization=False
        )
        optim = torch.optim.Adam(module.parameters())
        torch.save(
            {"model": module.state_dict(), "optim": optim.state_dict(), "epoch": 1},
            folder / f"{name}_ckpt.pth",
        )
    torch.save(torch.arange(10).to_sparse(), folder / "sparse.pt")
    torch.save({"half": torch.ones(2, dtype=torch.float16)}, folder / "half.pt")


def _keras_real(cache: Path) -> None:
    import keras

    folder = cache / "keras"
    folder.mkdir(exist_ok=True)
    models = {
        "dense": keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="relu")]),
        "conv": keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten()]
        ),
        "rnn": keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(2)]),
        "embed": keras.Sequential([keras.Input((4,)), keras.layers.Embedding(10, 2)]),
    }
    for name, model in models.items():
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.save(folder / f"{name}.keras")
        model.save(folder / f"{name}.h5")
        model.save_weights(folder / f"{name}.weights.h5")


def _boosters(cache: Path) -> None:
    folder = cache / "boosters"
    folder.mkdir(exist_ok=True)
    x, y, target = _data()
    made = 0
    try:
        import xgboost

        clf = xgboost.XGBClassifier(n_estimators=3).fit(x, y)
        reg = xgboost.XGBRegressor(n_estimators=3).fit(x, target)
        for name, est in (("xgb_clf", clf), ("xgb_reg", reg)):
            (folder / f"{name}.pkl").write_bytes(pickle.dumps(est))
            est.save_model(folder / f"{name}.json")
            est.save_model(folder / f"{name}.ubj")
        made += 1
    except ImportError:
        print("skipped xgboost: not installed", file=sys.stderr)
    try:
        import joblib
        import lightgbm

        clf = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(x, y)
        reg = lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(x, target)
        for name, est in (("lgb_clf", clf), ("lgb_reg", reg)):
            (folder / f"{name}.pkl").write_bytes(pickle.dumps(est))
            joblib.dump(est, folder / f"{name}.joblib")
            est.booster_.save_model(folder / f"{name}.txt")
        made += 1
    except ImportError:
        print("skipped lightgbm: not installed", file=sys.stderr)
    if not made:
        raise ImportError("neither xgboost nor lightgbm is installed")


def build_out_of_sample(cache: Path) -> list[Path]:
    """A second benign set, written after the allowlist generator was tuned on the first:
    clusterers, estimators with other hyper-parameters, sparse matrices, other torch modules."""
    done = cache / ".complete"
    if not done.exists():
        cache.mkdir(parents=True, exist_ok=True)
        warnings.simplefilter("ignore")
        _oos_sklearn(cache)
        _oos_other(cache)
        done.write_text("")
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.name != ".complete")


def _oos_sklearn(cache: Path) -> None:
    import joblib
    from sklearn import ensemble, neighbors, svm
    from sklearn.utils import all_estimators

    x, y, target = _data()
    folder = cache / "sklearn_oos"
    folder.mkdir(exist_ok=True)
    fitted = []
    for name, cls in all_estimators(type_filter=["cluster"]):
        try:
            fitted.append((name, cls().fit(x)))
        except Exception:
            continue
    fitted += [
        ("SVC_poly", svm.SVC(kernel="poly", probability=True).fit(x, y)),
        ("BallTree_kNN", neighbors.KNeighborsClassifier(algorithm="ball_tree").fit(x, y)),
        ("KNN_manhattan", neighbors.KNeighborsRegressor(metric="manhattan").fit(x, target)),
        ("HistGB", ensemble.HistGradientBoostingClassifier(max_iter=5).fit(x, y)),
        ("Stacking", ensemble.StackingClassifier([("s", svm.SVC())], cv=2).fit(x, y)),
        (
            "Voting",
            ensemble.VotingRegressor([("k", neighbors.KNeighborsRegressor())]).fit(x, target),
        ),
    ]
    fitted[-1][1].fit(x, target)
    for i, (name, est) in enumerate(fitted):
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(est, protocol=5 - i % 3))
        joblib.dump(est, folder / f"{name}.joblib", compress=("zlib", "lz4", "xz")[i % 3])


def _oos_other(cache: Path) -> None:
    import numpy as np
    import pandas as pd
    import torch
    from scipy import sparse, stats

    folder = cache / "other_oos"
    folder.mkdir(exist_ok=True)
    objects: dict[str, object] = {
        "csr": sparse.random(5, 5, density=0.3, format="csr", random_state=0),
        "coo_array": sparse.coo_array(np.eye(3)),
        "frozen_norm": stats.norm(0, 1),
        "uniform": stats.uniform(0, 2),
        "frame_nan": pd.DataFrame({"a": [1.0, np.nan], "b": pd.array([True, None])}),
        "sparse_series": pd.Series(pd.arrays.SparseArray([0, 0, 1])),
        "float16": np.ones(3, dtype=np.float16),
        "structured": np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]),
        "mha": torch.nn.MultiheadAttention(8, 2),
        "transformer": torch.nn.Transformer(8, 2, 1, 1, 16),
        "conv_t": torch.nn.ConvTranspose2d(1, 1, 2),
    }
    for name, obj in objects.items():
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(obj, protocol=4))
        if isinstance(obj, torch.nn.Module):
            torch.save(obj, folder / f"{name}.pt")
            torch.save(obj.state_dict(), folder / f"{name}_state.pt")


# -- running the tools -------------------------------------------------------------------------


def outwork_flags(paths: list[Path]) -> dict[Path, str]:
    """One scan of every file (the engine's own dispatch), graded per file."""
    result = scan([str(p) for p in paths], ScanOptions(jobs=1, cache_dir=None))
    flagged: dict[str, list[str]] = {}
    for f in result.findings:
        if f.code.startswith("MDL") and f.severity >= Severity.MEDIUM:
            top = f.location.path.split("!/")[0]
            flagged.setdefault(top, []).append(f"{f.code}/{f.severity.label}")
    return {p: ",".join(sorted(set(flagged.get(str(p), [])))) for p in paths}


def _run(cmd: list[str], timeout: float = 300) -> tuple[int, str]:
    """Exit status and standard output (ModelAudit logs to stderr after its JSON report)."""
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1", NO_COLOR="1")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, cwd=scratch, env=env
            )
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    return proc.returncode, proc.stdout


def peer_commands(peers: Path) -> dict[str, Callable[[Path], list[str]]]:
    tools: dict[str, Callable[[Path], list[str]]] = {
        "modelaudit": lambda p: [str(peers / "modelaudit"), "scan", "--no-cache", "-q", str(p)],
        "picklescan": lambda p: [str(peers / "picklescan"), "-p", str(p)],
        "modelscan": lambda p: [str(peers / "modelscan"), "-p", str(p)],
        "fickling": lambda p: [str(peers / "fickling"), "--check-safety", str(p)],
    }
    return {name: cmd for name, cmd in tools.items() if (peers / name).exists()}


def peer_verdict(code: int) -> str:
    return {0: "missed", 1: "caught"}.get(code, "error" if code != 3 else "missed")


def run_table(
    files: list[tuple[str, str, Path]], peers: Path, *, malicious: bool
) -> tuple[list[str], dict[str, list[int]], float]:
    tools = peer_commands(peers)
    start = time.perf_counter()
    ours = outwork_flags([p for _, _, p in files])
    cpu = time.perf_counter() - start
    names = ["outwork", *tools]
    score = {t: [0, 0, 0] for t in names}  # flagged, error, quiet
    rows = [
        "| class | sample | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for group, technique, path in files:
        cells = []
        verdict = "caught" if ours[path] else "missed"
        score["outwork"][0 if ours[path] else 2] += 1
        cells.append(ours[path] if ours[path] else "**missed**" if malicious else "clean")
        for tool, cmd in tools.items():
            code, _ = _run(cmd(path))
            verdict = peer_verdict(code)
            score[tool][{"caught": 0, "error": 1}.get(verdict, 2)] += 1
            if malicious:
                cells.append("caught" if verdict == "caught" else f"**{verdict}**")
            else:
                cells.append(f"**false alarm ({verdict})**" if verdict != "missed" else "clean")
        rows.append(f"| {group} | {technique} | " + " | ".join(cells) + " |")
    return rows, score, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _modelaudit_issues(output: str, *, located: bool = False) -> list[dict[str, str]]:
    """The issues of ModelAudit's JSON report (severity and message, and where with
    ``located``), in its order."""
    start = output.find("{")
    try:
        report, _ = json.JSONDecoder().raw_decode(output[start:]) if start >= 0 else ({}, 0)
    except ValueError:
        return []
    return [
        {"severity": str(i.get("severity", "")), "message": str(i.get("message", ""))[:200]}
        | ({"location": str(i.get("location") or "")} if located else {})
        for i in report.get("issues", [])
    ]


def _modelaudit_level(issues: list[dict[str, str]]) -> str:
    """The worst severity among ModelAudit's issues ("" when it reports none)."""
    order = ("info", "debug", "warning", "critical")
    known = [i["severity"] for i in issues if i["severity"] in order]
    return max(known, key=order.index) if known else ""


def _round_robin(paths: list[Path]) -> list[Path]:
    """One file of each folder in turn, so that a partial run covers every kind of model."""
    folders: dict[str, list[Path]] = {}
    for path in paths:
        folders.setdefault(str(path.parent), []).append(path)
    queues = list(folders.values())
    out: list[Path] = []
    while any(queues):
        for queue in queues:
            if queue:
                out.append(queue.pop(0))
    return out


def _modelaudit_batch(paths: list[Path], peers: Path, timeout: float) -> list[dict[str, object]]:
    """ModelAudit on several files in one process (its start-up is half of its CPU per file):
    each file's verdict from the issues its JSON report places at that file, caught when one
    is a warning or critical (what makes its exit status 1 on a file alone). A batch that
    times out is run again one file at a time."""
    cmd = [str(peers / "modelaudit"), "scan", "--no-cache", "-q", "--format", "json"]
    before = _children_cpu()
    code, output = _run([*cmd, *map(str, paths)], timeout=timeout + 30 * len(paths))
    spent = (_children_cpu() - before) / len(paths)
    if code == -1:
        rows = []
        for path in paths:
            before = _children_cpu()
            code, output = _run([*cmd, str(path)], timeout=timeout)
            issues = _modelaudit_issues(output) if code != -1 else []
            verdict = "timeout" if code == -1 else peer_verdict(code)
            if verdict == "caught":
                verdict = f"caught ({_modelaudit_level(issues) or 'no level'})"
            rows.append({"file": str(path), "tool": "modelaudit", "verdict": verdict,
                         "cpu": _children_cpu() - before, "issues": issues})  # fmt: skip
        return rows
    issues = _modelaudit_issues(output, located=True)
    rows = []
    for path in paths:
        mine = [i for i in issues if i.get("location", "").split(" ")[0] == str(path)]
        level = _modelaudit_level(mine)
        verdict = f"caught ({level})" if level in ("warning", "critical") else "missed"
        rows.append({"file": str(path), "tool": "modelaudit", "verdict": verdict, "cpu": spent,
                     "issues": mine, "batch": len(paths)})  # fmt: skip
    return rows


def benign_peers(
    paths: list[Path],
    peers: Path,
    timeout: float,
    log: Path,
    only: tuple[str, ...] = (),
    batch: int = 1,
) -> None:
    """Every peer on every benign file, one process per file and tool, interleaved file by file
    (a folder run of ModelAudit did not finish in 35 minutes, and fickling has no folder mode).
    Each verdict is appended to ``log`` (JSON lines) as it comes, and a run resumes from it;
    the summary is printed from the log: per tool, the files it flags at its own gate (exit
    status 1), errors and timeouts, and its CPU time (user + sys of its processes)."""
    tools = peer_commands(peers)
    tools["modelaudit"] = lambda p: [
        str(peers / "modelaudit"), "scan", "--no-cache", "-q", "--format", "json", str(p)
    ]  # fmt: skip
    if only:
        tools = {name: cmd for name, cmd in tools.items() if name in only}
    done = set()
    if log.exists():
        for line in log.read_text().splitlines():
            row = json.loads(line)
            done.add((row["file"], row["tool"]))
    with log.open("a") as out:
        todo = [p for p in paths if (str(p), "outwork") not in done]
        if todo:  # outwork's verdicts in the same run and log as the peers'
            before = resource.getrusage(resource.RUSAGE_SELF)
            ours = outwork_flags(todo)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            for path in todo:
                verdict = f"caught ({ours[path]})" if ours[path] else "missed"
                row = {"file": str(path), "tool": "outwork", "verdict": verdict}
                out.write(json.dumps(row | {"cpu": cpu / len(todo)}) + "\n")
        if batch > 1 and "modelaudit" in tools:
            # by folder: a file ModelAudit hangs on (lightgbm's) costs one batch, not many
            left = [p for p in sorted(paths) if (str(p), "modelaudit") not in done]
            for start in range(0, len(left), batch):
                for row in _modelaudit_batch(left[start : start + batch], peers, timeout):
                    out.write(json.dumps(row) + "\n")
                    done.add((row["file"], "modelaudit"))
                out.flush()
                print(f"  modelaudit: {start + batch}/{len(left)} files", file=sys.stderr)
        for index, path in enumerate(_round_robin(paths)):
            for tool, cmd in tools.items():
                if (str(path), tool) in done:
                    continue
                before = _children_cpu()
                code, output = _run(cmd(path), timeout=timeout)
                spent = _children_cpu() - before
                verdict = "timeout" if code == -1 else peer_verdict(code)
                row = {"file": str(path), "tool": tool, "verdict": verdict, "cpu": spent}
                if tool == "modelaudit" and code != -1:
                    issues = _modelaudit_issues(output)
                    if verdict == "caught":
                        row["verdict"] = f"caught ({_modelaudit_level(issues) or 'no level'})"
                    row["issues"] = issues
                out.write(json.dumps(row) + "\n")
                out.flush()
            if index % 25 == 24:
                print(f"  {index + 1}/{len(paths)} files", file=sys.stderr, flush=True)
    summarise_peers(log)


def summarise_peers(log: Path) -> None:
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    files = {row["file"] for row in rows}
    print(f"\npeers on {len(files)} benign files, one process per file and tool ({log})")
    for tool in sorted({row["tool"] for row in rows}):
        mine = [row for row in rows if row["tool"] == tool]
        by_verdict: dict[str, list[str]] = {}
        for row in mine:
            by_verdict.setdefault(row["verdict"], []).append(row["file"])
        counts = ", ".join(f"{v} {len(ps)}" for v, ps in sorted(by_verdict.items()))
        cpu = sum(row["cpu"] for row in mine)
        print(f"- {tool} ({len(mine)} files): {counts}; CPU {cpu:.0f} s")
        for verdict, ps in sorted(by_verdict.items()):
            if verdict == "missed":
                continue
            by_folder: dict[str, int] = {}
            for name in ps:
                folder = Path(name).parent.name
                by_folder[folder] = by_folder.get(folder, 0) + 1
            print(f"    {verdict}: {by_folder}")
            print(f"      e.g. {', '.join(Path(n).name for n in ps[:8])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=Path, default=Path("/work/peers/models/bin"))
    parser.add_argument("--cache", type=Path, default=Path("/work/bench-data/models-benign"))
    parser.add_argument("--only", choices=("attacks", "benign", "out-of-sample"))
    parser.add_argument(
        "--oos-cache", type=Path, default=Path("/work/bench-data/models-benign-oos")
    )
    parser.add_argument(
        "--benign-peers",
        action="store_true",
        help="every peer on every benign file (in-sample and out-of-sample sets), per file",
    )
    parser.add_argument("--peer-timeout", type=float, default=120.0)
    parser.add_argument(
        "--peer-log", type=Path, default=Path("/work/bench-data/models-benign-peers.jsonl")
    )
    parser.add_argument("--peer-tools", default="", help="comma-separated peers to run (all)")
    parser.add_argument(
        "--peer-batch", type=int, default=1, help="ModelAudit: files per process (resumes)"
    )
    args = parser.parse_args()
    if args.only != "benign":
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for group, technique, name, data in attack_samples():
                folder = Path(tmp) / f"{len(files):02d}"
                folder.mkdir()
                (folder / name).write_bytes(data)
                files.append((group, technique, folder / name))
            rows, score, cpu = run_table(files, args.peers, malicious=True)
        print("\n".join(rows))
        print(f"\nattack samples: {len(files)}; outwork wall {cpu:.2f} s")
        for tool, (caught, error, missed) in score.items():
            print(f"- {tool}: {caught} caught, {error} errors, {missed} missed")
    if args.only == "out-of-sample":
        paths = build_out_of_sample(args.oos_cache)
        labelled = [(p.parent.name, p.name, p) for p in paths]
        rows, score, cpu = run_table(labelled, Path("/nonexistent"), malicious=False)
        noisy = [r for r in rows[2:] if "**" in r or "MDL" in r]
        print(f"\nout-of-sample benign files: {len(paths)}; outwork wall {cpu:.2f} s")
        print("\n".join(rows[:2] + noisy))
        print(f"- outwork: {score['outwork'][0]} false alarms, {score['outwork'][2]} clean")
        return
    if args.only != "attacks":
        paths = build_benign(args.cache)
        labelled = [(p.parent.name, p.name, p) for p in paths]
        rows, score, cpu = run_table(labelled, Path("/nonexistent"), malicious=False)
        noisy = [r for r in rows[2:] if "**" in r or "MDL" in r]
        print(f"\nbenign files: {len(paths)} (cache {args.cache}); outwork wall {cpu:.2f} s")
        print("\n".join(rows[:2] + noisy))
        for tool, (flagged, error, quiet) in score.items():
            print(f"- {tool}: {flagged} false alarms, {error} errors, {quiet} clean")
        if args.benign_peers:
            more = build_out_of_sample(args.oos_cache)
            noisy_oos = [p for p, codes in outwork_flags(more).items() if codes]
            print(f"- outwork, {len(more)} out-of-sample files: {len(noisy_oos)} false alarms")
            only = tuple(t for t in args.peer_tools.split(",") if t)
            benign_peers(
                paths + more, args.peers, args.peer_timeout, args.peer_log, only, args.peer_batch
            )


if __name__ == "__main__":
    main()
