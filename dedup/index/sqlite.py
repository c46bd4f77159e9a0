"""The index in one SQLite file (no server, no pickle): articles, and bucket rows of window band keys and
block keys holding article numbers."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from dedup.candidates.signatures import windows_of
from dedup.hashing import Windows
from dedup.index.base import (
    BLOCK_TAG,
    FORMAT,
    ArticleIndex,
    IndexError_,
    IndexStats,
    Pending,
    check_meta,
    conversion_meta,
    index_keys,
    report_conversion,
    signature_meta,
    stored_block_keys,
    versions,
    with_block_candidates,
)
from dedup.parallel import Progress
from dedup.settings import Settings
from dedup.sources import Article

__all__ = ["Index"]


T = TypeVar("T")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, path TEXT NOT NULL,
    text TEXT NOT NULL, title TEXT, date TEXT, source TEXT, url TEXT, encoding TEXT NOT NULL,
    is_source INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS buckets (key INTEGER NOT NULL, num INTEGER NOT NULL, PRIMARY KEY (key, num))
    WITHOUT ROWID;
"""


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
            if self._stored_format() in ("dedup-index/2", "dedup-index/3", "dedup-index/4"):
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
                self._execute_in_transaction(_SCHEMA)
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
            if written in ("dedup-index/2", "dedup-index/3"):
                self._migrate_from_3()
            self._migrate_from_4()
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error):
                raise
            raise IndexError_(
                f"{self.path}: written by an older dedup ({written}); converting it to {FORMAT} needs write "
                f"access once, for example: dedup index stats --index {self.path}"
            ) from None

    def _execute_in_transaction(self, script: str) -> None:
        """The statements of ``script`` one by one (``executescript`` would commit the open transaction)."""
        for statement in script.split(";"):
            if statement.strip():
                self.db.execute(statement)

    def _migrate_from_2(self) -> None:
        """Rewrite an index of format 2 (bucket rows holding article ids) to this format, in one transaction."""
        with self._write():
            if self._stored_format() == "dedup-index/2":  # another client may have converted it meanwhile
                self._execute_in_transaction(_MIGRATE_FROM_2.format(schema=_SCHEMA, format="dedup-index/3"))

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

    def _migrate_from_4(self) -> None:
        """Give an index of format 4 the column that marks known sources (none is marked), in one transaction."""
        with self._write():
            if self._stored_format() == "dedup-index/4":  # another client may have converted it meanwhile
                columns = {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}
                if "is_source" not in columns:
                    self.db.execute("ALTER TABLE articles ADD COLUMN is_source INTEGER NOT NULL DEFAULT 0")
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (FORMAT,))

    def close(self) -> None:
        self.db.close()

    @_reports_damage
    def stored_record(self, article_id: str) -> tuple[str, bool] | None:
        row = self.db.execute("SELECT sha256, is_source FROM articles WHERE id = ?", (article_id,)).fetchone()
        return (row[0], bool(row[1])) if row else None

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
                          article.url, article.encoding, int(article.is_source))  # fmt: skip
                # looked up again under the write lock: another client may have added the id meanwhile
                stored = self.db.execute(
                    "SELECT num, text FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
                if stored:
                    num = stored[0]
                    self._delete_buckets(num, stored[1])
                    self.db.execute(
                        "UPDATE articles SET sha256 = ?, path = ?, text = ?, title = ?, date = ?, source = ?, "
                        "url = ?, encoding = ?, is_source = ? WHERE num = ?",
                        (*fields, num),
                    )
                else:
                    num = self.db.execute(
                        "INSERT INTO articles (id, sha256, path, text, title, date, source, url, encoding, "
                        "is_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            "SELECT id, path, text, title, date, source, url, encoding, is_source FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        return Article(*row[:-1], is_source=bool(row[-1])) if row else None

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
