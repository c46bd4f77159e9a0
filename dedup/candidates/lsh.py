"""Candidate article pairs from window signatures by LSH banding.

A signature of ``b * r`` MinHash values is cut into ``b`` bands of ``r`` rows; two windows become candidates
when all rows of at least one band agree. For windows of Jaccard similarity ``s`` that happens with
probability ``P(s) = 1 - (1 - s^r)^b`` (the LSH S-curve). :func:`lsh_parameters` picks ``(b, r)`` minimising
the weighted areas under the curve below a threshold (false positives) and above it (false negatives),
the criterion of ``datasketch.MinHashLSH``.

Band keys are computed for all windows at once in numpy and grouped by sorting. (Blocks recurring in many
documents are boilerplate: :mod:`dedup.candidates.blocks`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.errors import SettingsError

__all__ = [
    "lsh_parameters",
    "band_keys",
    "Candidates",
    "candidate_pairs",
    "check_documents",
    "pack_entries",
    "candidates_of_packed",
    "partition_keys",
    "useful_buckets",
    "buckets_by_document",
    "route_buckets",
    "joined",
    "candidates_in_range",
    "s_curve",
]


def s_curve(similarity: np.ndarray | float, bands: int, rows: int) -> np.ndarray | float:
    """``P(s) = 1 - (1 - s^r)^b``: probability that windows of Jaccard ``s`` share a band."""
    return 1.0 - (1.0 - np.power(similarity, rows)) ** bands


def lsh_parameters(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` minimising the weighted error around ``threshold``."""
    if not 0.0 < threshold < 1.0:
        raise SettingsError(f"LSH threshold must be between 0 and 1 (exclusive), got {threshold}")
    grid = np.linspace(0.0, 1.0, 1001)
    below, above = grid <= threshold, grid >= threshold
    best, best_error = (1, 1), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            curve = s_curve(grid, bands, rows)
            false_positive = np.trapezoid(curve[below], grid[below])
            false_negative = np.trapezoid(1.0 - curve[above], grid[above])
            error = false_positive_weight * false_positive + false_negative_weight * false_negative
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


_MIX = np.random.default_rng(20201218).integers(1, 2**63, size=1024, dtype=np.uint64) | np.uint64(1)


KEY_BITS = 37


DOC_BITS = 64 - KEY_BITS  # a bucket key and a document number share one sortable 64-bit word


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One ``KEY_BITS``-bit key per window and band, shape ``(n_windows, bands)`` (band index mixed in).

    Keys are hashes of the band's rows: two distinct bands share a key with probability ``2**-37``, so
    among ``m`` distinct bands about ``m**2 / 2**38`` pairs of buckets merge by chance (600 for the 13 M
    bands of 100k news articles), each pairing unrelated articles in one bucket only: far below
    ``min_shared_buckets``.
    """
    values = signatures[:, : bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    with np.errstate(over="ignore"):
        keys = (values * _MIX[:rows]).sum(axis=2, dtype=np.uint64)
        keys ^= _MIX[rows : rows + bands] * np.uint64(0x9E3779B97F4A7C15)
    return keys >> np.uint64(64 - KEY_BITS)


@dataclass(frozen=True)
class Candidates:
    """Unique document pairs ``(i, j)``, ``i < j``, sharing at least ``min_shared`` buckets, and how many."""

    pairs: np.ndarray  # (n_pairs, 2) int64
    shared: np.ndarray  # (n_pairs,) buckets each pair shares


def _entries(keys: np.ndarray, window_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(window, band)`` entry as its key and its window's document, flat."""
    return keys.ravel(), window_docs[np.repeat(np.arange(keys.shape[0]), keys.shape[1])]


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbours begins in sorted ``values``."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def _frequent(values: np.ndarray, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values that occur at least ``minimum`` times in sorted ``values``, and how often: such a
    value equals the one ``minimum - 1`` places on, so only those few values are counted, by binary search."""
    reach = max(minimum, 1) - 1
    head = values[: max(len(values) - reach, 0)]
    frequent = head[values[reach:] == head]
    frequent = frequent[run_starts(frequent)]
    return frequent, np.searchsorted(values, frequent, "right") - np.searchsorted(values, frequent, "left")


def check_documents(count: int) -> None:
    """Refuse a scan of more documents than an entry's document bits number."""
    if count > 1 << DOC_BITS:
        raise SettingsError(f"a scan holds at most {1 << DOC_BITS:,} documents")


def pack_entries(keys: np.ndarray, window_docs: np.ndarray) -> np.ndarray:
    """Every ``(window, band)`` entry as one 64-bit word: its bucket key above, its document below."""
    if len(window_docs):
        check_documents(int(window_docs.max()) + 1)
    if keys.size and int(keys.max()) >= 1 << KEY_BITS:
        raise SettingsError(f"bucket keys must be below 2**{KEY_BITS} (see band_keys)")
    packed = keys.astype(np.uint64) << np.uint64(DOC_BITS)
    packed |= np.asarray(window_docs, dtype=np.uint64)[:, None]
    return packed.ravel()


_CHUNK = 1 << 20  # sorted entries examined at once: their temporaries are a few times their size


def useful_buckets(packed: np.ndarray, max_bucket_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct documents of every bucket holding 2 to ``max_bucket_docs`` of them, ascending and laid
    end to end, and each such bucket's size. ``packed`` is sorted (in place), so buckets are runs; it is read
    in chunks cut at bucket boundaries and only the useful buckets are kept (most hold one document).

    A bucket holding more documents is a star instead: its first document paired with each other one, as
    buckets of two. Pairing all of them would be quadratic, and ignoring them would never pair a wire story
    republished by more outlets than the limit; its first document recurs in all of the story's buckets, so
    every copy reaches ``min_shared`` with it, while chance collisions rarely share a first document."""
    packed.sort()
    documents, sizes = [], []
    start = 0
    while start < len(packed):
        end = min(start + _CHUNK, len(packed))
        if end < len(packed):  # move the cut to the end of the bucket it falls in
            next_key = (packed[end - 1] >> np.uint64(DOC_BITS)) + np.uint64(1)
            end = int(np.searchsorted(packed, next_key << np.uint64(DOC_BITS)))
        chunk = packed[start:end]
        chunk = chunk[run_starts(chunk)]  # one entry per (bucket, document)
        starts = run_starts(chunk >> np.uint64(DOC_BITS))
        chunk_sizes = np.diff(np.r_[starts, len(chunk)])
        chunk_docs = (chunk & np.uint64((1 << DOC_BITS) - 1)).astype(np.int32)
        useful = (chunk_sizes >= 2) & (chunk_sizes <= max_bucket_docs)
        documents.append(chunk_docs[np.repeat(useful, chunk_sizes)])
        sizes.append(chunk_sizes[useful].astype(np.int32))
        in_star = np.repeat(chunk_sizes > max_bucket_docs, chunk_sizes)
        in_star[starts] = False  # the first document is the centre, paired with each of the others
        centres = np.repeat(chunk_docs[starts], chunk_sizes)
        documents.append(np.stack([centres[in_star], chunk_docs[in_star]], axis=1).ravel())
        sizes.append(np.full(int(in_star.sum()), 2, dtype=np.int32))
        start = end
    if not documents:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    return np.concatenate(documents), np.concatenate(sizes)


_PAIR_BASE = np.int64(2**31)  # a pair (i, j) as one sortable code i * base + j
_PASS_PAIRS = 1 << 24  # pair codes sorted at once: bounds memory whatever the number of chance collisions


def candidate_pairs(
    keys: np.ndarray, window_docs: np.ndarray, *, max_bucket_docs: int, min_shared: int
) -> Candidates:
    """Pairs of documents whose windows share at least ``min_shared`` buckets over all bands.

    ``keys`` is ``(n_windows, bands)`` from :func:`band_keys`; ``window_docs[w]`` is the document of window
    ``w``. A bucket holding more than ``max_bucket_docs`` documents pairs its first document with each
    of the others only (a star, see :func:`useful_buckets`). Counting shared buckets separates reuse
    (many windows agree, in many bands) from documents that merely share a topic (a chance collision or
    two).
    """
    return candidates_of_packed(
        pack_entries(keys, window_docs), max_bucket_docs=max_bucket_docs, min_shared=min_shared
    )


def candidates_of_packed(packed: np.ndarray, *, max_bucket_docs: int, min_shared: int) -> Candidates:
    """:func:`candidate_pairs` from entries of :func:`pack_entries` (sorted in place).

    Each ``(key, document)`` entry is one 64-bit word, so one in-place sort groups buckets and orders their
    documents. Every bucket of ``k`` documents yields its ``k (k - 1) / 2`` pairs, coded ``i * 2**31 + j``
    and counted by sorting (:func:`_count_pairs`).
    """
    groups = _bucket_groups(*useful_buckets(packed, max_bucket_docs))
    return _count_pairs(groups, min_shared=min_shared)


def _bucket_groups(documents: np.ndarray, sizes: np.ndarray) -> list[np.ndarray]:
    """Buckets laid end to end as one ``(buckets, size)`` matrix of documents per size, rows ascending.

    Each matrix is allocated once, from the count of buckets of its size, and filled ``_CHUNK`` buckets at a
    time: the offsets of every bucket at once (8 bytes each, and temporaries as large) were the peak of a
    million articles' first range of documents."""
    counts = np.bincount(sizes) if len(sizes) else np.zeros(0, dtype=np.int64)
    groups = {
        size: np.empty((count, size), dtype=documents.dtype)
        for size, count in enumerate(counts.tolist())
        if count
    }
    filled = dict.fromkeys(groups, 0)
    offset = 0
    for first in range(0, len(sizes), _CHUNK):
        part = sizes[first : first + _CHUNK]
        starts = np.cumsum(part, dtype=np.int64)
        starts -= part  # in place: int64, whatever the offset
        starts += offset
        offset = int(starts[-1]) + int(part[-1])
        for size in np.unique(part).tolist():
            at = starts[part == size]
            groups[size][filled[size] : filled[size] + len(at)] = documents[at[:, None] + np.arange(size)]
            filled[size] += len(at)
    return [groups[size] for size in sorted(groups)]


def _count_pairs(
    groups: list[np.ndarray], *, min_shared: int, low: int = 0, high: int | None = None
) -> Candidates:
    """The pairs ``(i, j)`` of the buckets in ``groups`` sharing at least ``min_shared`` of them, for first
    documents ``i`` in ``[low, high)`` (all when ``high`` is None): exact when ``groups`` hold every bucket
    in which such an ``i`` comes first.

    Chance collisions make the incidences hundreds of millions in a large corpus, so they are counted in
    passes over ranges of ``i``, each pass's pairs complete and filtered at once: memory holds one pass only.
    """
    n_docs = max((int(members.max()) + 1 for members in groups if members.size), default=0)
    high = n_docs if high is None else min(high, n_docs)
    if high <= low:
        return Candidates(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    # pairs each document of the range is first in; counted over the range alone, since every column of
    # every bucket size is counted apart: over the whole corpus that is quadratic in a scan cut in ranges
    pairs_of = np.zeros(high - low, dtype=np.int64)
    for members in groups:  # the document in column p of a sorted row is first in size - 1 - p pairs
        size = members.shape[1]
        for column in range(size - 1):  # a column, and _CHUNK rows, at a time: small temporaries
            for first in range(0, len(members), _CHUNK):
                firsts = members[first : first + _CHUNK, column]
                firsts = firsts[(firsts >= low) & (firsts < high)] - low
                pairs_of += (size - 1 - column) * np.bincount(firsts, minlength=high - low)
    cumulative = np.cumsum(pairs_of)
    bounds = low + np.unique(
        np.r_[
            0,
            np.searchsorted(cumulative, np.arange(_PASS_PAIRS, int(cumulative[-1]), _PASS_PAIRS)),
            high - low,
        ]
    )
    found_codes, found_counts = [], []
    for first_low, first_high in zip(bounds[:-1], bounds[1:], strict=True):
        counted = np.empty(int(pairs_of[first_low - low : first_high - low].sum()), dtype=np.int64)
        filled = 0
        for members in groups:
            # a row (sorted) has a first document of a pair in the range only if its smallest document is
            # below ``first_high`` and its second largest (the last that comes first in a pair) reaches
            # ``first_low``
            rows = members[(members[:, 0] < first_high) & (members[:, -2] >= first_low)]
            first, second = np.triu_indices(rows.shape[1], k=1)
            left = rows[:, first].ravel().astype(np.int64)
            inside = (left >= first_low) & (left < first_high)
            codes = left[inside] * _PAIR_BASE + rows[:, second].ravel()[inside]
            counted[filled : filled + len(codes)] = codes
            filled += len(codes)
        counted.sort()
        codes, counts = _frequent(counted, min_shared)
        found_codes.append(codes)
        found_counts.append(counts)
    codes = np.concatenate(found_codes) if found_codes else np.zeros(0, dtype=np.int64)
    shared = np.concatenate(found_counts).astype(np.int64) if found_counts else np.zeros(0, dtype=np.int64)
    return Candidates(np.stack([codes // _PAIR_BASE, codes % _PAIR_BASE], axis=1).astype(np.int64), shared)


def partition_keys(
    keys: np.ndarray, window_docs: np.ndarray, parts: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(keys, documents)`` of every ``(window, band)`` entry, split into ``parts`` by ``key % parts``:
    every bucket lies wholly in one part (the first shuffle of a distributed scan, see
    :func:`buckets_by_document`)."""
    flat_keys, flat_docs = _entries(keys, window_docs)
    which = flat_keys % np.uint64(parts)
    return [(flat_keys[which == p], flat_docs[which == p]) for p in range(parts)]


def buckets_by_document(
    pieces: list[tuple[np.ndarray, np.ndarray]], *, max_bucket_docs: int, bounds: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The useful buckets of one key partition (its ``(keys, documents)`` pieces), sent on by document
    (:func:`route_buckets`).

    Then :func:`candidates_in_range` over what a range received from every key partition finds exactly the
    :func:`candidate_pairs` whose first document is in the range, and only those return: the pairs sharing a
    single bucket (hundreds of millions in a large corpus) never leave the workers.
    """
    keys = np.concatenate([k for k, _ in pieces]) if pieces else np.zeros(0, dtype=np.uint64)
    docs = np.concatenate([d for _, d in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    return route_buckets(*useful_buckets(pack_entries(keys[:, None], docs), max_bucket_docs), bounds)


def route_buckets(
    documents: np.ndarray, sizes: np.ndarray, bounds: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Buckets (from :func:`useful_buckets`) sent to ranges of documents: to each range ``[bounds[r],
    bounds[r + 1])``, from every bucket in which one of its documents comes first in a pair, that document
    and those after it (the others are in none of the range's pairs), as ``(documents laid end to end,
    sizes)``."""
    ranges = len(bounds) - 1
    if ranges == 1:
        return [(documents, sizes)]
    bucket_ends = np.cumsum(sizes)
    ends = np.repeat(bucket_ends, sizes)  # where each document's bucket ends
    where = np.searchsorted(bounds, documents, "right") - 1
    # documents ascend in a bucket, so their ranges do: a range's part of a bucket begins where the range
    # changes, and never at the largest document of a bucket, which is first in none of its pairs
    begins = np.r_[True, where[1:] != where[:-1]] if len(where) else np.zeros(0, dtype=bool)
    begins[bucket_ends - sizes] = True
    begins[ends - 1] = False
    begins = np.flatnonzero(begins)
    # the beginnings grouped by range, in bucket order within each (a stable sort of small integers is a
    # radix sort: one pass, where a comparison with every range would be one pass per range)
    range_of = where[begins].astype(np.int16 if ranges <= np.iinfo(np.int16).max else np.int64)
    grouped = begins[np.argsort(range_of, kind="stable")]
    cuts = np.r_[0, np.cumsum(np.bincount(range_of, minlength=ranges))]
    del range_of
    result = []
    for part in range(ranges):
        first = grouped[cuts[part] : cuts[part + 1]]
        lengths = ends[first] - first
        before = np.cumsum(lengths) - lengths
        chosen = np.arange(int(lengths.sum())) + np.repeat(first - before, lengths)
        result.append((documents[chosen], lengths.astype(sizes.dtype)))
    return result


def joined(ranges: Sequence[Candidates]) -> Candidates:
    """The candidates of ascending, disjoint ranges of first documents, as one sorted set."""
    if not ranges:
        return Candidates(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    return Candidates(
        np.concatenate([c.pairs for c in ranges]).reshape(-1, 2), np.concatenate([c.shared for c in ranges])
    )


def candidates_in_range(
    received: list[tuple[np.ndarray, np.ndarray]], *, min_shared: int, low: int, high: int
) -> Candidates:
    """The candidate pairs whose first document is in ``[low, high)``, from the buckets
    :func:`buckets_by_document` sent to that range by every key partition. ``received`` is emptied, so that
    its arrays are freed once the buckets are grouped."""
    if len(received) == 1:
        documents, sizes = received.pop()
    else:
        documents = np.concatenate([d for d, _ in received]) if received else np.zeros(0, dtype=np.int32)
        sizes = np.concatenate([s for _, s in received]) if received else np.zeros(0, dtype=np.int32)
        received.clear()
    groups = _bucket_groups(documents, sizes)
    del documents, sizes  # the groups hold copies: the range's buckets are held once while counting
    return _count_pairs(groups, min_shared=min_shared, low=low, high=high)
