"""Article texts kept on disk while a corpus is scanned, so that the scanning process holds ids, signatures
and results, not every text: the workers that read and sign a chunk of files write its texts to one file of
a temporary folder, and the workers that align pairs read back the texts they need.

A text is addressed by :class:`TextRef` (file, byte offset, byte length of its UTF-8); an article whose text
is there travels as :class:`Stored` (the article without its text, and where the text is).
:class:`StoredArticles` is the list of a scan's articles that reads each text when it is asked for, and
removes the folder when it is no longer referenced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, NamedTuple, overload

try:
    import fcntl
except ImportError:  # not POSIX: folders of killed scans stay until TMPDIR is cleaned
    fcntl = None  # type: ignore[assignment]

from dedup.output import OutputError
from dedup.sources import Article

__all__ = ["TextRef", "Stored", "StoredArticles", "text_folder", "remove_abandoned", "write_texts", "loaded"]


class TextRef(NamedTuple):
    """Where one text is: ``length`` bytes of UTF-8 at ``offset`` in ``file``."""

    file: str
    offset: int
    length: int

    def read(self) -> str:
        with open(self.file, "rb") as handle:
            handle.seek(self.offset)
            return handle.read(self.length).decode("utf-8", "surrogatepass")


class Stored(NamedTuple):
    """An article whose text is on disk: the article with an empty text, and where its text is."""

    article: Article
    ref: TextRef

    @property
    def id(self) -> str:
        return self.article.id

    def load(self) -> Article:
        return replace(self.article, text=self.ref.read())


def loaded(item: Article | Stored) -> Article:
    """The article, its text read back if it is on disk."""
    return item.load() if isinstance(item, Stored) else item


def text_folder() -> tempfile.TemporaryDirectory:
    """A new temporary folder for a scan's texts (under ``TMPDIR``), removed with the object.

    The folder holds a lock for as long as a process of the scan lives; the folders of scans that were
    killed before they could remove theirs (their lock is free) are removed first."""
    parent = Path(tempfile.gettempdir())
    remove_abandoned(parent)
    try:
        folder = tempfile.TemporaryDirectory(prefix=_PREFIX, dir=parent)
        lock = _locked(Path(folder.name))
    except OSError as error:
        raise OutputError(
            f"{parent}: no temporary folder for the scan's texts ({error.strerror or error}); "
            "set TMPDIR to a writable folder"
        ) from None
    weakref.finalize(folder, lock.close)
    return folder


_PREFIX = "dedup-texts-"
_LOCK = "scan.lock"


def _locked(folder: Path) -> IO[str]:
    """A lock in ``folder``, held until the returned file is closed or its process ends (SIGKILL too); made
    under another name and renamed, so that no sweep ever finds it free before it is held."""
    pending = folder / f"{_LOCK}.new"
    handle = open(pending, "w")  # noqa: SIM115 -- held open for the scan's life, closed by text_folder
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.replace(pending, folder / _LOCK)
    return handle


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the text folders in ``parent`` that no living scan holds (a killed scan's); those removed.
    A folder without a lock (another version's, or one being made) is left alone."""
    removed: list[Path] = []
    if fcntl is None:  # no advisory locks here: nothing tells a live scan's folder from a dead one's
        return removed
    for folder in parent.glob(f"{_PREFIX}*"):
        try:
            with open(folder / _LOCK) as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:  # no lock file, or a living scan holds it
            continue
    return removed


def write_texts(folder: str | os.PathLike, articles: Sequence[Article]) -> list[Stored]:
    """Write the texts of ``articles`` to one new file of ``folder``; the articles as :class:`Stored`."""
    path = Path(folder) / f"{uuid.uuid4().hex}.txt"  # a task retried file by file writes again, elsewhere
    stored, offset = [], 0
    try:
        with open(path, "wb") as handle:
            for article in articles:
                data = article.text.encode("utf-8", "surrogatepass")  # texts as read: never lose a character
                handle.write(data)
                stored.append(Stored(replace(article, text=""), TextRef(str(path), offset, len(data))))
                offset += len(data)
    except OSError as error:  # the disk, not an article: no scan can go on without its texts
        raise OutputError(
            f"{path}: the scan's texts cannot be written ({error.strerror or error}); TMPDIR needs room for "
            "about the corpus's text"
        ) from None
    return stored


class StoredArticles(Sequence[Article]):
    """A scan's articles, in order, each text read from disk when the article is asked for (and not kept).

    Holds the temporary folder, which is removed when the last reference to this list goes."""

    def __init__(self, items: list[Article | Stored], folder: tempfile.TemporaryDirectory | None) -> None:
        self.items, self._folder = items, folder

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            return [loaded(item) for item in self.items[index]]
        return loaded(self.items[index])

    def __iter__(self) -> Iterator[Article]:
        return (loaded(item) for item in self.items)

    def without_texts(self) -> Iterator[Article]:
        """The articles with their texts left on disk (empty): ids, paths, sources, dates."""
        return (item.article if isinstance(item, Stored) else item for item in self.items)

    def by_id(self) -> Mapping[str, Article]:
        """The articles by id, each text read when looked up."""
        return _ById({item.id: item for item in self.items})


class _ById(Mapping[str, Article]):
    def __init__(self, items: dict[str, Article | Stored]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Article:
        return loaded(self._items[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
