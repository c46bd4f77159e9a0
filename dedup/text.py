"""Normalisation with an offset map; tokens and sentences that point back into the original text.

Matching compares *normalised* text (Unicode NFKC, case-folded, accents, quotes and dashes folded), but every
result is reported in offsets of the text exactly as it was read. :func:`normalize` therefore returns, next
to the folded string, the original index of every folded character, and tokens and sentences carry original
``start``/``end`` offsets. Normalised text never leaves this module and :mod:`dedup.align`.

Trade-offs of the folding (the same on both sides of a comparison, so they only merge, never split):
NFKC turns ``10³`` into ``103`` and ``ﬁ`` into ``fi``; accent stripping makes ``résumé`` equal ``resume``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

import numpy as np

__all__ = [
    "Normalized",
    "Token",
    "Tokens",
    "Sentence",
    "normalize",
    "tokenize",
    "split_sentences",
    "fold",
    "ascii_words",
    "CJK",
]

_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2033": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    }
)  # fmt: skip

# Han ideographs, kana: scripts written without spaces, where every character is a token (so word n-grams
# become character n-grams). Hangul is written with spaces and stays in words.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_TOKEN_RE = re.compile(rf"[{CJK}]|(?:(?![{CJK}])\w)+")


@lru_cache(maxsize=65536)
def fold(char: str) -> str:
    """Fold one character for matching: NFKC, case-fold, strip accents, fold quotes/dashes/spaces.

    >>> fold("É"), fold("’"), fold("ﬁ"), fold("—")
    ('e', "'", 'fi', '-')
    """
    folded = unicodedata.normalize("NFKC", char).casefold().translate(_PUNCT_FOLD)
    if folded.isascii():
        return folded
    stripped = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


@dataclass(frozen=True, slots=True)
class Normalized:
    """Folded text and, for every folded character, the index of the original character it came from."""

    text: str
    origin: tuple[int, ...] | None  # None when folding kept every index (pure ASCII input)
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the folded slice ``[start, end)`` (non-empty) to the original slice it came from."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def normalize(text: str) -> Normalized:
    """Fold ``text`` character by character, keeping the offset map (see :func:`fold`)."""
    if text.isascii():
        return Normalized(text.lower(), None, len(text))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return Normalized("".join(pieces), tuple(origin), len(text))


@dataclass(frozen=True, slots=True)
class Token:
    """A word (or one CJK character): its folded form and its original ``[start, end)``."""

    form: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text's tokens as parallel sequences: folded forms and original ``[start, end)`` offsets.

    No object is kept per token (an article has hundreds, and a scan holds many articles at once): indexing
    gives a :class:`Token`, slicing gives :class:`Tokens`, iterating gives every :class:`Token`.
    """

    forms: list[str]
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.forms)

    @overload
    def __getitem__(self, index: int) -> Token: ...
    @overload
    def __getitem__(self, index: slice) -> Tokens: ...
    def __getitem__(self, index: int | slice) -> Token | Tokens:
        if isinstance(index, slice):
            return Tokens(self.forms[index], self.starts[index], self.ends[index])
        return Token(self.forms[index], int(self.starts[index]), int(self.ends[index]))

    def __iter__(self) -> Iterator[Token]:
        return map(Token, self.forms, self.starts.tolist(), self.ends.tolist())


_ASCII_WORD = np.zeros(256, dtype=np.int8)
for _range in (b"az", b"AZ", b"09", b"__"):
    _ASCII_WORD[_range[0] : _range[1] + 1] = 1


ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)])  # by code point: which are whitespace


def ascii_words(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the runs of word characters (``\\w+``: letters, digits, ``_``) of ASCII ``text``,
    found with numpy rather than a regular expression."""
    edges = np.diff(np.r_[np.int8(0), _ASCII_WORD[np.frombuffer(text.encode("ascii"), np.uint8)], np.int8(0)])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def tokenize(text: str, normalized: Normalized | None = None) -> Tokens:
    """Tokens of ``text``: runs of word characters, single CJK characters; offsets into ``text``."""
    norm = normalized or normalize(text)
    if norm.origin is None:  # ASCII: folding kept every offset
        folded = norm.text
        starts, ends = ascii_words(folded)
        forms = [folded[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        return Tokens(forms, starts.astype(np.int64), ends.astype(np.int64))
    forms, start_list, end_list = [], [], []
    for match in _TOKEN_RE.finditer(norm.text):
        start, end = norm.original_span(match.start(), match.end())
        forms.append(match.group())
        start_list.append(start)
        end_list.append(end)
    return Tokens(forms, np.array(start_list, dtype=np.int64), np.array(end_list, dtype=np.int64))


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as the half-open token range ``[first, last)`` and its original ``[start, end)``."""

    first: int
    last: int
    start: int
    end: int


# A sentence ends at . ! ? … (or their CJK forms), optionally followed by closing quotes or brackets, when
# whitespace follows (CJK full stops need none); a line break always ends one (news paragraphs are lines).
_CLOSERS = "\"'\u2019\u201d\u300d\u300f)\\]"
_STOP_RE = re.compile(rf"[.!?\u2026][{_CLOSERS}]*(?=\s)|[\u3002\uff01\uff1f][{_CLOSERS}]*")
_BREAK_RE = re.compile(r"\n\s*")


def _boundary_ends(text: str) -> list[int]:
    r"""Where sentence boundaries end, and the text's end, ascending: the ends of the matches of
    ``_STOP_RE|\s*\n\s*``. Its two kinds of match never overlap, so they are found apart, each pattern
    starting with what a regular expression skips to fast: a full stop, or a line break (``\n\s*`` ends
    where ``\s*\n\s*`` does, at the end of the whitespace around the break)."""
    ends = {m.end() for m in _STOP_RE.finditer(text)}
    ends.update(m.end() for m in _BREAK_RE.finditer(text))
    ends.add(len(text))
    return sorted(ends)


def split_sentences(text: str, tokens: Tokens, min_tokens: int = 1) -> list[Sentence]:
    """Split ``text`` into sentences of at least ``min_tokens`` tokens, with token ranges and offsets.

    A shorter piece (a list line, a dateline, a heading) joins the sentence after it; a short last piece
    joins the one before.
    """
    cuts = _boundary_ends(text)
    bounds: list[list[int]] = []  # [first, last) token ranges
    pending = 0
    # the tokens starting before each cut
    for token_index in np.searchsorted(tokens.starts, cuts, side="left").tolist():
        if token_index - pending >= min_tokens:
            bounds.append([pending, token_index])
            pending = token_index
    if pending < len(tokens):
        if bounds:
            bounds[-1][1] = len(tokens)
        else:
            bounds.append([pending, len(tokens)])
    if not bounds:
        return []
    firsts, lasts = np.array(bounds, dtype=np.int64).T
    return list(
        map(
            Sentence,
            firsts.tolist(),
            lasts.tolist(),
            tokens.starts[firsts].tolist(),
            tokens.ends[lasts - 1].tolist(),
        )
    )
