"""The allowlist-first policy for pickle globals."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from outwork.analyzers.models.policy import Verdict, denylist, gadget, generated_use, judge

ALLOWED = [
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch", "FloatStorage"),
    ("torch", "float32"),
    ("torch.nn.modules.linear", "Linear"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "dtype"),
    ("sklearn.ensemble._forest", "RandomForestClassifier"),
    ("sklearn.tree._tree", "Tree"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("_codecs", "encode"),
    # reached through the module that re-exports them, as the libraries pickle them
    ("numpy.ma", "MaskedArray"),
    ("numpy.ma.core", "MaskedArray"),
    ("numpy", "log1p"),
    ("pandas", "DataFrame"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
    ("sklearn.linear_model", "LogisticRegression"),
    ("sklearn.linear_model._logistic", "LogisticRegression"),
    ("numpy.random._pickle", "__generator_ctor"),
    # the benign bench's first run (bench/models_attacks.py): names that read like risks
    ("sklearn.gaussian_process._gpc", "GaussianProcessClassifier"),
    ("torch.nn.modules.pooling", "MaxPool2d"),
    ("sklearn.neighbors._kd_tree", "newObj"),
    ("torch.nn.functional", "relu"),
    ("scipy._lib.array_api_compat.numpy._aliases", "asarray"),
]
DANGEROUS = [
    ("os", "system"),
    ("posix", "system"),
    ("builtins", "eval"),
    ("builtins", "getattr"),
    ("subprocess", "Popen"),
    ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
    ("numpy", "f2py.crackfortran.getlincoef"),
    ("posixpath", "os.system"),
    ("collections", "OrderedDict.__init__.__globals__"),
    ("torch.jit._pickle", "build_intlist"),  # outside TorchScript archives, torch.jit is code
    ("", "x"),
]
UNLISTED = [
    ("mypackage.helpers", "rebuild"),
    ("functools", "partial"),
    ("torch", "nn.modules.linear.Linear"),  # dotted name instead of the canonical pair
    ("sklearn.utils", "lowercase_function"),
    ("__torch__.m", "M"),
    ("__main__", "MyTransformer"),  # a class from the saving notebook: unknown, not critical
    # standard-library classes that library modules merely import (issue 14)
    ("sklearn.datasets._covtype", "GzipFile"),
    ("sklearn.datasets._openml", "TemporaryDirectory"),
    ("sklearn.datasets._openml", "Request"),
    ("sklearn.callback._transport", "Listener"),
    ("sklearn.callback._transport", "Thread"),
    # defined by the libraries, but files, processes or code
    ("pandas", "read_pickle"),
    ("pandas", "HDFStore"),
    ("pandas", "ExcelWriter"),
    ("numpy", "memmap"),
    ("sklearn.utils._testing", "TempMemmap"),
    ("sklearn.datasets", "fetch_openml"),
]


@pytest.mark.parametrize(("module", "name"), ALLOWED)
def test_framework_globals_are_allowed(module: str, name: str) -> None:
    assert judge(module, name).verdict is Verdict.ALLOWED


@pytest.mark.parametrize(("module", "name"), DANGEROUS)
def test_dangerous_globals_are_critical_with_a_reason(module: str, name: str) -> None:
    judgement = judge(module, name)
    assert judgement.verdict is Verdict.DANGEROUS
    assert judgement.reason


@pytest.mark.parametrize(("module", "name"), UNLISTED)
def test_everything_else_is_unlisted(module: str, name: str) -> None:
    assert judge(module, name).verdict is Verdict.UNLISTED


def test_functions_are_allowed_as_references_but_not_as_calls_on_load() -> None:
    assert judge("sklearn.base", "clone").verdict is Verdict.ALLOWED
    called = judge("sklearn.base", "clone", called=True)
    assert called.verdict is Verdict.UNLISTED
    assert "calls it while loading" in called.reason
    assert judge("numpy", "log1p", called=True).verdict is Verdict.ALLOWED  # a ufunc: arithmetic


def test_call_gadgets_name_the_arguments_they_call() -> None:
    assert gadget("numpy.random._pickle", "__generator_ctor") is not None
    assert gadget("copyreg", "_reconstructor") is not None
    assert gadget("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked") is not None
    assert gadget("sklearn.neighbors._kd_tree", "newObj") is not None
    assert gadget("collections", "OrderedDict") is None


def test_generated_allowlist_records_the_library_versions() -> None:
    header = (
        resources.files("outwork.analyzers.models")
        .joinpath("data", "pickle_allowlist_generated.tsv")
        .read_text("utf-8")
        .splitlines()[1]
    )
    for library in ("numpy", "scipy", "scikit-learn", "pandas", "joblib", "torch"):
        assert re.search(rf"\b{library} \d", header), (library, header)


def test_torchscript_archives_resolve_their_own_classes() -> None:
    assert judge("__torch__.m", "M", torchscript=True).verdict is Verdict.ALLOWED
    assert judge("torch.jit._pickle", "build_intlist", torchscript=True).verdict is Verdict.ALLOWED
    assert judge("os", "system", torchscript=True).verdict is Verdict.DANGEROUS


def test_every_denylist_entry_has_an_explanation() -> None:
    assert all(reason for reason in denylist().values())


def test_generated_allowlist_read_by_module_is_the_whole_table() -> None:
    """The generated allowlist is split by module when a module is first asked about: every
    global it names gets its use of the table read whole (a later row winning), and a name or
    module it does not hold gets none."""
    whole: dict[tuple[str, str], str] = {}
    text = (
        resources.files("outwork.analyzers.models")
        .joinpath("data", "pickle_allowlist_generated.tsv")
        .read_text("utf-8")
    )
    for raw in text.splitlines():
        if raw and not raw.startswith("#"):
            module, use, names = raw.split("\t")
            for name in names.split():
                whole[(module, name)] = use
    assert len(whole) > 10_000
    assert all(generated_use(module, name) == use for (module, name), use in whole.items())
    for module, name in [("os", "system"), ("sklearn.tree._classes", "nope"), ("", "")]:
        assert generated_use(module, name) is None
