"""Charts drawn with matplotlib (the optional extra ``plot``): the process map of a process
report, and the management pack's charts.

matplotlib is imported only here, only when a chart is asked for. Files are PNG or SVG,
chosen by the file name's suffix.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from erp_core.insight.reports import ProcessReport


def _pyplot():  # type: ignore[no-untyped-def]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ValidationError(
            "plot", "charts need matplotlib: pip install 'erp_core[plot]'"
        ) from None
    return plt


CHART_SUFFIXES = (".png", ".svg")


def check_chart_path(path: str | Path) -> Path:
    """The path of a chart to write: a .png or .svg file in a folder that exists."""
    target = Path(path)
    if target.suffix.lower() not in CHART_SUFFIXES:
        raise ValidationError(
            "plot", f"charts are written as PNG or SVG: {str(target)!r} is not .png or .svg"
        )
    if not target.parent.is_dir():
        raise ValidationError("plot", f"no folder {str(target.parent)!r} to write into")
    return target


def _hours_label(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"


def activity_order(report: ProcessReport) -> list[str]:
    """The activities of a report in process order: by their mean position in the variants
    (weighted by the variant's count), ties by name."""
    positions: dict[str, list[float]] = {}
    for v in report.variants:
        seen: set[str] = set()
        for i, activity in enumerate(v.activities):
            if activity in seen:
                continue
            seen.add(activity)
            positions.setdefault(activity, []).extend([i / max(len(v.activities), 1)] * v.count)
    for a in report.arrows:
        positions.setdefault(a.source, [0.0])
        positions.setdefault(a.target, [1.0])
    return sorted(positions, key=lambda act: (sum(positions[act]) / len(positions[act]), act))


def plot_process_map(report: ProcessReport, path: str | Path) -> None:
    """The process map: one box per activity in process order, one arrow per directly-follows
    pair labelled with its count and mean wait; the bottleneck (largest mean wait x count) in
    red and thicker. PNG or SVG by the suffix of ``path``."""
    target = check_chart_path(path)
    plt = _pyplot()
    from matplotlib.patches import FancyArrowPatch

    order = activity_order(report)
    per_row = 4
    place = {act: (i % per_row * 3.2, -(i // per_row) * 2.2) for i, act in enumerate(order)}
    rows = (len(order) + per_row - 1) // per_row or 1
    fig, ax = plt.subplots(figsize=(13, 2.6 * rows + 1.2))
    try:
        top = report.bottlenecks[0] if report.bottlenecks else None
        for act, (x, y) in place.items():
            ax.text(
                x,
                y,
                act.replace(" ", "\n", 1) if len(act) > 18 else act,
                ha="center",
                va="center",
                fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#e8f0fb", "ec": "#3b6db3"},
                zorder=3,
            )
        for a in report.arrows:
            (x1, y1), (x2, y2) = place[a.source], place[a.target]
            hot = top is not None and (a.source, a.target) == (top.source, top.target)
            colour = "tab:red" if hot else "#555555"
            if a.source == a.target:
                ax.annotate(
                    "",
                    xy=(x1 + 0.3, y1 + 0.3),
                    xytext=(x1 - 0.3, y1 + 0.3),
                    arrowprops={
                        "arrowstyle": "->",
                        "color": colour,
                        "connectionstyle": "arc3,rad=-1.2",
                    },
                )
                lx, ly = x1, y1 + 0.75
            else:
                backwards = order.index(a.target) < order.index(a.source)
                rad = 0.35 if backwards else 0.12
                ax.add_patch(
                    FancyArrowPatch(
                        (x1, y1),
                        (x2, y2),
                        arrowstyle="-|>",
                        mutation_scale=14,
                        color=colour,
                        lw=3.0 if hot else 1.2,
                        connectionstyle=f"arc3,rad={rad}",
                        shrinkA=28,
                        shrinkB=28,
                        zorder=2,
                    )
                )
                # the middle of the arc (a quadratic Bezier: mid + rad/2 x (dy, -dx))
                lx = (x1 + x2) / 2 + rad / 2 * (y2 - y1)
                ly = (y1 + y2) / 2 - rad / 2 * (x2 - x1) + 0.08
            ax.text(
                lx,
                ly,
                f"{a.count}x, {_hours_label(a.waits.mean.total_seconds())}",
                ha="center",
                fontsize=8,
                color=colour,
                fontweight="bold" if hot else "normal",
                bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1},
                zorder=4,
            )
        xs = [x for x, _ in place.values()] or [0.0]
        ys = [y for _, y in place.values()] or [0.0]
        ax.set_xlim(min(xs) - 1.8, max(xs) + 1.8)
        ax.set_ylim(min(ys) - 1.2, max(ys) + 1.2)
        ax.axis("off")
        name = report.kind or report.object_type
        where = f"bottleneck {top.source} > {top.target} (mean wait x count)" if top else "no waits"
        ax.set_title(
            f"{name}: {report.cases} cases; arrows: count, mean wait ({report.basis} times); "
            f"{where} in red",
            fontsize=10,
        )
        fig.tight_layout()
        fig.savefig(target, format=target.suffix.lower().lstrip("."))
    finally:
        plt.close(fig)


def plot_process(report: ProcessReport, path: str | Path) -> None:
    """Two panels: mean wait per arrow (the bottleneck in red) and cases started and finished
    per week."""
    target = check_chart_path(path)
    plt = _pyplot()
    fig, (waits, weeks) = plt.subplots(2, 1, figsize=(10, 8))
    try:
        arrows = sorted(report.arrows, key=lambda a: a.waits.mean)
        top = report.bottlenecks[0] if report.bottlenecks else None
        labels = [f"{a.source} > {a.target} ({a.count})" for a in arrows]
        hours = [a.waits.mean.total_seconds() / 3600 for a in arrows]
        colours = [
            "tab:red" if top and (a.source, a.target) == (top.source, top.target) else "tab:blue"
            for a in arrows
        ]
        waits.barh(labels, hours, color=colours)
        waits.set_xlabel(f"mean wait, hours ({report.basis} times)")
        waits.set_title(f"{report.object_type}: waits between steps (bottleneck in red)")
        days = [p.period_start for p in report.throughput]
        weeks.plot(days, [p.started for p in report.throughput], marker="o", label="started")
        weeks.plot(days, [p.completed for p in report.throughput], marker="o", label="finished")
        weeks.set_title("cases per week")
        weeks.legend()
        fig.tight_layout()
        fig.savefig(target, format=target.suffix.lower().lstrip("."))
    finally:
        plt.close(fig)


# --- the management pack's charts -------------------------------------------------------------


def _save(fig: object, target: Path) -> None:
    fig.tight_layout()  # type: ignore[attr-defined]
    fig.savefig(target, format=target.suffix.lower().lstrip("."))  # type: ignore[attr-defined]


def plot_revenue_margin(
    labels: list[str],
    revenue: list[Decimal],
    margin_pct: list[Decimal | None],
    currency: str,
    path: str | Path,
) -> None:
    """Revenue per period as bars, gross margin % as a line on a second axis (a period
    without revenue has no margin point)."""
    target = check_chart_path(path)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    try:
        ax.bar(labels, [float(v) for v in revenue], color="tab:blue", label="revenue")
        ax.set_ylabel(f"revenue ({currency})")
        right = ax.twinx()
        points = [(lb, float(m)) for lb, m in zip(labels, margin_pct, strict=True) if m is not None]
        right.plot([p[0] for p in points], [p[1] for p in points], color="tab:red", marker="o")
        right.set_ylabel("gross margin %", color="tab:red")
        ax.set_title("Revenue and gross margin by period")
        _save(fig, target)
    finally:
        plt.close(fig)


def plot_series(
    labels: list[str], values: list[Decimal], title: str, unit: str, path: str | Path
) -> None:
    """One line: a balance at each period's end (cash position)."""
    target = check_chart_path(path)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    try:
        ax.plot(labels, [float(v) for v in values], marker="o", color="tab:green")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        _save(fig, target)
    finally:
        plt.close(fig)


def plot_bars(
    labels: list[str], values: list[Decimal], title: str, unit: str, path: str | Path
) -> None:
    """Horizontal bars (aging buckets, stock value by item)."""
    target = check_chart_path(path)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.45 * len(labels) + 1.5)))
    try:
        ax.barh(labels, [float(v) for v in values], color="tab:purple")
        ax.invert_yaxis()
        ax.set_xlabel(unit)
        ax.set_title(title)
        _save(fig, target)
    finally:
        plt.close(fig)
