"""Write the model set that ``bench/snapshot.py`` scans: real files from the real libraries, and
a few malicious ones whose payload is harmless (``echo outwork-bench``).

    .venv/bin/python bench/models_corpus.py [--out /work/bench-data/models]

Benign files are written the way ``tests/analyzers/models/test_benign_real.py`` writes them
(torch state dicts, checkpoints, full-model pickles and TorchScript; scikit-learn through pickle
and joblib with every compressor; numpy npy/npz; safetensors; Keras .keras/.h5; ONNX; GGUF; HDF5).
Malicious ones are objects whose ``__reduce__`` names ``os.system``, saved by the same libraries
(pickling only records the call; nothing here is ever loaded), plus the hand-built samples of
``tests/analyzers/models/craft.py``. Needs the ``models-test`` extra. The folder is data, kept
outside the repository; run once, then every snapshot reads the same bytes.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from tests.analyzers.models import craft  # noqa: E402

PAYLOAD = "echo outwork-bench"


class Payload:
    """Pickles as ``os.system(PAYLOAD)``; written, never loaded."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (PAYLOAD,)


def torch_files(out: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.ReLU(),
        torch.nn.BatchNorm2d(2),
        torch.nn.Flatten(),
        torch.nn.LazyLinear(2),
    )
    model(torch.zeros(1, 1, 8, 8))
    torch.save(model.state_dict(), out / "state.pt")
    torch.save({"model": model.state_dict(), "epoch": 3, "lr": 0.1}, out / "ckpt.pth")
    torch.save(model, out / "full.pt")
    torch.save(model.state_dict(), out / "legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(torch.arange(10).to_sparse(), out / "sparse.pt")
    q = torch.quantize_per_tensor(torch.rand(4), 0.1, 0, torch.quint8)
    torch.save({"q": q, "half": torch.ones(2, dtype=torch.float16)}, out / "quant.pt")
    big = torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.Linear(512, 512))
    torch.save(big.state_dict(), out / "mlp-2mb.pt")
    for proto in (2, 4):
        with (out / f"plain_{proto}.pkl").open("wb") as fh:
            pickle.dump({"t": torch.arange(5.0), "m": torch.nn.Linear(2, 2)}, fh, protocol=proto)
    scripted = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))
    torch.jit.save(scripted, out / "scripted.pt")
    hub = out / "hub-clean"
    hub.mkdir()
    (hub / "config.json").write_text('{"model_type": "bert", "architectures": ["BertModel"]}\n')
    torch.save(model.state_dict(), hub / "pytorch_model.bin")


def sklearn_files(out: Path) -> None:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC

    rng = np.random.default_rng(0)
    x = rng.random((40, 3))
    y = (x[:, 0] > 0.5).astype(int)
    models = {
        "rf": make_pipeline(
            StandardScaler(), RandomForestClassifier(n_estimators=3, random_state=0)
        ).fit(x, y),
        "gb": GradientBoostingClassifier(n_estimators=3, random_state=0).fit(x, y),
        "lr": LogisticRegression().fit(x, y),
        "svc": SVC().fit(x, y),
        "ohe": OneHotEncoder().fit([["a"], ["b"]]),
    }
    for name, model in models.items():
        joblib.dump(model, out / f"{name}.joblib")
        with (out / f"{name}.pkl").open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    for method in ("zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        joblib.dump(models["rf"], out / f"rf.{method}.joblib", compress=(method, 3))
    joblib.dump({"arrays": [np.arange(5.0), np.ones((2, 2), dtype=np.int8)]}, out / "arr.jl")


def numpy_files(out: Path) -> None:
    np.save(out / "a.npy", np.arange(12.0).reshape(3, 4))
    np.save(out / "s.npy", np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]))
    np.savez(out / "b.npz", x=np.arange(3), y=np.zeros((2, 2)))
    np.savez_compressed(out / "c.npz", x=np.arange(3))
    with (out / "arr.pkl").open("wb") as fh:
        pickle.dump({"a": np.arange(3), "r": np.random.default_rng(0)}, fh, protocol=2)


def other_formats(out: Path) -> None:
    import gguf
    import h5py
    import keras
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import save_file

    save_file(
        {"w": np.ones((3, 2), dtype=np.float32), "b": np.zeros(2, dtype=np.int64)},
        str(out / "m.safetensors"),
        metadata={"format": "np"},
    )
    save_file({}, str(out / "empty.safetensors"))

    writer = gguf.GGUFWriter(str(out / "m.gguf"), "llama")
    writer.add_block_count(1)
    writer.add_chat_template(
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
        " + message['content'] + '<|im_end|>\\n' }}{% endfor %}"
    )
    writer.add_token_list(["<s>", "</s>", "a"])
    writer.add_tensor("tok_embd.weight", np.ones((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    weight = numpy_helper.from_array(np.ones((2, 2), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"]), helper.make_node("Relu", ["y"], ["z"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2])],
        [weight],
    )
    model = helper.make_model(graph, producer_name="outwork-bench")
    onnx.save(model, out / "m.onnx")
    external = out / "onnx-external"
    external.mkdir()
    onnx.save(
        model,
        external / "ext.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="ext.onnx.data",
        size_threshold=0,
    )

    keras.utils.set_random_seed(0)
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    net = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dropout(0.1)])
    net.compile(optimizer="adam", loss="mse", metrics=["mae"])
    net.save(out / "m.keras")
    net.save(out / "m.h5")
    with h5py.File(out / "d.h5", "w") as fh:
        fh.create_dataset("x", data=np.arange(10))
        fh.attrs["note"] = "outwork-bench"


def malicious_files(out: Path) -> None:
    bad = out / "malicious"
    bad.mkdir()
    for proto in (0, 2, 4, 5):
        (bad / f"reduce_p{proto}.pkl").write_bytes(pickle.dumps(Payload(), protocol=proto))
    torch.save({"w": torch.ones(2), "hook": Payload()}, bad / "torch-reduce.pt")
    torch.save(
        {"w": torch.ones(2), "hook": Payload()},
        bad / "torch-legacy-reduce.pth",
        _use_new_zipfile_serialization=False,
    )
    joblib.dump({"model": Payload()}, bad / "reduce.joblib")
    joblib.dump({"model": Payload()}, bad / "reduce.zlib.joblib", compress=("zlib", 3))
    np.save(bad / "object.npy", np.array([Payload()], dtype=object), allow_pickle=True)
    hub = bad / "hub"
    hub.mkdir()
    (hub / "config.json").write_text('{"model_type": "bert", "architectures": ["BertModel"]}\n')
    torch.save({"w": torch.ones(2), "hook": Payload()}, hub / "pytorch_model.bin")
    crafted = {
        "p0.pkl": craft.protocol0_system(),
        "chain.pkl": craft.call("posixpath", "os.system", craft.PAYLOAD, proto=4, stack=True),
        "broken.pkl": craft.broken_after(craft.call_body("os", "system", craft.PAYLOAD)),
        "poly.bin": craft.benign(2) + craft.torch_zip(craft.os_system(2)),
        "renamed.safetensors.txt": craft.os_system(2),
        "nested.pkl": craft.call("torch.storage", "_load_from_bytes", craft.os_system(2)),
        "lambda.keras": craft.keras_zip(
            craft.keras_model(craft.keras_layer("Lambda", {"function": {}}))
        ),
        "custom-op.onnx": craft.onnx_model(domain="com.example.custom"),
    }
    for name, data in crafted.items():
        (bad / name).write_bytes(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/work/bench-data/models"))
    args = parser.parse_args()
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    torch_files(out)
    sklearn_files(out)
    numpy_files(out)
    other_formats(out)
    malicious_files(out)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    print(f"{len(files)} files, {sum(p.stat().st_size for p in files):,} bytes in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
