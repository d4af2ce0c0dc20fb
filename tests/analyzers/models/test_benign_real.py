"""Benign files written by the real libraries come out clean (no MDL finding above info).

Each test skips when its library is absent; CI installs them with the `models-test` extra.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from tests.analyzers.models import craft

REAL_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    "{% set ns = namespace(found=false) %}{% if ns.found %}{{ raise_exception('x') }}{% endif %}"
)


def _assert_clean(folder: Path) -> None:
    findings = craft.scan_file(str(folder))
    noisy = [
        (f.code, str(f.location), f.message)  # type: ignore[attr-defined]
        for f in findings
        if f.code.startswith("MDL") and f.severity.label != "info"  # type: ignore[attr-defined]
    ]
    assert not noisy, noisy


def test_torch_checkpoints_are_clean(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.ReLU(),
        torch.nn.BatchNorm2d(2),
        torch.nn.Flatten(),
        torch.nn.LazyLinear(2),
    )
    model(torch.zeros(1, 1, 8, 8))
    torch.save(model.state_dict(), tmp_path / "state.pt")
    torch.save({"model": model.state_dict(), "epoch": 3, "lr": 0.1}, tmp_path / "ckpt.pth")
    torch.save(model, tmp_path / "full.pt")
    torch.save(model.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(torch.arange(10).to_sparse(), tmp_path / "sparse.pt")
    q = torch.quantize_per_tensor(torch.rand(4), 0.1, 0, torch.quint8)
    torch.save({"q": q, "half": torch.ones(2, dtype=torch.float16)}, tmp_path / "quant.pt")
    for proto in (2, 4):
        with (tmp_path / f"plain_{proto}.pkl").open("wb") as fh:
            pickle.dump({"t": torch.arange(5.0), "m": torch.nn.Linear(2, 2)}, fh, protocol=proto)
    scripted = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))
    torch.jit.save(scripted, tmp_path / "scripted.pt")
    _assert_clean(tmp_path)


def test_sklearn_and_joblib_are_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    pytest.importorskip("sklearn")
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC

    rng = np.random.default_rng(0)
    x = rng.random((40, 3))
    y = (x[:, 0] > 0.5).astype(int)
    models = {
        "rf": make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=3)).fit(x, y),
        "gb": GradientBoostingClassifier(n_estimators=3).fit(x, y),
        "lr": LogisticRegression().fit(x, y),
        "svc": SVC().fit(x, y),
        "ohe": OneHotEncoder().fit([["a"], ["b"]]),
    }
    for name, model in models.items():
        joblib.dump(model, tmp_path / f"{name}.joblib")
        with (tmp_path / f"{name}.pkl").open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    for method in ("zlib", "gzip", "bz2", "xz", "lzma"):
        joblib.dump(models["rf"], tmp_path / f"rf.{method}.joblib", compress=(method, 3))
    joblib.dump({"arrays": [np.arange(5.0), np.ones((2, 2), dtype=np.int8)]}, tmp_path / "arr.jl")
    _assert_clean(tmp_path)


def test_lz4_joblib_is_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    pytest.importorskip("lz4")
    joblib.dump({"w": np.arange(100.0)}, tmp_path / "w.joblib", compress=("lz4", 3))
    _assert_clean(tmp_path)


def test_numpy_files_are_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    np.save(tmp_path / "a.npy", np.arange(12.0).reshape(3, 4))
    np.save(tmp_path / "s.npy", np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]))
    np.savez(tmp_path / "b.npz", x=np.arange(3), y=np.zeros((2, 2)))
    np.savez_compressed(tmp_path / "c.npz", x=np.arange(3))
    with (tmp_path / "arr.pkl").open("wb") as fh:
        pickle.dump({"a": np.arange(3), "r": np.random.default_rng(0)}, fh, protocol=2)
    _assert_clean(tmp_path)


def test_safetensors_files_are_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    st = pytest.importorskip("safetensors.numpy")
    st.save_file(
        {"w": np.ones((3, 2), dtype=np.float32), "b": np.zeros(2, dtype=np.int64)},
        str(tmp_path / "m.safetensors"),
        metadata={"format": "np"},
    )
    st.save_file({}, str(tmp_path / "empty.safetensors"))
    _assert_clean(tmp_path)


def test_gguf_files_are_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    gguf = pytest.importorskip("gguf")
    writer = gguf.GGUFWriter(str(tmp_path / "m.gguf"), "llama")
    writer.add_block_count(1)
    writer.add_chat_template(REAL_TEMPLATE)
    writer.add_token_list(["<s>", "</s>", "a"])
    writer.add_tensor("tok_embd.weight", np.ones((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    _assert_clean(tmp_path)


def test_onnx_files_are_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((2, 2), dtype=np.float32), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph(
        [node, helper.make_node("Relu", ["y"], ["z"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 2])],
        [weight],
    )
    model = helper.make_model(graph, producer_name="outwork-test")
    onnx.save(model, tmp_path / "m.onnx")
    onnx.save(
        model,
        tmp_path / "ext.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="ext.onnx.data",
        size_threshold=0,
    )
    _assert_clean(tmp_path)


def test_keras_files_are_clean(tmp_path: Path) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dropout(0.1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    _assert_clean(tmp_path)


def test_h5py_plain_data_is_clean(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "d.h5", "w") as fh:
        fh.create_dataset("x", data=np.arange(10))
        fh.attrs["note"] = "outwork-test"
    _assert_clean(tmp_path)
