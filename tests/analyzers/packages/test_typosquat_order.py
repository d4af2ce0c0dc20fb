"""A name close to several popular ones is reported against the same one on every run.

Regression: the popular names were iterated as a set, whose order follows the interpreter's
string hashing (``PYTHONHASHSEED``): ``gipython`` imitated ``ipython`` in one run and
``gitpython`` in the next.
"""

from __future__ import annotations

import os
import subprocess
import sys

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
