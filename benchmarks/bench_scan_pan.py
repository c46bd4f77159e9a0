"""Accuracy at scale: ``dedup scan`` over all PAN 2013 documents of a split, pairs NOT given.

Every reuse case of the records ``dedup scan --jsonl`` writes becomes a PAN detection, oriented
suspicious -> source, and is scored with the PAN measures against all cases of the split: over the listed
pairs of every type, and over all detections (reuse between pairs PAN does not list then counts against
precision). Per obfuscation type, candidate recall is the share of case pairs the scan verified (proposed
by LSH, a shared block or neighbouring chunks) and "pairs found" the share it reported. Results go to
``benchmarks/results/scan_pan_<split>.json``.

    .venv/bin/python benchmarks/bench_scan_pan.py ../shared/data/pan13/train
    .venv/bin/python benchmarks/bench_scan_pan.py ../shared/data/pan13/train --known-sources  # SPLIT/src named

With ``--known-sources`` the split's ``src/`` folder is named as known sources, as ``dedup scan SPLIT
--known-sources SPLIT/src`` does (results ``scan_pan_<split>_known_sources.json``).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date
from pathlib import Path

from dedup.bench.pan import scan_detections, scan_scores
from dedup.corpus.local import scan
from dedup.settings import Settings, load_settings

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("split", type=Path, help="a PAN split folder (train/ or test/)")
    parser.add_argument("--config", type=Path, help="a dedup.toml to run with instead of the defaults")
    parser.add_argument("--suffix", default="", help="added to the results file's name")
    parser.add_argument("--known-sources", action="store_true", help="name SPLIT/src known sources")
    args = parser.parse_args()
    settings = load_settings(args.config)[0] if args.config else Settings()
    started = time.perf_counter()
    known = [args.split / "src"] if args.known_sources else []
    result = scan(args.split, settings=settings, known_sources=known)
    seconds = time.perf_counter() - started
    records = map(json.loads, map(json.dumps, result.pair_records()))
    detections, reported_pairs = scan_detections(records)
    names = [Path(a.id).name for a in result.articles]
    candidates = {frozenset((names[i], names[j])) for i, j in result.candidate_pairs.tolist()}
    by_type, on_listed, overall = scan_scores(args.split, detections)
    rows = {
        name: {
            **scores.to_dict(),
            "candidate_recall": sum(frozenset(p) in candidates for p in case_pairs) / len(case_pairs),
            "pair_recall": len(case_pairs & reported_pairs) / len(case_pairs),
        }
        for name, (scores, case_pairs) in by_type.items()
    }
    report = {
        "date": date.today().isoformat(),
        "split": str(args.split),
        "known_sources": [str(path) for path in known],
        "documents": len(result.articles),
        "candidate_pairs": result.candidates,
        "derived_pairs": len(result.pairs),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "overall": overall.to_dict(),
        "listed_pairs": on_listed.to_dict(),
        "by_type": rows,
        "settings": settings.as_dict(),
    }
    RESULTS.mkdir(exist_ok=True)
    name = args.split.name
    suffix = args.suffix + ("_known_sources" if known else "")
    (RESULTS / f"scan_pan_{name}{suffix}.json").write_text(
        json.dumps(report, indent=1) + "\n", encoding="utf-8"
    )
    print(
        "| sub-corpus | plagdet | precision | recall | granularity | candidate recall | pairs found |\n"
        "|---|---|---|---|---|---|---|"
    )
    unknown = {"candidate_recall": float("nan"), "pair_recall": float("nan")}
    entire = [
        ("entire corpus, listed pairs", {**on_listed.to_dict(), **unknown}),
        ("all detections", {**overall.to_dict(), **unknown}),
    ]
    for key, s in [*rows.items(), *entire]:
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
