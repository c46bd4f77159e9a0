"""The Dask engine gives the local engine's results (a LocalCluster of two worker processes)."""

from __future__ import annotations

import json

import pytest

from dedup.corpus.local import scan

from .conftest import CORPORA
from .textgen import article

pytest.importorskip("distributed", reason="the dask extra is part of the test install")


def _corpus(folder):
    """Wire copy reused whole, as an excerpt and in a JSONL shard; unrelated articles; a bad file; a footer."""
    footer = " ".join(article(999, 2).split())
    wire = article(1, 16)
    paragraphs = wire.split("\n\n")
    (folder / "wire.txt").write_text(wire, encoding="utf-8")
    (folder / "copy.txt").write_text("Breaking.\n\n" + wire + "\n" + footer, encoding="utf-8")
    (folder / "excerpt.txt").write_text(
        article(2, 10) + "\n" + paragraphs[3] + "\n\n" + article(3, 4), encoding="utf-8"
    )
    records = [{"id": f"feed-{n}", "text": article(10 + n, 12) + "\n" + footer} for n in range(7)]
    records.append({"id": "feed-copy", "text": "\n\n".join(paragraphs[2:6])})
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    return folder


def _view(result):
    return (
        [json.dumps(record, sort_keys=True) for record in result.pair_records()],
        [c.to_dict() for c in result.clusters],
        sorted((s.path, s.reason) for s in result.skipped),
        result.boilerplate,
        result.candidates,
    )


def test_dask_engine_on_a_local_cluster_equals_the_local_engine(tmp_path):
    from dedup.corpus.dask_engine import scan as dask_scan

    corpus = _corpus(tmp_path)
    local = scan(corpus, jobs=1)
    distributed = dask_scan(corpus, workers=2, partitions=3)
    assert _view(distributed) == _view(local)
    assert len(local.pairs) >= 3 and local.boilerplate  # the corpus exercises reuse and boilerplate
    assert [s.reason for s in local.skipped if s.path.endswith("binary.txt")]


def test_dask_engine_takes_several_sources_like_jsonl_shards_and_known_sources(tmp_path):
    from dedup.corpus.dask_engine import scan as dask_scan

    corpus = _corpus(tmp_path)
    sources = [corpus / "feed.jsonl", corpus / "wire.txt", CORPORA]
    assert _view(dask_scan(sources, workers=2)) == _view(scan(sources, jobs=1))
    wire = [corpus / "wire.txt"]
    local = scan(sources, jobs=1, known_sources=wire)
    assert _view(dask_scan(sources, workers=2, known_sources=wire)) == _view(local)
    named = [c for c in local.pairs if "is a known source" in c.direction.reasons[0]]
    assert named and all(getattr(c, c.direction.source).id == str(wire[0]) for c in named)
