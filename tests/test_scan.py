from __future__ import annotations

import json
import os
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dedup.candidates.blocks import boilerplate_blocks, boilerplate_runs, shared_block_pairs
from dedup.candidates.lsh import (
    KEY_BITS,
    band_keys,
    buckets_by_document,
    candidate_pairs,
    candidates_in_range,
    lsh_parameters,
    pack_entries,
    partition_keys,
    s_curve,
)
from dedup.cli import app
from dedup.comparison import summary_reading
from dedup.corpus.local import scan
from dedup.errors import SettingsError
from dedup.settings import Settings
from dedup.sources import Article

from .conftest import CORPORA, SEED_A, SEED_B
from .textgen import article

runner = CliRunner()


def _write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _pair_ids(result):
    return {frozenset((c.a.id, c.b.id)) for c in result.pairs}


def test_lsh_parameters_fit_the_threshold_and_the_curve_rises_there():
    bands, rows = lsh_parameters(0.5, 64)
    assert bands * rows <= 64
    assert s_curve(0.2, bands, rows) < 0.2 and s_curve(0.8, bands, rows) > 0.9


def test_band_keys_agree_exactly_when_a_band_agrees():
    signatures = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4]], dtype=np.uint32)
    keys = band_keys(signatures, 2, 2)
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] != keys[1, 1]
    assert keys[0, 1] == keys[2, 1] and keys[0, 0] != keys[2, 0]
    found = candidate_pairs(keys, np.array([0, 1, 2]), max_bucket_docs=10, min_shared=1)
    assert found.pairs.tolist() == [[0, 1], [0, 2]]


def test_scan_of_the_bundled_corpus_finds_the_seed_pair_and_skips_the_readme():
    result = scan(CORPORA, jobs=1)
    assert _pair_ids(result) == {frozenset((str(SEED_A), str(SEED_B)))}
    assert [s.path for s in result.skipped] == [str(CORPORA / "README.md")]
    assert len(result.clusters) == 1 and set(result.clusters[0].members) == {str(SEED_A), str(SEED_B)}
    assert result.clusters[0].original is None  # both derive from wire copy that is not in the corpus


def test_a_wire_excerpt_inside_a_longer_article_is_found(tmp_path):
    wire = article(1, sentences=10)
    excerpt = "\n\n".join(wire.split("\n\n")[1:3])
    longer = article(2, sentences=24) + "\n" + excerpt + "\n" + article(3, sentences=24)
    _write(tmp_path, "wire.txt", wire)
    _write(tmp_path, "outlet.txt", longer)
    for seed in range(4, 10):
        _write(tmp_path, f"other{seed}.txt", article(seed))
    result = scan(tmp_path, jobs=1)
    assert _pair_ids(result) == {frozenset((str(tmp_path / "wire.txt"), str(tmp_path / "outlet.txt")))}
    passage = result.pairs[0].passages[0]
    texts = {str(tmp_path / "wire.txt"): wire, str(tmp_path / "outlet.txt"): longer}
    a_text = texts[result.pairs[0].a.id]
    assert a_text[passage.a_start : passage.a_end].strip() in (wire + longer)
    assert result.pairs[0].a.derived_fraction < 0.5 or result.pairs[0].b.derived_fraction < 0.5


def test_a_paragraph_quoted_in_another_article_is_found_by_its_shared_block(tmp_path):
    wire = article(11, sentences=10)
    quote = wire.split("\n\n")[1]  # two sentences, 31 words
    _write(tmp_path, "wire.txt", wire)
    _write(
        tmp_path, "outlet.txt", article(12, sentences=12) + "\n" + quote + "\n" + article(13, sentences=12)
    )
    for seed in range(14, 20):
        _write(tmp_path, f"other{seed}.txt", article(seed))
    expected = {frozenset((str(tmp_path / "wire.txt"), str(tmp_path / "outlet.txt")))}
    # no pair can share that many buckets, and neighbouring chunks would find the quote too
    windows_only = Settings(min_shared_buckets=10_000, neighbours=0)
    assert _pair_ids(scan(tmp_path, jobs=1, settings=windows_only)) == expected
    assert (
        _pair_ids(scan(tmp_path, jobs=1, settings=windows_only.replace(shared_block_words=100_000))) == set()
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 7), st.integers(1, 8)), max_size=50),
    st.integers(1, 8),
    st.integers(2, 4),
)
def test_shared_block_pairs_are_the_documents_holding_one_block_of_enough_words(blocks, min_words, max_docs):
    keys = np.array([key for key, _, _ in blocks], dtype=np.uint64)
    docs = np.array([doc for _, doc, _ in blocks], dtype=np.int64)
    words = np.array([count for _, _, count in blocks], dtype=np.int32)
    holders: dict[int, set[int]] = {}
    for key, doc, count in blocks:
        if count >= min_words:
            holders.setdefault(key, set()).add(doc)
    expected = {
        (i, j)
        for docs_of_key in holders.values()
        if len(docs_of_key) <= max_docs
        for i in docs_of_key
        for j in docs_of_key
        if i < j
    }
    found = shared_block_pairs(keys, docs, words, min_words=min_words, max_docs=max_docs)
    assert found.tolist() == sorted(list(pair) for pair in expected)


def test_a_footer_in_many_articles_is_boilerplate_not_reuse(tmp_path):
    footer = (
        "Copyright Agence Example. All rights reserved. This material may not be published, broadcast, rewritten "
        "or redistributed without written permission of the publisher. Share this article with your friends "
        "and follow our newsroom on every platform for the latest updates from around the world every day."
    )
    for seed in range(10):
        _write(tmp_path, f"story{seed}.txt", article(100 + seed) + "\n" + footer + "\n")
    result = scan(tmp_path, jobs=1, settings=Settings(boilerplate_docs=5))
    assert list(result.pairs) == []
    assert len(result.boilerplate) == 10
    story = (tmp_path / "story0.txt").read_text(encoding="utf-8")
    spans = result.boilerplate[str(tmp_path / "story0.txt")]
    assert any(footer[:40] in story[start:end] or story[start:end] in footer for start, end in spans)
    (start, end), *others = [span for span in spans if story[span[0] : span[1]] in footer]
    assert not others and end - start > 0.6 * len(footer)  # one span for the footer, not one per block
    # (its first words share a content-cut block with the end of each story, which differs)


def _cut_words(count: int, block: int) -> list[str]:
    """Words after which content cuts end a block (see ``window_signatures``)."""
    from dedup.hashing import _fmix32, feature_hashes

    candidates = [f"zorblax{i}" for i in range(2000)]
    cuts = _fmix32(feature_hashes(candidates)) % np.uint32(block) == 0
    return [word for word, cut in zip(candidates, cuts.tolist(), strict=True) if cut][:count]


def test_a_common_word_that_cuts_isolate_is_not_boilerplate(tmp_path):
    # "before word" in ten stories: both are cut words, so "word" is a block of one content word, with the
    # same signature in all ten; one word recurring is chance, not a footer
    before, word = _cut_words(2, Settings().window_block)
    for seed in range(10):
        _write(
            tmp_path,
            f"story{seed}.txt",
            article(500 + seed, 4) + f" {before} {word} " + article(600 + seed, 4),
        )
    one_word = scan(tmp_path, jobs=1, settings=Settings(boilerplate_docs=5, boilerplate_min_words=1))
    assert len(one_word.boilerplate) == 10  # the rule before boilerplate_min_words
    assert scan(tmp_path, jobs=1, settings=Settings(boilerplate_docs=5)).boilerplate == {}


def test_a_wire_story_republished_by_many_outlets_is_reuse_not_boilerplate(tmp_path):
    wire = article(300, 14)
    footer = (
        "Copyright Example Daily. All rights reserved. This material may not be published or redistributed. "
    )
    for outlet in range(8):
        _write(tmp_path, f"outlet{outlet}.txt", article(200 + outlet, 4) + "\n" + wire)
        _write(tmp_path, f"story{outlet}.txt", article(400 + outlet) + "\n" + footer * 3 + "\n")
    result = scan(tmp_path, jobs=1, settings=Settings(boilerplate_docs=5))
    outlets = {str(tmp_path / f"outlet{outlet}.txt") for outlet in range(8)}
    assert {frozenset((pair.a.id, pair.b.id)) for pair in result.pairs} == {
        frozenset((x, y)) for x in outlets for y in outlets if x < y
    }
    assert all(pair.a.derived_fraction > 0.5 and pair.b.derived_fraction > 0.5 for pair in result.pairs)
    assert set(result.boilerplate) == {str(tmp_path / f"story{outlet}.txt") for outlet in range(8)}


def test_a_story_in_more_outlets_than_a_bucket_may_pair_is_found_as_a_star(tmp_path):
    wire = article(300, 14)
    for outlet in range(6):
        _write(tmp_path, f"outlet{outlet}.txt", article(200 + outlet, 4) + "\n" + wire)
    result = scan(tmp_path, jobs=1, settings=Settings(max_bucket_docs=3, boilerplate_docs=10))
    first = str(tmp_path / "outlet0.txt")
    found = {frozenset((pair.a.id, pair.b.id)) for pair in result.pairs}
    # every copy pairs with the star's centre (buckets of its own windows with the outlets' intros may pair
    # some copies with each other too)
    assert {frozenset((first, str(tmp_path / f"outlet{outlet}.txt"))) for outlet in range(1, 6)} <= found
    assert [len(cluster.members) for cluster in result.clusters] == [6]


def test_bad_files_are_skipped_with_reasons_and_the_scan_goes_on(tmp_path):
    _write(tmp_path, "a.txt", article(1))
    _write(tmp_path, "b.txt", article(1).replace("\n\n", "\n\nIndeed. ", 1))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x00\x00" * 20)
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "huge.txt").write_text("word " * 1000, encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text('{"id": 1, "text": "fine text here."}\nnot json\n', encoding="utf-8")
    shard = [{"id": f"s{k}", "text": article(100 + k, 4)} for k in range(12)]  # above 3000 bytes in all
    shard.append({"id": "s-huge", "text": "word " * 1000})
    (tmp_path / "shard.jsonl").write_text("".join(json.dumps(r) + "\n" for r in shard), encoding="utf-8")
    os.symlink(tmp_path / "missing.txt", tmp_path / "broken.txt")
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    result = scan(tmp_path, jobs=1, max_bytes=3000)
    reasons = {os.path.basename(s.path.split(" line")[0]): s.reason for s in result.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.md"]
    assert "above the limit" in reasons["huge.txt"]
    assert (tmp_path / "shard.jsonl").stat().st_size > 3000  # a feed is limited per article, not as a whole
    assert "per article" in reasons["shard.jsonl"]
    assert {a.id for a in result.articles} >= {f"{tmp_path / 'shard.jsonl'}#s{k}" for k in range(12)}
    assert "invalid JSON" in reasons["feed.jsonl"]
    assert "broken symbolic link" in reasons["broken.txt"]
    assert "loop" in reasons["loop"]
    assert _pair_ids(result) == {frozenset((str(tmp_path / "a.txt"), str(tmp_path / "b.txt")))}


def test_scan_cli_writes_jsonl_with_ids_and_a_json_summary(tmp_path):
    out = tmp_path / "pairs.jsonl"
    result = runner.invoke(
        app, ["scan", str(CORPORA), "--jsonl", str(out), "--json", "--quiet", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["derived_pairs"] == 1 and summary["skipped"][0]["path"].endswith("README.md")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1
    assert {lines[0]["a"]["id"], lines[0]["b"]["id"]} == {str(SEED_A), str(SEED_B)}
    assert lines[0]["passages"] and set(lines[0]["passages"][0]) >= {"a_start", "b_start", "kind", "score"}


@pytest.mark.parametrize("limit", [1_000_000, 10])
def test_scan_says_whether_it_searched_neighbouring_chunks(tmp_path, limit):
    config = tmp_path / "dedup.toml"
    config.write_text(f"[settings]\nneighbour_max_words = {limit}\n", encoding="utf-8")
    arguments = ["scan", str(CORPORA), "--quiet", "--jobs", "1", "--config", str(config)]
    summary = json.loads(runner.invoke(app, [*arguments, "--json"]).stdout)
    assert summary["neighbours_searched"] == (limit > 10)
    terminal = runner.invoke(app, arguments, terminal_width=200).stdout
    note = "Neighbouring chunks not searched: the corpus holds more than 10 content words"
    assert (note in terminal) == (limit == 10)


def test_scan_cli_on_a_missing_folder_is_exit_code_2(tmp_path):
    result = runner.invoke(app, ["scan", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such file or directory" in result.stderr


def test_the_seed_scan_reports_uncredited_wire_reuse():
    summary = scan(CORPORA, jobs=1).summary()
    derivation = summary["derivation"]
    assert derivation["edges"][0]["kind"] == "common"
    assert derivation["uncredited"] == [
        {"article": str(SEED_A), "wires": ["AFP", "Reuters"], "via": str(SEED_B), "direction": "common"}
    ]
    credited = {entry["id"]: entry["text_credits"] for entry in derivation["articles"]}
    assert credited == {str(SEED_A): [], str(SEED_B): ["AFP", "Reuters"]}


def test_known_sources_name_the_source_of_their_pairs_whatever_containment_says(tmp_path):
    wire = article(21, sentences=10)
    stories, wires = tmp_path / "stories", tmp_path / "wires"
    stories.mkdir(), wires.mkdir()
    _write(wires, "wire.txt", wire)
    _write(stories, "story.txt", article(22, sentences=8) + "\n" + wire)  # the wire whole, in context
    for seed in range(23, 27):
        _write(stories, f"other{seed}.txt", article(seed))
    wire_id, story_id = str(wires / "wire.txt"), str(stories / "story.txt")
    unnamed = scan(tmp_path, jobs=1).pairs
    assert len(unnamed) == 1 and getattr(unnamed[0], unnamed[0].direction.source).id == story_id
    # named inside the scanned folder (read once, without a note) or beside it (scanned too)
    for roots in (tmp_path, stories):
        result = scan(roots, jobs=1, known_sources=[wires])
        assert _pair_ids(result) == {frozenset((wire_id, story_id))} and not result.skipped
        pair = result.pairs[0]
        assert getattr(pair, pair.direction.source).id == wire_id
        assert pair.direction.reasons == (f"{pair.direction.source} is a known source (named by the user)",)


def test_a_known_source_is_never_read_as_a_summary_of_the_other_article():
    source = Article("wire", "wire", "text", is_source=True)
    other = Article("story", "story", "text", date="2020-01-01")
    assert summary_reading(source, other) == "b" and summary_reading(other, source) == "a"
    assert summary_reading(other, replace(source, is_source=False)) == "either"


def test_scan_cli_on_a_missing_known_source_is_exit_code_2(tmp_path):
    result = runner.invoke(app, ["scan", str(CORPORA), "--known-sources", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such file or directory" in result.stderr


def test_the_likely_original_of_a_cluster_is_the_earliest_source(tmp_path):
    wire = article(7, sentences=10)
    rows = [
        {"id": "wire", "text": "PARIS (AFP) - " + wire, "date": "2021-01-01"},
        {"id": "copy1", "text": article(8, sentences=4) + "\n" + wire, "date": "2021-01-02"},
        {"id": "copy2", "text": wire + "\n" + article(9, sentences=4), "date": "2021-01-03"},
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = scan(tmp_path, jobs=1)
    feed = tmp_path / "feed.jsonl"
    assert len(result.clusters) == 1
    assert result.clusters[0].original == f"{feed}#wire"
    edges = result.summary()["derivation"]["edges"]
    assert {(e["source"], e["derived"]) for e in edges if "source" in e} >= {
        (f"{feed}#wire", f"{feed}#copy1"),
        (f"{feed}#wire", f"{feed}#copy2"),
    }
    uncredited = {u["article"] for u in result.summary()["derivation"]["uncredited"]}
    assert uncredited == {f"{feed}#copy1", f"{feed}#copy2"}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=40),
    st.integers(2, 4),
    st.integers(1, 3),
)
def test_candidate_pairs_equal_the_definition(windows, max_bucket_docs, min_shared):
    docs = np.array([d for d, _, _ in windows])
    keys = np.array([[k1, 100 + k2] for _, k1, k2 in windows], dtype=np.uint64)
    shared = {}
    for band in range(2):
        buckets = {}
        for doc, key in zip(docs, keys[:, band], strict=True):
            buckets.setdefault(int(key), set()).add(int(doc))
        for members in buckets.values():
            if 2 <= len(members) <= max_bucket_docs:
                pairs = [(i, j) for i in members for j in members if i < j]
            else:  # a crowded bucket is a star: its first document with each other one
                pairs = [(min(members), j) for j in members if j != min(members)]
            for pair in pairs:
                shared[pair] = shared.get(pair, 0) + 1
    expected = sorted((pair, count) for pair, count in shared.items() if count >= min_shared)
    found = candidate_pairs(keys, docs, max_bucket_docs=max_bucket_docs, min_shared=min_shared)
    assert list(zip(map(tuple, found.pairs.tolist()), found.shared.tolist(), strict=True)) == expected


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=60),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(2, 4),
    st.integers(1, 3),
)
def test_candidates_shuffled_by_key_then_by_document_equal_candidates_over_all_keys(
    windows, key_parts, ranges, max_bucket_docs, min_shared
):
    """The distributed engine's two shuffles change nothing, and each range returns its own pairs only."""
    docs = np.array([d for d, _, _ in windows])
    keys = np.array([[k1, 100 + k2] for _, k1, k2 in windows], dtype=np.uint64)
    whole = candidate_pairs(keys, docs, max_bucket_docs=max_bucket_docs, min_shared=min_shared)
    bounds = np.linspace(0, 7, ranges + 1).round().astype(np.int64)
    by_key = [
        buckets_by_document([piece], max_bucket_docs=max_bucket_docs, bounds=bounds)
        for piece in partition_keys(keys, docs, key_parts)
    ]
    found = [
        candidates_in_range(
            [sent[r] for sent in by_key], min_shared=min_shared, low=int(bounds[r]), high=int(bounds[r + 1])
        )
        for r in range(ranges)
    ]
    for r, part in enumerate(found):
        assert np.all((part.pairs[:, 0] >= bounds[r]) & (part.pairs[:, 0] < bounds[r + 1]))
    assert np.concatenate([c.pairs for c in found]).tolist() == whole.pairs.tolist()
    assert np.concatenate([c.shared for c in found]).tolist() == whole.shared.tolist()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=6), min_size=1, max_size=12),
    st.integers(1, 4),
    st.integers(1, 40),
    st.integers(2, 4),
    st.integers(1, 3),
)
def test_candidates_counted_from_entries_on_disk_a_partition_at_a_time_equal_candidates_in_memory(
    tmp_path_factory, articles, chunk, partition_entries, max_bucket_docs, min_shared
):
    """A local scan's entries written chunk by chunk and counted by key partition and document range, at any
    partition size, give exactly the candidates of all keys at once."""
    from dedup.corpus.entries import BandEntries
    from dedup.corpus.stages import SignedChunk

    spread = np.uint64(0x9E3779B97F4A7)  # keys over the whole key space, so that partitions differ
    keys_of = [
        (np.array([[k1, 10 + k2] for k1, k2 in windows], dtype=np.uint64).reshape(-1, 2) * spread)
        % np.uint64(1 << KEY_BITS)
        for windows in articles
    ]
    keys = np.concatenate(keys_of)
    docs = np.repeat(np.arange(len(articles)), [len(k) for k in keys_of])
    whole = candidate_pairs(keys, docs, max_bucket_docs=max_bucket_docs, min_shared=min_shared)
    settings = Settings(max_bucket_docs=max_bucket_docs, min_shared_buckets=min_shared)
    folder = tmp_path_factory.mktemp("entries")
    entries = BandEntries(folder)
    for first in range(0, len(articles), chunk):
        part = keys_of[first : first + chunk]
        packed = np.sort(
            pack_entries(np.concatenate(part), np.repeat(np.arange(len(part)), [len(k) for k in part]))
        )
        entries.add(SignedChunk([None] * len(part), [], packed), first)
    steps = []
    found = entries.candidates(
        len(articles), settings, lambda *step: steps.append(step), partition_entries=partition_entries
    )
    assert [done for _, done, _ in steps] == list(range(steps[-1][2] + 1))  # a bar that ends full
    assert found.pairs.tolist() == whole.pairs.tolist() and found.shared.tolist() == whole.shared.tolist()
    assert list(folder.iterdir()) == []  # entries and ranges are removed once counted


@settings(max_examples=100, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 40), st.integers(0, 40)).filter(lambda p: p[0] < p[1]), max_size=120))
def test_alignment_tasks_keep_each_component_together_and_every_pair_once(pairs):
    from dedup.corpus.stages import _pair_chunks

    tasks = _pair_chunks(sorted(pairs), size=8, largest=20)
    flat = [pair for task in tasks for pair in task]
    assert sorted(flat) == sorted(pairs)
    assert all(len(task) < 8 + 20 for task in tasks)
    task_of = {pair: n for n, task in enumerate(tasks) for pair in task}
    parent = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    components = {}
    for pair in pairs:
        components.setdefault(root(pair[0]), set()).add(task_of[pair])
    sizes = {}
    for pair in pairs:
        sizes[root(pair[0])] = sizes.get(root(pair[0]), 0) + 1
    assert all(len(components[c]) == 1 for c in components if sizes[c] <= 20)


def test_candidates_refuse_keys_wider_than_band_keys_make_them():
    keys = np.array([[1 << 40], [1 << 40]], dtype=np.uint64)
    with pytest.raises(SettingsError, match="below 2"):
        candidate_pairs(keys, np.array([0, 1]), max_bucket_docs=10, min_shared=1)


def test_candidates_counted_in_several_passes_and_pieces_equal_one_pass(monkeypatch):
    import dedup.candidates.lsh

    rng = np.random.default_rng(5)
    keys = rng.integers(0, 40, size=(400, 3)).astype(np.uint64)
    docs = np.sort(rng.integers(0, 60, size=400))
    whole = candidate_pairs(keys, docs, max_bucket_docs=50, min_shared=2)
    monkeypatch.setattr(dedup.candidates.lsh, "_PASS_PAIRS", 100)
    monkeypatch.setattr(dedup.candidates.lsh, "_CHUNK", 7)  # entries, bucket rows and columns in pieces
    passes = candidate_pairs(keys, docs, max_bucket_docs=50, min_shared=2)
    assert len(whole.pairs) > 0
    assert passes.pairs.tolist() == whole.pairs.tolist() and passes.shared.tolist() == whole.shared.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9)), max_size=60), st.integers(1, 4))
def test_boilerplate_blocks_are_those_whose_signature_is_in_more_than_min_docs_documents(blocks, min_docs):
    blocks.sort(key=lambda block: block[1])  # blocks come in document order
    keys = np.array([key for key, _ in blocks], dtype=np.uint64)
    docs = np.array([doc for _, doc in blocks], dtype=np.int64)
    holders: dict[int, set[int]] = {}
    for key, doc in blocks:
        holders.setdefault(key, set()).add(doc)
    expected = [len(holders[key]) > min_docs for key, _ in blocks]
    assert boilerplate_blocks(keys, docs, min_docs).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(1, 50), st.booleans(), st.integers(1, 6)), max_size=40),
    st.integers(0, 120),
    st.integers(1, 8),
)
def test_boilerplate_runs_keep_the_flagged_runs_of_one_document_up_to_max_chars_and_from_min_words(
    blocks, max_chars, min_words
):
    # each block: flagged, its length, whether a new document starts with it, its content words
    flags = np.array([block[0] for block in blocks], dtype=bool)
    docs = np.cumsum([block[2] for block in blocks]).astype(np.int64)
    ends = np.cumsum([block[1] for block in blocks]).astype(np.int64)
    spans = np.stack([ends - [block[1] for block in blocks], ends], axis=1).reshape(-1, 2)
    words = np.array([block[3] for block in blocks], dtype=np.int64)
    expected, run = flags.copy(), []
    for index in range(len(blocks) + 1):
        if index < len(blocks) and flags[index] and (not run or docs[index] == docs[run[-1]]):
            run.append(index)
            continue
        if run and (spans[run[-1], 1] - spans[run[0], 0] > max_chars or words[run].sum() < min_words):
            expected[run] = False
        run = [index] if index < len(blocks) and flags[index] else []
    found = boilerplate_runs(flags, spans, words, docs, max_chars=max_chars, min_words=min_words)
    assert found.tolist() == expected.tolist()


def test_the_most_derived_articles_leave_out_the_side_a_pair_names_its_source():
    from dedup.report.terminal import most_derived

    assert {row[0] for row in most_derived(scan(CORPORA, jobs=1), 10)} == {str(SEED_A), str(SEED_B)}
    named = scan(CORPORA, jobs=1, known_sources=[SEED_B])
    assert [row[0] for row in most_derived(named, 10)] == [str(SEED_A)]


@pytest.fixture(scope="module")
def wire_and_stories(tmp_path_factory):
    """A wire, three stories taking parts of it (one also quoting another story) and two unrelated articles."""
    folder = tmp_path_factory.mktemp("known")
    wire = article(61, sentences=12)
    paragraphs = wire.split("\n\n")
    story1 = article(62, sentences=6) + "\n" + "\n\n".join(paragraphs[0:3])
    texts = {
        "wire.txt": wire,
        "story1.txt": story1,
        "story2.txt": "\n\n".join(paragraphs[2:5]) + "\n" + article(63, sentences=6),
        "story3.txt": article(64, sentences=4) + "\n" + story1.split("\n\n")[0] + "\n\n" + paragraphs[5],
        "other1.txt": article(65),
        "other2.txt": article(66),
    }
    for name, text in texts.items():
        _write(folder, name, text)
    return folder, sorted(texts)


def _shared_text(result):
    """Each pair's passages as id-and-offset pairs, whichever side a pair puts first."""
    return {
        frozenset((c.a.id, c.b.id)): frozenset(
            frozenset(((c.a.id, p.a_start, p.a_end), (c.b.id, p.b_start, p.b_end))) for p in c.passages
        )
        for c in result.pairs
    }


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_naming_known_sources_changes_directions_never_which_text_is_shared(wire_and_stories, data):
    folder, names = wire_and_stories
    named = data.draw(st.sets(st.sampled_from(names)))
    plain = scan(folder, jobs=1)
    result = scan(folder, jobs=1, known_sources=[folder / name for name in sorted(named)])
    assert _shared_text(result) == _shared_text(plain) and len(plain.pairs) >= 3
    sources = {str(folder / name) for name in named}
    for pair in result.pairs:
        if (pair.a.id in sources) != (pair.b.id in sources):
            assert getattr(pair, pair.direction.source).id in sources
