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


Entries = tuple[np.ndarray, np.ndarray, np.ndarray]  # row, hashed column, weight of each (row, feature)


def _entries(sentences: Sequence[Sequence[str]], idf_model: IdfModel) -> tuple[Entries, Entries]:
    """The TF-IDF entries of tokenised ``sentences``, words and character n-grams apart (not normalised;
    a column may recur within a row, where its weights add up).

    Tokens are numbered by a dictionary in one pass; counting, weighting and spreading each term over its
    character n-grams are array operations over the distinct terms.
    """
    vocabulary: dict[str, int] = {}
    flat = [vocabulary.setdefault(t, len(vocabulary)) for tokens in sentences for t in tokens]
    lengths = np.fromiter((len(tokens) for tokens in sentences), dtype=np.int64, count=len(sentences))
    size = max(len(vocabulary), 1)
    codes = np.repeat(np.arange(len(sentences), dtype=np.int64), lengths) * size + np.asarray(flat, np.int64)
    codes, counts = np.unique(codes, return_counts=True)
    rows, term_ids = codes // size, codes % size
    terms = list(vocabulary)
    features = [_features(t) for t in terms]
    weights = (1.0 + np.log(counts)) * idf_model.idf(terms)[term_ids]
    word_cols = np.fromiter((f[0] for f in features), dtype=np.int64, count=len(features))[term_ids]
    gram_counts = np.fromiter((len(f[1]) for f in features), dtype=np.int64, count=len(features))
    gram_starts = np.cumsum(gram_counts) - gram_counts
    all_grams = _concat([f[1] for f in features])
    per_entry = gram_counts[term_ids]
    # the n-gram columns of every entry's term: its run of ``all_grams``, runs laid end to end
    offsets = np.arange(int(per_entry.sum())) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
    gram_cols = all_grams[np.repeat(gram_starts[term_ids], per_entry) + offsets]
    chars = (np.repeat(rows, per_entry), gram_cols, np.repeat(weights, per_entry))
    return (rows, word_cols, weights), chars


def vectorize(sentences: Sequence[Sequence[str]], idf_model: IdfModel) -> SentenceVectors:
    """TF-IDF vectors of tokenised ``sentences``.

    Features are hashed into one fixed space, so vectors of separate calls are comparable.
    """
    from scipy import sparse

    rows = np.arange(len(sentences) + 1)
    words, chars = (
        # unit keys are sorted by row, then column: they are the CSR layout already
        sparse.csr_matrix(
            (weights, keys % _DIM, np.searchsorted(keys // _DIM, rows)), shape=(len(sentences), _DIM)
        )
        for keys, weights in map(_unit_keys, _entries(sentences, idf_model))
    )
    return SentenceVectors(words, chars)


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


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


def _unit_keys(entries: Entries) -> tuple[np.ndarray, np.ndarray]:
    """Entries as sorted unique keys ``row * DIM + column`` with weights scaled to unit L2 norm per row."""
    rows, cols, weights = entries
    keys, inverse = np.unique(rows * _DIM + cols, return_inverse=True)
    summed = np.bincount(inverse, weights=weights, minlength=len(keys))
    key_rows = keys // _DIM
    norms = np.sqrt(np.bincount(key_rows, weights=summed**2))
    return keys, summed / norms[key_rows]


def _paired_dot(first: Entries, second: Entries, n_rows: int) -> np.ndarray:
    keys_a, weights_a = _unit_keys(first)
    keys_b, weights_b = _unit_keys(second)
    shared, in_a, in_b = np.intersect1d(keys_a, keys_b, assume_unique=True, return_indices=True)
    return np.bincount(shared // _DIM, weights=weights_a[in_a] * weights_b[in_b], minlength=n_rows)


def paired_cosines(
    first: Sequence[Sequence[str]], second: Sequence[Sequence[str]], idf_model: IdfModel
) -> tuple[np.ndarray, np.ndarray]:
    """Word and character cosines of the TF-IDF vectors of ``first[i]`` and ``second[i]``, for every ``i``.

    Computed on flat arrays of entries, without building matrices: a few sorts for the whole batch.
    """
    if len(first) != len(second):
        raise ValueError(f"paired token lists differ in number: {len(first)} and {len(second)}")
    words_a, chars_a = _entries(first, idf_model)
    words_b, chars_b = _entries(second, idf_model)
    return _paired_dot(words_a, words_b, len(first)), _paired_dot(chars_a, chars_b, len(first))


def paired_similarity(
    first: Sequence[Sequence[str]], second: Sequence[Sequence[str]], idf_model: IdfModel
) -> np.ndarray:
    """The similarity (mean of word and character cosines) of ``first[i]`` and ``second[i]``, for every ``i``."""
    words, chars = paired_cosines(first, second, idf_model)
    return (words + chars) / 2.0
