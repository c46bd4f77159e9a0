"""Real news scanned as one corpus each: Reuters-21578 (1987 wire) and BBC News, with ``dedup scan --jsonl``.

    .venv/bin/python benchmarks/bench_news.py ../shared/data --out /tmp/news

Reuters is converted to JSON Lines first (:mod:`dedup.bench.news`); BBC's text files are scanned as they
are. Per corpus: pairs of identical stories (same body, case and spacing aside) and how many of them the
scan reports (all should be); pairs reported; how many of those are *templated* (bodies that differ but are
identical once every number is masked: market reports in one wording with other figures); wall time and
peak RSS of the scan; how the product says each pair shares text (``sharing``: reuse, template, minor),
and, for the hand-judged sample of Reuters pairs (``benchmarks/results/reuters_sample_judged.jsonl``), the
judgements against that tier. What is scored is the ``--jsonl`` the product writes. Also writes a seeded
sample of reported Reuters pairs for judging by hand (``benchmarks/results/reuters_sample.jsonl``), and
``benchmarks/results/news_scan.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from itertools import combinations
from pathlib import Path

from dedup.bench.news import normalised, reuters_records, write_records
from dedup.sources import iter_articles

RESULTS = Path(__file__).parent / "results"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _identical_pairs(texts: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for article_id, text in texts.items():
        groups[normalised(text)].append(article_id)
    return {frozenset(pair) for ids in groups.values() for pair in combinations(sorted(ids), 2)}


def _templated(a: str, b: str) -> bool:
    return normalised(a) != normalised(b) and normalised(_NUMBER.sub("#", a)) == normalised(
        _NUMBER.sub("#", b)
    )


def scan_corpus(name: str, source: Path, texts: dict[str, str], out: Path) -> tuple[dict[str, object], list]:
    pairs_file = out / f"{name}-pairs.jsonl"
    dedup = Path(sys.executable).parent / "dedup"
    started = time.perf_counter()
    run = subprocess.run(
        [str(dedup), "scan", str(source), "--jsonl", str(pairs_file), "--json", "--quiet"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.loads(run.stdout)
    records = [json.loads(line) for line in pairs_file.read_text(encoding="utf-8").splitlines()]
    reported = {frozenset((r["a"]["id"], r["b"]["id"])) for r in records}
    identical = _identical_pairs(texts)
    templated = [r for r in records if _templated(texts[r["a"]["id"]], texts[r["b"]["id"]])]
    missed = sorted(tuple(sorted(p)) for p in identical - reported)
    boilerplate = set(summary["boilerplate"])
    return {
        "corpus": name, "articles": summary["articles"], "skipped": len(summary["skipped"]),
        "identical_pairs": len(identical), "identical_found": len(identical & reported),
        "identical_missed": missed[:20], "identical_missed_in_boilerplate": sum(set(p) <= boilerplate for p in missed),
        "pairs_reported": len(reported), "templated_reported": len(templated),
        "pairs_by_sharing": summary["pairs_by_sharing"],
        "clusters": len(summary["clusters"]), "seconds": round(wall, 1), "peak_rss_mb": round(peak),
    }, records  # fmt: skip


def judged_by_sharing(records: list, judged_file: Path, prefix: str) -> dict[str, dict[str, int]]:
    """Hand judgements of a sample of pairs (``a``, ``b``, ``judgement``) counted by the ``sharing`` this
    run's records give them (``absent`` when the pair is no longer reported)."""
    sharing = {frozenset((r["a"]["id"], r["b"]["id"])): r["sharing"] for r in records}
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in judged_file.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        tier = sharing.get(frozenset((f"{prefix}#{item['a']}", f"{prefix}#{item['b']}")), "absent")
        table[tier][item["judgement"]] += 1
    return {tier: dict(counts) for tier, counts in sorted(table.items())}


def _sample(
    records: list, texts: dict[str, str], titles: dict[str, str], count: int, seed: int
) -> list[dict]:
    chosen = random.Random(seed).sample(records, min(count, len(records)))
    sample = []
    for r in sorted(chosen, key=lambda r: (r["a"]["id"], r["b"]["id"])):
        a, b = r["a"]["id"], r["b"]["id"]
        first = r["passages"][0]
        sample.append({
            "a": a, "b": b, "title_a": titles.get(a, ""), "title_b": titles.get(b, ""),
            "derived_a": r["a"]["derived_fraction"], "derived_b": r["b"]["derived_fraction"],
            "passages": len(r["passages"]), "templated": _templated(texts[a], texts[b]),
            "first_passage_a": texts[a][first["a_start"] : first["a_end"]][:300],
            "first_passage_b": texts[b][first["b_start"] : first["b_end"]][:300],
        })  # fmt: skip
    return sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder (reuters21578/, bbc/)")
    parser.add_argument("--out", type=Path, required=True, help="a working folder for the converted corpus")
    parser.add_argument("--sample", type=int, default=50)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reuters = args.out / "reuters.jsonl"
    records = list(reuters_records(args.data / "reuters21578" / "sgm-data"))
    write_records(iter(records), reuters)
    texts = {f"{reuters}#{r['id']}": r["text"] for r in records}
    titles = {f"{reuters}#{r['id']}": r["title"] for r in records}
    rows = []
    row, reported = scan_corpus("reuters", reuters, texts, args.out)
    rows.append(row)
    sample = _sample(reported, texts, titles, args.sample, seed=21578)
    judged = judged_by_sharing(reported, RESULTS / "reuters_sample_judged.jsonl", str(reuters))
    bbc = args.data / "bbc" / "bbc"
    bbc_texts = {a.id: a.text for path in sorted(bbc.rglob("*.txt")) for a in iter_articles(path)}
    rows.append(scan_corpus("bbc", bbc, bbc_texts, args.out)[0])
    print(
        "| corpus | articles | identical pairs found | pairs reported | reuse / template / minor | "
        "templated (masked equal) | clusters | s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        tiers = " / ".join(f"{r['pairs_by_sharing'][k]:,}" for k in ("reuse", "template", "minor"))
        print(
            f"| {r['corpus']} | {r['articles']:,} | {r['identical_found']} / {r['identical_pairs']} | "
            f"{r['pairs_reported']:,} | {tiers} | {r['templated_reported']:,} | {r['clusters']:,} | "
            f"{r['seconds']} | {r['peak_rss_mb']} |"
        )
    print("\nHand-judged Reuters sample by the sharing the product gives each pair:")
    for tier, counts in judged.items():
        print(f"  {tier}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "news_scan.json").write_text(
        json.dumps({"date": date.today().isoformat(), "runs": rows, "judged_by_sharing": judged}, indent=1)
    )
    with open(RESULTS / "reuters_sample.jsonl", "w", encoding="utf-8") as handle:
        for item in sample:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"\nwritten: {RESULTS / 'news_scan.json'}, {RESULTS / 'reuters_sample.jsonl'}")


if __name__ == "__main__":
    main()
