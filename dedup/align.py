"""Alignment of two texts: shared passages, how each was shared, and how much of each text is derived.

The method, in four steps (token spans are half-open ``[first, last)``):

1. **Exact runs.** Maximal runs of identical folded tokens, at least ``ngram`` long, found from shared word
   n-grams (CJK: character n-grams). Runs closer than ``max_gap_tokens`` on *both* sides are clustered
   (split alternately by their order in ``a`` and in ``b`` until no gap is larger), so a few changed,
   missing or glued words do not cut a passage. A cluster covering ``min_verbatim_tokens`` is a seed.
2. **Similar sentences.** TF-IDF similarity of every sentence pair (:mod:`dedup.similarity`); pairs at or
   above ``seed_threshold`` are matched one-to-one, best first. Pieces shorter than ``min_sentence_tokens``
   (datelines, list lines, headings) join the next sentence, so they never match alone.
3. **Units and kinds.** Each matched sentence pair is a unit, and so is each run cluster. A unit is
   *verbatim* when exact runs linking its two sides cover at least half of its tokens on both sides, else a
   *rewrite*. A rewrite unit is kept when the rewrite model (:mod:`dedup.rewrite`) gives it at least
   ``rewrite_threshold``. Units of the same kind adjacent on both sides merge into one passage.
4. **One partner per text.** Where passages overlap on one side (a headline repeated in one article, a
   paragraph printed twice), the longer one is kept, so no text is claimed twice.

``derived_fraction`` is the share of an article's non-whitespace characters inside its passages.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from dedup.articles import Article, read_article
from dedup.attribution import credits as find_credits
from dedup.attribution import direction, text_date
from dedup.model import Comparison, Credit, Kind, Passage, Side, Verdict
from dedup.rewrite import RewriteModel, default_model, wording
from dedup.settings import Settings
from dedup.signatures import feature_hashes
from dedup.similarity import (
    IdfModel,
    SentenceCosines,
    SentenceVectors,
    default_idf,
    mean_similarity,
    sentence_cosines,
    span_cosines,
    vectorize,
)
from dedup.text import ASCII_SPACE, Sentence, Tokens, normalize, split_sentences, tokenize

__all__ = [
    "PreparedText",
    "Comparer",
    "prepare",
    "align",
    "compare",
    "comparison_of",
    "derived_fraction",
    "verdict",
    "regions",
    "sentence_similarities",
    "units",
]

VERBATIM_COVERAGE = 0.5

Span = tuple[int, int, int, int]  # a_first, a_last, b_first, b_last (tokens)


@dataclass(frozen=True)
class PreparedText:
    """A text with everything alignment needs that depends on it alone (reusable across comparisons)."""

    text: str
    tokens: Tokens
    forms: list[str]
    sentences: list[Sentence]
    vectors: SentenceVectors
    idf_model: IdfModel
    grams: np.ndarray  # hash of the n-gram starting at each token (n = ``ngram``)
    ngram: int
    credits: tuple[Credit, ...]

    def grams_of(self, n: int) -> np.ndarray:
        """The n-gram hashes for ``n`` (computed again only when ``n`` differs from the prepared one)."""
        return self.grams if n == self.ngram else _ngrams_of_hashes(self.vectors.token_hashes, n)

    @cached_property
    def sentence_at(self) -> dict[tuple[int, int], int]:
        """The number of the sentence spanning tokens ``[first, last)``, by ``(first, last)``."""
        return {(s.first, s.last): i for i, s in enumerate(self.sentences)}


def prepare(text: str, idf_model: IdfModel | None = None, settings: Settings | None = None) -> PreparedText:
    """Tokenise ``text``, split it into sentences and vectorise them."""
    settings = settings or Settings()
    tokens = tokenize(text, normalize(text))
    forms = tokens.forms
    sentences = split_sentences(text, tokens, settings.min_sentence_tokens)
    idf_model = idf_model or default_idf()
    vectors = vectorize([forms[s.first : s.last] for s in sentences], idf_model)
    # sentences partition the tokens, so their token hashes are those of ``forms``
    grams = _ngrams_of_hashes(vectors.token_hashes, settings.ngram)
    return PreparedText(
        text, tokens, forms, sentences, vectors, idf_model, grams, settings.ngram, tuple(find_credits(text))
    )


_GRAM_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def ngram_hashes(forms: Sequence[str], n: int) -> np.ndarray:
    """A 64-bit hash of the ``n`` tokens starting at each position (``len(forms) - n + 1`` values)."""
    return _ngrams_of_hashes(feature_hashes(list(forms)), n)


def _ngrams_of_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """:func:`ngram_hashes` from the tokens' :func:`~dedup.signatures.feature_hashes`."""
    tokens = token_hashes.astype(np.uint64)
    count = len(tokens) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    grams = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            grams = grams * _GRAM_MULTIPLIER + tokens[k : k + count] + np.uint64(k + 1)
    return grams


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


def _links(runs: Sequence[Span], unit: Span) -> list[Span]:
    """The parts of exact runs that lie inside ``unit`` on both sides (runs are diagonal)."""
    a_first, a_last, b_first, b_last = unit
    parts = []
    for run_a, run_a_last, run_b, _ in runs:
        low = max(a_first - run_a, b_first - run_b, 0)
        high = min(a_last - run_a, b_last - run_b, run_a_last - run_a)
        if high > low:
            parts.append((run_a + low, run_a + high, run_b + low, run_b + high))
    return parts


def _covered(links: Sequence[Span], unit: Span) -> tuple[int, int]:
    """Tokens of ``unit``, on each side, inside the ``links``."""
    in_a = np.zeros(unit[1] - unit[0], dtype=bool)
    in_b = np.zeros(unit[3] - unit[2], dtype=bool)
    for a_first, a_last, b_first, b_last in links:
        in_a[a_first - unit[0] : a_last - unit[0]] = True
        in_b[b_first - unit[2] : b_last - unit[2]] = True
    return int(in_a.sum()), int(in_b.sum())


def _classify(runs: Sequence[Span], unit: Span, max_gap: int) -> tuple[Span, Kind]:
    """The unit's kind and span.

    A verbatim unit shrinks to the runs that make it verbatim, except where they end within ``max_gap``
    tokens of the unit's edge on both sides (a changed word at the start or end of a copied sentence).
    """
    links = _links(runs, unit)
    covered_a, covered_b = _covered(links, unit)
    share = min(covered_a / (unit[1] - unit[0]), covered_b / (unit[3] - unit[2]))
    if share < VERBATIM_COVERAGE:
        return unit, "rewrite"
    a_first, a_last, b_first, b_last = _extent(links)
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
    a: PreparedText, b: PreparedText, spans: Sequence[Span], cosines: SentenceCosines
) -> tuple[np.ndarray, np.ndarray]:
    """The word and character cosines known without vectorising the spans: 1 where both sides are the same
    words (the same vector), as computed for the sentence matrices where a span is one whole sentence on
    each side; NaN for the other spans."""
    words, chars = np.full(len(spans), np.nan), np.full(len(spans), np.nan)
    for k, span in enumerate(spans):
        i, j = a.sentence_at.get(span[:2]), b.sentence_at.get(span[2:])
        if i is not None and j is not None:
            words[k], chars[k] = cosines.words[i, j], cosines.chars[i, j]
        elif a.forms[span[0] : span[1]] == b.forms[span[2] : span[3]]:
            words[k] = chars[k] = 1.0
    return words, chars


def _similarities(
    a: PreparedText, b: PreparedText, spans: Sequence[Span], cosines: SentenceCosines
) -> np.ndarray:
    """TF-IDF similarity of the two sides of each span."""
    ranges = np.array(spans, dtype=np.int64).reshape(-1, 4)
    known = _known_cosines(a, b, spans, cosines)
    words, chars = span_cosines(a.vectors, ranges[:, :2], b.vectors, ranges[:, 2:], known)
    return np.minimum(mean_similarity(words, chars), 1.0)


def _rewrite_probabilities(
    a: PreparedText, b: PreparedText, spans: Sequence[Span], cosines: SentenceCosines, model: RewriteModel
) -> np.ndarray:
    """The rewrite model's probability that one side of each span rewrites the other."""
    pairs = [(wording(a.text, a.tokens[s[0] : s[1]]), wording(b.text, b.tokens[s[2] : s[3]])) for s in spans]
    return model.probability(pairs, a.idf_model, _known_cosines(a, b, spans, cosines))


def units(
    a: PreparedText, b: PreparedText, settings: Settings, *, cosines: SentenceCosines | None = None
) -> list[tuple[Span, Kind]]:
    """Steps 1 to 3 before merging: every unit with its kind. Rewrite units are what the rewrite model
    judges, each on its own evidence, so a weak sentence pair never rides along with a strong neighbour."""
    if cosines is None:
        cosines = sentence_similarities(a, b)
    runs = exact_runs(a.grams_of(settings.ngram), b.grams_of(settings.ngram), settings.ngram)
    seeds = []
    for group in cluster(runs, settings.max_gap_tokens):
        extent = _extent(group)
        if min(_covered(group, extent)) >= settings.min_verbatim_tokens:
            seeds.append(extent)
    sentence_pairs = _sentence_pairs(a, b, cosines.similarity, settings.seed_threshold)
    return [_classify(runs, unit, settings.max_gap_tokens) for unit in sentence_pairs + seeds]


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
    (default: the bundled one, :func:`dedup.rewrite.default_model`), as ``prepare`` takes an IDF model.
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
    by_kind: dict[Kind, list[Span]] = defaultdict(list)
    for span, kind in found:
        if kind == "verbatim" or span in confirmed:
            by_kind[kind].append(span)
    minimum = {"verbatim": settings.min_verbatim_tokens, "rewrite": settings.min_rewrite_tokens}
    merged = [
        (span, kind)
        for kind, spans in by_kind.items()
        for span in (_trimmed(a, b, _extent(group)) for group in cluster(spans, settings.max_gap_tokens))
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


CharSpan = tuple[int, int, int, int]


def regions(passages: Sequence[Passage], settings: Settings, b_length: int | None = None) -> list[CharSpan]:
    """One character span per reuse: what a scorer such as PAN's expects, whatever the passages' kinds.

    Passages within ``region_gap_chars`` on both sides merge. Then passages that stay within that gap in
    ``a`` but spread further over ``b`` merge too when the result is summary-shaped (its ``b`` side at least
    ``summary_ratio`` times longer than its ``a`` side): a summary condenses sentences from all over its
    source into a few adjacent ones, and its source is then the whole of ``b`` when ``b_length`` is given.
    Regions under ``min_region_chars`` on either side are dropped.
    """
    spans = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages]
    merged = [_extent(group) for group in cluster(spans, settings.region_gap_chars)]
    result = []
    for group in _split(merged, 0, settings.region_gap_chars) if merged else []:
        a_first, a_last, b_first, b_last = _extent(group)
        if len(group) > 1 and b_last - b_first >= settings.summary_ratio * (a_last - a_first):
            result.append((a_first, a_last, 0, b_length) if b_length else (a_first, a_last, b_first, b_last))
        else:
            result.extend(group)
    shortest = settings.min_region_chars
    return sorted(r for r in result if r[1] - r[0] >= shortest and r[3] - r[2] >= shortest)


_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


def _visible(text: str) -> np.ndarray:
    """Whether each character of ``text`` is visible (not whitespace)."""
    if text.isascii():  # a byte per character: one table lookup each
        return ~ASCII_SPACE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    return ~np.isin(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), _WHITESPACE)


def derived_fraction(text: str, spans: Sequence[tuple[int, int]]) -> float:
    """Share of the non-whitespace characters of ``text`` inside the union of ``spans``."""
    visible = _visible(text)
    total = int(visible.sum())
    if not total:
        return 0.0
    inside = np.zeros(len(text), dtype=bool)
    for start, end in spans:
        inside[start:end] = True
    return round(int((inside & visible).sum()) / total, 4)


def verdict(fraction: float, settings: Settings) -> Verdict:
    """METER's three classes by the derived fraction (cut-offs in :class:`Settings`)."""
    if fraction >= settings.wholly_derived:
        return "wholly derived"
    if fraction >= settings.partially_derived:
        return "partially derived"
    return "not derived"


def _side(
    article: Article, spans: Sequence[tuple[int, int]], settings: Settings, with_id: bool, credits: tuple = ()
) -> Side:
    fraction = derived_fraction(article.text, spans)
    identifier = article.id if with_id else None
    return Side(article.path, len(article.text), fraction, verdict(fraction, settings), identifier, credits)


def comparison_of(
    a: Article,
    b: Article,
    passages: Sequence[Passage],
    settings: Settings,
    *,
    with_ids: bool = False,
    credits: tuple[Sequence[Credit], Sequence[Credit]] | None = None,
) -> Comparison:
    """The comparison of ``a`` and ``b`` given their shared ``passages``: fractions, verdicts, credits and
    the likely direction of derivation (see :mod:`dedup.attribution`)."""
    credits_a, credits_b = (
        (tuple(c) for c in credits) if credits else (find_credits(a.text), find_credits(b.text))
    )
    side_a = _side(a, [(p.a_start, p.a_end) for p in passages], settings, with_ids, credits_a)
    side_b = _side(b, [(p.b_start, p.b_end) for p in passages], settings, with_ids, credits_b)
    comparison = Comparison(side_a, side_b, tuple(passages))
    if not passages:
        return comparison
    likely = direction(
        comparison, credits_a, credits_b, text_date(a.text, a.date), text_date(b.text, b.date),
        wholly=settings.wholly_derived,
    )  # fmt: skip
    return Comparison(side_a, side_b, tuple(passages), likely)


class Comparer:
    """Compares pairs of articles, keeping recently prepared ones (an article recurs across pairs).

    ``idf_model`` weighs words and ``rewrite_model`` judges rewrites; by default, the bundled ones."""

    def __init__(
        self,
        settings: Settings,
        cache_size: int = 512,
        *,
        idf_model: IdfModel | None = None,
        rewrite_model: RewriteModel | None = None,
    ) -> None:
        self.settings, self.cache_size = settings, cache_size
        self.idf_model, self.rewrite_model = idf_model, rewrite_model
        self._cache: OrderedDict[str, PreparedText] = OrderedDict()

    def prepared(self, article: Article) -> PreparedText:
        if article.id in self._cache:
            self._cache.move_to_end(article.id)
            return self._cache[article.id]
        prepared = self._cache[article.id] = prepare(article.text, self.idf_model, self.settings)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return prepared

    def __call__(self, a: Article, b: Article) -> Comparison:
        prepared_a, prepared_b = self.prepared(a), self.prepared(b)
        return _compare_prepared(
            a, b, prepared_a, prepared_b, self.settings, with_ids=True, rewrite_model=self.rewrite_model
        )


def _compare_prepared(
    a: Article,
    b: Article,
    prepared_a: PreparedText,
    prepared_b: PreparedText,
    settings: Settings,
    with_ids: bool,
    rewrite_model: RewriteModel | None = None,
) -> Comparison:
    passages = align(prepared_a, prepared_b, settings, rewrite_model=rewrite_model)
    credits = (prepared_a.credits, prepared_b.credits)
    return comparison_of(a, b, passages, settings, with_ids=with_ids, credits=credits)


def compare(
    a: Article | str | Path,
    b: Article | str | Path,
    *,
    settings: Settings | None = None,
    idf_model: IdfModel | None = None,
    rewrite_model: RewriteModel | None = None,
    with_ids: bool = False,
) -> Comparison:
    """Compare two articles (or paths, or ``FILE.jsonl#ID``): shared passages, fractions, verdicts,
    credits and the likely direction. ``idf_model`` and ``rewrite_model`` replace the bundled models."""
    a, b = (x if isinstance(x, Article) else read_article(x) for x in (a, b))
    settings = settings or Settings()
    prepared_a, prepared_b = prepare(a.text, idf_model, settings), prepare(b.text, idf_model, settings)
    return _compare_prepared(a, b, prepared_a, prepared_b, settings, with_ids, rewrite_model)
