from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align.similarity import (
    IdfModel,
    _common,
    _dot,
    _joined_dot,
    _Terms,
    _terms_of,
    _unique_inverse,
    default_idf,
    paired_cosines,
    sentence_cosines,
    similarity_matrix,
    span_cosines,
    term_idf,
    vectorize,
)
from dedup.errors import DedupError

from .textgen import article


def test_idf_is_the_smoothed_formula():
    model = IdfModel.from_sentences([["a", "b"], ["a"], ["c"]])
    assert model.n_docs == 3
    np.testing.assert_allclose(model.idf(["a", "zz"]), [math.log(4 / 3) + 1, math.log(4 / 1) + 1])


def test_models_add_up_and_round_trip_through_json(tmp_path):
    model = IdfModel.from_sentences([["a"], ["a", "b"]]).plus(IdfModel.from_sentences([["b"]]))
    assert (model.n_docs, model.df) == (3, {"a": 2, "b": 2})
    path = tmp_path / "idf.json.gz"
    model.save(path)
    assert IdfModel.load(path) == model


def test_a_broken_model_file_raises_a_clear_error(tmp_path):
    path = tmp_path / "idf.json.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(DedupError, match="not a readable IDF model"):
        IdfModel.load(path)


def test_rows_have_unit_norm_and_identical_sentences_score_one():
    sentences = [["the", "cat", "sat"], ["a", "dog", "barked", "loudly"]]
    vectors = vectorize(sentences, default_idf())
    for rows in (vectors.words, vectors.chars):
        np.testing.assert_allclose(rows.norms(), 1.0)
    scores = similarity_matrix(vectors, vectorize(sentences, default_idf()))
    np.testing.assert_allclose(np.diag(scores), 1.0)
    assert scores[0, 1] < 0.2


def test_morphological_variants_score_higher_than_unrelated_words():
    idf = default_idf()
    base = vectorize([["facial", "recognition", "technology"]], idf)
    variant = vectorize([["facial", "recognised", "technologies"]], idf)
    unrelated = vectorize([["football", "transfer", "deal"]], idf)
    assert similarity_matrix(base, variant)[0, 0] > 0.3 > similarity_matrix(base, unrelated)[0, 0]


def test_rare_words_weigh_more_than_common_ones():
    idf = default_idf()
    assert idf.idf(["uighur"])[0] > idf.idf(["the"])[0]


token_lists = st.lists(st.lists(st.sampled_from(["bank", "banks", "rate", "the", "rose", "zq"]), max_size=12))


@settings(max_examples=80, deadline=None)
@given(
    token_lists.flatmap(
        lambda first: st.tuples(
            st.just(first),
            st.lists(
                st.lists(st.sampled_from(["bank", "rates", "rate", "the", "fell", "zq"]), max_size=12),
                min_size=len(first),
                max_size=len(first),
            ),
        )
    )
)
def test_paired_cosines_equal_the_diagonal_of_the_matrix_products(pair):
    first, second = pair
    model = default_idf()
    words, chars = paired_cosines(first, second, model)
    a, b = vectorize(first, model), vectorize(second, model)
    expected_words = np.diag(_dot(a.words, b.words)) if first else np.zeros(0)
    expected_chars = np.diag(_dot(a.chars, b.chars)) if first else np.zeros(0)
    np.testing.assert_allclose(words, expected_words, atol=1e-12)
    np.testing.assert_allclose(chars, expected_chars, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_sentence_matrices_hold_exactly_the_paired_cosines_where_they_compute_them(seed_a, seed_b):
    # alignment reads a sentence pair's cosines from the matrices instead of computing them again:
    # the two computations must agree to the last bit, or reusing them would change decisions
    model = default_idf()
    first = [s.split() for s in article(seed_a, 3).split(". ")]
    second = [s.split() for s in article(seed_b, 3).split(". ")] + first[:2]
    cosines = sentence_cosines(vectorize(first, model), vectorize(second, model))
    rows, cols = np.nonzero(~np.isnan(cosines.chars))
    assert len(rows)  # the shared sentences at least
    words, chars = paired_cosines([first[i] for i in rows], [second[j] for j in cols], model)
    assert words.tolist() == cosines.words[rows, cols].tolist()
    assert chars.tolist() == cosines.chars[rows, cols].tolist()
    np.testing.assert_array_equal(
        similarity_matrix(vectorize(first, model), vectorize(second, model)),
        (cosines.words + np.where(np.isnan(cosines.chars), 0.0, cosines.chars)) / 2,
    )


def test_paired_cosines_compute_only_what_is_not_known():
    first, second = [["bank", "rate"], ["the", "cat"]], [["bank", "rates"], ["a", "cat"]]
    computed = paired_cosines(first, second, default_idf())
    known = (np.array([0.5, np.nan]), np.array([0.25, np.nan]))
    words, chars = paired_cosines(first, second, default_idf(), known)
    assert (words[0], chars[0]) == (0.5, 0.25)  # taken as given
    assert (words[1], chars[1]) == (computed[0][1], computed[1][1])
    assert np.isnan(known[0][1])  # the caller's arrays are left alone


@settings(max_examples=100, deadline=None)
@given(token_lists, token_lists, st.data())
def test_span_cosines_equal_the_paired_cosines_of_the_runs_words(first, second, data):
    model = default_idf()
    a, b = vectorize(first, model), vectorize(second, model)
    tokens_a, tokens_b = [t for s in first for t in s], [t for s in second for t in s]

    def runs(tokens):
        ends = st.tuples(st.integers(0, len(tokens)), st.integers(0, len(tokens))).map(sorted)
        return data.draw(st.lists(ends, min_size=3, max_size=3))

    spans_a, spans_b = np.array(runs(tokens_a)), np.array(runs(tokens_b))
    words, chars = span_cosines(a, spans_a, b, spans_b)
    expected = paired_cosines([tokens_a[i:j] for i, j in spans_a], [tokens_b[i:j] for i, j in spans_b], model)
    np.testing.assert_array_equal(words, expected[0])
    np.testing.assert_array_equal(chars, expected[1])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=300))
def test_the_same_words_have_cosines_of_one_to_the_reported_precision(tokens):
    # why the aligner scores a passage whose two sides are the same words 1.0 without vectorising them
    words, chars = paired_cosines([tokens], [list(tokens)], default_idf())
    assert round(min(words[0], 1.0), 4) == round(min(chars[0], 1.0), 4) == 1.0


@settings(max_examples=60, deadline=None)
@given(token_lists, token_lists)
def test_joined_dot_products_equal_the_sparse_product_bit_for_bit(first, second):
    model = default_idf()
    a, b = vectorize(first, model), vectorize(second, model)
    for x, y in ((a.words, b.words), (a.chars, b.chars)):
        joined, sparse = _joined_dot(x, y), _dot(x, y)
        assert joined.shape == sparse.shape == (len(first), len(second))
        assert joined.tolist() == sparse.tolist()


def test_span_cosines_refuse_runs_of_different_numbers():
    a = vectorize([["bank", "rate", "rose"]], default_idf())
    with pytest.raises(ValueError, match="differ in number"):
        span_cosines(a, np.array([[0, 3], [0, 1]]), a, np.array([[0, 3]]))


def test_paired_cosines_refuse_lists_of_different_lengths():
    with pytest.raises(ValueError, match="differ in number"):
        paired_cosines([["a"]], [], default_idf())


def test_a_term_table_cleared_when_full_numbers_every_text_as_a_fresh_one(monkeypatch):
    texts = [article(seed, 3).split() for seed in range(2000, 2040)]
    first, second = texts[::2], texts[1::2]
    expected = paired_cosines(first, second, IdfModel(10, {}))
    monkeypatch.setattr(_Terms, "MAX_TERMS", 50)  # every few texts fill it
    small = IdfModel(10, {})
    vectors = [vectorize([tokens], small) for tokens in texts]  # numbered before later texts clear it
    assert len(_terms_of(small).numbers) <= 50 + max(len(set(tokens)) for tokens in texts)
    found = paired_cosines(first, second, small)
    spans = [np.array([[0, len(tokens)]]) for tokens in texts]
    kept = [span_cosines(vectors[i], spans[i], vectors[i + 1], spans[i + 1]) for i in range(0, len(texts), 2)]
    np.testing.assert_allclose(found, expected, atol=1e-12)
    np.testing.assert_allclose(np.hstack(kept), expected, atol=1e-12)


def test_threads_sharing_the_term_table_get_what_one_thread_gets():
    texts = [article(seed, 4).split() for seed in range(1000, 1200)]
    pairs = list(zip(texts[::2], texts[1::2], strict=True))
    alone = [paired_cosines([a], [b], default_idf()) for a, b in pairs]
    fresh = IdfModel(default_idf().n_docs, default_idf().df)  # a new term table, filled by the threads
    with ThreadPoolExecutor(8) as pool:
        shared = list(pool.map(lambda pair: paired_cosines([pair[0]], [pair[1]], fresh), pairs))
    for (words, chars), (words_t, chars_t) in zip(alone, shared, strict=True):
        np.testing.assert_allclose(words_t, words)
        np.testing.assert_allclose(chars_t, chars)


def test_term_idf_from_the_term_table_equals_the_model():
    model = IdfModel.from_sentences([["wire", "copy"], ["wire", "story"], ["own", "words"]])
    for terms in (["wire", "own", "unseen"], ["story", "wire", "wire", "new"]):
        assert term_idf(terms, model).tolist() == model.idf(terms).tolist()


@given(st.sets(st.integers(0, 60)), st.sets(st.integers(0, 60)))
def test_common_positions_equal_those_of_intersect1d(x, y):
    x, y = np.array(sorted(x), dtype=np.int64), np.array(sorted(y), dtype=np.int64)
    _, expected_x, expected_y = np.intersect1d(x, y, assume_unique=True, return_indices=True)
    found_x, found_y = _common(x, y)
    assert found_x.tolist() == expected_x.tolist() and found_y.tolist() == expected_y.tolist()


@given(st.lists(st.integers(0, 2**62), max_size=50) | st.lists(st.integers(0, 5), max_size=50))
def test_unique_inverse_equals_numpy(values):
    values = np.array(values, dtype=np.int64)
    expected_unique, expected_inverse = np.unique(values, return_inverse=True)
    found_unique, found_inverse = _unique_inverse(values)
    assert found_unique.tolist() == expected_unique.tolist()
    assert found_inverse.tolist() == expected_inverse.tolist()
