"""The Reuters-21578 converter: bodies with entities decoded, briefs left out, dates in ISO form."""

from __future__ import annotations

import json

from dedup.bench.news import normalised, reuters_records, write_records
from dedup.sources import iter_articles

_SGML = b"""<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" NEWID="7">
<DATE> 5-MAR-1987 09:15:22.10</DATE>
<TEXT>&#2;
<TITLE>FED ADDS RESERVES</TITLE>
<DATELINE>    NEW YORK, March 5 - </DATELINE><BODY>The Federal Reserve &lt;FED&gt; said it
added 1.5 billion dlrs of reserves, caf\xe9 traders said.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="8">
<DATE>5-MAR-1987 09:16:00.00</DATE>
<TEXT TYPE="BRIEF">&#2;
<TITLE>BRIEF ONLY</TITLE>
</TEXT>
</REUTERS>
"""


def test_reuters_stories_become_records_dedup_reads(tmp_path):
    folder = tmp_path / "sgm"
    folder.mkdir()
    (folder / "reut2-000.sgm").write_bytes(_SGML)
    records = list(reuters_records(folder))
    assert len(records) == 1  # the brief has no body
    story = records[0]
    assert (story["id"], story["title"], story["date"], story["dateline"]) == (
        "7", "FED ADDS RESERVES", "1987-03-05T09:15:22", "NEW YORK, March 5 -",
    )  # fmt: skip
    assert (
        story["text"]
        == "The Federal Reserve <FED> said it\nadded 1.5 billion dlrs of reserves, caf\xe9 traders said."
    )
    out = tmp_path / "reuters.jsonl"
    assert write_records(iter(records), out) == 1
    [article] = list(iter_articles(out))
    assert article.id == f"{out}#7" and article.text == story["text"] and article.source == "Reuters"
    assert json.loads(out.read_text(encoding="utf-8"))["date"] == "1987-03-05T09:15:22"


def test_identical_means_equal_but_for_case_and_spacing():
    assert normalised("Fed  adds\nReserves") == normalised("fed adds reserves")
    assert normalised("Fed adds 1.5") != normalised("Fed adds 2.5")
