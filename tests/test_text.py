from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.text import _STOP_RE, _boundary_ends, fold, normalize, split_sentences, tokenize


def test_fold_handles_quotes_dashes_case_accents_and_ligatures():
    assert [fold(c) for c in "É’“—ﬁ\u00a0"] == ["e", "'", '"', "-", "fi", " "]


def test_curly_and_straight_quotes_give_the_same_tokens():
    curly = "“Is it Uighur,” it’s said"
    straight = '"Is it Uighur", it\'s said'
    assert [t.form for t in tokenize(curly)] == [t.form for t in tokenize(straight)]


def test_cjk_characters_are_single_tokens_and_words_stay_whole():
    tokens = tokenize("阿里巴巴 Alibaba 카카오")
    assert [t.form for t in tokens] == ["阿", "里", "巴", "巴", "alibaba", "카카오"]


@given(st.text())
def test_every_normalised_character_maps_back_into_the_original(text):
    norm = normalize(text)
    assert norm.original_length == len(text)
    if norm.origin is not None:
        assert len(norm.origin) == len(norm.text)
        assert list(norm.origin) == sorted(norm.origin)
        # replaying the fold character by character reproduces the normalised text
        assert "".join(fold(c) for c in text) == norm.text


@given(st.text())
def test_tokens_slice_the_original_text_and_fold_back_to_their_form(text):
    for token in tokenize(text):
        assert 0 <= token.start < token.end <= len(text)
        assert token.form in "".join(fold(c) for c in text[token.start : token.end])


@given(st.text())
def test_sentences_partition_the_tokens_in_order(text):
    tokens = tokenize(text)
    sentences = split_sentences(text, tokens)
    covered = [i for s in sentences for i in range(s.first, s.last)]
    assert covered == list(range(len(tokens)))
    for s in sentences:
        assert (s.start, s.end) == (tokens[s.first].start, tokens[s.last - 1].end)


def test_sentences_split_at_full_stops_and_line_breaks_not_inside_abbreviation_free_text():
    text = "Alibaba said so. IPVM disagreed!\nA new paragraph here"
    sentences = split_sentences(text, tokenize(text))
    assert [text[s.start : s.end] for s in sentences] == [
        "Alibaba said so",
        "IPVM disagreed",
        "A new paragraph here",
    ]


def test_cjk_full_stop_ends_a_sentence_without_a_space():
    text = "阿里巴巴否认。华为也否认。"
    assert len(split_sentences(text, tokenize(text))) == 2


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_tokens_are_the_word_runs_of_the_regular_expression(text):
    expected = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\w+", text.lower())]
    assert [(t.form, t.start, t.end) for t in tokenize(text)] == expected


@settings(max_examples=500)
@given(
    st.one_of(st.text(st.sampled_from("ab .!?\"')]\u2019\n\t\r\x0b\x1c"), max_size=40), st.text(max_size=40))
)
def test_sentence_boundaries_found_apart_are_those_of_the_whole_pattern(text):
    whole = re.compile(rf"{_STOP_RE.pattern}|\s*\n\s*")
    expected = sorted({m.end() for m in whole.finditer(text)} | {len(text)})
    assert _boundary_ends(text) == expected
