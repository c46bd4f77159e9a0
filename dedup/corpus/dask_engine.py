"""``dedup scan --engine dask``: the scan's pipeline as tasks on a Dask distributed cluster.

The stages are those of :func:`dedup.corpus.scan`, with the same functions, so the results are the same:

1. reading and signing: one task per chunk of files (every worker must see the files);
2. two shuffles: each chunk's band keys are split by ``key % partitions`` in its task
   (:func:`dedup.candidates.lsh.partition_keys`), so that one task per key partition holds whole buckets; it
   sends each useful bucket to the ranges of documents that come first in one of its pairs
   (:func:`~dedup.candidates.lsh.buckets_by_document`), and one task per range counts the shared buckets of the
   pairs it is first in (:func:`~dedup.candidates.lsh.candidates_in_range`): only candidate pairs reach the
   client, never the far more pairs that share a single bucket;
3. verification and alignment of candidate pairs in tasks; boilerplate and clusters (union-find) on the
   client.

The client never holds the corpus: each signed chunk it receives has its texts written to a temporary
folder (:mod:`dedup.corpus.texts`) and its band keys dropped, and alignment tasks are submitted a few at a
time, each with the texts of its pairs read back (the workers need not share the client's disk).

Needs the ``dask`` extra (``pip install 'dedup[dask]'``); with no scheduler address a ``LocalCluster`` of
``workers`` processes is started and stopped around the scan.
"""

from __future__ import annotations

import operator
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from dedup.candidates.lsh import Candidates, buckets_by_document, candidates_in_range, joined, partition_keys
from dedup.candidates.signatures import Signed
from dedup.corpus.result import ScanResult
from dedup.corpus.stages import SignedChunk, finish, load_and_sign, sign_tasks, stacked_band_keys, store_texts
from dedup.corpus.texts import Stored, text_folder
from dedup.errors import DedupError
from dedup.parallel import Progress
from dedup.settings import Settings
from dedup.sources import as_roots, discover_with_sources

__all__ = ["scan", "cluster_client"]


@contextmanager
def cluster_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A ``distributed.Client`` of the cluster at ``scheduler``, or of a new ``LocalCluster``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DedupError("the dask engine needs dask: pip install 'dedup[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as error:
            raise DedupError(f"cannot reach the Dask scheduler at {scheduler} ({error})") from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _with_texts(value: Any) -> Any:
    """A task with every :class:`Stored` article in it read back (tuples, lists and dicts walked)."""
    if isinstance(value, Stored):
        return value.load()
    if isinstance(value, dict):
        return {key: _with_texts(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(item, (Stored, dict, list)) for item in value):
        return type(value)(_with_texts(item) for item in value)
    return value


def _in_order(
    submitted: Iterable[tuple[Any, int]], progress: Progress | None, stage: str, total: int
) -> Iterator:
    """The results of ``(future, size)`` pairs, in order, fetched one at a time; progress counts sizes."""
    done = 0
    if progress:
        progress(stage, 0, total)
    for future, size in submitted:
        yield future.result()
        done += size
        if progress:
            progress(stage, done, total)


class _DaskMapper:
    """:func:`dedup.parallel.map_chunks` on a cluster: the same call, tasks run by the workers. At most
    ``window`` tasks are in flight, each with its texts read back from the client's folder as it is
    submitted, so the client holds the texts of those tasks only."""

    def __init__(self, client: Any, window: int) -> None:
        self.client, self.window = client, window

    def __call__(
        self,
        function: Callable,
        tasks: list,
        jobs: int,
        progress: Progress | None,
        stage: str,
        sizes: list[int],
        crashes: object = None,  # Dask retries a task whose worker died, and reports one that keeps killing
    ) -> Iterator:
        yield from _in_order(self._submitted(function, tasks, sizes), progress, stage, sum(sizes))

    def _submitted(self, function: Callable, tasks: list, sizes: list[int]) -> Iterator[tuple[Any, int]]:
        pending: deque = deque()
        for task, size in zip(tasks, sizes, strict=True):
            pending.append((self.client.submit(function, _with_texts(task), pure=False), size))
            if len(pending) >= self.window:
                yield pending.popleft()
        yield from pending


def _received(chunk: SignedChunk, folder: str) -> tuple[list[Signed], list]:
    """A signed chunk as the client keeps it: texts written to ``folder``, band keys dropped."""
    return [item.without_keys() for item in store_texts(chunk.signed, folder)], chunk.skipped


def _count(chunk: tuple[list[Signed], list]) -> int:
    return len(chunk[0])


def _partitions(chunk: SignedChunk, offset: int, parts: int, settings: Settings) -> list:
    return partition_keys(*stacked_band_keys(chunk.signed, settings, offset), parts)


def _by_document(
    pieces: list[tuple[np.ndarray, np.ndarray]], settings: Settings, bounds: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    return buckets_by_document(pieces, max_bucket_docs=settings.max_bucket_docs, bounds=bounds)


def _in_range(
    received: list[tuple[np.ndarray, np.ndarray]], settings: Settings, low: int, high: int
) -> Candidates:
    return candidates_in_range(received, min_shared=settings.min_shared_buckets, low=low, high=high)


def scan(
    root: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    settings: Settings | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    partitions: int | None = None,
    max_bytes: int = 5 * 1024 * 1024,
    progress: Progress | None = None,
    known_sources: Sequence[str | os.PathLike] = (),
) -> ScanResult:
    """:func:`dedup.corpus.scan` on a Dask cluster (``scheduler`` address, or a local one of ``workers``)."""
    settings = settings or Settings()
    files, skipped, sources = discover_with_sources(as_roots(root), max_bytes, as_roots(known_sources))
    with cluster_client(scheduler, workers) as client:
        slots = max(1, sum(client.nthreads().values()))
        parts = partitions or 2 * slots
        tasks = sign_tasks(files, settings, max_bytes, slots, sources=sources)
        sizes = [len(t[0]) for t in tasks]
        signed_futures = client.map(load_and_sign, tasks, pure=False)
        texts = text_folder()
        received = _in_order(zip(signed_futures, sizes, strict=True), progress, "reading", sum(sizes))
        chunks = [_received(chunk, texts.name) for chunk in received]
        counts = [_count(c) for c in chunks]
        offsets = np.r_[0, np.cumsum(counts)][:-1].tolist()
        bounds = np.linspace(0, sum(counts), parts + 1).round().astype(np.int64)  # ranges of documents
        split = [
            client.submit(_partitions, future, offset, parts, settings, pure=False)
            for future, offset in zip(signed_futures, offsets, strict=True)
        ]
        by_key = [
            client.submit(
                _by_document,
                [client.submit(operator.getitem, s, p, pure=False) for s in split],
                settings,
                bounds,
                pure=False,
            )
            for p in range(parts)
        ]
        in_ranges = [
            client.submit(
                _in_range,
                [client.submit(operator.getitem, b, r, pure=False) for b in by_key],
                settings,
                int(bounds[r]),
                int(bounds[r + 1]),
                pure=False,
            )
            for r in range(parts)
        ]
        found = joined(client.gather(in_ranges))
        del signed_futures, split, by_key, in_ranges  # the cluster may forget the signed corpus
        signed = [s for chunk_signed, _ in chunks for s in chunk_signed]
        skipped += [s for _, chunk_skipped in chunks for s in chunk_skipped]
        mapper = _DaskMapper(client, 4 * slots)
        return finish(
            signed, skipped, found, settings, jobs=slots, progress=progress, mapper=mapper, texts=texts
        )
