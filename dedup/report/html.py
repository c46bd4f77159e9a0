"""Self-contained HTML reports: two articles side by side with their shared passages highlighted.

Every page is one file with its style and script inline and a Content-Security-Policy that forbids any
network access. Article text is always escaped (``html.escape`` with quotes), so markup inside an article
is shown as text and never runs. Clicking a passage scrolls to its counterpart in the other article.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

from dedup.model import Comparison, Side
from dedup.outlets import origins_text
from dedup.output import OutputError, write_text
from dedup.sources import Article

__all__ = ["comparison_page", "scan_pages", "query_form_page", "query_results_page"]

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:1}
h1{font-size:17px;margin:0 0 6px} .meta{display:grid;grid-template-columns:1fr 1fr;gap:20px;font-size:13px}
.legend span{margin-right:12px} main{display:grid;grid-template-columns:1fr 1fr;gap:20px;padding:20px}
article{background:#fff;border:1px solid #ddd;border-radius:6px;padding:16px;white-space:pre-wrap;
overflow-wrap:anywhere;max-height:calc(100vh - 190px);overflow-y:auto}
mark{cursor:pointer;border-radius:3px;padding:0 1px} mark.verbatim{background:#b7e4c7}
mark.rewrite{background:#ffe8a3;text-decoration:underline dotted #b08900}
mark.flash{outline:3px solid #e63946} .muted{color:#666} table{border-collapse:collapse}
td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;font-size:14px}
"""

_SCRIPT = """
document.querySelectorAll('mark[data-target]').forEach(function (mark) {
  mark.addEventListener('click', function () {
    var target = document.getElementById(mark.dataset.target);
    if (!target) return;
    target.scrollIntoView({block: 'center'});
    target.classList.add('flash');
    setTimeout(function () { target.classList.remove('flash'); }, 1500);
  });
});
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>{body}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _marked(text: str, spans: Sequence[tuple[int, int, str, str, str]]) -> str:
    """``text`` escaped, with ``<mark>`` around each ``(start, end, kind, id, target)`` span."""
    parts, position = [], 0
    for start, end, kind, own_id, target in sorted(spans):
        if start < position:
            continue  # passages never overlap on one side; guard against it all the same
        parts.append(html.escape(text[position:start]))
        parts.append(
            f'<mark class="{kind}" id="{own_id}" data-target="{target}" title="{kind}">'
            f"{html.escape(text[start:end])}</mark>"
        )
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def _side_meta(label: str, side: Side) -> str:
    text_credits = ", ".join(sorted({c.name for c in side.credits if c.kind != "photo"})) or "none found"
    photo_credits = ", ".join(sorted({c.name for c in side.credits if c.kind == "photo"})) or "none"
    return (
        f"<div><b>{label}</b> {html.escape(side.path)}<br>{side.chars:,} characters, derived "
        f"<b>{side.derived_fraction:.1%}</b> ({html.escape(side.verdict)})<br>"
        f"credits: {html.escape(text_credits)}; photo: {html.escape(photo_credits)}</div>"
    )


def _cases_list(comparison: Comparison) -> str:
    """The reuse cases: one line each, with the passages (numbered from 1, as in the terminal) they join."""
    items = "".join(
        f"<li>{html.escape(c.kind)}: A {c.a_start:,}–{c.a_end:,}, B {c.b_start:,}–{c.b_end:,} "
        f"(passages {', '.join(str(i + 1) for i in c.passages)})</li>"
        for c in comparison.cases
    )
    return f'<p class="muted">{len(comparison.cases)} reuse case(s)</p><ul class="cases">{items}</ul>'


def comparison_page(comparison: Comparison, a: Article, b: Article) -> str:
    """One self-contained HTML page for a compared pair."""
    spans_a, spans_b = [], []
    for number, p in enumerate(comparison.passages):
        spans_a.append((p.a_start, p.a_end, p.kind, f"a-p{number}", f"b-p{number}"))
        spans_b.append((p.b_start, p.b_end, p.kind, f"b-p{number}", f"a-p{number}"))
    direction = comparison.direction
    if direction is None:
        direction_text = "no shared passages"
    else:
        names = {
            "a": "A is the likely source",
            "b": "B is the likely source",
            "common": "both derive from a common text",
            "unknown": "direction unknown",
        }
        direction_text = f"{names[direction.source]}: {'; '.join(direction.reasons)}"
    header = (
        f"<header><h1>{len(comparison.passages)} shared passage(s)</h1>"
        f'<div class="meta">{_side_meta("A", comparison.a)}{_side_meta("B", comparison.b)}</div>'
        f'<p class="legend"><span><mark class="verbatim">verbatim</mark></span>'
        f'<span><mark class="rewrite">rewrite</mark></span>'
        f'<span class="muted">{html.escape(direction_text)}</span></p>{_cases_list(comparison)}</header>'
    )
    body = (
        f'{header}<main><article id="text-a">{_marked(a.text, spans_a)}</article>'
        f'<article id="text-b">{_marked(b.text, spans_b)}</article></main>'
    )
    return _page(f"dedup: {a.path} / {b.path}", body)


def _outlet_section(outlets: Sequence[dict], chart: bytes | None) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(r['outlet']))}</td><td>{r['articles']:,}</td><td>{r['derived_share']:.1%}</td>"
        f"<td>{html.escape(origins_text(r))}</td>"
        f"<td>{r['uncredited_articles']:,}</td></tr>"
        for r in outlets
    )
    image = (
        f'<p><img alt="derived text by outlet" src="data:image/png;base64,{base64.b64encode(chart).decode()}"></p>'
        if chart
        else ""
    )
    return (
        "<h2>Outlets</h2><table><tr><th>outlet</th><th>articles</th><th>derived</th>"
        f"<th>from (share of the outlet's text)</th><th>uncredited</th></tr>{rows}</table>{image}"
    )


def scan_pages(
    comparisons: Sequence[Comparison],
    articles: dict[str, Article],
    clusters: Sequence,
    out: Path,
    outlets: Sequence[dict] | None = None,
    outlet_png: bytes | None = None,
) -> Path:
    """Write ``index.html`` (derived pairs, clusters and, when given, the outlets' table with its chart,
    inline) and one page per pair into ``out``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{out}: cannot make the report folder ({error.strerror or error})") from None
    rows = []
    for number, comparison in enumerate(comparisons):
        a, b = articles[comparison.a.id or ""], articles[comparison.b.id or ""]
        name = f"pair-{number:05d}.html"
        write_text(out / name, comparison_page(comparison, a, b))
        source = comparison.direction.source if comparison.direction else "unknown"
        rows.append(
            f'<tr><td><a href="{name}">{html.escape(a.id)}</a></td><td>{html.escape(b.id)}</td>'
            f"<td>{len(comparison.passages)}</td><td>{comparison.a.derived_fraction:.1%}</td>"
            f"<td>{comparison.b.derived_fraction:.1%}</td><td>{html.escape(source)}</td></tr>"
        )
    cluster_rows = [
        f"<tr><td>{len(c.members)}</td><td>{html.escape(c.label)}</td>"
        f"<td>{'<br>'.join(html.escape(m) for m in c.members if m != c.original)}</td></tr>"
        for c in clusters
    ]
    body = (
        f"<header><h1>{len(comparisons)} derived pair(s)</h1></header><main style='display:block'>"
        "<h2>Derived pairs</h2><table><tr><th>A</th><th>B</th><th>passages</th><th>A derived</th>"
        f"<th>B derived</th><th>source</th></tr>{''.join(rows)}</table>"
        "<h2>Clusters</h2><table><tr><th>size</th><th>likely original</th><th>members</th></tr>"
        f"{''.join(cluster_rows)}</table>"
        f"{_outlet_section(outlets, outlet_png) if outlets is not None else ''}</main>"
    )
    index = out / "index.html"
    write_text(index, _page("dedup scan", body))
    return index


def _query_form(text: str = "") -> str:
    return (
        '<form method="post" action="/report" style="padding:12px 20px">'
        '<p><label>Title <input name="title" size="60"></label></p>'
        '<p><textarea name="text" rows="12" style="width:100%" placeholder="Paste an article here">'
        f"{html.escape(text)}</textarea></p>"
        '<p><button type="submit" id="find">Find shared passages</button></p></form>'
    )


def query_form_page(indexed: int) -> str:
    """The service's start page: paste an article, see which indexed articles share passages with it."""
    header = f"<header><h1>dedup</h1><p class='muted'>{indexed:,} articles indexed</p></header>"
    return _page("dedup", header + _query_form())


def query_results_page(query: Article, matches: Sequence[tuple[Comparison, Article]]) -> str:
    """The matches of a pasted article, each as the side-by-side report (:func:`comparison_page`) in a
    sandboxed frame: article text is escaped there, and the frame could run nothing of the service's."""
    sections = []
    for number, (comparison, other) in enumerate(matches):
        report = comparison_page(comparison, query, other)
        sections.append(
            f'<section id="match-{number}"><h2>{html.escape(other.id)}: {len(comparison.passages)} shared '
            f"passage(s); this article {comparison.a.derived_fraction:.1%} derived</h2>"
            f'<iframe sandbox="allow-scripts" style="width:100%;height:70vh;border:1px solid #ddd" '
            f'srcdoc="{html.escape(report, quote=True)}"></iframe></section>'
        )
    found = (
        f"{len(matches)} indexed article(s) share passages with it"
        if matches
        else "no indexed article shares a passage with it"
    )
    header = f"<header><h1>dedup</h1><p id='found'>{html.escape(found)}</p></header>"
    body = header + "<main style='display:block'>" + "".join(sections) + "</main>" + _query_form(query.text)
    return _page("dedup: matches", body)
