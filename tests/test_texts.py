"""Texts kept on disk during a scan: read back exactly, never held by the scanning process."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import app
from dedup.corpus.local import scan
from dedup.corpus.pairs import StoredPairs
from dedup.corpus.texts import Stored, StoredArticles, loaded, text_folder, write_texts
from dedup.output import OutputError
from dedup.sources import Article

from .conftest import CORPORA, SEED_A


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text() | st.just("lone \udcff surrogate, as JSON may carry one"), max_size=6))
def test_every_text_written_is_read_back_exactly(texts):
    with text_folder() as folder:
        articles = [Article(f"a{k}", f"a{k}", text) for k, text in enumerate(texts)]
        stored = write_texts(folder, articles)
        assert all(item.article.text == "" for item in stored)
        assert [loaded(item) for item in stored] == articles


def test_a_scan_keeps_ids_not_texts_and_reads_them_back():
    result = scan(CORPORA, jobs=1)
    assert isinstance(result.articles, StoredArticles)
    assert all(isinstance(item, Stored) and item.article.text == "" for item in result.articles.items)
    seed = result.articles_by_id()[str(SEED_A)]
    assert seed.text == SEED_A.read_text(encoding="utf-8")
    assert [a.id for a in result.articles] == [item.id for item in result.articles.items]


def test_the_text_folder_goes_with_the_last_reference_to_the_articles():
    result = scan(CORPORA, jobs=1)
    folder = result.articles._folder.name
    assert os.listdir(folder)
    del result
    gc.collect()
    assert not os.path.exists(folder)


def test_a_text_that_cannot_be_read_back_fails_its_pairs_only(tmp_path):
    from dedup.corpus.result import FailedPair
    from dedup.corpus.stages import _align_pairs
    from dedup.settings import Settings

    from .textgen import article

    wire = article(5, sentences=10)
    with text_folder() as folder:
        (lost,) = write_texts(folder, [Article("c", "c", wire)])
    gone = lost._replace(ref=lost.ref._replace(file=str(tmp_path / "removed.txt")))
    task = (
        [(0, 1), (0, 2)],
        {0: Article("a", "a", wire), 1: Article("b", "b", wire), 2: gone},
        Settings(),
        [99, 99],
        {},
    )
    aligned, failed = _align_pairs(task)
    assert aligned.passages and not isinstance(aligned, FailedPair)
    assert isinstance(failed, FailedPair) and (failed.a, failed.b) == ("a", "c")
    assert "removed.txt" in failed.reason


def test_a_scan_without_a_writable_temporary_folder_is_a_clear_error(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    result = CliRunner().invoke(app, ["scan", str(CORPORA)])
    assert result.exit_code == 2
    assert "TMPDIR" in result.output and "Traceback" not in result.output


def test_texts_that_cannot_be_written_are_a_clear_error(tmp_path):
    with pytest.raises(OutputError, match="cannot be written"):
        write_texts(tmp_path / "missing", [Article("a", "a", "text")])


def test_a_scans_pairs_wait_on_disk_and_read_back_as_they_were_aligned(tmp_path):
    from .textgen import article

    wire = "Zürich (Agence France-Presse) — " + article(7, sentences=12)  # credits written as they are
    for k in range(4):  # a wire and its copies, each with an ending of its own, in folders named in Greek
        (tmp_path / f"έκδοση{k}").mkdir()
        copy = wire + "\n\n" + article(20 + k, sentences=3)
        (tmp_path / f"έκδοση{k}" / f"copy{k}.txt").write_text(copy, encoding="utf-8")
    result = scan(tmp_path, jobs=1)
    assert isinstance(result.pairs, StoredPairs) and len(result.pairs) == 6
    pairs = list(result.pairs)
    assert [result.pairs[k] for k in range(len(pairs))] == result.pairs[:] == pairs
    assert result.pairs[-1] == pairs[-1]
    assert list(result.pair_records()) == [comparison.to_dict() for comparison in pairs]
    held = dataclasses.replace(result, pairs=pairs)  # the same result with its pairs in memory
    assert held.summary() == result.summary()
    lines = list(result.pair_lines())  # what scan --jsonl writes, copied from disk
    assert (
        lines
        == list(held.pair_lines())
        == [json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in pairs]
    )
    assert "έκδοση" in lines[0]


_ONE_PAIR: list = []


@settings(max_examples=50, deadline=None)
@given(st.text() | st.just("lone \udcff surrogate"))
def test_every_pair_written_is_read_back_exactly(identifier):
    from dedup.comparison import Comparer
    from dedup.settings import Settings

    from .textgen import article

    if not _ONE_PAIR:
        wire = article(5, sentences=8)
        _ONE_PAIR.append(
            Comparer(Settings())(Article("a", "a", wire), Article("b", "b", wire + " And more."))
        )
    comparison = _ONE_PAIR[0]
    comparison = dataclasses.replace(comparison, a=dataclasses.replace(comparison.a, id=identifier))
    with text_folder() as folder:
        stored = StoredPairs(tempfile.TemporaryDirectory(dir=folder))
        stored.append(comparison)
        stored.append(_ONE_PAIR[0])
        assert list(stored) == [comparison, _ONE_PAIR[0]] and stored[0] == comparison


def test_pairs_that_cannot_be_written_are_a_clear_error():
    folder = text_folder()
    folder.cleanup()
    with pytest.raises(OutputError, match="pairs cannot be written"):
        StoredPairs(folder)


def test_articles_without_texts_read_none(monkeypatch):
    from dedup.corpus.texts import TextRef

    result = scan(CORPORA, jobs=1)
    ids = [article.id for article in result.articles]
    monkeypatch.setattr(TextRef, "read", lambda ref: pytest.fail("a text was read"))
    headers = list(result.articles_without_texts())
    assert [a.id for a in headers] == ids and all(a.text == "" for a in headers)


def test_a_killed_scans_text_folder_is_removed_by_the_next_scan_and_a_living_ones_is_not(
    tmp_path, monkeypatch
):
    import signal
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code = (
        "import sys, tempfile, time; tempfile.tempdir = sys.argv[1]\n"
        "from dedup.corpus.texts import text_folder\n"
        "folder = text_folder(); print(folder.name, flush=True); time.sleep(120)"
    )
    killed = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    abandoned = Path(killed.stdout.readline().strip())
    living = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    running = Path(living.stdout.readline().strip())
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    (abandoned / "texts.txt").write_text("left behind", encoding="utf-8")
    unrelated = tmp_path / "dedup-texts-without-a-lock"
    unrelated.mkdir()
    try:
        assert abandoned.is_dir() and running.is_dir()
        with text_folder() as mine:
            assert not abandoned.exists()  # the killed scan's lock was free
            assert running.is_dir() and unrelated.is_dir() and Path(mine).is_dir()
    finally:
        living.kill()
        living.wait()
