"""The Redis index against a real redis-server (Debian's; .ci/run installs it) bound to 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.index import open_index
from dedup.index.base import CONVERTING, FORMAT, IndexError_
from dedup.index.redis import throwaway_server
from dedup.index.sqlite import Index
from dedup.settings import Settings
from dedup.sources import Article, read_article

from .conftest import CORPORA, SEED_A, SEED_B
from .textgen import article

pytest.importorskip("redis", reason="the redis extra is part of the test install")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server (apt-get install redis-server)"
)

runner = CliRunner()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    with throwaway_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server):
    import redis

    redis.Redis.from_url(redis_server).flushall()
    return redis_server


def _corpus() -> list[Article]:
    """Originals, whole copies, excerpts and unrelated articles."""
    articles = [Article(id=f"orig{i}", path=f"orig{i}", text=article(i, 16)) for i in range(6)]
    for i in range(6):
        paragraphs = articles[i].text.split("\n\n")
        excerpt = article(50 + i, 6) + "\n" + "\n\n".join(paragraphs[2:5])
        articles += [
            Article(id=f"copy{i}", path=f"copy{i}", text="Update:\n\n" + articles[i].text),
            Article(id=f"excerpt{i}", path=f"excerpt{i}", text=excerpt),
            Article(id=f"other{i}", path=f"other{i}", text=article(100 + i, 12)),
        ]
    return articles


def test_redis_and_sqlite_indexes_answer_alike(redis_url, tmp_path):
    corpus = _corpus()
    with open_index(redis_url) as shared, Index(tmp_path / "index.sqlite") as local:
        assert shared.add(corpus) == local.add(corpus)
        assert shared.stats().articles == local.stats().articles == len(corpus)
        assert shared.stats().windows == local.stats().windows  # the same buckets, counted the same way
        assert list(shared.ids()) == list(local.ids())
        for probe in corpus:
            assert shared.candidates(probe, 50) == local.candidates(probe, 50)
            assert [m.to_dict() for m in shared.query(probe, 5)] == [
                m.to_dict() for m in local.query(probe, 5)
            ]
        assert {m.b.id for m in shared.query(corpus[0], 5)} >= {"copy0", "excerpt0"}
        assert shared.get("orig3") == local.get("orig3")


def test_redis_and_sqlite_ignore_the_same_too_common_buckets(redis_url, tmp_path):
    corpus, settings = _corpus(), Settings(max_bucket_docs=2)  # an original, its copy and excerpt: 3
    with open_index(redis_url, settings) as shared, Index(tmp_path / "index.sqlite", settings) as local:
        shared.add(corpus), local.add(corpus)
        found = [shared.candidates(probe, 50) for probe in corpus]
        assert found == [local.candidates(probe, 50) for probe in corpus]
    with Index(tmp_path / "default.sqlite") as default:
        default.add(corpus)
        assert found != [default.candidates(probe, 50) for probe in corpus]


def test_redis_adding_is_idempotent_replaces_and_removes(redis_url):
    with open_index(redis_url) as index:
        first = index.add(_corpus()[:4])
        again = index.add(_corpus()[:4])
        changed = index.add([Article(id="orig0", path="orig0", text=article(99, 16))])
        assert (first.added, again.unchanged, changed.replaced) == (4, 4, 1)
        assert index.get("orig0").text == article(99, 16) and index.stats().articles == 4
        windows = index.stats().windows
        assert index.remove("orig0") and not index.remove("orig0")
        assert index.stats().articles == 3 and index.stats().windows < windows
        assert all(article_id != "orig0" for article_id, _ in index.candidates(_corpus()[0], 50))


def test_redis_index_refuses_other_signature_parameters_and_a_missing_index(redis_url):
    open_index(redis_url).close()
    with pytest.raises(IndexError_, match="num_perm"):
        open_index(redis_url, Settings(num_perm=64))
    with pytest.raises(IndexError_, match="no dedup index there"):
        open_index(redis_url.rsplit("/", 1)[0] + "/3", create=False)


_KILLED_ADD = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from textgen import article
from dedup.sources import Article
from dedup.index.redis import RedisIndex

RedisIndex.batch_size = 3
count = RedisIndex._bucket_count

def killed_while_committing(self, rows):
    # the third batch's windows are in the LSH tables; its records are not written yet
    if self._batches == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return count(self, rows)

def store(self, batch, original=RedisIndex.store):
    original(self, batch)
    self._batches += 1

RedisIndex._bucket_count = killed_while_committing
RedisIndex.store = store
RedisIndex._batches = 0
RedisIndex({url!r}).add(Article(id=f"doc{{i}}", path=f"doc{{i}}", text=article(i)) for i in range(12))
"""


def test_a_redis_add_killed_mid_batch_leaves_no_half_article(redis_url):
    script = _KILLED_ADD.format(tests=str(CORPORA.parent / "tests"), url=redis_url)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert completed.returncode == -9, completed.stderr.decode()
    with open_index(redis_url) as index:  # opening to add removes the killed batch's windows
        assert list(index.ids()) == [f"doc{i}" for i in range(6)]
        window_keys = {key.rpartition(b"\x1f")[0].decode() for key in index.lsh.keys}
        assert window_keys == set(index.ids())
        assert index.add(Article(id=f"doc{i}", path=f"doc{i}", text=article(i)) for i in range(12)).added == 6
        assert index.stats().articles == 12


def test_cli_index_and_query_on_redis_match_sqlite(redis_url, tmp_path):
    sqlite = str(tmp_path / "news.sqlite")
    for location in (redis_url, sqlite):
        added = runner.invoke(app, ["index", "add", str(CORPORA), "--index", location, "--json", "-q"])
        assert added.exit_code == 0, added.output
        assert json.loads(added.stdout)["added"] == 2
    found = [
        json.loads(runner.invoke(app, ["query", str(SEED_A), "--index", location, "--json"]).stdout)
        for location in (redis_url, sqlite)
    ]
    assert found[0] == found[1] and [m["b"]["id"] for m in found[0]["matches"]] == [str(SEED_B)]
    stats = json.loads(runner.invoke(app, ["index", "stats", "--index", redis_url, "--json"]).stdout)
    assert stats["articles"] == 2 and stats["meta"]["format"] == FORMAT
    assert read_article(SEED_B).text == open_index(redis_url).get(str(SEED_B)).text


def test_an_unreachable_redis_is_exit_code_2():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    result = runner.invoke(app, ["index", "stats", "--index", f"redis://127.0.0.1:{port}/0"])
    assert result.exit_code == 2 and "cannot use the Redis index" in result.stderr


def test_a_redis_index_of_format_2_numbers_its_articles_by_id(redis_url):
    import redis

    corpus = _corpus()
    with open_index(redis_url) as index:
        index.add(corpus)
    client = redis.Redis.from_url(redis_url)
    client.delete("dedup:order", "dedup:next")
    client.hset("dedup:meta", "format", "dedup-index/2")
    with open_index(redis_url) as index:
        assert index.stats().meta["format"] == FORMAT
        order = {k.decode(): int(v) for k, v in client.hgetall("dedup:order").items()}
        assert sorted(order, key=order.get) == sorted(a.id for a in corpus)
        index.add([Article(id="late", path="late", text=article(77))])
        assert int(client.hget("dedup:order", "late")) > max(order.values())


def test_redis_and_sqlite_find_a_quoted_paragraph_by_its_block_alike(redis_url, tmp_path):
    wire = article(11, sentences=10)
    outlet = article(12, sentences=12) + "\n" + wire.split("\n\n")[1] + "\n" + article(13, sentences=12)
    indexed = [Article(id="outlet", path="outlet", text=outlet), *_corpus()[:4]]
    probe = Article(id="wire", path="wire", text=wire)
    windows_only = Settings(min_shared_buckets=10_000)  # no article can share that many buckets
    with open_index(redis_url, windows_only) as shared, Index(tmp_path / "i.sqlite", windows_only) as local:
        shared.add(indexed), local.add(indexed)
        assert shared.candidates(probe, 10) == local.candidates(probe, 10) == [("outlet", 0)]
        assert shared.remove("outlet")
        assert shared.candidates(probe, 10) == []


def test_a_redis_index_of_format_3_gets_the_block_keys_of_its_articles_when_opened(redis_url, tmp_path):
    import redis

    corpus = _corpus()
    with open_index(redis_url) as index:
        index.add(corpus)
    client = redis.Redis.from_url(redis_url)
    expected = {key: client.smembers(key) for key in client.scan_iter("dedup:block:*")}
    assert expected  # the corpus holds copies: shared blocks
    client.delete(*expected)
    for item in corpus:
        client.hdel(f"dedup:article:{item.id}", "blocks")
    client.hdel("dedup:meta", "blocks")
    client.hset("dedup:meta", "format", "dedup-index/3")
    reports = []
    with (
        open_index(redis_url, progress=lambda *report: reports.append(report)) as index,
        Index(tmp_path / "i.sqlite") as local,
    ):
        local.add(corpus)
        assert reports[-1] == (CONVERTING, len(corpus), len(corpus))
        assert index.stats().meta["format"] == FORMAT
        assert {key: client.smembers(key) for key in client.scan_iter("dedup:block:*")} == expected
        assert [index.candidates(p, 50) for p in corpus] == [local.candidates(p, 50) for p in corpus]


@pytest.mark.parametrize("max_bucket_docs", [2, 3, 50])
def test_the_bucket_rules_in_numpy_sqlite_and_redis_give_the_same_shared_counts(
    redis_url, tmp_path, max_bucket_docs
):
    """The scan (numpy), the SQLite index (SQL) and the Redis index each implement the bucket rules:
    ``min_shared_buckets`` and the star of a crowded bucket. On one corpus, every pair's shared count is the
    same in all three (an index query of the later article, among the earlier ones)."""
    import redis

    from dedup.candidates.lsh import candidate_pairs
    from dedup.candidates.signatures import sign
    from dedup.corpus.stages import stacked_band_keys

    redis.Redis.from_url(redis_url).flushall()
    corpus = _corpus()
    corpus += [
        Article(id=f"reprint{k}", path=f"reprint{k}", text=corpus[0].text + f"\n\nEnds {k}.")
        for k in range(4)
    ]
    settings = Settings(max_bucket_docs=max_bucket_docs)
    found = candidate_pairs(
        *stacked_band_keys([sign(a, settings) for a in corpus], settings),
        max_bucket_docs=max_bucket_docs, min_shared=settings.min_shared_buckets,
    )  # fmt: skip
    by_numpy = {(int(i), int(j), int(n)) for (i, j), n in zip(found.pairs, found.shared, strict=True)}
    assert any(n >= 10 for _, _, n in by_numpy)  # copies share many buckets
    order = {a.id: k for k, a in enumerate(corpus)}
    with open_index(redis_url, settings) as shared, Index(tmp_path / "i.sqlite", settings) as local:
        shared.add(corpus), local.add(corpus)
        for store in (local, shared):
            by_store = {
                (order[other], j, n)
                for j, probe in enumerate(corpus)
                for other, n in store.candidates(probe, 10**6)
                if n > 0 and order[other] < j  # windows' candidates (blocks add theirs with 0 buckets)
            }
            assert by_store == by_numpy, type(store).__name__


def test_the_http_service_over_a_redis_index_answers_as_over_sqlite(redis_url, tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from dedup.service import create_app

    wire = {"id": "wire", "text": SEED_B.read_text(encoding="utf-8")}
    query = {"text": SEED_A.read_text(encoding="utf-8")}
    answers = []
    for location in (redis_url, str(tmp_path / "news.sqlite")):
        client = TestClient(create_app(location))
        assert client.post("/articles", json=wire).json()["added"] == 1
        assert client.get("/stats").json()["articles"] == 1
        answers.append(client.post("/query", json=query).json())
    assert answers[0] == answers[1] and answers[0]["matches"][0]["b"]["id"] == "wire"


def test_redis_and_sqlite_keep_known_sources_alike(redis_url, tmp_path):
    corpus = _corpus()
    wires = [replace(item, is_source=True) for item in corpus[:1]]
    with open_index(redis_url) as shared, Index(tmp_path / "index.sqlite") as local:
        for index in (shared, local):
            assert index.add(corpus).added == len(corpus)
            assert index.add(wires).replaced == 1 and index.add(corpus).unchanged == len(corpus)
        assert shared.get("orig0") == local.get("orig0") and shared.get("orig0").is_source
        assert not shared.get("copy0").is_source
        new = Article(id="new", path="new", text=corpus[0].text)
        matches = shared.query(new)
        assert [m.to_dict() for m in matches] == [m.to_dict() for m in local.query(new)]
        reasons = {m.b.id: " ".join(m.direction.reasons) for m in matches}
        assert "known source" in reasons["orig0"] and "known source" not in reasons["copy0"]


def test_a_redis_index_of_format_4_is_read_as_holding_no_known_source(redis_url):
    import redis

    with open_index(redis_url) as index:
        index.add(_corpus()[:3])
    redis.Redis.from_url(redis_url).hset("dedup:meta", "format", "dedup-index/4")
    with open_index(redis_url) as index:
        assert index.stats().meta["format"] == FORMAT
        assert [index.get(i).is_source for i in index.ids()] == [False] * 3
