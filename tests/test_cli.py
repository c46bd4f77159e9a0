from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.comparison import compare
from dedup.settings import Settings
from dedup.sources import read_article

from .conftest import ROOT, SEED_A, SEED_B

runner = CliRunner()


def test_compare_json_is_the_library_comparison():
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"a", "b", "passages"}
    assert set(data["a"]) >= {"path", "chars", "derived_fraction", "verdict"}
    expected = compare(read_article(SEED_A), read_article(SEED_B))
    assert data.pop("settings") == Settings().as_dict()
    assert data == json.loads(json.dumps(expected.to_dict()))
    text = read_article(SEED_A).text
    for p in data["passages"]:
        assert set(p) >= {"a_start", "a_end", "b_start", "b_end", "kind", "score"}
        assert text[p["a_start"] : p["a_end"]].strip()


def test_compare_table_shows_kinds_offsets_and_verdicts():
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for expected in ("verbatim", "rewrite", "partially derived", "shared passage"):
        assert expected in result.stdout
    first = compare(read_article(SEED_A), read_article(SEED_B)).passages[0]
    assert f"[{first.a_start}:{first.a_end}]" in result.stdout


def _compared(*arguments: str) -> dict:
    result = runner.invoke(app, ["compare", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _case_spans(data: dict, first: str, second: str) -> list[tuple]:
    return [
        (c[f"{first}_start"], c[f"{first}_end"], c[f"{second}_start"], c[f"{second}_end"], c["kind"])
        for c in data["cases"]
    ]


def test_compare_claims_no_order_unless_told_one():
    forward, backward = _compared(str(SEED_A), str(SEED_B)), _compared(str(SEED_B), str(SEED_A))
    # the seeds share a wire: either order gives the same cases, mirrored, and neither is a summary
    assert forward["cases"] and _case_spans(forward, "a", "b") == _case_spans(backward, "b", "a")
    assert "summary" not in {c["kind"] for c in forward["cases"]}
    assert forward["b"]["derived_fraction"] == backward["a"]["derived_fraction"] < 0.7
    # told that the outlet story is the AFP story's source, compare reads the AFP story as its summary,
    # and the direction agrees with the reading
    told = _compared(str(SEED_B), str(SEED_A), "--source", "b")
    (summary,) = [c for c in told["cases"] if c["kind"] == "summary"]
    assert (summary["b_start"], summary["b_end"]) == (0, told["b"]["chars"])
    assert told["direction"]["source"] == "b"
    assert runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--source", "c"]).exit_code == 2


def test_compare_options_change_the_settings():
    strict = runner.invoke(
        app, ["compare", str(SEED_A), str(SEED_B), "--json", "--rewrite-threshold", "0.99"]
    )
    default = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json"])
    kinds = lambda r: [p["kind"] for p in json.loads(r.stdout)["passages"]]  # noqa: E731
    assert "rewrite" in kinds(default) and "rewrite" not in kinds(strict)


def test_a_bad_setting_is_a_usage_error():
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--rewrite-threshold", "3"])
    assert result.exit_code == 2
    assert "rewrite_threshold must be between" in result.stderr


def test_show_prints_the_text_offsets_point_into(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><p>"
        + "Alibaba offered software that identifies Uighurs. " * 5
        + "</p></article>"
        "</body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["show", str(page)])
    assert result.exit_code == 0
    assert result.stdout == read_article(page).text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"\x00\x01\x02", "binary file"),
        ("empty.txt", b"", "empty article"),
        ("missing.txt", None, "no such file"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["compare", str(path), str(SEED_B)])
    assert result.exit_code == 2
    assert message in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_non_utf8_input_warns_with_the_file_and_encoding(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes(read_article(SEED_A).text.encode("cp1252"))
    result = runner.invoke(app, ["compare", str(path), str(SEED_B), "--json"])
    assert result.exit_code == 0
    article = read_article(path)
    assert article.text == read_article(SEED_A).text
    assert f"{path} is not UTF-8; decoded as {article.encoding}" in " ".join(result.stderr.split())
    assert json.loads(result.stdout)["passages"]


def test_every_command_has_a_docstring_with_an_example():
    for command in app.registered_commands:
        assert command.callback.__doc__ and "Example:" in command.callback.__doc__, command.name


def test_settings_come_from_dedup_toml_or_config_and_are_reported(tmp_path, monkeypatch):
    (tmp_path / "dedup.toml").write_text("[settings]\nrewrite_threshold = 0.99\nseed_threshold = 0.3\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["settings"]["rewrite_threshold"] == 0.99
    assert "rewrite" not in [p["kind"] for p in data["passages"]]
    assert "dedup.toml" in result.stderr and "rewrite_threshold=0.99" in result.stderr
    other = tmp_path / "other.toml"
    other.write_text(Settings(min_verbatim_tokens=9).to_toml())
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json", "--config", str(other)])
    assert json.loads(result.stdout)["settings"]["min_verbatim_tokens"] == 9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[settings]\nngram = 0\n", "ngram must be between"),
        ("[settings]\nno_such_thing = 1\n", "unknown setting(s) no_such_thing"),
        ("not toml at all [", "not a readable TOML settings file"),
    ],
)
def test_a_bad_settings_file_is_a_clear_error(tmp_path, content, message):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--config", str(config)])
    assert result.exit_code == 2 and message in result.stderr


def test_the_cli_imports_heavy_and_optional_libraries_only_when_a_command_needs_them():
    """`dedup --help` stays fast: dask, redis, matplotlib, scikit-learn and datasketch load lazily."""
    import subprocess
    import sys

    heavy = ("dask", "distributed", "redis", "matplotlib", "sklearn", "datasketch", "trafilatura")
    code = f"import sys, dedup.cli; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == ""


def test_the_readmes_compare_json_example_is_what_compare_prints(monkeypatch):
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"`--json` prints.*?```json\n(.*?)```", readme, re.S).group(1))
    monkeypatch.chdir(ROOT)  # the example's paths are relative to the project, as a user types them
    out = runner.invoke(app, ["compare", example["a"]["path"], example["b"]["path"], "--json"])
    printed = json.loads(out.stdout)
    for side in "ab":
        assert {key: printed[side][key] for key in example[side]} == example[side]
    assert printed["passages"] == example["passages"]
    assert printed["cases"] == example["cases"]
    assert printed["sharing"] == example["sharing"]


def test_the_rewrite_threshold_option_says_what_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "rewrite_threshold = 0.4    # rewrite-model probability" in readme
    shown = runner.invoke(app, ["compare", "--help"], env={"COLUMNS": "200"})
    assert "Rewrite-model probability a matched sentence pair must reach" in shown.stdout
