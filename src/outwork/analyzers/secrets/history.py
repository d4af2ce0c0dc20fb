"""Credentials in a git repository's history: every commit's changes (unreachable commits too),
each blob searched once and reported with the commit that introduced it, then the blobs no
commit names (dangling after a reset or an amended commit).

The repository is read with dulwich (loose objects and packfiles, deltas resolved by the
library); git is never run on it. Bounded by the scan's budgets: seconds, bytes inflated,
objects, and a size past which a blob is not searched; what a budget stops, and objects that
do not parse, are reported (SEC008), never silently dropped.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dulwich.diff_tree import tree_changes
from dulwich.errors import (
    ApplyDeltaError,
    ChecksumMismatch,
    FileFormatException,
    NotGitRepository,
)
from dulwich.object_store import BaseObjectStore
from dulwich.objects import Blob, Commit, ObjectID, ShaFile, TreeEntry
from dulwich.repo import Repo

from outwork.analyzers.secrets import redact
from outwork.analyzers.secrets.analysis import MAX_SCAN_BYTES, Where, scan_document, verifying
from outwork.analyzers.secrets.rules import coverage
from outwork.core.analyzer import AnalysisContext, Emitted
from outwork.core.artifact import Artifact
from outwork.core.findings import finding

#: Objects read from one repository.
MAX_OBJECTS = 500_000
#: What reading one object may raise on a corrupt or hostile repository.
OBJECT_ERRORS = (
    ChecksumMismatch,
    FileFormatException,
    ApplyDeltaError,
    zlib.error,
    KeyError,
    ValueError,
    AssertionError,
    OSError,
    EOFError,
    IndexError,
    TypeError,
)


@dataclass(slots=True)
class Budget:
    deadline: float
    max_bytes: int
    blob_limit: int
    bytes: int = 0
    objects: int = 0
    unreadable: int = 0
    too_large: int = 0
    stopped: str = ""

    def spend(self, size: int) -> bool:
        self.objects += 1
        self.bytes += size
        if time.monotonic() > self.deadline:
            self.stopped = "the time budget"
        elif self.bytes > self.max_bytes:
            self.stopped = "the byte budget"
        elif self.objects > MAX_OBJECTS:
            self.stopped = f"{MAX_OBJECTS} objects"
        return not self.stopped


@dataclass(slots=True)
class Walk:
    seen: set[bytes] = field(default_factory=set)
    head_blobs: set[bytes] = field(default_factory=set)


def git_dir(artifact: Artifact) -> Path | None:
    """The repository's directory when the artifact is its HEAD file on disk."""
    if artifact.fs_path is None:
        return None
    return Path(artifact.fs_path).parent


def analyze_history(artifact: Artifact, context: AnalysisContext) -> Iterator[Emitted]:
    gitdir = git_dir(artifact)
    if gitdir is None:
        yield finding(
            coverage.SecretScanIncomplete,
            "a git repository inside an archive: its history was not searched",
            logical="git-history",
        )
        return
    budgets = context.budgets
    budget = Budget(
        deadline=time.monotonic() + budgets.max_seconds,
        max_bytes=budgets.max_total_bytes,
        blob_limit=int(context.options.get("secrets.max_scan_bytes", MAX_SCAN_BYTES)),
    )
    try:
        repo = Repo(str(gitdir))
    except (NotGitRepository, OSError, ValueError, KeyError) as exc:
        yield finding(
            coverage.SecretScanIncomplete,
            f"the git repository could not be opened ({type(exc).__name__}): history not searched",
            logical="git-history",
        )
        return
    key, persistent = redact.fingerprint_key(context.data_dir, context.scan_key)
    asking = context.options if verifying(context) else None
    with repo:
        yield from _walk(repo, artifact.path, budget, (key, persistent, asking))
    yield from _report(budget)


def _walk(
    repo: Repo, path: str, budget: Budget, keyed: tuple[bytes, bool, Mapping[str, Any] | None]
) -> Iterator[Emitted]:
    store = repo.object_store
    walk = Walk()
    commits: list[Commit] = []
    blobs: list[bytes] = []
    for sha in _all_shas(store, budget):
        obj = _load(store, sha, budget)
        if isinstance(obj, Commit):
            commits.append(obj)
        elif isinstance(obj, Blob):
            blobs.append(sha)
        if budget.stopped:
            return
    head = _head_tree(repo)
    if head is not None:
        walk.head_blobs = {entry.sha for entry in _tree_entries(store, head, budget)}
    commits.sort(key=lambda c: (c.commit_time, c.id))
    for commit in commits:
        parent_tree = _parent_tree(store, commit, budget)
        try:
            changes = list(tree_changes(store, parent_tree, commit.tree))
        except OBJECT_ERRORS:
            budget.unreadable += 1
            continue
        for change in changes:
            new = change.new
            if new is None or new.sha is None or new.sha in walk.seen or new.path is None:
                continue
            walk.seen.add(new.sha)
            file_path = new.path.decode("utf-8", "replace")
            origin = {
                "git_commit": commit.id.decode(),
                "git_path": file_path,
                "git_commit_time": commit.commit_time,
                "in_head": new.sha in walk.head_blobs,
            }
            logical = f"git:{commit.id.decode()[:12]}:{file_path}"
            yield from _blob(store, new.sha, Where(path, file_path, logical, origin), budget, keyed)
            if budget.stopped:
                return
    for sha in blobs:  # dangling: no commit names them
        if sha in walk.seen:
            continue
        walk.seen.add(sha)
        origin = {"git_blob": sha.decode(), "dangling": True}
        where = Where(path, "dangling", f"git:blob:{sha.decode()[:12]}", origin)
        yield from _blob(store, sha, where, budget, keyed)
        if budget.stopped:
            return


def _all_shas(store: BaseObjectStore, budget: Budget) -> Iterator[bytes]:
    try:
        yield from iter(store)  # loose and packed objects, unreachable ones too
    except OBJECT_ERRORS:
        budget.unreadable += 1


def _load(store: BaseObjectStore, sha: bytes, budget: Budget) -> ShaFile | None:
    try:
        obj: ShaFile = store[ObjectID(sha)]
    except OBJECT_ERRORS:
        budget.unreadable += 1
        return None
    size = len(obj.as_raw_string()) if isinstance(obj, Blob) else 0
    budget.spend(size)
    return obj


def _blob(
    store: BaseObjectStore,
    sha: bytes,
    where: Where,
    budget: Budget,
    keyed: tuple[bytes, bool, Mapping[str, Any] | None],
) -> Iterator[Emitted]:
    obj = _load(store, sha, budget)
    if not isinstance(obj, Blob):
        return
    data = obj.as_raw_string()
    if b"\x00" in data[:8192]:
        return  # binary content is not text
    if len(data) > budget.blob_limit:
        budget.too_large += 1
    text = data[: budget.blob_limit].decode("utf-8", "replace")
    yield from scan_document(text, where, *keyed)


def _head_tree(repo: Repo) -> ObjectID | None:
    try:
        head = repo[b"HEAD"]
    except OBJECT_ERRORS:
        return None
    return head.tree if isinstance(head, Commit) else None


def _parent_tree(store: BaseObjectStore, commit: Commit, budget: Budget) -> ObjectID | None:
    if not commit.parents:
        return None
    parent = _load(store, commit.parents[0], budget)
    return parent.tree if isinstance(parent, Commit) else None


def _tree_entries(store: BaseObjectStore, tree: ObjectID, budget: Budget) -> Iterator[TreeEntry]:
    try:
        yield from store.iter_tree_contents(tree)
    except OBJECT_ERRORS:
        budget.unreadable += 1


def _report(budget: Budget) -> Iterator[Emitted]:
    if budget.stopped:
        yield finding(
            coverage.SecretScanIncomplete,
            f"the history search stopped at {budget.stopped} after {budget.objects} objects",
            logical="git-history:budget",
            properties={"objects": budget.objects, "bytes": budget.bytes},
        )
    if budget.unreadable:
        yield finding(
            coverage.SecretScanIncomplete,
            f"{budget.unreadable} git objects could not be read (corrupt or hostile repository)",
            logical="git-history:unreadable",
            properties={"unreadable": budget.unreadable},
        )
    if budget.too_large:
        yield finding(
            coverage.SecretScanIncomplete,
            f"{budget.too_large} blobs past {budget.blob_limit} bytes were searched only in part",
            logical="git-history:large-blobs",
            properties={"large_blobs": budget.too_large},
        )
