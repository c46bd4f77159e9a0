"""Terminal rendering of a comparison with rich: passages side by side, fractions and verdicts."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from dedup.articles import Article
from dedup.model import Comparison, Side

__all__ = ["render_comparison"]

_KIND_STYLE = {"verbatim": "bold green", "rewrite": "bold yellow"}


def _excerpt(text: str, start: int, end: int, limit: int) -> str:
    excerpt = " ".join(text[start:end].split())
    return excerpt if len(excerpt) <= limit else excerpt[: limit - 1] + "…"


def _side_line(label: str, side: Side) -> Text:
    return Text.assemble(
        (f"{label} ", "bold"), (side.path, "cyan"), f"  {side.chars:,} chars  derived ",
        (f"{side.derived_fraction:.1%}", "bold"), f"  {side.verdict}",
    )  # fmt: skip


def render_comparison(comparison: Comparison, a: Article, b: Article, console: Console) -> None:
    """Print both articles' shared passages side by side, then the derived fractions and verdicts."""
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
    console.print(Group(table, _side_line("A", comparison.a), _side_line("B", comparison.b)))
