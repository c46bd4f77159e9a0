"""Map a function over chunks of work in worker processes, in order, reporting progress as chunks finish."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["Progress", "chunks", "map_chunks"]

Progress = Callable[[str, int, int], None]
T = TypeVar("T")
R = TypeVar("R")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive pieces of ``size`` (the last may be shorter)."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(
    function: Callable[[T], R],
    tasks: list[T],
    jobs: int,
    progress: Progress | None,
    stage: str,
    sizes: list[int],
) -> Iterator[R]:
    """``function`` over ``tasks`` in ``jobs`` processes (1: in this one), results in order; ``progress(stage,
    done, total)`` counts ``sizes`` (the items in each task). Stopping the iteration cancels what is left."""
    total, done = sum(sizes), 0
    if progress:
        progress(stage, 0, total)
    pool = ProcessPoolExecutor(jobs) if jobs > 1 else None
    results = pool.map(function, tasks) if pool else map(function, tasks)
    try:
        for size, result in zip(sizes, results, strict=True):
            done += size
            if progress:
                progress(stage, done, total)
            yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
