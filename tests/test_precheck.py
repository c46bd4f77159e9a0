"""The scan's pre-check: pairs with little LSH evidence are matched from exact runs alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align.passages import align, verbatim_passages
from dedup.align.prepare import prepare
from dedup.candidates.lsh import Candidates
from dedup.comparison import Comparer, comparison_of, summary_reading
from dedup.corpus.local import scan
from dedup.corpus.stages import _buckets_of, _without_boilerplate, compared
from dedup.model import Comparison, Passage
from dedup.settings import Settings
from dedup.sources import Article

from .textgen import article


def _quoting(wire: str, own: int, paragraphs: slice) -> str:
    """An outlet's article of its own text around ``paragraphs`` of ``wire``."""
    return _around("\n\n".join(wire.split("\n\n")[paragraphs]), own)


def _around(quote: str, own: int) -> str:
    return article(own, sentences=8) + "\n" + quote + "\n" + article(own + 1, sentences=8)


def test_verbatim_passages_are_the_aligners_for_a_pair_sharing_only_copied_text():
    wire = article(1, sentences=10)
    outlet = _quoting(wire, 2, slice(1, 3))
    a, b = prepare(outlet), prepare(wire)
    found = verbatim_passages(a, b)
    # neither text split into sentences nor vectorised for it
    assert not {"sentences", "vectors"} & (a.__dict__.keys() | b.__dict__.keys())
    assert found and found == align(a, b)
    assert all(p.kind == "verbatim" for p in found)


def test_below_the_floor_a_pair_is_matched_verbatim_only_and_above_it_in_full(seeds):
    comparer = Comparer(Settings())
    full = comparer(*seeds, summaries="either")
    verbatim = comparer.verbatim(*seeds)
    assert any(p.kind == "rewrite" for p in full.passages)  # the seeds hold rewritten sentences
    assert verbatim.verbatim_only and not full.verbatim_only
    assert verbatim.passages and all(p.kind == "verbatim" for p in verbatim.passages)
    floor = comparer.settings.align_min_buckets
    assert compared(comparer, *seeds, floor) == full
    assert compared(comparer, *seeds, floor - 1) == verbatim
    assert Comparison.from_dict(verbatim.to_dict()) == verbatim
    assert verbatim.to_dict()["verbatim_only"] is True


def test_no_floor_aligns_every_pair_in_full(seeds):
    comparer = Comparer(Settings(align_min_buckets=0))
    assert compared(comparer, *seeds, 0) == comparer(*seeds, summaries="either")


def test_a_scan_reads_the_later_of_two_dated_articles_as_the_summary(seeds):
    def dated(day: str | None, text: str = "text") -> Article:
        return Article("x", "x", text, date=day)

    assert summary_reading(dated("2024-03-02"), dated("2024-03-01")) == "later-a"
    assert summary_reading(dated("2024-03-01"), dated("2024-03-02")) == "later-b"
    assert summary_reading(dated("2024-03-01"), dated("2024-03-01")) == "either"
    assert summary_reading(dated(None), dated("2024-03-01")) == "either"
    # a date the text mentions may not be the article's own
    assert summary_reading(dated(None, "Filed 2024-03-05."), dated("2024-03-01")) == "either"
    # a source the user knows outranks the dates (compare --source): the other side is read unchecked
    assert summary_reading(dated("2024-03-01"), dated("2024-03-02"), "b") == "a"
    assert summary_reading(dated(None), dated(None), "a") == "b"
    comparer = Comparer(Settings(align_min_buckets=0))
    later, earlier = replace(seeds[0], date="2024-03-02"), replace(seeds[1], date="2024-03-01")
    assert compared(comparer, later, earlier, 0) == comparer(later, earlier, summaries="later-a")
    assert compared(comparer, earlier, later, 0) == comparer(earlier, later, summaries="later-b")
    # the seeds share a wire: whichever is dated later, neither summarises the other
    for pair in (
        (later, earlier),
        (replace(seeds[0], date="2024-03-01"), replace(seeds[1], date="2024-03-02")),
    ):
        assert "summary" not in {c.kind for c in compared(comparer, *pair, 0).cases}


def test_buckets_count_lsh_evidence_only_and_neighbours_are_never_prechecked():
    pairs = np.array([[0, 1], [0, 2], [1, 2], [2, 3]])
    lsh = Candidates(np.array([[0, 2], [2, 3]]), np.array([5, 40]))
    assert _buckets_of(pairs, lsh, None).tolist() == [0, 5, 0, 40]
    with_neighbours = _buckets_of(pairs, lsh, np.array([[1, 2]]))
    assert with_neighbours.tolist()[:2] == [0, 5] and with_neighbours[2] == np.iinfo(np.int64).max


def test_a_scan_answers_every_pair_above_the_floor_as_without_it(tmp_path):
    wire = article(21, sentences=12)
    (tmp_path / "wire.txt").write_text(wire, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(article(22, sentences=2) + "\n" + wire, encoding="utf-8")
    sentence = wire.split("\n\n")[2].split(". ")[0] + "."
    (tmp_path / "quote.txt").write_text(_around(sentence, 23), encoding="utf-8")
    for seed in range(30, 36):
        (tmp_path / f"other{seed}.txt").write_text(article(seed), encoding="utf-8")
    windows_and_blocks = Settings(neighbours=0)
    result = scan(tmp_path, jobs=1, settings=windows_and_blocks)
    prechecked = {(c.a.id, c.b.id): c for c in result.pairs}
    full = scan(tmp_path, jobs=1, settings=windows_and_blocks.replace(align_min_buckets=0)).pairs
    assert not any(c.verbatim_only for c in full)
    assert set(prechecked) == {(c.a.id, c.b.id) for c in full}
    quoted = {frozenset((c.a.id, c.b.id)) for c in prechecked.values() if c.verbatim_only}
    quote = str(tmp_path / "quote.txt")
    assert quoted == {frozenset((quote, str(tmp_path / name))) for name in ("wire.txt", "copy.txt")}
    assert result.summary()["pairs_verbatim_only"] == 2
    # counted as the scan wrote its pairs, as a pass over them counts
    in_memory = replace(result, pairs=list(result.pairs))
    assert in_memory.pairs_by_sharing() == result.pairs_by_sharing() and in_memory.pairs_verbatim_only() == 2
    assert sum(result.pairs_by_sharing().values()) == len(result.pairs)
    for comparison in full:
        if not prechecked[(comparison.a.id, comparison.b.id)].verbatim_only:
            assert prechecked[(comparison.a.id, comparison.b.id)] == comparison


_pieces = st.lists(st.integers(0, 40), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(_pieces, _pieces)
def test_verbatim_passages_slice_both_texts_and_claim_no_text_twice(first, second):
    """Texts made of the same numbered sentences in other orders and numbers: every passage's offsets
    slice both texts, each side starts and ends on a word the other holds, and no character is in two
    passages."""
    a_text, b_text = (" ".join(article(k, sentences=2).strip() for k in keys) for keys in (first, second))
    passages = verbatim_passages(prepare(a_text), prepare(b_text))
    for side, text in (("a", a_text), ("b", b_text)):
        spans = sorted((getattr(p, f"{side}_start"), getattr(p, f"{side}_end")) for p in passages)
        assert all(0 <= start < end <= len(text) for start, end in spans)
        assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    for p in passages:
        a_words, b_words = (
            [word.strip(".").lower() for word in text.split()]
            for text in (a_text[p.a_start : p.a_end], b_text[p.b_start : p.b_end])
        )
        assert {a_words[0], a_words[-1]} <= set(b_words) and {b_words[0], b_words[-1]} <= set(a_words)


def test_the_prepared_articles_are_neither_split_nor_vectorised_by_a_verbatim_comparison():
    comparer = Comparer(Settings())
    wire = Article("wire", "wire", article(40, sentences=10))
    outlet = Article("outlet", "outlet", _quoting(wire.text, 41, slice(0, 2)))
    comparer.verbatim(outlet, wire)
    assert all(
        not {"sentences", "vectors"} & prepared.__dict__.keys() for prepared, _ in comparer._cache.values()
    )
    comparer(outlet, wire)
    assert all(
        {"sentences", "vectors"} <= prepared.__dict__.keys() for prepared, _ in comparer._cache.values()
    )


def test_dropping_boilerplate_leaves_a_verbatim_only_pair_without_summaries():
    # passages shaped like a summary (a short block of a whose partners spread over b), one in boilerplate
    shaped = [(0, 100, 0, 200), (101, 200, 2000, 2300), (201, 300, 4500, 4800), (9000, 9100, 9000, 9100)]
    passages = [Passage(*span, "verbatim", 1.0) for span in shaped]
    a, b = Article("a", "a", "x" * 10_000), Article("b", "b", "x" * 10_000)
    verbatim = comparison_of(a, b, passages, Settings(), with_ids=True, summaries="none", verbatim_only=True)
    boilerplate = {"a": [(9000, 9100)], "b": [(9000, 9100)]}
    dropped = _without_boilerplate(verbatim, {"a": a, "b": b}, boilerplate, Settings())
    assert len(dropped.passages) == 3 and dropped.verbatim_only
    assert "summary" not in {c.kind for c in dropped.cases}
    # the same passages aligned in full may be read as a summary
    full = comparison_of(a, b, passages[:3], Settings(), with_ids=True)
    assert "summary" in {c.kind for c in full.cases}


def test_the_cache_keeps_four_articles_compared_verbatim_in_the_room_of_one_vectorised(monkeypatch):
    import dedup.comparison

    prepared: list[str] = []

    def counted(text, *args):
        prepared.append(text)
        return prepare(text, *args)

    monkeypatch.setattr(dedup.comparison, "prepare", counted)
    wire = article(31, sentences=10)
    stories = [Article(f"s{i}", f"s{i}", _quoting(wire, 40 + 2 * i, slice(1, 3))) for i in range(4)]
    comparer = Comparer(Settings(), cache_size=1)
    pairs = [(stories[i], stories[j]) for i in range(4) for j in range(i + 1, 4)]
    for a, b in pairs * 2:
        comparer.verbatim(a, b)
    assert len(prepared) == 4  # none vectorised: all four kept
    comparer(stories[0], stories[1])  # both vectorised: they fill the cache
    for a, b in pairs:
        comparer.verbatim(a, b)
    assert len(prepared) > 6 and comparer(stories[2], stories[3]) == Comparer(Settings())(*stories[2:])
