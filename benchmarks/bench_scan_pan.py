"""Accuracy at scale: ``dedup scan`` over all PAN 2013 documents of a split, pairs NOT given.

Every reuse case of the records ``dedup scan --jsonl`` writes becomes a PAN detection, oriented
suspicious -> source, and is scored with the PAN measures against all cases of the split; per obfuscation
type, candidate recall is the share of case pairs the scan verified (proposed by LSH, a shared block or
neighbouring chunks) and "pairs found" the share it reported. Results go to ``benchmarks/results/scan_pan_<split>.json``.

    .venv/bin/python benchmarks/bench_scan_pan.py ../shared/data/pan13/train
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date
from pathlib import Path

from dedup.bench.pan import read_annotations, reuse_spans, subset_names
from dedup.bench.pan_measures import Annotation, score
from dedup.corpus.local import scan
from dedup.settings import Settings, load_settings

RESULTS = Path(__file__).parent / "results"


def _detections(result) -> tuple[list[Annotation], set[tuple[str, str]]]:
    """PAN detections from the reuse cases of the records ``dedup scan --jsonl`` writes, oriented
    suspicious -> source."""
    detections, pairs = [], set()
    for record in map(json.loads, map(json.dumps, result.pair_records())):
        a, b = Path(record["a"]["id"]).name, Path(record["b"]["id"]).name
        spans = reuse_spans(record["cases"])
        if a.startswith("source") and b.startswith("suspicious"):
            a, b = b, a
            spans = [(b0, b1, a0, a1) for a0, a1, b0, b1 in spans]
        if not (a.startswith("suspicious") and b.startswith("source")):
            continue  # two suspicious or two source documents: not a PAN pair
        pairs.add((a, b))
        detections += [Annotation(a, b, a0, a1 - a0, b0, b1 - b0) for a0, a1, b0, b1 in spans]
    return detections, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("split", type=Path, help="a PAN split folder (train/ or test/)")
    parser.add_argument("--config", type=Path, help="a dedup.toml to run with instead of the defaults")
    parser.add_argument("--suffix", default="", help="added to the results file's name")
    args = parser.parse_args()
    settings = load_settings(args.config)[0] if args.config else Settings()
    started = time.perf_counter()
    result = scan(args.split, settings=settings)
    seconds = time.perf_counter() - started
    detections, reported_pairs = _detections(result)
    names = [Path(a.id).name for a in result.articles]
    candidates = {frozenset((names[i], names[j])) for i, j in result.candidate_pairs.tolist()}
    rows, all_cases = {}, []
    for name in subset_names(args.split):
        cases = read_annotations(args.split / name)
        if not cases:
            continue
        all_cases += cases
        case_pairs = {(c.this, c.source) for c in cases}
        scores = score(cases, [d for d in detections if (d.this, d.source) in case_pairs])
        rows[name] = {
            **scores.to_dict(),
            "candidate_recall": sum(frozenset(p) in candidates for p in case_pairs) / len(case_pairs),
            "pair_recall": len(case_pairs & reported_pairs) / len(case_pairs),
        }
    overall = score(all_cases, detections).to_dict()
    report = {
        "date": date.today().isoformat(),
        "split": str(args.split),
        "documents": len(result.articles),
        "candidate_pairs": result.candidates,
        "derived_pairs": len(result.pairs),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "overall": overall,
        "by_type": rows,
        "settings": settings.as_dict(),
    }
    RESULTS.mkdir(exist_ok=True)
    name = args.split.name
    (RESULTS / f"scan_pan_{name}{args.suffix}.json").write_text(
        json.dumps(report, indent=1) + "\n", encoding="utf-8"
    )
    print(
        "| sub-corpus | plagdet | precision | recall | granularity | candidate recall | pairs found |\n"
        "|---|---|---|---|---|---|---|"
    )
    unknown = {"candidate_recall": float("nan"), "pair_recall": float("nan")}
    for key, s in [*rows.items(), ("entire corpus", {**overall, **unknown})]:
        print(
            f"| {key} | {s['plagdet']:.4f} | {s['precision']:.4f} | {s['recall']:.4f} | "
            f"{s['granularity']:.4f} | {s['candidate_recall']:.4f} | {s['pair_recall']:.4f} |"
        )
    print(
        f"\n{len(result.articles)} documents, {result.candidates} candidate pairs, {len(result.pairs)} derived "
        f"pairs, {seconds:.0f} s, peak RSS {report['peak_rss_mb']} MB (parent process)"
    )


if __name__ == "__main__":
    main()
