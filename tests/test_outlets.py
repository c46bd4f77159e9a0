"""The outlet view: per outlet, derived share by wire or outlet and uncredited reuse, in every output."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dedup.cli import app
from dedup.corpus.local import scan
from dedup.outlets import outlet_of, outlet_table
from dedup.sources import Article

from .textgen import article

runner = CliRunner()


def _feed(tmp_path):
    wire = article(7, sentences=10)
    rows = [
        {"id": "afp-1", "source": "AFP", "date": "2021-01-01", "text": "PARIS (AFP) - " + wire},
        {"id": "h-1", "source": "Herald", "date": "2021-01-02", "text": article(8, 4) + "\n" + wire},
        {"id": "h-2", "source": "Herald", "date": "2021-01-02", "text": article(9, 10)},
        {
            "id": "t-1",
            "source": "Tribune",
            "date": "2021-01-03",
            "text": wire + "\n(Source: AFP)\n" + article(10, 2),
        },
        {"id": "x-1", "url": "https://www.example.org/a", "date": "2021-01-04", "text": article(11, 6)},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return feed


def test_each_outlet_gets_its_derived_share_by_origin_and_its_uncredited_reuse(tmp_path):
    feed = _feed(tmp_path)
    table = {row["outlet"]: row for row in outlet_table(scan(feed, jobs=1))}
    assert set(table) == {"AFP", "Herald", "Tribune", "example.org"}
    assert table["AFP"]["derived_share"] == 0.0 and table["AFP"]["articles"] == 1  # the source
    herald, tribune = table["Herald"], table["Tribune"]
    assert herald["articles"] == 2 and set(herald["by_origin"]) == {"AFP"}
    # the wire is most of one of Herald's two articles, and most of Tribune's one
    assert 0.25 < herald["derived_share"] < 0.6 < tribune["derived_share"] < 1.0
    assert herald["by_origin"]["AFP"] == herald["derived_share"]
    assert (herald["uncredited_articles"], tribune["uncredited_articles"]) == (1, 0)
    assert table["example.org"]["derived_share"] == 0.0


def test_an_outlet_is_the_source_else_the_url_host_else_the_folder(tmp_path):
    assert (
        outlet_of(Article(id="a", path="a", text="x", source="Reuters", url="https://b.com/x")) == "Reuters"
    )
    assert outlet_of(Article(id="a", path="a", text="x", url="https://www.bbc.co.uk/news/1")) == "bbc.co.uk"
    assert outlet_of(Article(id="p", path="archive/guardian/p.txt", text="x")) == "guardian"
    assert outlet_of(Article(id="f#1", path="feeds/lemonde/day.jsonl#1", text="x")) == "lemonde"


def test_scan_by_source_in_the_terminal_json_and_html_with_its_chart(tmp_path):
    feed = _feed(tmp_path)
    out = runner.invoke(app, ["scan", str(feed), "--by", "source", "--json", "--quiet", "--jobs", "1"])
    assert out.exit_code == 0, out.output
    outlets = json.loads(out.stdout)["outlets"]
    assert outlets[0]["outlet"] == "Tribune" and {o["outlet"] for o in outlets} >= {"Herald", "AFP"}
    shown = runner.invoke(
        app, ["scan", str(feed), "--by", "source", "--quiet", "--jobs", "1"], env={"COLUMNS": "100"}
    )
    assert (
        "Outlets: share of their text derived from each origin" in shown.stdout and "Herald" in shown.stdout
    )
    report = tmp_path / "report"
    made = runner.invoke(
        app, ["scan", str(feed), "--by", "source", "--html", str(report), "--quiet", "--jobs", "1"]
    )
    assert made.exit_code == 0, made.output
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "<h2>Outlets</h2>" in index and "Tribune" in index
    assert '<img alt="derived text by outlet" src="data:image/png;base64,' in index
    plain = runner.invoke(app, ["scan", str(feed), "--json", "--quiet", "--jobs", "1"])
    assert "outlets" not in json.loads(plain.stdout)
