"""Threshold sweeps on labelled pairs: the trade-off of each parameter, and a value to use, chosen held-out.

Each parameter is swept alone around the current settings (the others stay as configured). The value is
chosen on the *tune* part of the data and every value is also scored on the *report* part, which never
influences the choice (see :func:`dedup.bench.labelled.split`).

Matching parameters (``rewrite_threshold``, ``min_verbatim_tokens``, ``ngram``, ``min_region_chars``,
``partially_derived``) are swept in one pass over the pairs: each text is prepared and each pair's sentence
similarities are computed once, then the cheap alignment steps run once per value. They are scored by
character overlap with the PAN measures when the truth has spans, else by the pair decision "derived"
(``max(derived fraction of a, of b) >= partially_derived``).

``lsh_threshold`` is scored as the candidate decision: every text is signed once, and for each threshold
``t`` the LSH uses the bands ``b`` and rows ``r`` that :func:`dedup.candidates.lsh_parameters` picks for
``t``; a labelled pair is predicted when it becomes a candidate. Its table also gives the candidates per
document over the whole set and the seconds banding took, and its curve data holds the estimated window
Jaccard of each tune pair (the best-matching windows) for the S-curve ``1 - (1 - s^r)^b``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from dedup.align.passages import align, sentence_similarities
from dedup.bench.labelled import LabelledData, LabelledPair, split
from dedup.bench.pan_measures import Annotation, score
from dedup.bench.paraphrase import f1_score, precision_recall
from dedup.candidates.lsh import band_keys, candidate_pairs, lsh_parameters
from dedup.candidates.signatures import windows_of
from dedup.comparison import Comparer, comparison_of, summary_reading
from dedup.errors import SettingsError
from dedup.model import Case, CharSpan
from dedup.parallel import Progress, chunks, map_chunks
from dedup.settings import CONSTRAINTS, Settings, stage_fields
from dedup.sources import Article

__all__ = ["GRIDS", "DEFAULT_PARAMETERS", "Point", "Sweep", "SweepReport", "run", "with_value", "choose"]

GRIDS: dict[str, tuple[float, ...]] = {
    "lsh_threshold": (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    "seed_threshold": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5),
    "rewrite_threshold": (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8),
    "min_verbatim_tokens": (3, 4, 6, 8, 10, 12, 16, 20, 30, 50),
    "ngram": (2, 3, 4, 5, 6, 8),
    "min_region_chars": (0, 50, 100, 150, 200, 300, 500),
    "partially_derived": (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5),
}
DEFAULT_PARAMETERS = (
    "lsh_threshold",
    "rewrite_threshold",
    "min_verbatim_tokens",
    "ngram",
    "partially_derived",
)
_PAIR_DECISIONS = frozenset({"lsh_threshold", "partially_derived"})  # decided per pair, whatever the truth
# the settings that change passages (the rest only change what is made of them)
_ALIGNMENT_FIELDS = stage_fields("align")


def with_value(settings: Settings, name: str, value: float) -> Settings:
    """``settings`` with ``name = value``, moving the parameters tied to it by a constraint along."""
    kind = CONSTRAINTS[name][0]
    if kind is int and value != int(value):
        raise SettingsError(f"{name} takes whole numbers, got {value}")
    changes: dict[str, object] = {name: kind(value)}
    if name == "ngram":
        changes["min_verbatim_tokens"] = max(settings.min_verbatim_tokens, int(value))
    elif name == "min_verbatim_tokens":
        changes["ngram"] = min(settings.ngram, int(value))
    elif name == "partially_derived":
        changes["wholly_derived"] = max(settings.wholly_derived, value)
    return settings.replace(**changes)


@dataclass(frozen=True)
class Point:
    """The scores of one value on one part of the data; ``extra`` holds plagdet and granularity (spans) or
    candidates per document, seconds, bands and rows (LSH)."""

    value: float
    precision: float
    recall: float
    f1: float
    extra: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, float]:
        rounded = {k: round(v, 4) for k, v in self.extra.items()}
        scores = {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }
        return {"value": self.value, **scores, **rounded}


@dataclass(frozen=True)
class Sweep:
    """One parameter's curve on the tune and report parts, the value configured and the value chosen."""

    parameter: str
    measure: str  # "spans": character overlap (PAN measures); "pairs": the pair decision
    current: float
    chosen: float
    rule: str
    tune: list[Point]
    report: list[Point]
    similarities: dict[str, list[float]] | None = (
        None  # LSH: window Jaccard of positive / negative tune pairs
    )

    def at(self, points: Sequence[Point], value: float) -> Point:
        return next(p for p in points if p.value == value)

    def to_dict(self) -> dict[str, object]:
        return {
            "parameter": self.parameter,
            "measure": self.measure,
            "current": self.current,
            "chosen": self.chosen,
            "rule": self.rule,
            "tune": [p.to_dict() for p in self.tune],
            "report": [p.to_dict() for p in self.report],
            **({"similarities": self.similarities} if self.similarities else {}),
        }


@dataclass(frozen=True)
class SweepReport:
    data: str
    split: str
    tune_pairs: int
    report_pairs: int
    sweeps: list[Sweep]
    settings: Settings
    skipped: list[tuple[str, str]]
    seconds: float

    def recommended(self) -> Settings:
        """The settings with every chosen value applied."""
        settings = self.settings
        for sweep in self.sweeps:
            settings = with_value(settings, sweep.parameter, sweep.chosen)
        return settings

    def to_dict(self) -> dict[str, object]:
        return {
            "data": self.data,
            "split": self.split,
            "tune_pairs": self.tune_pairs,
            "report_pairs": self.report_pairs,
            "seconds": round(self.seconds, 2),
            "sweeps": [s.to_dict() for s in self.sweeps],
            "recommended": {s.parameter: s.chosen for s in self.sweeps},
            "settings": self.settings.as_dict(),
            "skipped": [{"pair": where, "reason": reason} for where, reason in self.skipped],
        }


def choose(
    points: Sequence[Point], min_precision: float | None = None, current: float | None = None
) -> tuple[float, str]:
    """The value of best F1, or with ``min_precision`` the best recall among values at least that precise.

    Among equally good values the ``current`` one stays, else the first in grid order. Returns the value and
    the rule in words, for the report.
    """
    eligible, merit, rule = list(points), attrgetter("f1"), "best F1 on the tune part"
    if min_precision is not None:
        precise = [p for p in points if p.precision >= min_precision]
        if precise:
            eligible, merit = precise, attrgetter("recall", "f1")
            rule = f"best recall at precision >= {min_precision} on the tune part"
        else:
            rule = f"no value reaches precision {min_precision} on the tune part; best F1"
    best = max(map(merit, eligible))
    tied = [p.value for p in eligible if merit(p) == best]
    return (current if current in tied else tied[0]), rule


def _pair_point(value: float, predicted: np.ndarray, truth: np.ndarray, **extra: float) -> Point:
    precision, recall = precision_recall(predicted, truth)
    return Point(value, precision, recall, f1_score(precision, recall), extra)


def _span_point(value: float, pairs: Sequence[LabelledPair], found: Sequence[Sequence[CharSpan]]) -> Point:
    cases, detections = [], []
    for pair, spans in zip(pairs, found, strict=True):
        cases += [
            Annotation(pair.a.id, pair.b.id, s[0], s[1] - s[0], s[2], s[3] - s[2]) for s in pair.spans or ()
        ]
        detections += [Annotation(pair.a.id, pair.b.id, s[0], s[1] - s[0], s[2], s[3] - s[2]) for s in spans]
    scores = score(cases, detections)
    extra = {"plagdet": scores.plagdet, "granularity": scores.granularity}
    return Point(value, scores.precision, scores.recall, f1_score(scores.precision, scores.recall), extra)


_comparer: Comparer | None = None


def _span(case: Case) -> CharSpan:
    return case.a_start, case.a_end, case.b_start, case.b_end


def _align_chunk(
    task: tuple[Sequence[tuple[Article, Article]], tuple[Settings, ...]],
) -> list[list[tuple[float, tuple[CharSpan, ...]]]]:
    """For each pair and each settings: the pair's derived fraction and its reuse cases, as the product
    reports them (one similarity computation per pair; one alignment per distinct alignment settings)."""
    global _comparer
    pairs, grid = task
    if _comparer is None or _comparer.settings != grid[0]:
        _comparer = Comparer(grid[0])
    results = []
    for a, b in pairs:
        known_order = summary_reading(a, b, "b")  # labelled pairs say b is a's source: compare --source b
        prepared_a, prepared_b = _comparer.prepared(a), _comparer.prepared(b)
        cosines = sentence_similarities(prepared_a, prepared_b)
        aligned: dict[tuple, list] = {}
        per_settings = []
        for settings in grid:
            key = tuple(getattr(settings, name) for name in _ALIGNMENT_FIELDS)
            if key not in aligned:
                aligned[key] = align(prepared_a, prepared_b, settings, cosines=cosines)
            comparison = comparison_of(a, b, aligned[key], settings, credits=((), ()), summaries=known_order)
            fraction = max(comparison.a.derived_fraction, comparison.b.derived_fraction)
            per_settings.append((fraction, tuple(_span(c) for c in comparison.cases)))
        results.append(per_settings)
    return results


def _matching_sweeps(
    parts: tuple[list[LabelledPair], list[LabelledPair]],
    values: Mapping[str, Sequence[float]],
    settings: Settings,
    has_spans: bool,
    jobs: int,
    progress: Progress | None,
) -> dict[str, tuple[list[Point], list[Point]]]:
    grid = [(name, value, with_value(settings, name, value)) for name, vs in values.items() for value in vs]
    all_settings = tuple(s for _, _, s in grid)
    curves: dict[str, tuple[list[Point], list[Point]]] = {name: ([], []) for name in values}
    if not grid:
        return curves
    for part_index, pairs in enumerate(parts):
        ordered = sorted(range(len(pairs)), key=lambda i: (pairs[i].a.id, pairs[i].b.id))
        pieces = chunks(ordered, 16)
        tasks = [([(pairs[i].a, pairs[i].b) for i in piece], all_settings) for piece in pieces]
        outcomes: list = [None] * len(pairs)
        stage = "aligning (" + ("tune" if part_index == 0 else "report") + " part)"
        for piece, result in zip(
            pieces,
            map_chunks(_align_chunk, tasks, jobs, progress, stage, [len(p) for p in pieces]),
            strict=True,
        ):
            for i, outcome in zip(piece, result, strict=True):
                outcomes[i] = outcome
        truth = np.array([p.derived for p in pairs], dtype=bool)
        for column, (name, value, chosen) in enumerate(grid):
            if has_spans and name not in _PAIR_DECISIONS:
                point = _span_point(value, pairs, [o[column][1] for o in outcomes])
            else:
                fractions = np.array([o[column][0] for o in outcomes])
                point = _pair_point(value, fractions >= chosen.partially_derived, truth)
            curves[name][part_index].append(point)
    return curves


def _sign_texts(task: tuple[Sequence[str], Settings]) -> list[np.ndarray]:
    texts, settings = task
    return [windows_of(text, settings).signatures for text in texts]


def _best_window_jaccard(first: np.ndarray, second: np.ndarray) -> float:
    if not len(first) or not len(second):
        return 0.0
    return float((first[:, None, :] == second[None, :, :]).mean(axis=2).max())


def _lsh_sweep(
    parts: tuple[list[LabelledPair], list[LabelledPair]],
    values: Sequence[float],
    settings: Settings,
    jobs: int,
    progress: Progress | None,
) -> tuple[list[Point], list[Point], dict[str, list[float]]]:
    documents: dict[str, Article] = {}
    for pair in parts[0] + parts[1]:
        documents.setdefault(pair.a.id, pair.a)
        documents.setdefault(pair.b.id, pair.b)
    ids = list(documents)
    position = {doc_id: index for index, doc_id in enumerate(ids)}
    pieces = chunks(ids, 64)
    tasks = [([documents[i].text for i in piece], settings) for piece in pieces]
    signatures = [
        s
        for result in map_chunks(_sign_texts, tasks, jobs, progress, "signing", [len(p) for p in pieces])
        for s in result
    ]
    window_docs = np.repeat(np.arange(len(ids)), [len(s) for s in signatures])
    stacked = np.concatenate(signatures) if signatures else np.zeros((0, settings.num_perm), dtype=np.uint32)
    base = np.int64(len(ids))
    codes = [
        np.array(
            [
                min(position[p.a.id], position[p.b.id]) * base + max(position[p.a.id], position[p.b.id])
                for p in part
            ]
        )
        for part in parts
    ]
    truths = [np.array([p.derived for p in part], dtype=bool) for part in parts]
    tune_points, report_points = [], []
    for value in values:
        bands, rows = lsh_parameters(value, settings.num_perm)
        started = time.perf_counter()
        found = candidate_pairs(
            band_keys(stacked, bands, rows), window_docs,
            max_bucket_docs=settings.max_bucket_docs, min_shared=settings.min_shared_buckets,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        found_codes = found.pairs[:, 0] * base + found.pairs[:, 1]
        extra = {"candidates_per_document": len(found_codes) / max(len(ids), 1), "seconds": seconds}
        extra |= {"bands": bands, "rows": rows}
        for points, part_codes, truth in zip((tune_points, report_points), codes, truths, strict=True):
            points.append(_pair_point(value, np.isin(part_codes, found_codes), truth, **extra))
    similarities: dict[str, list[float]] = {"positive": [], "negative": []}
    for pair in parts[0]:
        jaccard = _best_window_jaccard(signatures[position[pair.a.id]], signatures[position[pair.b.id]])
        similarities["positive" if pair.derived else "negative"].append(round(jaccard, 4))
    return tune_points, report_points, similarities


def run(
    data: LabelledData,
    parameters: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    grids: Mapping[str, Sequence[float]] | None = None,
    min_precision: float | None = None,
    seed: int = 0,
    test_fraction: float = 0.5,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> SweepReport:
    """Sweep ``parameters`` (default :data:`DEFAULT_PARAMETERS`) over their grids (``grids`` overrides
    :data:`GRIDS`), choose each value on the tune part, score every value on both parts."""
    settings = settings or Settings()
    parameters = list(parameters or DEFAULT_PARAMETERS)
    unknown = [name for name in parameters if name not in GRIDS]
    if unknown:
        raise SettingsError(f"cannot sweep {unknown[0]!r}; sweepable: {', '.join(GRIDS)}")
    if "min_region_chars" in parameters and not data.has_spans:
        raise SettingsError("min_region_chars only changes span scores; this data has pair labels only")
    values = {
        name: _valid_values(name, (grids or {}).get(name, GRIDS[name]), settings) for name in parameters
    }
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    tune, report, how = split(data, seed=seed, test_fraction=test_fraction)
    if not tune or not report:
        raise SettingsError(
            f"{data.name}: too few pairs to keep a part for reporting ({len(data.pairs)} pairs)"
        )
    matching = {name: vs for name, vs in values.items() if name != "lsh_threshold"}
    curves = _matching_sweeps((tune, report), matching, settings, data.has_spans, jobs, progress)
    similarities = None
    if "lsh_threshold" in values:
        tune_points, report_points, similarities = _lsh_sweep(
            (tune, report), values["lsh_threshold"], settings, jobs, progress
        )
        curves["lsh_threshold"] = (tune_points, report_points)
    sweeps = []
    for name in parameters:
        tune_points, report_points = curves[name]
        chosen, rule = choose(tune_points, min_precision, getattr(settings, name))
        measure = "spans" if data.has_spans and name not in _PAIR_DECISIONS else "pairs"
        lsh_data = similarities if name == "lsh_threshold" else None
        sweeps.append(
            Sweep(name, measure, getattr(settings, name), chosen, rule, tune_points, report_points, lsh_data)
        )
    return SweepReport(
        data.name, how, len(tune), len(report), sweeps, settings, data.skipped, time.perf_counter() - started
    )


def _valid_values(name: str, values: Sequence[float], settings: Settings) -> list[float]:
    """The grid in increasing order; a value that gives invalid settings is an error naming it."""
    if not values:
        raise SettingsError(f"no value to sweep {name} over")
    for value in values:
        try:
            with_value(settings, name, value)
        except SettingsError as error:
            raise SettingsError(f"cannot sweep {name} over {value}: {error}") from None
    return sorted(set(values))
