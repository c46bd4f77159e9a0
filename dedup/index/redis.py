"""The index in Redis, shared by many clients: ``--index redis://host:port/db`` (the ``redis`` extra).

The LSH tables are datasketch's Redis storage: a ``MinHashLSH`` with the scan's bands and rows whose keys are
the articles' windows (``id`` + ``\x1f`` + window number, as bytes; ``prepickle=False``, so nothing in Redis is
pickled). In the same database, under ``dedup:``:

- ``dedup:meta`` (hash): format, signature scheme, LSH bands, dedup and datasketch versions;
- ``dedup:article:<id>`` (hash): SHA-256, text and metadata, ``is_source`` (``1`` for a known source, absent
  otherwise), window count, bucket count and the window signatures (raw little-endian ``uint32``);
- ``dedup:ids`` (set) and ``dedup:buckets`` (counter) for statistics;
- ``dedup:order`` (hash ``id -> number``, numbers drawn from the counter ``dedup:next``): the order in which
  articles were first added, which decides a crowded bucket's first article, as the SQLite index's article
  numbers do;
- ``dedup:block:<key>`` (set of ids): the articles holding a block (:func:`dedup.index.stored_block_keys`);
  an article's record lists its block keys (raw little-endian ``int64``) so that removing it empties them;
- ``dedup:adding`` (hash ``id -> windows``): adds in progress. Articles are written in batches: the
  windows go into the LSH tables, then the batch's records become visible in one ``MULTI``/``EXEC``;
  windows left by an add that was killed are removed when the index is next opened for adding.

Two articles share a bucket when, in one band, a window of each has the same rows: the same count the SQLite
index keeps, so both answer queries alike.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dedup.candidates.signatures import lsh_bands, signature_scheme, windows_of
from dedup.hashing import Windows
from dedup.index.base import (
    FORMAT,
    ArticleIndex,
    IndexError_,
    IndexStats,
    Pending,
    check_meta,
    conversion_meta,
    report_conversion,
    signature_meta,
    stored_block_keys,
    versions,
    with_block_candidates,
)
from dedup.parallel import Progress
from dedup.settings import Settings
from dedup.sources import Article

__all__ = ["RedisIndex"]


_PREFIX = "dedup:"


_FIELDS = ("id", "path", "text", "title", "date", "source", "url", "encoding")


_SEPARATOR = b"\x1f"


class RedisIndex(ArticleIndex):
    """An index of articles in one Redis database."""

    def __init__(
        self,
        url: str,
        settings: Settings | None = None,
        *,
        create: bool = True,
        progress: Progress | None = None,
    ) -> None:
        try:
            import redis
            from datasketch import LeanMinHash, MinHashLSH
            from redis.connection import parse_url
        except ImportError:
            raise IndexError_("a Redis index needs the redis client: pip install 'dedup[redis]'") from None
        self.url, self.settings = url, settings or Settings()
        self._lean = LeanMinHash
        try:
            self.db = redis.Redis.from_url(url)
            stored = {k.decode(): v.decode() for k, v in self.db.hgetall(_PREFIX + "meta").items()}
        except (redis.exceptions.RedisError, ValueError) as error:
            raise IndexError_(f"cannot use the Redis index at {url} ({error})") from None
        if not stored:
            if not create:
                raise IndexError_(
                    f"{url}: no dedup index there; create one with: dedup index add ARTICLES --index {url}"
                )
            self.db.hset(_PREFIX + "meta", mapping={**signature_meta(self.settings), **versions()})
        else:
            if stored.get("format") == "dedup-index/2":
                stored = self._migrate_from_2(stored)
            if stored.get("format") == "dedup-index/3":
                stored = self._migrate_from_3(stored, progress)
            if stored.get("format") == "dedup-index/4":  # records without the field are no known sources
                self.db.hset(_PREFIX + "meta", "format", FORMAT)
                stored = {**stored, "format": FORMAT}
            check_meta(url, stored, self.settings)
        self.bands, self.rows = lsh_bands(self.settings)
        self.seed = signature_scheme(self.settings).seed
        storage = {"type": "redis", "basename": (_PREFIX + "lsh").encode(), "redis": parse_url(url)}
        self.lsh = MinHashLSH(
            num_perm=self.settings.num_perm,
            params=(self.bands, self.rows),
            storage_config=storage,
            prepickle=False,
        )
        if create:
            self._drop_unfinished()

    def close(self) -> None:
        self.db.close()

    def _migrate_from_2(self, stored: dict[str, str]) -> dict[str, str]:
        """Number the articles of a format-2 index by id (format 2 chose a crowded bucket's smallest id)."""
        ids = sorted(member.decode() for member in self.db.smembers(_PREFIX + "ids"))
        with self.db.pipeline(transaction=True) as pipe:
            if ids:
                pipe.hset(_PREFIX + "order", mapping={article_id: n for n, article_id in enumerate(ids)})
            pipe.set(_PREFIX + "next", len(ids))
            pipe.hset(_PREFIX + "meta", "format", "dedup-index/3")
            pipe.execute()
        return {**stored, "format": "dedup-index/3"}

    def _migrate_from_3(self, stored: dict[str, str], progress: Progress | None) -> dict[str, str]:
        """Add the block keys of every stored article to an index of format 3 (windows only), once its
        signatures are known to be these settings' own."""
        check_meta(self.url, stored, self.settings, keys=("signature_scheme", "lsh"))
        members = self.db.smembers(_PREFIX + "ids")
        for done, member in enumerate(members, 1):
            report_conversion(progress, done, len(members))
            text = self.db.hget(_PREFIX + "article:" + member.decode(), "text")
            if text is not None:
                with self.db.pipeline(transaction=True) as pipe:
                    blocks = stored_block_keys(windows_of(text.decode(), self.settings), self.settings)
                    self._add_blocks(pipe, member.decode(), blocks)
                    pipe.execute()
        added = conversion_meta(self.settings)
        self.db.hset(_PREFIX + "meta", mapping=added)
        return {**stored, **added}

    @staticmethod
    def _add_blocks(pipe, article_id: str, blocks: list[int]) -> None:
        """Queue the article into the sets of its blocks, and their list into its record (for removal)."""
        for key in blocks:
            pipe.sadd(f"{_PREFIX}block:{key}", article_id)
        pipe.hset(_PREFIX + "article:" + article_id, "blocks", np.asarray(blocks, dtype="<i8").tobytes())

    @staticmethod
    def _window_keys(article_id: str, windows: int) -> list[bytes]:
        return [article_id.encode() + _SEPARATOR + str(w).encode() for w in range(windows)]

    def _remove_windows(self, article_id: str, windows: int) -> None:
        with self.lsh.deletion_session() as session:
            for key in self._window_keys(article_id, windows):
                if key in self.lsh:
                    session.remove(key)

    def _drop_unfinished(self) -> None:
        """Remove the windows of adds that were interrupted (their articles never became visible)."""
        for article_id, windows in self.db.hgetall(_PREFIX + "adding").items():
            self._remove_windows(article_id.decode(), int(windows))
            self.db.hdel(_PREFIX + "adding", article_id)

    def stored_record(self, article_id: str) -> tuple[str, bool] | None:
        digest, is_source = self.db.hmget(_PREFIX + "article:" + article_id, "sha256", "is_source")
        return (digest.decode(), is_source is not None) if digest is not None else None

    batch_size = 200  # one pipeline of LSH inserts and one MULTI/EXEC of records per batch

    def store(self, batch: list[Pending]) -> None:
        for article, _, replace, _ in batch:
            if replace:
                self._remove_article(article.id)
        windows = [found for _, _, _, found in batch]
        signatures = [found.signatures for found in windows]
        self.db.hset(
            _PREFIX + "adding", mapping={a.id: len(s) for (a, *_), s in zip(batch, signatures, strict=True)}
        )
        with self.lsh.insertion_session() as session:
            for (article, *_), rows in zip(batch, signatures, strict=True):
                for key, row in zip(self._window_keys(article.id, len(rows)), rows, strict=True):
                    lean = self._lean(seed=self.seed, hashvalues=row, scheme="affine32")
                    session.insert(key, lean, check_duplication=False)
        with self.db.pipeline(transaction=False) as pipe:
            for _ in batch:
                pipe.incr(_PREFIX + "next")
            numbers = pipe.execute()
        with self.db.pipeline(transaction=True) as pipe:
            for (article, digest, *_), found, number in zip(batch, windows, numbers, strict=True):
                rows = found.signatures
                pipe.hsetnx(_PREFIX + "order", article.id, number)  # a replaced article keeps its place
                buckets = self._bucket_count(rows)
                record = {
                    "sha256": digest, "windows": len(rows), "buckets": buckets,
                    "signatures": rows.astype("<u4").tobytes(),
                    **{name: getattr(article, name) for name in _FIELDS if getattr(article, name) is not None},
                    **({"is_source": 1} if article.is_source else {}),
                }  # fmt: skip
                pipe.hset(_PREFIX + "article:" + article.id, mapping=record)
                self._add_blocks(pipe, article.id, stored_block_keys(found, self.settings))
                pipe.sadd(_PREFIX + "ids", article.id)
                pipe.incrby(_PREFIX + "buckets", buckets)
            pipe.hdel(_PREFIX + "adding", *(article.id for article, *_ in batch))
            pipe.execute()

    def _bucket_count(self, signatures: np.ndarray) -> int:
        """Distinct (band, rows) buckets of an article's windows, as the SQLite index counts them."""
        return sum(len(set(self._band_hashes(signatures, band))) for band in range(self.bands))

    def _band_hashes(self, signatures: np.ndarray, band: int) -> list[bytes]:
        start, end = self.lsh.hashranges[band]
        # the bucket key datasketch itself computes for these rows (MinHashLSH has no public name for it)
        return [self.lsh._H(row[start:end]) for row in signatures]

    def _remove_article(self, article_id: str) -> bool:
        key = _PREFIX + "article:" + article_id
        windows, buckets, blocks = self.db.hmget(key, "windows", "buckets", "blocks")
        if windows is None:
            return False
        with self.db.pipeline(transaction=True) as pipe:
            for block in np.frombuffer(blocks or b"", dtype="<i8").tolist():
                pipe.srem(f"{_PREFIX}block:{block}", article_id)
            pipe.delete(key)
            pipe.srem(_PREFIX + "ids", article_id)
            pipe.decrby(_PREFIX + "buckets", int(buckets))
            pipe.hset(_PREFIX + "adding", article_id, int(windows))
            pipe.execute()
        self._remove_windows(article_id, int(windows))
        self.db.hdel(_PREFIX + "adding", article_id)
        return True

    def remove(self, article_id: str) -> bool:
        removed = self._remove_article(article_id)
        self.db.hdel(_PREFIX + "order", article_id)
        return removed

    def check(self) -> None:
        """Redis keeps its data whole itself (an add cut short is undone on the next open): the check is that
        the server answers."""
        self.db.ping()

    def stats(self) -> IndexStats:
        meta = {k.decode(): v.decode() for k, v in self.db.hgetall(_PREFIX + "meta").items()}
        return IndexStats(self.db.scard(_PREFIX + "ids"), int(self.db.get(_PREFIX + "buckets") or 0), meta)

    def get(self, article_id: str) -> Article | None:
        *values, is_source = self.db.hmget(_PREFIX + "article:" + article_id, *_FIELDS, "is_source")
        if values[0] is None:
            return None
        return Article(
            *(v.decode() if v is not None else None for v in values), is_source=is_source is not None
        )

    def ids(self) -> Iterator[str]:
        yield from sorted(member.decode() for member in self.db.smembers(_PREFIX + "ids"))

    def candidates(self, article: Article, limit: int) -> list[tuple[str, int]]:
        windows = windows_of(article.text, self.settings)
        by_windows = self._window_candidates(article, windows.signatures, limit)
        return with_block_candidates(by_windows, self._block_candidates(article, windows), limit)

    def _block_candidates(self, article: Article, windows: Windows) -> dict[str, int]:
        """Indexed articles holding a block of the article's that no more than ``boilerplate_docs`` articles
        hold (the article counted), with how many such blocks each holds."""
        found: Counter[str] = Counter()
        with self.db.pipeline(transaction=False) as pipe:
            for key in stored_block_keys(windows, self.settings):
                pipe.smembers(f"{_PREFIX}block:{key}")
            for members in pipe.execute():
                others = {member.decode() for member in members} - {article.id}
                if len(others) < self.settings.boilerplate_docs:
                    found.update(others)
        return dict(found)

    def _window_candidates(
        self, article: Article, signatures: np.ndarray, limit: int
    ) -> list[tuple[str, int]]:
        shared: Counter[str] = Counter()
        crowded: list[list[str]] = []
        with self.db.pipeline(transaction=False) as pipe:  # every band's buckets in one round trip
            for band in range(self.bands):
                for bucket in set(self._band_hashes(signatures, band)):
                    pipe.smembers(self.lsh.hashtables[band].redis_key(bucket))
            for members in pipe.execute():
                others = {member.rpartition(_SEPARATOR)[0].decode() for member in members} - {article.id}
                if len(others) < self.settings.max_bucket_docs:
                    shared.update(others)
                elif others:  # a crowded bucket is a star: it counts for its first indexed article only
                    crowded.append(sorted(others))
        if crowded:
            with self.db.pipeline(transaction=False) as pipe:
                for others in crowded:
                    pipe.hmget(_PREFIX + "order", others)
                for others, numbers in zip(crowded, pipe.execute(), strict=True):
                    ranked = [(int(n), i) for n, i in zip(numbers, others, strict=True) if n is not None]
                    if ranked:  # an article whose add has not finished has no number yet
                        shared[min(ranked)[1]] += 1
        ranked = sorted(
            (
                (article_id, count)
                for article_id, count in shared.items()
                if count >= self.settings.min_shared_buckets
            ),
            key=lambda item: (-item[1], item[0]),
        )
        return ranked[:limit]


@contextmanager
def throwaway_server(folder: Path) -> Iterator[str]:
    """A ``redis-server`` (Debian package ``redis-server``) on a free port of 127.0.0.1, without persistence,
    working in ``folder``: yields its URL and stops it on exit. For trying the Redis index locally, and for
    the tests and benchmarks."""
    import redis

    executable = shutil.which("redis-server")
    if executable is None:
        raise IndexError_("no redis-server on this machine (Debian: apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        else:
            raise IndexError_(f"redis-server on port {port} did not answer within 10 s")
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
