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


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per window and band, shape ``(n_windows, bands)`` (band index mixed in)."""
    values = signatures[:, : bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    with np.errstate(over="ignore"):
        keys = (values * _MIX[:rows]).sum(axis=2, dtype=np.uint64)
        keys ^= _MIX[rows : rows + bands] * np.uint64(0x9E3779B97F4A7C15)
    return keys


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


def candidate_pairs(
    keys: np.ndarray, window_docs: np.ndarray, *, max_bucket_docs: int, min_shared: int
) -> Candidates:
    """Pairs of documents whose windows share at least ``min_shared`` buckets over all bands.

    ``keys`` is ``(n_windows, bands)`` from :func:`band_keys`; ``window_docs[w]`` is the document of window
    ``w``. A bucket holding more than ``max_bucket_docs`` documents is too common to say anything and
    pairs nobody. Counting shared buckets separates reuse (many windows agree, in many bands) from
    documents that merely share a topic (a chance collision or two).
    """
    if not keys.size:
        return Candidates(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    flat_keys, flat_docs = _entries(keys, window_docs)
    order = np.lexsort((flat_docs, flat_keys))
    sorted_keys, sorted_docs = flat_keys[order], flat_docs[order]
    distinct = np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]) | (sorted_docs[1:] != sorted_docs[:-1])]
    sorted_keys, sorted_docs = sorted_keys[distinct], sorted_docs[distinct]  # one entry per (key, document)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    found = []
    # buckets of one size at a time, all at once: a (buckets, size) matrix of documents, paired by triu indices
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_bucket_docs)]).tolist():
        members = sorted_docs[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, k=1)
        found.append((members[:, first] * _PAIR_BASE + members[:, second]).ravel())
    if not sum(len(f) for f in found):
        return Candidates(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    codes, shared = np.unique(np.concatenate(found), return_counts=True)
    keep = shared >= min_shared
    codes, shared = codes[keep], shared[keep]
    return Candidates(np.stack([codes // _PAIR_BASE, codes % _PAIR_BASE], axis=1), shared)


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
