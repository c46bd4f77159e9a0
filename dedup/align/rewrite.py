"""Is one wording a rewrite of another? A logistic model over lexical overlap features.

A single TF-IDF cosine cannot tell a rewrite from a sentence on the same event that says something else
("shares rose 3 %" / "shares fell 5 %"): both share most words. The decision therefore weighs several
measures of overlap, each taken in both directions and reported as (min, max) so the decision does not
depend on which text is ``a``:

* word and character TF-IDF cosines (:mod:`dedup.align.similarity`);
* containment of word 1-, 2- and 3-grams, ``|G(a) & G(b)| / |G(a)|``, and of content words and content
  bigrams (content = not among the model's function words, the most frequent words of the background);
* containment of character 3-, 4- and 5-grams of the folded text;
* the longest common subsequence of words, as a share of each side;
* numbers: whether the sets differ, and their Jaccard distance (a changed figure is a changed fact);
* names (words written with a capital initial): containment;
* the share of each side's IDF mass left unmatched; the ratio of lengths and both lengths (log), so
  short and long units may need different evidence.

With features ``x`` standardised by the training mean ``m`` and scale ``s``,
``P(rewrite) = 1 / (1 + exp(-(w . (x - m) / s + c)))``. Coefficients are fitted by
``benchmarks/train_rewrite_model.py`` on training splits only (MSRP sentence pairs and the aligner's own
candidate units on PAN 2013) and stored as JSON (never pickle). The model learns *derivation*: a sentence
that condenses another is a rewrite here, though MSRP would call it no paraphrase.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from dedup.align.similarity import IdfModel, paired_cosines, term_idf
from dedup.errors import DedupError
from dedup.text import Tokens

__all__ = [
    "Wording",
    "wording",
    "FEATURES",
    "features",
    "common_subsequence",
    "character_containment",
    "RewriteModel",
    "fit",
    "default_model",
]


_FORMAT = "dedup-rewrite-model/1"


@dataclass(frozen=True)
class Wording:
    """The folded words of a passage and those among them written with a capital initial."""

    forms: Sequence[str]
    names: frozenset[str]


def wording(text: str, tokens: Tokens) -> Wording:
    """The :class:`Wording` of ``tokens`` of ``text``."""
    starts = tokens.starts.tolist()
    return Wording(
        tokens.forms, frozenset(f for f, s in zip(tokens.forms, starts, strict=True) if text[s].isupper())
    )


def _pairs(name: str) -> list[str]:
    return [f"{name} min", f"{name} max"]


CHARACTER_GRAMS = (3, 4, 5)


FEATURES: tuple[str, ...] = (
    "word cosine",
    "character cosine",
    *(f for n in CHARACTER_GRAMS for f in _pairs(f"character {n}-grams")),
    *(f for n in (1, 2, 3) for f in _pairs(f"word {n}-grams")),
    *_pairs("content words"),
    *_pairs("content bigrams"),
    *_pairs("common subsequence"),
    "numbers differ",
    "numbers distance",
    *_pairs("names"),
    *_pairs("unmatched idf"),
    "length ratio",
    "shorter length (log)",
    "longer length (log)",
)


def _both_ways(shared: int, size_a: int, size_b: int) -> list[float]:
    first, second = shared / max(size_a, 1), shared / max(size_b, 1)
    return [min(first, second), max(first, second)]


def _containment(a: set, b: set) -> list[float]:
    return _both_ways(len(a & b), len(a), len(b))


def _gram_containment(symbols: np.ndarray, lengths: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Containment of the n-gram sets (n in ``sizes``) of sequences ``i`` and ``count + i`` of a batch of
    ``2 * count`` sequences of non-negative integer symbols laid end to end (``lengths`` each), as (min, max)
    per n: shape ``(count, 2 * len(sizes))``.

    Exact, without hashing: the code of the n-gram at position ``p`` is its ``n`` symbols as digits of base
    ``B`` (symbols + 1); its key appends the pair ``i`` (base ``count``) and the side (base 2). When codes
    would grow past 62 bits they are renumbered by rank, which keeps equal grams equal. One sort of the keys
    per ``n`` then brings each gram's occurrences in a pair's two sequences together.
    """
    count = len(lengths) // 2
    if not count or not lengths.sum():
        return np.zeros((count, 2 * len(sizes)))
    sequence_of = np.repeat(np.arange(len(lengths)), lengths)
    pair_side = (sequence_of % count) * 2 + (sequence_of >= count)
    room = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(symbols))  # symbols left in its sequence
    base = int(symbols.max()) + 2
    limit = ((1 << 62) - 2 * count) // (2 * count * base)  # a code below it keeps the next key in 63 bits
    digits = np.r_[symbols + 1, np.zeros(max(sizes), dtype=np.int64)]
    codes, columns = np.zeros(len(symbols), dtype=np.int64), []
    for n in range(1, max(sizes) + 1):
        if int(codes.max()) >= limit:
            codes = np.unique(codes, return_inverse=True)[1]
        codes = codes * base + digits[n - 1 : n - 1 + len(symbols)]
        if n not in sizes:
            continue
        whole = room >= n
        keys = np.sort(codes[whole] * (2 * count) + pair_side[whole])
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        keys = keys[first]  # each gram once per sequence
        pairs = (keys >> 1) % count
        set_sizes = np.bincount(pairs * 2 + (keys & 1), minlength=2 * count).reshape(count, 2)
        grams = keys >> 1
        shared = np.bincount(pairs[1:][grams[1:] == grams[:-1]], minlength=count)
        one_way, other_way = (shared / np.maximum(set_sizes[:, side], 1) for side in (0, 1))
        columns += [np.minimum(one_way, other_way), np.maximum(one_way, other_way)]
    return np.column_stack(columns)


def character_containment(first: Sequence[str], second: Sequence[str]) -> np.ndarray:
    """Containment of the character n-gram sets (n in :data:`CHARACTER_GRAMS`) of ``first[i]`` and
    ``second[i]``, as (min, max) per n: shape ``(len(first), 2 * len(CHARACTER_GRAMS))``; the characters'
    code points are the symbols of :func:`_gram_containment`."""
    texts = [*first, *second]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    characters = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return _gram_containment(characters, lengths, CHARACTER_GRAMS)


def _word_containment(pairs: Sequence[tuple[Wording, Wording]], function_words: frozenset[str]) -> np.ndarray:
    """Containment of word 1-, 2- and 3-grams, then of content words and content bigrams (function words
    left out), of each pair of wordings, as (min, max) each: shape ``(len(pairs), 10)``."""
    sequences = [a.forms for a, _ in pairs] + [b.forms for _, b in pairs]
    numbers: dict[str, int] = {}
    words = np.fromiter(
        (numbers.setdefault(word, len(numbers)) for forms in sequences for word in forms), dtype=np.int64
    )
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    function = np.zeros(len(numbers) + 1, dtype=bool)
    function[[k for word, k in numbers.items() if word in function_words]] = True
    content = ~function[words]
    sequence_of = np.repeat(np.arange(len(sequences)), lengths)
    content_lengths = np.bincount(sequence_of[content], minlength=len(sequences))
    return np.column_stack(
        [
            _gram_containment(words, lengths, (1, 2, 3)),
            _gram_containment(words[content], content_lengths, (1, 2)),
        ]
    )


def common_subsequence(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two word sequences.

    Bit-parallel (Allison & Dix 1986): bit ``i`` of ``v`` is 1 while ``a[i]`` is unmatched; each word of
    ``b`` updates all bits at once with ``u = v & M[word]``, ``v = (v + u) | (v - u)``, where ``M[word]`` has
    the bits of that word's positions in ``a``. The answer is the number of zero bits left: ``|b|``
    big-integer steps instead of ``|a| * |b|`` table cells.
    """
    positions: dict[str, int] = {}
    for i, word in enumerate(a):
        positions[word] = positions.get(word, 0) | (1 << i)
    everything = (1 << len(a)) - 1
    v = everything
    for word in b:
        u = v & positions.get(word, 0)
        v = ((v + u) | (v - u)) & everything
    return len(a) - v.bit_count()


def _unmatched_idf(mine: set[str], theirs: set[str], idf: dict[str, float]) -> float:
    terms = sorted(mine)
    weights = np.fromiter(map(idf.__getitem__, terms), dtype=np.float64, count=len(terms))
    unmatched = sum(w for t, w in zip(terms, weights.tolist(), strict=True) if t not in theirs)
    return float(unmatched / weights.sum()) if terms else 0.0


def _row(a: Wording, b: Wording, idf: dict[str, float]) -> list[float]:
    """The features that :func:`_word_containment` does not compute, from common subsequence onwards."""
    words_a, words_b = set(a.forms), set(b.forms)
    row = _both_ways(common_subsequence(a.forms, b.forms), len(a.forms), len(b.forms))
    numbers_a = {f for f in a.forms if f.isdigit()}
    numbers_b = {f for f in b.forms if f.isdigit()}
    either = numbers_a | numbers_b
    row += [float(numbers_a != numbers_b), len(numbers_a ^ numbers_b) / len(either) if either else 0.0]
    row += _containment(set(a.names), set(b.names))
    unmatched = [_unmatched_idf(words_a, words_b, idf), _unmatched_idf(words_b, words_a, idf)]
    row += [min(unmatched), max(unmatched)]
    shorter, longer = sorted((len(a.forms), len(b.forms)))
    row += [shorter / max(longer, 1), np.log1p(shorter), np.log1p(longer)]
    return row


def features(
    pairs: Sequence[tuple[Wording, Wording]],
    idf_model: IdfModel,
    function_words: frozenset[str],
    cosines: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The :data:`FEATURES` of each pair of wordings, shape ``(len(pairs), len(FEATURES))``; ``cosines``
    are their word and character cosines where already known (NaN elsewhere), as
    :func:`~dedup.align.similarity.paired_cosines` takes them."""
    if not pairs:
        return np.zeros((0, len(FEATURES)))
    words, chars = paired_cosines(
        [a.forms for a, _ in pairs], [b.forms for _, b in pairs], idf_model, cosines
    )
    grams = character_containment(
        [" ".join(a.forms) for a, _ in pairs], [" ".join(b.forms) for _, b in pairs]
    )
    vocabulary = list(dict.fromkeys(word for pair in pairs for wording in pair for word in wording.forms))
    idf = dict(zip(vocabulary, term_idf(vocabulary, idf_model).tolist(), strict=True))
    rows = [_row(a, b, idf) for a, b in pairs]
    return np.column_stack(
        [
            np.minimum(words, 1.0),
            np.minimum(chars, 1.0),
            grams,
            _word_containment(pairs, function_words),
            np.asarray(rows),
        ]
    )


@dataclass(frozen=True)
class RewriteModel:
    """Standardisation and logistic coefficients over :data:`FEATURES`, with the function words used."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    function_words: frozenset[str]
    trained_on: str = ""

    def probability(
        self,
        pairs: Sequence[tuple[Wording, Wording]],
        idf_model: IdfModel,
        cosines: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """``P(rewrite)`` of each pair of wordings (``cosines`` as :func:`features` takes them)."""
        if not pairs:
            return np.zeros(0)
        return self.probability_of(features(pairs, idf_model, self.function_words, cosines))

    def probability_of(self, feature_rows: np.ndarray) -> np.ndarray:
        """``P(rewrite)`` from rows of :func:`features`."""
        logits = ((feature_rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: str | Path) -> None:
        data = {
            "format": _FORMAT,
            "features": list(FEATURES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "function_words": sorted(self.function_words),
            "trained_on": self.trained_on,
        }
        Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> RewriteModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise DedupError(f"{path}: not a readable rewrite model ({error})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise DedupError(f"{path}: not a rewrite model of format {_FORMAT}")
        if data.get("features") != list(FEATURES):
            raise DedupError(f"{path}: made for other features than this version of dedup computes")
        return cls(
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
            frozenset(data["function_words"]),
            str(data.get("trained_on", "")),
        )


def fit(
    feature_rows: np.ndarray,
    labels: np.ndarray,
    function_words: frozenset[str],
    *,
    regularization: float = 1.0,
    trained_on: str = "",
) -> RewriteModel:
    """Fit the logistic model (scikit-learn, L2 penalty ``1 / regularization``) on standardised features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(feature_rows)
    classifier = LogisticRegression(C=regularization, max_iter=10_000)
    classifier.fit(scaler.transform(feature_rows), labels)
    return RewriteModel(
        scaler.mean_, scaler.scale_, classifier.coef_[0], float(classifier.intercept_[0]), function_words,
        trained_on,
    )  # fmt: skip


_default: RewriteModel | None = None


def default_model() -> RewriteModel:
    """The bundled model (fitted on MSRP train and PAN 2013 train units), loaded once."""
    global _default
    if _default is None:
        _default = RewriteModel.load(Path(str(resources.files("dedup") / "data" / "rewrite_model.json")))
    return _default
