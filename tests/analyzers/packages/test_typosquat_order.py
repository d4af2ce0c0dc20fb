"""A name close to several popular ones is reported against the same one on every run.

Regression: the popular names were iterated as a set, whose order follows the interpreter's
string hashing (``PYTHONHASHSEED``): ``gipython`` imitated ``ipython`` in one run and
``gitpython`` in the next.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from outwork.analyzers.packages import typosquat
from outwork.analyzers.packages.data import top_names, top_ranked

PROBE = (
    "from outwork.analyzers.packages import typosquat\n"
    "for name in ('gipython', 'reqests', 'numpyy', 'boto-3'):\n"
    "    print(name, typosquat.check(name, 'pypi'))\n"
)


def test_the_imitated_name_does_not_depend_on_string_hashing() -> None:
    answers = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", PROBE],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        answers.add(done.stdout)
    assert len(answers) == 1, answers


def test_the_most_downloaded_candidate_is_named() -> None:
    ranked = top_ranked("pypi")
    assert set(ranked) == top_names("pypi") and len(ranked) == len(set(ranked))
    squat = typosquat.check("gipython", "pypi")
    assert squat is not None
    candidates = [t for t in ranked if t in ("gitpython", "ipython")]
    assert squat.target == candidates[0]


def test_popular_lists_name_their_source_and_hold_5000_names() -> None:
    for registry in ("pypi", "npm"):
        assert len(top_ranked(registry)) == 5000
    header = (Path(typosquat.__file__).parent / "data" / "top-pypi.txt").read_text()
    assert "Source:" in header.split("\n", 3)[1] and "scripts/popular_names.py" in header


def test_short_names_low_in_the_ranking_need_an_exact_copy() -> None:
    ranked = top_ranked("pypi")
    short_far = next(n for n in ranked[1000:] if 5 <= len(n) < 8 and n.isalpha())
    long_far = next(n for n in ranked[1000:] if len(n) >= 9 and n.isalpha())
    near = next(n for n in ranked[:1000] if 5 <= len(n) < 8 and n.isalpha())
    for target, counts in ((short_far, False), (long_far, True), (near, True)):
        misspelt = target[:-1] + ("q" if target[-1] != "q" else "x")  # one substitution
        if misspelt in top_names("pypi"):
            continue
        squat = typosquat.check(misspelt, "pypi")
        assert (squat is not None and squat.target == target) is counts, (misspelt, squat)


def test_a_package_shipping_a_popular_module_shadows_it() -> None:
    modules = typosquat.top_level_modules(
        ["requests/__init__.py", "requests/api.py", "yaml.py", "mine/__init__.py", "ns/x.py"],
        [""],
    )
    assert modules == {
        "requests": "requests/__init__.py",
        "yaml": "yaml.py",
        "mine": "mine/__init__.py",
    }
    shadows = typosquat.shadows("netkit-helpers", modules)
    assert [(s.module, s.owner) for s in shadows] == [("requests", "requests"), ("yaml", "pyyaml")]
    assert typosquat.shadows("requests", {"requests": "requests/__init__.py"}) == []
