"""Passage neighbours: candidate pairs from the TF-IDF cosine of chunks of content words.

LSH over windows (:mod:`dedup.candidates.lsh`) finds articles whose windows are near-identical; reuse that
shuffles, replaces or summarises its words often leaves no window alike. Here every article's content words
(:func:`dedup.hashing.features`, as CRC-32 hashes) are cut into consecutive chunks of ``chunk_words``, and
chunk ``c`` becomes the unit vector of scikit-learn's smooth, sublinear TF-IDF::

    w(t, c) = (1 + ln tf(t, c)) * (ln((1 + n) / (1 + df(t))) + 1)

over the ``n`` chunks of the corpus, keeping the terms found in at least two chunks (others match nothing)
and in at most a share ``max_df`` of them or 100 (common words cost most of the product and say least; in
a corpus of a few hundred chunks they cost nothing). Each chunk's ``k`` most similar chunks of *other*
articles, with a cosine of at least ``min_cosine``, make their two articles a candidate pair. The sparse
product with top-``k`` selection is sparse_dot_topn's; its cost grows with the square of the number of
chunks, which is why a scan runs this stage only on corpora of up to ``neighbour_max_words`` content words
(:class:`dedup.settings.Settings`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["chunk_vectors", "neighbour_pairs"]


_ALWAYS_KEPT_DF = 100  # chunks a term may be in whatever max_df says


_TOLERANCE = 1e-6  # of float32 cosines against ``min_cosine``


def chunk_vectors(
    words: Sequence[np.ndarray], chunk_words: int, max_df: float = 0.05
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Unit TF-IDF rows of every article's chunks of ``chunk_words`` content-word hashes, and the article
    (index into ``words``) of each row. An article without content words has no chunk."""
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    per_article = -(-lengths // chunk_words)
    owner = np.repeat(np.arange(len(words)), per_article)
    if not len(owner):
        return sp.csr_matrix((0, 0), dtype=np.float32), owner
    hashes = np.concatenate(words)
    position = np.arange(len(hashes)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.repeat(np.cumsum(per_article) - per_article, lengths) + position // chunk_words
    terms, columns = np.unique(hashes, return_inverse=True)
    counts = sp.csr_matrix(
        (np.ones(len(hashes), dtype=np.float32), (rows, columns)), shape=(len(owner), len(terms))
    )  # duplicates summed: term frequencies
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    vectors = counts[:, np.flatnonzero((df >= 2) & (df <= max(max_df * n, _ALWAYS_KEPT_DF)))].tocsr()
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sp.csr_matrix(sp.diags(1 / norms).astype(np.float32) @ vectors), owner


def neighbour_pairs(
    words: Sequence[np.ndarray],
    *,
    k: int,
    min_cosine: float,
    chunk_words: int,
    max_df: float = 0.05,
    threads: int = 1,
) -> np.ndarray:
    """Article pairs ``(i, j)``, ``i < j``, sorted and unique, where a chunk of one is among the ``k``
    chunks of other articles most similar to a chunk of the other, with a cosine of at least ``min_cosine``
    (computed in float32, to within 1e-6).

    An article's own chunks are set aside after the selection, which keeps ``2 k + 1`` per chunk: one that
    repeats itself more than ``k`` times may get fewer than ``k`` neighbours.
    """
    from sparse_dot_topn import sp_matmul_topn

    vectors, owner = chunk_vectors(words, chunk_words, max_df)
    if not vectors.shape[0] or not vectors.nnz:
        return np.zeros((0, 2), dtype=np.int64)
    # float32 cosines of equal chunks can fall just below 1, and the library keeps values above threshold
    similar = sp_matmul_topn(
        vectors, vectors.T.tocsr(), top_n=2 * k + 1, threshold=min_cosine - _TOLERANCE,
        sort=True, n_threads=threads if threads > 1 else None,
    ).tocsr()  # fmt: skip
    rows = np.repeat(np.arange(similar.shape[0]), np.diff(similar.indptr))
    columns = similar.indices
    other = owner[rows] != owner[columns]
    rows, columns = rows[other], columns[other]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)  # place among the row's other articles
    first, second = owner[rows[rank < k]], owner[columns[rank < k]]
    pairs = np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1)
    return np.unique(pairs, axis=0).astype(np.int64)
