"""Reuse cases: passages joined into one span per reused block (dedup.align.cases)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align.cases import cases, is_template
from dedup.comparison import comparison_of
from dedup.model import Passage
from dedup.settings import Settings
from dedup.sources import Article

NO_FLOOR = Settings(min_region_chars=0)


def _cases(passages, b_length, settings):
    """The cases of passages between two texts without numbers (``b`` of ``b_length`` characters)."""
    return cases(passages, "x" * 10_000, "x" * b_length, settings)


def _spans(found):
    return [(c.a_start, c.a_end, c.b_start, c.b_end) for c in found]


def test_passages_with_holes_of_the_same_size_on_both_sides_are_one_case():
    # a rewritten sentence the aligner missed sits between two shared ones, on both sides
    passages = [Passage(0, 200, 0, 210, "verbatim", 1.0), Passage(380, 600, 400, 640, "rewrite", 0.6)]
    (case,) = _cases(passages, 1000, NO_FLOOR)
    assert (case.a_start, case.a_end, case.b_start, case.b_end) == (0, 600, 0, 640)
    assert case.kind == "rewrite" and case.passages == (0, 1)


def test_text_only_one_side_holds_splits_the_case():
    # an outlet's own 300-character paragraph between two passages that follow each other in the wire
    passages = [Passage(0, 200, 0, 200, "verbatim", 1.0), Passage(500, 700, 205, 405, "verbatim", 1.0)]
    assert _spans(_cases(passages, 1000, NO_FLOOR)) == [(0, 200, 0, 200), (500, 700, 205, 405)]
    assert [c.kind for c in _cases(passages, 1000, NO_FLOOR)] == ["verbatim", "verbatim"]
    # a few changed words on one side stay within the slack
    close = [Passage(0, 200, 0, 200, "verbatim", 1.0), Passage(260, 460, 205, 405, "verbatim", 1.0)]
    assert _spans(_cases(close, 1000, NO_FLOOR)) == [(0, 460, 0, 405)]


def test_passages_far_apart_stay_apart():
    passages = [Passage(0, 200, 0, 200, "verbatim", 1.0), Passage(1000, 1200, 1000, 1200, "verbatim", 1.0)]
    assert len(_cases(passages, 2000, Settings(region_gap_chars=500, min_region_chars=0))) == 2


def test_a_summary_is_one_case_over_the_whole_source():
    # three adjacent summary sentences, each condensing a part of a long source
    passages = [
        Passage(0, 100, 0, 200, "rewrite", 0.6),
        Passage(101, 200, 2000, 2300, "rewrite", 0.6),
        Passage(201, 300, 4500, 4800, "rewrite", 0.6),
    ]
    (case,) = _cases(passages, 5000, Settings(region_gap_chars=50))
    assert (case.a_start, case.a_end, case.b_start, case.b_end, case.kind) == (0, 300, 0, 5000, "summary")
    # the same passages, spread as widely in a, stay apart
    apart = [Passage(p.b_start, p.b_end, p.b_start, p.b_end, p.kind, p.score) for p in passages]
    assert len(_cases(apart, 5000, Settings(region_gap_chars=50, min_region_chars=0))) == 3


def _flipped(passages):
    return [Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.kind, p.score) for p in passages]


SUMMARY = [
    Passage(0, 100, 0, 200, "rewrite", 0.6),
    Passage(101, 200, 2000, 2300, "rewrite", 0.6),
    Passage(201, 300, 4500, 4800, "rewrite", 0.6),
]


def test_a_scan_reads_a_summary_on_either_side():
    settings = Settings(region_gap_chars=50)
    (case,) = cases(_flipped(SUMMARY), "x" * 5000, "x" * 10_000, settings, summaries="either")
    assert (case.a_start, case.a_end, case.b_start, case.b_end, case.kind) == (0, 5000, 0, 300, "summary")
    assert case.passages == (0, 1, 2)
    # compare reads only a (the new article) as the summary; "none" reads no summary at all
    for reading in ("a", "none"):
        found = cases(_flipped(SUMMARY), "x" * 5000, "x" * 10_000, settings, summaries=reading)
        assert "summary" not in {c.kind for c in found}


def test_a_dated_scan_pair_reads_only_the_later_article_as_a_summary():
    settings = Settings(region_gap_chars=50)
    # b is the later article and condenses a
    (case,) = cases(_flipped(SUMMARY), "x" * 5000, "x" * 10_000, settings, summaries="later-b")
    assert (case.a_start, case.a_end, case.b_start, case.b_end, case.kind) == (0, 5000, 0, 300, "summary")
    # the earlier article is never read as a summary of the later one
    for reading in ("later-a", "none"):
        found = cases(_flipped(SUMMARY), "x" * 5000, "x" * 10_000, settings, summaries=reading)
        assert "summary" not in {c.kind for c in found}
    # later is not derived: copies are refused as in an undated pair, where compare (a derives) reads a summary
    copies = _flipped(
        [Passage(0, 400, 100, 500, "verbatim", 1.0), Passage(420, 800, 5000, 5380, "verbatim", 1.0)]
    )
    assert "summary" not in {
        c.kind for c in cases(copies, "x" * 9000, "x" * 1000, settings, summaries="later-b")
    }
    assert [c.kind for c in cases(_flipped(copies), "x" * 1000, "x" * 9000, settings)] == ["summary"]


def test_a_scan_does_not_read_two_copied_blocks_as_a_summary():
    # a's neighbouring paragraphs copied as two blocks far apart in b: copies, not condensation
    copies = [Passage(0, 400, 100, 500, "verbatim", 1.0), Passage(420, 800, 5000, 5380, "verbatim", 1.0)]
    settings = Settings(region_gap_chars=50)
    assert [c.kind for c in cases(copies, "x" * 1000, "x" * 9000, settings)] == ["summary"]
    unordered = cases(copies, "x" * 1000, "x" * 9000, settings, summaries="either")
    assert _spans(unordered) == [(0, 400, 100, 500), (420, 800, 5000, 5380)]
    # partners covering too little of the span they spread over are no summary, whatever the order
    sparse = Settings(region_gap_chars=50, summary_evidence=0.2)
    for reading in ("either", "a"):
        assert "summary" not in {
            c.kind for c in cases(SUMMARY, "x" * 300, "x" * 5000, sparse, summaries=reading)
        }
    assert [c.kind for c in cases(SUMMARY, "x" * 300, "x" * 5000, settings, summaries="either")] == [
        "summary"
    ]


def test_cases_shorter_than_the_minimum_are_left_out_but_their_passages_count():
    passages = [Passage(0, 100, 0, 100, "verbatim", 1.0), Passage(1000, 1400, 1000, 1400, "verbatim", 1.0)]
    assert _spans(_cases(passages, 2000, Settings(min_region_chars=150))) == [(1000, 1400, 1000, 1400)]
    text = "x" * 2000
    comparison = comparison_of(Article("a", "a", text), Article("b", "b", text), passages, Settings())
    assert comparison.a.derived_fraction == 0.25  # 100 + 400 of 2000 characters


def test_the_derived_fraction_counts_the_holes_a_case_fills():
    passages = [Passage(0, 200, 0, 200, "verbatim", 1.0), Passage(300, 500, 300, 500, "rewrite", 0.6)]
    text = "y" * 1000
    comparison = comparison_of(Article("a", "a", text), Article("b", "b", text), passages, Settings())
    assert len(comparison.cases) == 1
    assert comparison.a.derived_fraction == 0.5  # 0-500, hole included


def test_seed_cases_leave_each_outlets_own_paragraphs_out(seeds, seed_comparison):
    a, b = seeds
    assert len(seed_comparison.passages) == 3
    for case in seed_comparison.cases:
        assert "Cloud Shield was described" not in a.text[case.a_start : case.a_end]
        assert "Huawei" not in b.text[case.b_start : case.b_end]
        assert "Griezmann" not in b.text[case.b_start : case.b_end]
    livestream = a.text.index("In the case of a livestreaming video")
    assert any(c.a_start <= livestream < c.a_end for c in seed_comparison.cases)
    # a scan reads either side as a summary: the wire's block is still no summary of the whole outlet story
    scanned = cases(seed_comparison.passages, a.text, b.text, Settings(), summaries="either")
    assert scanned == seed_comparison.cases and "summary" not in {c.kind for c in scanned}


EARNINGS = (
    "Shr {} cts vs {} cts. Net {} mln vs {} mln. Revs {} mln vs {} mln. Nine mths shr {} dlrs vs {} dlrs. "
    "Note: the company said results of the prior year were restated for discontinued operations."
)


def test_one_form_with_other_figures_is_a_template_and_not_derived():
    a_text = EARNINGS.format(12, 10, "1.2", "1.1", 45, 40, "1.10", "0.95")
    b_text = EARNINGS.format(31, 28, "8.4", "7.9", 120, 112, "2.05", "1.88")
    assert is_template(a_text, b_text, Settings())
    assert not is_template(a_text, a_text, Settings())  # the same report re-sent shares its figures
    assert not is_template("No figures at all here.", "None here either.", Settings())
    passages = [Passage(0, len(a_text), 0, len(b_text), "rewrite", 0.7)]
    comparison = comparison_of(Article("a", "a", a_text), Article("b", "b", b_text), passages, Settings())
    assert [c.kind for c in comparison.cases] == ["template"]
    assert comparison.a.derived_fraction == comparison.b.derived_fraction == 0.0
    assert comparison.a.verdict == "not derived"


_passage = st.tuples(
    st.integers(0, 3000), st.integers(1, 400), st.integers(0, 3000), st.integers(1, 400), st.booleans()
).map(lambda t: Passage(t[0], t[0] + t[1], t[2], t[2] + t[3], "verbatim" if t[4] else "rewrite", 0.5))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_passage, max_size=12).map(lambda ps: sorted(ps, key=lambda p: (p.a_start, p.b_start))),
    st.integers(0, 300),
)
def test_cases_hold_their_passages_and_stay_inside_both_texts(passages, floor):
    b_length = 3400
    found = _cases(passages, b_length, Settings(min_region_chars=floor))
    members = [i for case in found for i in case.passages]
    assert len(members) == len(set(members))  # a passage belongs to at most one case
    for case in found:
        assert 0 <= case.a_start < case.a_end and 0 <= case.b_start < case.b_end <= b_length
        assert case.a_end - case.a_start >= floor and case.b_end - case.b_start >= floor
        for i in case.passages:
            p = passages[i]
            assert case.a_start <= p.a_start and p.a_end <= case.a_end
            assert case.b_start <= p.b_start and p.b_end <= case.b_end
        kinds = {passages[i].kind for i in case.passages}
        if case.kind == "verbatim":
            assert kinds == {"verbatim"}
    assert [(c.a_start, c.b_start) for c in found] == sorted((c.a_start, c.b_start) for c in found)


def test_only_pairs_sharing_a_reuse_case_join_clusters_and_the_derivation_graph():
    from dedup.attribution import derivation_graph
    from dedup.corpus.result import union_find_clusters

    first = EARNINGS.format(12, 10, "1.2", "1.1", 45, 40, "1.10", "0.95")
    second = EARNINGS.format(31, 28, "8.4", "7.9", 120, 112, "2.05", "1.88")
    story = "The minister said on Monday that the talks would resume next week in Geneva. " * 4
    articles = {
        "q1": Article("q1", "q1", first),
        "q2": Article("q2", "q2", second),
        "s1": Article("s1", "s1", story),
        "s2": Article("s2", "s2", story),
        "p1": Article("p1", "p1", story[:80] + "x" * 400),
        "p2": Article("p2", "p2", "y" * 400 + story[:80]),
    }

    def pair(a, b, *spans):
        passages = [Passage(*span, "verbatim", 1.0) for span in spans]
        return comparison_of(articles[a], articles[b], passages, Settings(), with_ids=True)

    template = pair("q1", "q2", (0, len(first), 0, len(second)))
    reuse = pair("s1", "s2", (0, len(story), 0, len(story)))
    minor = pair("p1", "p2", (0, 80, 400, 480))
    assert [c.sharing for c in (template, reuse, minor)] == ["template", "reuse", "minor"]
    assert [c.members for c in union_find_clusters([template, reuse, minor])] == [("s1", "s2")]
    edges = derivation_graph([template, reuse, minor])["edges"]
    assert [sorted(e.get("common") or [e["source"], e["derived"]]) for e in edges] == [["s1", "s2"]]
