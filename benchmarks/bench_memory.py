"""The scanning process's memory by stage: the parent of the local engine, or the Dask engine's client.

A thread reads this process's resident set (``VmRSS``) every 0.1 s and keeps the peak of each stage, as the
scan's progress names them (reading, counting shared buckets, finding candidates, aligning); every second it
also adds up the proportional set size (``Pss``: shared pages split between the processes sharing them) of
this process and all its descendants (the local engine's workers, a Dask cluster started here), the
machine's memory the whole run holds. Prints a table and writes ``results/memory_<run>_<articles>.json`` (run: ``local``, ``dask`` or ``candidates`` for a run
stopped after the LSH candidates).

    .venv/bin/python benchmarks/synth.py --articles 100000 --out /tmp/synth100k
    .venv/bin/python benchmarks/bench_memory.py /tmp/synth100k --engine local
    .venv/bin/python benchmarks/bench_memory.py /tmp/synth100k --engine dask
    .venv/bin/python benchmarks/bench_memory.py /tmp/synth1m --shards 4 --candidates-only
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import threading
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def _rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def _descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the thread or process ended meanwhile
            continue
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def _tree_pss_mb() -> int:
    """Proportional set size of this process and its descendants, in MB."""
    total = 0
    for pid in [os.getpid(), *_descendants(os.getpid())]:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                total += sum(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except OSError:
            continue
    return total // 1024


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value:,} MB"


class StagePeaks:
    """Peak RSS per stage, sampled by a daemon thread; ``progress`` is the scan's progress callback."""

    def __init__(self) -> None:
        self.stage, self.peaks, self.tree_peaks, self.ends = "start", {}, {}, {}
        self.started = time.perf_counter()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        for tick in itertools.count():
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), _rss_mb())
            if tick % 10 == 0:
                self.tree_peaks[self.stage] = max(self.tree_peaks.get(self.stage, 0), _tree_pss_mb())
            time.sleep(0.1)

    def progress(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.enter(stage)

    def enter(self, stage: str) -> None:
        self.ends[self.stage] = round(time.perf_counter() - self.started, 1)
        # as it goes: a run stopped before the end still tells where its time and memory went
        print(
            f"{self.stage:<24} {self.peaks.get(self.stage, 0):>7,} MB "
            f"{_mb(self.tree_peaks.get(self.stage)):>12} {self.ends[self.stage]:>8} s",
            flush=True,
        )
        self.stage = stage


def _candidates_only(shards: list[Path], jobs: int, peaks: StagePeaks) -> dict[str, object]:
    """Reading, signing and LSH candidates as the local engine runs them, and no more: where the time and
    memory of a corpus too large to align here go first."""
    from dedup.corpus.local import read_and_sign
    from dedup.corpus.texts import text_folder
    from dedup.settings import Settings

    settings = Settings()
    with text_folder() as folder:
        signed, _, entries = read_and_sign(shards, settings, jobs, 1 << 30, peaks.progress, folder)
        peaks.enter("lsh candidates")
        found = entries.candidates(len(signed), settings)
    return {"articles": len(signed), "candidate_pairs": len(found.pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="output of benchmarks/synth.py")
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shards", type=int, help="only the first this many shards")
    parser.add_argument("--candidates-only", action="store_true", help="stop after the LSH candidates")
    args = parser.parse_args()
    shards = sorted(args.folder.glob("articles-*.jsonl"))[: args.shards]
    print(f"{'stage':<24} {'peak RSS':>10} {'all (PSS)':>12} {'ends at':>9}", flush=True)
    peaks = StagePeaks()
    if args.candidates_only:
        counts = _candidates_only(shards, args.jobs, peaks)
        kind = "candidates"
    elif args.engine == "dask":
        from dedup.corpus.dask_engine import scan

        result = scan(shards, workers=args.jobs, max_bytes=1 << 30, progress=peaks.progress)
        counts, kind = {"articles": len(result.articles), "derived_pairs": len(result.pairs)}, "dask"
    else:
        from dedup.corpus.local import scan

        result = scan(shards, jobs=args.jobs, max_bytes=1 << 30, progress=peaks.progress)
        counts, kind = {"articles": len(result.articles), "derived_pairs": len(result.pairs)}, "local"
    peaks.enter("end")
    time.sleep(0.5)
    report = {
        "date": date.today().isoformat(),
        "run": kind,
        **counts,
        "seconds": round(time.perf_counter() - peaks.started, 1),
        "peak_rss_mb_by_stage": peaks.peaks,
        "peak_pss_mb_with_workers_by_stage": peaks.tree_peaks,
        "stage_ends_s": peaks.ends,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"memory_{kind}_{counts['articles']}.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{counts}, {report['seconds']} s end to end -> {out}")


if __name__ == "__main__":
    main()
