"""Alignment of two texts: shared passages, how each was shared, and how much of each text is derived.

The method, in four steps (token spans are half-open ``[first, last)``):

1. **Exact runs.** Maximal runs of identical folded tokens, at least ``ngram`` long, found from shared word
   n-grams (CJK: character n-grams). Runs closer than ``max_gap_tokens`` on *both* sides are clustered
   (split alternately by their order in ``a`` and in ``b`` until no gap is larger), so a few changed,
   missing or glued words do not cut a passage. A cluster covering ``min_verbatim_tokens`` is a seed.
2. **Similar sentences.** TF-IDF similarity of every sentence pair (:mod:`dedup.similarity`); pairs at or
   above ``rewrite_threshold`` are matched one-to-one, best first. Short sentences (datelines, bylines) never
   seed anything.
3. **Units and kinds.** Each matched sentence pair is a unit, and so is each run cluster. A unit is
   *verbatim* when exact runs linking its two sides cover at least half of its tokens on both sides, else a
   *rewrite*. Units of the same kind adjacent on both sides merge into one passage.
4. **One partner per text.** Where passages overlap on one side (a headline repeated in one article, a
   paragraph printed twice), the longer one is kept, so no text is claimed twice.

``derived_fraction`` is the share of an article's non-whitespace characters inside its passages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.articles import Article
from dedup.model import Comparison, Kind, Passage, Side, Verdict
from dedup.settings import Settings
from dedup.similarity import IdfModel, SentenceVectors, default_idf, similarity_matrix, vectorize
from dedup.text import Sentence, Token, normalize, split_sentences, tokenize

__all__ = ["PreparedText", "prepare", "align", "compare", "derived_fraction", "verdict", "merge_adjacent"]

VERBATIM_COVERAGE = 0.5

Span = tuple[int, int, int, int]  # a_first, a_last, b_first, b_last (tokens)


@dataclass(frozen=True)
class PreparedText:
    """A text with everything alignment needs that depends on it alone (reusable across comparisons)."""

    text: str
    tokens: list[Token]
    forms: list[str]
    sentences: list[Sentence]
    vectors: SentenceVectors
    idf_model: IdfModel


def prepare(text: str, idf_model: IdfModel | None = None) -> PreparedText:
    """Tokenise ``text``, split it into sentences and vectorise them."""
    tokens = tokenize(text, normalize(text))
    forms = [t.form for t in tokens]
    sentences = split_sentences(text, tokens)
    idf_model = idf_model or default_idf()
    vectors = vectorize([forms[s.first : s.last] for s in sentences], idf_model)
    return PreparedText(text, tokens, forms, sentences, vectors, idf_model)


def exact_runs(a: Sequence[str], b: Sequence[str], n: int) -> list[Span]:
    """Maximal runs of equal tokens, at least ``n`` long, as ``(a_first, a_last, b_first, b_last)``."""
    starts: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for j in range(len(b) - n + 1):
        starts[tuple(b[j : j + n])].append(j)
    runs = []
    for i in range(len(a) - n + 1):
        for j in starts.get(tuple(a[i : i + n]), ()):
            if i and j and a[i - 1] == b[j - 1]:
                continue  # inside a run already found from an earlier start
            length = n
            while i + length < len(a) and j + length < len(b) and a[i + length] == b[j + length]:
                length += 1
            runs.append((i, i + length, j, j + length))
    return runs


def _split(group: list[Span], side: int, max_gap: int) -> list[list[Span]]:
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
        parts = _split(group, 0, max_gap)
        if len(parts) == 1:
            parts = _split(group, 2, max_gap)
            if len(parts) == 1:
                groups.append(group)
                continue
        pending.extend(parts)
    return groups


def _extent(group: Sequence[Span]) -> Span:
    return (
        min(s[0] for s in group),
        max(s[1] for s in group),
        min(s[2] for s in group),
        max(s[3] for s in group),
    )


def _covered(runs: Sequence[Span], unit: Span) -> tuple[int, int]:
    """Tokens of the unit, on each side, inside exact runs that link the unit's two sides."""
    a_first, a_last, b_first, b_last = unit
    in_a = np.zeros(a_last - a_first, dtype=bool)
    in_b = np.zeros(b_last - b_first, dtype=bool)
    for run_a, run_a_last, run_b, _ in runs:
        low = max(a_first - run_a, b_first - run_b, 0)
        high = min(a_last - run_a, b_last - run_b, run_a_last - run_a)
        if high > low:
            in_a[run_a + low - a_first : run_a + high - a_first] = True
            in_b[run_b + low - b_first : run_b + high - b_first] = True
    return int(in_a.sum()), int(in_b.sum())


def _kind(runs: Sequence[Span], unit: Span) -> Kind:
    covered_a, covered_b = _covered(runs, unit)
    share = min(covered_a / (unit[1] - unit[0]), covered_b / (unit[3] - unit[2]))
    return "verbatim" if share >= VERBATIM_COVERAGE else "rewrite"


def _sentence_pairs(a: PreparedText, b: PreparedText, settings: Settings) -> list[Span]:
    if not a.sentences or not b.sentences:
        return []
    scores = similarity_matrix(a.vectors, b.vectors)
    long_a = np.array([s.last - s.first >= settings.min_sentence_tokens for s in a.sentences])
    long_b = np.array([s.last - s.first >= settings.min_sentence_tokens for s in b.sentences])
    scores[~long_a, :] = 0.0
    scores[:, ~long_b] = 0.0
    rows, cols = np.nonzero(scores >= settings.rewrite_threshold)
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


def _one_partner(spans: list[tuple[Span, Kind]]) -> list[tuple[Span, Kind]]:
    """Keep the longest of passages that overlap on either side."""
    kept: list[tuple[Span, Kind]] = []
    for span, kind in sorted(spans, key=lambda item: -(item[0][1] - item[0][0] + item[0][3] - item[0][2])):
        if not any(_overlaps(span, other, 0) or _overlaps(span, other, 2) for other, _ in kept):
            kept.append((span, kind))
    return kept


def align(a: PreparedText, b: PreparedText, settings: Settings | None = None) -> list[Passage]:
    """The shared passages of ``a`` and ``b``, in order of their position in ``a``."""
    settings = settings or Settings()
    runs = exact_runs(a.forms, b.forms, settings.ngram)
    seeds = []
    for group in cluster(runs, settings.max_gap_tokens):
        extent = _extent(group)
        if min(_covered(group, extent)) >= settings.min_verbatim_tokens:
            seeds.append(extent)
    units = _sentence_pairs(a, b, settings) + seeds
    by_kind: dict[Kind, list[Span]] = defaultdict(list)
    for unit in units:
        by_kind[_kind(runs, unit)].append(unit)
    merged = [
        (_extent(group), kind)
        for kind, spans in by_kind.items()
        for group in cluster(spans, settings.max_gap_tokens)
    ]
    minimum = {"verbatim": settings.min_verbatim_tokens, "rewrite": settings.min_rewrite_tokens}
    kept = [
        (span, kind)
        for span, kind in _one_partner(merged)
        if min(span[1] - span[0], span[3] - span[2]) >= minimum[kind]
    ]
    kept.sort()
    return _to_passages(a, b, kept)


def _to_passages(a: PreparedText, b: PreparedText, spans: list[tuple[Span, Kind]]) -> list[Passage]:
    if not spans:
        return []
    side_a = vectorize([a.forms[s[0] : s[1]] for s, _ in spans], a.idf_model)
    side_b = vectorize([b.forms[s[2] : s[3]] for s, _ in spans], a.idf_model)
    scores = np.diag(similarity_matrix(side_a, side_b))
    return [
        Passage(
            a.tokens[s[0]].start,
            a.tokens[s[1] - 1].end,
            b.tokens[s[2]].start,
            b.tokens[s[3] - 1].end,
            kind,
            round(float(min(score, 1.0)), 4),
        )  # fmt: skip
        for (s, kind), score in zip(spans, scores, strict=True)
    ]


def merge_adjacent(passages: Sequence[Passage], max_gap_chars: int) -> list[tuple[int, int, int, int]]:
    """Character spans of passages merged where they are within ``max_gap_chars`` on both sides.

    Kinds are ignored: this is the region view that scorers such as PAN's expect.
    """
    spans = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages]
    return sorted(_extent(group) for group in cluster(spans, max_gap_chars))


def derived_fraction(text: str, spans: Sequence[tuple[int, int]]) -> float:
    """Share of the non-whitespace characters of ``text`` inside the union of ``spans``."""
    inside = np.zeros(len(text), dtype=bool)
    for start, end in spans:
        inside[start:end] = True
    visible = np.fromiter((not c.isspace() for c in text), dtype=bool, count=len(text))
    total = int(visible.sum())
    return round(float((inside & visible).sum()) / total, 4) if total else 0.0


def verdict(fraction: float, settings: Settings) -> Verdict:
    """METER's three classes by the derived fraction (cut-offs in :class:`Settings`)."""
    if fraction >= settings.wholly_derived:
        return "wholly derived"
    if fraction >= settings.partially_derived:
        return "partially derived"
    return "not derived"


def _side(article: Article, spans: Sequence[tuple[int, int]], settings: Settings, with_id: bool) -> Side:
    fraction = derived_fraction(article.text, spans)
    return Side(
        article.path,
        len(article.text),
        fraction,
        verdict(fraction, settings),
        article.id if with_id else None,
    )


def compare(
    a: Article,
    b: Article,
    *,
    settings: Settings | None = None,
    idf_model: IdfModel | None = None,
    with_ids: bool = False,
) -> Comparison:
    """Compare two articles: their shared passages, derived fractions and verdicts."""
    settings = settings or Settings()
    passages = align(prepare(a.text, idf_model), prepare(b.text, idf_model), settings)
    return Comparison(
        _side(a, [(p.a_start, p.a_end) for p in passages], settings, with_ids),
        _side(b, [(p.b_start, p.b_end) for p in passages], settings, with_ids),
        tuple(passages),
    )
