from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align.passages import align
from dedup.align.prepare import ngram_hashes, prepare
from dedup.align.runs import cluster, exact_runs
from dedup.comparison import compare, derived_fraction, verdict, visible
from dedup.model import Comparison
from dedup.settings import Settings
from dedup.sources import Article
from dedup.text import normalize, split_sentences, tokenize

from .textgen import article


def _article(text: str, name: str = "x") -> Article:
    return Article(id=name, path=name, text=text)


def _covering(comparison, a_text: str, a_phrase: str):
    """The passages whose ``a`` side holds ``a_phrase``."""
    start = a_text.index(a_phrase)
    end = start + len(a_phrase)
    return [p for p in comparison.passages if p.a_start <= start and end <= p.a_end]


# --- stages -------------------------------------------------------------------------------------------


def test_exact_runs_are_maximal():
    a = ["x", "the", "quick", "brown", "fox", "jumps", "y"]
    b = ["the", "quick", "brown", "fox", "jumps", "z"]
    assert exact_runs(a, b, 3) == [(1, 6, 0, 5)]


def test_exact_runs_need_n_tokens():
    assert exact_runs(["a", "b", "c"], ["a", "b", "d"], 3) == []


def test_cluster_merges_small_gaps_on_both_sides_only():
    close = [(0, 5, 100, 105), (7, 12, 107, 112)]
    assert len(cluster(close, max_gap=4)) == 1
    far_in_b = [(0, 5, 100, 105), (7, 12, 300, 305)]
    assert len(cluster(far_in_b, max_gap=4)) == 2


def test_a_few_changed_words_do_not_split_a_verbatim_passage():
    base = (
        "the company said its cloud software could detect the faces of minority users in live video streams"
    )
    edited = base.replace("said its", "stated that its").replace("live video", "livestreamed video")
    passages = align(prepare(base), prepare(edited))
    assert len(passages) == 1 and passages[0].kind == "verbatim"
    assert (passages[0].a_start, passages[0].a_end) == (0, len(base))


def test_a_paraphrased_sentence_is_a_rewrite():
    a = "Police arrested three men on Tuesday after a violent robbery at a jewellery shop in central Paris."
    b = "Three men were arrested by police on Tuesday following a violent jewellery shop robbery in Paris."
    passages = align(prepare(a), prepare(b))
    assert [p.kind for p in passages] == ["rewrite"]


def test_unrelated_sentences_share_nothing():
    a = "The central bank raised interest rates by half a point to fight persistent inflation this year."
    b = "Barcelona's World Cup-winning soccer player said he was ending an endorsement deal with the firm."
    assert align(prepare(a), prepare(b)) == []


def test_derived_fraction_counts_visible_characters_and_verdict_uses_the_cut_offs():
    assert derived_fraction("ab  cd", [(0, 2)]) == 0.5
    assert derived_fraction("   ", []) == 0.0
    s = Settings()
    assert verdict(0.9, s) == "wholly derived"
    assert verdict(0.2, s) == "partially derived"
    assert verdict(0.01, s) == "not derived"


# --- headlines and datelines --------------------------------------------------------------------------

HEADLINE = "Alibaba Claims Its Tech Won't Be Used To Target Ethnic Groups"


def test_a_repeated_headline_is_claimed_once():
    a = f"{HEADLINE}\n\n12/18/2020\n\n{HEADLINE}\nThe company issued a statement on Thursday about its cloud."
    b = f"{HEADLINE}\nShares in the retailer fell sharply in Hong Kong trading as investors sold out."
    comparison = compare(_article(a), _article(b))
    assert len(comparison.passages) <= 1
    b_spans = [(p.b_start, p.b_end) for p in comparison.passages]
    assert len(set(b_spans)) == len(b_spans)


def test_a_shared_dateline_alone_is_no_passage():
    a = "SHANGHAI (Reuters) - Shares in the retailer fell sharply in Hong Kong trading on Friday."
    b = "SHANGHAI (Reuters) - The city will reopen its schools next month, the education bureau announced."
    assert compare(_article(a), _article(b)).passages == ()


def test_cjk_text_is_aligned_by_characters():
    shared = "阿里巴巴集团表示绝不允许其技术被用于针对或识别特定民族群体"
    a = f"北京消息。{shared}。另外，天气很好，大家都出去玩了。"
    b = f"今天上海下雨了，很多人待在家里。{shared}。"
    comparison = compare(_article(a), _article(b))
    assert len(comparison.passages) == 1
    p = comparison.passages[0]
    assert shared in a[p.a_start : p.a_end + 1] and shared in b[p.b_start : p.b_end + 1]
    assert p.kind == "verbatim"


# --- the seed articles (what a new user must see) -----------------------------------------------------


def test_seed_glasses_sentence_is_verbatim_despite_different_quotes(seeds, seed_comparison):
    a, b = seeds
    found = _covering(seed_comparison, a.text, '"glasses inspection", "smile detection"')
    assert [p.kind for p in found] == ["verbatim"]
    assert "“glasses inspection,” “smile detection,”" in b.text[found[0].b_start : found[0].b_end]


def test_seed_livestreaming_sentence_is_a_rewrite(seeds, seed_comparison):
    a, b = seeds
    found = _covering(seed_comparison, a.text, "flag the video for review or removal")
    assert [p.kind for p in found] == ["rewrite"]
    assert "flag the video for review or removal" in b.text[found[0].b_start : found[0].b_end]


def test_seed_paragraphs_of_one_article_only_are_not_reported(seeds, seed_comparison):
    a, b = seeds
    for phrase in ("Huawei Technologies", "Antoine Griezmann", "Surveillance spending"):
        start = b.text.index(phrase)
        assert not any(p.b_start <= start < p.b_end for p in seed_comparison.passages), phrase
    start = a.text.index("Its Cloud Shield was described")
    assert not any(p.a_start <= start < p.a_end for p in seed_comparison.passages)


def test_seed_fractions_and_verdicts(seed_comparison):
    for side in (seed_comparison.a, seed_comparison.b):
        assert 0.1 < side.derived_fraction < 0.5
        assert side.verdict == "partially derived"


# --- invariants ----------------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "the",
        "Uighur",
        "software",
        "“quote”",
        "don’t",
        "阿里巴巴",
        "Ünïcode",
        "ﬁne",
        "—",
        "10³",
        ".",
        "\n",
        "é",
    ]
)
_TEXT = st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=120).map(" ".join))


@settings(max_examples=40, deadline=None)
@given(shared=_TEXT, left=_TEXT, right=_TEXT, other=_TEXT)
def test_every_passage_slices_both_original_texts_and_json_round_trips(shared, left, right, other):
    a = _article(left + shared + right, "a")
    b = _article(other + shared, "b")
    comparison = compare(a, b)
    for p in comparison.passages:
        assert 0 <= p.a_start < p.a_end <= len(a.text)
        assert 0 <= p.b_start < p.b_end <= len(b.text)
        assert a.text[p.a_start : p.a_end].strip() and b.text[p.b_start : p.b_end].strip()
        assert p.kind in ("verbatim", "rewrite") and 0.0 <= p.score <= 1.0
    for side in (comparison.a, comparison.b):
        assert 0.0 <= side.derived_fraction <= 1.0
    data = json.loads(json.dumps(comparison.to_dict()))
    assert Comparison.from_dict(data) == comparison


@settings(max_examples=15, deadline=None)
@given(st.lists(_WORDS, min_size=20, max_size=80).map(" ".join))
def test_a_text_compared_with_itself_is_wholly_derived(text):
    comparison = compare(_article(text), _article(text))
    if len(prepare(text).tokens) >= Settings().min_verbatim_tokens:
        assert comparison.a.derived_fraction > 0.9


def test_short_pieces_join_the_next_sentence():
    text = "AFP, SHANGHAI\nAlibaba offered software that could identify Uighurs, a report said.\nEnd."
    sentences = split_sentences(text, tokenize(text), min_tokens=5)
    assert [text[s.start : s.end] for s in sentences] == [text[: text.index("said") + 4] + ".\nEnd"]


def _brute_force_runs(a, b, n):
    runs = []
    for i in range(len(a)):
        for j in range(len(b)):
            if (i and j and a[i - 1] == b[j - 1]) or a[i] != b[j]:
                continue
            length = 0
            while i + length < len(a) and j + length < len(b) and a[i + length] == b[j + length]:
                length += 1
            if length >= n:
                runs.append((i, i + length, j, j + length))
    return sorted(runs)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from("abcd"), max_size=40),
    st.lists(st.sampled_from("abcd"), max_size=40),
    st.integers(1, 4),
)
def test_vectorised_exact_runs_equal_the_brute_force_definition(a, b, n):
    assert exact_runs(a, b, n) == _brute_force_runs(a, b, n)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.text(max_size=60), st.text(st.characters(max_codepoint=127), max_size=60)),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=4),
)
def test_derived_fraction_counts_visible_characters_inside_spans(text, spans):
    visible = [i for i, c in enumerate(text) if not c.isspace()]
    inside = {i for start, end in spans for i in range(start, min(end, len(text)))}
    expected = round(len(inside & set(visible)) / len(visible), 4) if visible else 0.0
    assert derived_fraction(text, spans) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(st.characters(max_codepoint=127))))
def test_visible_characters_are_those_that_are_not_whitespace(text):
    assert visible(text).tolist() == [not c.isspace() for c in text]


def test_the_package_exposes_compare_on_paths():
    import dedup

    from .conftest import SEED_A, SEED_B

    comparison = dedup.compare(SEED_A, SEED_B)
    assert isinstance(comparison, dedup.Comparison) and comparison.passages
    assert comparison == compare(dedup.read_article(SEED_A), dedup.read_article(SEED_B))


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(1, 5))
def test_prepared_ngrams_equal_those_of_the_token_forms(text, n):
    # prepare builds n-grams from the term table's hashes of the sentences' tokens, not from the forms
    prepared = prepare(text, settings=Settings(ngram=n, min_verbatim_tokens=max(8, n)))
    assert list(prepared.grams) == list(ngram_hashes(prepared.forms, n))
    assert list(prepared.grams_of(n + 1)) == list(ngram_hashes(prepared.forms, n + 1))


_PREFIXES = [
    "SHANGHAI (Reuters) - ", "Le Monde avec AFP : ", "القاهرة (رويترز) - ", "ירושלים (רויטרס) - ", "上海（路透社）- ",
    "By Jane Roe, Staff Writer. ", "",
]  # fmt: skip
_SUFFIXES = [
    " Markets rose.",
    " Les marchés ont monté.",
    " ارتفعت الأسواق.",
    " 市场上涨。",
    " Reporting by Joe Bloggs.",
    "",
]


def _passage_forms(text: str, start: int, end: int) -> list[str]:
    tokens = tokenize(text[start:end], normalize(text[start:end]))
    return list(tokens.forms)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.sampled_from(_PREFIXES),
    st.sampled_from(_SUFFIXES),
    st.sampled_from(_PREFIXES),
    st.sampled_from(_SUFFIXES),
)
def test_no_passage_starts_or_ends_with_a_token_the_other_side_lacks(
    seed, prefix_a, suffix_a, prefix_b, suffix_b
):
    shared = article(seed, 6).strip()
    a = Article(id="a", path="a", text=prefix_a + shared + suffix_a)
    b = Article(id="b", path="b", text=prefix_b + shared + suffix_b)
    comparison = compare(a, b)
    assert comparison.passages
    for p in comparison.passages:
        in_a = _passage_forms(a.text, p.a_start, p.a_end)
        in_b = _passage_forms(b.text, p.b_start, p.b_end)
        assert in_a[0] in in_b and in_a[-1] in in_b, (
            a.text[p.a_start : p.a_end][:40],
            b.text[p.b_start :][:40],
        )
        assert in_b[0] in in_a and in_b[-1] in in_a
    # the shared text is found from its first word (from the prefix, when both carry it)
    start_a, start_b = (0, 0) if prefix_a == prefix_b else (len(prefix_a), len(prefix_b))
    assert min(p.a_start for p in comparison.passages) == start_a
    assert min(p.b_start for p in comparison.passages) == start_b


def test_a_sentence_next_to_a_reused_block_on_both_sides_is_judged_at_the_context_threshold():
    import dataclasses
    import math

    from dedup.align.rewrite import default_model

    copied = "The ministry said on Tuesday that the new rules would apply to every licensed operator in the country."
    a_text = f"{copied} Officials reworded the plan quickly after protests. Zebras graze near quiet lakes."
    b_text = f"{copied} After protests, officials quickly changed the plan. Markets opened higher in Tokyo."
    # a model giving every pair the same probability, under rewrite_threshold and over context_threshold
    flat = dataclasses.replace(default_model(), coef=default_model().coef * 0, intercept=math.log(0.2 / 0.8))
    a, b = prepare(a_text), prepare(b_text)

    def spans(settings):
        return [(p.a_start, p.a_end, p.kind) for p in align(a, b, settings, rewrite_model=flat)]

    without = spans(Settings(context_threshold=1.0))
    assert without == [(0, len(copied), "verbatim")]
    with_context = spans(Settings(context_threshold=0.1))
    second_end = a_text.index("Zebras") - 1
    assert with_context == [(0, len(copied), "verbatim"), (len(copied) + 1, second_end, "rewrite")]
    # above the model's probability, the neighbour is left out again; the third sentences share no word
    assert spans(Settings(context_threshold=0.3)) == without


def test_a_sentence_rewritten_as_two_joins_its_passage_and_unrelated_neighbours_do_not():
    copied = "The ministry said on Tuesday that the new rules would apply to every licensed operator in the country."
    rewritten = (
        "Officials said the plan, drafted after weeks of street protests in the capital, would be rewritten "
        "before the summer recess."
    )
    first_half = "The plan will be rewritten, officials said, before the summer."
    second_half = "Street protests had lasted weeks in the capital before it was drafted."
    a_text = f"{copied} {first_half} {second_half} Zebras graze near quiet lakes in the north."
    b_text = f"{copied} {rewritten} Markets opened higher in Tokyo on Wednesday morning."
    a, b = prepare(a_text), prepare(b_text)

    def rewrite_in_a(settings):
        return [a_text[p.a_start : p.a_end] for p in align(a, b, settings) if p.kind == "rewrite"]

    assert rewrite_in_a(Settings(split_similarity=1.0)) == [first_half]
    # the second half joins the first, matched to the one sentence of b; the sentences after stay out
    assert rewrite_in_a(Settings()) == [f"{first_half} {second_half}"]
