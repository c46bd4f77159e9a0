"""The region view of passages that PAN-style scorers expect: one character span per reuse, whatever the
passages' kinds (benchmarks only; users receive the passages)."""

from __future__ import annotations

from collections.abc import Sequence

from dedup.align.runs import cluster, extent, split_at_gaps
from dedup.model import CharSpan, Passage
from dedup.settings import Settings

__all__ = ["regions"]


def regions(passages: Sequence[Passage], settings: Settings, b_length: int | None = None) -> list[CharSpan]:
    """One character span per reuse: what a scorer such as PAN's expects, whatever the passages' kinds.

    Passages within ``region_gap_chars`` on both sides merge. Then passages that stay within that gap in
    ``a`` but spread further over ``b`` merge too when the result is summary-shaped (its ``b`` side at least
    ``summary_ratio`` times longer than its ``a`` side): a summary condenses sentences from all over its
    source into a few adjacent ones, and its source is then the whole of ``b`` when ``b_length`` is given.
    Regions under ``min_region_chars`` on either side are dropped.
    """
    spans = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages]
    merged = [extent(group) for group in cluster(spans, settings.region_gap_chars)]
    result = []
    for group in split_at_gaps(merged, 0, settings.region_gap_chars) if merged else []:
        a_first, a_last, b_first, b_last = extent(group)
        if len(group) > 1 and b_last - b_first >= settings.summary_ratio * (a_last - a_first):
            result.append((a_first, a_last, 0, b_length) if b_length else (a_first, a_last, b_first, b_last))
        else:
            result.extend(group)
    shortest = settings.min_region_chars
    return sorted(r for r in result if r[1] - r[0] >= shortest and r[3] - r[2] >= shortest)
