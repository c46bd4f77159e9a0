"""The PAN text-alignment measures (Potthast, Stein, Barrón-Cedeño & Rosso, COLING 2010).

A *case* ``s`` (gold) and a *detection* ``r`` are each a pair of character ranges, one in the suspicious
document and one in the source; ``|x|`` counts the characters of both ranges. ``r`` *detects* ``s`` when both
belong to the same document pair and overlap in both documents; then ``s ⊓ r`` is their overlap in each
document. Over all cases ``S`` and detections ``R`` of a (sub-)corpus:

- ``precision = mean over r of |⋃_s (s ⊓ r)| / |r|``
- ``recall = mean over s of |⋃_r (s ⊓ r)| / |s|``
- ``granularity = mean, over cases detected at least once, of the number of detections that detect it``
- ``plagdet = F1(precision, recall) / log2(1 + granularity)``

Edge cases follow the official scorer: with ``S`` and ``R`` both empty precision and recall are 1; with only
one empty, both are 0; without detected cases granularity is 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Annotation", "Scores", "score"]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A case or a detection: ``[this_offset, +this_length)`` in ``this`` and the same in ``source``."""

    this: str
    source: str
    this_offset: int
    this_length: int
    source_offset: int
    source_length: int

    @property
    def size(self) -> int:
        return self.this_length + self.source_length


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "plagdet": self.plagdet,
            "precision": self.precision,
            "recall": self.recall,
            "granularity": self.granularity,
            "cases": self.cases,
            "detections": self.detections,
        }


def _overlap(a_start: int, a_length: int, b_start: int, b_length: int) -> tuple[int, int] | None:
    start, end = max(a_start, b_start), min(a_start + a_length, b_start + b_length)
    return (start, end) if start < end else None


def _intersections(x: Annotation, y: Annotation) -> tuple[tuple[int, int], tuple[int, int]] | None:
    this = _overlap(x.this_offset, x.this_length, y.this_offset, y.this_length)
    source = _overlap(x.source_offset, x.source_length, y.source_offset, y.source_length)
    return (this, source) if this and source else None


def _union_length(ranges: Iterable[tuple[int, int]]) -> int:
    total, reach = 0, -1
    for start, end in sorted(ranges):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _covered_share(item: Annotation, others: Sequence[Annotation]) -> tuple[float, int]:
    """Share of ``item`` covered by the ``others`` that overlap it, and how many do."""
    this_parts, source_parts = [], []
    for other in others:
        parts = _intersections(item, other)
        if parts:
            this_parts.append(parts[0])
            source_parts.append(parts[1])
    covered = _union_length(this_parts) + _union_length(source_parts)
    return (covered / item.size if item.size else 0.0), len(this_parts)


def _by_pair(annotations: Iterable[Annotation]) -> dict[tuple[str, str], list[Annotation]]:
    index: dict[tuple[str, str], list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        index[annotation.this, annotation.source].append(annotation)
    return index


def score(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> Scores:
    """Precision, recall, granularity and plagdet of ``detections`` against ``cases``."""
    if not cases and not detections:
        return Scores(1.0, 1.0, 1.0, 1.0, 0, 0)
    if not cases or not detections:
        return Scores(0.0, 0.0, 1.0, 0.0, len(cases), len(detections))
    cases_by_pair, detections_by_pair = _by_pair(cases), _by_pair(detections)
    recall_sum, detected, detections_of_detected = 0.0, 0, 0
    for case in cases:
        share, count = _covered_share(case, detections_by_pair.get((case.this, case.source), []))
        recall_sum += share
        if count:
            detected += 1
            detections_of_detected += count
    precision_sum = sum(_covered_share(d, cases_by_pair.get((d.this, d.source), []))[0] for d in detections)
    precision, recall = precision_sum / len(detections), recall_sum / len(cases)
    granularity = detections_of_detected / detected if detected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        precision, recall, granularity, f1 / math.log2(1 + granularity), len(cases), len(detections)
    )
