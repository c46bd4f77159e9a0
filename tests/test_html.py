from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dedup.comparison import compare
from dedup.report.html import comparison_page
from dedup.sources import Article

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = (
    '<script>window.__xss = 1; alert(1)</script> "onmouseover="window.__xss=2" <img src=x onerror=alert(1)>'
)


def _hostile_pair() -> tuple[Article, Article]:
    shared = (
        "The company said its cloud software could detect the faces of minority users in live video "
        "streams and flag them for review, according to a report published on Wednesday by researchers."
    )
    a = Article(
        id="a", path="a<script>.txt", text=f"{HOSTILE}\n{shared}\nOwn closing words of outlet A here."
    )
    b = Article(id="b", path="b.txt", text=f"Wire copy opens here.\n{shared}\n{HOSTILE}")
    return a, b


def test_article_text_and_paths_are_escaped():
    a, b = _hostile_pair()
    page = comparison_page(compare(a, b), a, b)
    assert "<script>window.__xss" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__xss" in page and "&quot;onmouseover=&quot;" in page
    assert page.count("<script>") == 1  # only the page's own script
    assert "a&lt;script&gt;.txt" in page


def test_the_page_needs_no_network():
    a, b = _hostile_pair()
    page = comparison_page(compare(a, b), a, b)
    assert "default-src 'none'" in page
    for needle in ("http://", "https://", "<link", "src="):
        assert needle not in page.replace("src=x", "")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed here (.ci/run installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield launched
        launched.close()


def test_highlights_render_and_a_click_scrolls_to_the_counterpart(browser, seeds, seed_comparison, tmp_path):
    a, b = seeds
    path = tmp_path / "seed.html"
    path.write_text(comparison_page(seed_comparison, a, b), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(path.as_uri())
    marks = page.locator("#text-a mark")
    assert marks.count() == len(seed_comparison.passages)
    color = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert color not in ("rgba(0, 0, 0, 0)", "transparent")
    last = len(seed_comparison.passages) - 1
    before = page.evaluate("document.getElementById('text-b').scrollTop")
    page.locator(f"#a-p{last}").click()
    page.wait_for_timeout(300)
    assert "flash" in page.locator(f"#b-p{last}").get_attribute("class")
    box, pane = page.locator(f"#b-p{last}").bounding_box(), page.locator("#text-b").bounding_box()
    assert pane["y"] <= box["y"] <= pane["y"] + pane["height"]
    assert page.evaluate("document.getElementById('text-b').scrollTop") >= before
    shot = tmp_path / "seed-report.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("DEDUP_SCREENSHOT_DIR"):  # how docs/seed-report.png is made
        shutil.copy(shot, Path(os.environ["DEDUP_SCREENSHOT_DIR"]) / "seed-report.png")
    page.close()


def test_hostile_article_text_does_not_run_in_the_browser(browser, tmp_path):
    a, b = _hostile_pair()
    path = tmp_path / "hostile.html"
    path.write_text(comparison_page(compare(a, b), a, b), encoding="utf-8")
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.locator("#text-a").hover()
    page.wait_for_timeout(200)
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    assert "<script>window.__xss" in page.locator("#text-a").inner_text()
    page.close()


def test_scan_html_writes_an_index_and_one_page_per_pair(tmp_path):
    from typer.testing import CliRunner

    from dedup.cli import app

    from .conftest import CORPORA, SEED_A

    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["scan", str(CORPORA), "--html", str(out), "--quiet", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="pair-00000.html"' in index and "common text outside the corpus" in index
    page = (out / "pair-00000.html").read_text(encoding="utf-8")
    assert page.count("<mark") >= 2 and str(SEED_A.name) in page and "default-src 'none'" in page


def test_the_page_lists_the_reuse_cases_and_the_passages_they_join(seeds, seed_comparison):
    page = comparison_page(seed_comparison, *seeds)
    (case,) = seed_comparison.cases
    assert "1 reuse case(s)" in page
    assert (
        f"rewrite: A {case.a_start:,}–{case.a_end:,}, B {case.b_start:,}–{case.b_end:,} (passages 2, 3)"
        in page
    )
