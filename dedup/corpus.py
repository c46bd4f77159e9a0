"""Corpus scan: find files -> load and sign -> LSH candidates -> align -> boilerplate apart -> clusters.

Files are read and signed in worker processes; one bad file is recorded as skipped with its reason and
never stops the scan. Every candidate pair is verified by the same comparer as ``dedup compare``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dedup.align import Comparer, comparison_of
from dedup.articles import ARTICLE_SUFFIXES, Article, iter_articles, path_label, regular_size
from dedup.attribution import derivation_graph
from dedup.candidates import (
    Candidates,
    band_keys,
    boilerplate_blocks,
    boilerplate_runs,
    candidates_of_packed,
    lsh_parameters,
    pack_entries,
    shared_block_pairs,
)
from dedup.errors import InputError, unexpected
from dedup.model import Comparison
from dedup.neighbours import neighbour_pairs
from dedup.parallel import Progress, chunks, map_chunks
from dedup.settings import Settings
from dedup.signatures import SignatureScheme, Windows, features, window_signatures

__all__ = [
    "Skipped",
    "FailedPair",
    "Cluster",
    "ScanResult",
    "Signed",
    "discover",
    "as_roots",
    "canonical_roots",
    "scan",
    "sign",
    "signature_scheme",
    "lsh_bands",
    "neighbours_apply",
    "windows_of",
    "stacked_band_keys",
]


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def discover(root: Path, max_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """Article files under ``root`` (recursive, symlinks followed once), and what was skipped and why."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(directory: Path) -> None:
        try:
            info = directory.stat()
        except OSError as error:
            skipped.append(Skipped(path_label(directory), f"cannot be read ({error.strerror or error})"))
            return
        if (info.st_dev, info.st_ino) in seen_dirs:
            skipped.append(Skipped(path_label(directory), "symbolic link loop (directory already scanned)"))
            return
        seen_dirs.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            skipped.append(Skipped(path_label(directory), f"cannot be listed ({error.strerror or error})"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    visit(path)
                    continue
                if path.suffix.lower() not in ARTICLE_SUFFIXES:
                    continue
                if path.stem.upper() == "README":
                    skipped.append(
                        Skipped(path_label(path), "a README describes the corpus; it is not an article")
                    )
                    continue
                size = regular_size(path)
            except InputError as error:
                skipped.append(Skipped(error.path, error.reason))
                continue
            except OSError as error:
                skipped.append(Skipped(path_label(path), error.strerror or str(error)))
                continue
            if size > max_bytes and path.suffix.lower() != ".jsonl":  # JSONL: the limit is per article
                skipped.append(
                    Skipped(path_label(path), f"{size:,} bytes, above the limit of {max_bytes:,} bytes")
                )
            else:
                files.append(path)

    if root.is_file():
        return [root], []
    if not root.is_dir():
        return [], [Skipped(path_label(root), "no such file or directory")]
    visit(root)
    return files, skipped


def signature_scheme(settings: Settings) -> SignatureScheme:
    return SignatureScheme(num_perm=settings.num_perm, block=settings.window_block)


@dataclass(frozen=True)
class Signed:
    """An article with the LSH band keys of its windows, and the keys, character spans and content words of
    its blocks."""

    article: Article
    keys: np.ndarray  # (n_windows, bands) uint64
    block_keys: np.ndarray  # (n_blocks,) uint64: a block's whole signature, for boilerplate
    block_spans: np.ndarray  # (n_blocks, 2) int32 (int64 for a text of 2**31 characters or more)
    block_words: np.ndarray  # (n_blocks,) int32: they add up to the article's content words

    def without_keys(self) -> Signed:
        """This article once its band keys are packed (they are not held twice)."""
        return Signed(self.article, self.keys[:0], self.block_keys, self.block_spans, self.block_words)


def windows_of(text: str, settings: Settings) -> Windows:
    """The MinHash rows of a text's windows and blocks under the settings' signature scheme."""
    return window_signatures(features(text).hashes, signature_scheme(settings))


def sign(article: Article, settings: Settings) -> Signed:
    """Band keys of an article's windows; whole-signature keys, character spans and content words of its
    blocks."""
    found = features(article.text)
    windows = window_signatures(found.hashes, signature_scheme(settings))
    if found.words:
        spans = np.stack([found.starts[windows.block_first], found.ends[windows.block_last - 1]], axis=1)
        spans = spans.astype(np.int32 if len(article.text) < 2**31 else np.int64)
    else:
        spans = np.zeros((0, 2), dtype=np.int32)
    blocks, words = block_keys(windows, settings)
    return Signed(article, band_keys(windows.signatures, *lsh_bands(settings)), blocks, spans, words)


def block_keys(windows: Windows, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The key of each content-cut block's whole signature, and the block's number of content words."""
    keys = band_keys(windows.block_signatures, 1, settings.num_perm)[:, 0]
    return keys, (windows.block_last - windows.block_first).astype(np.int32)


_band_cache: dict[tuple[float, int], tuple[int, int]] = {}


def lsh_bands(settings: Settings) -> tuple[int, int]:
    """``(bands, rows)`` of the LSH for these settings (computed once per process)."""
    key = (settings.lsh_threshold, settings.num_perm)
    if key not in _band_cache:
        _band_cache[key] = lsh_parameters(*key)
    return _band_cache[key]


def read_file(path: Path, max_bytes: int) -> tuple[list[Article], list[Skipped]]:
    """The articles of one file, and its bad lines or the file itself as skipped, with reasons.

    An unexpected exception (a parser or an extractor failing on this file) skips the rest of the file with
    its message; the articles read before it are kept."""
    articles, skipped = [], []
    try:
        for item in iter_articles(path, max_bytes=max_bytes):
            if isinstance(item, InputError):
                skipped.append(Skipped(item.path, item.reason))
            else:
                articles.append(item)
    except InputError as error:
        skipped.append(Skipped(error.path, error.reason))
    except Exception as error:  # one file's failure is that file's, never the whole scan's
        skipped.append(Skipped(path_label(path), unexpected(error)))
    return articles, skipped


def load_and_sign(task: tuple[Sequence[Path], Settings, int]) -> tuple[list[Signed], list[Skipped]]:
    """Read and sign a chunk of files; an article that cannot be signed is skipped with the reason."""
    paths, settings, max_bytes = task
    signed, skipped = [], []
    for path in paths:
        articles, bad = read_file(path, max_bytes)
        skipped += bad
        for article in articles:
            try:
                signed.append(sign(article, settings))
            except Exception as error:  # one article's failure is that article's
                skipped.append(Skipped(article.path, unexpected(error)))
    return signed, skipped


def _read_files(task: tuple[Sequence[Path], int]) -> tuple[list[Article], list[Skipped]]:
    paths, max_bytes = task
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for path in paths:
        found, bad = read_file(path, max_bytes)
        articles += found
        skipped += bad
    return articles, skipped


def read_all(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    max_bytes: int,
    jobs: int | None = None,
    progress: Progress | None = None,
    canonical: bool = False,
) -> tuple[list[Article], list[Skipped]]:
    """Every article in ``paths`` (files or folders, recursive), read in ``jobs`` processes (default: all
    cores), in the order of the files; and what was skipped and why. ``canonical``: ids from
    :func:`canonical_roots`."""
    jobs = jobs or os.cpu_count() or 1
    roots = as_roots(paths)
    files, skipped = discover_all(canonical_roots(roots) if canonical else roots, max_bytes)
    tasks = [(chunk, max_bytes) for chunk in chunks(files, files_per_task(len(files), jobs))]
    articles: list[Article] = []
    for found, bad in map_chunks(_read_files, tasks, jobs, progress, "reading", [len(t[0]) for t in tasks]):
        articles += found
        skipped += bad
    return articles, skipped


_comparer: Comparer | None = None


@dataclass(frozen=True)
class FailedPair:
    """A candidate pair whose alignment raised an unexpected exception: reported, the scan goes on."""

    a: str
    b: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "reason": self.reason}


def _align_pairs(
    task: tuple[Sequence[tuple[int, int]], dict[int, Article], Settings],
) -> list[Comparison | FailedPair]:
    global _comparer
    pairs, articles, settings = task
    if _comparer is None or _comparer.settings != settings:
        _comparer = Comparer(settings)
    results: list[Comparison | FailedPair] = []
    for i, j in pairs:
        try:
            results.append(_comparer(articles[i], articles[j]))
        except Exception as error:  # one pair's failure is that pair's, never the whole scan's
            results.append(FailedPair(articles[i].id, articles[j].id, unexpected(error)))
    return results


@dataclass(frozen=True)
class Cluster:
    """Articles connected by derived pairs, and the one most likely to be the original.

    ``original`` is ``None`` when every pair of the cluster derives from a common text outside the corpus.
    """

    members: tuple[str, ...]
    original: str | None

    @property
    def label(self) -> str:
        return self.original or "(a common text outside the corpus)"

    def to_dict(self) -> dict[str, object]:
        return {"members": list(self.members), "original": self.original}


@dataclass
class ScanResult:
    """What a scan found: derived pairs (boilerplate passages set apart), clusters, skipped files, and the
    candidate pairs that were verified."""

    articles: list[Article]
    pairs: list[Comparison]
    boilerplate: dict[str, list[tuple[int, int]]]  # article id -> character spans of boilerplate windows
    clusters: list[Cluster]
    skipped: list[Skipped]
    candidate_pairs: np.ndarray  # (n, 2) int64: indices into ``articles``, first < second
    neighbours: bool  # whether neighbouring chunks were searched (:func:`neighbours_apply`)
    settings: dict[str, object] = field(default_factory=dict)
    failed_pairs: list[FailedPair] = field(default_factory=list)

    @property
    def candidates(self) -> int:
        return len(self.candidate_pairs)

    def summary(self) -> dict[str, object]:
        """The ``--json`` summary of a scan."""
        return {
            "articles": len(self.articles),
            "candidate_pairs": self.candidates,
            "neighbours_searched": self.neighbours,
            "derived_pairs": len(self.pairs),
            "clusters": [c.to_dict() for c in self.clusters],
            "derivation": derivation_graph(self.pairs),
            "boilerplate": {k: [list(s) for s in v] for k, v in sorted(self.boilerplate.items())},
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "failed_pairs": [f.to_dict() for f in self.failed_pairs],
            "settings": self.settings,
        }

    def pair_records(self) -> Iterator[dict[str, object]]:
        """One ``dedup compare --json`` object per derived pair, with ``a.id`` and ``b.id``."""
        for comparison in self.pairs:
            yield comparison.to_dict()


def _root(parent: dict, x):
    """The representative of ``x`` in a union-find forest (path halving); new members are their own."""
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _union_find_clusters(pairs: list[Comparison], articles: dict[str, Article]) -> list[Cluster]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        return _root(parent, x)

    degree: dict[str, int] = {}
    derived: set[str] = set()  # articles the direction of some pair says were derived from another
    sources: set[str] = set()
    common: set[str] = set()
    for comparison in pairs:
        a, b = comparison.a.id, comparison.b.id
        parent[root(a)] = root(b)
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
        way = comparison.direction.source if comparison.direction else "unknown"
        if way in ("a", "b"):
            derived.add(b if way == "a" else a)
            sources.add(a if way == "a" else b)
        elif way == "common":
            common.update((a, b))
    groups: dict[str, list[str]] = {}
    for member in parent:
        groups.setdefault(root(member), []).append(member)
    clusters = []
    for members in groups.values():
        members.sort()
        # never derived from another member first; then the one sharing text with most others; then fullest
        original = max(members, key=lambda m: (m not in derived, degree[m], len(articles[m].text), m))
        if not sources.intersection(members) and common.issuperset(members):
            original = None
        clusters.append(Cluster(tuple(members), original))
    return sorted(clusters, key=lambda c: (-len(c.members), c.members))


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> float:
    """Share of ``[start, end)`` covered by ``spans``."""
    covered = np.zeros(end - start, dtype=bool)
    for s, e in spans:
        if s < end and e > start:
            covered[max(s, start) - start : min(e, end) - start] = True
    return float(covered.mean()) if end > start else 0.0


def _without_boilerplate(
    comparison: Comparison,
    articles: dict[str, Article],
    boilerplate: dict[str, list[tuple[int, int]]],
    settings: Settings,
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
    return comparison_of(a, b, kept, settings, with_ids=True, credits=credits)


def as_roots(root: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """One path (a ``str`` too) or several, as a list of paths."""
    return [Path(root)] if isinstance(root, str | os.PathLike) else [Path(r) for r in root]


def discover_all(roots: Sequence[Path], max_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """:func:`discover` over several roots (folders, files, JSONL shards), each file once: a file reached again
    under another spelling (``corpora/``, ``./corpora``, an absolute path, a symbolic link) is skipped, saying
    which path was read, so that no article is paired with itself."""
    first_path: dict[tuple[int, int], Path] = {}  # the file's identity on disk -> the path it is read by
    files: list[Path] = []
    skipped: list[Skipped] = []
    for root in roots:
        found, bad = discover(Path(root), max_bytes)
        skipped += bad
        for path in found:
            try:
                info = path.stat()
            except OSError:  # gone since it was found: reading it reports why
                files.append(path)
                continue
            first = first_path.setdefault((info.st_dev, info.st_ino), path)
            if first is path:
                files.append(path)
            elif first != path:
                skipped.append(Skipped(path_label(path), f"the same file as {path_label(first)}, read once"))
    return files, skipped


def canonical_roots(roots: Sequence[str | os.PathLike]) -> list[Path]:
    """``roots`` as absolute paths with symbolic links resolved: ids made from them are the same whatever the
    working directory or the spelling (an index's ids)."""
    return [Path(root).resolve() for root in roots]


def sign_tasks(files: Sequence[Path], settings: Settings, max_bytes: int, workers: int) -> list[tuple]:
    """The reading-and-signing tasks for ``files``: a few per worker, at most 64 files each."""
    return [(chunk, settings, max_bytes) for chunk in chunks(files, files_per_task(len(files), workers))]


def files_per_task(files: int, workers: int) -> int:
    """Files read in one task: a few tasks per worker, at most 64 files each."""
    return max(1, min(64, files // (workers * 4)))


def stacked_band_keys(
    signed: Sequence[Signed], settings: Settings, first_doc: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """All windows' band keys, ``(n_windows, bands)``, and each window's document number (from
    ``first_doc``, in the order of ``signed``)."""
    bands = lsh_bands(settings)[0]
    keys = np.concatenate([s.keys for s in signed]) if signed else np.zeros((0, bands), dtype=np.uint64)
    return keys, first_doc + np.repeat(np.arange(len(signed)), [len(s.keys) for s in signed])


def local_candidates(signed: list[Signed], settings: Settings) -> Candidates:
    """Candidate pairs (indices into ``signed``) from all band keys at once, in this process.

    Entries are packed article by article into one array handed over to (and freed by) the counting, and
    each item of ``signed`` gives up its band keys once they are packed (they become an empty array), so
    the keys are never held twice. (The Dask engine's two shuffles, by key and then by document, cost
    30 s at 100k articles against these 10 s: one process needs neither.)
    """
    return candidates_of_packed(
        _packed_entries(signed, settings),
        max_bucket_docs=settings.max_bucket_docs,
        min_shared=settings.min_shared_buckets,
    )


_PACK_ARTICLES = 1000  # articles packed at once: few numpy calls, a small transient copy of their keys


def _packed_entries(signed: list[Signed], settings: Settings) -> np.ndarray:
    """:func:`~dedup.candidates.pack_entries` of every article, written into one array; each item's keys
    are dropped from ``signed`` once written."""
    packed = np.empty(sum(s.keys.size for s in signed), dtype=np.uint64)
    filled = 0
    for first in range(0, len(signed), _PACK_ARTICLES):
        part = signed[first : first + _PACK_ARTICLES]
        keys, window_docs = stacked_band_keys(part, settings, first)
        packed[filled : filled + keys.size] = pack_entries(keys, window_docs)
        filled += keys.size
        signed[first : first + _PACK_ARTICLES] = [item.without_keys() for item in part]
    return packed


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
        parent[_root(parent, a)] = _root(parent, b)
    components: dict[int, list[tuple[int, int]]] = {}
    for pair in sorted(pairs):
        components.setdefault(_root(parent, pair[0]), []).append(pair)
    result: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for component in components.values():  # in order of their first pair
        for start in range(0, len(component), largest):
            current += component[start : start + largest]
            if len(current) >= size:
                result.append(current)
                current = []
    return result + ([current] if current else [])


Mapper = Callable[..., Iterator]  # map_chunks(function, tasks, jobs, progress, stage, sizes)


def _content_words(texts: Sequence[str]) -> list[np.ndarray]:
    return [features(text).hashes for text in texts]


def neighbours_apply(signed: Sequence[Signed], settings: Settings) -> bool:
    """Whether a scan of ``signed`` looks for neighbouring chunks (:mod:`dedup.neighbours`): the settings
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
    """The pairs of neighbouring chunks (:func:`~dedup.neighbours.neighbour_pairs`). Content words are hashed again here (``mapper``
    tasks) rather than kept from signing, so that a corpus too large for neighbours never holds them."""
    tasks = [[item.article.text for item in part] for part in chunks(signed, 64)]
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
) -> ScanResult:
    """From signed articles and their candidate pairs to the result: pairs sharing a block or neighbouring
    chunks (:func:`neighbours_apply`) added, boilerplate set apart, every candidate verified by the comparer
    (tasks run by ``mapper``), clusters."""
    articles = [s.article for s in signed]
    by_id = {a.id: a for a in articles}
    blocks = _blocks(signed)
    boilerplate = _boilerplate(signed, blocks, settings)
    found_by = [found.pairs.astype(np.int64), _shared_block_pairs(blocks, settings)]
    del blocks  # all blocks of a large corpus: not needed while aligning
    searched = neighbours_apply(signed, settings)
    if searched:
        found_by.append(_neighbour_pairs(signed, settings, jobs, mapper, progress))
    pairs = np.unique(np.concatenate(found_by), axis=0)
    if progress:
        progress("finding candidates", 1, 1)
    pair_chunks = _pair_chunks([tuple(map(int, p)) for p in pairs])
    align_tasks = [
        (chunk, {k: articles[k] for pair in chunk for k in pair}, settings) for chunk in pair_chunks
    ]
    derived: list[Comparison] = []
    failed: list[FailedPair] = []
    for chunk_results in mapper(
        _align_pairs, align_tasks, jobs, progress, "aligning", [len(c) for c in pair_chunks]
    ):
        for comparison in chunk_results:
            if isinstance(comparison, FailedPair):
                failed.append(comparison)
                continue
            comparison = _without_boilerplate(comparison, by_id, boilerplate, settings)
            if comparison.passages:
                derived.append(comparison)
    return ScanResult(
        articles, derived, boilerplate, _union_find_clusters(derived, by_id), skipped, pairs, searched,
        settings.as_dict(), failed,
    )  # fmt: skip


def scan(
    root: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    settings: Settings | None = None,
    jobs: int | None = None,
    max_bytes: int = 5 * 1024 * 1024,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan ``root`` (a directory, a file, or several of them) for articles that share passages."""
    settings = settings or Settings()
    jobs = jobs or os.cpu_count() or 1
    files, skipped = discover_all(as_roots(root), max_bytes)
    tasks = sign_tasks(files, settings, max_bytes, jobs)
    signed: list[Signed] = []
    for chunk_signed, chunk_skipped in map_chunks(
        load_and_sign, tasks, jobs, progress, "reading", [len(t[0]) for t in tasks]
    ):
        signed.extend(chunk_signed)
        skipped.extend(chunk_skipped)
    return finish(signed, skipped, local_candidates(signed, settings), settings, jobs=jobs, progress=progress)
