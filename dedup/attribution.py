"""Who copied whom: agency credits in an article, and the likely direction of a derived pair.

Credits are found by patterns, each a pure function of the text:

- datelines: ``SHANGHAI (Reuters) -``, ``AFP, SHANGHAI`` on a line of its own;
- ``Additional reporting by …``, ``Reporting by …; Editing by …``, ``(Source: …)``, bylines ``By … (AP)``;
- photo credits (``Photo: Reuters``, ``REUTERS/Aly Song``, ``AFP PHOTO``), kept apart from text credits.

A mention such as "told Reuters" is not a credit. The agency list is a parameter (:data:`AGENCIES` maps a
canonical name to the spellings that denote it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

from dedup.model import Comparison, Credit, Direction

__all__ = [
    "AGENCIES", "credits", "text_date", "direction", "wires", "acknowledged", "derivation_graph", "uncredited_reuse",
]  # fmt: skip

AGENCIES: dict[str, tuple[str, ...]] = {
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "Reuters": ("Reuters", "Thomson Reuters"),
    "AP": ("AP", "Associated Press", "The Associated Press"),
    "PA": ("PA", "Press Association", "PA Media"),
    "Bloomberg": ("Bloomberg",),
    "Xinhua": ("Xinhua",),
    "dpa": ("dpa", "Deutsche Presse-Agentur"),
    "ANI": ("ANI", "Asian News International"),
    "PTI": ("PTI", "Press Trust of India"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Yonhap": ("Yonhap",),
    "EFE": ("EFE", "Agencia EFE"),
    "ANSA": ("ANSA",),
    "Anadolu": ("Anadolu", "Anadolu Agency", "AA"),
    "CNA": ("CNA", "Central News Agency"),
}


def _alternation(agencies: Mapping[str, Sequence[str]]) -> str:
    spellings = sorted((s for names in agencies.values() for s in names), key=len, reverse=True)
    return "|".join(re.escape(s) for s in spellings)


def _canonical(agencies: Mapping[str, Sequence[str]], spelling: str) -> str | None:
    for name, spellings in agencies.items():
        if any(spelling.casefold() == s.casefold() for s in spellings):
            return name
    return None


Hints = tuple[tuple[str, ...], ...]


def _patterns(agencies: Mapping[str, Sequence[str]]) -> list[tuple[str, str, re.Pattern[str], Hints]]:
    """``(kind, how, pattern, hints)``: a match holds one hint (lower case) of every group of ``hints``, so
    a text without is not searched (most articles carry no photo credit). Hints of case-insensitive
    patterns avoid ``i``: ``İ`` matches it but lowers to two characters."""
    return _compiled(tuple((name, tuple(spellings)) for name, spellings in agencies.items()))


@functools.lru_cache(maxsize=8)
def _compiled(
    agencies: tuple[tuple[str, tuple[str, ...]], ...],
) -> list[tuple[str, str, re.Pattern[str], Hints]]:
    """:func:`_patterns`, compiled once per list of agencies."""
    agency = _alternation(dict(agencies))
    city = r"[A-Z][A-Za-z .'-]{1,40}"
    return [
        (
            "text",
            "dateline",
            re.compile(rf"(?m)^\s*{city}(?:,[^()\n]{{0,40}})?\s*\((?P<who>{agency})\)\s*[-–—]"),
            (("(",),),
        ),
        ("text", "dateline", re.compile(rf"(?m)^\s*(?P<who>{agency}),\s*{city}\s*$"), ((",",),)),
        (
            "text",
            "additional reporting",
            re.compile(rf"(?i)additional reporting by\s+(?P<who>{agency})\b"),
            (("report",),),
        ),
        (
            "text",
            "byline",
            re.compile(rf"(?m)^\s*By [^\n]{{1,60}}?[(,|]\s*(?P<who>{agency})\)?\s*$"),
            (("by ",),),
        ),
        (
            "photo",
            "photo credit",
            re.compile(rf"(?i)\b(?:photo|picture|image|file photo)\s*(?:by)?\s*:\s*(?P<who>{agency})\b"),
            (("photo", "cture", "mage"), (":",)),
        ),
        (
            "photo",
            "photo credit",
            # the lookaheads spare trying every agency at every word
            re.compile(
                rf"\b(?=[A-Za-z]+ PHOTO\b)(?P<who>{agency}) PHOTO\b"
                rf"|\b(?=[A-Z]+/)(?P<who2>{agency.upper()})/[A-Z][a-z]+"
            ),
            (("photo", "/"),),
        ),
    ]


_REPORTING = re.compile(r"Reporting by (?P<who>[^;.\n]{3,80})(?:;|\n|$)")
_SOURCE = re.compile(r"\((?:Source|Sources)\s*:\s*(?P<who>[^)\n]{2,80})\)", re.IGNORECASE)


def credits(text: str, agencies: Mapping[str, Sequence[str]] = AGENCIES) -> list[Credit]:
    """Every credit in ``text``, in order of position (one per name, kind and way)."""
    found: list[Credit] = []
    lowered = text.lower()
    for kind, how, pattern, hints in _patterns(agencies):
        if not all(any(hint in lowered for hint in group) for group in hints):
            continue
        for match in pattern.finditer(text):
            group = "who" if match.group("who") else "who2"
            name = _canonical(agencies, match.group(group))
            if name:
                found.append(Credit(name, kind, how, match.start(group), match.end(group)))  # type: ignore[arg-type]
    for match in _REPORTING.finditer(text):
        found.append(
            Credit(match.group("who").strip(), "text", "reporting by", match.start("who"), match.end("who"))
        )
    for match in _SOURCE.finditer(text):
        who = match.group("who").strip()
        name = _canonical(agencies, who) or who
        found.append(Credit(name, "source", "source", match.start("who"), match.end("who")))
    unique: dict[tuple[str, str, str], Credit] = {}
    for credit in sorted(found, key=lambda c: c.start):
        unique.setdefault((credit.name, credit.kind, credit.how), credit)
    return sorted(unique.values(), key=lambda c: c.start)


_ISO = re.compile(r"\b(20\d\d|19\d\d)-(\d\d)-(\d\d)(?!\d)")  # a time may follow: 1987-02-26T15:01:01
_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(20\d\d|19\d\d)\b")


def text_date(text: str, metadata: str | None = None) -> date | None:
    """The article's date: its metadata if it parses, else the first ISO or US (m/d/y) date in its text."""
    for candidate in filter(None, (metadata, text)):
        for pattern, order in ((_ISO, (0, 1, 2)), (_US, (2, 0, 1))):
            match = pattern.search(candidate[:2000] if candidate is text else candidate)
            if match:
                parts = [int(match.group(i + 1)) for i in range(3)]
                try:
                    return date(parts[order[0]], parts[order[1]], parts[order[2]])
                except ValueError:
                    continue
    return None


def wires(credits_found: Sequence[Credit]) -> set[str]:
    """The agencies credited for text."""
    return {c.name for c in credits_found if c.kind == "text" and c.name in AGENCIES}


def acknowledged(credits_found: Sequence[Credit]) -> set[str]:
    """The agencies an article names for its text or as its source ("(Source: AFP)"): whom it credits."""
    return {c.name for c in credits_found if c.kind in ("text", "source") and c.name in AGENCIES}


def direction(
    comparison: Comparison,
    credits_a: Sequence[Credit],
    credits_b: Sequence[Credit],
    date_a: date | None,
    date_b: date | None,
    *,
    wholly: float,
    known_source: Literal["a", "b"] | None = None,
) -> Direction:
    """The likely direction of derivation of a pair, from what the user said, credits, dates and
    containment.

    - ``known_source``: the side the user named the source (``compare --source``, ``scan --known-sources``);
    - dates: the earlier article is the source;
    - a summary case: the side condensed as a whole is the source (its whole text counts as shared, so
      containment would read it the wrong way round);
    - containment: when one article is wholly derived and the other is not, the other holds the shared
      passages in their fuller context and is the source;
    - ``common``: both credit the same agency for text and neither contains the other (both rewrote a
      wire copy that is not in the corpus), or neither is wholly derived and their dates are the same.
    """
    if known_source is not None:
        return Direction(known_source, (f"{known_source} is a known source (named by the user)",))
    reasons = []
    wires_a, wires_b = wires(credits_a), wires(credits_b)
    shared_wires = sorted(wires_a & wires_b)
    a_contained = comparison.a.derived_fraction >= wholly > comparison.b.derived_fraction
    b_contained = comparison.b.derived_fraction >= wholly > comparison.a.derived_fraction
    if date_a and date_b and date_a != date_b:
        earlier = "a" if date_a < date_b else "b"
        reasons.append(f"{earlier} is dated earlier ({min(date_a, date_b)} vs {max(date_a, date_b)})")
        if a_contained or b_contained:
            reasons.append(f"{'b' if a_contained else 'a'} holds the shared text in its fuller context")
        return Direction(earlier, tuple(reasons))  # type: ignore[arg-type]
    summarised = _summarised(comparison)
    if summarised:
        summary = "b" if summarised == "a" else "a"
        return Direction(summarised, (f"{summary} condenses {summarised} (a summary case)",))
    if a_contained or b_contained:
        source = "b" if a_contained else "a"
        return Direction(source, (f"{source} holds the shared text in its fuller context",))
    if shared_wires:
        return Direction("common", (f"both credit {', '.join(shared_wires)} and neither contains the other",))
    if date_a and date_b:
        return Direction(
            "common", ("same date, and each has text the other lacks: both derive from a third text",)
        )
    return Direction("unknown", ("no dates, no shared credits, no containment",))


def _summarised(comparison: Comparison) -> Literal["a", "b"] | None:
    """The side that a summary case condenses as a whole (the other side's span is not the whole text)."""
    whole_a, whole_b = (0, comparison.a.chars), (0, comparison.b.chars)
    for case in comparison.cases:
        a_whole, b_whole = (case.a_start, case.a_end) == whole_a, (case.b_start, case.b_end) == whole_b
        if case.kind == "summary" and a_whole != b_whole:
            return "a" if a_whole else "b"
    return None


def uncredited_reuse(pair: Comparison) -> list[dict[str, object]]:
    """The entries of :func:`derivation_graph`'s ``uncredited`` that ``pair`` gives: each side derived from the
    other (or sharing a common text with it) that does not credit a wire the other credits. None unless the
    pair shares a reuse case."""
    if pair.sharing != "reuse":
        return []
    way = pair.direction.source if pair.direction else "unknown"
    found = []
    for copier, origin, copier_is_derived in (
        (pair.a, pair.b, way in ("b", "common")),
        (pair.b, pair.a, way in ("a", "common")),
    ):
        missing = sorted(wires(origin.credits) - acknowledged(copier.credits))
        if copier_is_derived and missing:
            found.append({"article": copier.id, "wires": missing, "via": origin.id, "direction": way})
    return found


def derivation_graph(pairs: Sequence[Comparison]) -> dict[str, list[dict[str, object]]]:
    """The corpus's derivation graph, per-article shares by partner, and reuse of uncredited wire copy.

    - ``edges``: ``source -> derived`` for pairs with a direction, ``common`` pairs listed apart;
    - ``articles``: per article its text and photo credits and, per partner, its derived fraction and role;
    - ``uncredited``: articles that reuse text from an article crediting a wire (or sharing a common wire
      text with it) without crediting that wire themselves: what churnalism studies look for.

    Only pairs that share a reuse case count (:attr:`Comparison.sharing`): templates and minor passages are
    not derivation.
    """
    edges, articles, uncredited = [], {}, []
    for pair in (p for p in pairs if p.sharing == "reuse"):
        a, b, way = pair.a, pair.b, pair.direction.source if pair.direction else "unknown"
        reasons = list(pair.direction.reasons) if pair.direction else []
        if way in ("a", "b"):
            source, derived = (a, b) if way == "a" else (b, a)
            edges.append({"source": source.id, "derived": derived.id, "reasons": reasons})
        else:
            edges.append({"common": [a.id, b.id], "kind": way, "reasons": reasons})
        for side, other, role in (
            (a, b, {"a": "source", "b": "derived"}),
            (b, a, {"a": "derived", "b": "source"}),
        ):
            entry = articles.setdefault(side.id, {
                "id": side.id,
                "text_credits": sorted(wires(side.credits)),
                "photo_credits": sorted({c.name for c in side.credits if c.kind == "photo"}),
                "partners": [],
            })  # fmt: skip
            entry["partners"].append(
                {"partner": other.id, "derived_fraction": side.derived_fraction, "role": role.get(way, way)}
            )
        uncredited += uncredited_reuse(pair)
    return {
        "edges": edges,
        "articles": sorted(articles.values(), key=lambda e: e["id"]),
        "uncredited": uncredited,
    }
