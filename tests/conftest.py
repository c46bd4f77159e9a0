from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
SHARED_DATA = ROOT.parent / "shared" / "data"
SEED_A = CORPORA / "000_81ea75a533acccf5.txt"
SEED_B = CORPORA / "002_c4bf7bb208899a3e.txt"


@pytest.fixture(scope="session")
def seeds():
    from dedup.sources import read_article

    return read_article(SEED_A), read_article(SEED_B)


@pytest.fixture(scope="session")
def seed_comparison(seeds):
    from dedup.comparison import compare

    return compare(*seeds)
