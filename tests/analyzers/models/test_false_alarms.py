"""Ordinary models that the pattern allowlist flagged (issue 14), each beside its malicious twin:
the same object from the same library carrying a payload stays critical.

The payload objects only *record* ``os.system`` when pickled; nothing here is ever loaded.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from outwork.analyzers.models.scanpickle import scan_stream
from outwork.core.findings import Finding
from outwork.core.rules import Severity
from tests.analyzers.models import craft


class Payload:
    """Pickles as ``os.system(PAYLOAD)``."""

    def __reduce__(self) -> tuple[Callable[[str], int], tuple[str]]:
        return os.system, (craft.PAYLOAD,)


def _scan(target: Path) -> list[Finding]:
    found: list[Finding] = craft.scan_file(str(target))  # type: ignore[assignment]
    return [f for f in found if f.code.startswith("MDL")]


def _findings(tmp_path: Path, name: str, obj: object, dump: str = "pickle") -> list[Finding]:
    target = tmp_path / name
    if dump == "joblib":
        joblib = pytest.importorskip("joblib")
        joblib.dump(obj, target)
    else:
        target.write_bytes(pickle.dumps(obj, protocol=4))
    return _scan(target)


def _assert_pair(benign: list[Finding], twin: list[Finding]) -> None:
    assert not [(f.code, f.message) for f in benign if f.severity > Severity.INFO]
    assert any(f.code == "MDL001" and f.severity is Severity.CRITICAL for f in twin), twin


def test_pandas_to_pickle_frame_is_clean_and_its_payload_twin_critical(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"a": [1, 2], "s": ["x", "y"], "t": pd.date_range("2020-01-01", periods=2)},
        index=pd.Index(["r1", "r2"], name="row"),
    )
    frame["c"] = frame["s"].astype("category")
    frame.to_pickle(tmp_path / "frame.pkl")
    benign = _scan(tmp_path / "frame.pkl")
    frame.attrs["hook"] = Payload()
    _assert_pair(benign, _findings(tmp_path, "twin.pkl", frame))


def test_function_transformer_of_a_ufunc_is_clean_and_of_os_system_critical(
    tmp_path: Path,
) -> None:
    np = pytest.importorskip("numpy")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    x = np.arange(6.0).reshape(3, 2)
    benign = preprocessing.FunctionTransformer(np.log1p).fit(x)
    twin = preprocessing.FunctionTransformer(os.system)
    _assert_pair(_findings(tmp_path, "ft.pkl", benign), _findings(tmp_path, "ft_twin.pkl", twin))


def test_grid_search_masked_arrays_are_clean_and_a_payload_in_its_grid_critical(
    tmp_path: Path,
) -> None:
    np = pytest.importorskip("numpy")
    linear = pytest.importorskip("sklearn.linear_model")
    selection = pytest.importorskip("sklearn.model_selection")
    x = np.random.RandomState(0).rand(20, 2)
    y = (x[:, 0] > 0.5).astype(int)
    search = selection.GridSearchCV(linear.LogisticRegression(), {"C": [0.5, 1.0]}, cv=2)
    search.fit(x, y)
    benign = _findings(tmp_path, "search.joblib", search, dump="joblib")
    assert any("numpy.ma" in g for g in _globals(tmp_path / "search.joblib"))
    search.param_grid = {"C": [Payload()]}
    _assert_pair(benign, _findings(tmp_path, "twin.joblib", search, dump="joblib"))


def test_masked_array_of_objects_with_a_payload_is_critical(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    benign = np.ma.MaskedArray([1, 2, 3], mask=[0, 1, 0])
    twin = np.ma.MaskedArray(np.array([Payload(), 1], dtype=object), mask=[0, 1])
    _assert_pair(_findings(tmp_path, "ma.pkl", benign), _findings(tmp_path, "ma_twin.pkl", twin))


def _globals(path: Path) -> set[str]:
    return scan_stream(path.read_bytes()).globals


def test_keras_lambdas_outside_lambda_layers_are_found_where_keras_writes_them(
    tmp_path: Path,
) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    benign = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu")])
    benign.compile(loss="mse", optimizer="adam", metrics=["mae"])
    benign.save(tmp_path / "benign.keras")
    benign.save(tmp_path / "benign.h5")
    twin = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=lambda x: x)])
    twin.compile(loss=lambda y, p: p, optimizer="adam")
    with pytest.warns(UserWarning, match="lambda"):
        twin.save(tmp_path / "twin.keras")
    quiet = _scan(tmp_path / "benign.keras") + _scan(tmp_path / "benign.h5")
    assert not [(f.code, f.message) for f in quiet if f.severity > Severity.INFO]
    places = {f.location.logical for f in _scan(tmp_path / "twin.keras") if f.code == "MDL011"}
    assert any(p and p.endswith("layers[1].config.activation.value[0]") for p in places), places
    assert "config.compile_config.loss" in places, places
