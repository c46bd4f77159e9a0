"""Sentence similarity with TF-IDF over words and character n-grams, with IDF from a background corpus.

Every sentence is a bag of folded tokens. Its word vector has weights ``(1 + ln tf(t)) * idf(t)`` with the
smoothed IDF of scikit-learn, ``idf(t) = ln[(1 + n) / (1 + df(t))] + 1``, where ``n`` sentences of a
background corpus were counted and ``df(t)`` of them hold ``t``. Its character vector spreads each word's
weight over the word's character 3- to 5-grams (padded with spaces, as scikit-learn's ``char_wb``), so
``recognition`` and ``recognised`` share most of their weight. Both vectors are L2-normalised;
the similarity of two sentences is the mean of the two cosines.

The IDF is learnt from sentences, never from the two articles alone: a background fitted once (the bundled
one was counted over news sentences), to which the sentences of the corpus at hand can be added.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from dedup.errors import DedupError

__all__ = ["IdfModel", "SentenceVectors", "vectorize", "similarity_matrix", "default_idf"]

_FORMAT = "dedup-idf/1"
_DIM = 1 << 22  # hashed feature space: vectors of separate calls are comparable


@dataclass(frozen=True)
class IdfModel:
    """Sentence document frequencies of words; stored as JSON (never pickle)."""

    n_docs: int
    df: dict[str, int] = field(repr=False)

    @classmethod
    def from_sentences(cls, sentences: Iterable[Iterable[str]], *, min_df: int = 1) -> IdfModel:
        """Count, for every word, the sentences (token sequences) that hold it."""
        counts: Counter[str] = Counter()
        n_docs = 0
        for tokens in sentences:
            counts.update(set(tokens))
            n_docs += 1
        return cls(n_docs, {t: c for t, c in counts.items() if c >= min_df})

    def plus(self, other: IdfModel) -> IdfModel:
        """The model of both corpora together."""
        df = dict(self.df)
        for term, count in other.df.items():
            df[term] = df.get(term, 0) + count
        return IdfModel(self.n_docs + other.n_docs, df)

    def idf(self, terms: Sequence[str]) -> np.ndarray:
        """``ln[(1 + n) / (1 + df(t))] + 1`` for each term."""
        df = np.fromiter((self.df.get(t, 0) for t in terms), dtype=np.float64, count=len(terms))
        return np.log((1.0 + self.n_docs) / (1.0 + df)) + 1.0

    def save(self, path: str | Path) -> None:
        data = {"format": _FORMAT, "n_docs": self.n_docs, "df": dict(sorted(self.df.items()))}
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: str | Path) -> IdfModel:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, EOFError, ValueError) as error:
            raise DedupError(f"{path}: not a readable IDF model ({error})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise DedupError(f"{path}: not an IDF model of format {_FORMAT}")
        return cls(int(data["n_docs"]), {str(k): int(v) for k, v in data["df"].items()})


_default: IdfModel | None = None


def default_idf() -> IdfModel:
    """The bundled background model (word frequencies over news sentences), loaded once."""
    global _default
    if _default is None:
        _default = IdfModel.load(resources.files("dedup") / "data" / "background_idf.json.gz")
    return _default


@dataclass(frozen=True)
class SentenceVectors:
    """L2-normalised word and character TF-IDF rows, one per sentence (scipy CSR matrices)."""

    words: object
    chars: object


def _char_ngrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def vectorize(sentences: Sequence[Sequence[str]], idf_model: IdfModel) -> SentenceVectors:
    """TF-IDF vectors of tokenised ``sentences``; vocabularies are shared by every call's rows only.

    Vectors of two calls are comparable because both the word and the character features are hashed.
    """
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, tokens in enumerate(sentences):
        for term, count in Counter(tokens).items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(1.0 + math.log(count))
    terms = list(vocabulary)
    weights = sparse.csr_matrix(
        (np.asarray(values), (rows, cols)), shape=(len(sentences), len(terms))
    ) @ sparse.diags(idf_model.idf(terms))
    word_features = sparse.csr_matrix(
        (np.ones(len(terms)), (np.arange(len(terms)), [_hash(t) for t in terms])), shape=(len(terms), _DIM)
    )
    char_rows, char_cols = [], []
    for index, term in enumerate(terms):
        grams = _char_ngrams(term)
        char_rows.extend([index] * len(grams))
        char_cols.extend(_hash(g) for g in grams)
    char_features = sparse.csr_matrix(
        (np.ones(len(char_cols)), (char_rows, char_cols)), shape=(len(terms), _DIM)
    )
    return SentenceVectors(_unit_rows(weights @ word_features), _unit_rows(weights @ char_features))


def _unit_rows(matrix):
    """Scale every non-zero row to unit L2 norm (all-zero rows stay zero)."""
    from scipy import sparse

    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def _hash(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & (_DIM - 1)


def similarity_matrix(a: SentenceVectors, b: SentenceVectors) -> np.ndarray:
    """Similarity of every sentence of ``a`` with every sentence of ``b``: mean of the two cosines."""
    return np.asarray(((a.words @ b.words.T) + (a.chars @ b.chars.T)).todense()) / 2.0
