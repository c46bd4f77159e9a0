"""Case rules swept on one scan's passages: each record's reuse cases recomputed under every combination
of the given ``cases``-stage settings, then scored as ``bench_scan_pan.py`` scores a scan. The passages do
not depend on these settings, so one scan serves the whole grid. Tuning: run it on a train split only.

    .venv/bin/dedup scan ../shared/data/pan13/train --jsonl /tmp/pan_train.jsonl --quiet
    .venv/bin/python benchmarks/sweep_scan_cases.py ../shared/data/pan13/train /tmp/pan_train.jsonl \\
        --set summary_copy_share=0.75,0.85,0.95 --set summary_evidence=0,0.05,0.1

Results go to ``benchmarks/results/sweep_scan_cases_<split>.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
from functools import cache
from pathlib import Path

from dedup.align.cases import cases
from dedup.bench.pan import scan_detections, scan_scores
from dedup.bench.sweep import with_value
from dedup.comparison import summary_reading
from dedup.model import Passage
from dedup.settings import Settings, stage_fields
from dedup.sources import Article, read_article

RESULTS = Path(__file__).parent / "results"


@cache
def _article(path: str) -> Article:
    return read_article(Path(path))


def _recomputed(records: list[dict], settings: Settings) -> list[dict]:
    """The records with their cases as a scan under ``settings`` would print them."""
    return [
        {
            **record,
            "cases": [
                case.to_dict()
                for case in cases(
                    [Passage.from_dict(p) for p in record["passages"]],
                    _article(record["a"]["path"]).text,
                    _article(record["b"]["path"]).text,
                    settings,
                    summaries=summary_reading(_article(record["a"]["path"]), _article(record["b"]["path"])),
                )
            ],
        }
        for record in records
    ]


def _grid(assignments: list[str]) -> dict[str, list[float]]:
    allowed, grid = stage_fields("cases"), {}
    for assignment in assignments:
        name, _, values = assignment.partition("=")
        if name not in allowed:
            raise SystemExit(f"--set {name}: not a cases setting; one of {', '.join(sorted(allowed))}")
        grid[name] = [float(v) for v in values.split(",")]
    return grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("split", type=Path, help="the PAN split the records were scanned from")
    parser.add_argument("records", type=Path, help="the scan's --jsonl")
    parser.add_argument("--set", action="append", default=[], help="NAME=V1,V2,... (repeatable)")
    args = parser.parse_args()
    grid = _grid(args.set)
    with args.records.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    rows = []
    print("| " + " | ".join(grid) + " | listed plagdet | summary recall | none precision | granularity |")
    print("|---" * (len(grid) + 4) + "|")
    for values in itertools.product(*grid.values()):
        settings = Settings()
        for name, value in zip(grid, values, strict=True):
            settings = with_value(settings, name, value)
        detections, _ = scan_detections(_recomputed(records, settings))
        by_type, on_listed, _ = scan_scores(args.split, detections)
        summary, none = by_type["05-summary-obfuscation"][0], by_type["02-no-obfuscation"][0]
        rows.append({"settings": dict(zip(grid, values, strict=True)), "listed": on_listed.to_dict(),
                     "by_type": {name: s.to_dict() for name, (s, _) in by_type.items()}})  # fmt: skip
        shown = " | ".join(f"{v:g}" for v in values)
        print(
            f"| {shown} | {on_listed.plagdet:.4f} | {summary.recall:.3f} | {none.precision:.3f} | "
            f"{on_listed.granularity:.3f} |",
            flush=True,
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"sweep_scan_cases_{args.split.name}.json"
    out.write_text(
        json.dumps({"records": str(args.records), "rows": rows}, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
