"""The aggregates of fixed assets: categories, assets, the register, the cash-flow tags.

Each asset folds its own stream into the inputs of the pure core (`AssetTerms`, adjustments,
usage) plus what has been posted (accumulated depreciation, the last month depreciated), so a
handler asks the core what to post next and checks it against what is already in the books.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from erp_core.assets.depreciation import (
    Adjustment,
    AssetTerms,
    Convention,
    CostAdjustment,
    EstimateChange,
    Impairment,
    Method,
    Usage,
    depreciation_schedule,
    method_named,
)
from erp_core.assets.errors import AssetError
from erp_core.assets.events import (
    AssetCapitalised,
    AssetCategoryDefined,
    AssetCostAdjusted,
    AssetDepreciated,
    AssetDepreciationReversed,
    AssetDisposed,
    AssetEstimateChanged,
    AssetImpaired,
    AssetNumberIssued,
    AssetsConfigured,
    AssetUsageRecorded,
    CashFlowAccountTagged,
    ConstructionCapitalised,
    ConstructionCostAdded,
    ConstructionOpened,
    DepreciationRun,
    DepreciationRunReversed,
    InvoiceLineCapitalised,
)
from erp_core.assets.values import YearMonth
from erp_core.kernel.aggregate import Aggregate
from erp_core.kernel.errors import NotFound, ValidationError

REGISTER_STREAM = "assets:register"
SETTINGS_STREAM = "assets:settings"
TAGS_STREAM = "cash-flow-tags"
ZERO = Decimal(0)
T = TypeVar("T")


def category_stream(code: str) -> str:
    return f"asset-category:{code}"


def asset_stream(number: str) -> str:
    return f"asset:{number}"


def construction_stream(code: str) -> str:
    return f"construction:{code}"


def invoice_line_stream(invoice: str, line: int) -> str:
    return f"asset-source:{invoice}/{line}"


def core(call: Callable[[], T], field: str | None = None) -> T:
    """Run a core computation; its `AssetError` becomes a `ValidationError` (same field)."""
    try:
        return call()
    except AssetError as exc:
        raise ValidationError(field or exc.field, exc.reason) from None


def method_of(
    name: str,
    factor: Decimal | None,
    switch: bool,
    total_units: Decimal | None,
) -> Method:
    return core(
        lambda: method_named(
            name, factor=factor, switch_to_straight_line=switch, total_units=total_units
        ),
        None,
    )


class AssetCategory(Aggregate):
    cacheable = True

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.defined: AssetCategoryDefined | None = None

    def _on_defined(self, e: AssetCategoryDefined) -> None:
        self.defined = e

    handlers = {AssetCategoryDefined: _on_defined}

    def info(self, field: str = "category") -> AssetCategoryDefined:
        if self.defined is None:
            code = self.id.removeprefix("asset-category:")
            raise NotFound(f"{field}: unknown asset category {code!r}")
        return self.defined


class AssetRegister(Aggregate):
    """The numbers issued (gapless, FA-000001 ...) and the depreciation runs."""

    def __init__(self, stream: str = REGISTER_STREAM) -> None:
        super().__init__(stream)
        self.numbers: list[str] = []
        self.runs: dict[str, list[str]] = {}  # month -> documents posted by runs of it
        self.reversed: dict[str, str] = {}  # month -> the reversal voucher of its last run

    def _on_number(self, e: AssetNumberIssued) -> None:
        self.numbers.append(e.number)

    def _on_run(self, e: DepreciationRun) -> None:
        self.runs.setdefault(e.month, []).extend(e.documents)
        self.reversed.pop(e.month, None)

    def _on_run_reversed(self, e: DepreciationRunReversed) -> None:
        self.runs.pop(e.month, None)
        self.reversed[e.month] = e.document

    handlers = {
        AssetNumberIssued: _on_number,
        DepreciationRun: _on_run,
        DepreciationRunReversed: _on_run_reversed,
    }

    def next_number(self) -> str:
        return f"FA-{len(self.numbers) + 1:06d}"


class FixedAsset(Aggregate):
    """One asset: its terms, adjustments and usage (the core's inputs) and what is posted."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.capitalised: AssetCapitalised | None = None
        self.terms: AssetTerms | None = None
        self.adjustments: list[Adjustment] = []
        self.usage: list[Usage] = []
        self.cost = ZERO
        self.posted = ZERO  # accumulated depreciation in the books (opening included)
        self.impaired = ZERO
        self.residual = ZERO
        self.through: YearMonth | None = None  # the last month depreciated
        self.disposed: AssetDisposed | None = None
        self.depreciation: list[AssetDepreciated] = []

    # -- folding ---------------------------------------------------------------------------
    def _on_capitalised(self, e: AssetCapitalised) -> None:
        self.capitalised = e
        method = method_named(
            e.method,
            factor=e.factor,
            switch_to_straight_line=e.switch_to_straight_line,
            total_units=e.total_units,
        )
        self.terms = AssetTerms(
            cost=e.cost,
            residual_value=e.residual_value,
            useful_life_months=e.useful_life_months,
            available_for_use=e.available_for_use,
            method=method,
            convention=Convention(e.convention),
            opening_accumulated=e.opening_accumulated,
            opening_month=None if e.opening_month is None else YearMonth.parse(e.opening_month),
            fiscal_year_start_month=e.fiscal_year_start_month,
        )
        self.cost = e.cost
        self.residual = e.residual_value
        self.posted = e.opening_accumulated or ZERO
        self.through = self.terms.first_month + -1

    def _on_estimate(self, e: AssetEstimateChanged) -> None:
        self.adjustments.append(estimate_change(e))
        if e.residual_value is not None:
            self.residual = e.residual_value

    def _on_impaired(self, e: AssetImpaired) -> None:
        self.adjustments.append(Impairment(e.date, e.amount))
        self.impaired += e.amount

    def _on_cost_adjusted(self, e: AssetCostAdjusted) -> None:
        self.adjustments.append(CostAdjustment(e.date, e.amount))
        self.cost += e.amount

    def _on_usage(self, e: AssetUsageRecorded) -> None:
        self.usage.append(Usage(YearMonth.parse(e.month), e.units))

    def _on_depreciated(self, e: AssetDepreciated) -> None:
        self.posted += e.amount
        self.depreciation.append(e)
        month = YearMonth.parse(e.month)
        if self.through is None or month > self.through:
            self.through = month

    def _on_depreciation_reversed(self, e: AssetDepreciationReversed) -> None:
        undone = {id(d) for d in self.of_run(e.run, e.documents)}
        self.depreciation = [d for d in self.depreciation if id(d) not in undone]
        self.posted -= e.amount
        months = [YearMonth.parse(d.month) for d in self.depreciation]
        self.through = max(months) if months else self.the_terms().first_month + -1

    def _on_disposed(self, e: AssetDisposed) -> None:
        self.disposed = e

    handlers = {
        AssetCapitalised: _on_capitalised,
        AssetEstimateChanged: _on_estimate,
        AssetImpaired: _on_impaired,
        AssetCostAdjusted: _on_cost_adjusted,
        AssetUsageRecorded: _on_usage,
        AssetDepreciated: _on_depreciated,
        AssetDepreciationReversed: _on_depreciation_reversed,
        AssetDisposed: _on_disposed,
    }

    # -- queries ---------------------------------------------------------------------------
    @property
    def number(self) -> str:
        return self.id.removeprefix("asset:")

    def info(self, field: str = "asset") -> AssetCapitalised:
        if self.capitalised is None:
            raise NotFound(f"{field}: unknown asset {self.number!r}")
        return self.capitalised

    def the_terms(self) -> AssetTerms:
        assert self.terms is not None
        return self.terms

    def check_active(self, field: str = "asset") -> AssetCapitalised:
        info = self.info(field)
        if self.disposed is not None:
            raise ValidationError(
                field,
                f"asset {self.number} was disposed of on {self.disposed.date} "
                f"({self.disposed.document})",
            )
        return info

    def of_run(self, month: str, documents: tuple[str, ...] | list[str]) -> list[AssetDepreciated]:
        """The months this asset was depreciated by the runs of `month` (events recorded before
        runs were named on them: by the run's vouchers)."""
        return [
            d
            for d in self.depreciation
            if d.run == month or (d.run is None and d.document and d.document in documents)
        ]

    @property
    def carrying_amount(self) -> Decimal:
        return self.cost - self.posted - self.impaired

    def check_prospective(self, day: dt.date, field: str) -> None:
        """A change dated `day` applies from the first month starting on or after it; that
        month must not be depreciated yet (past runs are never restated)."""
        terms = self.the_terms()
        if day < terms.available_for_use:
            raise ValidationError(
                field,
                f"{day} is before the asset's available-for-use date {terms.available_for_use}",
            )
        month = YearMonth.of(day) if day.day == 1 else YearMonth.of(day) + 1
        if self.through is not None and month <= self.through:
            raise ValidationError(
                field,
                f"asset {self.number} is depreciated through {self.through}; a change dated "
                f"{day} applies from {month} and would restate posted months: date it on or "
                f"after {(self.through + 1).first_day}",
            )

    def check_schedule(self, extra: Adjustment | None = None, usage: Usage | None = None) -> None:
        """Compute the whole schedule with the new input: the core refuses what cannot be."""
        adjustments = [*self.adjustments, *([extra] if extra else [])]
        uses = [*self.usage, *([usage] if usage else [])]
        core(lambda: depreciation_schedule(self.the_terms(), adjustments, uses))

    def due(self, month: YearMonth) -> bool:
        """Depreciation may be owed for `month`: active, available, not yet depreciated
        through it, and something left above residual value."""
        if self.disposed is not None or self.terms is None:
            return False
        if month < self.terms.first_month:
            return False
        if self.through is not None and month <= self.through:
            return False
        return self.carrying_amount - self.residual > 0


def estimate_change(e: AssetEstimateChanged) -> EstimateChange:
    method = (
        None
        if e.method is None
        else method_named(
            e.method,
            factor=e.factor,
            switch_to_straight_line=e.switch_to_straight_line,
            total_units=e.total_units,
        )
    )
    return EstimateChange(e.effective, e.useful_life_months, e.residual_value, method)


class CashFlowTags(Aggregate):
    cacheable = True

    def __init__(self, stream: str = TAGS_STREAM) -> None:
        super().__init__(stream)
        self.tags: dict[str, str] = {}

    def _on_tagged(self, e: CashFlowAccountTagged) -> None:
        self.tags[e.account] = e.tag

    handlers = {CashFlowAccountTagged: _on_tagged}


class AssetSettings(Aggregate):
    """How depreciation runs itemise their vouchers."""

    cacheable = True

    def __init__(self, stream: str = SETTINGS_STREAM) -> None:
        super().__init__(stream)
        self.run_lines = "asset"

    def _on_configured(self, e: AssetsConfigured) -> None:
        self.run_lines = e.run_lines

    handlers = {AssetsConfigured: _on_configured}


class InvoiceLineUse(Aggregate):
    """What of one supplier invoice account line was capitalised, and into what: a line is
    never capitalised for more than it posted."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.used = ZERO
        self.targets: list[str] = []

    def _on_capitalised(self, e: InvoiceLineCapitalised) -> None:
        self.used += e.amount
        self.targets.append(e.target)

    handlers = {InvoiceLineCapitalised: _on_capitalised}


class Construction(Aggregate):
    """An asset under construction: the costs collected on its account and what of them was
    capitalised into assets."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.opened: ConstructionOpened | None = None
        self.collected = ZERO
        self.capitalised = ZERO
        self.assets: list[str] = []

    def _on_opened(self, e: ConstructionOpened) -> None:
        self.opened = e

    def _on_cost(self, e: ConstructionCostAdded) -> None:
        self.collected += e.amount

    def _on_capitalised(self, e: ConstructionCapitalised) -> None:
        self.capitalised += e.amount
        self.assets.append(e.asset)

    handlers = {
        ConstructionOpened: _on_opened,
        ConstructionCostAdded: _on_cost,
        ConstructionCapitalised: _on_capitalised,
    }

    @property
    def code(self) -> str:
        return self.id.removeprefix("construction:")

    @property
    def balance(self) -> Decimal:
        return self.collected - self.capitalised

    def info(self, field: str = "construction") -> ConstructionOpened:
        if self.opened is None:
            raise NotFound(f"{field}: unknown asset under construction {self.code!r}")
        return self.opened
