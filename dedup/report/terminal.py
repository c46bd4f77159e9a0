"""Terminal rendering of a comparison with rich: passages side by side, fractions and verdicts."""

from __future__ import annotations

import shlex
from bisect import insort
from typing import TYPE_CHECKING, NamedTuple

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from dedup.attribution import uncredited_reuse
from dedup.model import Comparison, Side
from dedup.outlets import origins_text
from dedup.sources import Article

if TYPE_CHECKING:
    from dedup.bench.pan import PanReport
    from dedup.bench.paraphrase import MsrpReport
    from dedup.bench.sweep import SweepReport
    from dedup.corpus.result import ScanResult

__all__ = [
    "render_comparison", "render_pan", "render_msrp", "render_scan", "render_sweep", "render_outlets", "most_derived",
]  # fmt: skip

_KIND_STYLE = {"verbatim": "bold green", "rewrite": "bold yellow", "summary": "bold magenta"}


def _excerpt(text: str, start: int, end: int, limit: int) -> str:
    excerpt = " ".join(text[start:end].split())
    return excerpt if len(excerpt) <= limit else excerpt[: limit - 1] + "…"


def _side_line(label: str, side: Side) -> Text:
    return Text.assemble(
        (f"{label} ", "bold"), (side.path, "cyan"), f"  {side.chars:,} chars  derived ",
        (f"{side.derived_fraction:.1%}", "bold"), f"  {side.verdict}",
    )  # fmt: skip


def render_comparison(comparison: Comparison, a: Article, b: Article, console: Console) -> None:
    """Print both articles' shared passages side by side, then the reuse cases, derived fractions and
    verdicts."""
    table = Table(title=f"{len(comparison.passages)} shared passage(s)", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("A", ratio=1)
    table.add_column("B", ratio=1)
    for number, p in enumerate(comparison.passages, start=1):
        table.add_row(
            str(number),
            Text(p.kind, _KIND_STYLE[p.kind]),
            f"{p.score:.2f}",
            Text.assemble((f"[{p.a_start}:{p.a_end}] ", "dim"), _excerpt(a.text, p.a_start, p.a_end, 400)),
            Text.assemble((f"[{p.b_start}:{p.b_end}] ", "dim"), _excerpt(b.text, p.b_start, p.b_end, 400)),
        )
    console.print(
        Group(table, *_case_lines(comparison), _side_line("A", comparison.a), _side_line("B", comparison.b))
    )


def _case_lines(comparison: Comparison) -> list[Text]:
    lines = [Text(f"{len(comparison.cases)} reuse case(s)", "bold")]
    for c in comparison.cases:
        numbers = ", ".join(str(i + 1) for i in c.passages)
        lines.append(
            Text.assemble(
                "  ",
                (c.kind, _KIND_STYLE[c.kind]),
                f"  A [{c.a_start}:{c.a_end}]  B [{c.b_start}:{c.b_end}]",
                (f"  passages {numbers}", "dim"),
            )  # fmt: skip
        )
    return lines


def render_pan(report: PanReport, console: Console) -> None:
    """PAN measures per obfuscation type and overall."""
    table = Table(
        title=f"PAN text alignment: {report.corpus} ({report.pairs:,} pairs, {report.seconds:.0f} s)",
        **_COMPACT,
    )
    table.add_column("sub-corpus", overflow="fold")
    for column in ("plagdet", "prec", "rec", "gran", "cases", "detections"):  # short: fits 80 columns
        table.add_column(column, justify="right", no_wrap=True)
    rows = [*report.by_type.items(), ("entire corpus", report.overall)]
    for name, scores in rows:
        table.add_row(
            name, f"{scores.plagdet:.4f}", f"{scores.precision:.4f}", f"{scores.recall:.4f}",
            f"{scores.granularity:.4f}", f"{scores.cases:,}", f"{scores.detections:,}",
        )  # fmt: skip
    console.print(table)
    console.print("prec, rec, gran: precision, recall, granularity (PAN measures)", style="dim")
    console.print(f"detections on pairs without reuse: {report.detections_on_negative_pairs}")


def render_msrp(report: MsrpReport, console: Console) -> None:
    """Accuracy and F1 of the sentence decision on MSRP train and test."""
    table = Table(title=f"MSRP sentence decision at threshold {report.configured}")
    for column in ("split", "accuracy", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split, scores in (("train", report.train), ("test", report.test)):
        table.add_row(split, *(f"{scores[key]:.4f}" for key in ("accuracy", "precision", "recall", "f1")))
    console.print(table)
    console.print(f"best threshold on train (accuracy): {report.best_on_train}")


# tables of numbers that must fit 80 columns whole: no outer edge, no rules between columns
_COMPACT = {"title_justify": "left", "box": box.SIMPLE_HEAD, "show_edge": False, "padding": (0, 0, 0, 1)}

_EXTRA_LABELS = {
    "candidates_per_document": "cand. /doc",
    "seconds": "s",
    "bands": "b",
    "rows": "r",
    "granularity": "gran",
}


def render_sweep(report: SweepReport, console: Console) -> None:
    """One table per swept parameter (tune and report scores side by side), then the recommendation."""
    console.print(
        f"{report.data}: {report.tune_pairs} pairs to tune, {report.report_pairs} to report ({report.split}); "
        f"{report.seconds:.1f} s",
        highlight=False,
    )
    for sweep in report.sweeps:
        measure = "character spans, PAN measures" if sweep.measure == "spans" else "pair labels"
        table = Table(title=f"{sweep.parameter} ({measure})", **_COMPACT)
        table.add_column("value", justify="right", no_wrap=True)
        for part in ("tune", "report"):  # headers on two lines, numbers never cut: fits 80 columns
            for column in ("P", "R", "F1"):
                table.add_column(f"{part}\n{column}", justify="right", no_wrap=True)
        extras = list(sweep.tune[0].extra) if sweep.tune else []
        for name in extras:
            table.add_column(
                _EXTRA_LABELS.get(name, name).replace(" ", "\n", 1), justify="right", no_wrap=True
            )
        for tune, held in zip(sweep.tune, sweep.report, strict=True):
            marks = ("*" if tune.value == sweep.chosen else "") + ("°" if tune.value == sweep.current else "")
            scores = [f"{x:.3f}" for p in (tune, held) for x in (p.precision, p.recall, p.f1)]
            table.add_row(
                f"{tune.value:g}{marks}", *scores, *(f"{tune.extra[name]:.2g}" for name in extras),
                style="bold" if tune.value == sweep.chosen else None,
            )  # fmt: skip
        console.print(table)
        console.print(f"  * chosen {sweep.chosen:g} ({sweep.rule}); ° configured", highlight=False)
    if report.skipped:
        console.print(
            f"[yellow]{len(report.skipped)} pair(s) skipped[/]: {report.skipped[0][0]}: {report.skipped[0][1]}"
        )
    chosen = ", ".join(f"{s.parameter}={s.chosen:g}" for s in report.sweeps)
    console.print(f"recommended: {chosen}", highlight=False)


class _Digest(NamedTuple):
    """What the terminal report shows of a scan's pairs."""

    most_derived: list[tuple[str, float, str]]
    top_pairs: list[Comparison]
    uncredited: list[dict[str, object]]


def _digest(result: ScanResult, limit: int, top: int) -> _Digest:
    """The report's tables from one pass over the pairs (a scan's are read from disk, each pass costing
    seconds at 100,000 pairs): the ``limit`` most derived articles, the ``top`` most derived pairs, and the
    reuse of uncredited wire copy."""
    best: dict[str, tuple[float, str]] = {}
    ranked: list[tuple[tuple[float, str, str], int, Comparison]] = []  # the pair's number breaks ties
    uncredited: list[dict[str, object]] = []
    for number, comparison in enumerate(result.pairs):
        sides = _derived_sides(comparison)
        for side in sides:
            if side.id is not None and side.derived_fraction > best.get(side.id, (-1.0, ""))[0]:
                best[side.id] = (side.derived_fraction, side.verdict)
        rank = (-max(s.derived_fraction for s in sides), comparison.a.id or "", comparison.b.id or "")
        if len(ranked) < top or (top and (rank, number) < ranked[-1][:2]):
            insort(ranked, (rank, number, comparison))
            del ranked[top:]
        uncredited += uncredited_reuse(comparison)
    articles = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return _Digest(
        [(article_id, fraction, verdict) for article_id, (fraction, verdict) in articles],
        [comparison for _, _, comparison in ranked],
        uncredited,
    )


def most_derived(result: ScanResult, limit: int) -> list[tuple[str, float, str]]:
    """Articles by their highest derived fraction in a pair whose likely source they are not (a wire's
    text shared with the story that took it is not derived): ``(id, fraction, verdict)``."""
    return _digest(result, limit, top=0).most_derived


def _derived_sides(comparison: Comparison) -> list[Side]:
    """The sides of a pair that may derive from the other: both, unless its direction names one the source."""
    source = comparison.direction.source if comparison.direction else None
    return [side for name, side in (("a", comparison.a), ("b", comparison.b)) if name != source]


def _more(console: Console, hidden: int, what: str) -> None:
    if hidden > 0:
        console.print(f"[dim]… and {hidden:,} more {what} (--json lists them all)[/]", highlight=False)


def _render_top_pairs(result: ScanResult, console: Console, ranked: list[Comparison]) -> None:
    """What the most derived pairs share (their first passage), and the command that shows all of it."""
    articles = result.articles_by_id()
    table = Table(title="What the most derived pairs share", show_lines=True)
    table.add_column("pair", overflow="fold", ratio=1)
    table.add_column("passages", no_wrap=True)
    table.add_column("first shared passage, in the first article", ratio=2)
    for pair in ranked:
        first = pair.passages[0]
        kinds = "\n".join(f"{sum(p.kind == k for p in pair.passages)} {k}" for k in ("verbatim", "rewrite"))
        table.add_row(
            Text(f"{pair.a.id}\n{pair.b.id}"),
            kinds,
            Text(
                _excerpt(
                    articles[pair.a.id].text if pair.a.id in articles else "", first.a_start, first.a_end, 240
                )
            ),
        )
    console.print(table)
    top = ranked[0]
    console.print(
        f"Every passage side by side: [bold]dedup compare {shlex.quote(top.a.id or '')} "
        f"{shlex.quote(top.b.id or '')}[/] (add --html FILE for a page), or scan with --html DIR",
        highlight=False,
        soft_wrap=True,
    )


def render_scan(result: ScanResult, console: Console, limit: int = 10) -> None:
    """Summary of a scan: most derived articles, clusters, boilerplate, skipped files and failed pairs."""
    sharing = result.pairs_by_sharing()
    console.print(
        f"[bold]{len(result.articles):,}[/] articles, {result.candidates:,} candidate pairs, "
        f"[bold]{len(result.pairs):,}[/] derived pairs ({sharing['reuse']:,} reuse, {sharing['template']:,} "
        f"templates, {sharing['minor']:,} minor), {len(result.clusters):,} clusters"
    )
    if not result.neighbours and result.settings.get("neighbours"):
        console.print(
            f"[dim]Neighbouring chunks not searched: the corpus holds more than "
            f"{result.settings['neighbour_max_words']:,} content words (neighbour_max_words), so reuse that "
            "rewords every sentence may be missed.[/]"
        )
    verbatim_only = result.pairs_verbatim_only()
    if verbatim_only:
        console.print(
            f"[dim]{verbatim_only:,} pairs shared too few LSH buckets (align_min_buckets) to be aligned in "
            "full: their verbatim passages are listed, rewritten sentences beside them not looked for.[/]"
        )
    digest = _digest(result, limit, top=3)
    if result.pairs:
        table = Table(title="Most derived articles")
        table.add_column("article", overflow="fold")  # paths wrap whole: cut, two would look alike
        table.add_column("derived", justify="right")
        table.add_column("verdict")
        for article_id, fraction, verdict in digest.most_derived:
            table.add_row(Text(article_id), f"{fraction:.1%}", verdict)
        console.print(table)
        _render_top_pairs(result, console, digest.top_pairs)
    if result.clusters:
        table = Table(title="Clusters")
        table.add_column("size", justify="right")
        table.add_column("likely original", overflow="fold")
        table.add_column("members", overflow="fold")
        for cluster in result.clusters[:limit]:
            others = [m for m in cluster.members if m != cluster.original]
            shown = others[:limit] + ([f"… and {len(others) - limit:,} more"] if len(others) > limit else [])
            table.add_row(str(len(cluster.members)), Text(cluster.label), Text("\n".join(shown)))
        console.print(table)
        _more(console, len(result.clusters) - limit, "clusters")
    uncredited = digest.uncredited
    if uncredited:
        table = Table(title="Reuse of wire copy without crediting the wire")
        table.add_column("article", overflow="fold")
        table.add_column("uncredited wires")
        table.add_column("shares text with", overflow="fold")
        for item in uncredited[:limit]:
            table.add_row(Text(str(item["article"])), ", ".join(item["wires"]), Text(str(item["via"])))
        console.print(table)
        _more(console, len(uncredited) - limit, "articles reusing wire copy without credit")
    if result.boilerplate:
        spans = sum(len(s) for s in result.boilerplate.values())
        console.print(
            f"boilerplate: {spans:,} recurring passages in {len(result.boilerplate):,} articles, set apart"
        )
    if result.skipped:
        console.print(f"[yellow]skipped {len(result.skipped):,} file(s):[/]")
        for skipped in result.skipped:
            console.print(f"  {skipped.path}: {skipped.reason}", highlight=False, markup=False)
    if result.failed_pairs:
        console.print(f"[yellow]{len(result.failed_pairs):,} pair(s) could not be aligned:[/]")
        for failed in result.failed_pairs:
            console.print(f"  {failed.a} / {failed.b}: {failed.reason}", highlight=False, markup=False)


def render_outlets(table: list[dict[str, object]], console: Console, limit: int = 20) -> None:
    """The churnalism table: per outlet, its articles, derived share overall and by origin, uncredited reuse."""
    shown = Table(title="Outlets: share of their text derived from each origin", **_COMPACT)
    shown.add_column("outlet", overflow="fold")
    shown.add_column("articles", justify="right", no_wrap=True)
    shown.add_column("derived", justify="right", no_wrap=True)
    shown.add_column("from (share of the outlet's text)", overflow="fold")
    shown.add_column("uncredited", justify="right", no_wrap=True)
    for row in table[:limit]:
        shown.add_row(
            Text(str(row["outlet"])), f"{row['articles']:,}", f"{row['derived_share']:.1%}", Text(origins_text(row)),
            f"{row['uncredited_articles']:,}",
        )  # fmt: skip
    console.print(shown)
    _more(console, len(table) - limit, "outlets")
