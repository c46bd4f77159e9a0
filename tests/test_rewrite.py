import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align.rewrite import (
    CHARACTER_GRAMS,
    FEATURES,
    RewriteModel,
    Wording,
    character_containment,
    common_subsequence,
    default_model,
    features,
    fit,
    wording,
)
from dedup.align.similarity import default_idf
from dedup.errors import DedupError
from dedup.settings import Settings
from dedup.text import tokenize


def _wording(text: str) -> Wording:
    return wording(text, tokenize(text))


def _probability(a: str, b: str) -> float:
    return float(default_model().probability([(_wording(a), _wording(b))], default_idf())[0])


def test_bundled_model_computes_every_feature_it_was_fitted_on():
    model = default_model()
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(FEATURES)
    assert "MSRP train" in model.trained_on and "PAN 2013 train" in model.trained_on
    assert "the" in model.function_words


def test_the_same_sentence_is_a_rewrite_and_an_unrelated_one_is_not():
    sentence = "The central bank raised its key interest rate by half a point on Tuesday, citing inflation."
    assert _probability(sentence, sentence) > Settings().rewrite_threshold
    assert (
        _probability(sentence, "Heavy rain flooded the old town and closed three schools for a week.") < 0.05
    )


def test_a_close_rewrite_beats_a_sentence_that_changes_the_facts():
    original = (
        "Shares of Acme rose 3 percent to 41 dollars after the company beat profit forecasts in Chicago."
    )
    rewrite = "Acme shares climbed 3 percent to 41 dollars in Chicago after the firm beat profit forecasts."
    changed = (
        "Shares of Acme fell 7 percent to 28 dollars after the company missed sales forecasts in Boston."
    )
    assert _probability(original, rewrite) > 0.5
    assert _probability(original, rewrite) > _probability(original, changed)


def test_a_condensed_news_rewrite_counts_as_derived():
    long = (
        "In the case of a livestreaming video being done by a Uighur on a website signed up to Cloud Shield, "
        "the technology has the ability to detect whether the user was an Uighur or not and consequently "
        "flag the video for review or removal, said IPVM researcher Charles Rollet."
    )
    short = (
        "If a Uighur livestreams a video on a Web site signed up to Cloud Shield, the software could detect "
        "that the user is Uighur and flag the video for review or removal, Charles Rollet told Reuters."
    )
    assert _probability(long, short) > 0.5


words = st.sampled_from(
    [
        "the",
        "bank",
        "said",
        "rates",
        "rose",
        "3",
        "4",
        "percent",
        "Paris",
        "London",
        "on",
        "Monday",
        "after",
        "talks",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=25), st.lists(words, min_size=1, max_size=25))
def test_features_and_probability_do_not_depend_on_which_text_is_first(a, b):
    first, second = _wording(" ".join(a)), _wording(" ".join(b))
    model = default_model()
    forward = features([(first, second)], default_idf(), model.function_words)
    backward = features([(second, first)], default_idf(), model.function_words)
    np.testing.assert_allclose(forward, backward, atol=1e-9)
    probability = model.probability_of(forward)[0]
    assert 0.0 <= probability <= 1.0


def test_names_are_the_words_written_with_a_capital_initial():
    assert _wording("Reuters said the Bank of England would act").names == frozenset(
        {"reuters", "bank", "england"}
    )


def test_fit_save_and_load_give_the_same_probabilities(tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.random((200, len(FEATURES)))
    labels = (rows[:, 0] > 0.5).astype(int)
    model = fit(rows, labels, frozenset({"the"}), trained_on="synthetic")
    assert model.probability_of(rows[labels == 1]).mean() > model.probability_of(rows[labels == 0]).mean()
    path = tmp_path / "model.json"
    model.save(path)
    again = RewriteModel.load(path)
    np.testing.assert_allclose(again.probability_of(rows), model.probability_of(rows))
    assert again.function_words == model.function_words and again.trained_on == "synthetic"


def test_loading_refuses_other_formats_and_other_features(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(DedupError, match="not a readable rewrite model"):
        RewriteModel.load(broken)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(DedupError, match="not a rewrite model"):
        RewriteModel.load(other)
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps({"format": "dedup-rewrite-model/1", "features": list(FEATURES[:3])}))
    with pytest.raises(DedupError, match="other features"):
        RewriteModel.load(fewer)


def test_no_pairs_no_work():
    assert default_model().probability([], default_idf()).shape == (0,)
    assert features([], default_idf(), frozenset()).shape == (0, len(FEATURES))


def _table_lcs(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcd"), max_size=30), st.lists(st.sampled_from("abcd"), max_size=30))
def test_common_subsequence_equals_the_dynamic_programming_table(a, b):
    assert common_subsequence(a, b) == _table_lcs(a, b) == common_subsequence(b, a)


def _set_containment(a: str, b: str, n: int) -> tuple[float, float]:
    grams_a = {a[i : i + n] for i in range(len(a) - n + 1)}
    grams_b = {b[i : i + n] for i in range(len(b) - n + 1)}
    one, other = (len(grams_a & grams_b) / max(len(grams), 1) for grams in (grams_a, grams_b))
    return min(one, other), max(one, other)


# a small alphabet makes shared grams common; CJK and astral characters exercise wide code points
texts = st.text(alphabet=st.sampled_from("ab c\u00e9\u4e2d\U0001f600"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts, texts), max_size=6))
def test_character_containment_equals_python_sets(pairs):
    found = character_containment([a for a, _ in pairs], [b for _, b in pairs])
    assert found.shape == (len(pairs), 2 * len(CHARACTER_GRAMS))
    for row, (a, b) in zip(found, pairs, strict=True):
        expected = [value for n in CHARACTER_GRAMS for value in _set_containment(a, b, n)]
        np.testing.assert_allclose(row, expected)


def test_character_containment_renumbers_codes_that_would_overflow():
    # astral characters make each code digit 17 bits wide: five of them need renumbering on the way
    a, b = (
        "\U0001f600\U0001f601\U0001f602\U0001f603\U0001f604\U0001f605",
        "\U0001f601\U0001f602\U0001f603\U0001f604",
    )
    found = character_containment([a], [b])[0]
    expected = [value for n in CHARACTER_GRAMS for value in _set_containment(a, b, n)]
    np.testing.assert_allclose(found, expected)


def _python_grams(forms: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(forms[i : i + n]) for i in range(len(forms) - n + 1)}


words = st.lists(st.sampled_from(["the", "of", "bank", "rate", "rose", "Bank"]), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(words, words), min_size=1, max_size=5))
def test_word_and_content_containment_equal_python_sets(pairs):
    function_words = default_model().function_words
    assert {"the", "of"} <= function_words and not {"bank", "rate", "rose"} & function_words
    wordings = [(Wording(a, frozenset()), Wording(b, frozenset())) for a, b in pairs]
    found = features(wordings, default_idf(), function_words)
    for row, (a, b) in zip(found, pairs, strict=True):
        content_a = [w for w in a if w not in function_words]
        content_b = [w for w in b if w not in function_words]
        expected = {
            "word 1-grams": (_python_grams(a, 1), _python_grams(b, 1)),
            "word 2-grams": (_python_grams(a, 2), _python_grams(b, 2)),
            "word 3-grams": (_python_grams(a, 3), _python_grams(b, 3)),
            "content words": (_python_grams(content_a, 1), _python_grams(content_b, 1)),
            "content bigrams": (_python_grams(content_a, 2), _python_grams(content_b, 2)),
        }
        for name, (grams_a, grams_b) in expected.items():
            shares = sorted(len(grams_a & grams_b) / max(len(g), 1) for g in (grams_a, grams_b))
            assert [row[FEATURES.index(f"{name} min")], row[FEATURES.index(f"{name} max")]] == shares


def test_the_rewrite_model_is_injected_like_the_idf(seeds):
    import dataclasses

    from dedup.align.rewrite import default_model
    from dedup.comparison import Comparer, compare

    never = dataclasses.replace(default_model(), intercept=-50.0)
    always = dataclasses.replace(default_model(), intercept=50.0)
    kinds = {
        name: [p.kind for p in compare(*seeds, rewrite_model=model).passages]
        for name, model in (("default", None), ("never", never), ("always", always))
    }
    assert "rewrite" in kinds["default"] and "rewrite" not in kinds["never"]
    assert kinds["always"].count("rewrite") >= kinds["default"].count("rewrite")
    assert [p.kind for p in Comparer(Settings(), rewrite_model=never)(*seeds).passages] == kinds["never"]
