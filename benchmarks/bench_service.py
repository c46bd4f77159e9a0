"""Load on ``dedup serve`` over loopback: clients querying while one client adds; latency and nothing lost.

    .venv/bin/python benchmarks/synth.py --articles 4000 --out /tmp/synth4k
    .venv/bin/python benchmarks/bench_service.py /tmp/synth4k --indexed 3000 --add 500 --clients 1 4 8 --workers 1 2

The first ``--indexed`` articles are indexed before the server starts; then, for each number of clients, a
fresh copy of that index is served (``dedup serve``, a separate process), one client adds the next
``--add`` articles one request at a time while that many clients query with other articles of the data
(``--queries`` each). Prints a table and writes ``benchmarks/results/service_load.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np

from dedup.index import Index
from dedup.sources import iter_articles

RESULTS = Path(__file__).parent / "results"


def _articles(folder: Path, count: int) -> list:
    found = []
    for shard in sorted(folder.glob("articles-*.jsonl")):
        found += [a for a in iter_articles(shard) if not isinstance(a, Exception)]
        if len(found) >= count:
            break
    return found[:count]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(
    index: Path, adds: list, queries: list, clients: int, per_client: int, workers: int
) -> dict[str, object]:
    port = _free_port()
    dedup = Path(sys.executable).parent / "dedup"
    server = subprocess.Popen(
        [str(dedup), "serve", "--index", str(index), "--port", str(port), "--workers", str(workers)],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/stats", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        before = httpx.get(base + "/stats").json()["articles"]
        latencies: list[float] = []
        add_latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def querying(seed: int) -> None:
            rng = np.random.default_rng(seed)
            with httpx.Client(base_url=base, timeout=120) as client:
                for _ in range(per_client):
                    article = queries[int(rng.integers(len(queries)))]
                    started = time.perf_counter()
                    answer = client.post("/query", json={"text": article.text})
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
                        if answer.status_code != 200:
                            failures.append(f"query {answer.status_code}")

        def adding() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                for article in adds:
                    started = time.perf_counter()
                    answer = client.post("/articles", json={"id": article.id, "text": article.text})
                    with lock:
                        add_latencies.append(time.perf_counter() - started)
                        if answer.status_code != 200 or answer.json()["added"] != 1:
                            failures.append(f"add {answer.status_code} {answer.text[:80]}")

        started = time.perf_counter()
        threads = [threading.Thread(target=adding)] + [
            threading.Thread(target=querying, args=(seed,)) for seed in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        after = httpx.get(base + "/stats").json()["articles"]
        # every added article is there: removing it by its id (URL-encoded: ids hold "/" and "#") succeeds
        missing = [
            a.id for a in adds if httpx.delete(base + f"/articles/{quote(a.id, safe='')}").status_code != 200
        ]
        return {
            "workers": workers, "clients": clients, "queries": len(latencies), "adds": len(add_latencies), "seconds": round(wall, 1),
            "query_p50_ms": round(1000 * float(np.percentile(latencies, 50)), 1),
            "query_p99_ms": round(1000 * float(np.percentile(latencies, 99)), 1),
            "queries_per_s": round(len(latencies) / wall, 1),
            "add_p50_ms": round(1000 * float(np.percentile(add_latencies, 50)), 1),
            "add_p99_ms": round(1000 * float(np.percentile(add_latencies, 99)), 1),
            "failures": failures, "articles_before": before, "articles_after": after,
            "added_then_missing": missing, "server_peak_rss_mb": round(_peak_rss_mb(server.pid), 1),
        }  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a folder of synth.py output (articles-*.jsonl)")
    parser.add_argument("--indexed", type=int, default=3000)
    parser.add_argument("--add", type=int, default=500)
    parser.add_argument("--queries", type=int, default=100, help="queries per client")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server processes")
    args = parser.parse_args()
    articles = _articles(args.data, args.indexed + args.add)
    indexed, adds = articles[: args.indexed], articles[args.indexed :]
    queries = [a for k, a in enumerate(indexed) if k % 3 == 0]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.sqlite"
        with Index(template) as index:
            index.add(indexed)
        for workers in args.workers:
            for clients in args.clients:
                copy = Path(folder) / f"served-{workers}-{clients}.sqlite"
                shutil.copy(template, copy)
                rows.append(run(copy, adds, queries, clients, args.queries, workers))
            print(json.dumps({k: v for k, v in rows[-1].items() if not isinstance(v, list)}), flush=True)
    print(
        "\n| workers | clients | queries | query p50 / p99 ms | queries/s | adds | add p50 / p99 ms | failures | lost | server RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        lost = (r["articles_before"] + r["adds"] - r["articles_after"]) + len(r["added_then_missing"])
        print(
            f"| {r['workers']} | {r['clients']} | {r['queries']} | {r['query_p50_ms']} / {r['query_p99_ms']} | {r['queries_per_s']} | "
            f"{r['adds']} | {r['add_p50_ms']} / {r['add_p99_ms']} | {len(r['failures'])} | {lost} | "
            f"{r['server_peak_rss_mb']} |"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "service_load.json"
    out.write_text(
        json.dumps({"date": date.today().isoformat(), "indexed": len(indexed), "runs": rows}, indent=1)
    )
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
