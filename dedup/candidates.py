"""Candidate article pairs from window signatures by LSH banding, and boilerplate by document frequency.

A signature of ``b * r`` MinHash values is cut into ``b`` bands of ``r`` rows; two windows become candidates
when all rows of at least one band agree. For windows of Jaccard similarity ``s`` that happens with
probability ``P(s) = 1 - (1 - s^r)^b`` (the LSH S-curve). :func:`lsh_parameters` picks ``(b, r)`` minimising
the weighted areas under the curve below a threshold (false positives) and above it (false negatives),
the criterion of ``datasketch.MinHashLSH``.

Band keys are computed for all windows at once in numpy and grouped by sorting. A block whose *whole*
signature recurs in many documents is boilerplate (agency footers, disclaimers, "Share this article"):
it is reported apart, never as reuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dedup.errors import SettingsError

__all__ = [
    "lsh_parameters",
    "band_keys",
    "Candidates",
    "candidate_pairs",
    "partition_keys",
    "merge_candidates",
    "boilerplate_blocks",
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


def _groups(keys: np.ndarray, window_docs: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(windows, distinct documents)`` of every key held by windows of two or more documents."""
    flat_keys = keys.ravel()
    flat_windows = np.repeat(np.arange(keys.shape[0]), keys.shape[1])
    order = np.argsort(flat_keys, kind="stable")
    sorted_keys, sorted_windows = flat_keys[order], flat_windows[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        windows = sorted_windows[start : start + size]
        docs = np.unique(window_docs[windows])
        if len(docs) > 1:
            yield windows, docs


def _entries(keys: np.ndarray, window_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(window, band)`` entry as its key and its window's document, flat."""
    return keys.ravel(), window_docs[np.repeat(np.arange(keys.shape[0]), keys.shape[1])]


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbours begins in sorted ``values``."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def _bucket_members(keys: np.ndarray, window_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every bucket's distinct documents, ascending and laid end to end: ``(documents, starts, sizes)``.

    Each ``(key, document)`` entry is packed into one 64-bit word (key above, document below), so one
    in-place sort groups buckets and orders their documents, and equal neighbours are repeated entries.
    """
    if len(window_docs) and int(window_docs.max()) >= 1 << DOC_BITS:
        raise SettingsError(f"a scan holds at most {1 << DOC_BITS:,} documents")
    if keys.size and int(keys.max()) >= 1 << KEY_BITS:
        raise SettingsError(f"bucket keys must be below 2**{KEY_BITS} (see band_keys)")
    packed = keys.astype(np.uint64) << np.uint64(DOC_BITS)
    packed |= window_docs.astype(np.uint64)[:, None]
    packed = packed.ravel()
    packed.sort()
    packed = packed[_run_starts(packed)]
    starts = _run_starts(packed >> np.uint64(DOC_BITS))
    sizes = np.diff(np.r_[starts, len(packed)])
    documents = (packed & np.uint64((1 << DOC_BITS) - 1)).astype(np.int32)  # DOC_BITS < 32
    return documents, starts, sizes


_PASS_PAIRS = 1 << 24  # pair codes sorted at once: bounds memory whatever the number of chance collisions


def candidate_pairs(
    keys: np.ndarray, window_docs: np.ndarray, *, max_bucket_docs: int, min_shared: int
) -> Candidates:
    """Pairs of documents whose windows share at least ``min_shared`` buckets over all bands.

    ``keys`` is ``(n_windows, bands)`` from :func:`band_keys`; ``window_docs[w]`` is the document of window
    ``w``. A bucket holding more than ``max_bucket_docs`` documents is too common to say anything and
    pairs nobody. Counting shared buckets separates reuse (many windows agree, in many bands) from
    documents that merely share a topic (a chance collision or two).

    Every bucket of ``k`` documents yields its ``k (k - 1) / 2`` pairs, coded ``i * 2**31 + j``; codes are
    counted by sorting. Chance collisions make these incidences hundreds of millions in a large corpus, so
    they are counted in passes over ranges of the first document ``i``, each pass's pairs complete (all of
    ``i``'s buckets are seen in it) and filtered at once, so memory holds one pass only.
    """
    documents, starts, sizes = _bucket_members(keys, window_docs)
    useful = (sizes >= 2) & (sizes <= max_bucket_docs)
    starts, sizes = starts[useful], sizes[useful]
    total = int((sizes * (sizes - 1) // 2).sum())
    n_docs = int(documents.max()) + 1 if len(documents) else 0
    passes = max(1, -(-total // _PASS_PAIRS))
    bounds = np.linspace(0, n_docs, passes + 1).astype(np.int64)
    found_codes, found_counts = [], []
    groups = [(size, starts[sizes == size]) for size in np.unique(sizes).tolist()]
    for low, high in zip(bounds[:-1], bounds[1:], strict=True):
        codes = []
        # buckets of one size at a time, all at once: a (buckets, size) matrix of documents, paired by triu
        for size, group_starts in groups:
            members = documents[group_starts[:, None] + np.arange(size)].astype(np.int64)
            first, second = np.triu_indices(size, k=1)
            left, right = members[:, first].ravel(), members[:, second].ravel()
            inside = (left >= low) & (left < high)
            codes.append(left[inside] * _PAIR_BASE + right[inside])
        counted = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
        counted.sort()
        boundaries = _run_starts(counted)
        counts = np.diff(np.r_[boundaries, len(counted)])
        keep = counts >= min_shared
        found_codes.append(counted[boundaries[keep]])
        found_counts.append(counts[keep])
    codes = np.concatenate(found_codes) if found_codes else np.zeros(0, dtype=np.int64)
    shared = np.concatenate(found_counts).astype(np.int64) if found_counts else np.zeros(0, dtype=np.int64)
    return Candidates(np.stack([codes // _PAIR_BASE, codes % _PAIR_BASE], axis=1).astype(np.int64), shared)


def partition_keys(
    keys: np.ndarray, window_docs: np.ndarray, parts: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(keys, documents)`` of every ``(window, band)`` entry, split into ``parts`` by ``key % parts``.

    Every bucket lies wholly in one part, so :func:`candidate_pairs` over each part (keys as one column)
    and :func:`merge_candidates` of the results equal :func:`candidate_pairs` over all keys: the shuffle of a
    distributed scan.
    """
    flat_keys, flat_docs = _entries(keys, window_docs)
    which = flat_keys % np.uint64(parts)
    return [(flat_keys[which == p].reshape(-1, 1), flat_docs[which == p]) for p in range(parts)]


def merge_candidates(parts: list[Candidates], min_shared: int) -> Candidates:
    """Candidates found in disjoint sets of buckets, with their shared buckets summed, at ``min_shared``."""
    codes = np.concatenate(
        [c.pairs[:, 0] * _PAIR_BASE + c.pairs[:, 1] for c in parts] or [np.zeros(0, np.int64)]
    )
    counts = np.concatenate([c.shared for c in parts] or [np.zeros(0, np.int64)])
    unique, inverse = np.unique(codes, return_inverse=True)
    shared = np.bincount(inverse, weights=counts, minlength=len(unique)).astype(np.int64)
    keep = shared >= min_shared
    unique, shared = unique[keep], shared[keep]
    return Candidates(np.stack([unique // _PAIR_BASE, unique % _PAIR_BASE], axis=1).astype(np.int64), shared)


def boilerplate_blocks(full_keys: np.ndarray, block_docs: np.ndarray, min_docs: int) -> np.ndarray:
    """Blocks whose whole signature recurs in more than ``min_docs`` documents (footers, disclaimers)."""
    flags = np.zeros(len(full_keys), dtype=bool)
    for windows, docs in _groups(full_keys.reshape(-1, 1), block_docs):
        if len(docs) > min_docs:
            flags[windows] = True
    return flags


_PAIR_BASE = np.int64(2**31)
