"""A local scan's LSH band entries kept on disk, and its candidate pairs counted from them a part at a time,
so that the scanning process never holds every window's band keys nor every useful bucket.

Each signed chunk's entries (:func:`~dedup.candidates.lsh.pack_entries`: bucket key above, document number
below) are sorted and written to one file as the chunk arrives, and its articles drop their keys. Band keys
are hashes, so equal ranges of keys split the entries evenly: key partition ``p`` is the slice of every
file between two keys, found by binary search, and holds whole buckets. Each partition's useful buckets are
sent to ranges of documents (:func:`~dedup.candidates.lsh.route_buckets`; files again: the Dask engine's
second shuffle, on one disk), and each range's pairs are counted alone
(:func:`~dedup.candidates.lsh.candidates_in_range`). Memory holds one partition (about
``PARTITION_ENTRIES`` entries) or one range at a time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dedup.candidates.lsh import (
    DOC_BITS,
    KEY_BITS,
    Candidates,
    candidates_in_range,
    check_documents,
    joined,
    route_buckets,
    useful_buckets,
)
from dedup.corpus.stages import SignedChunk
from dedup.output import OutputError
from dedup.parallel import Progress
from dedup.settings import Settings

__all__ = ["BandEntries"]

# 2**25 entries (256 MB) per key partition: what counting holds at once, a few times over in temporaries
PARTITION_ENTRIES = 1 << 25
# a bucket goes to each range where one of its documents is first in a pair, so ranges receive more than
# partitions hold (3.4 times at 200k synthetic articles, 11 ranges): more ranges, each smaller
RANGES_PER_PARTITION = 4
_STAGE = "counting shared buckets"


class BandEntries:
    """The band entries of a scan's articles, in sorted files of ``folder``, one per chunk added."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.files: list[Path] = []
        self.count = 0

    def add(self, chunk: SignedChunk, first_doc: int) -> None:
        """Write the sorted entries of ``chunk``, whose documents are numbered from 0, as documents from
        ``first_doc`` on (the chunk's entries are changed in place)."""
        entries = chunk.entries
        check_documents(first_doc + len(chunk.signed))
        if not entries.size:
            return
        entries += np.uint64(first_doc)  # the document is the low bits: the order of entries is kept
        path = self.folder / f"entries-{len(self.files)}.u64"
        with _writing(path):
            entries.tofile(path)
        self.files.append(path)
        self.count += entries.size

    def candidates(
        self,
        documents: int,
        settings: Settings,
        progress: Progress | None = None,
        *,
        partition_entries: int = PARTITION_ENTRIES,
    ) -> Candidates:
        """The pairs of the ``documents`` added sharing at least ``min_shared_buckets`` buckets, as
        :func:`~dedup.candidates.lsh.candidate_pairs` finds them; the entry files are removed. ``progress``
        counts partitions, then ranges, as the stage ``counting shared buckets``."""
        parts = max(1, math.ceil(self.count / partition_entries))
        # partition p: the keys from (p << KEY_BITS) // parts, the first word of an entry with such a key
        word_bounds = np.array(
            [((p << KEY_BITS) // parts) << DOC_BITS for p in range(1, parts)], dtype=np.uint64
        )
        ranges = parts if parts == 1 else RANGES_PER_PARTITION * parts
        doc_bounds = np.linspace(0, documents, ranges + 1).round().astype(np.int64)
        range_files = [
            (self.folder / f"range-{r}.docs", self.folder / f"range-{r}.sizes") for r in range(ranges)
        ]
        cuts = [_cuts(path, word_bounds) for path in self.files]
        report = progress or (lambda stage, done, total: None)
        report(_STAGE, 0, parts + ranges)
        for p in range(parts):
            packed = np.concatenate(
                [_read(path, cut[p], cut[p + 1]) for path, cut in zip(self.files, cuts, strict=True)]
                or [np.zeros(0, dtype=np.uint64)]
            )
            buckets = useful_buckets(packed, settings.max_bucket_docs)
            del packed
            for (docs_path, sizes_path), (docs, sizes) in zip(
                range_files, route_buckets(*buckets, doc_bounds), strict=True
            ):
                _append(docs_path, docs)
                _append(sizes_path, sizes)
            del buckets
            report(_STAGE, p + 1, parts + ranges)
        for path in self.files:
            path.unlink()
        self.files, self.count = [], 0
        found = []
        for r, (docs_path, sizes_path) in enumerate(range_files):
            found.append(
                _range_candidates(docs_path, sizes_path, settings, int(doc_bounds[r]), int(doc_bounds[r + 1]))
            )
            report(_STAGE, parts + r + 1, parts + ranges)
        return joined(found)


def _range_candidates(
    docs_path: Path, sizes_path: Path, settings: Settings, low: int, high: int
) -> Candidates:
    """:func:`~dedup.candidates.lsh.candidates_in_range` of one range's files, which are removed."""
    received = [(np.fromfile(docs_path, dtype=np.int32), np.fromfile(sizes_path, dtype=np.int32))]
    docs_path.unlink()
    sizes_path.unlink()
    return candidates_in_range(received, min_shared=settings.min_shared_buckets, low=low, high=high)


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A full disk is the scan's problem, not an article's: a clear error (as for the texts beside)."""
    try:
        yield
    except OSError as error:
        raise OutputError(
            f"{path}: the scan's band keys cannot be written ({error.strerror or error}); TMPDIR needs room for "
            "about the corpus's text again"
        ) from None


def _append(path: Path, values: np.ndarray) -> None:
    with _writing(path), open(path, "ab") as handle:
        values.astype(np.int32, copy=False).tofile(handle)


_WORD = np.dtype(np.uint64).itemsize


def _cuts(path: Path, word_bounds: np.ndarray) -> list[int]:
    """Where in the sorted entries of ``path`` each key partition begins, and the end."""
    mapped = np.memmap(path, dtype=np.uint64, mode="r")  # binary search touches a few pages only
    cuts = [0, *np.searchsorted(mapped, word_bounds).tolist(), len(mapped)]
    del mapped
    return cuts


def _read(path: Path, start: int, end: int) -> np.ndarray:
    """Entries ``start`` to ``end`` of ``path``, read into memory (a memory map would stay resident)."""
    return np.fromfile(path, dtype=np.uint64, count=end - start, offset=start * _WORD)
