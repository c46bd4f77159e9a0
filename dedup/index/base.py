"""What every index does the same way, whatever keeps it: idempotent adds in batches, queries verified by
the comparer, the meta an index records and checks, the keys of a text."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib.metadata import version

import numpy as np

from dedup.candidates.lsh import band_keys
from dedup.candidates.signatures import block_keys, lsh_bands, signature_scheme, windows_of
from dedup.comparison import Comparer
from dedup.errors import DedupError, unexpected
from dedup.hashing import Windows
from dedup.model import Comparison
from dedup.parallel import Progress
from dedup.settings import Settings
from dedup.sources import Article, Skipped

__all__ = [
    "ArticleIndex",
    "IndexError_",
    "IndexStats",
    "AddResult",
    "Pending",
    "FORMAT",
    "CONVERTING",
    "report_conversion",
    "signature_meta",
    "conversion_meta",
    "index_keys",
    "stored_block_keys",
    "BLOCK_TAG",
    "with_block_candidates",
]


# 2: band keys of 37 bits; 3: buckets hold article numbers; 4: and block keys; 5: and known sources marked
FORMAT = "dedup-index/5"


BLOCK_TAG = 1 << 40  # block keys share the bucket key space, above every band key (below 2**37)


class IndexError_(DedupError):  # noqa: N801 - "IndexError" would shadow the builtin
    """The index file is missing, broken, or was built with other parameters."""


def signature_meta(settings: Settings) -> dict[str, str]:
    """What an index records and checks: its format, the signature scheme, the LSH bands and the blocks it
    keeps."""
    bands, rows = lsh_bands(settings)
    return {
        "format": FORMAT,
        "signature_scheme": json.dumps(signature_scheme(settings).as_dict(), sort_keys=True),
        "lsh": json.dumps(
            {"threshold": settings.lsh_threshold, "bands": bands, "rows": rows}, sort_keys=True
        ),
        "blocks": json.dumps({"min_words": settings.shared_block_words}),
    }


def conversion_meta(settings: Settings) -> dict[str, str]:
    """The meta entries that converting an index of format 3 writes: format 4, and the blocks it keeps (a
    conversion to format 5 follows: it marks no article a known source)."""
    return {"format": "dedup-index/4", "blocks": signature_meta(settings)["blocks"]}


def stored_block_keys(windows: Windows, settings: Settings) -> list[int]:
    """The distinct keys (plus :data:`BLOCK_TAG`) of the blocks of at least ``shared_block_words`` content
    words: the blocks an index keeps, as SQLite integers."""
    keys, words = block_keys(windows, settings)
    return np.unique(keys[words >= settings.shared_block_words].astype(np.int64) | BLOCK_TAG).tolist()


def index_keys(text: str | Windows, settings: Settings) -> tuple[list[int], list[int]]:
    """The distinct band keys of a text's windows (or of ``windows`` already computed), and its
    :func:`stored_block_keys`."""
    windows = windows_of(text, settings) if isinstance(text, str) else text
    bands = band_keys(windows.signatures, *lsh_bands(settings))
    return np.unique(bands.ravel().view(np.int64)).tolist(), stored_block_keys(windows, settings)


@dataclass(frozen=True)
class IndexStats:
    articles: int
    windows: int
    meta: dict[str, str]

    def to_dict(self) -> dict[str, object]:
        """The stats as JSON values: meta entries that hold JSON (the signature scheme, the LSH) as objects."""
        meta: dict[str, object] = {}
        for key, value in self.meta.items():
            try:
                meta[key] = json.loads(value) if value.startswith(("{", "[")) else value
            except json.JSONDecodeError:
                meta[key] = value
        return {"articles": self.articles, "windows": self.windows, "meta": meta}


@dataclass(frozen=True)
class AddResult:
    """What an add did; ``failed`` holds the articles an unexpected error kept out, with the reason."""

    added: int
    unchanged: int
    replaced: int
    failed: tuple[Skipped, ...] = ()


Pending = tuple[Article, str, bool, Windows]  # an article, its SHA-256, whether it replaces one, its windows


def versions() -> dict[str, str]:
    return {"dedup_version": version("dedup"), "datasketch_version": version("datasketch")}


def check_meta(
    where: str, stored: dict[str, str], settings: Settings, keys: Iterable[str] | None = None
) -> None:
    """Refuse an index built with other signature parameters (only ``keys`` of :func:`signature_meta`, when
    given)."""
    expected = signature_meta(settings)
    for key in expected if keys is None else keys:
        value = expected[key]
        if stored.get(key) != value:
            raise IndexError_(
                f"{where} was built with {key} = {stored.get(key)}, but these settings give {value}; "
                "use the settings it was built with, or build a new index"
            )


def report_conversion(progress: Progress | None, done: int, total: int) -> None:
    """Tell ``progress`` how far a conversion is, every 100 articles and at the end."""
    if progress and (done % 100 == 0 or done == total):
        progress(CONVERTING, done, total)


def with_block_candidates(
    by_windows: list[tuple[str, int]], by_blocks: dict[str, int], limit: int
) -> list[tuple[str, int]]:
    """The candidates found by windows, then up to ``limit`` more found by shared blocks alone (those holding
    most shared blocks first, then by id), each with 0 shared buckets: a quoted paragraph is too short for
    windows to share ``min_shared_buckets``, but one block recurring in few articles proves the copy."""
    found = {article_id for article_id, _ in by_windows}
    quoted = sorted(
        (-count, article_id) for article_id, count in by_blocks.items() if article_id not in found
    )
    return by_windows + [(article_id, 0) for _, article_id in quoted[:limit]]


class ArticleIndex(ABC):
    """Articles with the LSH buckets of their windows; a query aligns the articles sharing enough buckets.

    Two articles share a bucket when, in one band, some window of each has the same rows. Use as a context
    manager, or call :meth:`close`.
    """

    settings: Settings

    def __enter__(self) -> ArticleIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def stored_record(self, article_id: str) -> tuple[str, bool] | None:
        """The SHA-256 of the indexed text under ``article_id`` and whether it is a known source, or ``None``."""

    @abstractmethod
    def store(self, batch: list[Pending]) -> None:
        """Write ``(article, sha256, replaces an indexed one, windows)`` items; each item all or nothing."""

    @abstractmethod
    def remove(self, article_id: str) -> bool:
        """Remove one article; ``False`` if the index does not hold it."""

    @abstractmethod
    def stats(self) -> IndexStats: ...

    @abstractmethod
    def get(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def ids(self) -> Iterator[str]: ...

    @abstractmethod
    def candidates(self, article: Article, limit: int) -> list[tuple[str, int]]:
        """Indexed articles sharing at least ``min_shared_buckets`` buckets with ``article``:
        ``(id, shared buckets)``, most first, then by id, at most ``limit``; then, as in a scan, those that
        share a block alone (:func:`with_block_candidates`). A bucket holding more than ``max_bucket_docs``
        articles (``article`` included) is a star: it counts for its first indexed article only (the one added
        first; an article keeps its place when its text is replaced, and an index migrated from format 2
        ranks its articles by id)."""

    @abstractmethod
    def check(self) -> None:
        """Raise :class:`IndexError_` if the stored index is damaged."""

    batch_size = 1  # articles written together (a store may commit a batch at once)

    def add(self, articles: Iterable[Article]) -> AddResult:
        """Add articles (committed in batches of :attr:`batch_size`). Same id and same text: nothing changes.

        A known source (:attr:`~dedup.sources.Article.is_source`) stays one until removed: adding its file
        again among other articles keeps the mark, and adding an indexed article as a known source marks it
        (counted as replaced).

        An article whose signing raises an unexpected error is left out and reported in ``failed``; the others
        are added. (An error of the store itself, a full disk say, stops the add: it is not the article's.)
        """
        added = unchanged = replaced = 0
        failed: list[Skipped] = []
        batch: list[Pending] = []
        for article in articles:
            if any(item[0].id == article.id for item in batch):  # the same id twice: the later one wins
                self.store(batch)
                batch = []
            digest = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
            stored = self.stored_record(article.id)
            if stored is not None:
                article = replace(article, is_source=article.is_source or stored[1])
                if stored == (digest, article.is_source):
                    unchanged += 1
                    continue
            try:
                windows = windows_of(article.text, self.settings)
            except Exception as error:  # one article's failure is that article's, never the whole add's
                failed.append(Skipped(article.path, unexpected(error)))
                continue
            batch.append((article, digest, stored is not None, windows))
            added, replaced = added + (stored is None), replaced + (stored is not None)
            if len(batch) >= self.batch_size:
                self.store(batch)
                batch = []
        if batch:
            self.store(batch)
        return AddResult(added, unchanged, replaced, tuple(failed))

    def query(self, article: Article, top: int = 10) -> list[Comparison]:
        """The indexed articles that share passages with ``article``, most derived first."""
        comparer = Comparer(self.settings)
        found = []
        for article_id, _ in self.candidates(article, limit=2 * top):  # most shared buckets first
            other = self.get(article_id)
            if other is None:
                continue
            comparison = comparer(article, other)
            if comparison.passages:
                found.append(comparison)
        found.sort(key=lambda c: (-c.a.derived_fraction, c.b.id or ""))
        return found[:top]


CONVERTING = "converting the index to the current format"  # the progress stage of a conversion
