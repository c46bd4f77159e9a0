"""Map a function over chunks of work in worker processes, in order, reporting progress as chunks finish.

A worker process can die without an exception reaching Python (a crash in a C parser, the kernel's OOM
killer). With :class:`Crashes` given, the map survives it: the tasks that were out with the workers are run
again one at a time, each in a process of its own; a task that kills its process again is split into tasks
of one item, run the same way, and an item that still kills its process gets the result ``failed(item)``.
Then the map goes on with a new pool. At most ``2 * jobs`` tasks are out at once, so a crash costs little.
"""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Progress", "chunks", "map_chunks", "Crashes", "PROCESS_DIED"]

Progress = Callable[[str, int, int], None]
T = TypeVar("T")
R = TypeVar("R")

PROCESS_DIED = "the worker process died on it (a crash in a parser or the system ran out of memory)"


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive pieces of ``size`` (the last may be shorter)."""
    return [items[start : start + size] for start in range(0, len(items), size)]


@dataclass(frozen=True)
class Crashes(Generic[T, R]):
    """How a map outlives a dead worker process: ``split`` a task into tasks of one item, ``merge`` their
    results into the task's, and the result ``failed`` gives for an item whose process died."""

    split: Callable[[T], list[T]]
    merge: Callable[[list[R]], R]
    failed: Callable[[T], R]


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C, which the terminal sends to the whole process group, is the parent's to handle
    (it stops the map and says so once); a worker taking it would print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _workers(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(jobs, initializer=_ignore_interrupts)


def _alone(function: Callable[[T], R], task: T) -> R:
    """``function(task)`` in a process of its own; :class:`BrokenProcessPool` if that process dies."""
    with _workers(1) as pool:
        return pool.submit(function, task).result()


def _isolated(function: Callable[[T], R], task: T, crashes: Crashes[T, R]) -> R:
    try:
        return _alone(function, task)
    except BrokenProcessPool:
        pass
    results = []
    for item in crashes.split(task):
        try:
            results.append(_alone(function, item))
        except BrokenProcessPool:
            results.append(crashes.failed(item))
    return crashes.merge(results)


def _pooled(
    function: Callable[[T], R], tasks: list[T], jobs: int, crashes: Crashes[T, R] | None
) -> Iterator[R]:
    """``function`` over ``tasks`` in a pool of ``jobs`` processes, results in order."""
    pool = _workers(jobs)
    out: deque[tuple[T, Future]] = deque()
    pending = iter(tasks)
    try:
        while True:
            for task in pending:
                out.append((task, pool.submit(function, task)))
                if len(out) >= 2 * jobs:
                    break
            if not out:
                return
            task, future = out[0]
            try:
                result = future.result()
            except BrokenProcessPool:
                if crashes is None:
                    raise
                pool.shutdown(wait=False, cancel_futures=True)
                # the task that killed a worker is among those out: each runs again alone
                for task, _ in out:
                    yield _isolated(function, task, crashes)
                out.clear()
                pool = _workers(jobs)
                continue
            out.popleft()
            yield result
    finally:
        pool.shutdown(cancel_futures=True)


def map_chunks(
    function: Callable[[T], R],
    tasks: list[T],
    jobs: int,
    progress: Progress | None,
    stage: str,
    sizes: list[int],
    crashes: Crashes[T, R] | None = None,
) -> Iterator[R]:
    """``function`` over ``tasks`` in ``jobs`` processes (1: in this one), results in order; ``progress(stage,
    done, total)`` counts ``sizes`` (the items in each task). Stopping the iteration cancels what is left.
    With ``crashes``, a worker process that dies is survived (module docstring)."""
    total, done = sum(sizes), 0
    if progress:
        progress(stage, 0, total)
    results = _pooled(function, tasks, jobs, crashes) if jobs > 1 else map(function, tasks)
    for size, result in zip(sizes, results, strict=True):
        done += size
        if progress:
            progress(stage, done, total)
        yield result
