from __future__ import annotations

import json

import pytest

from dedup.errors import InputError
from dedup.sources import Article, iter_articles, read_article


def test_text_is_read_without_newline_translation(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("Line one.\r\nLine two\u2019s end.\r\n".encode())
    article = read_article(path)
    assert article.text == "Line one.\r\nLine two\u2019s end.\r\n"
    assert article.encoding == "utf-8"


def test_a_utf8_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello world")
    assert read_article(path).text == "Hello world"


def test_cp1252_text_is_decoded_and_the_encoding_reported(tmp_path):
    path = tmp_path / "legacy.txt"
    text = (
        "Alibaba\u2019s \u201cCloud Shield\u201d service was described as d\u00e9j\u00e0 vu by critics. " * 5
    )
    path.write_bytes(text.encode("cp1252"))
    article = read_article(path)
    assert article.text == text
    assert article.encoding != "utf-8"


def test_html_main_text_is_extracted(tmp_path):
    path = tmp_path / "page.html"
    body = "Alibaba offered facial-recognition software that could identify Uighurs, a report said. " * 4
    path.write_text(
        f"<html><head><title>T</title><script>var x = 1;</script></head><body><nav>Home | News</nav>"
        f"<article><h1>Alibaba report</h1><p>{body}</p></article></body></html>",
        encoding="utf-8",
    )
    article = read_article(path)
    assert "facial-recognition software" in article.text
    assert "var x" not in article.text


def test_jsonl_articles_are_addressed_by_id(tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [
        {"id": "a1", "text": "First article text.", "title": "One", "source": "AFP"},
        {"id": 2, "text": "Second article text.", "date": "2020-12-18"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    second = read_article(f"{path}#2")
    assert (second.id, second.text, second.date, second.path) == (
        f"{path}#2",
        "Second article text.",
        "2020-12-18",
        f"{path}#2",
    )
    assert read_article(f"{path}#a1").source == "AFP"
    with pytest.raises(InputError, match="address one as"):
        read_article(path)
    with pytest.raises(InputError, match="no article with id 'zz'"):
        read_article(f"{path}#zz")


def test_a_bad_jsonl_line_is_reported_and_the_good_ones_kept(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "ok", "text": "Fine."}\nnot json\n{"text": "no id"}\n', encoding="utf-8")
    items = list(iter_articles(path))
    assert [type(i) for i in items] == [Article, InputError, InputError]
    assert "line 2" in str(items[1]) and "line 3" in str(items[2])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("empty.txt", b"", "empty article"),
        ("blank.md", b" \n\t\n", "empty article"),
        ("data.pdf", b"%PDF-1.4", "unsupported file type .pdf"),
        ("empty.html", b"<html><body></body></html>", "no article text"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_article(path)
    assert str(path) in str(info.value)


def test_missing_directory_and_oversized_files_raise(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_article(tmp_path / "missing.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_article(tmp_path / "dir.txt")
    big = tmp_path / "big.txt"
    big.write_text("word " * 100, encoding="utf-8")
    with pytest.raises(InputError, match="above the limit of 100 bytes"):
        read_article(big, max_bytes=100)


def test_a_stray_nul_in_utf8_text_is_kept_but_nul_heavy_files_are_binary(tmp_path):
    stray = tmp_path / "stray.txt"
    stray.write_bytes(
        ("Readers didn\u2019t know today was \\\x00 . " + "More text follows here. " * 60).encode()
    )
    assert "\x00" in read_article(stray).text
    heavy = tmp_path / "heavy.txt"
    heavy.write_bytes("text".encode("utf-16-le"))
    with pytest.raises(InputError, match="binary file"):
        read_article(heavy)


def test_gb18030_chinese_text_is_decoded(tmp_path):
    path = tmp_path / "zh.txt"
    text = "阿里巴巴集团否认其技术被用于识别少数民族。" * 3
    path.write_bytes(text.encode("gb18030"))
    article = read_article(path)
    assert (article.text, article.encoding) == (text, "gb18030")


def test_a_jsonl_feed_is_limited_per_article_not_as_a_whole(tmp_path):
    """A shard larger than the limit is read; an article line above it is skipped, the next ones kept."""
    feed = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": f"a{k}", "text": "Short article text. " * 5}) for k in range(30)]
    lines.insert(3, json.dumps({"id": "huge", "text": "x" * 5000}))
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert feed.stat().st_size > 2000
    items = list(iter_articles(feed, max_bytes=2000))
    articles = [i for i in items if not isinstance(i, InputError)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [a.id for a in articles] == [f"{feed}#a{k}" for k in range(30)]
    assert [e.path for e in errors] == [f"{feed} line 4"] and "per article" in errors[0].reason


def test_a_jsonl_line_without_end_is_skipped_without_being_held(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(json.dumps({"id": "ok", "text": "Fine text."}).encode() + b"\n" + b"y" * 3_000_000)
    items = list(iter_articles(feed, max_bytes=1000))
    assert items[0].id == f"{feed}#ok"
    assert isinstance(items[1], InputError) and "3,000,000 bytes" in items[1].reason


def test_a_binary_or_non_utf8_jsonl_file_is_refused_whole(tmp_path):
    binary = tmp_path / "blob.jsonl"
    binary.write_bytes(b"\x00\x01\x02\xff" * 500)
    with pytest.raises(InputError, match="not UTF-8"):
        list(iter_articles(binary))
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"id": "x", "text": "caf\u00e9 cr\u00e8me"}\n'.encode("cp1252"))
    with pytest.raises(InputError, match="JSON Lines files must be UTF-8"):
        list(iter_articles(latin))
