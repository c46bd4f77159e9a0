"""The Dask engine against the local engine on the same machine and the same articles, side by side.

Both scan the JSONL shards written by ``benchmarks/synth.py``: the local engine with ``--jobs`` processes, the
Dask engine on a ``LocalCluster`` of as many single-threaded worker processes. Reported: seconds end to end
(the cluster's start-up included), the Dask engine's overhead, and whether both found the same pairs with the
same passages.

    .venv/bin/python benchmarks/synth.py --articles 20000 --out /tmp/synth20k
    .venv/bin/python benchmarks/bench_dask.py /tmp/synth20k --jobs 2
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

from dedup.corpus.dask_engine import scan as dask_scan
from dedup.corpus.local import scan

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="output of benchmarks/synth.py")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    shards = sorted(args.folder.glob("articles-*.jsonl"))
    started = time.perf_counter()
    local = scan(shards, jobs=args.jobs, max_bytes=1 << 30)
    local_seconds = time.perf_counter() - started
    started = time.perf_counter()
    distributed = dask_scan(shards, workers=args.jobs, max_bytes=1 << 30)
    dask_seconds = time.perf_counter() - started
    same = [c.to_dict() for c in local.pairs] == [c.to_dict() for c in distributed.pairs]
    report = {
        "date": date.today().isoformat(),
        "articles": len(local.articles),
        "workers": args.jobs,
        "local_seconds": round(local_seconds, 1),
        "dask_seconds": round(dask_seconds, 1),
        "overhead": round(dask_seconds / local_seconds - 1, 3),
        "derived_pairs": len(local.pairs),
        "same_pairs_and_passages": same,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"dask_{len(local.articles)}.json").write_text(json.dumps(report, indent=2) + "\n")
    print("| articles | workers | local s | dask s | overhead | derived pairs | identical |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {report['articles']:,} | {args.jobs} | {report['local_seconds']} | {report['dask_seconds']} | "
        f"{report['overhead']:+.1%} | {report['derived_pairs']:,} | {same} |"
    )


if __name__ == "__main__":
    main()
