"""The allowlist-first policy for pickle globals."""

from __future__ import annotations

import pytest

from outwork.analyzers.models.policy import Verdict, denylist, judge

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


def test_torchscript_archives_resolve_their_own_classes() -> None:
    assert judge("__torch__.m", "M", torchscript=True).verdict is Verdict.ALLOWED
    assert judge("torch.jit._pickle", "build_intlist", torchscript=True).verdict is Verdict.ALLOWED
    assert judge("os", "system", torchscript=True).verdict is Verdict.DANGEROUS


def test_every_denylist_entry_has_an_explanation() -> None:
    assert all(reason for reason in denylist().values())
