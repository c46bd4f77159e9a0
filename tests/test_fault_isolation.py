"""One bad file, article or pair never kills a scan or an add: it is reported, and the rest is unchanged."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dedup
import dedup.sources
from dedup.cli import app
from dedup.comparison import Comparer, compare
from dedup.corpus.local import scan
from dedup.index.sqlite import Index
from dedup.sources import read_article

from .conftest import SEED_A, SEED_B
from .textgen import article, html_page

runner = CliRunner()
DEDUP = Path(sys.executable).parent / "dedup"


def _corpus(folder: Path) -> Path:
    """Three derived pairs (the seeds and two generated copies), and an HTML page of its own."""
    folder.mkdir(exist_ok=True)
    shutil.copy(SEED_A, folder / "seed_a.txt")
    shutil.copy(SEED_B, folder / "seed_b.txt")
    for k in (1, 2):
        (folder / f"wire{k}.txt").write_text(article(k), encoding="utf-8")
        (folder / f"copy{k}.txt").write_text(article(50 + k, 4) + "\n" + article(k), encoding="utf-8")
    (folder / "page.html").write_text(html_page(article(99)), encoding="utf-8")
    return folder


def _records(result) -> list[str]:
    return [json.dumps(record, ensure_ascii=False) for record in result.pair_records()]


def test_a_failing_extractor_skips_its_file_and_the_other_results_are_byte_identical(tmp_path, monkeypatch):
    folder = _corpus(tmp_path / "corpus")
    baseline = scan(folder, jobs=1)
    assert str(folder / "page.html") in {a.id for a in baseline.articles}

    def failing_extractor(html: str, path: str) -> str:
        raise RuntimeError("extractor broke\nsecond line of the message")

    monkeypatch.setattr(dedup.sources, "_html_text", failing_extractor)
    result = scan(folder, jobs=1)
    assert [(s.path, s.reason) for s in result.skipped] == [
        (str(folder / "page.html"), "unexpected error: RuntimeError: extractor broke")
    ]
    assert len(result.pairs) == 3
    assert _records(result) == _records(baseline)


def test_a_failing_pair_is_reported_and_the_other_pairs_are_byte_identical(tmp_path, monkeypatch):
    folder = _corpus(tmp_path / "corpus")
    baseline = scan(folder, jobs=1)
    broken = {str(folder / "wire1.txt"), str(folder / "copy1.txt")}
    aligned = Comparer.__call__

    def failing_on_one_pair(self, a, b, **options):
        if {a.id, b.id} == broken:
            raise ValueError("alignment broke")
        return aligned(self, a, b, **options)

    monkeypatch.setattr(Comparer, "__call__", failing_on_one_pair)
    result = scan(folder, jobs=1)
    assert [(set((f.a, f.b)), f.reason) for f in result.failed_pairs] == [
        (broken, "unexpected error: ValueError: alignment broke")
    ]
    expected = [
        r for r, c in zip(_records(baseline), baseline.pairs, strict=True) if {c.a.id, c.b.id} != broken
    ]
    assert len(expected) == 2 and _records(result) == expected
    assert result.summary()["failed_pairs"] == [f.to_dict() for f in result.failed_pairs]

    cli = runner.invoke(app, ["scan", str(folder), "--json", "--quiet", "--jobs", "1"])
    assert cli.exit_code == 0, cli.output
    summary = json.loads(cli.stdout)
    assert summary["derived_pairs"] == 2 and len(summary["failed_pairs"]) == 1
    table = runner.invoke(app, ["scan", str(folder), "--quiet", "--jobs", "1"])
    assert (
        table.exit_code == 0 and "could not be aligned" in table.stdout and "alignment broke" in table.stdout
    )


def test_an_article_failing_to_sign_is_left_out_of_an_add_and_the_rest_is_indexed(tmp_path, monkeypatch):
    folder = _corpus(tmp_path / "corpus")
    import dedup.index.base

    signed = dedup.index.base.windows_of

    def failing_on_one(text, settings):
        if text == article(2):
            raise MemoryError("no room")
        return signed(text, settings)

    monkeypatch.setattr(dedup.index.base, "windows_of", failing_on_one)
    out = runner.invoke(
        app, ["index", "add", str(folder), "--index", str(tmp_path / "i.sqlite"), "--json", "--quiet"]
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["added"] == 6 and summary["articles"] == 6
    assert summary["skipped"] == [
        {"path": str(folder / "wire2.txt"), "reason": "unexpected error: MemoryError: no room"}
    ]
    with Index(tmp_path / "i.sqlite") as index:
        assert str(folder / "wire2.txt") not in set(index.ids())
        assert index.get(str(folder / "copy1.txt")).text == (folder / "copy1.txt").read_text(encoding="utf-8")


def test_scan_takes_a_str_path_as_the_public_api_promises(tmp_path):
    import dedup.corpus.local  # noqa: F401 - the scan's modules imported: dedup.scan must stay the function

    folder = _corpus(tmp_path / "corpus")
    assert _records(dedup.scan(str(folder), jobs=1)) == _records(dedup.scan(folder, jobs=1))
    assert len(dedup.scan([str(folder / "wire1.txt"), folder / "copy1.txt"], jobs=1).pairs) == 1


def test_jsonl_shards_reusing_an_id_are_never_mixed_up(tmp_path):
    wire, copy = article(7), article(8, 4) + "\n" + article(7)
    (tmp_path / "afp.jsonl").write_text(json.dumps({"id": "1", "text": wire}) + "\n", encoding="utf-8")
    (tmp_path / "outlet.jsonl").write_text(
        json.dumps({"id": "1", "text": copy}) + "\n" + json.dumps({"id": "1", "text": article(9)}) + "\n",
        encoding="utf-8",
    )
    result = scan(tmp_path, jobs=1)
    ids = {a.id: a.text for a in result.articles}
    outlet = tmp_path / "outlet.jsonl"
    assert ids == {
        f"{tmp_path / 'afp.jsonl'}#1": wire,
        f"{outlet}#1": copy,
        f"{outlet}#1 (line 2)": article(9),
    }
    [pair] = result.pairs
    texts = {pair.a.id: ids[pair.a.id], pair.b.id: ids[pair.b.id]}
    assert set(texts) == {f"{tmp_path / 'afp.jsonl'}#1", f"{outlet}#1"}
    for passage in pair.passages:  # offsets slice each article's own text: the shared words are the wire's
        a_text, b_text = texts[pair.a.id], texts[pair.b.id]
        assert (
            a_text[passage.a_start : passage.a_end].split()[:3]
            == b_text[passage.b_start : passage.b_end].split()[:3]
        )
    assert read_article(f"{outlet}#1 (line 2)").text == article(9)
    # compare of two articles that reuse an id: each is prepared from its own text
    direct = compare(f"{tmp_path / 'afp.jsonl'}#1", f"{outlet}#1")
    assert direct.b.derived_fraction < 0.9 < direct.a.derived_fraction


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "fifo"])
def test_devices_and_fifos_are_skipped_with_a_reason_never_a_hang(tmp_path, target):
    folder = _corpus(tmp_path / "corpus")
    links = [folder / "z.txt", folder / "z.html", folder / "z.jsonl"]
    for link in links:
        if target == "fifo":
            os.mkfifo(link)
        else:
            link.symlink_to(target)
    run = subprocess.run(
        [str(DEDUP), "scan", str(folder), "--json", "--quiet", "--jobs", "1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["derived_pairs"] == 3
    assert {s["path"]: s["reason"] for s in summary["skipped"]} == {
        str(link): "not a regular file (a device, FIFO or socket), not read" for link in links
    }
    add = subprocess.run(
        [str(DEDUP), "index", "add", str(folder), "--index", str(tmp_path / "i.sqlite"), "--json", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    assert json.loads(add.stdout)["added"] == 7
    for link in links:
        shown = subprocess.run(
            [str(DEDUP), "compare", str(link), str(folder / "wire1.txt")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 2 and "not a regular file" in shown.stderr


def _interrupted(command: list[str]) -> subprocess.CompletedProcess:
    """``command`` stopped by Ctrl-C (SIGINT to its process group, as a terminal sends it) once it works."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    first = process.stderr.readline()  # the settings line: the command is past its imports
    try:
        process.wait(timeout=1.5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(command, process.returncode, out, first + err)


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory):
    """Enough articles that a scan or an add takes many seconds."""
    folder = tmp_path_factory.mktemp("large")
    for k in range(4000):
        (folder / f"{k:05d}.txt").write_text(article(k, 30), encoding="utf-8")
    return folder


def test_ctrl_c_stops_a_scan_with_one_line_and_exit_130(large_corpus):
    run = _interrupted([str(DEDUP), "scan", str(large_corpus), "--quiet", "--jobs", "2"])
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == "interrupted (Ctrl-C)"
    assert run.stdout == ""


def test_ctrl_c_stops_an_add_and_the_index_stays_usable(large_corpus, tmp_path):
    index = str(tmp_path / "i.sqlite")
    run = _interrupted([str(DEDUP), "index", "add", str(large_corpus), "--index", index, "--quiet"])
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("interrupted (Ctrl-C): every batch committed")
    with Index(index) as partial:
        kept = partial.stats().articles
    assert kept < 4000 and kept % Index.batch_size == 0
    again = runner.invoke(app, ["index", "add", str(large_corpus), "--index", index, "--json", "--quiet"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["unchanged"], summary["added"], summary["articles"]) == (kept, 4000 - kept, 4000)


def test_a_worker_process_that_dies_on_one_file_or_pair_costs_that_file_or_pair_only(tmp_path, monkeypatch):
    """A crash no exception reports (os._exit stands for a segfault in a parser, or the OOM killer) in the
    workers of a two-process scan: the file or pair is reported, the other results are byte-identical."""
    import dedup.corpus.stages
    from dedup.parallel import PROCESS_DIED

    folder = _corpus(tmp_path / "corpus")
    for k in range(40):  # enough files that several tasks are out with the workers at once
        (folder / f"other{k:02d}.txt").write_text(article(300 + k, 6), encoding="utf-8")
    (folder / "killer.txt").write_text(
        "This article kills the process that signs it. " * 20, encoding="utf-8"
    )
    baseline = scan(folder, jobs=2)
    signed = dedup.corpus.stages.sign

    def dying_on_one(article, settings):
        if "kills the process" in article.text:
            os._exit(1)
        return signed(article, settings)

    monkeypatch.setattr(dedup.corpus.stages, "sign", dying_on_one)
    broken = {str(folder / "wire2.txt"), str(folder / "copy2.txt")}
    aligned = Comparer.__call__

    def dying_on_one_pair(self, a, b, **options):
        if {a.id, b.id} == broken:
            os._exit(1)
        return aligned(self, a, b, **options)

    monkeypatch.setattr(Comparer, "__call__", dying_on_one_pair)
    result = scan(folder, jobs=2)
    assert [(s.path, s.reason) for s in result.skipped] == [(str(folder / "killer.txt"), PROCESS_DIED)]
    assert [(set((f.a, f.b)), f.reason) for f in result.failed_pairs] == [(broken, PROCESS_DIED)]
    expected = [
        r for r, c in zip(_records(baseline), baseline.pairs, strict=True) if {c.a.id, c.b.id} != broken
    ]
    assert _records(result) == expected and len(expected) == len(baseline.pairs) - 1


def test_index_add_reading_survives_a_worker_that_dies_on_one_file(tmp_path, monkeypatch):
    from dedup.parallel import PROCESS_DIED
    from dedup.sources import read_all

    folder = _corpus(tmp_path / "corpus")

    def dying(html, path):
        os._exit(1)

    monkeypatch.setattr(dedup.sources, "_html_text", dying)
    articles, skipped = read_all(folder, max_bytes=1 << 20, jobs=2)
    assert [(s.path, s.reason) for s in skipped] == [(str(folder / "page.html"), PROCESS_DIED)]
    assert len(articles) == 6
