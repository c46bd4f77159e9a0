"""PAN 2013 text alignment: align every listed pair with the library, write PAN detection files, score them.

A corpus folder holds ``susp/`` and ``src/`` documents, a ``pairs`` file (``suspicious-….txt source-….txt``
per line) and one folder per obfuscation type with its own ``pairs`` and one gold XML per pair.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from dedup.bench.pan_measures import Annotation, Scores, score
from dedup.comparison import Comparer, summary_reading
from dedup.errors import DedupError
from dedup.settings import Settings
from dedup.sources import read_article

__all__ = [
    "PanReport",
    "run",
    "read_pairs",
    "read_annotations",
    "detection_xml",
    "reuse_spans",
    "scan_detections",
    "scan_scores",
    "subset_names",
]

Pair = tuple[str, str]


def read_pairs(path: Path) -> list[Pair]:
    """The ``(suspicious, source)`` file names listed in a ``pairs`` file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DedupError(f"{path}: cannot read the pairs list ({error.strerror or error})") from None
    pairs = [tuple(line.split()) for line in lines if line.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise DedupError(f"{path}: every line must be 'suspicious-document.txt source-document.txt'")
    return pairs  # type: ignore[return-value]


def read_annotations(folder: Path, name: str = "plagiarism") -> list[Annotation]:
    """Every ``<feature name=NAME>`` of every XML file in ``folder``."""
    annotations = []
    for path in sorted(folder.glob("*.xml")):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            raise DedupError(f"{path}: not valid XML ({error})") from None
        documents = [root] if root.tag == "document" else root.iter("document")
        for document in documents:
            for feature in document.iter("feature"):
                if feature.get("name") == name:
                    annotations.append(
                        Annotation(
                            document.get("reference", ""),
                            feature.get("source_reference", ""),
                            int(feature.get("this_offset", 0)),
                            int(feature.get("this_length", 0)),
                            int(feature.get("source_offset", 0)),
                            int(feature.get("source_length", 0)),
                        )  # fmt: skip
                    )
    return annotations


def detection_xml(suspicious: str, source: str, spans: Sequence[tuple[int, int, int, int]]) -> str:
    """One PAN detection file: a ``detected-plagiarism`` feature per ``(a_start, a_end, b_start, b_end)``."""
    features = "".join(
        f'  <feature name="detected-plagiarism" this_offset="{a0}" this_length="{a1 - a0}" '
        f'source_reference={quoteattr(source)} source_offset="{b0}" source_length="{b1 - b0}" />\n'
        for a0, a1, b0, b1 in spans
    )
    return f"<document reference={quoteattr(suspicious)}>\n{features}</document>\n"


def reuse_spans(printed_cases: Sequence[dict]) -> list[tuple[int, int, int, int]]:
    """``(a_start, a_end, b_start, b_end)`` of each printed case (``--json``, ``--jsonl``) that is reuse:
    templates, which the product says are not, left out."""
    return [
        (case["a_start"], case["a_end"], case["b_start"], case["b_end"])
        for case in printed_cases
        if case["kind"] != "template"
    ]


def subset_names(corpus: Path) -> list[str]:
    """The obfuscation-type folders of a corpus (those holding a ``pairs`` file), in order."""
    return sorted(p.parent.name for p in corpus.glob("*/pairs"))


def scan_detections(records: Iterable[dict]) -> tuple[list[Annotation], set[Pair]]:
    """PAN detections from the reuse cases of the records ``dedup scan --jsonl`` writes, oriented
    suspicious -> source, and the ``(suspicious, source)`` pairs reported. Pairs of two suspicious or two
    source documents are no PAN pair and are left out."""
    detections, pairs = [], set()
    for record in records:
        a, b = Path(record["a"]["id"]).name, Path(record["b"]["id"]).name
        spans = reuse_spans(record["cases"])
        if a.startswith("source") and b.startswith("suspicious"):
            a, b = b, a
            spans = [(b0, b1, a0, a1) for a0, a1, b0, b1 in spans]
        if a.startswith("suspicious") and b.startswith("source"):
            pairs.add((a, b))
            detections += [Annotation(a, b, a0, a1 - a0, b0, b1 - b0) for a0, a1, b0, b1 in spans]
    return detections, pairs


def scan_scores(
    corpus: Path, detections: Sequence[Annotation]
) -> tuple[dict[str, tuple[Scores, set[Pair]]], Scores, Scores]:
    """Scores of a scan's detections: per obfuscation type (with the type's listed pairs), over the listed
    pairs of every type, and over all detections (reuse between pairs PAN does not list then counts
    against precision)."""
    by_type, all_cases, listed = {}, [], set()
    for name in subset_names(corpus):
        cases = read_annotations(corpus / name)
        if not cases:
            continue
        all_cases += cases
        case_pairs = {(c.this, c.source) for c in cases}
        listed |= case_pairs
        by_type[name] = score(cases, [d for d in detections if (d.this, d.source) in case_pairs]), case_pairs
    on_listed = score(all_cases, [d for d in detections if (d.this, d.source) in listed])
    return by_type, on_listed, score(all_cases, detections)


class _Aligner:
    """Aligns pairs of one corpus; a document recurs across pairs, so preparations are cached."""

    def __init__(self, corpus: Path, settings: Settings, ordered: bool) -> None:
        self.corpus, self.settings, self.ordered = corpus, settings, ordered
        self.comparer = Comparer(settings)

    def __call__(self, pair: Pair) -> tuple[Pair, list[tuple[int, int, int, int]]]:
        """The pair's reuse cases as ``dedup compare SUSPICIOUS SOURCE --source b --json`` prints them (PAN
        gives the order), or without ``--source`` when not ``ordered``; templates, which the product says
        are not reuse, left out."""
        suspicious = read_article(self.corpus / "susp" / pair[0])
        source = read_article(self.corpus / "src" / pair[1])
        printed = self.comparer(
            suspicious, source, summaries=summary_reading(suspicious, source, "b" if self.ordered else None)
        ).to_dict()["cases"]
        return pair, reuse_spans(printed)


_worker: _Aligner | None = None


def _init_worker(corpus: Path, settings: Settings, ordered: bool) -> None:
    global _worker
    _worker = _Aligner(corpus, settings, ordered)


def _align_chunk(pairs: list[Pair]) -> list[tuple[Pair, list[tuple[int, int, int, int]]]]:
    assert _worker is not None
    return [_worker(pair) for pair in pairs]


def _chunks(pairs: list[Pair], size: int) -> Iterator[list[Pair]]:
    ordered = sorted(pairs)  # pairs of one suspicious document together: its preparation is reused
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


@dataclass(frozen=True)
class PanReport:
    """Scores per obfuscation type and over everything run, with the run's size and time."""

    corpus: str
    by_type: dict[str, Scores]
    overall: Scores
    pairs: int
    detections_on_negative_pairs: int
    seconds: float
    settings: dict[str, object]

    def to_dict(self) -> dict[str, object]:
        return {
            "corpus": self.corpus,
            "pairs": self.pairs,
            "seconds": round(self.seconds, 2),
            "detections_on_no_plagiarism_pairs": self.detections_on_negative_pairs,
            "overall": self.overall.to_dict(),
            "by_type": {name: s.to_dict() for name, s in self.by_type.items()},
            "settings": self.settings,
        }


def run(
    corpus: Path,
    *,
    subsets: Sequence[str] | None = None,
    out: Path | None = None,
    jobs: int | None = None,
    settings: Settings | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    ordered: bool = True,
) -> PanReport:
    """Align the pairs of ``subsets`` (default: every type) of ``corpus``, write detections, score them.

    ``ordered``: compare as told that the source document is the suspicious one's source (PAN says so);
    otherwise as ``compare`` does unasked. ``on_progress(done, total)`` is called as pairs finish.
    """
    settings = settings or Settings()
    names = subset_names(corpus)
    if not names or not (corpus / "susp").is_dir() or not (corpus / "src").is_dir():
        raise DedupError(
            f"{corpus}: needs susp/, src/ and folders with a 'pairs' file; is this a PAN corpus?"
        )
    chosen = list(subsets or names)
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise DedupError(f"unknown subset {unknown[0]!r}; this corpus has: {', '.join(names)}")
    pairs_by_type = {name: read_pairs(corpus / name / "pairs") for name in chosen}
    all_pairs = sorted({pair for pairs in pairs_by_type.values() for pair in pairs})
    started = time.perf_counter()
    detected = _align_all(corpus, all_pairs, settings, ordered, jobs or os.cpu_count() or 1, on_progress)
    seconds = time.perf_counter() - started
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for (suspicious, source), spans in detected.items():
            name = f"{Path(suspicious).stem}-{Path(source).stem}.xml"
            (out / name).write_text(detection_xml(suspicious, source, spans), encoding="utf-8")
    by_type, all_cases, all_detections, negatives = {}, [], [], 0
    for name, pairs in pairs_by_type.items():
        cases = read_annotations(corpus / name)
        detections = [
            Annotation(s, r, a0, a1 - a0, b0, b1 - b0) for s, r in pairs for a0, a1, b0, b1 in detected[s, r]
        ]
        by_type[name] = score(cases, detections)
        all_cases += cases
        all_detections += detections
        if not cases:
            negatives += len(detections)
    return PanReport(
        str(corpus), by_type, score(all_cases, all_detections), len(all_pairs), negatives, seconds,
        settings.as_dict(),
    )  # fmt: skip


def _align_all(
    corpus: Path,
    pairs: list[Pair],
    settings: Settings,
    ordered: bool,
    jobs: int,
    on_progress: Callable[[int, int], None] | None,
) -> dict[Pair, list[tuple[int, int, int, int]]]:
    results: dict[Pair, list[tuple[int, int, int, int]]] = {}

    def collect(chunk_results: list[tuple[Pair, list[tuple[int, int, int, int]]]]) -> None:
        results.update(chunk_results)
        if on_progress:
            on_progress(len(results), len(pairs))

    chunks = list(_chunks(pairs, 16))
    if jobs == 1:
        _init_worker(corpus, settings, ordered)
        for chunk in chunks:
            collect(_align_chunk(chunk))
        return results
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(corpus, settings, ordered)) as pool:
        for chunk_results in pool.map(_align_chunk, chunks):
            collect(chunk_results)
    return results
