"""Reuse cases: the fine passages of a comparison joined into one span per reused block, on both sides.

An aligner finds what it can prove sentence by sentence; a rewritten wire story then shows as fragments
with holes (a sentence too changed to match, a reordered clause). A case fills such holes, and only those:

- **In step.** Passages closer than ``region_gap_chars`` on both sides form a candidate case. Let ``u_a``
  and ``u_b`` be the characters of its ``a`` and ``b`` spans that no member passage covers. The case
  stands when ``max(u_a, u_b) <= case_slack_chars`` or ``min(u_a, u_b) >= case_balance * max(u_a, u_b)``:
  the holes on the two sides could be each other's rewrite. Otherwise one side holds text the other lacks
  (an outlet's own paragraph between two borrowed ones), and the candidate splits at its widest gap on
  that side, each part judged again.
- **Summary.** Passages adjacent (within ``region_gap_chars``) in ``a`` whose partners spread over at
  least ``summary_ratio`` times as many characters of ``b`` condense ``b``: one ``summary`` case whose
  ``b`` side is the whole of ``b``, as a summary condenses its source as a whole (the member passages show
  the sentences it drew on). Only ``a`` is read as the summary (``compare ARTICLE SOURCE``): tried both
  ways, two separate blocks of ``a`` copied from neighbouring paragraphs of ``b`` read as ``b``
  summarising ``a``, and whole articles were claimed for them.

Cases shorter than ``min_region_chars`` on either side are left out: their passages are still reported,
but a phrase two texts share by chance is not a reused block. Every case's passages are listed, and a
passage belongs to at most one case.
"""

from __future__ import annotations

from collections.abc import Sequence

from dedup.align.runs import cluster, extent, split_at_gaps
from dedup.model import Case, CaseKind, Passage
from dedup.settings import Settings

__all__ = ["cases"]

# (a_start, a_end, b_start, b_end, index of the passage): the runs helpers read the first four
_Member = tuple[int, int, int, int, int]


def cases(passages: Sequence[Passage], b_length: int, settings: Settings) -> tuple[Case, ...]:
    """The reuse cases of a comparison's ``passages`` (``b`` has ``b_length`` characters), ordered by
    their start in ``a``."""
    members = [(p.a_start, p.a_end, p.b_start, p.b_end, i) for i, p in enumerate(passages)]
    summaries, members = _summaries(members, settings)
    result = [_case(group, True, passages, b_length) for group in summaries]
    result += [_case(group, False, passages, b_length) for group in _in_step(members, settings)]
    shortest = settings.min_region_chars
    return tuple(
        sorted(
            (c for c in result if c.a_end - c.a_start >= shortest and c.b_end - c.b_start >= shortest),
            key=lambda c: (c.a_start, c.b_start),
        )
    )


def _summaries(members: list[_Member], settings: Settings) -> tuple[list[list[_Member]], list[_Member]]:
    """The groups of members in which ``a`` summarises ``b``, and the other members."""
    groups, rest = [], []
    for group in split_at_gaps(members, 0, settings.region_gap_chars) if members else []:
        a_start, a_end, b_start, b_end = extent(group)
        if len(group) > 1 and b_end - b_start >= settings.summary_ratio * (a_end - a_start):
            groups.append(group)
        else:
            rest.extend(group)
    return groups, rest


def _in_step(members: list[_Member], settings: Settings) -> list[list[_Member]]:
    """Groups close on both sides whose unmatched text is balanced (module docstring)."""
    pending = cluster(members, settings.region_gap_chars) if members else []
    groups = []
    while pending:
        group = pending.pop()
        unmatched_a, unmatched_b = _unmatched(group, 0), _unmatched(group, 2)
        larger, smaller = max(unmatched_a, unmatched_b), min(unmatched_a, unmatched_b)
        if (
            len(group) == 1
            or larger <= settings.case_slack_chars
            or smaller >= settings.case_balance * larger
        ):
            groups.append(group)
            continue
        for part in _split_at_widest_gap(group, 0 if unmatched_a >= unmatched_b else 2):
            pending.extend(cluster(part, settings.region_gap_chars))
    return groups


def _unmatched(group: Sequence[_Member], side: int) -> int:
    """Characters of the group's span on ``side`` that none of its members covers."""
    ordered = sorted((m[side], m[side + 1]) for m in group)
    covered, (start, end) = 0, ordered[0]
    for next_start, next_end in ordered[1:]:
        if next_start > end:
            covered += end - start
            start, end = next_start, next_end
        else:
            end = max(end, next_end)
    covered += end - start
    return max(m[side + 1] for m in group) - min(m[side] for m in group) - covered


def _split_at_widest_gap(group: Sequence[_Member], side: int) -> tuple[list[_Member], list[_Member]]:
    ordered = sorted(group, key=lambda m: m[side])
    reach, widest, at = ordered[0][side + 1], None, 1
    for position, member in enumerate(ordered[1:], start=1):
        gap = member[side] - reach
        if widest is None or gap > widest:
            widest, at = gap, position
        reach = max(reach, member[side + 1])
    return ordered[:at], ordered[at:]


def _case(group: Sequence[_Member], summary: bool, passages: Sequence[Passage], b_length: int) -> Case:
    a_start, a_end, b_start, b_end = extent(group)
    indices = tuple(sorted(m[4] for m in group))
    if summary:
        return Case(a_start, a_end, 0, b_length, "summary", indices)
    kind: CaseKind = "verbatim" if all(passages[i].kind == "verbatim" for i in indices) else "rewrite"
    return Case(a_start, a_end, b_start, b_end, kind, indices)
