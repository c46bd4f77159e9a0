"""A text prepared for alignment: tokens, sentences, sentence vectors and word n-gram hashes, computed once
and reused in every comparison of the text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dedup.align.similarity import (
    IdfModel,
    SentenceVectors,
    default_idf,
    vectorize,
)
from dedup.attribution import credits as find_credits
from dedup.hashing import feature_hashes
from dedup.model import Credit
from dedup.settings import Settings
from dedup.text import Sentence, Tokens, normalize, split_sentences, tokenize

__all__ = ["PreparedText", "prepare"]


@dataclass(frozen=True)
class PreparedText:
    """A text with everything alignment needs that depends on it alone (reusable across comparisons)."""

    text: str
    tokens: Tokens
    forms: list[str]
    min_sentence_tokens: int
    idf_model: IdfModel
    grams: np.ndarray  # hash of the n-gram starting at each token (n = ``ngram``)
    ngram: int
    credits: tuple[Credit, ...]

    def grams_of(self, n: int) -> np.ndarray:
        """The n-gram hashes for ``n`` (computed again only when ``n`` differs from the prepared one)."""
        return self.grams if n == self.ngram else ngram_hashes(self.forms, n)

    @cached_property
    def sentences(self) -> list[Sentence]:
        """The text's sentences, split on first use: a comparison from exact runs alone never needs them."""
        return split_sentences(self.text, self.tokens, self.min_sentence_tokens)

    @cached_property
    def vectors(self) -> SentenceVectors:
        """The sentences' TF-IDF vectors, made on first use: most of the cost of preparing a text, which a
        comparison from exact runs alone (:func:`dedup.align.passages.verbatim_passages`) never pays."""
        return vectorize([self.forms[s.first : s.last] for s in self.sentences], self.idf_model)

    @property
    def vectorised(self) -> bool:
        """Whether :attr:`vectors` were made (most of a prepared text's memory)."""
        return "vectors" in self.__dict__

    @cached_property
    def sentence_at(self) -> dict[tuple[int, int], int]:
        """The number of the sentence spanning tokens ``[first, last)``, by ``(first, last)``."""
        return {(s.first, s.last): i for i, s in enumerate(self.sentences)}


def prepare(text: str, idf_model: IdfModel | None = None, settings: Settings | None = None) -> PreparedText:
    """Tokenise ``text``; its sentences are split and vectorised on first use."""
    settings = settings or Settings()
    tokens = tokenize(text, normalize(text))
    forms = tokens.forms
    grams = ngram_hashes(forms, settings.ngram)
    return PreparedText(
        text, tokens, forms, settings.min_sentence_tokens, idf_model or default_idf(), grams, settings.ngram,
        tuple(find_credits(text)),
    )  # fmt: skip


_GRAM_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def ngram_hashes(forms: Sequence[str], n: int) -> np.ndarray:
    """A 64-bit hash of the ``n`` tokens starting at each position (``len(forms) - n + 1`` values)."""
    tokens = feature_hashes(list(forms)).astype(np.uint64)
    count = len(tokens) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    grams = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            grams = grams * _GRAM_MULTIPLIER + tokens[k : k + count] + np.uint64(k + 1)
    return grams
