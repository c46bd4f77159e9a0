"""MSRP (Microsoft Research Paraphrase Corpus): accuracy and F1 of the aligner's rewrite decision.

The decision is the aligner's own: two sentences are a rewrite of each other when the rewrite model's
probability (:mod:`dedup.align.rewrite`) reaches ``Settings.rewrite_threshold``. The best threshold is searched on
the training split only; the test split is scored at the configured threshold.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup.align.rewrite import RewriteModel, Wording, default_model, wording
from dedup.align.similarity import IdfModel, default_idf
from dedup.errors import DedupError
from dedup.settings import Settings
from dedup.text import tokenize

__all__ = [
    "SentencePairs",
    "load_split",
    "wordings",
    "pair_probabilities",
    "decision_scores",
    "f1_score",
    "precision_recall",
    "best_threshold",
    "MsrpReport",
    "run",
]

SPLITS = {"train": "msr_paraphrase_train.txt", "test": "msr_paraphrase_test.txt"}


@dataclass(frozen=True)
class SentencePairs:
    first: list[str]
    second: list[str]
    labels: np.ndarray  # 1 = paraphrase


def load_split(folder: Path, split: str) -> SentencePairs:
    """One split of MSRP: tab-separated ``Quality, #1 ID, #2 ID, #1 String, #2 String`` with a header."""
    path = folder / SPLITS[split]
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as error:
        raise DedupError(f"{path}: cannot read the MSRP split ({error.strerror or error})") from None
    if not rows or "Quality" not in rows[0]:
        raise DedupError(f"{path}: not an MSRP file (expected a 'Quality' column)")
    return SentencePairs(
        [r["#1 String"] for r in rows],
        [r["#2 String"] for r in rows],
        np.array([int(r["Quality"]) for r in rows]),
    )


def wordings(pairs: SentencePairs) -> list[tuple[Wording, Wording]]:
    """Each sentence pair as the rewrite model reads it."""
    return [
        (wording(a, tokenize(a)), wording(b, tokenize(b)))
        for a, b in zip(pairs.first, pairs.second, strict=True)
    ]


def pair_probabilities(
    pairs: SentencePairs, model: RewriteModel | None = None, idf_model: IdfModel | None = None
) -> np.ndarray:
    """The aligner's rewrite probability of each sentence pair."""
    model = model or default_model()
    return model.probability(wordings(pairs), idf_model or default_idf())


def f1_score(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def precision_recall(predicted: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Precision and recall of boolean ``predicted`` against boolean ``truth`` (0 where undefined)."""
    true_positives = int((predicted & truth).sum())
    precision = true_positives / int(predicted.sum()) if predicted.any() else 0.0
    recall = true_positives / int(truth.sum()) if truth.any() else 0.0
    return precision, recall


def decision_scores(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of ``score >= threshold`` against ``labels``."""
    predicted = scores >= threshold
    truth = labels == 1
    precision, recall = precision_recall(predicted, truth)
    f1 = f1_score(precision, recall)
    accuracy = float((predicted == truth).mean())
    return {"threshold": threshold, "accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold (on a 0.01 grid) of highest accuracy."""
    grid = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    accuracies = [decision_scores(scores, labels, t)["accuracy"] for t in grid]
    return float(grid[int(np.argmax(accuracies))])


@dataclass(frozen=True)
class MsrpReport:
    configured: float
    best_on_train: float
    train: dict[str, float]
    test: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "configured_threshold": self.configured,
            "best_threshold_on_train": self.best_on_train,
            "train": self.train,
            "test": self.test,
        }


def run(folder: Path, settings: Settings | None = None) -> MsrpReport:
    """Score the configured threshold on train and test; report the train-optimal threshold too."""
    settings = settings or Settings()
    train, test = load_split(folder, "train"), load_split(folder, "test")
    train_scores = pair_probabilities(train)
    threshold = settings.rewrite_threshold
    return MsrpReport(
        threshold,
        best_threshold(train_scores, train.labels),
        decision_scores(train_scores, train.labels, threshold),
        decision_scores(pair_probabilities(test), test.labels, threshold),
    )
