"""Whether a path a package's code reads names a credential store, or a file of its own tree.

The store table (:data:`..data.CREDENTIAL_PATH_RE`) names stores by the folders and files they
are made of, and some of those are ordinary folder names (``discord/``, ``Bitcoin/``,
``Electrum``): a package of that name reads its own ``discord/__init__.py`` for its version.
Where the code runs decides what a relative path names: an install runs ``setup.py`` in the
unpacked source distribution, so a relative path there names the package's own files. A path
counts as the package's own when all of it is known and it is relative (not rooted at ``/``, a
drive, ``~`` or an environment variable such as ``%APPDATA%``, which is how paths built from
``Path.home()``, ``os.path.expanduser`` and ``os.getenv`` fold), it names no part a store is
made of (``Local Storage``, ``leveldb``, token and key files, wallets, browser profiles), the
module never changes its working folder to anywhere not derived from its own file, and it names
a Python source file or a member (or folder) of the package scanned, relative to the module's
folder or one above it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from outwork.analyzers.packages import data as tables

#: A path rooted outside the working folder: ``/``, ``\\``, a drive, the home folder, an
#: environment variable (``%APPDATA%``, ``$HOME``: how ``os.getenv`` folds), a URL.
_ROOTED_RE = re.compile(r"^(?:[/\\~%$]|[A-Za-z]:|[A-Za-z][\w+.-]*://)")
#: The parts a store is made of (files and folders inside an application's folder, not the
#: application's name): whatever folder they are read from, they are the store.
_STORE_PARTS_RE = re.compile(
    r"local storage|leveldb|\.ldb\b|\btokens?\b|cookies|login data|web data|local state|"
    r"keystore|wallet\.dat|\.wallet\b|session|id_rsa|id_ed25519|id_ecdsa|credentials|"
    r"\.npmrc|\.pypirc|\.netrc|\.git-credentials|\btdata\b|_history|keychain|"
    r"sitemanager\.xml|profiles|user data",
    re.IGNORECASE,
)
#: A chat client's folder as the last part of a path (``~/.config/discord``): the store's
#: table names it with a separator after it.
_CHAT_FOLDER_RE = re.compile(r"[/\\]discord(?:canary|ptb)?[/\\]?$", re.IGNORECASE)
#: The module changes its working folder to somewhere not derived from its own file: relative
#: paths then name whatever is there.
CHDIR_AWAY_RE = re.compile(r"\bchdir\s*\((?![^)\n]*__file__)")
_SOURCE_SUFFIXES = (".py", ".pyw", ".pyi")
#: A public key file (``~/.ssh/id_ed25519.pub``, every ``*.pub`` a pattern matches): what a
#: tool registering the user's key with a service sends.
_PUBLIC_KEY_RE = re.compile(r"\.pub\s*$", re.IGNORECASE)


def credential_store(text: str, own_tree: Callable[[str], bool]) -> str | None:
    """The credential store ``text`` (a path, all of it known) reaches, or None: none is named,
    or the path names the package's own tree (``own_tree``, see the module's description)."""
    if _PUBLIC_KEY_RE.search(text):
        return None  # the public half of a key pair is made to be handed out
    match = tables.CREDENTIAL_PATH_RE.search(text) or _CHAT_FOLDER_RE.search(text)
    if match is None or own_tree(text):
        return None
    return match.group(0)


def plain_relative(path: str) -> str | None:
    """``path`` as a relative POSIX path when it may name the package's own tree (relative,
    not leaving the folder, naming no part of a store), else None."""
    text = path.strip()
    if not text or _ROOTED_RE.match(text) or _STORE_PARTS_RE.search(text):
        return None
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def is_source(relative: str) -> bool:
    """Whether a relative path names a Python source file (never a credential store)."""
    return relative.lower().endswith(_SOURCE_SUFFIXES)


class OwnTree:
    """The members of one archive and their folders, to tell whether a relative path a module
    reads names one of them (built on first use: most packages never read a store's name)."""

    __slots__ = ("_members", "_paths")

    def __init__(self, members: Iterable[str]) -> None:
        self._members = members
        self._paths: frozenset[str] | None = None

    def _all(self) -> frozenset[str]:
        if self._paths is None:
            out: set[str] = set()
            for member in self._members:
                parts = [p for p in member.split("/") if p]
                out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
            self._paths = frozenset(out)
        return self._paths

    def reader(self, module: str) -> Callable[[str], bool]:
        """Whether a relative path, as ``module`` reads it, names a member or folder: relative
        to the module's folder or any folder above it (install-time code runs in the archive's
        root, which is one of them)."""
        folders = [p for p in PurePosixPath(module).parent.parts if p]

        def names(relative: str) -> bool:
            paths = self._all()
            return any(
                "/".join([*folders[:depth], relative]) in paths
                for depth in range(len(folders), -1, -1)
            )

        return names


def on_disk(path: str) -> Callable[[str], bool]:
    """As :meth:`OwnTree.reader` for a file scanned alone: a relative path names a file or
    folder beside it (or above it) on disk."""
    here = Path(path).parent

    def names(relative: str) -> bool:
        return any((folder / relative).exists() for folder in (here, *here.parents[:3]))

    return names
