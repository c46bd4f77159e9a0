"""Synthetic derived news with span truth, for scale runs.

Originals are sampled from a word-bigram Markov chain fitted on a text source (default: the PAN 2013 training
sources in ``../shared/data``; any folder of .txt works). The chain is sampled for all articles at once in
numpy, so 100k articles take seconds. A share of articles are derived from an earlier original:

- ``republished``: the whole original under a new introduction;
- ``edited``: the whole original with about 5 % of its words replaced;
- ``rewritten``: every sentence's words shuffled and about 20 % replaced;
- ``excerpted``: two to four consecutive sentences of the original inside a new article.

With ``--stock-phrases N``, every new text also quotes ``--phrases-per-article`` phrases drawn from a pool of
``N`` (stock phrases, lists of names: 12 to 30 words of the chain), each glued to one of its sentences. They are
chance overlap, not derivation: unrelated articles share them, as news shares agency boilerplate and quotes, and
the truth never lists them.

Writes ``articles-NNN.jsonl`` shards (``id``, ``text``, ``date``) and ``truth.jsonl`` (one line per derived article:
``derived``, ``source``, ``kind``, and character spans ``derived_start/end``, ``source_start/end``), and the same
truth as labelled pairs for ``dedup bench sweep`` in ``pairs.jsonl`` (README format: ``a``, ``b``, ``label``,
``spans``, ``kind``), with as many unrelated pairs of two originals as negatives.

    .venv/bin/python benchmarks/synth.py --articles 100000 --out /tmp/synth
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[.]")


class Markov:
    """A word-bigram chain: successors of every word stored flat, sampled with one numpy step per word."""

    def __init__(self, texts: Iterator[str], max_words: int = 3_000_000) -> None:
        words: list[str] = []
        for text in texts:
            words += _WORD.findall(text)
            if len(words) > max_words:
                break
        vocabulary, ids = np.unique(np.array(words), return_inverse=True)
        order = np.argsort(ids[:-1], kind="stable")
        self.vocabulary = vocabulary
        self.successors = ids[1:][order]
        counts = np.bincount(ids[:-1], minlength=len(vocabulary))
        self.offsets = np.r_[0, np.cumsum(counts)[:-1]]
        self.counts = np.maximum(counts, 1)
        self.period = int(np.searchsorted(vocabulary, "."))

    def sample(self, rng: np.random.Generator, streams: int, length: int) -> np.ndarray:
        """``streams`` independent walks of ``length`` words, as word ids (shape ``streams x length``)."""
        walks = np.empty((streams, length), dtype=np.int64)
        state = np.full(streams, self.period)
        for step in range(length):
            pick = (rng.random(streams) * self.counts[state]).astype(np.int64)
            state = self.successors[np.minimum(self.offsets[state] + pick, len(self.successors) - 1)]
            walks[:, step] = state
        return walks

    def render(self, ids: np.ndarray) -> list[str]:
        """Sentences (lists of words ending in a full stop) from word ids."""
        sentences, current = [], []
        for word in self.vocabulary[ids]:
            if word == ".":
                if len(current) >= 4:
                    sentences.append(current[0].capitalize() + " " + " ".join(current[1:]) + ".")
                current = []
            else:
                current.append(word)
        return sentences


def _text(sentences: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Paragraphs of two sentences; also each sentence's ``[start, end)``."""
    parts, spans, position = [], [], 0
    for index, sentence in enumerate(sentences):
        separator = "" if index == 0 else ("\n\n" if index % 2 == 0 else " ")
        position += len(separator)
        spans.append((position, position + len(sentence)))
        parts.append(separator + sentence)
        position += len(sentence)
    return "".join(parts), spans


def _replace_words(sentence: str, share: float, rng: np.random.Generator, vocabulary: np.ndarray) -> str:
    words = sentence.rstrip(".").split()
    for i in np.flatnonzero(rng.random(len(words)) < share):
        words[i] = str(vocabulary[rng.integers(len(vocabulary))])
    return " ".join(words) + "."


def _stock_phrases(markov: Markov, rng: np.random.Generator, count: int) -> list[str]:
    walks = markov.sample(rng, count, 30)
    lengths = rng.integers(12, 31, size=count)
    vocabulary = markov.vocabulary
    return [
        " ".join(w for w in vocabulary[walk[:length]] if w != ".")
        for walk, length in zip(walks, lengths, strict=True)
    ]


def _quoting(sentences: list[str], phrases: list[str], rng: np.random.Generator) -> list[str]:
    """``sentences`` with each of ``phrases`` glued to one of them as a clause."""
    sentences = list(sentences)
    for phrase in phrases:
        at = int(rng.integers(len(sentences)))
        sentences[at] = f"{sentences[at][:-1]}, {phrase}."
    return sentences


def generate(
    markov: Markov,
    articles: int,
    seed: int,
    words: int = 700,
    stock_phrases: int = 0,
    phrases_per_article: int = 0,
    source_window: int = 100_000,
) -> Iterator[tuple[dict, dict | None]]:
    """``(article, truth or None)`` for ``articles`` articles of about ``words`` words, each new text quoting
    ``phrases_per_article`` of a pool of ``stock_phrases`` phrases. A derived article's source is one of the
    last ``source_window`` originals (news reuses recent copy; memory holds that many texts, not all)."""
    rng = np.random.default_rng(seed)
    pool = _stock_phrases(markov, rng, stock_phrases) if stock_phrases else []
    kinds = rng.choice(
        ["original", "republished", "edited", "rewritten", "excerpted"],
        size=articles, p=[0.6, 0.1, 0.1, 0.1, 0.1],
    )  # fmt: skip
    kinds[: max(1, articles // 50)] = "original"
    originals: list[tuple[int, list[str], str]] = []
    originals_seen = 0
    start_day = date(2020, 1, 1)
    batch = 2000
    for first in range(0, articles, batch):
        walks = markov.sample(rng, min(batch, articles - first), words)
        for offset, walk in enumerate(walks):
            number = first + offset
            own = markov.render(walk)
            if pool and own:
                picks = rng.integers(len(pool), size=phrases_per_article)
                own = _quoting(own, [pool[k] for k in picks], rng)
            kind = kinds[number] if originals else "original"
            article_id = f"a{number:07d}"
            day = (start_day + timedelta(days=int(number * 3650 / max(articles, 1)))).isoformat()
            if kind == "original":
                text, _ = _text(own)
                if len(originals) < source_window:
                    originals.append((number, own, text))
                else:  # a ring: the oldest original gives way
                    originals[originals_seen % source_window] = (number, own, text)
                originals_seen += 1
                yield {"id": article_id, "text": text, "date": day}, None
                continue
            source_number, source_sentences, source_text = originals[int(rng.integers(len(originals)))]
            _, source_spans = _text(source_sentences)
            if kind == "republished":
                sentences, lo, hi = own[:3] + source_sentences, 3, 3 + len(source_sentences)
                span_source = (0, len(source_text))
            elif kind == "edited":
                sentences = [_replace_words(s, 0.05, rng, markov.vocabulary) for s in source_sentences]
                lo, hi, span_source = 0, len(sentences), (0, len(source_text))
            elif kind == "rewritten":
                sentences = []
                for s in source_sentences:
                    shuffled = list(rng.permutation(s.rstrip(".").split()))
                    sentences.append(
                        _replace_words(" ".join(shuffled).capitalize() + ".", 0.2, rng, markov.vocabulary)
                    )
                lo, hi, span_source = 0, len(sentences), (0, len(source_text))
            else:
                count = int(rng.integers(2, 5))
                begin = int(rng.integers(0, max(1, len(source_sentences) - count)))
                excerpt = source_sentences[begin : begin + count]
                lo = min(len(own), int(rng.integers(2, 8)))
                sentences, hi = own[:lo] + excerpt + own[lo:], lo + len(excerpt)
                span_source = (source_spans[begin][0], source_spans[begin + len(excerpt) - 1][1])
            text, spans = _text(sentences)
            truth = {
                "derived": article_id, "source": f"a{source_number:07d}", "kind": str(kind),
                "derived_start": spans[lo][0], "derived_end": spans[hi - 1][1],
                "source_start": span_source[0], "source_end": span_source[1],
            }  # fmt: skip
            yield {"id": article_id, "text": text, "date": day}, truth


def _source_texts(folder: Path) -> Iterator[str]:
    for path in sorted(folder.glob("*.txt")):
        yield path.read_text(encoding="utf-8", errors="replace")


def _write_pairs(path: Path, truths: list[dict], originals: list[str], shard: int, rng) -> None:
    """The truth as labelled pairs (``dedup bench sweep`` format), plus as many pairs of two originals."""

    def ref(article_id: str) -> str:
        return f"articles-{int(article_id[1:]) // shard:03d}.jsonl#{article_id}"

    lines = []
    for t in truths:
        spans = [[t["derived_start"], t["derived_end"], t["source_start"], t["source_end"]]]
        record = {
            "a": ref(t["derived"]),
            "b": ref(t["source"]),
            "label": 1,
            "spans": spans,
            "kind": t["kind"],
        }
        lines.append(json.dumps(record))
    for _ in range(len(truths) if len(originals) > 1 else 0):
        first, second = rng.choice(len(originals), size=2, replace=False)
        record = {
            "a": ref(originals[first]),
            "b": ref(originals[second]),
            "label": 0,
            "spans": [],
            "kind": "none",
        }
        lines.append(json.dumps(record))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _write_shards(folder: Path, records: Iterator[dict], shard: int) -> None:
    """``articles-NNN.jsonl`` of ``shard`` records each, written as they come: memory holds no corpus."""
    for number, group in itertools.groupby(enumerate(records), key=lambda item: item[0] // shard):
        with open(folder / f"articles-{number:03d}.jsonl", "w", encoding="utf-8") as handle:
            for _, record in group:
                handle.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--source", type=Path, default=Path("../shared/data/pan13/train/src"))
    parser.add_argument("--shard", type=int, default=10_000, help="articles per JSONL shard")
    parser.add_argument("--words", type=int, default=700, help="words per article, about")
    parser.add_argument("--stock-phrases", type=int, default=0, help="pool of phrases shared by chance")
    parser.add_argument("--phrases-per-article", type=int, default=3)
    parser.add_argument(
        "--source-window", type=int, default=100_000, help="sources drawn from this many latest originals"
    )
    args = parser.parse_args()
    if not args.source.is_dir() or not any(args.source.rglob("*.txt")):
        parser.error(f"{args.source}: no folder of .txt source texts there; give one with --source")
    markov = Markov(_source_texts(args.source))
    args.out.mkdir(parents=True, exist_ok=True)
    truths, originals = [], []
    with open(args.out / "truth.jsonl", "w", encoding="utf-8") as truth_file:

        def articles() -> Iterator[dict]:
            for record, truth in generate(
                markov, args.articles, args.seed, args.words, args.stock_phrases, args.phrases_per_article,
                args.source_window,
            ):  # fmt: skip
                if truth:
                    truth_file.write(json.dumps(truth) + "\n")
                    truths.append(truth)
                else:
                    originals.append(record["id"])
                yield record

        _write_shards(args.out, articles(), args.shard)
    _write_pairs(args.out / "pairs.jsonl", truths, originals, args.shard, np.random.default_rng(args.seed))
    print(f"{args.articles:,} articles in {args.out}")


if __name__ == "__main__":
    main()
