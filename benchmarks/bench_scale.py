"""Scale run on synthetic derived news (``benchmarks/synth.py``): signatures, scan, index and query.

Measured side by side in one run:

1. **Signatures** on a sample: dedup's vectorised windows against datasketch 2.0's ``MinHash.update_batch``
   (default hash function, one MinHash per window, same features and windows): documents per second, and
   the mean absolute difference of Jaccard estimates over window pairs (both estimate the same Jaccard).
2. **Scan** of all articles: seconds per stage (reading + signing, candidates, alignment), peak RSS of the
   parent and of the workers, and pair precision/recall against the generator's truth.
3. **Index**: ``Index.add`` throughput, then ``Index.query`` latency p50/p99 (including alignment) for
   derived articles whose source is indexed.

Writes ``benchmarks/results/scale_<N>.json`` and prints a markdown table.

    .venv/bin/python benchmarks/synth.py --articles 100000 --out /tmp/synth100k
    .venv/bin/python benchmarks/bench_scale.py /tmp/synth100k
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from datasketch import MinHash

from dedup.candidates.signatures import signature_scheme
from dedup.corpus.local import scan
from dedup.hashing import features, window_signatures
from dedup.index.sqlite import Index
from dedup.settings import Settings, load_settings
from dedup.sources import iter_articles

RESULTS = Path(__file__).parent / "results"


def _articles(folder: Path, limit: int | None = None) -> list:
    found = []
    for path in sorted(folder.glob("articles-*.jsonl")):
        for item in iter_articles(path, max_bytes=1 << 30):
            found.append(item)
            if limit and len(found) >= limit:
                return found
    return found


def signatures(articles: list, settings: Settings) -> dict[str, float]:
    scheme = signature_scheme(settings)
    started = time.perf_counter()
    ours = []
    for article in articles:
        ours.append(window_signatures(features(article.text).hashes, scheme))
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs = []
    for article in articles:
        words = [w.encode("utf-8") for w in features(article.text).words]
        rows = []
        for first, last in zip(ours[len(theirs)].first, ours[len(theirs)].last, strict=True):
            minhash = MinHash(num_perm=scheme.num_perm, seed=scheme.seed)
            minhash.update_batch(words[first:last])
            rows.append(minhash.hashvalues)
        theirs.append(np.array(rows))
    theirs_seconds = time.perf_counter() - started
    rng = np.random.default_rng(1)
    differences = []
    for _ in range(2000):
        i, j = rng.integers(len(articles), size=2)
        if len(ours[i].signatures) and len(ours[j].signatures):
            wi, wj = rng.integers(len(ours[i].signatures)), rng.integers(len(ours[j].signatures))
            estimate_ours = float(np.mean(ours[i].signatures[wi] == ours[j].signatures[wj]))
            estimate_theirs = float(np.mean(theirs[i][wi] == theirs[j][wj]))
            differences.append(abs(estimate_ours - estimate_theirs))
    return {
        "sample_docs": len(articles),
        "dedup_docs_per_s": len(articles) / ours_seconds,
        "datasketch_docs_per_s": len(articles) / theirs_seconds,
        "speedup": theirs_seconds / ours_seconds,
        "mean_abs_estimate_difference": float(np.mean(differences)) if differences else 0.0,
    }


def accuracy(result, truth: list[dict]) -> dict[str, float]:
    found = {frozenset((c.a.id.rsplit("#", 1)[-1], c.b.id.rsplit("#", 1)[-1])) for c in result.pairs}
    expected = {frozenset((t["derived"], t["source"])) for t in truth}
    by_kind = {}
    for kind in sorted({t["kind"] for t in truth}):
        pairs = {frozenset((t["derived"], t["source"])) for t in truth if t["kind"] == kind}
        by_kind[kind] = len(pairs & found) / len(pairs)
    return {
        "pair_recall": len(found & expected) / max(len(expected), 1),
        "pair_precision": len(found & expected) / max(len(found), 1),
        "pair_recall_by_kind": by_kind,
    }


def index_run(
    articles: list, truth: list[dict], settings: Settings, queries: int, index_all: bool = False
) -> dict[str, float]:
    """Index the originals (or, with ``index_all``, every article but the queried ones), then query derived
    articles whose source is indexed."""
    by_id = {a.id: a for a in articles}
    left_out = {t["derived"] for t in (truth[:queries] if index_all else truth)}
    indexed = [a for a in articles if a.id not in left_out]
    with tempfile.TemporaryDirectory() as folder, Index(Path(folder) / "index.sqlite", settings) as index:
        started = time.perf_counter()
        index.add(indexed)
        add_seconds = time.perf_counter() - started
        latencies, hits = [], 0
        for record in truth[:queries]:
            started = time.perf_counter()
            matches = index.query(by_id[record["derived"]], top=5)
            latencies.append(time.perf_counter() - started)
            hits += any(m.b.id == record["source"] for m in matches)
        files = [Path(folder) / name for name in ("index.sqlite", "index.sqlite-wal")]
        size_mb = sum(f.stat().st_size for f in files if f.exists()) / 1e6
    return {
        "index_mb": size_mb,
        "indexed": len(indexed),
        "add_docs_per_s": len(indexed) / add_seconds,
        "queries": len(latencies),
        "query_p50_ms": float(np.percentile(latencies, 50) * 1000),
        "query_p99_ms": float(np.percentile(latencies, 99) * 1000),
        "query_source_found": hits / max(len(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="output of benchmarks/synth.py")
    parser.add_argument("--sample", type=int, default=2000, help="articles for the signature comparison")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--skip-scan", action="store_true", help="only signatures and the index")
    parser.add_argument("--index-all", action="store_true", help="index every article but the queried ones")
    parser.add_argument("--config", type=Path, help="a dedup.toml to run with instead of the defaults")
    parser.add_argument("--suffix", default="", help="added to the results file's name")
    args = parser.parse_args()
    settings = load_settings(args.config)[0] if args.config else Settings()
    truth = [
        json.loads(line) for line in (args.folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    report: dict[str, object] = {
        "date": date.today().isoformat(),
        "folder": str(args.folder),
        "settings": settings.changed(),
    }
    report["signatures"] = signatures(_articles(args.folder, args.sample), settings)
    stages: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            stages[stage] = time.perf_counter() - last[0]
            last[0] = time.perf_counter()

    if args.skip_scan:
        articles = _articles(args.folder)
        report["index"] = index_run(articles, truth, settings, args.queries, args.index_all)
        _write(report, len(articles), ("_index" if args.index_all else "_index_originals") + args.suffix)
        return
    started = time.perf_counter()
    result = scan(args.folder, settings=settings, progress=progress, max_bytes=1 << 30)
    report["scan"] = {
        "articles": len(result.articles),
        "seconds": time.perf_counter() - started,
        "stage_seconds": stages,
        "candidate_pairs": result.candidates,
        "derived_pairs": len(result.pairs),
        "pairs_by_sharing": result.pairs_by_sharing(),
        "verbatim_only_pairs": result.pairs_verbatim_only(),
        "peak_rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        **accuracy(result, truth),
    }
    if not args.skip_index:
        report["index"] = index_run(result.articles, truth, settings, args.queries, args.index_all)
    _write(report, len(result.articles), args.suffix)


def _write(report: dict, articles: int, suffix: str = "") -> None:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"scale_{articles}{suffix}.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
