"""PNG plots (matplotlib, the ``plots`` extra): one figure per swept parameter, and the outlets' derived
shares by origin.

Panels: the precision-recall curve, F1 against the value (tune and report parts, the chosen value marked)
and, for ``lsh_threshold``, the LSH S-curve at the chosen bands and rows drawn over histograms of the window
similarity of positive and negative tune pairs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dedup.bench.sweep import Sweep, SweepReport
from dedup.candidates.lsh import s_curve
from dedup.errors import DedupError

__all__ = ["plot_sweeps", "outlet_chart"]

_TUNE, _REPORT, _CHOSEN = "#1f77b4", "#ff7f0e", "#d62728"


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never needs a display
        import matplotlib.pyplot as plt
    except ImportError:
        raise DedupError("plots need matplotlib: pip install 'dedup[plots]'") from None
    return plt


def outlet_chart(table: list[dict[str, object]], limit: int = 20) -> bytes:
    """A PNG of the ``limit`` most derived outlets: one bar each, cut by the origins of its derived text
    (:func:`dedup.outlets.outlet_table`)."""
    import io

    plt = _pyplot()
    rows = [r for r in table if r["derived_share"]][:limit][::-1]  # most derived at the top
    origins = list(dict.fromkeys(o for r in rows for o in r["by_origin"]))
    figure, axis = plt.subplots(figsize=(9, 1.2 + 0.45 * max(len(rows), 1)), layout="constrained")
    left = np.zeros(len(rows))
    for origin in origins:
        shares = np.array([float(r["by_origin"].get(origin, 0.0)) for r in rows])
        axis.barh([str(r["outlet"]) for r in rows], shares, left=left, label=origin)
        left += shares
    axis.set_xlabel("share of the outlet's text derived from each origin (an origin's text counted once)")
    axis.set_title("Derived text by outlet")
    if origins:
        axis.legend(loc="lower right", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def plot_sweeps(report: SweepReport, folder: Path, prefix: str = "sweep") -> list[Path]:
    """Write ``{prefix}-{parameter}.png`` into ``folder`` for every sweep; return the paths."""
    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for sweep in report.sweeps:
        panels = 3 if sweep.similarities else 2
        figure, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.4), layout="constrained")
        _precision_recall(axes[0], sweep)
        _f1_curve(axes[1], sweep)
        if sweep.similarities:
            _s_curve(axes[2], sweep)
        measure = "character spans (PAN measures)" if sweep.measure == "spans" else "pair labels"
        figure.suptitle(
            f"{sweep.parameter} on {Path(report.data).name}: chosen {sweep.chosen:g} "
            f"(configured {sweep.current:g}), scored on {measure}",
            fontsize=11,
        )
        path = folder / f"{prefix}-{sweep.parameter}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        paths.append(path)
    return paths


def _precision_recall(axis, sweep: Sweep) -> None:
    for points, colour, label in ((sweep.tune, _TUNE, "tune"), (sweep.report, _REPORT, "report")):
        ordered = sorted(points, key=lambda p: (p.recall, -p.precision))
        axis.plot(
            [p.recall for p in ordered], [p.precision for p in ordered], "o-", color=colour, label=label
        )
    for points, marker, label in ((sweep.tune, "*", "chosen (tune)"), (sweep.report, "X", "chosen (report)")):
        chosen = sweep.at(points, sweep.chosen)
        axis.plot(
            chosen.recall, chosen.precision, marker, color=_CHOSEN, markersize=14, zorder=5, label=label
        )
    chosen = sweep.at(sweep.tune, sweep.chosen)
    axis.annotate(
        f"{sweep.parameter} = {sweep.chosen:g}", (chosen.recall, chosen.precision),
        textcoords="offset points", xytext=(-10, -18), ha="right", color=_CHOSEN,
    )  # fmt: skip
    axis.set(
        title="Precision against recall", xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02)
    )
    axis.grid(alpha=0.3)
    axis.legend(loc="lower left")


def _f1_curve(axis, sweep: Sweep) -> None:
    for points, colour, label in ((sweep.tune, _TUNE, "tune"), (sweep.report, _REPORT, "report")):
        axis.plot(
            [p.value for p in points], [p.f1 for p in points], "o-", color=colour, label=f"F1 ({label})"
        )
    axis.axvline(sweep.chosen, color=_CHOSEN, linestyle="--", label=f"chosen {sweep.chosen:g}")
    axis.axvline(sweep.current, color="grey", linestyle=":", label=f"configured {sweep.current:g}")
    axis.set(title=f"F1 against {sweep.parameter}", xlabel=sweep.parameter, ylabel="F1", ylim=(0, 1.02))
    if sweep.parameter == "lsh_threshold":
        twin = axis.twinx()
        twin.plot(
            [p.value for p in sweep.tune], [p.extra["candidates_per_document"] for p in sweep.tune],
            "s:", color="grey", alpha=0.7,
        )  # fmt: skip
        twin.set_ylabel("candidates per document (grey)")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower left", fontsize=8)


def _s_curve(axis, sweep: Sweep) -> None:
    assert sweep.similarities is not None
    bins = np.linspace(0, 1, 26)
    for kind, colour in (("positive", "#2ca02c"), ("negative", "#7f7f7f")):
        values = sweep.similarities[kind]
        if values:
            weights = np.full(len(values), 1 / len(values))
            axis.hist(
                values,
                bins=bins,
                weights=weights,
                alpha=0.5,
                color=colour,
                label=f"{kind} pairs ({len(values)})",
            )
    chosen = sweep.at(sweep.tune, sweep.chosen)
    bands, rows = int(chosen.extra["bands"]), int(chosen.extra["rows"])
    grid = np.linspace(0, 1, 201)
    twin = axis.twinx()
    twin.plot(grid, s_curve(grid, bands, rows), color=_CHOSEN, label="P(candidate)")
    twin.set(ylim=(0, 1.02), ylabel=f"P(windows share a bucket), b={bands}, r={rows}")
    axis.axvline(sweep.chosen, color=_CHOSEN, linestyle="--")
    axis.set(
        title="LSH S-curve over pair similarities", xlabel="best window Jaccard of a pair (estimated)",
        ylabel="share of pairs", xlim=(0, 1),
    )  # fmt: skip
    axis.legend(loc="upper center", fontsize=8)
