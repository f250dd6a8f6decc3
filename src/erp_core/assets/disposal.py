"""Disposal of a fixed asset (sale or scrap): the balanced lines that remove it from the books.

Catch-up depreciation to the disposal date comes first (`catch_up_to_disposal`), then:

    Dr proceeds (cash or receivable)      proceeds
    Dr accumulated depreciation           accumulated depreciation after catch-up
    Dr accumulated impairment             accumulated impairment
    Dr loss on disposal                   carrying amount - proceeds, when positive
        Cr cost                           cost
        Cr gain on disposal               proceeds - carrying amount, when positive

The gain or loss is its own line, never revenue (IAS 16.68, 71), and a fully depreciated asset
sold for something still books its gain. Lines of zero are left out. Each line carries a `role`;
the wiring maps roles to the category's accounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from erp_core.assets.depreciation import (
    Adjustment,
    AssetTerms,
    CatchUp,
    Usage,
    catch_up_to_disposal,
)
from erp_core.assets.errors import AssetError
from erp_core.assets.values import to_money

__all__ = ["Disposal", "DisposalLine", "DisposalRole", "disposal_lines", "dispose"]


class DisposalRole(StrEnum):
    PROCEEDS = "proceeds"
    ACCUMULATED_DEPRECIATION = "accumulated_depreciation"
    ACCUMULATED_IMPAIRMENT = "accumulated_impairment"
    COST = "cost"
    GAIN = "gain_on_disposal"
    LOSS = "loss_on_disposal"


@dataclass(frozen=True, slots=True)
class DisposalLine:
    role: DisposalRole
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class Disposal:
    cost: Decimal
    accumulated_depreciation: Decimal
    accumulated_impairment: Decimal
    proceeds: Decimal
    gain: Decimal
    loss: Decimal
    lines: tuple[DisposalLine, ...]
    catch_up: CatchUp | None = None

    @property
    def carrying_amount(self) -> Decimal:
        return self.cost - self.accumulated_depreciation - self.accumulated_impairment


def disposal_lines(
    cost: Decimal,
    accumulated_depreciation: Decimal,
    proceeds: Decimal,
    accumulated_impairment: Decimal = Decimal(0),
    *,
    places: int = 2,
) -> Disposal:
    """The disposal lines for an asset whose figures (after catch-up) are given."""
    cost = to_money(cost, "cost", places)
    depreciation = to_money(accumulated_depreciation, "accumulated_depreciation", places)
    impairment = to_money(accumulated_impairment, "accumulated_impairment", places)
    proceeds = to_money(proceeds, "proceeds", places)
    for field, value in (
        ("cost", cost),
        ("accumulated_depreciation", depreciation),
        ("accumulated_impairment", impairment),
        ("proceeds", proceeds),
    ):
        if value < 0:
            raise AssetError(field, f"must not be negative, got {value}")
    carrying = cost - depreciation - impairment
    if carrying < 0:
        raise AssetError(
            "accumulated_depreciation",
            f"accumulated depreciation and impairment ({depreciation + impairment}) exceed the "
            f"cost {cost}",
        )
    gain = max(Decimal(0), proceeds - carrying)
    loss = max(Decimal(0), carrying - proceeds)
    zero = Decimal(0)
    candidates = [
        DisposalLine(DisposalRole.PROCEEDS, proceeds, zero),
        DisposalLine(DisposalRole.ACCUMULATED_DEPRECIATION, depreciation, zero),
        DisposalLine(DisposalRole.ACCUMULATED_IMPAIRMENT, impairment, zero),
        DisposalLine(DisposalRole.LOSS, loss, zero),
        DisposalLine(DisposalRole.COST, zero, cost),
        DisposalLine(DisposalRole.GAIN, zero, gain),
    ]
    lines = tuple(line for line in candidates if line.debit or line.credit)
    return Disposal(cost, depreciation, impairment, proceeds, gain, loss, lines)


def dispose(
    terms: AssetTerms,
    disposal_date: dt.date,
    proceeds: Decimal,
    adjustments: Iterable[Adjustment] = (),
    usage: Iterable[Usage] = (),
    *,
    accumulated_so_far: Decimal | None = None,
) -> Disposal:
    """Catch-up depreciation to `disposal_date`, then the disposal lines on the result."""
    catch_up = catch_up_to_disposal(
        terms, disposal_date, adjustments, usage, accumulated_so_far=accumulated_so_far
    )
    result = disposal_lines(
        catch_up.cost,
        catch_up.accumulated_depreciation,
        proceeds,
        catch_up.accumulated_impairment,
        places=terms.places,
    )
    return Disposal(
        result.cost,
        result.accumulated_depreciation,
        result.accumulated_impairment,
        result.proceeds,
        result.gain,
        result.loss,
        result.lines,
        catch_up,
    )
