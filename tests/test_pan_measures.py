from __future__ import annotations

import math

import pytest

from dedup.bench.pan import read_annotations
from dedup.bench.pan_measures import Annotation, score

from .conftest import SHARED_DATA

PAN = SHARED_DATA / "pan13"


def _case(this_offset, this_length, source_offset, source_length, this="s1", source="r1"):
    return Annotation(this, source, this_offset, this_length, source_offset, source_length)


def test_a_perfect_detection_scores_one():
    case = _case(0, 100, 50, 100)
    result = score([case], [case])
    assert (result.precision, result.recall, result.granularity, result.plagdet) == (1, 1, 1, 1)


def test_half_a_case_detected_gives_half_recall_and_full_precision():
    result = score([_case(0, 100, 0, 100)], [_case(0, 50, 0, 50)])
    assert result.recall == pytest.approx(0.5)
    assert result.precision == pytest.approx(1.0)


def test_a_case_split_in_two_detections_has_granularity_two():
    result = score([_case(0, 100, 0, 100)], [_case(0, 50, 0, 50), _case(50, 50, 50, 50)])
    assert result.granularity == 2
    assert result.plagdet == pytest.approx(1 / math.log2(3))


def test_detections_must_overlap_on_both_sides_and_in_the_same_pair():
    case = _case(0, 100, 0, 100)
    assert score([case], [_case(0, 100, 500, 100)]).recall == 0
    assert score([case], [_case(0, 100, 0, 100, source="r2")]).recall == 0


def test_overlapping_detections_are_not_counted_twice():
    result = score([_case(0, 100, 0, 100)], [_case(0, 60, 0, 60), _case(40, 60, 40, 60)])
    assert result.recall == pytest.approx(1.0)


def test_edge_cases_of_the_official_scorer():
    assert score([], []).plagdet == 1.0
    nothing_found = score([_case(0, 10, 0, 10)], [])
    assert (nothing_found.precision, nothing_found.recall, nothing_found.granularity) == (0, 0, 1)
    assert score([], [_case(0, 10, 0, 10)]).precision == 0


@pytest.mark.parametrize(
    ("subset", "run", "expected"),
    [
        ("04-translation-obfuscation", "sanchez_perez_rerun_train_04", (0.88399, 0.89030, 0.87777, 1.0)),
        ("05-summary-obfuscation", "sanchez_perez_rerun_train_05", (0.57609, 0.42350, 0.99409, 1.04348)),
    ],
)
def test_the_scorer_reproduces_the_published_reference_runs(subset, run, expected):
    cases = read_annotations(PAN / "train" / subset)
    detections = read_annotations(PAN / "reference_runs" / run, name="detected-plagiarism")
    result = score(cases, detections)
    got = (result.plagdet, result.recall, result.precision, result.granularity)
    assert [round(x, 4) for x in got] == [round(x, 4) for x in expected]
