from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.attribution import AGENCIES, _patterns, credits, direction, text_date
from dedup.model import Comparison, Passage, Side


def _names(text):
    return {(c.name, c.kind, c.how) for c in credits(text)}


def test_seed_credits(seeds, seed_comparison):
    a, b = seeds
    assert _names(b.text) == {
        ("AFP", "text", "dateline"),
        ("Reuters", "text", "additional reporting"),
        ("Reuters", "photo", "photo credit"),
    }
    assert _names(a.text) == {("www.wionnews.com", "source", "source")}
    assert {(c.name, c.kind) for c in seed_comparison.b.credits} >= {("AFP", "text"), ("Reuters", "photo")}


def test_seed_pair_derives_from_a_common_text(seed_comparison):
    assert seed_comparison.direction is not None
    assert seed_comparison.direction.source == "common"


def test_a_mention_is_not_a_credit():
    assert credits("IPVM researcher Charles Rollet told Reuters on Thursday.") == []


def test_reuters_style_datelines_reporting_lines_and_photo_credits():
    text = (
        "SHANGHAI (Reuters) - Alibaba said on Thursday.\n"
        "Reporting by Brenda Goh; Editing by Jane Doe\n"
        "A man walks past a logo. REUTERS/Aly Song\n"
        "By John Smith (AP)\n"
    )
    assert _names(text) == {
        ("Reuters", "text", "dateline"),
        ("Brenda Goh", "text", "reporting by"),
        ("Reuters", "photo", "photo credit"),
        ("AP", "text", "byline"),
    }
    for credit in credits(text):
        assert text[credit.start : credit.end].casefold().startswith(credit.name[:2].casefold())


def test_dates_from_metadata_or_text():
    assert text_date("no date here", "2021-03-04") == date(2021, 3, 4)
    assert text_date("Posted 12/18/2020 by staff") == date(2020, 12, 18)
    assert text_date("nothing") is None
    # ISO date-times, as Reuters-21578 and WARC-Date give them, are dates too
    assert text_date("", "1987-02-26T15:01:01") == date(1987, 2, 26)
    assert text_date("", "2024-03-01T10:00:00Z") == date(2024, 3, 1)


def _pair(fraction_a, fraction_b):
    side = lambda f: Side("x", 100, f, "partially derived")  # noqa: E731
    return Comparison(side(fraction_a), side(fraction_b), (Passage(0, 10, 0, 10, "verbatim", 1.0),))


def test_direction_by_date_containment_and_shared_wire():
    early, late = date(2020, 1, 1), date(2020, 1, 2)
    assert direction(_pair(0.3, 0.3), [], [], early, late, wholly=0.7).source == "a"
    assert direction(_pair(0.9, 0.2), [], [], None, None, wholly=0.7).source == "b"
    afp = credits("AFP, SHANGHAI\n")
    assert direction(_pair(0.3, 0.3), afp, afp, None, None, wholly=0.7).source == "common"
    assert direction(_pair(0.3, 0.3), [], [], None, None, wholly=0.7).source == "unknown"


_CREDIT_PIECES = [
    "Photo: Reuters", "PICTURE : afp", "file photo by: AP", "Image:Xinhua", "AFP PHOTO", "REUTERS/Aly Song",
    "By Jane Doe (AP)", "BY JOHN ROE, Reuters", "SHANGHAI (Reuters) -", "PARIS, France (AFP) —", "AFP, PARIS",
    "Additional reporting by Reuters", "ADDITIONAL  REPORTING BY dpa", "Reporting by Jo Li; Editing by Al",
    "(Source: PTI)", "told Reuters", " ", "\n", ",", "(", "/", "the", "Photo", "İMAGE: AP", "PİCTURE: AFP", "ADDİTİONAL REPORTİNG BY AFP", "ſ", "ı",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_CREDIT_PIECES), max_size=12))
def test_every_credit_match_holds_a_hint_of_its_pattern(pieces):
    # texts without a hint of each group are not searched with a pattern: exact only if every match holds them
    text = "".join(pieces)
    for _, _, pattern, hints in _patterns(AGENCIES):
        for match in pattern.finditer(text):
            found = match.group().lower()
            assert all(any(hint in found for hint in group) for group in hints), (pattern.pattern[:40], match)
