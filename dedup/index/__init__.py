"""The persistent index: articles, their window band keys and block keys in one SQLite file (no server, no
pickle).

:class:`ArticleIndex` holds what every index does the same way (idempotent adds, queries verified by the
comparer); :class:`Index` keeps it in SQLite, :class:`dedup.index.redis.RedisIndex` in Redis.
:func:`open_index` picks one by its location (a file path, or ``redis://host:port/db``).

Adding is incremental and idempotent: an article is keyed by its id and the SHA-256 of its text, so adding
the same content again changes nothing, and articles are committed in batches of ``batch_size``, each in
one transaction (WAL journal), so an add interrupted by Ctrl-C or ``kill -9`` leaves every batch committed
before it usable.
The index records the dedup and datasketch versions, the signature scheme and every parameter that changes
signatures, and refuses to open under different ones.
"""

from __future__ import annotations

from pathlib import Path

from dedup.index.base import (
    BLOCK_TAG,
    CONVERTING,
    FORMAT,
    AddResult,
    ArticleIndex,
    IndexError_,
    IndexStats,
    Pending,
    conversion_meta,
    index_keys,
    report_conversion,
    signature_meta,
    stored_block_keys,
    with_block_candidates,
)
from dedup.index.sqlite import Index
from dedup.parallel import Progress
from dedup.settings import Settings

__all__ = [
    "ArticleIndex", "Index", "IndexError_", "IndexStats", "AddResult", "Pending", "FORMAT", "open_index",
    "CONVERTING", "report_conversion", "signature_meta", "conversion_meta", "index_keys", "stored_block_keys",
    "BLOCK_TAG", "with_block_candidates",
]  # fmt: skip


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
        from dedup.index.redis import RedisIndex

        return RedisIndex(str(location), settings, create=create, progress=progress)
    return Index(location, settings, create=create, progress=progress)
