"""Two articles compared: their shared passages (:mod:`dedup.align`), how much of each is derived, the
METER verdicts, credits and the likely direction of derivation."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np

from dedup.align.cases import SummaryReading, cases
from dedup.align.passages import align, verbatim_passages
from dedup.align.prepare import PreparedText, prepare
from dedup.align.rewrite import RewriteModel
from dedup.align.similarity import (
    IdfModel,
)
from dedup.attribution import credits as find_credits
from dedup.attribution import direction, text_date
from dedup.model import Comparison, Credit, Passage, Side, Verdict, shared_spans
from dedup.settings import Settings
from dedup.sources import Article, read_article
from dedup.text import ASCII_SPACE

__all__ = [
    "Comparer",
    "compare",
    "comparison_of",
    "derived_fraction",
    "summary_reading",
    "verdict",
    "visible",
]


_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


def visible(text: str) -> np.ndarray:
    """Whether each character of ``text`` is visible (not whitespace)."""
    if text.isascii():  # a byte per character: one table lookup each
        return ~ASCII_SPACE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    return ~np.isin(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), _WHITESPACE)


def derived_fraction(text: str, spans: Sequence[tuple[int, int]]) -> float:
    """Share of the non-whitespace characters of ``text`` inside the union of ``spans``."""
    shown = visible(text)
    total = int(shown.sum())
    if not total:
        return 0.0
    inside = np.zeros(len(text), dtype=bool)
    for start, end in spans:
        inside[start:end] = True
    return round(int((inside & shown).sum()) / total, 4)


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


def summary_reading(a: Article, b: Article, known_source: Literal["a", "b"] | None = None) -> SummaryReading:
    """Which of two articles may be read as a summary of the other (:mod:`dedup.align.cases`).

    ``known_source``: the side the user knows to be the other's source (a plagiarism pair, a story and the
    wire it credits), by default the one article of the two that is a known source
    (:attr:`~dedup.sources.Article.is_source`); the other side is then read as a summary without the copy
    checks. Otherwise nothing says one article derives from the other (two stories may share a wire): the
    later one when their metadata dates differ (an earlier article summarises no later one), else either,
    checked for copies. A date found in the text is not used here: it may be a date the story mentions, and
    a summary read the wrong way round claims a whole article."""
    known_source = known_source or _marked_source(a, b)
    if known_source is not None:
        return "a" if known_source == "b" else "b"
    date_a, date_b = text_date("", a.date), text_date("", b.date)
    if date_a is None or date_b is None or date_a == date_b:
        return "either"
    return "later-a" if date_a > date_b else "later-b"


def _marked_source(a: Article, b: Article) -> Literal["a", "b"] | None:
    if a.is_source == b.is_source:
        return None
    return "a" if a.is_source else "b"


def comparison_of(
    a: Article,
    b: Article,
    passages: Sequence[Passage],
    settings: Settings,
    *,
    with_ids: bool = False,
    credits: tuple[Sequence[Credit], Sequence[Credit]] | None = None,
    summaries: SummaryReading | None = None,
    verbatim_only: bool = False,
) -> Comparison:
    """The comparison of ``a`` and ``b`` given their shared ``passages``: reuse cases
    (:mod:`dedup.align.cases`; ``summaries``: which side may summarise the other, by default
    :func:`summary_reading`), fractions (of text inside
    a passage or a case), verdicts, credits and the likely direction of derivation (see
    :mod:`dedup.attribution`); ``verbatim_only``: the passages come from exact runs alone."""
    credits_a, credits_b = (
        (tuple(c) for c in credits) if credits else (find_credits(a.text), find_credits(b.text))
    )
    reading = summary_reading(a, b) if summaries is None else summaries
    found = cases(passages, a.text, b.text, settings, summaries=reading)
    side_a = _side(a, shared_spans(passages, found, "a"), settings, with_ids, credits_a)
    side_b = _side(b, shared_spans(passages, found, "b"), settings, with_ids, credits_b)
    comparison = Comparison(side_a, side_b, tuple(passages), None, found, verbatim_only)
    if not passages:
        return comparison
    # a reading of one side only is what the user's known source gives (summary_reading)
    known_source = {"a": "b", "b": "a"}.get(reading) or _marked_source(a, b)
    likely = direction(
        comparison, credits_a, credits_b, text_date(a.text, a.date), text_date(b.text, b.date),
        wholly=settings.wholly_derived, known_source=known_source,
    )  # fmt: skip
    return replace(comparison, direction=likely)


# an article whose sentences were vectorised holds about four times the memory of one compared from exact
# runs alone (~330 against ~83 KB for 1,000 tokens, tracemalloc): counted four times, so that a scan whose
# pairs are mostly pre-checked keeps four times as many articles in the memory the cache takes anyway
_VECTORISED_WEIGHT = 4


class Comparer:
    """Compares pairs of articles, keeping recently prepared ones (an article recurs across pairs).

    ``cache_size``: how many prepared articles with sentence vectors it keeps (articles compared only from
    exact runs, never vectorised, count a quarter). ``idf_model`` weighs words and ``rewrite_model`` judges
    rewrites; by default, the bundled ones."""

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
        self._cache: OrderedDict[str, tuple[PreparedText, int]] = OrderedDict()  # id -> (prepared, weight)
        self._weight = 0

    def prepared(self, article: Article) -> PreparedText:
        cached = self._cache.get(article.id)
        if cached is not None:
            self._cache.move_to_end(article.id)
            return cached[0]
        prepared = prepare(article.text, self.idf_model, self.settings)
        self._keep(article.id, prepared)
        return prepared

    def _keep(self, key: str, prepared: PreparedText) -> None:
        """Keep ``prepared`` as the most recent article, weighed as it is now; the least recent leave while
        the cache weighs more than its size allows."""
        weight = _VECTORISED_WEIGHT if prepared.vectorised else 1
        self._weight += weight - self._cache.pop(key, (prepared, 0))[1]
        self._cache[key] = (prepared, weight)
        while self._weight > self.cache_size * _VECTORISED_WEIGHT and len(self._cache) > 1:
            self._weight -= self._cache.popitem(last=False)[1][1]

    def __call__(self, a: Article, b: Article, *, summaries: SummaryReading | None = None) -> Comparison:
        """``a`` compared with ``b``; ``summaries``: which side may be read as a summary of the other
        (:data:`~dedup.align.cases.SummaryReading`; by default :func:`summary_reading`)."""
        prepared_a, prepared_b = self.prepared(a), self.prepared(b)
        comparison = _compare_prepared(
            a, b, prepared_a, prepared_b, self.settings, with_ids=True, rewrite_model=self.rewrite_model,
            summaries=summaries,
        )  # fmt: skip
        self._keep(a.id, prepared_a)  # weighed again: comparing may have vectorised them
        self._keep(b.id, prepared_b)
        return comparison

    def verbatim(self, a: Article, b: Article) -> Comparison:
        """``a`` compared with ``b`` from exact runs alone (:func:`~dedup.align.passages.verbatim_passages`):
        no rewrites, no summaries, and neither text vectorised."""
        prepared_a, prepared_b = self.prepared(a), self.prepared(b)
        return comparison_of(
            a, b, verbatim_passages(prepared_a, prepared_b, self.settings), self.settings, with_ids=True,
            credits=(prepared_a.credits, prepared_b.credits), summaries="none", verbatim_only=True,
        )  # fmt: skip


def _compare_prepared(
    a: Article,
    b: Article,
    prepared_a: PreparedText,
    prepared_b: PreparedText,
    settings: Settings,
    with_ids: bool,
    rewrite_model: RewriteModel | None = None,
    summaries: SummaryReading | None = None,
) -> Comparison:
    passages = align(prepared_a, prepared_b, settings, rewrite_model=rewrite_model)
    credits = (prepared_a.credits, prepared_b.credits)
    return comparison_of(a, b, passages, settings, with_ids=with_ids, credits=credits, summaries=summaries)


def compare(
    a: Article | str | Path,
    b: Article | str | Path,
    *,
    settings: Settings | None = None,
    idf_model: IdfModel | None = None,
    rewrite_model: RewriteModel | None = None,
    with_ids: bool = False,
    known_source: Literal["a", "b"] | None = None,
) -> Comparison:
    """Compare two articles (or paths, or ``FILE.jsonl#ID``): shared passages, fractions, verdicts,
    credits and the likely direction. ``idf_model`` and ``rewrite_model`` replace the bundled models;
    ``known_source``: the side known to be the other's source, if any (:func:`summary_reading`)."""
    a, b = (x if isinstance(x, Article) else read_article(x) for x in (a, b))
    settings = settings or Settings()
    prepared_a, prepared_b = prepare(a.text, idf_model, settings), prepare(b.text, idf_model, settings)
    return _compare_prepared(
        a, b, prepared_a, prepared_b, settings, with_ids, rewrite_model, summary_reading(a, b, known_source)
    )
