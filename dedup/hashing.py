"""Content words hashed, and vectorised MinHash signatures of passage windows, in datasketch's ``affine32``
scheme.

A document's *features* are its folded content words (scikit-learn's English stop words left out; in CJK
text, character bigrams). A *window* is two adjacent blocks of ``block`` consecutive features, so windows
overlap by half; content-cut blocks serve to recognise boilerplate (see :func:`window_signatures`).

Each feature gets a 32-bit hash (CRC-32 of its UTF-8 bytes, computed once per distinct word in a process).
The MinHash of a set ``S`` of hashes, for permutation ``k`` with datasketch's parameters ``(a_k, b_k)`` drawn
from ``seed``, is::

    h_k(S) = min over x in S of (a_k * fmix32(x) + b_k) mod 2^32

exactly as :meth:`datasketch.MinHash.update` computes it (``fmix32`` is the MurmurHash3 finalizer), so the
rows of :func:`window_signatures` are valid ``datasketch.LeanMinHash(seed=seed, hashvalues=row,
scheme="affine32")`` values: a document's features are hashed and permuted in one numpy expression, never in
a Python call per feature or per permutation. ``P[h_k(S) = h_k(T)] = J(S, T)``, the Jaccard similarity.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dedup.settings import check
from dedup.text import CJK, ascii_words, normalize

__all__ = ["SignatureScheme", "Features", "Windows", "features", "feature_hashes", "window_signatures"]


SCHEME = "affine32"


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


@dataclass(frozen=True)
class SignatureScheme:
    """Everything that changes signature values; two signatures are comparable only under equal schemes."""

    num_perm: int = 64
    seed: int = 1
    block: int = 12

    def __post_init__(self) -> None:
        check("num_perm", self.num_perm)  # the bounds of the settings they come from
        check("window_block", self.block)

    def as_dict(self) -> dict[str, object]:
        return {
            "scheme": SCHEME,
            "hash": "crc32-utf8",
            "num_perm": self.num_perm,
            "seed": self.seed,
            "block": self.block,
        }


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


# a CJK character and the next one (a lookahead, so bigrams overlap), or a word of other scripts
_FEATURE_RE = re.compile(rf"[{CJK}](?=([{CJK}]))|(?:(?![{CJK}])\w)+")


@dataclass(frozen=True)
class Features:
    """A document's content words, each one's ``[start, end)`` in the original text, and their
    :func:`feature_hashes`."""

    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray  # uint32


_MEMO_LIMIT = 2_000_000  # words memoised per process before a memo starts again


def _memoised(memo: dict[str, int], words: list[str], value_of: Callable[[str], int], dtype) -> np.ndarray:
    """``memo[word]`` of every word, ``value_of`` computing the missing ones: one lookup pass once the words
    are known (words repeat across articles)."""
    try:
        return np.fromiter(map(memo.__getitem__, words), dtype=dtype, count=len(words))
    except KeyError:
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        for word in words:
            if word not in memo:
                memo[word] = value_of(word)
        return np.fromiter(map(memo.__getitem__, words), dtype=dtype, count=len(words))


def _crc32(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def _feature_code(word: str) -> int:
    """A word's CRC-32, or -1 when it is no feature (a stop word, a number)."""
    return -1 if word in _stop_words() or word.isdigit() else _crc32(word)


_hash_memo: dict[str, int] = {}


_code_memo: dict[str, int] = {}


def _kept(words: list[str], starts: np.ndarray, ends: np.ndarray) -> Features:
    """The :class:`Features` among ``words`` (with their offsets): stop words and numbers left out."""
    codes = _memoised(_code_memo, words, _feature_code, np.int64)
    keep = np.flatnonzero(codes >= 0)
    return Features(
        [words[i] for i in keep.tolist()], starts[keep], ends[keep], codes[keep].astype(np.uint32)
    )


def _ascii_features(text: str) -> Features:
    """:func:`features` of ASCII text, with word boundaries found in numpy (``\\w+`` runs)."""
    lowered = text.lower()
    starts, ends = ascii_words(lowered)
    return _kept([lowered[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)], starts, ends)


def features(text: str) -> Features:
    """Folded content words of ``text`` in order; CJK text gives overlapping character bigrams."""
    return _ascii_features(text) if text.isascii() else _unicode_features(text)


def _unicode_features(text: str) -> Features:
    norm = normalize(text)
    words, starts, ends = [], [], []
    for match in _FEATURE_RE.finditer(norm.text):
        word = match.group() + (match.group(1) or "")
        words.append(word)
        starts.append(match.start())
        ends.append(match.start() + len(word))
    starts_array, ends_array = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    if norm.origin is not None and words:
        origin = np.asarray(norm.origin, dtype=np.int64)
        starts_array, ends_array = origin[starts_array], origin[ends_array - 1] + 1
    return _kept(words, starts_array, ends_array)


def feature_hashes(words: list[str]) -> np.ndarray:
    """CRC-32 of each word's UTF-8 bytes, as uint32 (memoised per process: words repeat)."""
    return _memoised(_hash_memo, words, _crc32, np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


@dataclass(frozen=True)
class Windows:
    """MinHash rows of a document's windows and of its blocks, with the feature range each covers."""

    signatures: np.ndarray  # (n_windows, num_perm) uint32
    first: np.ndarray
    last: np.ndarray
    block_signatures: np.ndarray  # (n_blocks, num_perm) uint32
    block_first: np.ndarray
    block_last: np.ndarray


def window_signatures(hashes: np.ndarray, scheme: SignatureScheme) -> Windows:
    """Signatures of the windows and of the content-cut blocks of one document's feature hashes.

    Windows are two adjacent blocks of ``block`` features (by position), overlapping by half: robust to
    rewording, which is what candidate generation needs. Blocks are cut by content: a block ends after each
    feature whose mixed hash is divisible by ``block``, so a passage recurring verbatim in many documents
    (a footer, a disclaimer) is cut the same way in each wherever it starts, and its blocks get equal
    signatures there: that is how boilerplate is recognised.
    """
    a, b = _permutations(scheme.num_perm, scheme.seed)
    empty_rows, empty = np.zeros((0, scheme.num_perm), dtype=np.uint32), np.zeros(0, dtype=np.int64)
    if hashes.size == 0:
        return Windows(empty_rows, empty, empty, empty_rows, empty, empty)
    mixed = _fmix32(hashes)
    with np.errstate(over="ignore"):
        permuted = mixed[:, None] * a[None, :] + b[None, :]
    cuts = np.flatnonzero(mixed[:-1] % np.uint32(scheme.block) == 0) + 1
    content_starts = np.r_[0, cuts].astype(np.int64)
    content_ends = np.r_[cuts, hashes.size].astype(np.int64)
    content_blocks = np.minimum.reduceat(permuted, content_starts, axis=0)
    starts = np.arange(0, hashes.size, scheme.block, dtype=np.int64)
    ends = np.minimum(starts + scheme.block, hashes.size)
    blocks = np.minimum.reduceat(permuted, starts, axis=0)
    if len(blocks) > 1:
        blocks, starts, ends = np.minimum(blocks[:-1], blocks[1:]), starts[:-1], ends[1:]
    return Windows(blocks, starts, ends, content_blocks, content_starts, content_ends)
