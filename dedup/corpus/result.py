"""What a corpus scan found: derived pairs, clusters with their likely original, skipped files and
failed pairs; the ``--json`` summary and the ``--jsonl`` records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dedup.attribution import derivation_graph
from dedup.corpus.pairs import StoredPairs, jsonl_line
from dedup.corpus.texts import StoredArticles
from dedup.model import Comparison
from dedup.sources import Article, Skipped

__all__ = ["FailedPair", "Cluster", "ScanResult"]


@dataclass(frozen=True)
class FailedPair:
    """A candidate pair whose alignment raised an unexpected exception: reported, the scan goes on."""

    a: str
    b: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "reason": self.reason}


@dataclass(frozen=True)
class Cluster:
    """Articles connected by derived pairs, and the one most likely to be the original.

    ``original`` is ``None`` when every pair of the cluster derives from a common text outside the corpus.
    """

    members: tuple[str, ...]
    original: str | None

    @property
    def label(self) -> str:
        return self.original or "(a common text outside the corpus)"

    def to_dict(self) -> dict[str, object]:
        return {"members": list(self.members), "original": self.original}


@dataclass
class ScanResult:
    """What a scan found: derived pairs (boilerplate passages set apart), clusters, skipped files, and the
    candidate pairs that were verified."""

    articles: Sequence[Article]  # a scan's: each text read from disk when asked for (dedup.corpus.texts)
    pairs: Sequence[Comparison]  # a scan's: on disk, each read back when asked for (dedup.corpus.pairs)
    boilerplate: dict[str, list[tuple[int, int]]]  # article id -> character spans of boilerplate windows
    clusters: list[Cluster]
    skipped: list[Skipped]
    candidate_pairs: np.ndarray  # (n, 2) int64: indices into ``articles``, first < second
    neighbours: bool  # whether neighbouring chunks were searched (:func:`neighbours_apply`)
    settings: dict[str, object] = field(default_factory=dict)
    failed_pairs: list[FailedPair] = field(default_factory=list)

    @property
    def candidates(self) -> int:
        return len(self.candidate_pairs)

    def articles_by_id(self) -> Mapping[str, Article]:
        """The articles by id (a scan's read each text when looked up, so holding this holds no text)."""
        if isinstance(self.articles, StoredArticles):
            return self.articles.by_id()
        return {article.id: article for article in self.articles}

    def articles_without_texts(self) -> Iterator[Article]:
        """The articles, a scan's with empty texts (read none): ids, paths, sources, dates."""
        if isinstance(self.articles, StoredArticles):
            return self.articles.without_texts()
        return iter(self.articles)

    def summary(self) -> dict[str, object]:
        """The ``--json`` summary of a scan."""
        return {
            "articles": len(self.articles),
            "candidate_pairs": self.candidates,
            "neighbours_searched": self.neighbours,
            "derived_pairs": len(self.pairs),
            "pairs_by_sharing": self.pairs_by_sharing(),
            "pairs_verbatim_only": self.pairs_verbatim_only(),
            "clusters": [c.to_dict() for c in self.clusters],
            "derivation": derivation_graph(self.pairs),
            "boilerplate": {k: [list(s) for s in v] for k, v in sorted(self.boilerplate.items())},
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "failed_pairs": [f.to_dict() for f in self.failed_pairs],
            "settings": self.settings,
        }

    def pairs_by_sharing(self) -> dict[str, int]:
        """How many pairs share text as reuse, as templates only, or as minor passages only."""
        counts = self._tallies()[0]
        return {sharing: counts[sharing] for sharing in ("reuse", "template", "minor")}

    def pairs_verbatim_only(self) -> int:
        """How many pairs fell below the pre-check floor: matched from exact runs alone."""
        return self._tallies()[1]

    def _tallies(self) -> tuple[Counter[str], int]:
        if isinstance(self.pairs, StoredPairs):  # counted as the scan wrote them: no pass over the file
            return self.pairs.by_sharing, self.pairs.verbatim_only
        return Counter(c.sharing for c in self.pairs), sum(c.verbatim_only for c in self.pairs)

    def pair_lines(self) -> Iterator[str]:
        """:meth:`pair_records` as lines of JSON (non-ASCII characters as they are), as ``scan --jsonl``
        writes them."""
        if isinstance(self.pairs, StoredPairs):
            yield from self.pairs.lines()  # as stored: neither parsed nor written again
        else:
            yield from map(jsonl_line, self.pairs)

    def pair_records(self) -> Iterator[dict[str, object]]:
        """One ``dedup compare --json`` object per derived pair, with ``a.id`` and ``b.id``."""
        if isinstance(self.pairs, StoredPairs):
            yield from self.pairs.records()  # as written: no comparison rebuilt to be written again
        else:
            for comparison in self.pairs:
                yield comparison.to_dict()


def root_of(parent: dict, x):
    """The representative of ``x`` in a union-find forest (path halving); new members are their own."""
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def union_find_clusters(pairs: Iterable[Comparison]) -> list[Cluster]:
    """Articles joined by pairs that share a reuse case (not templates, not minor passages alone)."""
    parent: dict[str, str] = {}
    chars: dict[str, int] = {}

    def root(x: str) -> str:
        return root_of(parent, x)

    degree: dict[str, int] = {}
    derived: set[str] = set()  # articles the direction of some pair says were derived from another
    sources: set[str] = set()
    common: set[str] = set()
    for comparison in pairs:
        if comparison.sharing != "reuse":
            continue
        a, b = comparison.a.id, comparison.b.id
        parent[root(a)] = root(b)
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
        chars[a], chars[b] = comparison.a.chars, comparison.b.chars
        way = comparison.direction.source if comparison.direction else "unknown"
        if way in ("a", "b"):
            derived.add(b if way == "a" else a)
            sources.add(a if way == "a" else b)
        elif way == "common":
            common.update((a, b))
    groups: dict[str, list[str]] = {}
    for member in parent:
        groups.setdefault(root(member), []).append(member)
    clusters = []
    for members in groups.values():
        members.sort()
        # never derived from another member first; then the one sharing text with most others; then fullest
        original = max(members, key=lambda m: (m not in derived, degree[m], chars[m], m))
        if not sources.intersection(members) and common.issuperset(members):
            original = None
        clusters.append(Cluster(tuple(members), original))
    return sorted(clusters, key=lambda c: (-len(c.members), c.members))
