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
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dedup.errors import DedupError
from dedup.hashing import feature_hashes

__all__ = [
    "IdfModel",
    "SentenceVectors",
    "vectorize",
    "SentenceCosines",
    "sentence_cosines",
    "similarity_matrix",
    "paired_cosines",
    "paired_similarity",
    "mean_similarity",
    "span_cosines",
    "default_idf",
    "term_idf",
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


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of non-negative integers, by one sort of every value packed
    with its position: several times faster than the argsort ``np.unique`` does, when both fit in 63 bits."""
    count = len(values)
    bits = count.bit_length()
    if not count or int(values.min()) < 0 or int(values.max()) >= 1 << (63 - bits):
        return np.unique(values, return_inverse=True)
    packed = np.sort((values.astype(np.int64) << bits) | np.arange(count, dtype=np.int64))
    ordered = packed >> bits
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    inverse = np.empty(count, dtype=np.int64)
    inverse[packed & ((1 << bits) - 1)] = np.cumsum(first) - 1
    return ordered[first], inverse


class SentenceRows:
    """L2-normalised rows of a hashed feature space, as flat entries sorted by row, then column.

    Two texts are compared on the columns they share only, so neither time nor memory depends on the
    width of the hashed space, and nothing but these arrays is built per text.
    """

    def __init__(self, keys: np.ndarray, weights: np.ndarray, n_rows: int) -> None:
        self.n_rows = n_rows
        # row and column numbers fit 32 bits; held per entry, they are most of a cached article's memory
        self.rows, self.weights = (keys // _DIM).astype(np.int32), weights
        # the distinct columns, and for every entry the number of its column among them
        self.used, local = _unique_inverse(keys % _DIM)
        self.local = local.astype(np.int32)

    def norms(self) -> np.ndarray:
        """The L2 norm of every row (1, or 0 for a row without features)."""
        return np.sqrt(np.bincount(self.rows, weights=self.weights**2, minlength=self.n_rows))

    def on_columns(self, used: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries in the columns ``self.used[used]``: their rows, the number of their column within
        ``used``, and their weights (in entry order)."""
        shared = np.full(len(self.used), -1)
        shared[used] = np.arange(len(used))
        column = shared[self.local]
        keep = np.flatnonzero(column >= 0)
        return self.rows[keep], column[keep], self.weights[keep]

    def restricted(self, used: np.ndarray, selected: np.ndarray | None = None):
        """A CSR matrix of the ``selected`` rows (all when None) over the columns ``self.used[used]``."""
        from scipy import sparse

        rows, columns, weights = self.on_columns(used)
        n_rows = self.n_rows
        if selected is not None:
            numbering = np.full(self.n_rows, -1)
            numbering[selected] = np.arange(len(selected))
            rows, n_rows = numbering[rows], len(selected)
            keep = rows >= 0
            rows, columns, weights = rows[keep], columns[keep], weights[keep]
        indptr = np.searchsorted(rows, np.arange(n_rows + 1))
        return sparse.csr_matrix((weights, columns, indptr), shape=(n_rows, len(used)))


class SentenceVectors:
    """Word and character TF-IDF rows, one per sentence. ``numbers`` are the tokens' numbers in ``terms``
    (the term table as it was; a later clearing leaves it alone): any run of tokens can be vectorised
    without looking its words up again (:func:`span_cosines`)."""

    def __init__(
        self, words: SentenceRows, chars: SentenceRows, numbers: np.ndarray, terms: _TermArrays
    ) -> None:
        self.words, self.chars = words, chars
        self.numbers, self.terms = numbers, terms


class _Buffer:
    """A numpy array that grows by doubling (appending costs amortised constant time per value)."""

    def __init__(self, dtype) -> None:
        self._data, self.size = np.zeros(1024, dtype=dtype), 0

    def extend(self, values: np.ndarray) -> None:
        needed = self.size + len(values)
        if needed > len(self._data):
            grown = np.zeros(max(needed, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : needed] = values
        self.size = needed

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]


class _TermArrays(NamedTuple):
    size: int
    hashes: np.ndarray  # CRC-32 of the term; its word column is the low bits
    idf: np.ndarray
    gram_starts: np.ndarray
    gram_counts: np.ndarray
    grams: np.ndarray


class _Terms:
    """Every term seen with one IDF model, numbered, with its hash, IDF and character n-gram columns.

    Features of a term are computed once per process; a batch then numbers its tokens with one dictionary
    lookup each and does everything else by indexing these arrays. Cleared when it holds ``MAX_TERMS``.
    """

    MAX_TERMS = 2_000_000

    def __init__(self, idf_model: IdfModel) -> None:
        self.idf_model, self._lock = idf_model, threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.numbers: dict[str, int] = {}
        self.hashes, self.idf = _Buffer(np.int64), _Buffer(np.float64)
        self.gram_starts, self.gram_counts, self.grams = (
            _Buffer(np.int64),
            _Buffer(np.int64),
            _Buffer(np.int64),
        )

    def number(self, tokens: list[str]) -> tuple[np.ndarray, _TermArrays]:
        """The term number of every token (new terms are added), and the arrays those numbers index.

        Thread-safe: the arrays returned are views that later additions or a clearing do not change.
        """
        with self._lock:
            numbers = np.fromiter(
                map(self.numbers.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens)
            )
            unknown = np.flatnonzero(numbers < 0).tolist()
            if unknown:  # a new term is rare, but most texts hold one: number only those tokens again
                new = list(dict.fromkeys(tokens[i] for i in unknown))
                if len(self.numbers) + len(new) > self.MAX_TERMS:
                    self.clear()
                    new, unknown = list(dict.fromkeys(tokens)), range(len(tokens))
                self._add(new)
                numbers[unknown] = [self.numbers[tokens[i]] for i in unknown]
            arrays = _TermArrays(
                len(self.numbers), self.hashes.values, self.idf.values, self.gram_starts.values,
                self.gram_counts.values, self.grams.values,
            )  # fmt: skip
        return numbers, arrays

    def _add(self, terms: list[str]) -> None:
        for term in terms:
            self.numbers[term] = len(self.numbers)
        self.hashes.extend(feature_hashes(terms).astype(np.int64))
        self.idf.extend(self.idf_model.idf(terms))
        grams = [_char_grams(term) for term in terms]
        counts = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        self.gram_starts.extend(self.grams.size + np.cumsum(counts) - counts)
        self.gram_counts.extend(counts)
        flat = [g.encode("utf-8") for term_grams in grams for g in term_grams]
        self.grams.extend(np.fromiter(map(zlib.crc32, flat), dtype=np.int64, count=len(flat)) & (_DIM - 1))


def term_idf(terms: list[str], idf_model: IdfModel) -> np.ndarray:
    """:meth:`IdfModel.idf` of ``terms``, looked up in the process's term table of the model (terms recur
    across comparisons; the table computes each one's IDF once)."""
    numbers, arrays = _terms_of(idf_model).number(terms)
    return arrays.idf[numbers]


def _char_grams(term: str) -> list[str]:
    """A word's character 3- to 5-grams, padded with spaces."""
    padded = f" {term} "
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)] or [padded]


_term_tables: dict[int, tuple[IdfModel, _Terms]] = {}


_term_tables_lock = threading.Lock()


def _terms_of(idf_model: IdfModel) -> _Terms:
    """The term table of ``idf_model`` (a few models are kept; the model is held so its id stays its own)."""
    with _term_tables_lock:
        entry = _term_tables.get(id(idf_model))
        if entry is None:
            if len(_term_tables) >= 4:
                _term_tables.pop(next(iter(_term_tables)))
            entry = _term_tables[id(idf_model)] = (idf_model, _Terms(idf_model))
    return entry[1]


Entries = tuple[np.ndarray, np.ndarray, np.ndarray]  # row, hashed column, weight of each (row, feature)


def _numbered(
    sentences: Sequence[Sequence[str]], idf_model: IdfModel
) -> tuple[np.ndarray, np.ndarray, _TermArrays]:
    """The term number of every token of ``sentences`` (flat), each sentence's length, and the term arrays."""
    numbers, terms = _terms_of(idf_model).number([t for tokens in sentences for t in tokens])
    lengths = np.fromiter((len(tokens) for tokens in sentences), dtype=np.int64, count=len(sentences))
    return numbers, lengths, terms


def _entries(numbers: np.ndarray, lengths: np.ndarray, terms: _TermArrays) -> tuple[Entries, Entries]:
    """The TF-IDF entries of sentences of ``lengths`` tokens, numbered (:func:`_numbered`), words and
    character n-grams apart (not normalised; a column may recur within a row, where its weights add up).

    Counting, weighting and spreading each term over its character n-grams are array operations.
    """
    size = max(terms.size, 1)
    codes = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths) * size + numbers
    codes, counts = np.unique(codes, return_counts=True)
    rows, term_ids = codes // size, codes % size
    weights = (1.0 + np.log(counts)) * terms.idf[term_ids]
    word_cols = terms.hashes[term_ids] & (_DIM - 1)
    per_entry = terms.gram_counts[term_ids]
    # the n-gram columns of every entry's term: its run of ``grams``, runs laid end to end
    offsets = np.arange(int(per_entry.sum())) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
    gram_cols = terms.grams[np.repeat(terms.gram_starts[term_ids], per_entry) + offsets]
    chars = (np.repeat(rows, per_entry), gram_cols, np.repeat(weights, per_entry))
    return (rows, word_cols, weights), chars


def vectorize(sentences: Sequence[Sequence[str]], idf_model: IdfModel) -> SentenceVectors:
    """TF-IDF vectors of tokenised ``sentences``.

    Features are hashed into one fixed space, so vectors of separate calls are comparable.
    """
    numbers, lengths, terms = _numbered(sentences, idf_model)
    words, chars = (
        SentenceRows(*_unit_keys(entries), len(sentences)) for entries in _entries(numbers, lengths, terms)
    )
    return SentenceVectors(words, chars, numbers, terms)


def _common(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the values ``x`` and ``y`` share lie in each (both sorted and distinct), ascending: a binary
    search of ``x`` in ``y`` rather than sorting both together as ``np.intersect1d`` does."""
    if not len(x) or not len(y):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    at = np.searchsorted(y, x)
    in_x = np.flatnonzero(y[np.minimum(at, len(y) - 1)] == x)
    return in_x, at[in_x]


def _dot(
    x: SentenceRows, y: SentenceRows, x_rows: np.ndarray | None = None, y_rows: np.ndarray | None = None
) -> np.ndarray:
    """Dot products of the (selected) rows of ``x`` with those of ``y``."""
    in_x, in_y = _common(x.used, y.used)
    if not len(in_x):
        return np.zeros(
            (x.n_rows if x_rows is None else len(x_rows), y.n_rows if y_rows is None else len(y_rows))
        )
    return (x.restricted(in_x, x_rows) @ y.restricted(in_y, y_rows).T).toarray()


def _joined_dot(x: SentenceRows, y: SentenceRows) -> np.ndarray:
    """:func:`_dot` of all rows by joining the entries of shared columns in numpy, bit for bit the same sums
    (each cell adds its products in column order, as scipy's product does). Faster than building sparse
    matrices where few columns are shared, each by few rows: word rows; character rows share thousands of
    columns, each by many rows, and there scipy's product in C wins."""
    in_x, in_y = _common(x.used, y.used)
    if not len(in_x):
        return np.zeros((x.n_rows, y.n_rows))
    rows_x, columns_x, weights_x = x.on_columns(in_x)
    rows_y, columns_y, weights_y = y.on_columns(in_y)
    by_column = np.argsort(columns_y, kind="stable")
    rows_y, weights_y = rows_y[by_column], weights_y[by_column]
    per_column = np.bincount(columns_y, minlength=len(in_x))
    first_of_column = np.cumsum(per_column) - per_column
    repeats = per_column[columns_x]  # each entry of x meets every entry of y in its column
    total = int(repeats.sum())
    partner = np.repeat(first_of_column[columns_x] - (np.cumsum(repeats) - repeats), repeats) + np.arange(
        total
    )
    cells = np.repeat(rows_x.astype(np.int64), repeats) * y.n_rows + rows_y[partner]
    products = np.repeat(weights_x, repeats) * weights_y[partner]
    return np.bincount(cells, weights=products, minlength=x.n_rows * y.n_rows).reshape(x.n_rows, y.n_rows)


WORD_FLOOR = 0.1


def mean_similarity(words: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """The similarity of two wordings: the mean of their word and character TF-IDF cosines."""
    return (words + chars) / 2.0


class SentenceCosines(NamedTuple):
    """Word and character cosines of every sentence of one text (rows) with every sentence of another."""

    words: np.ndarray
    chars: np.ndarray  # NaN where not computed (see :func:`sentence_cosines`)

    @property
    def similarity(self) -> np.ndarray:
        """Mean of the two cosines, a character cosine not computed counting as 0."""
        return mean_similarity(self.words, np.nan_to_num(self.chars, nan=0.0))


def sentence_cosines(a: SentenceVectors, b: SentenceVectors) -> SentenceCosines:
    """Cosines of every sentence of ``a`` with every sentence of ``b``.

    Character cosines, the costly part, are computed only between sentences that reach a word cosine of
    ``WORD_FLOOR`` with some sentence of the other text (a sentence sharing almost no word with the other
    text is no rewrite of any of its sentences).
    """
    words = _joined_dot(a.words, b.words)
    chars = np.full(words.shape, np.nan)
    rows = np.flatnonzero((words >= WORD_FLOOR).any(axis=1))
    cols = np.flatnonzero((words >= WORD_FLOOR).any(axis=0))
    if len(rows) and len(cols):
        chars[np.ix_(rows, cols)] = _dot(a.chars, b.chars, rows, cols)
    return SentenceCosines(words, chars)


def similarity_matrix(a: SentenceVectors, b: SentenceVectors) -> np.ndarray:
    """Similarity of every sentence of ``a`` with every sentence of ``b``: mean of the two cosines (see
    :func:`sentence_cosines`; elsewhere than where it computes them the character cosine counts as 0)."""
    return sentence_cosines(a, b).similarity


def _unit_keys(entries: Entries) -> tuple[np.ndarray, np.ndarray]:
    """Entries as sorted unique keys ``row * DIM + column`` with weights scaled to unit L2 norm per row."""
    rows, cols, weights = entries
    keys, inverse = _unique_inverse(rows * _DIM + cols)
    summed = np.bincount(inverse, weights=weights, minlength=len(keys))
    key_rows = keys // _DIM
    norms = np.sqrt(np.bincount(key_rows, weights=summed**2))
    return keys, summed / norms[key_rows]


def _paired_dot(first: Entries, second: Entries, n_rows: int) -> np.ndarray:
    keys_a, weights_a = _unit_keys(first)
    keys_b, weights_b = _unit_keys(second)
    in_a, in_b = _common(keys_a, keys_b)
    return np.bincount(keys_a[in_a] // _DIM, weights=weights_a[in_a] * weights_b[in_b], minlength=n_rows)


def paired_cosines(
    first: Sequence[Sequence[str]],
    second: Sequence[Sequence[str]],
    idf_model: IdfModel,
    known: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Word and character cosines of the TF-IDF vectors of ``first[i]`` and ``second[i]``, for every ``i``.

    Computed on flat arrays of entries, without building matrices: a few sorts for the whole batch.
    ``known`` holds cosines already computed (a pair of whole sentences is in :func:`sentence_cosines`),
    NaN where they are not: only those pairs are computed.
    """
    if len(first) != len(second):
        raise ValueError(f"paired token lists differ in number: {len(first)} and {len(second)}")

    def computed(pairs: list[int]) -> tuple[np.ndarray, np.ndarray]:
        entries_a = _entries(*_numbered([first[i] for i in pairs], idf_model))
        entries_b = _entries(*_numbered([second[i] for i in pairs], idf_model))
        return _entry_cosines(entries_a, entries_b, len(pairs))

    return _unless_known(len(first), known, computed)


def span_cosines(
    a: SentenceVectors,
    a_spans: np.ndarray,
    b: SentenceVectors,
    b_spans: np.ndarray,
    known: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`paired_cosines` of the token runs ``a_spans[i]`` of ``a`` and ``b_spans[i]`` of ``b`` (rows
    ``(first, last)``, half-open, ``0 <= first <= last`` up to the number of tokens the vectors were made
    of: not checked, this is the aligner's inner loop), from the tokens' term numbers."""
    if len(a_spans) != len(b_spans):
        raise ValueError(f"paired token runs differ in number: {len(a_spans)} and {len(b_spans)}")

    def computed(pairs: list[int]) -> tuple[np.ndarray, np.ndarray]:
        entries_a, entries_b = (_run_entries(v, spans[pairs]) for v, spans in ((a, a_spans), (b, b_spans)))
        return _entry_cosines(entries_a, entries_b, len(pairs))

    return _unless_known(len(a_spans), known, computed)


def _run_entries(vectors: SentenceVectors, spans: np.ndarray) -> tuple[Entries, Entries]:
    """:func:`_entries` of runs of the tokens of ``vectors``, one row per run."""
    lengths = spans[:, 1] - spans[:, 0]
    starts = np.cumsum(lengths) - lengths
    positions = np.arange(int(lengths.sum())) + np.repeat(spans[:, 0] - starts, lengths)
    return _entries(vectors.numbers[positions], lengths, vectors.terms)


Cosines = tuple[np.ndarray, np.ndarray]  # word and character cosines of pairs


def _entry_cosines(a: tuple[Entries, Entries], b: tuple[Entries, Entries], n_rows: int) -> Cosines:
    """Word and character cosines of the rows of two sets of :func:`_entries`."""
    return _paired_dot(a[0], b[0], n_rows), _paired_dot(a[1], b[1], n_rows)


def _unless_known(count: int, known: Cosines | None, computed: Callable[[list[int]], Cosines]) -> Cosines:
    """Word and character cosines of ``count`` pairs: ``known`` ones (not NaN) as they are, the others
    ``computed(pairs)``."""
    if known is None:
        return computed(list(range(count)))
    words, chars = known[0].copy(), known[1].copy()
    missing = np.flatnonzero(np.isnan(words) | np.isnan(chars)).tolist()
    if missing:
        words[missing], chars[missing] = computed(missing)
    return words, chars


def paired_similarity(
    first: Sequence[Sequence[str]],
    second: Sequence[Sequence[str]],
    idf_model: IdfModel,
    known: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The similarity (mean of word and character cosines) of ``first[i]`` and ``second[i]``, for every ``i``
    (``known`` as for :func:`paired_cosines`)."""
    return mean_similarity(*paired_cosines(first, second, idf_model, known))
