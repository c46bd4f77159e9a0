"""Build the bundled background IDF (``dedup/data/background_idf.json.gz``) from training data only.

Counts, per word, the sentences holding it over the MSRP training sentences (news) and the PAN 2013 training
documents; words seen in fewer than ``--min-df`` sentences are left out (they get the highest IDF anyway).
Only counts are stored, never text.

    python benchmarks/build_background_idf.py ../shared/data
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator
from pathlib import Path

from dedup.align.similarity import IdfModel
from dedup.text import split_sentences, tokenize


def _sentences(text: str) -> Iterator[list[str]]:
    tokens = tokenize(text)
    for sentence in split_sentences(text, tokens):
        yield [t.form for t in tokens[sentence.first : sentence.last]]


def _training_texts(data: Path) -> Iterator[str]:
    with open(data / "msrp" / "msr_paraphrase_train.txt", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield row["#1 String"]
            yield row["#2 String"]
    for folder in ("src", "susp"):
        for path in sorted((data / "pan13" / "train" / folder).glob("*.txt")):
            yield path.read_text(encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder (holds msrp/ and pan13/)")
    parser.add_argument("--min-df", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("dedup/data/background_idf.json.gz"))
    args = parser.parse_args()
    model = IdfModel.from_sentences(
        (s for text in _training_texts(args.data) for s in _sentences(text)), min_df=args.min_df
    )
    model.save(args.out)
    print(f"{args.out}: {model.n_docs:,} sentences, {len(model.df):,} words")


if __name__ == "__main__":
    main()
