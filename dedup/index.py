"""The persistent index: articles, their window band keys and block keys in one SQLite file (no server, no
pickle).

:class:`ArticleIndex` holds what every index does the same way (idempotent adds, queries verified by the
comparer); :class:`Index` keeps it in SQLite, :class:`dedup.redis_index.RedisIndex` in Redis.
:func:`open_index` picks one by its location (a file path, or ``redis://host:port/db``).

Adding is incremental and idempotent: an article is keyed by its id and the SHA-256 of its text, so adding
the same content again changes nothing, and articles are committed in batches of ``batch_size``, each in
one transaction (WAL journal), so an add interrupted by Ctrl-C or ``kill -9`` leaves every batch committed
before it usable.
The index records the dedup and datasketch versions, the signature scheme and every parameter that changes
signatures, and refuses to open under different ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np

from dedup.align import Comparer
from dedup.articles import Article
from dedup.candidates import band_keys
from dedup.corpus import Skipped, block_keys, lsh_bands, signature_scheme, windows_of
from dedup.errors import DedupError, unexpected
from dedup.model import Comparison
from dedup.parallel import Progress
from dedup.settings import Settings
from dedup.signatures import Windows

__all__ = [
    "ArticleIndex",
    "Index",
    "IndexError_",
    "IndexStats",
    "AddResult",
    "Pending",
    "FORMAT",
    "open_index",
    "CONVERTING",
    "report_conversion",
    "signature_meta",
    "conversion_meta",
    "index_keys",
    "stored_block_keys",
    "BLOCK_TAG",
    "with_block_candidates",
]

FORMAT = "dedup-index/4"  # 2: band keys of 37 bits; 3: buckets hold article numbers; 4: and block keys
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
    """The meta entries that converting an index of format 3 writes: the format, and the blocks it keeps."""
    meta = signature_meta(settings)
    return {key: meta[key] for key in ("format", "blocks")}


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
    def stored_digest(self, article_id: str) -> str | None:
        """The SHA-256 of the indexed text under ``article_id``, or ``None``."""

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
            stored = self.stored_digest(article.id)
            if stored == digest:
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


T = TypeVar("T")

CONVERTING = "converting the index to the current format"  # the progress stage of a conversion


def open_index(
    location: str | Path,
    settings: Settings | None = None,
    *,
    create: bool = True,
    progress: Progress | None = None,
) -> ArticleIndex:
    """The index at ``location``: ``redis://host:port/db`` (the ``redis`` extra) or a SQLite file path.
    An index written by an older dedup is converted first, reported to ``progress`` as :data:`CONVERTING`."""
    if str(location).startswith(("redis://", "rediss://", "unix://")):
        from dedup.redis_index import RedisIndex

        return RedisIndex(str(location), settings, create=create, progress=progress)
    return Index(location, settings, create=create, progress=progress)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, path TEXT NOT NULL,
    text TEXT NOT NULL, title TEXT, date TEXT, source TEXT, url TEXT, encoding TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS buckets (key INTEGER NOT NULL, num INTEGER NOT NULL, PRIMARY KEY (key, num))
    WITHOUT ROWID;
"""
# A bucket row is a band key (or a block key, tagged with BLOCK_TAG) and an article's number: the table is
# its own (key, num) index, so a query reads the rows of its keys from it alone, and no article id is
# repeated in every row (format 2 stored ids as text in the table and in two indexes: 3.3 GB at 100k
# articles). An article's rows are deleted by their keys, signed again from the stored text, so no index by
# article is needed either. AUTOINCREMENT: a number is never given again, so a row left behind could never
# join a later article. A crowded bucket's first article is the first row of its key.

_MIGRATE_FROM_2 = """
ALTER TABLE articles RENAME TO articles_2;
ALTER TABLE buckets RENAME TO buckets_2;
DROP INDEX IF EXISTS buckets_by_key_and_article;
DROP INDEX IF EXISTS buckets_by_key;
DROP INDEX IF EXISTS buckets_by_article;
{schema}
INSERT INTO articles (id, sha256, path, text, title, date, source, url, encoding)
    SELECT id, sha256, path, text, title, date, source, url, encoding FROM articles_2 ORDER BY id;
INSERT OR IGNORE INTO buckets SELECT b.key, a.num FROM buckets_2 b JOIN articles a ON a.id = b.article_id;
DROP TABLE buckets_2;
DROP TABLE articles_2;
UPDATE meta SET value = '{format}' WHERE key = 'format';
"""


def _reports_damage(method: Callable[..., T]) -> Callable[..., T]:
    """``method`` of :class:`Index` with SQLite's corruption errors raised as a damaged index."""

    @functools.wraps(method)
    def reported(self: Index, *args: object, **kwargs: object) -> T:
        with self._reporting_damage():
            return method(self, *args, **kwargs)

    return reported


class Index(ArticleIndex):
    """An index of articles in one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        settings: Settings | None = None,
        *,
        create: bool = True,
        progress: Progress | None = None,
    ) -> None:
        self.path = Path(path)
        self.settings = settings or Settings()
        self._progress = progress
        if not create and not self.path.exists():
            raise IndexError_(
                f"{self.path}: no such index; create one with: dedup index add ARTICLES --index {path}"
            )
        try:
            # a writer waits up to a minute for another one (two adds at once) instead of failing at once
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if self._stored_format() in ("dedup-index/2", "dedup-index/3"):
                self._convert()
            self._create()
            stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as error:
            raise IndexError_(f"{self.path}: not a dedup index or damaged ({error})") from None
        check_meta(str(self.path), stored, self.settings)

    def _create(self) -> None:
        """The tables and the meta of a new index, written by one client only: when two adds create the
        same index at once, the second finds it made under the write lock."""
        if self._stored_format() is not None:
            return
        with self._write():
            if self._stored_format() is None:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [*signature_meta(self.settings).items(), *versions().items()],
                )

    def check(self) -> None:
        """Raise :class:`IndexError_` when SQLite's ``quick_check`` finds the file damaged (it reads every
        page: seconds for a large index, so commands that write or report on the index run it, queries not)."""
        with self._reporting_damage():
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise IndexError_(self._damaged_message("; ".join(problems)))

    def _damaged_message(self, detail: object) -> str:
        return (
            f"{self.path}: the index is damaged ({detail}); build it again with dedup index add, or salvage "
            f"it with: sqlite3 {self.path} .recover"
        )

    @contextmanager
    def _reporting_damage(self) -> Iterator[None]:
        """SQLite's corruption errors as :class:`IndexError_` saying the index is damaged."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            if getattr(error, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
                raise IndexError_(self._damaged_message(error)) from None
            raise

    def _stored_format(self) -> str | None:
        has_meta = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        row = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() if has_meta else None
        return row[0] if row else None

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction holding the write lock: committed at the end, rolled back on any exception
        (Ctrl-C included), so an interrupted write leaves the index as it was."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _convert(self) -> None:
        """Bring an index written by an older dedup to this format (a write, even when opened to query)."""
        written = self._stored_format()
        try:
            if written == "dedup-index/2":
                self._migrate_from_2()
            self._migrate_from_3()
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error):
                raise
            raise IndexError_(
                f"{self.path}: written by an older dedup ({written}); converting it to {FORMAT} needs write "
                f"access once, for example: dedup index stats --index {self.path}"
            ) from None

    def _migrate_from_2(self) -> None:
        """Rewrite an index of format 2 (bucket rows holding article ids) to this format, in one transaction."""
        with self._write():
            if self._stored_format() == "dedup-index/2":  # another client may have converted it meanwhile
                for statement in _MIGRATE_FROM_2.format(schema=_SCHEMA, format="dedup-index/3").split(";"):
                    if statement.strip():
                        self.db.execute(statement)

    def _migrate_from_3(self) -> None:
        """Add the block keys of every stored article to an index of format 3 (window keys only), in one
        transaction, once its signatures are known to be these settings' own."""
        stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        check_meta(str(self.path), stored, self.settings, keys=("signature_scheme", "lsh"))
        with self._write():
            if self._stored_format() == "dedup-index/3":  # another client may have converted it meanwhile
                stored_articles = self.db.execute("SELECT num, text FROM articles").fetchall()
                for done, (num, text) in enumerate(stored_articles, 1):
                    self._insert_buckets(
                        num, stored_block_keys(windows_of(text, self.settings), self.settings)
                    )
                    report_conversion(self._progress, done, len(stored_articles))
                self.db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", conversion_meta(self.settings).items()
                )

    def close(self) -> None:
        self.db.close()

    @_reports_damage
    def stored_digest(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    batch_size = 100  # articles per transaction: an interrupted add keeps every batch committed before

    def _keys(self, text: str | Windows) -> list[int]:
        """The text's band keys and block keys (:func:`index_keys`), in one list."""
        windows, blocks = index_keys(text, self.settings)
        return windows + blocks

    def _insert_buckets(self, num: int, keys: list[int]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)", ((k, num) for k in keys))

    def _delete_buckets(self, num: int, text: str) -> None:
        self.db.executemany(
            "DELETE FROM buckets WHERE key = ? AND num = ?", ((k, num) for k in self._keys(text))
        )

    @_reports_damage
    def store(self, batch: list[Pending]) -> None:
        keys = [self._keys(windows) for _, _, _, windows in batch]
        with self._write():
            for (article, digest, _, _), article_keys in zip(batch, keys, strict=True):
                fields = (digest, article.path, article.text, article.title, article.date, article.source,
                          article.url, article.encoding)  # fmt: skip
                # looked up again under the write lock: another client may have added the id meanwhile
                stored = self.db.execute(
                    "SELECT num, text FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
                if stored:
                    num = stored[0]
                    self._delete_buckets(num, stored[1])
                    self.db.execute(
                        "UPDATE articles SET sha256 = ?, path = ?, text = ?, title = ?, date = ?, source = ?, "
                        "url = ?, encoding = ? WHERE num = ?",
                        (*fields, num),
                    )
                else:
                    num = self.db.execute(
                        "INSERT INTO articles (id, sha256, path, text, title, date, source, url, encoding) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (article.id, *fields),
                    ).lastrowid
                self._insert_buckets(num, article_keys)

    @_reports_damage
    def remove(self, article_id: str) -> bool:
        with self._write():
            stored = self.db.execute("SELECT num, text FROM articles WHERE id = ?", (article_id,)).fetchone()
            if stored:
                self._delete_buckets(*stored)
                self.db.execute("DELETE FROM articles WHERE num = ?", (stored[0],))
        return stored is not None

    @_reports_damage
    def stats(self) -> IndexStats:
        articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        windows = self.db.execute("SELECT count(*) FROM buckets WHERE key < ?", (BLOCK_TAG,)).fetchone()[0]
        return IndexStats(articles, windows, dict(self.db.execute("SELECT key, value FROM meta").fetchall()))

    @_reports_damage
    def get(self, article_id: str) -> Article | None:
        row = self.db.execute(
            "SELECT id, path, text, title, date, source, url, encoding FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        return Article(*row) if row else None

    def ids(self) -> Iterator[str]:
        with self._reporting_damage():
            for (article_id,) in self.db.execute("SELECT id FROM articles ORDER BY id"):
                yield article_id

    @_reports_damage
    def candidates(self, article: Article, limit: int) -> list[tuple[str, int]]:
        windows, blocks = index_keys(article.text, self.settings)
        own = self.db.execute("SELECT num FROM articles WHERE id = ?", (article.id,)).fetchone()
        own_num = own[0] if own else -1
        by_windows = self._window_candidates(windows, own_num, limit) if windows else []
        return with_block_candidates(by_windows, self._block_candidates(blocks, own_num), limit)

    def _block_candidates(self, blocks: list[int], own_num: int) -> dict[str, int]:
        """Indexed articles holding a block of ``blocks`` that no more than ``boilerplate_docs`` articles
        hold (the query's article counted), with how many such blocks each holds."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS query_blocks (key INTEGER PRIMARY KEY)")
        self.db.execute("DELETE FROM query_blocks")
        self.db.executemany("INSERT OR IGNORE INTO query_blocks VALUES (?)", ((k,) for k in blocks))
        rows = self.db.execute(
            "SELECT a.id, count(*) FROM query_blocks q CROSS JOIN buckets b ON b.key = q.key"
            " CROSS JOIN articles a ON a.num = b.num WHERE b.num != ?1 AND (SELECT count(*) FROM"
            " (SELECT 1 FROM buckets c WHERE c.key = q.key AND c.num != ?1 LIMIT ?2)) < ?2 GROUP BY a.id",
            (own_num, self.settings.boilerplate_docs),
        ).fetchall()
        return dict(rows)

    def _window_candidates(self, keys: list[int], own_num: int, limit: int) -> list[tuple[str, int]]:
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS query_keys (key INTEGER PRIMARY KEY, crowded INTEGER NOT NULL)"
        )
        self.db.execute("DELETE FROM query_keys")
        self.db.executemany("INSERT OR IGNORE INTO query_keys VALUES (?, 0)", ((k,) for k in keys))
        cap = self.settings.max_bucket_docs
        self.db.execute(
            "UPDATE query_keys SET crowded = 1 WHERE (SELECT count(*) FROM (SELECT 1 FROM buckets b "
            "WHERE b.key = query_keys.key AND b.num != ? LIMIT ?)) >= ?",
            (own_num, cap, cap),
        )
        # CROSS JOIN fixes the join order: look up each query key in the bucket table's key order, rather
        # than scanning every bucket row (which SQLite otherwise picks for the GROUP BY: 6x slower).
        # A crowded bucket counts for its first indexed article only, as in a scan's star.
        rows = self.db.execute(
            "SELECT a.id, s.shared FROM ("
            " SELECT num, count(*) AS shared FROM ("
            "  SELECT b.num FROM query_keys q CROSS JOIN buckets b ON b.key = q.key"
            "  WHERE q.crowded = 0 AND b.num != ?1"
            "  UNION ALL SELECT (SELECT min(b.num) FROM buckets b WHERE b.key = q.key AND b.num != ?1)"
            "  FROM query_keys q WHERE q.crowded = 1"
            " ) GROUP BY num HAVING shared >= ?2"
            ") s CROSS JOIN articles a ON a.num = s.num ORDER BY s.shared DESC, a.id LIMIT ?3",
            (own_num, self.settings.min_shared_buckets, limit),
        ).fetchall()
        return [(article_id, shared) for article_id, shared in rows]
