"""Pickle literals in source, read and never loaded: imports named in every protocol, the
package's own objects told from what runs commands, and streams that cannot be followed."""

from __future__ import annotations

import pickle

import pytest

from outwork.analyzers.packages import pyscan
from outwork.analyzers.packages.pickled import own_objects, read_pickle


@pytest.mark.parametrize("protocol", range(6))
def test_imports_are_named_in_every_protocol(protocol: int) -> None:
    data = pickle.dumps(pickle.PickleError, protocol=protocol)
    pickled = read_pickle(data)
    assert pickled.clean
    # protocols 0-2 write the Python 2 module name (``fix_imports``)
    module = "pickle" if protocol < 3 else "_pickle"
    assert pickled.imports == ((module, "PickleError"),)


def test_an_import_from_memoised_strings_is_named() -> None:
    # protocol 4+: STACK_GLOBAL over two strings, the second time through the memo
    data = pickle.dumps([pickle.PickleError, pickle.PickleError], protocol=4)
    assert read_pickle(data).imports[0] == ("_pickle", "PickleError")


def test_the_standard_library_is_never_the_packages_own() -> None:
    data = pickle.dumps(pickle.PickleError, protocol=2)
    assert not own_objects(read_pickle(data), frozenset({"_pickle", "pickle"}))


def test_truncated_and_unknown_streams_are_not_clean() -> None:
    data = pickle.dumps({"a": 1}, protocol=2)
    assert read_pickle(data).clean
    assert not read_pickle(data[:-1]).clean
    assert not read_pickle(b"\xff" + data).clean
    assert not read_pickle(b"").clean


def test_extension_codes_are_opaque() -> None:
    assert not read_pickle(b"\x80\x02\x82\x01)R.").clean  # EXT1, then a call


def test_owner_names_start_below_site_packages() -> None:
    path = "/venv/lib/python3.11/site-packages/numpy/_core/tests/test_x.py"
    assert pyscan.owner_names(path) == {"numpy", "_core", "tests"}
    assert "lib" not in pyscan.owner_names(path)
    assert pyscan.owner_names("pkg-1.0/pkg/mod.py") == {"pkg"}
