"""An article's signatures under the settings: the LSH band keys of its windows, and the keys, character spans
and content words of its content-cut blocks (what candidates, boilerplate and the index are made of)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from dedup.candidates.lsh import band_keys, lsh_parameters
from dedup.hashing import SignatureScheme, Windows, features, window_signatures
from dedup.settings import Settings
from dedup.sources import Article

__all__ = ["Signed", "sign", "signature_scheme", "lsh_bands", "windows_of"]


def signature_scheme(settings: Settings) -> SignatureScheme:
    return SignatureScheme(num_perm=settings.num_perm, block=settings.window_block)


@dataclass(frozen=True, slots=True)
class Signed:
    """An article with the LSH band keys of its windows, and the keys, character spans and content words of
    its blocks."""

    article: Article
    keys: np.ndarray  # (n_windows, bands) uint64
    block_keys: np.ndarray  # (n_blocks,) uint64: a block's whole signature, for boilerplate
    block_spans: np.ndarray  # (n_blocks, 2) int32 (int64 for a text of 2**31 characters or more)
    block_words: np.ndarray  # (n_blocks,) int32: they add up to the article's content words

    def without_keys(self) -> Signed:
        """This article once its band keys are packed (they are not held twice). Every article of a chunk
        shares one empty array, which pickling sends once: a scan's parent holds a million of these."""
        return Signed(
            self.article, _no_keys(self.keys.shape[1]), self.block_keys, self.block_spans, self.block_words
        )


@cache
def _no_keys(bands: int) -> np.ndarray:
    empty = np.zeros((0, bands), dtype=np.uint64)
    empty.flags.writeable = False
    return empty


def windows_of(text: str, settings: Settings) -> Windows:
    """The MinHash rows of a text's windows and blocks under the settings' signature scheme."""
    return window_signatures(features(text).hashes, signature_scheme(settings))


def sign(article: Article, settings: Settings) -> Signed:
    """Band keys of an article's windows; whole-signature keys, character spans and content words of its
    blocks."""
    found = features(article.text)
    windows = window_signatures(found.hashes, signature_scheme(settings))
    if found.words:
        spans = np.stack([found.starts[windows.block_first], found.ends[windows.block_last - 1]], axis=1)
        spans = spans.astype(np.int32 if len(article.text) < 2**31 else np.int64)
    else:
        spans = np.zeros((0, 2), dtype=np.int32)
    blocks, words = block_keys(windows, settings)
    return Signed(article, band_keys(windows.signatures, *lsh_bands(settings)), blocks, spans, words)


def block_keys(windows: Windows, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The key of each content-cut block's whole signature, and the block's number of content words."""
    keys = band_keys(windows.block_signatures, 1, settings.num_perm)[:, 0]
    return keys, (windows.block_last - windows.block_first).astype(np.int32)


_band_cache: dict[tuple[float, int], tuple[int, int]] = {}


def lsh_bands(settings: Settings) -> tuple[int, int]:
    """``(bands, rows)`` of the LSH for these settings (computed once per process)."""
    key = (settings.lsh_threshold, settings.num_perm)
    if key not in _band_cache:
        _band_cache[key] = lsh_parameters(*key)
    return _band_cache[key]
