from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.align.passages import align as align_pair
from dedup.align.prepare import prepare
from dedup.bench import sweep as sweep_module
from dedup.bench.labelled import LabelledData, load, load_pairs, split
from dedup.bench.sweep import GRIDS, Point, choose, run, with_value
from dedup.cli import app
from dedup.comparison import comparison_of
from dedup.errors import DedupError, SettingsError
from dedup.settings import Settings, load_settings
from tests.conftest import SHARED_DATA
from tests.textgen import article

runner = CliRunner()


def _labelled_folder(tmp_path: Path, pairs: int = 6) -> Path:
    """Derived pairs (an excerpt of an original inside a new text, with its spans) and unrelated pairs."""
    records = []
    for n in range(pairs):
        original = article(100 + n)
        excerpt = original.split("\n\n")[1]
        derived = article(200 + n, 4) + "\n" + excerpt + "\n\n" + article(300 + n, 2)
        (tmp_path / f"original-{n}.txt").write_text(original, encoding="utf-8")
        (tmp_path / f"derived-{n}.txt").write_text(derived, encoding="utf-8")
        (tmp_path / f"other-{n}.txt").write_text(article(400 + n), encoding="utf-8")
        a_start, b_start = derived.index(excerpt), original.index(excerpt)
        spans = [[a_start, a_start + len(excerpt), b_start, b_start + len(excerpt)]]
        records.append({"a": f"derived-{n}.txt", "b": f"original-{n}.txt", "label": 1, "spans": spans})
        records.append({"a": f"other-{n}.txt", "b": f"original-{n}.txt", "label": 0, "spans": []})
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    rows = [f"{r['a']},{r['b']},{r['label']}" for r in records]
    (tmp_path / "pairs.csv").write_text("a,b,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_user_pairs_load_from_csv_and_jsonl_with_paths_relative_to_the_file(tmp_path):
    folder = _labelled_folder(tmp_path)
    from_jsonl, from_csv = load_pairs(folder / "pairs.jsonl"), load_pairs(folder / "pairs.csv")
    assert len(from_jsonl.pairs) == len(from_csv.pairs) == 12
    assert from_jsonl.has_spans and not from_csv.has_spans
    first = from_jsonl.pairs[0]
    a_start, a_end, b_start, b_end = first.spans[0]
    assert first.derived and first.a.text[a_start:a_end] == first.b.text[b_start:b_end]
    assert [p.derived for p in from_csv.pairs] == [p.derived for p in from_jsonl.pairs]


def test_user_pairs_address_jsonl_articles_by_id(tmp_path):
    shard = tmp_path / "shard.jsonl"
    shard.write_text(
        "".join(json.dumps({"id": f"n{k}", "text": article(k)}) + "\n" for k in range(3)), encoding="utf-8"
    )
    (tmp_path / "pairs.csv").write_text(
        "a,b,label,split\nshard.jsonl#n0,shard.jsonl#n1,0,train\nshard.jsonl#n2,shard.jsonl#n1,0,test\n",
        encoding="utf-8",
    )
    data = load_pairs(tmp_path / "pairs.csv")
    assert [p.a.id for p in data.pairs] == [f"{shard}#n0", f"{shard}#n2"] and data.pairs[0].a.text == article(
        0
    )
    assert [p.split for p in data.pairs] == ["train", "test"]


def test_a_pair_whose_article_is_unreadable_is_skipped_with_its_reason(tmp_path):
    folder = _labelled_folder(tmp_path, pairs=1)
    (folder / "pairs.csv").write_text(
        "a,b,label\nderived-0.txt,original-0.txt,1\nmissing.txt,original-0.txt,0\n", encoding="utf-8"
    )
    data = load_pairs(folder / "pairs.csv")
    assert len(data.pairs) == 1
    assert data.skipped[0][0].endswith("line 3") and "missing.txt" in data.skipped[0][1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\nx,y\n", r"needs the column\(s\) label"),
        ("a,b,label\nderived-0.txt,original-0.txt,maybe\n", "label must be 1/0"),
        ("a,b,label,split\nderived-0.txt,original-0.txt,1,dev\n", "split must be train or test"),
    ],
)
def test_a_malformed_labelled_file_is_an_error_naming_the_problem(tmp_path, content, message):
    folder = _labelled_folder(tmp_path, pairs=1)
    (folder / "bad.csv").write_text(content, encoding="utf-8")
    with pytest.raises(DedupError, match=message):
        load_pairs(folder / "bad.csv")


def test_spans_outside_the_texts_are_refused(tmp_path):
    folder = _labelled_folder(tmp_path, pairs=1)
    record = {"a": "derived-0.txt", "b": "original-0.txt", "label": 1, "spans": [[0, 10**6, 0, 5]]}
    (folder / "bad.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(DedupError, match="outside the texts"):
        load_pairs(folder / "bad.jsonl")


def test_seeded_split_is_disjoint_stratified_and_replayable(tmp_path):
    data = load_pairs(_labelled_folder(tmp_path, pairs=6) / "pairs.jsonl")
    tune, report, how = split(data, seed=3)
    assert "seed 3" in how
    assert len(tune) + len(report) == 12 and not {id(p) for p in tune} & {id(p) for p in report}
    assert sum(p.derived for p in tune) == sum(p.derived for p in report) == 3
    again, _, _ = split(data, seed=3)
    assert [(p.a.id, p.b.id) for p in again] == [(p.a.id, p.b.id) for p in tune]


def test_with_value_moves_tied_parameters_and_refuses_fractions_of_counts():
    settings = Settings()
    lowered = with_value(settings, "rewrite_threshold", 0.3)
    assert lowered.rewrite_threshold == 0.3 and lowered.seed_threshold == settings.seed_threshold
    assert with_value(settings, "ngram", 12).min_verbatim_tokens == 12
    assert with_value(settings, "min_verbatim_tokens", 2).ngram == 2
    with pytest.raises(SettingsError, match="whole numbers"):
        with_value(settings, "ngram", 2.5)


def test_choose_takes_best_f1_or_best_recall_above_a_precision_floor_and_keeps_the_current_on_ties():
    points = [Point(0.2, 0.5, 1.0, 0.667), Point(0.4, 0.9, 0.8, 0.847), Point(0.6, 1.0, 0.5, 0.667)]
    assert choose(points)[0] == 0.4
    assert choose(points, min_precision=0.95)[0] == 0.6
    value, rule = choose(points, min_precision=1.1)
    assert value == 0.4 and "no value reaches" in rule
    assert choose([Point(0.2, 1, 1, 1), Point(0.3, 1, 1, 1)], current=0.3)[0] == 0.3


def test_sweep_computes_each_pairs_similarities_once_for_all_values(tmp_path, monkeypatch):
    data = load_pairs(_labelled_folder(tmp_path) / "pairs.jsonl")
    calls = []
    original = sweep_module.sentence_similarities
    monkeypatch.setattr(sweep_module, "sentence_similarities", lambda a, b: calls.append(1) or original(a, b))
    params = ["rewrite_threshold", "min_verbatim_tokens", "ngram"]
    report = run(data, params, jobs=1)
    assert len(calls) == len(data.pairs)
    assert [len(s.tune) for s in report.sweeps] == [len(GRIDS[p]) for p in params]


def test_sweep_scores_are_those_of_the_aligner_run_with_each_value(tmp_path):
    """The shortcut (shared similarities, passages cached per alignment settings) changes no result."""
    data = load_pairs(_labelled_folder(tmp_path, pairs=3) / "pairs.jsonl")
    grid = tuple(with_value(Settings(), "ngram", n) for n in (2, 5)) + (
        with_value(Settings(), "rewrite_threshold", 0.8),
    )
    swept = sweep_module._align_chunk(([(p.a, p.b) for p in data.pairs], grid))
    for pair, outcomes in zip(data.pairs, swept, strict=True):
        for settings, (_, found) in zip(grid, outcomes, strict=True):
            a, b = prepare(pair.a.text, settings=settings), prepare(pair.b.text, settings=settings)
            cases = comparison_of(pair.a, pair.b, align_pair(a, b, settings), settings).cases
            assert found == tuple((c.a_start, c.a_end, c.b_start, c.b_end) for c in cases)


def test_sweep_on_span_truth_finds_excerpts_and_reports_both_parts(tmp_path):
    data = load_pairs(_labelled_folder(tmp_path) / "pairs.jsonl")
    report = run(data, ["min_verbatim_tokens", "partially_derived"], jobs=1)
    spans, pairs = report.sweeps
    assert spans.measure == "spans" and pairs.measure == "pairs"
    assert report.tune_pairs + report.report_pairs == 12
    at_default = spans.at(spans.tune, 8)
    assert at_default.recall > 0.9 and at_default.precision > 0.9 and "plagdet" in at_default.extra
    assert spans.at(spans.tune, spans.chosen).f1 == max(p.f1 for p in spans.tune)
    assert len(spans.report) == len(spans.tune)


def test_lsh_sweep_finds_copies_and_prices_them_in_candidates(tmp_path):
    folder = tmp_path
    records = []
    for n in range(5):
        (folder / f"o{n}.txt").write_text(article(n, 20), encoding="utf-8")
        (folder / f"c{n}.txt").write_text("Update. " + article(n, 20), encoding="utf-8")
        (folder / f"u{n}.txt").write_text(article(50 + n, 20), encoding="utf-8")
        records += [f"c{n}.txt,o{n}.txt,1", f"u{n}.txt,o{n}.txt,0"]
    (folder / "pairs.csv").write_text("a,b,label\n" + "\n".join(records) + "\n", encoding="utf-8")
    report = run(load_pairs(folder / "pairs.csv"), ["lsh_threshold"], jobs=1)
    (sweep,) = report.sweeps
    assert all(p.recall == 1.0 for p in sweep.tune + sweep.report)  # copies have window Jaccard 1
    assert all(p.extra["bands"] * p.extra["rows"] <= Settings().num_perm for p in sweep.tune)
    per_document = [p.extra["candidates_per_document"] for p in sweep.tune]
    assert per_document[0] >= per_document[-1]
    assert min(sweep.similarities["positive"]) > 0.9
    assert max(sweep.similarities["negative"]) < 0.5


def test_sweep_refuses_what_it_cannot_measure(tmp_path):
    data = load_pairs(_labelled_folder(tmp_path, pairs=2) / "pairs.csv")
    with pytest.raises(SettingsError, match="cannot sweep 'num_perm'"):
        run(data, ["num_perm"])
    with pytest.raises(SettingsError, match="pair labels only"):
        run(data, ["min_region_chars"])
    with pytest.raises(SettingsError, match="over 1.5"):
        run(data, ["rewrite_threshold"], grids={"rewrite_threshold": [0.4, 1.5]})
    with pytest.raises(SettingsError, match="too few pairs"):
        run(LabelledData("one", data.pairs[:1]), ["rewrite_threshold"])


def test_cli_sweep_writes_json_plots_and_a_config_the_other_commands_read(tmp_path):
    folder = _labelled_folder(tmp_path)
    config, plots = tmp_path / "chosen.toml", tmp_path / "plots"
    result = runner.invoke(
        app,
        ["bench", "sweep", str(folder / "pairs.jsonl"), "--param", "lsh_threshold", "--param",
         "rewrite_threshold", "--grid", "rewrite_threshold=0.4,0.6,0.9", "--plots", str(plots),
         "--write-config", str(config), "--json", "--jobs", "1", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [s["parameter"] for s in report["sweeps"]] == ["lsh_threshold", "rewrite_threshold"]
    assert [p["value"] for p in report["sweeps"][1]["tune"]] == [0.4, 0.6, 0.9]
    settings, _ = load_settings(config)
    assert settings.lsh_threshold == report["recommended"]["lsh_threshold"]
    assert settings.rewrite_threshold == report["recommended"]["rewrite_threshold"]
    for name in ("lsh_threshold", "rewrite_threshold"):
        png = (plots / f"sweep-{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    compared = runner.invoke(
        app,
        [
            "compare",
            str(folder / "derived-0.txt"),
            str(folder / "original-0.txt"),
            "--json",
            "--config",
            str(config),
        ],
    )
    assert json.loads(compared.stdout)["settings"]["rewrite_threshold"] == settings.rewrite_threshold


def test_cli_sweep_table_marks_the_chosen_and_configured_values(tmp_path):
    folder = _labelled_folder(tmp_path, pairs=3)
    result = runner.invoke(
        app,
        ["bench", "sweep", str(folder / "pairs.csv"), "--param", "partially_derived", "--jobs", "1", "-q"],
    )
    assert result.exit_code == 0, result.output
    assert (
        "partially_derived (pair labels)" in result.stdout and "0.05*°" in result.stdout
    )  # a tie keeps the configured value
    assert "recommended: partially_derived=" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "num_perm"], "cannot sweep"),
        (["--grid", "rewrite_threshold=a,b"], "NAME=V1,V2"),
    ],
)
def test_cli_sweep_bad_parameters_exit_2(tmp_path, args, message):
    folder = _labelled_folder(tmp_path, pairs=2)
    result = runner.invoke(app, ["bench", "sweep", str(folder / "pairs.csv"), *args, "-q"])
    assert result.exit_code == 2 and message in result.output


def test_cli_sweep_on_unknown_data_exits_2(tmp_path):
    result = runner.invoke(app, ["bench", "sweep", str(tmp_path), "-q"])
    assert result.exit_code == 2 and "not labelled data" in result.output


@pytest.mark.skipif(not (SHARED_DATA / "clough_stevenson_2011").is_dir(), reason="needs ../shared/data")
def test_clough_stevenson_pairs_each_answer_with_its_tasks_source():
    data = load(SHARED_DATA / "clough_stevenson_2011")
    assert len(data.pairs) == 95 and not data.skipped
    assert sum(p.derived for p in data.pairs) == sum(p.kind != "non" for p in data.pairs) == 57
    assert all(Path(p.b.path).name == f"orig_task{Path(p.a.path).stem[-1]}.txt" for p in data.pairs)


def test_labelled_pairs_read_shards_above_the_scan_size_limit(tmp_path):
    """A scan skips files above 5 MB; a labelled set names its articles, so its shards are read whole."""
    filler = [{"id": f"f{k}", "text": "word " * 200_000} for k in range(6)]  # about 6 MB
    records = [{"id": "x", "text": article(1)}, {"id": "y", "text": article(2)}, *filler]
    (tmp_path / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert (tmp_path / "big.jsonl").stat().st_size > 5 * 1024 * 1024
    (tmp_path / "pairs.csv").write_text("a,b,label\nbig.jsonl#x,big.jsonl#y,0\n", encoding="utf-8")
    (pair,) = load_pairs(tmp_path / "pairs.csv").pairs
    assert pair.a.text == article(1) and pair.b.text == article(2)
