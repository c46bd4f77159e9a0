"""The stages of a corpus scan after reading: signing in workers, candidate pairs (windows, blocks,
neighbouring chunks), boilerplate set apart, every candidate aligned by the comparer, clusters. The local
and Dask engines run the same functions, so their results are the same."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import NamedTuple

import numpy as np

from dedup.candidates.blocks import boilerplate_blocks, boilerplate_runs, shared_block_pairs
from dedup.candidates.lsh import Candidates, pack_entries
from dedup.candidates.neighbours import neighbour_pairs
from dedup.candidates.signatures import Signed, lsh_bands, sign
from dedup.comparison import Comparer, comparison_of
from dedup.corpus.pairs import StoredPairs
from dedup.corpus.result import FailedPair, ScanResult, root_of, union_find_clusters
from dedup.corpus.texts import Stored, StoredArticles, loaded, text_folder, write_texts
from dedup.errors import unexpected
from dedup.hashing import features
from dedup.model import Comparison
from dedup.parallel import PROCESS_DIED, Crashes, Progress, chunks, map_chunks
from dedup.settings import Settings
from dedup.sources import (
    Article,
    Skipped,
    died_reading,
    files_per_task,
    one_file_each,
    read_file,
)

__all__ = ["neighbours_apply", "stacked_band_keys", "store_texts"]


# files, settings, max_bytes, text folder (or None), which of the files hold known sources
SignTask = tuple[Sequence[Path], Settings, int, str | None, frozenset[Path]]


class SignedChunk(NamedTuple):
    """A chunk of files read and signed: its articles, what was skipped, and, when its texts went to a
    folder, its band entries (:func:`~dedup.candidates.lsh.pack_entries`, sorted; documents numbered from 0
    in the order of ``signed``), whose keys its articles no longer hold."""

    signed: list[Signed]
    skipped: list[Skipped]
    entries: np.ndarray


def load_and_sign(task: SignTask) -> SignedChunk:
    """Read and sign a chunk of files; an article that cannot be signed is skipped with the reason. With a
    text folder, the chunk's texts are written there, its articles come back :class:`Stored` and its band
    keys come back packed as entries (the local engine's; the Dask engine shuffles keys instead)."""
    paths, settings, max_bytes, folder, sources = task
    signed, skipped = [], []
    for path in paths:
        articles, bad = read_file(path, max_bytes, is_source=path in sources)
        skipped += bad
        for article in articles:
            try:
                signed.append(sign(article, settings))
            except Exception as error:  # one article's failure is that article's
                skipped.append(Skipped(article.path, unexpected(error)))
    if folder is None:
        return SignedChunk(signed, skipped, _NO_ENTRIES)
    entries = _packed_entries(signed, settings)
    return SignedChunk(store_texts(signed, folder), skipped, entries)


_NO_ENTRIES = np.zeros(0, dtype=np.uint64)
_PACK_ARTICLES = 1000  # articles packed at once: few numpy calls, a small transient copy of their keys


def _packed_entries(signed: list[Signed], settings: Settings) -> np.ndarray:
    """:func:`~dedup.candidates.lsh.pack_entries` of every article, written into one array and sorted; each
    item's keys are dropped from ``signed`` once written, so they are never held twice."""
    packed = np.empty(sum(s.keys.size for s in signed), dtype=np.uint64)
    filled = 0
    for first in range(0, len(signed), _PACK_ARTICLES):
        part = signed[first : first + _PACK_ARTICLES]
        keys, window_docs = stacked_band_keys(part, settings, first)
        packed[filled : filled + keys.size] = pack_entries(keys, window_docs)
        filled += keys.size
        signed[first : first + _PACK_ARTICLES] = [item.without_keys() for item in part]
    packed.sort()
    return packed


def _merged_chunks(parts: list[SignedChunk]) -> SignedChunk:
    """The chunk of a task whose files were signed one by one (after a worker died): documents renumbered."""
    signed, skipped, entries = [], [], []
    for part in parts:
        entries.append(part.entries + np.uint64(len(signed)))
        signed += part.signed
        skipped += part.skipped
    return SignedChunk(signed, skipped, np.sort(np.concatenate(entries)) if entries else _NO_ENTRIES)


# a file whose worker process dies while it is read or signed is skipped; the other files are signed
SIGN_CRASHES = Crashes(
    split=one_file_each,
    merge=_merged_chunks,
    failed=lambda task: SignedChunk([], died_reading(task)[1], _NO_ENTRIES),
)


def store_texts(signed: list[Signed], folder: str) -> list[Signed]:
    """``signed`` with their texts written to one new file of ``folder`` and their articles :class:`Stored`."""
    if not signed:
        return signed
    stored = write_texts(folder, [item.article for item in signed])
    return [replace(item, article=text) for item, text in zip(signed, stored, strict=True)]


_comparer: Comparer | None = None
# prepared articles a worker keeps: real news forms one giant component of candidate pairs (templates link
# everything), whose tasks meet the same articles again and again; 512 prepared each Reuters story ~6 times.
# 2,048 cost a worker ~90 MB more on 4,000 Reuters stories and aligned them 17 % faster (benchmarks/README.md)
# 2,560 since sentence vectors hold 32-bit row and column numbers: about the memory 2,048 took before
_PREPARED_PER_WORKER = 2560


def compared(comparer: Comparer, a: Article, b: Article, buckets: int) -> Comparison:
    """A scan's comparison of candidates ``a`` and ``b``, which share ``buckets`` LSH buckets.

    The pre-check: a pair sharing fewer buckets than ``align_min_buckets`` (less evidence than one window
    copied whole) is matched from exact runs alone (:meth:`Comparer.verbatim`: no sentence vectors, no
    rewrite model) and reported ``verbatim_only``; every other pair gets the full aligner's answer. Rewritten
    copy shares windows of content words, so it is above the floor unless it is short. A scan's pair has no
    order unless its metadata dates give one (:func:`~dedup.comparison.summary_reading`).
    """
    if buckets < comparer.settings.align_min_buckets:
        return comparer.verbatim(a, b)
    return comparer(a, b)


Boilerplate = dict[str, list[tuple[int, int]]]  # article id -> character spans of boilerplate windows
AlignTask = tuple[
    Sequence[tuple[int, int]], dict[int, Article | Stored], Settings, Sequence[int], Boilerplate
]


def _align_pairs(task: AlignTask) -> list[Comparison | FailedPair]:
    global _comparer
    pairs, items, settings, buckets, boilerplate = task
    if _comparer is None or _comparer.settings != settings:
        _comparer = Comparer(settings, _PREPARED_PER_WORKER)
    articles: dict[int, Article] = {}
    results: list[Comparison | FailedPair] = []
    for (i, j), shared in zip(pairs, buckets, strict=True):
        try:  # a text that cannot be read back fails its pairs, not the task
            a = articles[i] = articles.get(i) or loaded(items[i])
            b = articles[j] = articles.get(j) or loaded(items[j])
            comparison = compared(_comparer, a, b, shared)
            results.append(_without_boilerplate(comparison, {a.id: a, b.id: b}, boilerplate, settings))
        except Exception as error:  # one pair's failure is that pair's, never the whole scan's
            results.append(FailedPair(items[i].id, items[j].id, unexpected(error)))
    return results


def _one_pair_each(task: AlignTask) -> list[AlignTask]:
    pairs, items, settings, buckets, boilerplate = task
    return [
        ([(i, j)], {i: items[i], j: items[j]}, settings, [shared], boilerplate)
        for (i, j), shared in zip(pairs, buckets, strict=True)
    ]


def _died_aligning(task: AlignTask) -> list[FailedPair]:
    pairs, items = task[0], task[1]
    return [FailedPair(items[i].id, items[j].id, PROCESS_DIED) for i, j in pairs]


# a pair whose worker process dies while aligning it is a failed pair; the other pairs are aligned
_PAIR_CRASHES = Crashes(
    split=_one_pair_each, merge=lambda lists: [x for part in lists for x in part], failed=_died_aligning
)


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> float:
    """Share of ``[start, end)`` covered by ``spans``."""
    covered = np.zeros(end - start, dtype=bool)
    for s, e in spans:
        if s < end and e > start:
            covered[max(s, start) - start : min(e, end) - start] = True
    return float(covered.mean()) if end > start else 0.0


def _without_boilerplate(
    comparison: Comparison, articles: dict[str, Article], boilerplate: Boilerplate, settings: Settings
) -> Comparison:
    """The comparison without passages lying mostly inside boilerplate windows on both sides."""
    spans_a, spans_b = boilerplate.get(comparison.a.id, []), boilerplate.get(comparison.b.id, [])
    if not spans_a or not spans_b:
        return comparison
    kept = [
        p
        for p in comparison.passages
        if _inside(spans_a, p.a_start, p.a_end) < 0.5 or _inside(spans_b, p.b_start, p.b_end) < 0.5
    ]
    if len(kept) == len(comparison.passages):
        return comparison
    a, b = articles[comparison.a.id], articles[comparison.b.id]
    credits = (
        comparison.a.credits,
        comparison.b.credits,
    )  # found already; the passages changed, not the text
    return comparison_of(
        a, b, kept, settings, with_ids=True, credits=credits,
        summaries="none" if comparison.verbatim_only else None, verbatim_only=comparison.verbatim_only,
    )  # fmt: skip


def sign_tasks(
    files: Sequence[Path],
    settings: Settings,
    max_bytes: int,
    workers: int,
    folder: str | None = None,
    sources: frozenset[Path] = frozenset(),
) -> list[SignTask]:
    """The reading-and-signing tasks for ``files``: a few per worker, at most 64 files each; with a text
    ``folder``, the texts go there (:mod:`dedup.corpus.texts`); the articles of ``sources`` are known
    sources (:attr:`~dedup.sources.Article.is_source`)."""
    per_task = files_per_task(len(files), workers)
    return [
        (chunk, settings, max_bytes, folder, sources.intersection(chunk)) for chunk in chunks(files, per_task)
    ]


def stacked_band_keys(
    signed: Sequence[Signed], settings: Settings, first_doc: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """All windows' band keys, ``(n_windows, bands)``, and each window's document number (from
    ``first_doc``, in the order of ``signed``)."""
    bands = lsh_bands(settings)[0]
    keys = np.concatenate([s.keys for s in signed]) if signed else np.zeros((0, bands), dtype=np.uint64)
    return keys, first_doc + np.repeat(np.arange(len(signed)), [len(s.keys) for s in signed])


class _Blocks(NamedTuple):
    """The content-cut blocks of all articles, laid end to end."""

    keys: np.ndarray
    docs: np.ndarray
    spans: np.ndarray
    words: np.ndarray


def _blocks(signed: Sequence[Signed]) -> _Blocks:
    if not signed:
        empty = np.zeros(0, dtype=np.int64)
        return _Blocks(empty.astype(np.uint64), empty, np.zeros((0, 2), dtype=np.int64), empty)
    return _Blocks(
        np.concatenate([s.block_keys for s in signed]),
        np.repeat(np.arange(len(signed)), [len(s.block_keys) for s in signed]),
        np.concatenate([s.block_spans for s in signed]),
        np.concatenate([s.block_words for s in signed]),
    )


def _shared_block_pairs(blocks: _Blocks, settings: Settings) -> np.ndarray:
    """The pairs that share a block (:func:`shared_block_pairs`)."""
    return shared_block_pairs(
        blocks.keys, blocks.docs, blocks.words,
        min_words=settings.shared_block_words, max_docs=settings.boilerplate_docs,
    )  # fmt: skip


def _boilerplate(
    signed: Sequence[Signed], blocks: _Blocks, settings: Settings
) -> dict[str, list[tuple[int, int]]]:
    block_keys, block_docs, spans, words = blocks
    flags_all = boilerplate_runs(
        boilerplate_blocks(block_keys, block_docs, settings.boilerplate_docs), spans, words, block_docs,
        max_chars=settings.boilerplate_max_chars, min_words=settings.boilerplate_min_words,
    )  # fmt: skip
    flagged = np.flatnonzero(flags_all)
    if not len(flagged):
        return {}
    # one span per run of adjacent flagged blocks of a document: a footer, not its pieces
    new_run = np.r_[True, (np.diff(flagged) != 1) | (np.diff(block_docs[flagged]) != 0)]
    firsts, lasts = flagged[new_run], flagged[np.r_[new_run[1:], True]]
    run_spans = np.stack([spans[firsts, 0], spans[lasts, 1]], axis=1)
    documents, starts = np.unique(block_docs[firsts], return_index=True)
    boilerplate: dict[str, list[tuple[int, int]]] = {}
    for document, runs in zip(documents.tolist(), np.split(run_spans, starts[1:]), strict=True):
        boilerplate[signed[document].article.id] = [tuple(span) for span in runs.tolist()]
    return boilerplate


def _pair_chunks(
    pairs: list[tuple[int, int]], size: int = 32, largest: int = 256
) -> list[list[tuple[int, int]]]:
    """Candidate pairs cut into tasks along their connected components, so that the pairs of an article meet
    in one task and it is prepared once (a worker keeps prepared articles only for a while); a component of
    more than ``largest`` pairs is cut into pieces of that size, so no task outgrows the others."""
    parent: dict[int, int] = {}
    for a, b in pairs:
        parent[root_of(parent, a)] = root_of(parent, b)
    components: dict[int, list[tuple[int, int]]] = {}
    for pair in sorted(pairs):
        components.setdefault(root_of(parent, pair[0]), []).append(pair)
    result: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for component in components.values():  # in order of their first pair
        for start in range(0, len(component), largest):
            current += component[start : start + largest]
            if len(current) >= size:
                result.append(current)
                current = []
    return result + ([current] if current else [])


def _buckets_of(pairs: np.ndarray, found: Candidates, neighbours: np.ndarray | None) -> np.ndarray:
    """The LSH buckets each of ``pairs`` (unique, sorted) shares: 0 for a pair found only by a shared block,
    the most an integer holds for neighbouring chunks (their evidence is a rewrite's, never pre-checked)."""
    shared = np.zeros(len(pairs), dtype=np.int64)
    width = int(pairs.max()) + 1 if len(pairs) else 1

    def rows_of(some: np.ndarray) -> np.ndarray:
        return np.searchsorted(pairs[:, 0] * width + pairs[:, 1], some[:, 0] * width + some[:, 1])

    if len(found.pairs):
        shared[rows_of(found.pairs.astype(np.int64))] = found.shared
    if neighbours is not None and len(neighbours):
        shared[rows_of(neighbours.astype(np.int64))] = np.iinfo(np.int64).max
    return shared


Mapper = Callable[..., Iterator]  # map_chunks(function, tasks, jobs, progress, stage, sizes)


def _content_words(articles: Sequence[Article | Stored]) -> list[np.ndarray]:
    return [features(loaded(article).text).hashes for article in articles]


def neighbours_apply(signed: Sequence[Signed], settings: Settings) -> bool:
    """Whether a scan of ``signed`` looks for neighbouring chunks (:mod:`dedup.candidates.neighbours`): the settings
    turn them on and the corpus holds at most ``neighbour_max_words`` content words (signing counted them)."""
    if not settings.neighbours:
        return False
    total = 0
    for item in signed:
        total += int(item.block_words.sum())
        if total > settings.neighbour_max_words:
            return False
    return True


def _neighbour_pairs(
    signed: Sequence[Signed], settings: Settings, jobs: int, mapper: Mapper, progress: Progress | None
) -> np.ndarray:
    """The pairs of neighbouring chunks (:func:`~dedup.candidates.neighbours.neighbour_pairs`). Content words are hashed again here (``mapper``
    tasks) rather than kept from signing, so that a corpus too large for neighbours never holds them."""
    tasks = [[item.article for item in part] for part in chunks(signed, 64)]
    hashed = mapper(_content_words, tasks, jobs, progress, "hashing content words", [len(t) for t in tasks])
    words = [w for part in hashed for w in part]
    if progress:
        progress("finding neighbours", 0, 1)
    threads = min(jobs, os.cpu_count() or 1)  # jobs may count a whole cluster's slots; the product runs here
    neighbours = neighbour_pairs(
        words, k=settings.neighbours, min_cosine=settings.neighbour_min_cosine,
        chunk_words=settings.neighbour_chunk_words, threads=threads,
    )  # fmt: skip
    if progress:
        progress("finding neighbours", 1, 1)
    return neighbours


def finish(
    signed: Sequence[Signed],
    skipped: list[Skipped],
    found: Candidates,
    settings: Settings,
    *,
    jobs: int,
    progress: Progress | None,
    mapper: Mapper = map_chunks,
    texts: TemporaryDirectory | None = None,
) -> ScanResult:
    """From signed articles and their candidate pairs to the result: pairs sharing a block or neighbouring
    chunks (:func:`neighbours_apply`) added, boilerplate set apart, every candidate verified by the comparer
    (tasks run by ``mapper``), clusters. ``texts``: the folder holding the texts of :class:`Stored`
    articles, kept as long as the result's articles are."""
    items = [s.article for s in signed]
    blocks = _blocks(signed)
    boilerplate = _boilerplate(signed, blocks, settings)
    found_by = [found.pairs.astype(np.int64), _shared_block_pairs(blocks, settings)]
    del blocks  # all blocks of a large corpus: not needed while aligning
    searched = neighbours_apply(signed, settings)
    neighbours = _neighbour_pairs(signed, settings, jobs, mapper, progress) if searched else None
    if neighbours is not None:
        found_by.append(neighbours)
    pairs = np.unique(np.concatenate(found_by), axis=0)
    if progress:
        progress("finding candidates", 1, 1)
    buckets = dict(
        zip(map(tuple, pairs.tolist()), _buckets_of(pairs, found, neighbours).tolist(), strict=True)
    )
    pair_chunks = _pair_chunks(list(buckets))

    def task(chunk: list[tuple[int, int]]) -> AlignTask:
        members = {k: items[k] for pair in chunk for k in pair}
        spans = {item.id: boilerplate[item.id] for item in members.values() if item.id in boilerplate}
        return chunk, members, settings, [buckets[p] for p in chunk], spans

    failed: list[FailedPair] = []
    derived = StoredPairs(texts or text_folder())  # the parent holds no pair: they wait on disk

    def aligned() -> Iterator[Comparison]:
        """Each pair that shares passages, as it is aligned, once written; failed pairs set apart."""
        for chunk_results in mapper(
            _align_pairs, [task(c) for c in pair_chunks], jobs, progress, "aligning",
            [len(c) for c in pair_chunks], _PAIR_CRASHES,
        ):  # fmt: skip
            for comparison in chunk_results:
                if isinstance(comparison, FailedPair):
                    failed.append(comparison)
                elif comparison.passages:
                    derived.append(comparison)
                    yield comparison

    clusters = union_find_clusters(aligned())  # in the same pass: the pairs are not read back for it
    derived.close()
    return ScanResult(
        StoredArticles(items, texts), derived, boilerplate, clusters, skipped, pairs, searched,
        settings.as_dict(), failed,
    )  # fmt: skip
