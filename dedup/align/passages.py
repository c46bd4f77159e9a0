"""Passages two prepared texts share, and how each was shared.

The method, in four steps (token spans are half-open ``[first, last)``):

1. **Exact runs.** Maximal runs of identical folded tokens, at least ``ngram`` long, found from shared word
   n-grams (CJK: character n-grams). Runs closer than ``max_gap_tokens`` on *both* sides are clustered
   (split alternately by their order in ``a`` and in ``b`` until no gap is larger), so a few changed,
   missing or glued words do not cut a passage. A cluster covering ``min_verbatim_tokens`` is a seed.
2. **Similar sentences.** TF-IDF similarity of every sentence pair (:mod:`dedup.align.similarity`); pairs at or
   above ``seed_threshold`` are matched one-to-one, best first. Pieces shorter than ``min_sentence_tokens``
   (datelines, list lines, headings) join the next sentence, so they never match alone.
3. **Units and kinds.** Each matched sentence pair is a unit, and so is each run cluster. A unit is
   *verbatim* when exact runs linking its two sides cover at least half of its tokens on both sides, else a
   *rewrite*. A rewrite unit is kept when the rewrite model (:mod:`dedup.align.rewrite`) gives it at least
   ``rewrite_threshold``. Then, from the edges of the kept units outwards, the sentence pair just
   before or just after a unit on both sides (sharing at least one word) is a rewrite unit when the model
   gives it ``context_threshold``: lower, since a reused neighbour is evidence that a heavily reworded
   sentence beside it is reused too. A sentence just before or after a unit on one side only joins it,
   paired with the unit's edge sentence on the other side, when their similarity reaches
   ``split_similarity`` and the pair with it joined is more similar (by ``SPLIT_GAIN``) than without: one
   sentence rewritten as two, or two merged into one. Units of the same kind adjacent on both sides merge
   into one passage.
4. **One partner per text.** Where passages overlap on one side (a headline repeated in one article, a
   paragraph printed twice), the longer one is kept, so no text is claimed twice.

How much of each article is derived, and the verdicts, are :mod:`dedup.comparison`'s.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from dedup.align.prepare import PreparedText
from dedup.align.rewrite import RewriteModel, default_model, wording
from dedup.align.runs import Span, cluster, exact_runs, extent
from dedup.align.similarity import (
    SentenceCosines,
    mean_similarity,
    paired_cosines,
    sentence_cosines,
    span_cosines,
)
from dedup.model import Kind, Passage
from dedup.settings import Settings

__all__ = ["align", "sentence_similarities", "units", "verbatim_passages"]


VERBATIM_COVERAGE = 0.5
# how much more similar to its partner an edge sentence must become with its neighbour joined (step 3's
# split sentences): a neighbour merely on the same subject lowers the similarity or leaves it
SPLIT_GAIN = 0.02


class _Runs(NamedTuple):
    """Exact runs sorted by their first token in ``a`` (``starts``), none longer than ``longest``."""

    spans: list[Span]
    starts: list[int]
    longest: int


def _sorted_runs(runs: list[Span]) -> _Runs:
    ordered = sorted(runs)
    return _Runs(ordered, [run[0] for run in ordered], max((run[1] - run[0] for run in runs), default=0))


def _links(runs: _Runs, unit: Span) -> list[Span]:
    """The parts of exact runs that lie inside ``unit`` on both sides (runs are diagonal): only runs starting
    from ``runs.longest`` tokens before the unit can reach into it."""
    a_first, a_last, b_first, b_last = unit
    parts = []
    for k in range(bisect_left(runs.starts, a_first - runs.longest), bisect_left(runs.starts, a_last)):
        run_a, run_a_last, run_b, _ = runs.spans[k]
        low = max(a_first - run_a, b_first - run_b, 0)
        high = min(a_last - run_a, b_last - run_b, run_a_last - run_a)
        if high > low:
            parts.append((run_a + low, run_a + high, run_b + low, run_b + high))
    return parts


def _union_length(intervals: list[tuple[int, int]]) -> int:
    """How many positions the half-open ``intervals`` cover together."""
    total, reach = 0, None
    for first, last in sorted(intervals):
        if reach is None or first > reach:
            total += last - first
            reach = last
        elif last > reach:
            total += last - reach
            reach = last
    return total


def _covered(links: Sequence[Span]) -> tuple[int, int]:
    """Tokens, on each side, inside the ``links``."""
    return _union_length([link[:2] for link in links]), _union_length([link[2:] for link in links])


def _classify(runs: _Runs, unit: Span, max_gap: int) -> tuple[Span, Kind]:
    """The unit's kind and span.

    A verbatim unit shrinks to the runs that make it verbatim, except where they end within ``max_gap``
    tokens of the unit's edge on both sides (a changed word at the start or end of a copied sentence).
    """
    links = _links(runs, unit)
    covered_a, covered_b = _covered(links)
    share = min(covered_a / (unit[1] - unit[0]), covered_b / (unit[3] - unit[2]))
    if share < VERBATIM_COVERAGE:
        return unit, "rewrite"
    a_first, a_last, b_first, b_last = extent(links)
    if a_first - unit[0] <= max_gap and b_first - unit[2] <= max_gap:
        a_first, b_first = unit[0], unit[2]
    if unit[1] - a_last <= max_gap and unit[3] - b_last <= max_gap:
        a_last, b_last = unit[1], unit[3]
    return (a_first, a_last, b_first, b_last), "verbatim"


def _trimmed(a: PreparedText, b: PreparedText, span: Span) -> Span:
    """``span`` without the tokens at its edges that occur nowhere in its other side: a dateline, a credit
    or a closing line one article added to a shared sentence never starts or ends a passage (a changed
    first or last word neither: the passage starts at the first word both sides hold)."""
    a_first, a_last, b_first, b_last = span
    while True:
        in_a, in_b = set(a.forms[a_first:a_last]), set(b.forms[b_first:b_last])
        before = (a_first, a_last, b_first, b_last)
        while a_first < a_last and a.forms[a_first] not in in_b:
            a_first += 1
        while a_last > a_first and a.forms[a_last - 1] not in in_b:
            a_last -= 1
        while b_first < b_last and b.forms[b_first] not in in_a:
            b_first += 1
        while b_last > b_first and b.forms[b_last - 1] not in in_a:
            b_last -= 1
        if (a_first, a_last, b_first, b_last) == before:  # trimming one side can strand the other's edge
            return before


def sentence_similarities(a: PreparedText, b: PreparedText) -> SentenceCosines:
    """Word and character cosines of every sentence of ``a`` (rows) with every sentence of ``b`` (columns);
    their ``similarity`` is what seeds rewrites."""
    if not a.sentences or not b.sentences:
        empty = np.zeros((len(a.sentences), len(b.sentences)))
        return SentenceCosines(empty, empty.copy())
    return sentence_cosines(a.vectors, b.vectors)


def _sentence_pairs(a: PreparedText, b: PreparedText, scores: np.ndarray, threshold: float) -> list[Span]:
    rows, cols = np.nonzero(scores >= threshold)
    order = np.argsort(-scores[rows, cols], kind="stable")
    used_a, used_b, pairs = set(), set(), []
    for k in order:
        i, j = int(rows[k]), int(cols[k])
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            sa, sb = a.sentences[i], b.sentences[j]
            pairs.append((sa.first, sa.last, sb.first, sb.last))
    return pairs


def _overlaps(x: Span, y: Span, side: int) -> bool:
    return x[side] < y[side + 1] and y[side] < x[side + 1]


Scored = tuple[Span, Kind, float]


def _one_partner(spans: list[Scored]) -> list[Scored]:
    """Keep the longest of passages that overlap on either side."""
    kept: list[Scored] = []
    for item in sorted(spans, key=lambda item: -(item[0][1] - item[0][0] + item[0][3] - item[0][2])):
        if not any(_overlaps(item[0], other[0], 0) or _overlaps(item[0], other[0], 2) for other in kept):
            kept.append(item)
    return kept


def _known_cosines(
    a: PreparedText, b: PreparedText, spans: Sequence[Span], cosines: SentenceCosines | None
) -> tuple[np.ndarray, np.ndarray]:
    """The word and character cosines known without vectorising the spans: 1 where both sides are the same
    words (the same vector), as computed for the sentence matrices (when given) where a span is one whole
    sentence on each side; NaN for the other spans."""
    words, chars = np.full(len(spans), np.nan), np.full(len(spans), np.nan)
    for k, span in enumerate(spans):
        i, j = (None, None) if cosines is None else (a.sentence_at.get(span[:2]), b.sentence_at.get(span[2:]))
        if i is not None and j is not None:
            words[k], chars[k] = cosines.words[i, j], cosines.chars[i, j]
        elif a.forms[span[0] : span[1]] == b.forms[span[2] : span[3]]:
            words[k] = chars[k] = 1.0
    return words, chars


def _similarities(
    a: PreparedText, b: PreparedText, spans: Sequence[Span], cosines: SentenceCosines | None
) -> np.ndarray:
    """TF-IDF similarity of the two sides of each span: from the texts' sentence vectors when the sentence
    cosines were computed (the vectors exist), else from the spans' own words (the same vectors)."""
    known = _known_cosines(a, b, spans, cosines)
    if cosines is None:
        sides = ([a.forms[s[0] : s[1]] for s in spans], [b.forms[s[2] : s[3]] for s in spans])
        words, chars = paired_cosines(*sides, a.idf_model, known)
    else:
        ranges = np.array(spans, dtype=np.int64).reshape(-1, 4)
        words, chars = span_cosines(a.vectors, ranges[:, :2], b.vectors, ranges[:, 2:], known)
    return np.minimum(mean_similarity(words, chars), 1.0)


def _rewrite_probabilities(
    a: PreparedText, b: PreparedText, spans: Sequence[Span], cosines: SentenceCosines, model: RewriteModel
) -> np.ndarray:
    """The rewrite model's probability that one side of each span rewrites the other."""
    pairs = [(wording(a.text, a.tokens[s[0] : s[1]]), wording(b.text, b.tokens[s[2] : s[3]])) for s in spans]
    return model.probability(pairs, a.idf_model, _known_cosines(a, b, spans, cosines))


def _runs_and_seeds(a: PreparedText, b: PreparedText, settings: Settings) -> tuple[list[Span], list[Span]]:
    """Step 1: the exact runs, and the extents of their clusters covering ``min_verbatim_tokens`` (seeds)."""
    runs = exact_runs(a.grams_of(settings.ngram), b.grams_of(settings.ngram), settings.ngram)
    seeds = []
    for group in cluster(runs, settings.max_gap_tokens):
        whole = extent(group)
        if min(_covered(group)) >= settings.min_verbatim_tokens:
            seeds.append(whole)
    return runs, seeds


def units(
    a: PreparedText, b: PreparedText, settings: Settings, *, cosines: SentenceCosines | None = None
) -> list[tuple[Span, Kind]]:
    """Steps 1 to 3 before merging: every unit with its kind. Rewrite units are what the rewrite model
    judges, each on its own evidence, so a weak sentence pair never rides along with a strong neighbour."""
    if cosines is None:
        cosines = sentence_similarities(a, b)
    runs, seeds = _runs_and_seeds(a, b, settings)
    sentence_pairs = _sentence_pairs(a, b, cosines.similarity, settings.seed_threshold)
    indexed = _sorted_runs(runs)
    return [_classify(indexed, unit, settings.max_gap_tokens) for unit in sentence_pairs + seeds]


def align(
    a: PreparedText,
    b: PreparedText,
    settings: Settings | None = None,
    *,
    cosines: SentenceCosines | None = None,
    rewrite_model: RewriteModel | None = None,
) -> list[Passage]:
    """The shared passages of ``a`` and ``b``, in order of their position in ``a``.

    ``cosines`` is :func:`sentence_similarities` of ``a`` and ``b`` when already computed (a sweep aligns
    one pair under many settings from one computation of similarities); ``rewrite_model`` judges rewrites
    (default: the bundled one, :func:`dedup.align.rewrite.default_model`), as ``prepare`` takes an IDF model.
    """
    settings = settings or Settings()
    rewrite_model = rewrite_model or default_model()
    if cosines is None:
        cosines = sentence_similarities(a, b)
    found = units(a, b, settings, cosines=cosines)
    rewrites = [span for span, kind in found if kind == "rewrite"]
    confirmed = {
        span
        for span, probability in zip(
            rewrites, _rewrite_probabilities(a, b, rewrites, cosines, rewrite_model), strict=True
        )
        if probability >= settings.rewrite_threshold
    }
    kept = [(span, kind) for span, kind in found if kind == "verbatim" or span in confirmed]
    kept += _context_units(a, b, kept, cosines, rewrite_model, settings)
    by_kind: dict[Kind, list[Span]] = defaultdict(list)
    for span, kind in kept:
        by_kind[kind].append(span)
    return _passages(a, b, by_kind, settings, cosines)


def _context_units(
    a: PreparedText,
    b: PreparedText,
    kept: list[tuple[Span, Kind]],
    cosines: SentenceCosines,
    model: RewriteModel,
    settings: Settings,
) -> list[tuple[Span, Kind]]:
    """Rewrite units grown from the edges of the ``kept`` ones (step 3 of the module docstring), repeated
    from each new unit."""
    if not a.sentences or not b.sentences:
        return []
    similarity = cosines.similarity
    firsts_a, firsts_b = [s.first for s in a.sentences], [s.first for s in b.sentences]

    def sentences_of(span: Span) -> tuple[int, int, int, int]:
        """The first and last sentences the span touches, in ``a`` and in ``b``."""
        return (
            bisect_right(firsts_a, span[0]) - 1, bisect_right(firsts_a, span[1] - 1) - 1,
            bisect_right(firsts_b, span[2]) - 1, bisect_right(firsts_b, span[3] - 1) - 1,
        )  # fmt: skip

    used_a, used_b = set(), set()
    for span, _ in kept:
        first_i, last_i, first_j, last_j = sentences_of(span)
        used_a.update(range(first_i, last_i + 1))
        used_b.update(range(first_j, last_j + 1))
    grown: list[tuple[Span, Kind]] = []

    def take(i: int, j: int) -> Span:
        """Sentence ``i`` of ``a`` with sentence ``j`` of ``b`` as a rewrite unit, its sentences used."""
        used_a.add(i)
        used_b.add(j)
        sa, sb = a.sentences[i], b.sentences[j]
        grown.append(((sa.first, sa.last, sb.first, sb.last), "rewrite"))
        return grown[-1][0]

    def inside(i: int, j: int) -> bool:
        return 0 <= i < len(a.sentences) and 0 <= j < len(b.sentences)

    edges = [span for span, _ in kept]
    while edges:
        around = [sentences_of(span) for span in edges]
        neighbours = list(
            dict.fromkeys(
                (i, j)
                for first_i, last_i, first_j, last_j in around
                for i, j in ((first_i - 1, first_j - 1), (last_i + 1, last_j + 1))
                if inside(i, j) and i not in used_a and j not in used_b and similarity[i, j] > 0
            )
        )
        edges = []
        if neighbours and settings.context_threshold < 1.0:
            spans = [(a.sentences[i].first, a.sentences[i].last, b.sentences[j].first, b.sentences[j].last)
                     for i, j in neighbours]  # fmt: skip
            for (i, j), probability in zip(
                neighbours, _rewrite_probabilities(a, b, spans, cosines, model), strict=True
            ):
                if probability >= settings.context_threshold and i not in used_a and j not in used_b:
                    edges.append(take(i, j))
        # one side's next sentence with the sentence the edge holds on the other: one sentence as two
        splits = list(
            dict.fromkeys(
                (i, j, more_in, edge)
                for first_i, last_i, first_j, last_j in around
                for i, j, more_in, edge in (
                    (first_i - 1, first_j, "a", first_i), (last_i + 1, last_j, "a", last_i),
                    (first_i, first_j - 1, "b", first_j), (last_i, last_j + 1, "b", last_j),
                )
                if inside(i, j) and (i not in used_a if more_in == "a" else j not in used_b)
                and similarity[i, j] >= settings.split_similarity
            )
        )  # fmt: skip
        if not splits:
            continue
        alone, joined = [], []
        for i, j, more_in, edge in splits:
            sa, sb = a.sentences[i], b.sentences[j]
            if more_in == "a":
                e = a.sentences[edge]
                alone.append((e.first, e.last, sb.first, sb.last))
                joined.append((min(sa.first, e.first), max(sa.last, e.last), sb.first, sb.last))
            else:
                e = b.sentences[edge]
                alone.append((sa.first, sa.last, e.first, e.last))
                joined.append((sa.first, sa.last, min(sb.first, e.first), max(sb.last, e.last)))
        scores = _similarities(a, b, alone + joined, cosines)
        for (i, j, more_in, _), gain in zip(
            splits, scores[len(splits) :] - scores[: len(splits)], strict=True
        ):
            fresh = i not in used_a if more_in == "a" else j not in used_b
            if fresh and gain > SPLIT_GAIN:
                edges.append(take(i, j))
    return grown


def verbatim_passages(a: PreparedText, b: PreparedText, settings: Settings | None = None) -> list[Passage]:
    """The passages of step 1 alone (merged, trimmed, scored and given one partner as :func:`align` does):
    no sentence similarities, no rewrite model, and the texts' sentences never vectorised. What a scan
    reports for a pair below its pre-check floor (:func:`dedup.corpus.stages.compared`); where no rewrite
    meets them, the verbatim passages :func:`align` finds."""
    settings = settings or Settings()
    runs, seeds = _runs_and_seeds(a, b, settings)
    indexed = _sorted_runs(runs)
    classified = (_classify(indexed, seed, settings.max_gap_tokens) for seed in seeds)
    return _passages(a, b, {"verbatim": [span for span, kind in classified if kind == "verbatim"]}, settings)


def _passages(
    a: PreparedText,
    b: PreparedText,
    by_kind: dict[Kind, list[Span]],
    settings: Settings,
    cosines: SentenceCosines | None = None,
) -> list[Passage]:
    """Steps 3 and 4 from the kept units by kind: adjacent units merged and trimmed, each passage scored,
    one partner per text, as character offsets."""
    minimum = {"verbatim": settings.min_verbatim_tokens, "rewrite": settings.min_rewrite_tokens}
    merged = [
        (span, kind)
        for kind, spans in by_kind.items()
        for span in (_trimmed(a, b, extent(group)) for group in cluster(spans, settings.max_gap_tokens))
        if min(span[1] - span[0], span[3] - span[2]) >= minimum[kind]
    ]
    similarities = _similarities(a, b, [span for span, _ in merged], cosines)
    candidates = [
        (span, kind, float(score)) for (span, kind), score in zip(merged, similarities, strict=True)
    ]
    return [
        Passage(
            int(a.tokens.starts[s[0]]),
            _closing_end(a.text, int(a.tokens.ends[s[1] - 1])),
            int(b.tokens.starts[s[2]]),
            _closing_end(b.text, int(b.tokens.ends[s[3] - 1])),
            kind,
            round(score, 4),
        )  # fmt: skip
        for s, kind, score in sorted(_one_partner(candidates))
    ]


_CLOSING = frozenset(".!?\u2026\u3002\uff01\uff1f\"'\u2019\u201d\u00bb)]\u300d\u300f")


def _closing_end(text: str, end: int) -> int:
    """Extend a passage's end over the sentence-final punctuation and closing quotes that follow it."""
    while end < len(text) and text[end] in _CLOSING:
        end += 1
    return end
