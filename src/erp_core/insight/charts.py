"""PNG charts of the process report, drawn with matplotlib (the optional extra ``plot``).

matplotlib is imported only here, only when a chart is asked for.
"""

from __future__ import annotations

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


def plot_process(report: ProcessReport, path: str | Path) -> None:
    """Two panels: mean wait per arrow (the bottleneck in red) and cases started and finished
    per week."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValidationError("plot", f"charts are written as PNG: {str(target)!r} is not .png")
    if not target.parent.is_dir():
        raise ValidationError("plot", f"no folder {str(target.parent)!r} to write into")
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
        fig.savefig(target, format="png")
    finally:
        plt.close(fig)
