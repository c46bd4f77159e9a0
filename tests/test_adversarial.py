"""What an adversarial pass found: odd file names, concurrent adds, bad output paths, damaged indexes."""

from __future__ import annotations

import json
import os
import shutil

from typer.testing import CliRunner

from dedup.cli import app
from dedup.index.base import FORMAT

from .conftest import SEED_A, SEED_B

runner = CliRunner()


def test_a_file_name_that_is_not_utf8_is_named_with_escapes_in_every_output(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    wire = folder / "wire[bold].txt"  # and a name that is rich markup stays text
    shutil.copy(SEED_A, wire)
    odd = os.fsdecode(bytes(folder) + b"/\xffcopy.txt")
    shutil.copy(SEED_B, odd)
    shown = str(folder) + "/\\xffcopy.txt"
    out = runner.invoke(
        app,
        ["scan", str(folder), "--json", "--quiet", "--jobs", "1", "--jsonl", str(tmp_path / "p.jsonl"),
         "--html", str(tmp_path / "report")],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout_bytes.decode("utf-8"))
    assert sorted(summary["clusters"][0]["members"]) == sorted([shown, str(wire)])
    [pair] = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert shown in (pair["a"]["id"], pair["b"]["id"])
    assert "\\xffcopy.txt" in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    table = runner.invoke(app, ["scan", str(folder), "--quiet", "--jobs", "1"])
    assert table.exit_code == 0, table.output
    assert "\\xffcopy.txt" in table.stdout_bytes.decode("utf-8") and "wire[bold].txt" in table.stdout
    index = str(tmp_path / "i.sqlite")
    added = runner.invoke(app, ["index", "add", str(folder), "--index", index, "--json", "--quiet"])
    assert added.exit_code == 0 and json.loads(added.stdout)["added"] == 2
    found = runner.invoke(app, ["query", odd, "--index", index, "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout_bytes.decode("utf-8"))["query"] == shown


def test_lone_surrogates_in_jsonl_text_become_one_replacement_character_each(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x\\udcff", "text": "Caf\\udce9 opens."}\n', encoding="utf-8")
    out = runner.invoke(app, ["show", f"{feed}#x\ufffd"])
    assert out.exit_code == 0, out.output
    assert out.stdout_bytes.decode("utf-8") == "Caf\ufffd opens."


def test_the_scan_table_at_80_columns_keeps_paths_whole_says_what_it_hides_and_shows_passages(tmp_path):
    from rich.console import Console

    from dedup.corpus.local import scan
    from dedup.report.terminal import render_scan

    from .textgen import article

    folder = tmp_path / "a-rather-long-folder-name-for-a-corpus-of-news" / "from-the-wires"
    folder.mkdir(parents=True)
    for k in range(12):
        (folder / f"wire-story-number-{k:02d}.txt").write_text(article(k), encoding="utf-8")
        (folder / f"outlet-copy-number-{k:02d}.txt").write_text(
            article(100 + k, 4) + article(k), encoding="utf-8"
        )
    result = scan(folder, jobs=1)
    assert len(result.clusters) == 12
    console = Console(width=80, record=True)
    render_scan(result, console)
    shown = console.export_text()
    lines = shown.splitlines()
    # only the command to copy runs on (a terminal wraps it; its paths stay whole)
    assert [line for line in lines if len(line) > 80] == [line for line in lines if "dedup compare" in line]
    clusters = shown[shown.index("Clusters") :].splitlines()  # paths fold whole; never cut to look alike
    assert [line for line in clusters if "…" in line] == ["… and 2 more clusters (--json lists them all)"]
    assert "What the most derived pairs share" in shown and "dedup compare " in shown


def test_the_scan_table_lists_a_large_cluster_s_members_up_to_the_limit_and_counts_the_rest(tmp_path):
    from rich.console import Console

    from dedup.corpus.local import scan
    from dedup.report.terminal import render_scan

    from .textgen import article

    (tmp_path / "wire.txt").write_text(article(0), encoding="utf-8")
    for k in range(14):
        (tmp_path / f"outlet-{k:02d}.txt").write_text(article(100 + k, 4) + article(0), encoding="utf-8")
    result = scan(tmp_path, jobs=1)
    assert [len(c.members) for c in result.clusters] == [15]
    console = Console(width=200, record=True)
    render_scan(result, console, limit=10)
    clusters = console.export_text().split("Clusters", 1)[1]
    assert clusters.count("outlet-") + clusters.count("wire.txt") == 11  # the original and 10 members
    assert "… and 4 more" in clusters


def _folders_of_articles(root, folders: int, per_folder: int) -> list:
    from .textgen import article

    made = []
    for f in range(folders):
        folder = root / f"part{f}"
        folder.mkdir(parents=True)
        for k in range(per_folder):
            (folder / f"{k}.txt").write_text(article(1000 * f + k), encoding="utf-8")
        made.append(folder)
    return made


def test_adds_creating_the_same_index_at_once_all_succeed(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    dedup = Path(sys.executable).parent / "dedup"
    folders = _folders_of_articles(tmp_path / "corpus", 4, 3)
    for attempt in range(3):
        index = str(tmp_path / f"i{attempt}.sqlite")
        runs = [
            subprocess.Popen(
                [str(dedup), "index", "add", str(folder), "--index", index, "--quiet", "--jobs", "1"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for folder in folders
        ]
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        stats = runner.invoke(app, ["index", "stats", "--index", index, "--json"])
        assert json.loads(stats.stdout)["articles"] == 12


def _damaged_index(tmp_path):
    folders = _folders_of_articles(tmp_path / "corpus", 1, 40)
    index = tmp_path / "i.sqlite"
    assert (
        runner.invoke(app, ["index", "add", str(folders[0]), "--index", str(index), "--quiet"]).exit_code == 0
    )
    data = bytearray(index.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    for start in range(2 * page, len(data), 3 * page):  # the header page stays intact
        data[start : start + page] = b"\x5a" * page
    index.write_bytes(bytes(data))
    return folders[0], index


def test_a_damaged_index_is_reported_as_damaged_with_exit_2(tmp_path):
    folder, index = _damaged_index(tmp_path)
    for command in (
        ["index", "stats", "--index", str(index)],
        ["index", "add", str(folder), "--index", str(index), "--quiet"],
        ["index", "remove", "x", "--index", str(index)],
        ["query", str(SEED_A), "--index", str(index)],
    ):
        out = runner.invoke(app, command)
        assert out.exit_code == 2, (command, out.output, out.exception)
        assert "damaged" in out.stderr and "Traceback" not in out.output, command


def test_query_reads_its_config_and_says_which_settings_it_used(tmp_path):
    index = str(tmp_path / "i.sqlite")
    config = tmp_path / "dedup.toml"
    config.write_text("[settings]\nrewrite_threshold = 0.99\n", encoding="utf-8")
    assert runner.invoke(app, ["index", "add", str(SEED_B), "--index", index, "--quiet"]).exit_code == 0
    default = runner.invoke(app, ["query", str(SEED_A), "--index", index, "--json"])
    strict = runner.invoke(app, ["query", str(SEED_A), "--index", index, "--json", "--config", str(config)])
    assert default.exit_code == 0 and strict.exit_code == 0
    assert "settings (defaults)" in default.stderr and "rewrite_threshold=0.99" in strict.stderr
    passages = [len(json.loads(r.stdout)["matches"][0]["passages"]) for r in (default, strict)]
    assert passages[1] < passages[0]  # a stricter rewrite model keeps fewer passages
    assert json.loads(strict.stdout)["settings"]["rewrite_threshold"] == 0.99
    missing = runner.invoke(
        app, ["query", str(SEED_A), "--index", index, "--config", str(tmp_path / "no.toml")]
    )
    assert missing.exit_code == 2 and "no such settings file" in missing.stderr


def test_a_toml_without_a_settings_table_is_an_error_naming_the_file(tmp_path):
    config = tmp_path / "dedup.toml"
    config.write_text("rewrite_threshold = 0.9\n", encoding="utf-8")
    out = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--config", str(config)])
    assert out.exit_code == 2
    assert str(config) in out.stderr and "no [settings] table" in out.stderr


def test_index_stats_json_holds_objects_not_json_in_strings(tmp_path):
    index = str(tmp_path / "i.sqlite")
    assert runner.invoke(app, ["index", "add", str(SEED_A), "--index", index, "--quiet"]).exit_code == 0
    meta = json.loads(runner.invoke(app, ["index", "stats", "--index", index, "--json"]).stdout)["meta"]
    assert meta["lsh"]["bands"] > 0 and meta["signature_scheme"]["num_perm"] > 0
    assert meta["format"] == FORMAT


def test_index_add_reads_with_its_jobs(tmp_path, monkeypatch):
    import dedup.sources

    seen = []
    mapped = dedup.sources.map_chunks

    def recording(function, tasks, jobs, *rest):
        seen.append(jobs)
        return mapped(function, tasks, jobs, *rest)

    monkeypatch.setattr(dedup.sources, "map_chunks", recording)
    folders = _folders_of_articles(tmp_path / "corpus", 1, 6)
    out = runner.invoke(
        app, ["index", "add", str(folders[0]), "--index", str(tmp_path / "i.sqlite"), "--jobs", "2", "--json"]
    )
    assert out.exit_code == 0 and json.loads(out.stdout)["added"] == 6
    assert seen == [2]


def test_output_paths_are_checked_before_any_work(tmp_path):
    from .conftest import CORPORA

    (tmp_path / "a-file").write_text("keep me", encoding="utf-8")
    cases = [
        (["scan", str(CORPORA), "--jsonl", str(tmp_path / "missing" / "p.jsonl")], "does not exist"),
        (["scan", str(CORPORA), "--jsonl", str(tmp_path)], "is a folder"),
        (["scan", str(CORPORA), "--html", str(tmp_path / "a-file")], "is a file"),
        (
            ["compare", str(SEED_A), str(SEED_B), "--html", str(tmp_path / "missing" / "r.html")],
            "does not exist",
        ),
        (["bench", "sweep", str(CORPORA), "--write-config", str(tmp_path)], "is a folder"),
    ]
    for command, reason in cases:
        out = runner.invoke(app, command)
        assert out.exit_code == 2 and reason in out.stderr, (command, out.output)
        assert "settings (" not in out.stderr  # failed before reading settings, let alone articles
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "keep me"


def test_a_device_that_refuses_writes_is_an_error_not_a_traceback():
    from .conftest import CORPORA

    out = runner.invoke(app, ["scan", str(CORPORA), "--quiet", "--jsonl", "/dev/full"])
    assert out.exit_code == 2 and "/dev/full: cannot be written" in out.stderr
    assert out.exception is None or isinstance(out.exception, SystemExit)


def test_a_failed_write_leaves_the_previous_file_whole_and_no_temporary_behind(tmp_path, monkeypatch):
    from dedup.corpus.result import ScanResult

    from .conftest import CORPORA

    pairs = tmp_path / "pairs.jsonl"
    first = runner.invoke(app, ["scan", str(CORPORA), "--quiet", "--jsonl", str(pairs)])
    assert first.exit_code == 0 and oct(pairs.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    whole = pairs.read_bytes()
    assert whole.count(b"\n") == 1

    def lines_then_a_full_disk(self):
        yield '{"a": "written"}\n'
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ScanResult, "pair_lines", lines_then_a_full_disk)
    failed = runner.invoke(app, ["scan", str(CORPORA), "--quiet", "--jsonl", str(pairs)])
    assert failed.exit_code == 2 and "No space left on device" in failed.stderr
    assert pairs.read_bytes() == whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.jsonl"]


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_html_nested_deeper_than_libxml2s_default_keeps_its_text(tmp_path):
    from dedup.sources import read_article

    from .textgen import html_page

    page = html_page(SEED_A.read_text(encoding="utf-8"))
    flat, deep = tmp_path / "flat.html", tmp_path / "deep.html"
    flat.write_text(page, encoding="utf-8")
    nested = page.replace("<body>", "<body>" + "<div>" * 300).replace("</body>", "</div>" * 300 + "</body>")
    deep.write_text(nested, encoding="utf-8")
    assert read_article(deep).text == read_article(flat).text
    assert "Won’t" in read_article(deep).text  # decoded as UTF-8, not Latin-1
    (tmp_path / "blank.html").write_text("   ", encoding="utf-8")
    out = runner.invoke(app, ["show", str(tmp_path / "blank.html")])
    assert out.exit_code == 2 and "no article text found" in out.stderr


def test_benchmark_tables_keep_every_number_whole_at_80_columns():
    from rich.console import Console

    from dedup.bench.pan import PanReport
    from dedup.bench.pan_measures import Scores
    from dedup.bench.sweep import Point, Sweep, SweepReport
    from dedup.report.terminal import render_pan, render_sweep
    from dedup.settings import Settings

    scores = Scores(
        precision=0.91234, recall=0.88765, granularity=1.01234, plagdet=0.89123, cases=1234, detections=1301
    )
    types = [
        "02-no-obfuscation",
        "03-random-obfuscation",
        "04-translation-obfuscation",
        "05-summary-obfuscation",
    ]
    pan = PanReport("../shared/data/pan13/test", dict.fromkeys(types, scores), scores, 4995, 3, 19.2, {})
    extra = {"candidates_per_document": 19.123, "seconds": 0.008612, "bands": 15, "rows": 1}
    points = [
        Point(value=v / 10, precision=0.58712, recall=1.0, f1=0.74012, extra=extra) for v in range(1, 9)
    ]
    sweep = Sweep(
        "lsh_threshold", "pairs", current=0.3, chosen=0.4, rule="best F1", tune=points, report=points
    )
    report = SweepReport("clough", "a seeded split", 46, 49, [sweep], Settings(), [], 1.2)
    shown = {}
    for render, what in ((render_pan, pan), (render_sweep, report)):
        console = Console(width=80, record=True)
        render(what, console)
        shown[render] = text = console.export_text()
        assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80, text
    assert "0.8912" in shown[render_pan] and "1,301" in shown[render_pan]
    assert "0.0086" in shown[render_sweep] and " 15 " in shown[render_sweep]


def test_the_same_files_under_other_spellings_are_indexed_once_and_never_match_themselves(
    tmp_path, monkeypatch
):
    from .conftest import CORPORA, ROOT

    monkeypatch.chdir(ROOT)
    index = str(tmp_path / "i.sqlite")
    for spelling in ("corpora/", "./corpora", str(CORPORA), "corpora/../corpora/"):
        out = runner.invoke(app, ["index", "add", spelling, "--index", index, "--json", "--quiet"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["articles"] == 2
    found = runner.invoke(app, ["query", "./corpora/000_81ea75a533acccf5.txt", "--index", index, "--json"])
    assert [m["b"]["id"] for m in json.loads(found.stdout)["matches"]] == [str(SEED_B)]
    gone = runner.invoke(app, ["index", "remove", "corpora/002_c4bf7bb208899a3e.txt", "--index", index])
    assert gone.exit_code == 0 and str(SEED_B) in gone.stdout
    # a scan reading one file under two spellings reads it once, and says so
    scanned = runner.invoke(
        app, ["scan", "corpora", "./corpora/", str(CORPORA), "--json", "--quiet", "--jobs", "1"]
    )
    summary = json.loads(scanned.stdout)
    assert summary["articles"] == 2 and summary["derived_pairs"] == 1
    assert sum("the same file as" in s["reason"] for s in summary["skipped"]) == 2
