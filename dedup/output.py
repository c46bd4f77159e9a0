"""Files dedup writes (``--jsonl``, ``--html``, ``--write-config``): checked before any work starts, and
written whole or not at all.

A regular file is written to a temporary file beside it and renamed over it once complete, so an
interrupted or failed write never leaves half a report where the last whole one was. A pipe or a device
(``/dev/stdout``) cannot be replaced: it is written directly, and a failed write (``/dev/full``) is an
:class:`OutputError` naming the file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from dedup.errors import DedupError

__all__ = ["OutputError", "check_file", "check_folder", "open_for_writing", "write_text"]


class OutputError(DedupError):
    """An output file or folder cannot be written; the message names it and says why."""


def _check_parent(path: Path, what: str) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: cannot write the {what} there: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write the {what} there: no permission to write in {parent}")


def check_file(path: Path, what: str = "output") -> None:
    """Raise :class:`OutputError` unless ``path`` can be written as a file: a folder that exists and takes
    files, and no folder under that name."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give the {what} a file name")
    if path.exists() and stat.S_ISREG(path.stat().st_mode) and not os.access(path, os.W_OK):
        raise OutputError(f"{path}: no permission to replace this file")
    _check_parent(path, what)


def check_folder(path: Path, what: str = "report") -> None:
    """Raise :class:`OutputError` unless ``path`` is a folder that takes files, or can be made one."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file; the {what} is a folder of pages, give it a folder name")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputError(f"{path}: no permission to write in this folder")
        return
    _check_parent(path, what)


def _mode_for(path: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what the umask gives."""
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def open_for_writing(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle whose content replaces ``path`` once the block ends without an exception."""
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a pipe or a device: written as it goes
            with open(path, "w", encoding="utf-8") as handle:
                yield handle
            return
        mode = _mode_for(path)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"{path}: cannot be written ({error.strerror or error})") from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written ({error.strerror or error})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (:func:`open_for_writing`)."""
    with open_for_writing(path) as handle:
        handle.write(text)
