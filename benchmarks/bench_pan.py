"""PAN 2013 text alignment on train and test: markdown tables and JSON results.

    .venv/bin/python benchmarks/bench_pan.py ../shared/data/pan13 [--splits train test]

Parameters are the defaults of ``dedup.settings.Settings`` (chosen on train only); the test split is run
to report, never to choose.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from dedup.bench.pan import run

RESULTS = Path(__file__).parent / "results"


def markdown(report: dict) -> str:
    lines = [
        "| sub-corpus | plagdet | precision | recall | granularity | cases | detections |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [*report["by_type"].items(), ("entire corpus", report["overall"])]
    for name, s in rows:
        lines.append(
            f"| {name} | {s['plagdet']:.4f} | {s['precision']:.4f} | {s['recall']:.4f} | "
            f"{s['granularity']:.4f} | {s['cases']} | {s['detections']} |"
        )
    lines.append(
        f"\n{report['pairs']} pairs in {report['seconds']:.0f} s on this machine; "
        f"{report['detections_on_no_plagiarism_pairs']} detection(s) on the no-plagiarism pairs."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pan13", type=Path, help="folder holding train/ and test/")
    parser.add_argument("--splits", nargs="+", default=["train", "test"])
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    for split in args.splits:
        report = run(args.pan13 / split).to_dict()
        report["date"] = date.today().isoformat()
        (RESULTS / f"pan_{split}.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"\n### PAN 2013 {split}\n\n{markdown(report)}")


if __name__ == "__main__":
    main()
