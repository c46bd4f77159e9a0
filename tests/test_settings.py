from __future__ import annotations

import dataclasses

import pytest

from dedup.errors import SettingsError
from dedup.settings import CONSTRAINTS, STAGES, Settings, stage_fields


def test_every_field_is_declared_once_with_its_bounds_stage_and_meaning():
    fields = dataclasses.fields(Settings)
    assert {f.name for f in fields} == set(CONSTRAINTS)
    described = Settings.describe().splitlines()
    for f, line in zip(fields, described, strict=True):
        assert f.metadata["stage"] in STAGES and len(f.metadata["doc"]) > 20
        low, high = f.metadata["low"], f.metadata["high"]
        assert low <= f.default <= high and CONSTRAINTS[f.name] == (type(f.default), low, high)
        assert line.startswith(f"{f.name} = {f.default!r} ({low} to {high}; {f.metadata['stage']}): ")


def test_the_alignment_stage_is_what_changes_passages():
    from dedup.align.passages import align
    from dedup.align.prepare import prepare

    from .conftest import SEED_A, SEED_B

    a, b = (prepare(path.read_text(encoding="utf-8")) for path in (SEED_A, SEED_B))
    base = align(a, b, Settings())
    # a setting of another stage leaves the passages as they are; every alignment setting can move them
    for name in ("lsh_threshold", "boilerplate_docs", "region_gap_chars", "wholly_derived"):
        assert name not in stage_fields("align")
        low, high = CONSTRAINTS[name][1:]
        other = Settings().replace(**{name: type(getattr(Settings(), name))(high)})
        assert align(a, b, other) == base, name
    assert set(stage_fields("align")) == {
        "ngram",
        "max_gap_tokens",
        "min_verbatim_tokens",
        "seed_threshold",
        "rewrite_threshold",
        "context_threshold",
        "split_similarity",
        "min_rewrite_tokens",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ngram": 0}, "ngram must be between 1 and 12"),
        ({"rewrite_threshold": 1.5}, "rewrite_threshold must be between"),
        ({"ngram": 2.5}, "ngram must be int"),
        ({"ngram": True}, "ngram must be int"),
        ({"partially_derived": 0.9, "wholly_derived": 0.5}, "must not exceed wholly_derived"),
        ({"ngram": 5, "min_verbatim_tokens": 3}, "must be at least ngram"),
    ],
)
def test_bad_values_raise_naming_the_parameter(changes, message):
    with pytest.raises(SettingsError, match=message):
        Settings(**changes)


def test_settings_are_frozen_and_replace_validates():
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.ngram = 4  # type: ignore[misc]
    assert settings.replace(ngram=4).ngram == 4
    with pytest.raises(SettingsError):
        settings.replace(ngram=-1)
    assert settings.as_dict()["rewrite_threshold"] == settings.rewrite_threshold
