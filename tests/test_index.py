from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from dedup.candidates.signatures import sign
from dedup.cli import app
from dedup.index.base import BLOCK_TAG, CONVERTING, FORMAT, IndexError_, signature_meta
from dedup.index.sqlite import Index
from dedup.settings import Settings
from dedup.sources import Article, read_article

from .conftest import CORPORA, SEED_A, SEED_B
from .textgen import article

runner = CliRunner()


def _articles(count: int, start: int = 0) -> list[Article]:
    return [Article(id=f"doc{i}", path=f"doc{i}", text=article(i)) for i in range(start, start + count)]


def test_adding_is_idempotent_and_changed_content_replaces(tmp_path):
    path = tmp_path / "index.sqlite"
    with Index(path) as index:
        first = index.add(_articles(3))
        again = index.add(_articles(3))
        changed = index.add([Article(id="doc0", path="doc0", text=article(99))])
        assert (first.added, again.unchanged, changed.replaced) == (3, 3, 1)
        assert index.stats().articles == 3
        assert index.get("doc0").text == article(99)


def test_query_finds_the_indexed_article_sharing_passages(tmp_path):
    with Index(tmp_path / "index.sqlite") as index:
        index.add([read_article(SEED_B), *_articles(5)])
        matches = index.query(read_article(SEED_A), top=3)
    assert [m.b.id for m in matches] == [str(SEED_B)]
    assert matches[0].passages and matches[0].a.id == str(SEED_A)


def test_remove_takes_an_article_and_its_buckets_out(tmp_path):
    with Index(tmp_path / "index.sqlite") as index:
        index.add([read_article(SEED_B)])
        assert index.remove(str(SEED_B)) and not index.remove(str(SEED_B))
        assert index.stats().articles == 0 and index.stats().windows == 0
        assert index.query(read_article(SEED_A)) == []


def test_an_index_refuses_other_signature_parameters(tmp_path):
    path = tmp_path / "index.sqlite"
    Index(path).close()
    with pytest.raises(IndexError_, match="num_perm"):
        Index(path, Settings(num_perm=64))


def test_a_broken_or_missing_index_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(IndexError_, match="not a dedup index or damaged"):
        Index(broken)
    with pytest.raises(IndexError_, match="no such index"):
        Index(tmp_path / "missing.sqlite", create=False)


_KILLED_ADD = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from textgen import article
from dedup.sources import Article
from dedup.index import Index

def articles():
    for i in range(20):
        if i == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        yield Article(id=f"doc{{i}}", path=f"doc{{i}}", text=article(i))

index = Index({path!r})
index.batch_size = 3
index.add(articles())
"""


def test_an_add_killed_with_sigkill_leaves_a_usable_index(tmp_path):
    path = tmp_path / "index.sqlite"
    script = _KILLED_ADD.format(tests=str(CORPORA.parent / "tests"), path=str(path))
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert completed.returncode == -9
    with Index(path) as index:
        # batches of 3: doc0-doc2 and doc3-doc5 were committed, doc6 was pending when the process died
        assert sorted(index.ids()) == sorted(f"doc{i}" for i in range(6))
        assert index.add(_articles(10)).added == 4
        assert index.stats().articles == 10


_FORMAT_2_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, path TEXT NOT NULL, text TEXT NOT NULL,
    title TEXT, date TEXT, source TEXT, url TEXT, encoding TEXT NOT NULL
);
CREATE TABLE buckets (key INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX buckets_by_key_and_article ON buckets (key, article_id);
CREATE INDEX buckets_by_article ON buckets (article_id);
"""


def _format_2_index(path, articles):
    """An index as dedup wrote it in format 2: bucket rows holding article ids."""
    settings = Settings()
    db = sqlite3.connect(path)
    db.executescript(_FORMAT_2_SCHEMA)
    meta = {**signature_meta(settings), "format": "dedup-index/2"}
    del meta["blocks"]  # format 2 kept no blocks
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    for item in articles:
        db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, 'utf-8')",
            (item.id, hashlib.sha256(item.text.encode()).hexdigest(), item.path, item.text),
        )
        keys = np.unique(sign(item, settings).keys.ravel().view(np.int64)).tolist()
        db.executemany("INSERT INTO buckets VALUES (?, ?)", ((k, item.id) for k in keys))
    db.commit()
    db.close()


def test_an_index_of_format_2_is_migrated_when_opened(tmp_path):
    articles = _articles(6) + [Article(id="copy", path="copy", text=article(2))]
    _format_2_index(tmp_path / "old.sqlite", articles)
    probe = Article(id="probe", path="probe", text=article(2) + article(3))
    with Index(tmp_path / "old.sqlite") as migrated, Index(tmp_path / "new.sqlite") as fresh:
        fresh.add(articles)
        assert migrated.stats().meta["format"] == fresh.stats().meta["format"] == FORMAT
        assert migrated.stats().articles == 7 and migrated.stats().windows == fresh.stats().windows
        assert migrated.candidates(probe, 10) == fresh.candidates(probe, 10) != []
        assert [migrated.get(a.id) for a in articles] == [fresh.get(a.id) for a in articles]
        tables = {
            row[0] for row in migrated.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert "buckets_2" not in tables and "articles_2" not in tables


def test_a_conversion_finding_the_index_converted_already_changes_nothing(tmp_path):
    # two clients opening a format-2 index at once: the second gets the lock after the first converted it
    _format_2_index(tmp_path / "old.sqlite", _articles(4))
    with Index(tmp_path / "old.sqlite") as index:
        before = (index.stats().windows, list(index.ids()))
        index._migrate_from_2()
        assert (index.stats().windows, list(index.ids())) == before


def test_an_index_of_format_3_gets_the_block_keys_of_its_articles_when_opened(tmp_path):
    articles = _articles(6)
    with Index(tmp_path / "old.sqlite") as old, Index(tmp_path / "new.sqlite") as fresh:
        old.add(articles), fresh.add(articles)
        old.db.execute("DELETE FROM buckets WHERE key >= ?", (BLOCK_TAG,))  # what format 3 held
        old.db.execute("DELETE FROM meta WHERE key = 'blocks'")
        old.db.execute("UPDATE meta SET value = 'dedup-index/3' WHERE key = 'format'")
    reports = []
    with (
        Index(tmp_path / "old.sqlite", progress=lambda *report: reports.append(report)) as migrated,
        Index(tmp_path / "new.sqlite") as fresh,
    ):
        assert reports[-1] == (CONVERTING, 6, 6)
        assert migrated.stats().meta == fresh.stats().meta
        rows = "SELECT key, num FROM buckets ORDER BY key, num"
        assert migrated.db.execute(rows).fetchall() == fresh.db.execute(rows).fetchall()
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.execute("UPDATE meta SET value = 'dedup-index/3' WHERE key = 'format'")
    db.commit()
    with pytest.raises(IndexError_, match="num_perm"):  # never converted under other signatures
        Index(tmp_path / "old.sqlite", Settings(num_perm=64))
    assert db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == ("dedup-index/3",)
    db.close()


def test_an_old_index_that_cannot_be_written_says_it_needs_converting(tmp_path, monkeypatch):
    _format_2_index(tmp_path / "old.sqlite", _articles(2))

    def read_only(self):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Index, "_write", read_only)
    with pytest.raises(IndexError_, match="dedup-index/2.*needs write access once"):
        Index(tmp_path / "old.sqlite")


def test_a_paragraph_quoted_in_an_indexed_article_is_found_by_its_shared_block(tmp_path):
    wire = article(11, sentences=10)
    outlet = article(12, sentences=12) + "\n" + wire.split("\n\n")[1] + "\n" + article(13, sentences=12)
    windows_only = Settings(min_shared_buckets=10_000)  # no article can share that many buckets
    with Index(tmp_path / "index.sqlite", windows_only) as index:
        index.add([Article(id="outlet", path="outlet", text=outlet), *_articles(4)])
        probe = Article(id="wire", path="wire", text=wire)
        assert index.candidates(probe, 10) == [("outlet", 0)]
        assert [m.b.id for m in index.query(probe)] == ["outlet"]
        index.add([Article(id=f"more{i}", path=f"more{i}", text=outlet) for i in range(4)])
        assert index.candidates(probe, 10) == []  # now in more than boilerplate_docs articles


def test_bucket_rows_hold_article_numbers_and_new_text_leaves_no_old_row(tmp_path):
    with Index(tmp_path / "index.sqlite") as index:
        index.add([Article(id="doc", path="doc", text=article(1))])
        index.add([Article(id="doc", path="doc", text=article(2))])
        rows = index.db.execute("SELECT key, typeof(num) FROM buckets").fetchall()
        assert {kind for _, kind in rows} == {"integer"}
        assert sorted(key for key, _ in rows) == index._keys(article(2))


def test_a_crowded_bucket_counts_for_its_first_article_only_as_in_a_scan(tmp_path):
    # the same text under five ids: every bucket holds all the articles indexed, and the probe
    articles = [Article(id=f"doc{i}", path=f"doc{i}", text=article(500)) for i in range(4)]
    probe = Article(id="probe", path="probe", text=article(500))
    # blocks recurring in more than two articles are boilerplate here: only windows make candidates
    with Index(tmp_path / "index.sqlite", Settings(max_bucket_docs=3, boilerplate_docs=2)) as index:
        index.add(articles[:2])
        found = index.candidates(probe, 10)
        assert [i for i, _ in found] == ["doc0", "doc1"]  # buckets of 3 articles: everyone pairs
        index.add(articles[2:])
        assert index.candidates(probe, 10) == found[:1]  # buckets of 5: a star around doc0, same count
        assert [m.b.id for m in index.query(probe, 10)] == ["doc0"]


def test_a_crowded_bucket_counts_for_the_article_indexed_first_whatever_its_id(tmp_path):
    ids = ["zeta", "beta", "alpha", "gamma"]
    with Index(tmp_path / "index.sqlite", Settings(max_bucket_docs=3, boilerplate_docs=2)) as index:
        index.add([Article(id=i, path=i, text=article(500)) for i in ids])
        index.add([Article(id="zeta", path="zeta", text=article(500) + "Updated.")])  # keeps its place
        found = index.candidates(Article(id="probe", path="probe", text=article(500)), 10)
        assert [article_id for article_id, _ in found] == ["zeta"]


def test_index_and_query_commands(tmp_path):
    path = tmp_path / "news.sqlite"
    added = runner.invoke(app, ["index", "add", str(CORPORA), "--index", str(path), "--json", "--quiet"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["added"] == 2
    stats = runner.invoke(app, ["index", "stats", "--index", str(path), "--json"])
    assert json.loads(stats.stdout)["articles"] == 2
    found = runner.invoke(app, ["query", str(SEED_A), "--index", str(path), "--json"])
    matches = json.loads(found.stdout)["matches"]
    assert [m["b"]["id"] for m in matches] == [str(SEED_B)]
    removed = runner.invoke(app, ["index", "remove", str(SEED_B), "--index", str(path)])
    assert removed.exit_code == 0
    assert runner.invoke(app, ["index", "remove", str(SEED_B), "--index", str(path)]).exit_code == 2
    with Index(path) as index:
        assert list(index.ids()) == [str(SEED_A)]


def test_query_on_a_missing_index_is_exit_code_2(tmp_path):
    result = runner.invoke(app, ["query", str(SEED_A), "--index", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no such index" in result.stderr


def _older_index(path, written: str, *statements: str) -> None:
    """An index of three articles, then ``statements`` run on it to take out what format ``written`` lacked."""
    with Index(path) as index:
        index.add(_articles(3))
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (written,))
    db.commit()
    db.close()


def test_index_stats_converts_an_older_index_and_says_nothing_else_on_stderr(tmp_path):
    path = tmp_path / "old.sqlite"
    _older_index(path, "dedup-index/3", f"DELETE FROM buckets WHERE key >= {BLOCK_TAG}")
    converted = runner.invoke(app, ["index", "stats", "--index", str(path)])
    assert converted.exit_code == 0 and f"format: {FORMAT}" in converted.stdout
    again = runner.invoke(app, ["index", "stats", "--index", str(path)])
    assert again.exit_code == 0 and again.stderr == ""


def test_a_known_source_stays_one_until_removed_and_a_query_reads_it_as_the_source(tmp_path):
    wire = read_article(SEED_B)
    with Index(tmp_path / "index.sqlite") as index:
        assert index.add([wire]).added == 1 and not index.get(wire.id).is_source
        marked = index.add([replace(wire, is_source=True)])  # the same text, now named a known source
        assert (marked.replaced, marked.unchanged) == (1, 0) and index.get(wire.id).is_source
        assert index.add([replace(wire, is_source=True)]).unchanged == 1
        again = index.add([wire])  # a plain add of its file keeps the mark
        assert again.unchanged == 1 and index.get(wire.id).is_source
        edited = index.add([replace(wire, text=wire.text + "\n\nCorrection appended.")])
        assert edited.replaced == 1 and index.get(wire.id).is_source
        (match,) = index.query(read_article(SEED_A))
        assert match.b.id == wire.id and match.direction.source == "b"
        assert "known source" in " ".join(match.direction.reasons)
        index.remove(wire.id)
        index.add([wire])
        assert not index.get(wire.id).is_source


def test_index_add_known_sources_marks_their_articles_and_a_missing_one_is_exit_code_2(tmp_path):
    path, wires = str(tmp_path / "news.sqlite"), tmp_path / "wires"
    wires.mkdir()
    (wires / "wire.txt").write_bytes(SEED_B.read_bytes())
    added = runner.invoke(
        app, ["index", "add", str(SEED_A), "--known-sources", str(wires), "--index", path, "--json", "-q"]
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["added"] == 2
    with Index(path) as index:
        assert {i: index.get(i).is_source for i in index.ids()} == {
            str(SEED_A.resolve()): False,
            str((wires / "wire.txt").resolve()): True,
        }
    found = json.loads(runner.invoke(app, ["query", str(SEED_A), "--index", path, "--json"]).stdout)
    assert found["matches"][0]["direction"]["source"] == "b"
    missing = runner.invoke(
        app, ["index", "add", str(SEED_A), "--known-sources", str(tmp_path / "none"), "--index", path]
    )
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_an_index_of_format_4_gets_the_known_source_column_when_opened(tmp_path):
    path = tmp_path / "old.sqlite"
    _older_index(path, "dedup-index/4", "ALTER TABLE articles DROP COLUMN is_source")
    with Index(path) as converted:
        assert converted.stats().meta["format"] == FORMAT
        assert [converted.get(i).is_source for i in converted.ids()] == [False] * 3
        converted.add([replace(converted.get("doc1"), is_source=True)])
        assert converted.get("doc1").is_source
