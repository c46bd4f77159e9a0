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
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from dedup.errors import DedupError

__all__ = [
    "IdfModel",
    "SentenceVectors",
    "vectorize",
    "similarity_matrix",
    "paired_cosines",
    "paired_similarity",
    "default_idf",
]

_FORMAT = "dedup-idf/1"
_DIM = 1 << 20  # hashed feature space: vectors of separate calls are comparable


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


class CompactRows:
    """Rows of a hashed feature matrix stored over the columns they use only (CSC), with those columns.

    Two documents are compared on the columns they share, so neither time nor memory depends on the
    width of the hashed space.
    """

    def __init__(self, rows) -> None:
        from scipy import sparse

        self.columns = np.unique(rows.indices)
        local = np.searchsorted(self.columns, rows.indices)
        shape = (rows.shape[0], len(self.columns))
        self.matrix = sparse.csr_matrix((rows.data, local, rows.indptr), shape=shape).tocsc()

    def rows(self, selected: np.ndarray) -> CompactRows:
        """Only the ``selected`` rows (same columns)."""
        subset = CompactRows.__new__(CompactRows)
        subset.columns, subset.matrix = self.columns, self.matrix[selected]
        return subset

    def shared_with(self, other: CompactRows):
        """Both matrices restricted to the columns both use, in the same order (CSC)."""
        _, mine, theirs = np.intersect1d(self.columns, other.columns, assume_unique=True, return_indices=True)
        return self.matrix[:, mine], other.matrix[:, theirs]


class SentenceVectors:
    """L2-normalised word and character TF-IDF rows, one per sentence."""

    def __init__(self, words, chars) -> None:
        self.words, self.chars = CompactRows(words), CompactRows(chars)


@lru_cache(maxsize=262144)
def _features(term: str) -> tuple[int, np.ndarray]:
    """The hashed column of a word and the hashed columns of its padded character 3- to 5-grams."""
    padded = f" {term} "
    grams = [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)] or [padded]
    return _hash(term), np.fromiter((_hash(g) for g in grams), dtype=np.int64, count=len(grams))


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & (_DIM - 1)


def vectorize(sentences: Sequence[Sequence[str]], idf_model: IdfModel) -> SentenceVectors:
    """TF-IDF vectors of tokenised ``sentences``.

    Features are hashed into one fixed space, so vectors of separate calls are comparable.
    """
    from scipy import sparse

    rows, terms, tfs = [], [], []
    for row, tokens in enumerate(sentences):
        for term, count in Counter(tokens).items():
            rows.append(row)
            terms.append(term)
            tfs.append(1.0 + math.log(count))
    weights = np.asarray(tfs, dtype=np.float64) * idf_model.idf(terms)
    features = [_features(t) for t in terms]
    word_cols = np.fromiter((f[0] for f in features), dtype=np.int64, count=len(features))
    gram_cols = [f[1] for f in features]
    gram_counts = np.fromiter((len(g) for g in gram_cols), dtype=np.int64, count=len(gram_cols))
    shape = (len(sentences), _DIM)
    words = sparse.csr_matrix((weights, (np.asarray(rows, dtype=np.int64), word_cols)), shape=shape)
    chars = sparse.csr_matrix(
        (
            np.repeat(weights, gram_counts),
            (np.repeat(np.asarray(rows, dtype=np.int64), gram_counts), _concat(gram_cols)),
        ),
        shape=shape,
    )
    return SentenceVectors(_unit_rows(words), _unit_rows(chars))


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


def _unit_rows(matrix):
    """Scale every non-zero row of a CSR matrix to unit L2 norm, in place (all-zero rows stay zero)."""
    matrix.sum_duplicates()
    squares = np.add.reduceat(matrix.data**2, matrix.indptr[:-1]) if matrix.nnz else np.zeros(0)
    row_lengths = np.diff(matrix.indptr)
    norms = np.ones(matrix.shape[0])
    norms[row_lengths > 0] = np.sqrt(squares[row_lengths > 0])
    matrix.data /= np.repeat(norms, row_lengths)
    return matrix


def _dot(x: CompactRows, y: CompactRows) -> np.ndarray:
    a, b = x.shared_with(y)
    if not a.shape[1]:
        return np.zeros((a.shape[0], b.shape[0]))
    return (a.tocsr() @ b.T).toarray()


WORD_FLOOR = 0.1


def similarity_matrix(a: SentenceVectors, b: SentenceVectors) -> np.ndarray:
    """Similarity of every sentence of ``a`` with every sentence of ``b``: mean of the two cosines.

    Character cosines, the costly part, are computed only between sentences that reach a word cosine of
    ``WORD_FLOOR`` with some sentence of the other text; elsewhere the character cosine counts as 0 (a
    sentence sharing almost no word with the other text is no rewrite of any of its sentences).
    """
    words = _dot(a.words, b.words)
    rows = np.flatnonzero((words >= WORD_FLOOR).any(axis=1))
    cols = np.flatnonzero((words >= WORD_FLOOR).any(axis=0))
    if len(rows) and len(cols):
        chars = _dot(a.chars.rows(rows), b.chars.rows(cols))
        words[np.ix_(rows, cols)] += chars
    return words / 2.0


def _paired_dot(x: CompactRows, y: CompactRows) -> np.ndarray:
    a, b = x.shared_with(y)
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def paired_cosines(a: SentenceVectors, b: SentenceVectors) -> tuple[np.ndarray, np.ndarray]:
    """Word and character cosines of row ``i`` of ``a`` with row ``i`` of ``b`` (same number of rows)."""
    return _paired_dot(a.words, b.words), _paired_dot(a.chars, b.chars)


def paired_similarity(a: SentenceVectors, b: SentenceVectors) -> np.ndarray:
    """Similarity of row ``i`` of ``a`` with row ``i`` of ``b``, for every ``i`` (same number of rows)."""
    words, chars = paired_cosines(a, b)
    return (words + chars) / 2.0
