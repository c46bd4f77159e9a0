from __future__ import annotations

import dataclasses

import pytest

from dedup.errors import SettingsError
from dedup.settings import CONSTRAINTS, Settings


def test_every_field_has_a_constraint():
    assert {f.name for f in dataclasses.fields(Settings)} == set(CONSTRAINTS)


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
