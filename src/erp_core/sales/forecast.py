"""Demand forecasting: Holt's linear exponential smoothing, with a backtest.

Pure functions on a monthly series. The smoothing constants are chosen by grid search for the
lowest one-step-ahead squared error on the training months; the backtest refits on all but
the last ``holdout`` months and reports the mean absolute percentage error (MAPE) of its
forecast of those months, so the forecast's accuracy is shown next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GRID = [x / 10 for x in range(1, 10)]


@dataclass(frozen=True)
class Holt:
    alpha: float
    beta: float
    level: float
    trend: float
    sse: float

    def forecast(self, horizon: int) -> list[float]:
        return [max(self.level + (h + 1) * self.trend, 0.0) for h in range(horizon)]


def fit(series: Sequence[float], alpha: float, beta: float) -> Holt:
    if len(series) < 2:
        level = series[0] if series else 0.0
        return Holt(alpha, beta, level, 0.0, 0.0)
    level, trend = series[0], series[1] - series[0]
    sse = 0.0
    for value in series[1:]:
        predicted = level + trend
        sse += (value - predicted) ** 2
        new_level = alpha * value + (1 - alpha) * (level + trend)
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    return Holt(alpha, beta, level, trend, sse)


def best_fit(series: Sequence[float]) -> Holt:
    return min(
        (fit(series, a, b) for a in GRID for b in GRID), key=lambda h: (h.sse, h.alpha, h.beta)
    )


def mape(actual: Sequence[float], predicted: Sequence[float]) -> float | None:
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a != 0]
    if not pairs:
        return None
    return sum(abs(a - p) / abs(a) for a, p in pairs) / len(pairs) * 100


@dataclass(frozen=True)
class ForecastResult:
    model: Holt
    forecast: list[float]
    holdout: int
    backtest: list[float]
    mape: float | None


def forecast(series: Sequence[float], horizon: int, holdout: int | None = None) -> ForecastResult:
    """Fit on the whole series and forecast `horizon` months; backtest on the last months."""
    if holdout is None:
        holdout = min(3, max(len(series) // 4, 0))
    backtest: list[float] = []
    error: float | None = None
    if holdout and len(series) - holdout >= 3:
        trained = best_fit(series[:-holdout])
        backtest = trained.forecast(holdout)
        error = mape(series[-holdout:], backtest)
    else:
        holdout = 0
    model = best_fit(series)
    return ForecastResult(model, model.forecast(horizon), holdout, backtest, error)
