"""The one data model shared by the aligner, the reports, the index and the scorers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Passage",
    "Case",
    "Side",
    "Comparison",
    "Credit",
    "Direction",
    "Kind",
    "CaseKind",
    "Verdict",
    "Sharing",
    "CharSpan",
    "shared_spans",
]

Kind = Literal["verbatim", "rewrite"]
CaseKind = Literal["verbatim", "rewrite", "summary", "template"]
Verdict = Literal["wholly derived", "partially derived", "not derived"]
Sharing = Literal["reuse", "template", "minor"]
CharSpan = tuple[int, int, int, int]  # a_start, a_end, b_start, b_end: character offsets into two texts


def _fields(record) -> dict[str, object]:
    """A slotted dataclass's fields by name, values as they are: ``dataclasses.asdict`` deep-copies every
    value, which cost a scan's parent seconds per 100,000 pairs for records of numbers and strings."""
    return {name: getattr(record, name) for name in record.__slots__}


@dataclass(frozen=True, slots=True)
class Passage:
    """A shared passage: ``a_text[a_start:a_end]`` corresponds to ``b_text[b_start:b_end]``.

    Offsets are code-point indices into each article's text as read. ``score`` is the TF-IDF similarity of
    the two sides (mean of word and character cosines; 1.0 for identical wording).
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: Kind
    score: float

    def to_dict(self) -> dict[str, object]:
        return _fields(self)

    @classmethod
    def from_dict(cls, data: dict) -> Passage:
        return cls(
            int(data["a_start"]), int(data["a_end"]), int(data["b_start"]), int(data["b_end"]),
            data["kind"], float(data["score"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Case:
    """One reused block: ``a_text[a_start:a_end]`` was taken from (or gave) ``b_text[b_start:b_end]``.

    A case joins the comparison's ``passages`` numbered in ``passages`` with the text between them that
    both sides hold unmatched (changed words, a rewritten clause): see :mod:`dedup.align.cases`. ``kind``
    is ``verbatim`` when all its passages are, ``summary`` when one side condenses the other as a whole
    (that side's span is then the whole article), ``template`` when it is one form with other figures (not
    reuse: no derived fraction counts it), else ``rewrite``.
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: CaseKind
    passages: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        data = _fields(self)
        data["passages"] = list(self.passages)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Case:
        return cls(
            int(data["a_start"]), int(data["a_end"]), int(data["b_start"]), int(data["b_end"]),
            data["kind"], tuple(int(i) for i in data["passages"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Credit:
    """A credit found in an article: who, for what (``text``, ``photo`` or ``source``), how, and where."""

    name: str
    kind: Literal["text", "photo", "source"]
    how: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return _fields(self)


@dataclass(frozen=True, slots=True)
class Direction:
    """Which side is the likely source of a derived pair (``a``, ``b``, ``common`` or ``unknown``), and why."""

    source: Literal["a", "b", "common", "unknown"]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "reasons": list(self.reasons)}


def shared_spans(
    passages: Sequence[Passage], cases: Sequence[Case], side: Literal["a", "b"]
) -> list[tuple[int, int]]:
    """The character spans of one side inside a passage or a case, template cases and their passages left
    out: what that side's derived fraction counts."""
    templated = {i for case in cases if case.kind == "template" for i in case.passages}
    items = (
        *(p for i, p in enumerate(passages) if i not in templated),
        *(c for c in cases if c.kind != "template"),
    )
    if side == "a":
        return [(x.a_start, x.a_end) for x in items]
    return [(x.b_start, x.b_end) for x in items]


@dataclass(frozen=True, slots=True)
class Side:
    """One article of a comparison: where it came from, its size and how much of it is shared."""

    path: str
    chars: int
    derived_fraction: float
    verdict: Verdict
    id: str | None = None
    credits: tuple[Credit, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data = _fields(self)
        if self.id is None:
            del data["id"]
        data["credits"] = [c.to_dict() for c in self.credits]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Side:
        credits = tuple(Credit(**c) for c in data.get("credits", ()))
        return cls(
            data["path"],
            int(data["chars"]),
            float(data["derived_fraction"]),
            data["verdict"],
            data.get("id"),
            credits,
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """The result of comparing article ``a`` with article ``b``.

    ``verbatim_only``: the passages come from exact runs alone, rewrites not looked for (a scan's pair below
    its pre-check floor, :func:`dedup.corpus.stages.compared`)."""

    a: Side
    b: Side
    passages: tuple[Passage, ...]
    direction: Direction | None = None
    cases: tuple[Case, ...] = ()
    verbatim_only: bool = False

    @property
    def sharing(self) -> Sharing:
        """How the pair shares text: ``reuse`` (a case that is not a template), ``template`` (template cases
        only: one form, other figures) or ``minor`` (passages too short to be a case: a phrase, a quote)."""
        if any(c.kind != "template" for c in self.cases):
            return "reuse"
        return "template" if self.cases else "minor"

    def shared_spans(self, side: Literal["a", "b"]) -> list[tuple[int, int]]:
        """One side's spans that its derived fraction counts (:func:`shared_spans`)."""
        return shared_spans(self.passages, self.cases, side)

    def to_dict(self) -> dict[str, object]:
        """The ``--json`` object: fields may be added, never renamed."""
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "passages": [p.to_dict() for p in self.passages],
            "cases": [c.to_dict() for c in self.cases],
            "sharing": self.sharing,
            "direction": self.direction.to_dict() if self.direction else None,
            "verbatim_only": self.verbatim_only,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        """The comparison a ``to_dict`` object describes."""
        direction = data.get("direction")
        return cls(
            Side.from_dict(data["a"]),
            Side.from_dict(data["b"]),
            tuple(Passage.from_dict(p) for p in data["passages"]),
            Direction(direction["source"], tuple(direction["reasons"])) if direction else None,
            tuple(Case.from_dict(c) for c in data.get("cases", ())),
            bool(data.get("verbatim_only", False)),
        )
