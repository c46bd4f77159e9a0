"""Web archives and columnar shards: WARC (plain and gzipped) and Parquet, bad records skipped with reasons."""

from __future__ import annotations

import io
import json

import pytest

from dedup.corpus.local import scan
from dedup.errors import InputError
from dedup.sources import iter_articles, read_article, split_ref

from .conftest import SEED_A, SEED_B
from .textgen import html_page


def _page(text: str) -> bytes:
    return html_page(text).encode()


def _warc(path, records: list[tuple[str, str, bytes]], gzip: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for uri, content_type, payload in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.0")
            record = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(payload), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2020-12-18T10:00:00Z"},
            )  # fmt: skip
            writer.write_record(record)


@pytest.mark.parametrize("gzip", [False, True])
def test_a_warc_gives_its_html_responses_as_articles(tmp_path, gzip):
    path = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    wire, copy = SEED_B.read_text(encoding="utf-8"), SEED_A.read_text(encoding="utf-8")
    _warc(path, [
        ("https://wire.example/story#top", "text/html; charset=utf-8", _page(wire)),
        ("https://wire.example/logo.png", "image/png", b"\x89PNG\r\n"),
        ("https://outlet.example/empty", "text/html", b"<html><body></body></html>"),
        ("https://outlet.example/copy", "text/html", _page(copy)),
    ], gzip)  # fmt: skip
    items = list(iter_articles(path))
    articles = [i for i in items if not isinstance(i, InputError)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [a.id for a in articles] == [
        f"{path}#https://wire.example/story#top",
        f"{path}#https://outlet.example/copy",
    ]
    assert articles[0].url == "https://wire.example/story#top" and articles[0].date == "2020-12-18T10:00:00Z"
    assert [(e.path, e.reason) for e in errors] == [
        (f"{path}#https://outlet.example/empty", "no article text found in this HTML page")
    ]
    assert read_article(f"{path}#https://wire.example/story#top").text == articles[0].text
    assert split_ref(f"{path}#https://wire.example/story#top") == (
        str(path),
        "https://wire.example/story#top",
    )
    result = scan(tmp_path, jobs=1)
    assert len(result.pairs) == 1 and len(result.pairs[0].passages) >= 2
    assert [s.path for s in result.skipped] == [f"{path}#https://outlet.example/empty"]


def test_a_damaged_warc_keeps_the_records_before_the_damage(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    _warc(path, [("https://a.example/1", "text/html", _page(SEED_A.read_text(encoding="utf-8")))], True)
    path.write_bytes(path.read_bytes() + b"this is not a WARC record\r\n" * 20)
    result = scan(path, jobs=1)
    assert len(result.articles) == 1
    assert "not a readable WARC file past its record" in result.skipped[0].reason


def test_a_parquet_shard_gives_its_rows_and_skips_bad_ones(tmp_path):
    pyarrow = pytest.importorskip("pyarrow")
    from pyarrow import parquet

    rows = {
        "id": ["w1", "o1", "o2", "w1"],
        "text": [SEED_B.read_text(encoding="utf-8"), SEED_A.read_text(encoding="utf-8"), "", "Another text."],
        "source": ["AFP", "Outlet", "Outlet", "AFP"],
    }
    path = tmp_path / "news.parquet"
    parquet.write_table(pyarrow.table(rows), path)
    items = list(iter_articles(path))
    articles = [i for i in items if not isinstance(i, InputError)]
    assert [a.id for a in articles] == [f"{path}#w1", f"{path}#o1", f"{path}#w1 (row 4)"]
    assert articles[0].source == "AFP"
    assert [(e.path, e.reason) for e in items if isinstance(e, InputError)] == [
        (f"{path} row 3", "empty article (no text)")
    ]
    assert len(scan(path, jobs=1).pairs) == 1
    parquet.write_table(pyarrow.table({"id": ["x"], "body": ["no text column"]}), tmp_path / "other.parquet")
    with pytest.raises(InputError, match="needs id and text columns"):
        list(iter_articles(tmp_path / "other.parquet"))
    (tmp_path / "fake.parquet").write_text(json.dumps({"id": 1}), encoding="utf-8")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        list(iter_articles(tmp_path / "fake.parquet"))
