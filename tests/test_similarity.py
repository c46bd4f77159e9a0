from __future__ import annotations

import math

import numpy as np
import pytest

from dedup.errors import DedupError
from dedup.similarity import IdfModel, default_idf, similarity_matrix, vectorize


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
        np.testing.assert_allclose(
            np.sqrt(np.asarray(rows.matrix.multiply(rows.matrix).sum(axis=1)).ravel()), 1.0
        )
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
