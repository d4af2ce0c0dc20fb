"""Pickles a package ships, graded by what they call.

A pickle inside a package (an sdist, a wheel, an installed site-packages folder) whose every
global outside the allowlist is a module of that very package can do nothing the package's own
code cannot, and the packages layer judges that code; a pickle in the package's tests or docs
is read by neither installing nor importing it. Their unlisted globals (MDL002) are graded by
:class:`~outwork.analyzers.models.context.Shipped`. Dangerous callables (MDL001) and dynamic
operations (MDL004) keep their grade wherever the pickle sits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from outwork.analyzers.models.context import Shipped
from outwork.core.artifact import MEMBER_SEP, PACKAGE_SUFFIXES, posix_name
from outwork.core.findings import Finding

#: Folders of a package that installing and importing it never read.
NOT_LOADED_DIRS = frozenset({"test", "tests", "testing", "docs", "doc", ".doctrees"})
_ENVIRONMENT_DIRS = ("site-packages", "dist-packages")
#: ``name-1.2.3.tar.gz``, ``name-1.2.3-py3-none-any.whl``: the project before its version.
_PROJECT_RE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*?)-\d")


def shipped_context(path: str, unlisted: Sequence[Finding]) -> Shipped:
    """How a package ships the pickle at ``path`` whose unlisted-global findings are
    ``unlisted`` (LOADED for a file no package ships: a model)."""
    place = _package_place(path)
    if place is None:
        return Shipped.LOADED
    own, inside = place
    modules = [str(f.properties.get("module", "")) for f in unlisted]
    if modules and all(m and m.split(".", 1)[0].lower() in own for m in modules):
        return Shipped.OWN_MODULES
    if any(
        part.lower() in NOT_LOADED_DIRS for part in inside.replace(MEMBER_SEP, "/").split("/")[:-1]
    ):
        return Shipped.NOT_LOADED
    return Shipped.LOADED


def _package_place(path: str) -> tuple[frozenset[str], str] | None:
    """The package's own top-level module names and the pickle's path inside it."""
    parts = path.split(MEMBER_SEP)
    for index in range(len(parts) - 2, -1, -1):
        name = posix_name(parts[index])
        if not name.lower().endswith(PACKAGE_SUFFIXES):
            continue
        match = _PROJECT_RE.match(name)
        if match is None:
            return None
        project = re.sub(r"[-.]+", "_", match.group("name")).lower()
        return frozenset({project}), MEMBER_SEP.join(parts[index + 1 :])
    folders = path.split("/")
    for index in range(len(folders) - 2, -1, -1):
        if folders[index] in _ENVIRONMENT_DIRS and index + 2 < len(folders):
            top = folders[index + 1].lower()
            return frozenset({top}), "/".join(folders[index + 1 :])
    return None
