"""A scan's derived pairs written to disk as they are aligned, so that the scanning process never holds
them all: :class:`StoredPairs` is the sequence of a scan's pairs that reads them back, one at a time, on
every pass (the summary, the terminal report, ``--jsonl``, ``--html``).

Each pair is one line of JSON (``Comparison.to_dict``, ASCII: an id's lone surrogate survives) in a file of
the scan's temporary folder, which is removed when the last reference to the pairs (and articles) goes.
"""

from __future__ import annotations

import json
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

from dedup.model import Comparison
from dedup.output import OutputError

__all__ = ["StoredPairs"]


class StoredPairs(Sequence[Comparison]):
    """Comparisons appended to a file of ``folder``, then read back whenever asked for. ``by_sharing`` and
    ``verbatim_only`` count them as they are appended (the summary's counts, without a pass over the file)."""

    def __init__(self, folder: tempfile.TemporaryDirectory) -> None:
        self._folder = folder  # kept: the file lives as long as this sequence
        self.path = Path(folder.name) / "pairs.jsonl"
        self._starts = array("q")  # where each line begins
        self._size = 0
        self.by_sharing: Counter[str] = Counter()
        self.verbatim_only = 0
        try:
            self._writer = open(self.path, "wb")  # noqa: SIM115 (open while the scan appends)
        except OSError as error:
            raise _unwritable(self.path, error) from None

    def append(self, comparison: Comparison) -> None:
        line = (json.dumps(comparison.to_dict()) + "\n").encode("ascii")
        try:
            self._writer.write(line)
        except OSError as error:
            raise _unwritable(self.path, error) from None
        self._starts.append(self._size)
        self._size += len(line)
        self.by_sharing[comparison.sharing] += 1
        self.verbatim_only += comparison.verbatim_only

    def close(self) -> None:
        """No more pairs: the file is complete (reading closes it too)."""
        if self._writer.closed:
            return
        try:
            self._writer.close()
        except OSError as error:
            raise _unwritable(self.path, error) from None

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Comparison: ...

    @overload
    def __getitem__(self, index: slice) -> list[Comparison]: ...

    def __getitem__(self, index: int | slice) -> Comparison | list[Comparison]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        start = self._starts[index]  # an IndexError as a list gives
        self.close()
        with open(self.path, "rb") as handle:
            handle.seek(start)
            return Comparison.from_dict(json.loads(handle.readline()))

    def __iter__(self) -> Iterator[Comparison]:
        return (Comparison.from_dict(record) for record in self.records())

    def records(self) -> Iterator[dict]:
        """Each pair's ``Comparison.to_dict`` object, as written (no comparison is rebuilt)."""
        self.close()
        with open(self.path, "rb") as handle:
            for _ in range(len(self)):
                yield json.loads(handle.readline())


def _unwritable(path: Path, error: OSError) -> OutputError:
    return OutputError(
        f"{path}: the scan's pairs cannot be written ({error.strerror or error}); TMPDIR needs room for them"
    )
