"""dedup: find derivative news — shared passages between articles, with offsets into the original text.

    >>> import dedup
    >>> comparison = dedup.compare("corpora/000_81ea75a533acccf5.txt", "corpora/002_c4bf7bb208899a3e.txt")

Names are imported on first use, so ``import dedup`` (and ``dedup --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["compare", "scan", "read_article", "Article", "Comparison", "Passage", "Settings", "Index"]

_WHERE = {
    "compare": "dedup.comparison",
    "scan": "dedup.corpus",
    "read_article": "dedup.sources",
    "Article": "dedup.sources",
    "Comparison": "dedup.model",
    "Passage": "dedup.model",
    "Settings": "dedup.settings",
    "Index": "dedup.index",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
