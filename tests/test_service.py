"""The HTTP service: the same answers as the CLI, clear 4xx on bad input, and a page tested in Chromium."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app as cli

from .conftest import SEED_A, SEED_B
from .test_html import HOSTILE, browser  # noqa: F401 - the Chromium fixture

pytest.importorskip("fastapi", reason="the serve extra is part of the test install")
from fastapi.testclient import TestClient  # noqa: E402

from dedup.service import create_app  # noqa: E402

runner = CliRunner()


@pytest.fixture
def service(tmp_path):
    index = str(tmp_path / "news.sqlite")
    added = runner.invoke(cli, ["index", "add", str(SEED_B), "--index", index, "--quiet"])
    assert added.exit_code == 0, added.output
    return index, TestClient(create_app(index, max_request_bytes=200_000))


def test_query_answers_as_the_cli_does(service):
    index, client = service
    text = SEED_A.read_text(encoding="utf-8")
    answer = client.post("/query", json={"id": str(SEED_A), "text": text})
    assert answer.status_code == 200
    cli_answer = runner.invoke(cli, ["query", str(SEED_A), "--index", index, "--json"])
    assert answer.json() == json.loads(cli_answer.stdout)
    plain = client.post(
        "/query", content=text.encode(), headers={"content-type": "text/plain; charset=utf-8"}
    )
    assert plain.status_code == 200
    assert plain.json()["matches"][0]["passages"] == answer.json()["matches"][0]["passages"]


def test_compare_answers_as_the_cli_does(service):
    _, client = service
    a, b = (path.read_text(encoding="utf-8") for path in (SEED_A, SEED_B))
    answer = client.post("/compare", json={"a": {"id": "a", "text": a}, "b": {"id": "b", "text": b}})
    assert answer.status_code == 200
    printed = json.loads(runner.invoke(cli, ["compare", str(SEED_A), str(SEED_B), "--json"]).stdout)
    assert answer.json()["passages"] == printed["passages"]
    assert answer.json()["a"]["derived_fraction"] == printed["a"]["derived_fraction"]


def test_compare_takes_a_known_source_as_the_cli_does(service):
    _, client = service
    a, b = (path.read_text(encoding="utf-8") for path in (SEED_B, SEED_A))
    pair = {"a": {"id": "a", "text": a}, "b": {"id": "b", "text": b}, "source": "b"}
    answer = client.post("/compare", json=pair)
    printed = runner.invoke(cli, ["compare", str(SEED_B), str(SEED_A), "--source", "b", "--json"])
    assert answer.status_code == 200
    assert answer.json()["cases"] == json.loads(printed.stdout)["cases"]
    assert "summary" in {c["kind"] for c in answer.json()["cases"]}
    assert client.post("/compare", json={**pair, "source": "c"}).status_code == 422


def test_articles_are_added_idempotently_removed_and_counted(service):
    _, client = service
    article = {"id": "wire-1", "text": SEED_A.read_text(encoding="utf-8"), "source": "AFP"}
    assert client.post("/articles", json=article).json() == {
        "added": 1,
        "unchanged": 0,
        "replaced": 0,
        "failed": [],
    }
    assert client.post("/articles", json=[article]).json()["unchanged"] == 1
    assert client.get("/stats").json()["articles"] == 2
    found = client.post("/query", json={"text": SEED_B.read_text(encoding="utf-8")}).json()["matches"]
    assert "wire-1" in {m["b"]["id"] for m in found}
    shard_id = {
        "id": "feeds/day1.jsonl#a/1",
        "text": "An article whose id holds a hash and a slash, as ids of shards do.",
    }
    assert client.post("/articles", json=shard_id).json()["added"] == 1
    assert client.delete("/articles/feeds%2Fday1.jsonl%23a%2F1").json() == {"removed": "feeds/day1.jsonl#a/1"}
    assert client.delete("/articles/wire-1").json() == {"removed": "wire-1"}
    assert client.delete("/articles/wire-1").status_code == 404
    assert client.get("/stats").json()["articles"] == 1


def test_an_article_added_as_a_known_source_is_read_as_one(service):
    _, client = service
    wire = {"id": "wire-1", "text": SEED_A.read_text(encoding="utf-8"), "is_source": True}
    assert client.post("/articles", json=wire).json()["added"] == 1
    assert client.post("/articles", json={**wire, "is_source": False}).json()["unchanged"] == 1
    found = client.post("/query", json={"text": SEED_B.read_text(encoding="utf-8")}).json()["matches"]
    (match,) = [m for m in found if m["b"]["id"] == "wire-1"]
    assert match["direction"]["source"] == "b" and "known source" in " ".join(match["direction"]["reasons"])


@pytest.mark.parametrize(
    ("request_kwargs", "status", "says"),
    [
        ({"json": {"text": ""}}, 422, "text"),
        ({"json": {"text": "   "}}, 422, "empty"),
        ({"json": {"title": "no text"}}, 422, "text"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "json"),
        ({"content": b"\xff\xfe", "headers": {"content-type": "text/plain"}}, 400, "UTF-8"),
        ({"content": b"<xml/>", "headers": {"content-type": "application/xml"}}, 415, "text/plain"),
        ({"content": b"x" * 300_000, "headers": {"content-type": "text/plain"}}, 413, "limit"),
    ],
)
def test_bad_requests_get_a_clear_4xx(service, request_kwargs, status, says):
    _, client = service
    answer = client.post("/query", **request_kwargs)
    assert answer.status_code == status, answer.text
    assert says.lower() in answer.text.lower()


def test_an_added_article_needs_an_id_and_a_streamed_body_is_limited_too(service):
    _, client = service
    assert client.post("/articles", json={"text": "No id here at all, just text."}).status_code == 422

    def chunks():
        for _ in range(30):
            yield b"y" * 10_000

    answer = client.post("/query", content=chunks(), headers={"content-type": "text/plain"})
    assert answer.status_code == 413


def test_top_is_bounded_and_a_damaged_index_is_the_services_trouble(service, tmp_path):
    index, client = service
    text = {"text": SEED_A.read_text(encoding="utf-8")}
    assert client.post("/query?top=0", json=text).status_code == 422
    assert len(client.post("/query?top=1", json=text).json()["matches"]) == 1
    path = Path(index)
    data = bytearray(path.read_bytes())
    data[4096 * 2 :] = b"\x5a" * (len(data) - 4096 * 2)
    path.write_bytes(bytes(data))
    fresh = TestClient(create_app(str(tmp_path / "other.sqlite")))  # a working service, for contrast
    assert fresh.post("/query", json=text).status_code == 200
    damaged = client.post("/query", json=text)
    assert damaged.status_code == 503 and "damaged" in damaged.json()["detail"]


def test_the_openapi_schema_lists_every_endpoint(service):
    _, client = service
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/query", "/compare", "/articles", "/articles/{article_id}", "/stats"} <= set(paths)
    assert "text/plain" in paths["/query"]["post"]["requestBody"]["content"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    import uvicorn

    index = str(tmp_path / "news.sqlite")
    assert runner.invoke(cli, ["index", "add", str(SEED_B), "--index", index, "--quiet"]).exit_code == 0
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(index), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_person_pastes_an_article_and_sees_the_matches_side_by_side(browser, served):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served + "/")
    assert "1 articles indexed" in page.inner_text("header")
    page.fill("textarea[name=text]", HOSTILE + "\n" + SEED_A.read_text(encoding="utf-8"))
    page.click("#find")
    page.wait_for_selector("#found")
    assert page.inner_text("#found") == "1 indexed article(s) share passages with it"
    frame = page.frame_locator("#match-0 iframe")
    marks = frame.locator("#text-a mark")
    marks.first.wait_for()
    assert marks.count() >= 2
    assert "<script>window.__xss" in frame.locator("#text-a").inner_text()  # shown as text, never run
    assert dialogs == [] and page.evaluate("window.__xss") is None
    page.close()


def test_serve_with_two_worker_processes_answers_as_one(tmp_path):
    import subprocess
    import sys

    import httpx

    index = str(tmp_path / "news.sqlite")
    assert runner.invoke(cli, ["index", "add", str(SEED_B), "--index", index, "--quiet"]).exit_code == 0
    port = _free_port()
    dedup = Path(sys.executable).parent / "dedup"
    server = subprocess.Popen(
        [str(dedup), "serve", "--index", index, "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    # connection attempts retried with backoff (0.5 s, 1 s, ...) while the workers start
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", transport=httpx.HTTPTransport(retries=7), timeout=60
    )
    try:
        query = {"id": str(SEED_A), "text": SEED_A.read_text(encoding="utf-8")}
        answers = [client.post("/query", json=query).json() for _ in range(4)]
        expected = TestClient(create_app(index)).post("/query", json=query).json()
        assert all(answer == expected for answer in answers)
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)
