"""Charts as PNG files (matplotlib, without a display)."""

from __future__ import annotations

from erp_core.kernel.errors import ErpError
from erp_core.ledger.reports import ForecastReport


def plot_forecast(report: ForecastReport, path: str) -> None:
    """History, the backtest over the held-out months, and the forecast, as one PNG."""
    try:
        import matplotlib
    except ImportError:
        raise ErpError(
            "charts need matplotlib, which is the 'plot' extra: pip install 'erp_core[plot]'"
        ) from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    hist = [p.month for p in report.history]
    ax.plot(hist, [float(p.quantity) for p in report.history], marker="o", label="delivered")
    if report.backtest:
        ax.plot(
            [p.month for p in report.backtest],
            [float(p.quantity) for p in report.backtest],
            linestyle=":",
            marker="x",
            label=f"backtest (MAPE {report.mape_percent}%)",
        )
    ax.plot(
        [hist[-1], *[p.month for p in report.forecast]],
        [float(report.history[-1].quantity), *[float(p.quantity) for p in report.forecast]],
        linestyle="--",
        marker="o",
        label="forecast",
    )
    ax.set_title(f"{report.item}: monthly demand and forecast ({report.method})")
    ax.set_xlabel("month")
    ax.set_ylabel("quantity")
    ax.tick_params(axis="x", labelrotation=45)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
