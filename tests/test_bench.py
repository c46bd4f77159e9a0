from __future__ import annotations

import json

from typer.testing import CliRunner

from dedup.bench.pan import read_annotations
from dedup.cli import app

runner = CliRunner()

SHARED = (
    "The references, later removed by the company, appeared on web pages seen by a surveillance research "
    "firm and shared with the newspaper, which said the function was only used in a testing environment."
)
FILLER_A = (
    "Shares in the retailer fell sharply in Hong Kong trading as investors sold out of technology stocks. "
)
FILLER_B = (
    "The city will reopen its schools next month after a long closure, the education bureau announced. "
)


def _pan_corpus(tmp_path):
    corpus = tmp_path / "pan"
    for folder in ("susp", "src", "02-no-obfuscation", "01-no-plagiarism"):
        (corpus / folder).mkdir(parents=True)
    susp = FILLER_A * 3 + SHARED + " " + FILLER_A
    (corpus / "susp" / "suspicious-document00001.txt").write_text(susp, encoding="utf-8")
    (corpus / "src" / "source-document00001.txt").write_text(FILLER_B + SHARED, encoding="utf-8")
    (corpus / "src" / "source-document00002.txt").write_text(FILLER_B * 4, encoding="utf-8")
    (corpus / "02-no-obfuscation" / "pairs").write_text(
        "suspicious-document00001.txt source-document00001.txt\n", encoding="utf-8"
    )
    (corpus / "01-no-plagiarism" / "pairs").write_text(
        "suspicious-document00001.txt source-document00002.txt\n", encoding="utf-8"
    )
    offset, source_offset = susp.index(SHARED), len(FILLER_B)
    (corpus / "02-no-obfuscation" / "suspicious-document00001-source-document00001.xml").write_text(
        f'<document reference="suspicious-document00001.txt"><feature name="plagiarism" obfuscation="none" '
        f'this_offset="{offset}" this_length="{len(SHARED)}" source_reference="source-document00001.txt" '
        f'source_offset="{source_offset}" source_length="{len(SHARED)}" /></document>',
        encoding="utf-8",
    )
    (corpus / "pairs").write_text("", encoding="utf-8")
    return corpus


def test_bench_pan_finds_the_verbatim_case_and_writes_pan_detection_files(tmp_path):
    corpus = _pan_corpus(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["bench", "pan", str(corpus), "--out", str(out), "--jobs", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["by_type"]["02-no-obfuscation"]["plagdet"] > 0.95
    assert report["detections_on_no_plagiarism_pairs"] == 0
    written = read_annotations(out, name="detected-plagiarism")
    assert [(d.this, d.source) for d in written] == [
        ("suspicious-document00001.txt", "source-document00001.txt")
    ]
    assert (out / "suspicious-document00001-source-document00001.xml").exists()


def test_bench_pan_runs_in_parallel_with_the_same_result(tmp_path):
    corpus = _pan_corpus(tmp_path)
    one = runner.invoke(app, ["bench", "pan", str(corpus), "--jobs", "1", "--json"])
    two = runner.invoke(app, ["bench", "pan", str(corpus), "--jobs", "2", "--json"])
    strip = lambda r: {k: v for k, v in json.loads(r.stdout).items() if k != "seconds"}  # noqa: E731
    assert strip(one) == strip(two)


def test_bench_pan_rejects_an_unknown_subset_and_a_non_corpus(tmp_path):
    corpus = _pan_corpus(tmp_path)
    result = runner.invoke(app, ["bench", "pan", str(corpus), "--subset", "09-nothing"])
    assert result.exit_code == 2 and "unknown subset '09-nothing'" in result.stderr
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["bench", "pan", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "is this a PAN corpus?" in result.stderr


def test_bench_msrp_reports_train_and_test(tmp_path):
    header = "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
    rows = [
        "1\t1\t2\tPolice arrested three men on Tuesday in Paris.\tThree men were arrested by police in Paris on Tuesday.",
        "0\t3\t4\tThe central bank raised interest rates again.\tThe football club signed a new striker this week.",
    ]
    for name in ("msr_paraphrase_train.txt", "msr_paraphrase_test.txt"):
        (tmp_path / name).write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["bench", "msrp", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["test"]["accuracy"] == 1.0
    assert 0.0 <= report["best_threshold_on_train"] <= 1.0
