"""Real news corpora as article records: Reuters-21578 (SGML) converted to JSON Lines that ``dedup scan``
reads (``id``, ``title``, ``date``, ``text``, ``source``); BBC News is plain text files, read as they are.

Reuters-21578 stories are ``<REUTERS NEWID="n">`` elements holding ``<DATE>`` and ``<TEXT>`` with
``<TITLE>``, ``<DATELINE>`` and ``<BODY>``. The text of a record is the body, with its SGML entities
decoded, the control characters of the wire format dropped and the closing ``Reuter`` signature cut;
stories without a body (briefs) are left out. The files are read as Latin-1: one of them holds bytes that
are not UTF-8.

    .venv/bin/python -m dedup.bench.news ../shared/data/reuters21578/sgm-data reuters.jsonl
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

__all__ = ["reuters_records", "write_records", "normalised"]

_STORY = re.compile(r"<REUTERS\b[^>]*\bNEWID=\"(\d+)\"[^>]*>(.*?)</REUTERS>", re.S)
_FIELD = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S) for name in ("DATE", "TITLE", "DATELINE", "BODY")
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SIGNATURE = re.compile(r"\s*\bReuter\s*$")


def _field(name: str, story: str) -> str:
    found = _FIELD[name].search(story)
    return _CONTROL.sub("", html.unescape(found.group(1))) if found else ""


def _iso_date(stamp: str) -> str:
    """``26-FEB-1987 15:01:01.79`` as ``1987-02-26T15:01:01``, the form dedup reads dates in (as given when
    it does not parse)."""
    try:
        return datetime.strptime(stamp.strip().split(".")[0], "%d-%b-%Y %H:%M:%S").isoformat()
    except ValueError:
        return stamp.strip()


def reuters_records(folder: Path) -> Iterator[dict[str, str]]:
    """The stories with a body of every ``reut2-*.sgm`` file in ``folder``, in file and story order."""
    for path in sorted(folder.glob("reut2-*.sgm")):
        for match in _STORY.finditer(path.read_text(encoding="latin-1")):
            story = match.group(2)
            body = _SIGNATURE.sub("", _field("BODY", story)).strip()
            if not body:
                continue
            yield {
                "id": match.group(1),
                "title": _field("TITLE", story).strip(),
                "date": _iso_date(_field("DATE", story)),
                "dateline": _field("DATELINE", story).strip(),
                "text": body,
                "source": "Reuters",
            }


def write_records(records: Iterator[dict[str, str]], out: Path) -> int:
    """Write ``records`` as JSON Lines to ``out``; return how many."""
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def normalised(text: str) -> str:
    """``text`` lowercased with whitespace collapsed: two stories are identical when these are equal."""
    return " ".join(text.lower().split())


if __name__ == "__main__":  # pragma: no cover - the documented converter
    written = write_records(reuters_records(Path(sys.argv[1])), Path(sys.argv[2]))
    print(f"{written:,} stories written to {sys.argv[2]}")
