"""The churnalism table of a scan: per outlet, how much of its text came from each wire or other outlet.

An article's outlet is its ``source`` (a JSONL, Parquet or WARC field), else the host of its ``url``
(``www.`` dropped), else the folder its file is in. For every derived pair, the article that is not the
pair's likely source (both, when the direction is common or unknown) takes its passages with the partner
as text derived from the partner's *origin*: the wires the partner credits for text (AFP, Reuters, …),
else the partner's outlet. Per outlet and origin, the derived share is the visible characters of its
articles inside such passages (each character once per origin) over all visible characters of its
articles; ``derived`` is the same over all origins at once, so it is not the sum of the origins' shares.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePath
from urllib.parse import urlparse

import numpy as np

from dedup.attribution import uncredited_reuse, wires
from dedup.comparison import visible
from dedup.corpus.result import ScanResult
from dedup.sources import Article, split_ref

__all__ = ["outlet_of", "outlet_table", "origins_text"]


def outlet_of(article: Article) -> str:
    """The outlet that published ``article``: its source, else its URL's host, else its file's folder."""
    if article.source:
        return article.source
    host = urlparse(article.url).hostname if article.url else None
    if host:
        return host.removeprefix("www.")
    folder = PurePath(split_ref(article.path)[0]).parent.name
    return folder or "(no outlet)"


def outlet_table(result: ScanResult) -> list[dict[str, object]]:
    """One row per outlet, most derived first: articles, visible characters, the derived share overall and by
    origin (wire or outlet), and how many of its articles reuse wire copy without crediting the wire."""
    articles = result.articles_by_id()  # a scan's read each text when looked up
    outlet = {a.id: outlet_of(a) for a in result.articles_without_texts()}  # naming needs no text
    derived_by: dict[str, dict[str, np.ndarray]] = defaultdict(dict)  # article -> origin -> covered mask
    uncredited: dict[str, set[str]] = defaultdict(set)
    for pair in result.pairs:  # one pass: a scan's pairs are read from disk
        for item in uncredited_reuse(pair):
            uncredited[outlet.get(str(item["article"]), "(unknown)")].add(str(item["article"]))
        way = pair.direction.source if pair.direction else "unknown"
        for side, other, spans, is_source in (
            (pair.a, pair.b, pair.shared_spans("a"), way == "a"),
            (pair.b, pair.a, pair.shared_spans("b"), way == "b"),
        ):
            if is_source or side.id not in articles:
                continue
            text = articles[side.id].text
            for origin in sorted(wires(other.credits)) or [outlet.get(other.id or "", "(unknown)")]:
                covered = derived_by[side.id].setdefault(origin, np.zeros(len(text), dtype=bool))
                for start, end in spans:
                    covered[start:end] = True
    rows: dict[str, dict] = {}
    for article in result.articles:
        row = rows.setdefault(
            outlet[article.id], {"chars": 0, "derived": 0, "by_origin": defaultdict(int), "n": 0}
        )
        shown = visible(article.text)
        row["n"] += 1
        row["chars"] += int(shown.sum())
        masks = derived_by.get(article.id, {})
        if masks:
            row["derived"] += int((np.logical_or.reduce(list(masks.values())) & shown).sum())
        for origin, mask in masks.items():
            row["by_origin"][origin] += int((mask & shown).sum())
    table = [
        {
            "outlet": name,
            "articles": row["n"],
            "chars": row["chars"],
            "derived_share": round(row["derived"] / row["chars"], 4) if row["chars"] else 0.0,
            "by_origin": {
                origin: round(chars / row["chars"], 4)
                for origin, chars in sorted(row["by_origin"].items(), key=lambda item: (-item[1], item[0]))
            },
            "uncredited_articles": len(uncredited.get(name, ())),
        }
        for name, row in rows.items()
    ]
    return sorted(table, key=lambda r: (-r["derived_share"], r["outlet"]))


def origins_text(row: dict[str, object]) -> str:
    """A row's shares by origin as reports print them: ``AFP 41.2%, Herald 3.0%`` (``-`` for none)."""
    return ", ".join(f"{origin} {share:.1%}" for origin, share in row["by_origin"].items()) or "-"
