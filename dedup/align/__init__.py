"""Alignment of two prepared texts: their shared passages, each verbatim or rewritten.

- :mod:`~dedup.align.prepare`: tokens, sentences, sentence vectors and n-gram hashes of one text;
- :mod:`~dedup.align.runs`: exact runs of shared tokens, clustered across small gaps;
- :mod:`~dedup.align.similarity`: TF-IDF sentence vectors and cosines;
- :mod:`~dedup.align.rewrite`: the rewrite model that judges rewritten sentence pairs;
- :mod:`~dedup.align.passages`: units, kinds and passages (:func:`align`).

Articles are compared in :mod:`dedup.comparison`.
"""

from __future__ import annotations

from dedup.align.passages import align
from dedup.align.prepare import PreparedText, prepare

__all__ = ["align", "prepare", "PreparedText"]
