"""What an adversarial pass found: odd file names, concurrent adds, bad output paths, damaged indexes."""

from __future__ import annotations

import json
import os
import shutil

from typer.testing import CliRunner

from dedup.cli import app

from .conftest import SEED_A, SEED_B

runner = CliRunner()


def test_a_file_name_that_is_not_utf8_is_named_with_escapes_in_every_output(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_A, folder / "wire.txt")
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
    assert sorted(summary["clusters"][0]["members"]) == [shown, str(folder / "wire.txt")]
    [pair] = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert shown in (pair["a"]["id"], pair["b"]["id"])
    assert "\\xffcopy.txt" in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    table = runner.invoke(app, ["scan", str(folder), "--quiet", "--jobs", "1"])
    assert table.exit_code == 0 and "\\xffcopy.txt" in table.stdout_bytes.decode("utf-8")
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

    from dedup.corpus import scan
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
