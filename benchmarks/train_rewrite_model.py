"""Fit the bundled rewrite model (``dedup/data/rewrite_model.json``) on training data only.

Two kinds of examples, both from training splits (test splits are never read):

* MSRP train: sentence pairs labelled paraphrase or not;
* PAN 2013 train: the units the aligner proposes as rewrites (:func:`dedup.align.units`, with a low
  ``--seed-threshold`` so weak candidates are seen too), labelled by the gold cases: positive when at
  least half of each side lies in the same case, negative when neither side touches any case; the rest is
  ambiguous and left out.

The regularisation is chosen by 10-fold cross-validated accuracy. Function words are the most frequent
words (by sentence frequency) of the bundled background IDF, so no language-specific stop list is needed.

    python benchmarks/train_rewrite_model.py ../shared/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dedup.align.passages import units
from dedup.align.prepare import prepare
from dedup.align.rewrite import FEATURES, features, fit, wording
from dedup.align.similarity import default_idf
from dedup.bench.labelled import LabelledPair, load_pan
from dedup.bench.paraphrase import load_split, wordings
from dedup.parallel import chunks, map_chunks
from dedup.settings import Settings

REGULARIZATIONS = (0.01, 0.1, 1.0, 10.0, 100.0)


def _share_inside(start: int, end: int, lo: int, hi: int) -> float:
    return max(0, min(end, hi) - max(start, lo)) / max(end - start, 1)


def _label(a_span: tuple[int, int], b_span: tuple[int, int], cases) -> int | None:
    """1 inside a gold case, 0 outside every case, ``None`` in between."""
    for a_start, a_end, b_start, b_end in cases:
        if _share_inside(*a_span, a_start, a_end) >= 0.5 and _share_inside(*b_span, b_start, b_end) >= 0.5:
            return 1
    touches = any(
        _share_inside(*a_span, c[0], c[1]) > 0 or _share_inside(*b_span, c[2], c[3]) > 0 for c in cases
    )
    return None if touches else 0


def _pan_examples(task: tuple[list[LabelledPair], Settings, frozenset[str]]) -> tuple[np.ndarray, list[int]]:
    pairs, settings, function_words = task
    idf_model = default_idf()
    examples, labels = [], []
    for pair in pairs:
        a, b = prepare(pair.a.text, idf_model, settings), prepare(pair.b.text, idf_model, settings)
        for span, kind in units(a, b, settings):
            if kind != "rewrite":
                continue
            a_chars = (a.tokens[span[0]].start, a.tokens[span[1] - 1].end)
            b_chars = (b.tokens[span[2]].start, b.tokens[span[3] - 1].end)
            label = _label(a_chars, b_chars, pair.spans or ())
            if label is not None:
                examples.append(
                    (
                        wording(a.text, a.tokens[span[0] : span[1]]),
                        wording(b.text, b.tokens[span[2] : span[3]]),
                    )
                )
                labels.append(label)
    return features(examples, idf_model, function_words), labels


def pan_examples(corpus: Path, settings: Settings, function_words: frozenset[str], jobs: int):
    """Feature rows and labels of the rewrite units proposed on a PAN corpus."""
    pairs = load_pan(corpus).pairs
    tasks = [(list(part), settings, function_words) for part in chunks(pairs, 50)]
    results = list(map_chunks(_pan_examples, tasks, jobs, None, "", [len(t[0]) for t in tasks]))
    rows = np.vstack([r[0].reshape(-1, len(FEATURES)) for r in results])
    return rows, np.asarray([label for r in results for label in r[1]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder (holds msrp/ and pan13/)")
    parser.add_argument("--function-words", type=int, default=300)
    parser.add_argument("--seed-threshold", type=float, default=0.25)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("dedup/data/rewrite_model.json"))
    args = parser.parse_args()
    idf_model = default_idf()
    by_frequency = sorted(idf_model.df.items(), key=lambda item: (-item[1], item[0]))
    function_words = frozenset(term for term, _ in by_frequency[: args.function_words])
    msrp = load_split(args.data / "msrp", "train")
    msrp_rows = features(wordings(msrp), idf_model, function_words)
    settings = Settings(seed_threshold=args.seed_threshold)
    pan_rows, pan_labels = pan_examples(args.data / "pan13" / "train", settings, function_words, args.jobs)
    print(
        f"examples: MSRP train {len(msrp.labels):,}, PAN train rewrite units {len(pan_labels):,} "
        f"({int(pan_labels.sum()):,} positive)"
    )
    rows = np.vstack([msrp_rows, pan_rows])
    labels = np.concatenate([msrp.labels, pan_labels])
    folds = StratifiedKFold(10, shuffle=True, random_state=0)
    accuracy = {}
    for c in REGULARIZATIONS:
        pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=10_000))
        accuracy[c] = cross_val_score(pipeline, rows, labels, cv=folds).mean()
        print(f"C={c:<6} 10-fold accuracy {accuracy[c]:.4f}")
    chosen = max(REGULARIZATIONS, key=lambda c: (accuracy[c], -c))
    trained_on = (
        f"MSRP train ({len(msrp.labels):,} sentence pairs) and PAN 2013 train ({len(pan_labels):,} proposed"
        f" rewrite units), C={chosen} by 10-fold accuracy {accuracy[chosen]:.4f}"
    )
    fit(rows, labels, function_words, regularization=chosen, trained_on=trained_on).save(args.out)
    print(f"{args.out}: {trained_on}")


if __name__ == "__main__":
    main()
