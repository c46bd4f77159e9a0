"""Exact runs of shared tokens between two texts, and their clustering across small gaps (token spans are
half-open ``[first, last)``: ``(a_first, a_last, b_first, b_last)``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.align.prepare import ngram_hashes

Span = tuple[int, int, int, int]  # a_first, a_last, b_first, b_last (tokens)


_MAX_GRAM_REPEATS = 100  # an n-gram repeated more often in one text ("the the the") seeds nothing


def exact_runs(a: Sequence[str] | np.ndarray, b: Sequence[str] | np.ndarray, n: int) -> list[Span]:
    """Maximal runs of equal tokens, at least ``n`` long, as ``(a_first, a_last, b_first, b_last)``.

    ``a`` and ``b`` are token forms, or their :func:`ngram_hashes`. Matching n-grams are found by sorting;
    matches on one diagonal (``j - i``) at consecutive positions form one run.
    """
    a_grams = a if isinstance(a, np.ndarray) else ngram_hashes(a, n)
    b_grams = b if isinstance(b, np.ndarray) else ngram_hashes(b, n)
    if not len(a_grams) or not len(b_grams):
        return []
    order = np.argsort(b_grams)
    sorted_b = b_grams[order]
    left, right = np.searchsorted(sorted_b, a_grams, "left"), np.searchsorted(sorted_b, a_grams, "right")
    counts = right - left
    counts[counts > _MAX_GRAM_REPEATS] = 0
    total = int(counts.sum())
    if not total:
        return []
    i = np.repeat(np.arange(len(a_grams)), counts)
    j = order[np.repeat(left - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(total)]
    # the matches by diagonal, then position: one sort of (diagonal, i) packed in a word (each match once,
    # so the order is lexsort's; positions are below 2**32)
    packed = np.sort((j - i + len(a_grams)) << 32 | i)
    i, diagonal = packed & 0xFFFFFFFF, (packed >> 32) - len(a_grams)
    starts = np.flatnonzero(np.r_[True, (diagonal[1:] != diagonal[:-1]) | (i[1:] != i[:-1] + 1)])
    lengths = np.diff(np.r_[starts, len(i)]) + n - 1
    first_a, first_b = i[starts], i[starts] + diagonal[starts]
    runs = zip(
        first_a.tolist(),
        (first_a + lengths).tolist(),
        first_b.tolist(),
        (first_b + lengths).tolist(),
        strict=True,
    )
    return sorted(runs)


def split_at_gaps(group: list[Span], side: int, max_gap: int) -> list[list[Span]]:
    ordered = sorted(group, key=lambda span: span[side])
    parts = [[ordered[0]]]
    reach = ordered[0][side + 1]
    for span in ordered[1:]:
        if span[side] - reach > max_gap:
            parts.append([])
        parts[-1].append(span)
        reach = max(reach, span[side + 1])
    return parts


def cluster(spans: list[Span], max_gap: int) -> list[list[Span]]:
    """Group spans so that within a group no gap on either side exceeds ``max_gap`` tokens."""
    pending = [spans] if spans else []
    groups = []
    while pending:
        group = pending.pop()
        parts = split_at_gaps(group, 0, max_gap)
        if len(parts) == 1:
            parts = split_at_gaps(group, 2, max_gap)
            if len(parts) == 1:
                groups.append(group)
                continue
        pending.extend(parts)
    return groups


def extent(group: Sequence[Span]) -> Span:
    return (
        min(s[0] for s in group),
        max(s[1] for s in group),
        min(s[2] for s in group),
        max(s[3] for s in group),
    )
