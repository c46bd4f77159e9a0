"""Labelled article pairs from public corpora or a user's own file, in one shape for the threshold sweeps.

Every loader gives :class:`LabelledData`: pairs ``(a, b)`` of articles, whether ``a`` and ``b`` share text
(``derived``), optionally the shared character spans, and the split a pair belongs to when the data defines
one (``train``: tune there; ``test``: report there). Data without splits is split by :func:`split`, seeded.

Formats read by :func:`load`:

- a PAN 2013 corpus folder (``susp/``, ``src/``, obfuscation folders with ``pairs`` and gold XML), or the
  folder holding its ``train/`` and ``test/`` corpora;
- the Clough & Stevenson corpus folder (``file_information.csv``: answer files labelled cut / light / heavy
  / non against ``orig_task?.txt``);
- the MSRP folder (``msr_paraphrase_train.txt`` and ``msr_paraphrase_test.txt``): sentence pairs;
- a user's ``.csv`` (header ``a,b,label`` and optionally ``split``, ``kind``) or ``.jsonl`` (objects with
  ``a``, ``b``, ``label`` and optionally ``spans``: ``[[a_start, a_end, b_start, b_end], ...]``, ``split``,
  ``kind``). ``a`` and ``b`` are paths (relative to the file) or ``FILE.jsonl#ID``; ``label`` is 1/0 or
  true/false.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dedup.bench.pan import read_annotations, read_pairs, subset_names
from dedup.bench.paraphrase import SPLITS as MSRP_SPLITS
from dedup.bench.paraphrase import load_split
from dedup.errors import DedupError, InputError
from dedup.model import CharSpan
from dedup.sources import Article, iter_articles, read_article, split_ref

__all__ = [
    "LabelledPair",
    "LabelledData",
    "load",
    "load_pan",
    "load_clough",
    "load_msrp",
    "load_pairs",
    "split",
]


@dataclass(frozen=True)
class LabelledPair:
    """Two articles, whether they share text, and where (``spans``; ``None`` when only the label is known)."""

    a: Article
    b: Article
    derived: bool
    spans: tuple[CharSpan, ...] | None = None
    split: str | None = None
    kind: str = ""


@dataclass(frozen=True)
class LabelledData:
    """The pairs of one data set, and the pairs that could not be read (with reasons)."""

    name: str
    pairs: list[LabelledPair]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_spans(self) -> bool:
        """Whether every pair's truth is a set of spans (then matches are scored by character overlap)."""
        return bool(self.pairs) and all(pair.spans is not None for pair in self.pairs)


def load(source: Path) -> LabelledData:
    """Labelled pairs from a PAN, Clough & Stevenson or MSRP folder, or a user's CSV / JSONL file."""
    if source.is_file():
        return load_pairs(source)
    if (source / "train" / "pairs").is_file() and (source / "test" / "pairs").is_file():
        train, test = load_pan(source / "train", "train"), load_pan(source / "test", "test")
        return LabelledData(str(source), train.pairs + test.pairs)
    if (source / "pairs").is_file() and (source / "susp").is_dir():
        return load_pan(source)
    if (source / "file_information.csv").is_file():
        return load_clough(source)
    if all((source / name).is_file() for name in MSRP_SPLITS.values()):
        return load_msrp(source)
    raise DedupError(
        f"{source}: not labelled data dedup knows (a PAN corpus, Clough & Stevenson, MSRP, or a .csv/.jsonl "
        "of a,b,label pairs)"
    )


def load_pan(corpus: Path, split_name: str | None = None) -> LabelledData:
    """Every listed pair of a PAN corpus, with its gold spans (none for the no-plagiarism pairs)."""
    documents: dict[Path, Article] = {}

    def article(path: Path) -> Article:
        if path not in documents:
            documents[path] = read_article(path)
        return documents[path]

    pairs = []
    for kind in subset_names(corpus):
        cases: dict[tuple[str, str], list[CharSpan]] = defaultdict(list)
        for c in read_annotations(corpus / kind):
            cases[c.this, c.source].append(
                (
                    c.this_offset,
                    c.this_offset + c.this_length,
                    c.source_offset,
                    c.source_offset + c.source_length,
                )
            )
        for suspicious, source in read_pairs(corpus / kind / "pairs"):
            spans = tuple(sorted(cases.get((suspicious, source), [])))
            a, b = article(corpus / "susp" / suspicious), article(corpus / "src" / source)
            pairs.append(LabelledPair(a, b, bool(spans), spans, split_name, kind))
    return LabelledData(str(corpus), pairs)


def load_clough(folder: Path) -> LabelledData:
    """Each short answer against its task's Wikipedia source: derived unless labelled ``non``."""
    rows = _csv_rows(folder / "file_information.csv", ("File", "Task", "Category"))
    sources = {
        task: read_article(folder / f"orig_task{task}.txt") for task in sorted({r["Task"] for _, r in rows})
    }
    pairs, skipped = [], []
    for _, row in rows:
        if row["Category"] == "orig":
            continue
        try:
            answer = read_article(folder / row["File"])
        except InputError as error:
            skipped.append((error.path, error.reason))
            continue
        derived = row["Category"] != "non"
        pairs.append(LabelledPair(answer, sources[row["Task"]], derived, kind=row["Category"]))
    return LabelledData(str(folder), pairs, skipped)


def load_msrp(folder: Path) -> LabelledData:
    """MSRP sentence pairs as one-sentence articles: derived when labelled a paraphrase."""
    pairs = []
    for split_name in MSRP_SPLITS:
        data = load_split(folder, split_name)
        for number, (first, second, label) in enumerate(
            zip(data.first, data.second, data.labels, strict=True)
        ):
            name = f"msrp-{split_name}-{number}"
            a, b = Article(f"{name}-1", name, first), Article(f"{name}-2", name, second)
            pairs.append(
                LabelledPair(a, b, bool(label), split=split_name, kind="paraphrase" if label else "not")
            )
    return LabelledData(str(folder), pairs)


_LABELS = {"1": True, "true": True, "0": False, "false": False}
_SPLIT_NAMES = frozenset({"train", "test"})


def load_pairs(path: Path) -> LabelledData:
    """A user's labelled pairs (``.csv`` or ``.jsonl``; format in the module docstring).

    A row whose articles cannot be read is skipped with its reason; a row that breaks the format is an error
    naming its line (a wrong label must not be scored).
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records: Iterator[tuple[int, dict]] = iter(_csv_rows(path, ("a", "b", "label")))
    elif suffix == ".jsonl":
        records = _jsonl_records(path)
    else:
        raise DedupError(f"{path}: labelled pairs must be a .csv or .jsonl file")
    resolve = _Resolver(path.parent)
    pairs, skipped = [], []
    for line, record in records:
        where = f"{path} line {line}"
        derived, spans, split_name = _parse_record(record, where)
        try:
            a, b = resolve(str(record["a"])), resolve(str(record["b"]))
        except InputError as error:
            skipped.append((where, f"{error.path}: {error.reason}"))
            continue
        for a_start, a_end, b_start, b_end in spans or ():
            if not (0 <= a_start <= a_end <= len(a.text) and 0 <= b_start <= b_end <= len(b.text)):
                raise DedupError(f"{where}: span {[a_start, a_end, b_start, b_end]} lies outside the texts")
        pairs.append(LabelledPair(a, b, derived, spans, split_name, str(record.get("kind") or "")))
    if not pairs:
        reason = f" (first: {skipped[0][0]}: {skipped[0][1]})" if skipped else ""
        raise DedupError(f"{path}: no labelled pair could be read{reason}")
    return LabelledData(str(path), pairs, skipped)


def _parse_record(record: dict, where: str) -> tuple[bool, tuple[CharSpan, ...] | None, str | None]:
    if "a" not in record or "b" not in record or "label" not in record:
        raise DedupError(f"{where}: needs a, b and label")
    label = str(record["label"]).strip().lower()
    if label not in _LABELS:
        raise DedupError(f"{where}: label must be 1/0 or true/false, got {record['label']!r}")
    split_name = record.get("split") or None
    if split_name is not None and split_name not in _SPLIT_NAMES:
        raise DedupError(f"{where}: split must be train or test, got {split_name!r}")
    spans = record.get("spans")
    if spans is not None:
        if not isinstance(spans, list) or not all(
            isinstance(s, list) and len(s) == 4 and all(isinstance(x, int) for x in s) for s in spans
        ):
            raise DedupError(f"{where}: spans must be a list of [a_start, a_end, b_start, b_end] integers")
        spans = tuple(sorted(tuple(s) for s in spans))
    return _LABELS[label], spans, split_name


def _csv_rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [(number, row) for number, row in enumerate(reader, start=2)]
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DedupError(f"{path}: cannot read the CSV ({error})") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise DedupError(f"{path}: the header needs the column(s) {', '.join(missing)}")
    return rows


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DedupError(f"{path}: cannot read the JSONL ({error})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DedupError(f"{path} line {number}: invalid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise DedupError(f"{path} line {number}: each line must be a JSON object")
        yield number, record


# Articles a labelled file names are read whatever their size: the scan's limit guards against stray giant
# files in a folder, while JSONL shards of thousands of articles are what labelled sets are made of.
_LABELLED_MAX_BYTES = 1 << 32


class _Resolver:
    """Articles by reference, relative to a folder; a JSONL file is read once for all its ids."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[Path, dict[str, Article]] = {}
        self._errors: dict[Path, InputError] = {}

    def __call__(self, ref: str) -> Article:
        name, wanted = split_ref(ref)
        path = Path(name) if Path(name).is_absolute() else self.folder / name
        if not wanted:
            return read_article(path, max_bytes=_LABELLED_MAX_BYTES)
        if path not in self._files and path not in self._errors:
            try:
                articles = iter_articles(path, max_bytes=_LABELLED_MAX_BYTES)
                self._files[path] = {a.id: a for a in articles if isinstance(a, Article)}
            except InputError as error:
                self._errors[path] = error
        if path in self._errors:
            raise self._errors[path]
        found = self._files[path].get(f"{path}#{wanted}")
        if found is None:
            raise InputError(ref, f"no article with id {wanted!r} in {path}")
        return found


def split(
    data: LabelledData, *, seed: int = 0, test_fraction: float = 0.5
) -> tuple[list[LabelledPair], list[LabelledPair], str]:
    """``(tune, report, how)``: the data's own train/test split when every pair has one, else a split seeded
    with ``seed`` that keeps the share of derived pairs (and of each ``kind``) equal in both parts."""
    if all(pair.split is not None for pair in data.pairs):
        tune = [p for p in data.pairs if p.split == "train"]
        report = [p for p in data.pairs if p.split == "test"]
        if tune and report:
            return tune, report, "the data's train / test split"
    rng = np.random.default_rng(seed)
    strata: dict[tuple[bool, str], list[LabelledPair]] = defaultdict(list)
    for pair in data.pairs:
        strata[pair.derived, pair.kind].append(pair)
    tune, report = [], []
    for key in sorted(strata):
        members = strata[key]
        order = rng.permutation(len(members))
        cut = len(members) - round(len(members) * test_fraction)
        tune += [members[i] for i in order[:cut]]
        report += [members[i] for i in order[cut:]]
    return (
        tune,
        report,
        f"a seeded split (seed {seed}, {test_fraction:.0%} held out, stratified by label and kind)",
    )
