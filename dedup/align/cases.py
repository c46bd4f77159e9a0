"""Reuse cases: the fine passages of a comparison joined into one span per reused block, on both sides.

An aligner finds what it can prove sentence by sentence; a rewritten wire story then shows as fragments
with holes (a sentence too changed to match, a reordered clause). A case fills such holes, and only those:

- **In step.** Passages closer than ``region_gap_chars`` on both sides form a candidate case. Let ``u_a``
  and ``u_b`` be the characters of its ``a`` and ``b`` spans that no member passage covers. The case
  stands when ``max(u_a, u_b) <= case_slack_chars`` or ``min(u_a, u_b) >= case_balance * max(u_a, u_b)``:
  the holes on the two sides could be each other's rewrite. Otherwise one side holds text the other lacks
  (an outlet's own paragraph between two borrowed ones), and the candidate splits at its widest gap on
  that side, each part judged again.
- **Summary.** Passages adjacent (within ``region_gap_chars``) in ``a``, covering ``summary_coverage`` of
  their span there, whose partners spread over at least ``summary_ratio`` times as many characters of
  ``b`` and cover at least ``summary_evidence`` of that spread (a stray sentence far from the rest would
  claim all between) condense ``b``: one ``summary`` case whose ``b`` side is the whole of ``b``, as a
  summary condenses its source as a whole (the member passages show the sentences it drew on). When one
  side is known to derive from the other (``compare --source``), only that side is read as a summary.
  Otherwise (a corpus scan, ``query``, ``compare`` by default) the later of two articles whose metadata
  dates differ, else either side (``a`` first), is read as a summary; nothing then says that one article
  derives from the other (two stories may share a wire), so readings that are copies rather than
  condensation are refused (read the wrong way round, two blocks of one article copied from neighbouring
  paragraphs of the other look like a summary of the whole first article): groups whose ``a`` side lies
  for more than ``summary_copy_share`` in passages that are cases of their own (in step,
  ``min_region_chars`` on both sides).

A case is a ``template`` when both sides hold at least ``template_min_numbers`` numbers and fewer than
``template_shared_numbers`` of them (of the side with fewer) are the other side's: the same form with other
figures (an earnings table, a money-market report, a dividend notice), which news wires send by the
thousand and which is not reuse of news content. The share is set a priori (most figures differ), not fitted.

Other cases shorter than ``min_region_chars`` on either side are left out: their passages are still
reported, but a phrase two texts share by chance is not a reused block. Templates are kept whatever their
length, so that a reader sees why the pair shares text and no derived fraction counts it. Every case's
passages are listed, and a passage belongs to at most one case.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from dedup.align.runs import cluster, extent, split_at_gaps
from dedup.model import Case, CaseKind, Passage
from dedup.settings import Settings

__all__ = ["SummaryReading", "cases", "is_template"]

SummaryReading = Literal["a", "b", "either", "later-a", "later-b", "none"]
"""Which side of a comparison may be read as a summary of the other: ``a`` or ``b`` (that side is known to
derive from the other: a plagiarism pair, a story and the wire it credits), ``either`` (no order known),
``later-a`` or ``later-b`` (the metadata dates say which is later) or ``none``. Readings without a known
order are checked for copies (module docstring): a later article is not known to derive from the earlier
one."""

# (a_start, a_end, b_start, b_end, index of the passage): the runs helpers read the first four
_Member = tuple[int, int, int, int, int]
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def cases(
    passages: Sequence[Passage],
    a_text: str,
    b_text: str,
    settings: Settings,
    *,
    summaries: SummaryReading = "a",
) -> tuple[Case, ...]:
    """The reuse cases of the ``passages`` shared by ``a_text`` and ``b_text``, ordered by their start in
    ``a``; ``summaries``: which side may be read as a summary of the other (see the module docstring)."""
    members = [(p.a_start, p.a_end, p.b_start, p.b_end, i) for i, p in enumerate(passages)]
    lengths = len(a_text), len(b_text)
    result = []
    checked = summaries not in ("a", "b")
    if summaries in ("a", "either", "later-a"):
        found, members = _summaries(members, settings, checked)
        result += [_case(group, passages, lengths, summarised="b") for group in found]
    if summaries in ("b", "either", "later-b"):
        found, members = _summaries([_flipped(m) for m in members], settings, checked)
        members = [_flipped(m) for m in members]
        result += [_case([_flipped(m) for m in group], passages, lengths, summarised="a") for group in found]
    result += [_case(group, passages, lengths) for group in _in_step(members, settings)]
    shortest, kept = settings.min_region_chars, []
    for case in result:
        if is_template(a_text[case.a_start : case.a_end], b_text[case.b_start : case.b_end], settings):
            kept.append(replace(case, kind="template"))
        elif _long_enough((case.a_start, case.a_end, case.b_start, case.b_end), shortest):
            kept.append(case)
    return tuple(sorted(kept, key=lambda c: (c.a_start, c.b_start)))


def _long_enough(span: tuple[int, int, int, int], shortest: int) -> bool:
    return span[1] - span[0] >= shortest and span[3] - span[2] >= shortest


def _flipped(member: _Member) -> _Member:
    return member[2], member[3], member[0], member[1], member[4]


def _summaries(
    members: list[_Member], settings: Settings, checked: bool
) -> tuple[list[list[_Member]], list[_Member]]:
    """The groups of members in which ``a`` summarises ``b``, and the other members; ``checked``: nothing
    says ``a`` derives from ``b``, so copies must be told from condensation (module docstring)."""
    groups, rest = [], []
    for group in split_at_gaps(members, 0, settings.region_gap_chars) if members else []:
        if len(group) > 1 and _condenses(group, settings, checked):
            groups.append(group)
        else:
            rest.extend(group)
    return groups, rest


def _condenses(group: list[_Member], settings: Settings, checked: bool) -> bool:
    """Whether the group's ``a`` side condenses its ``b`` side (module docstring)."""
    a_start, a_end, b_start, b_end = extent(group)
    compact, spread = a_end - a_start, b_end - b_start
    if spread < settings.summary_ratio * compact or compact - _unmatched(group, 0) < (
        settings.summary_coverage * compact
    ):
        return False
    if spread - _unmatched(group, 2) < settings.summary_evidence * spread:
        return False
    if not checked:
        return True
    copied = sum(
        m[1] - m[0]
        for block in _in_step(group, settings)
        if _long_enough(extent(block), settings.min_region_chars)
        for m in block
    )
    return copied <= settings.summary_copy_share * sum(m[1] - m[0] for m in group)


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


def is_template(a_text: str, b_text: str, settings: Settings) -> bool:
    """Whether two spans are one form with other figures (module docstring)."""
    a_numbers, b_numbers = _numbers(a_text), _numbers(b_text)
    fewer = min(a_numbers.total(), b_numbers.total())
    if fewer < settings.template_min_numbers:
        return False
    return (a_numbers & b_numbers).total() < settings.template_shared_numbers * fewer


def _numbers(text: str) -> Counter[str]:
    return Counter(match.group().replace(",", "") for match in _NUMBER.finditer(text))


def _case(
    group: Sequence[_Member],
    passages: Sequence[Passage],
    lengths: tuple[int, int],
    summarised: Literal["a", "b"] | None = None,
) -> Case:
    a_start, a_end, b_start, b_end = extent(group)
    indices = tuple(sorted(m[4] for m in group))
    if summarised == "b":
        return Case(a_start, a_end, 0, lengths[1], "summary", indices)
    if summarised == "a":
        return Case(0, lengths[0], b_start, b_end, "summary", indices)
    kind: CaseKind = "verbatim" if all(passages[i].kind == "verbatim" for i in indices) else "rewrite"
    return Case(a_start, a_end, b_start, b_end, kind, indices)
