"""Concurrent clients on one index: several processes query while one adds, SQLite against Redis.

For each backend, in one run: the index is filled with ``--base`` synthetic articles (``benchmarks/synth.py``
output), then ``--clients`` processes query derived articles (whose sources are indexed) for as long as one
more process adds ``--add`` further articles. Reported: add throughput while queried, queries per second
over all clients, latency p50 / p99 (including alignment), and after the run whether every added article is
there exactly once (ids, records and counts agree; nothing lost, nothing duplicated).

A ``redis-server`` is started on a free local port for the run (Debian package ``redis-server``).

    .venv/bin/python benchmarks/synth.py --articles 6000 --out /tmp/synth6k
    .venv/bin/python benchmarks/bench_index_clients.py /tmp/synth6k --base 4000 --add 1000 --clients 3
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from dedup.index import open_index
from dedup.index.redis import throwaway_server
from dedup.sources import Article, iter_articles

RESULTS = Path(__file__).parent / "results"


def _articles(folder: Path, limit: int) -> list[Article]:
    found: list[Article] = []
    for path in sorted(folder.glob("articles-*.jsonl")):
        found += [a for a in iter_articles(path, max_bytes=1 << 30) if isinstance(a, Article)]
        if len(found) >= limit:
            break
    return found[:limit]


def _adder(
    location: str, articles: list[Article], done: multiprocessing.Event, out: multiprocessing.Queue
) -> None:
    started = time.perf_counter()
    with open_index(location) as index:
        result = index.add(articles)
    out.put(("add", result.added, time.perf_counter() - started))
    done.set()


def _querier(
    location: str, probes: list[Article], done: multiprocessing.Event, out: multiprocessing.Queue
) -> None:
    latencies = []
    with open_index(location, create=False) as index:
        position = 0
        while not done.is_set():
            probe = probes[position % len(probes)]
            started = time.perf_counter()
            index.query(probe, top=5)
            latencies.append(time.perf_counter() - started)
            position += 1
    out.put(("query", latencies, 0.0))


def _integrity(location: str, expected: set[str]) -> dict[str, object]:
    with open_index(location, create=False) as index:
        ids = list(index.ids())
        records = sum(index.get(article_id) is not None for article_id in ids)
        stats = index.stats()
    return {
        "expected": len(expected),
        "ids": len(ids),
        "distinct_ids": len(set(ids)),
        "records": records,
        "stats_articles": stats.articles,
        "lost": len(expected - set(ids)),
        "unexpected": len(set(ids) - expected),
        "ok": set(ids) == expected and len(ids) == len(set(ids)) == records == stats.articles,
    }


def run_backend(
    location: str, base: list[Article], extra: list[Article], probes: list[Article], clients: int
) -> dict:
    started = time.perf_counter()
    with open_index(location) as index:
        index.add(base)
    fill_seconds = time.perf_counter() - started
    context = multiprocessing.get_context("spawn")
    done, out = context.Event(), context.Queue()
    processes = [context.Process(target=_querier, args=(location, probes, done, out)) for _ in range(clients)]
    processes.append(context.Process(target=_adder, args=(location, extra, done, out)))
    wall = time.perf_counter()
    for process in processes:
        process.start()
    results = [out.get() for _ in processes]
    for process in processes:
        process.join()
    wall = time.perf_counter() - wall
    latencies = np.array([x for kind, values, _ in results if kind == "query" for x in values])
    added, add_seconds = next((values, seconds) for kind, values, seconds in results if kind == "add")
    return {
        "fill_docs_per_second": round(len(base) / fill_seconds, 1),
        "add_docs_per_second_while_queried": round(added / add_seconds, 1),
        "queries": int(len(latencies)),
        "queries_per_second": round(len(latencies) / wall, 1),
        "query_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1),
        "query_p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1),
        "integrity": _integrity(location, {a.id for a in base + extra}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="output of benchmarks/synth.py")
    parser.add_argument("--base", type=int, default=4000)
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=3)
    args = parser.parse_args()
    articles = _articles(args.folder, args.base + args.add)
    base, extra = articles[: args.base], articles[args.base :]
    indexed = {a.id for a in base}
    truth = [json.loads(line) for line in (args.folder / "truth.jsonl").read_text().splitlines()]
    by_id = {a.id: a for a in base}
    probes = [by_id[t["derived"]] for t in truth if t["derived"] in indexed and t["source"] in indexed][:200]
    results = {}
    with tempfile.TemporaryDirectory() as scratch, throwaway_server(Path(scratch)) as url:
        results["sqlite"] = run_backend(
            str(Path(scratch) / "index.sqlite"), base, extra, probes, args.clients
        )
        results["redis"] = run_backend(url, base, extra, probes, args.clients)
    report = {
        "date": date.today().isoformat(),
        "base": len(base),
        "added": len(extra),
        "clients": args.clients,
    }
    report["backends"] = results
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"index_clients_{len(base)}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"| backend | fill docs/s | add docs/s while queried | queries/s ({args.clients} clients) | p50 ms | p99 ms | all there once |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['fill_docs_per_second']} | {r['add_docs_per_second_while_queried']} | "
            f"{r['queries_per_second']} | {r['query_p50_ms']} | {r['query_p99_ms']} | {r['integrity']['ok']} |"
        )


if __name__ == "__main__":
    main()
