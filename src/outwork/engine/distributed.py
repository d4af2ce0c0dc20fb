"""Scale-out on Ray: the engine's batches of artifacts analysed by the tasks of a Ray cluster.

The pipeline imports this module only when a scan names a cluster (``ScanOptions.ray``), so
that outwork without the ``ray`` extra neither needs nor imports Ray. Nothing else changes:
the driver opens the targets, keys and reads the cache and collects the outcomes as the local
engine does, so a scan gives the same result on a cluster, and every worker's results land in
the one cache the driver keeps. A task runs :func:`outwork.engine.pipeline.analyze_artifact`
on its batch in a Ray worker process, which keeps its analyzers from batch to batch.

What travels: archive members with their bytes (registry references and uploads are read into
members, so they scan on any node); files on disk by path, which every node must see at the
same place (shared storage), as the analyzers also look beside a file (a package's other
modules). A node that cannot read a path reports the artifact as not analysed (CORE008).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ray
from ray.exceptions import RayError

from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact
from outwork.core.errors import UsageError

#: What ``--ray local`` means: a cluster of this machine started for the scan, stopped after.
LOCAL = "local"
#: Object store of a cluster started for one scan: a window of members (WINDOW_BYTES) and their
#: outcomes fit, and the machine's shared memory is not reserved by the gigabyte.
LOCAL_OBJECT_STORE = 512 * 1024 * 1024

Batch = list[tuple[Artifact, tuple[str, ...]]]
#: The engine's batch function (module-level, so that Ray ships it by name, not by value).
Task = Callable[[Batch, AnalysisContext], list[Any]]


class RayPool:
    """A connection to a cluster for the length of one scan.

    ``address`` is what ``ray.init`` takes (``host:port`` of a head node, ``ray://host:port``
    for Ray Client, ``auto``), or :data:`LOCAL` to start a cluster of ``workers`` CPUs on this
    machine for the scan. A process already connected (a service that initialised Ray itself)
    keeps its connection, and it stays open after the scan.
    """

    def __init__(self, address: str, workers: int | None, task: Task) -> None:
        self.owned = not ray.is_initialized()
        if self.owned:
            try:
                if address == LOCAL:
                    ray.init(
                        num_cpus=workers,
                        include_dashboard=False,
                        log_to_driver=False,
                        logging_level=logging.WARNING,
                        object_store_memory=LOCAL_OBJECT_STORE,
                    )
                else:
                    ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise UsageError(
                    f"--ray {address}: cannot connect to a Ray cluster ({exc}); start one with"
                    " `ray start --head` and pass its address, or use --ray local"
                ) from None
        resources = ray.cluster_resources()  # type: ignore[no-untyped-call]  # untyped in Ray
        self.workers = max(1, int(resources.get("CPU", 1)))
        # One CPU a task; a task lost with its worker is run once more, then reported.
        self._task = ray.remote(num_cpus=1, max_retries=1)(task)
        self._context: tuple[AnalysisContext, ray.ObjectRef[AnalysisContext]] | None = None

    def map(
        self, batches: Sequence[Batch], context: AnalysisContext
    ) -> Iterator[list[Any] | RayError]:
        """Each batch's outcomes in order, or the error that lost the batch (a worker that
        died twice, a node gone)."""
        if self._context is None or self._context[0] is not context:
            self._context = (context, ray.put(context))
        shared = self._context[1]
        refs = [self._task.remote(batch, shared) for batch in batches]
        for ref in refs:
            try:
                yield ray.get(ref)
            except RayError as exc:
                yield exc

    def close(self) -> None:
        self._context = None
        if self.owned and ray.is_initialized():
            ray.shutdown()
