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

__all__ = ["StoredPairs", "jsonl_line"]


_SURROGATES = "surrogatepass"


def jsonl_line(comparison: Comparison) -> str:
    """A pair as ``scan --jsonl`` writes it: its ``Comparison.to_dict`` object on one line, non-ASCII
    characters as they are."""
    return json.dumps(comparison.to_dict(), ensure_ascii=False) + "\n"


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
        # stored as ``scan --jsonl`` writes it, so the lines are copied there as they are (a library user's
        # id may hold a lone surrogate: kept as it is, as in the comparison)
        line = jsonl_line(comparison).encode("utf-8", _SURROGATES)
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
            return Comparison.from_dict(json.loads(handle.readline().decode("utf-8", _SURROGATES)))

    def __iter__(self) -> Iterator[Comparison]:
        return (Comparison.from_dict(record) for record in self.records())

    def records(self) -> Iterator[dict]:
        """Each pair's ``Comparison.to_dict`` object, as written (no comparison is rebuilt)."""
        return map(json.loads, self.lines())

    def lines(self) -> Iterator[str]:
        """Each pair's :func:`jsonl_line`."""
        self.close()
        with open(self.path, encoding="utf-8", errors=_SURROGATES) as handle:
            for _ in range(len(self)):
                yield handle.readline()


def _unwritable(path: Path, error: OSError) -> OutputError:
    return OutputError(
        f"{path}: the scan's pairs cannot be written ({error.strerror or error}); TMPDIR needs room for them"
    )
