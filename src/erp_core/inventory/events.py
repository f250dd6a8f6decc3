"""Events of inventory: items, warehouses, stock bins, movements, counts, cost adjustments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from erp_core.kernel.events import DomainEvent, Kinds
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register(
    "goods_receipt", "material_issue", "stock_transfer", "stock_count", "cost_adjustment"
)
ValuationMethod = Literal["fifo", "moving_average"]
# Kinds of stock movement; areas that move stock register theirs.
MOVEMENT_KINDS = Kinds(
    "movement kind", "receipt", "issue", "transfer_in", "transfer_out", "count_gain", "count_loss"
)
MovementKind = Annotated[str, AfterValidator(MOVEMENT_KINDS.check)]


# --- inventory -------------------------------------------------------------------------------


class ItemRegistered(DomainEvent):
    code: str
    name: str
    uom: str
    valuation: ValuationMethod
    batch_tracked: bool
    expense_account: str


class WarehouseRegistered(DomainEvent):
    code: str
    name: str


class StockBinOpened(DomainEvent):
    """The first movement of an item in a warehouse opens its bin, fixing its valuation."""

    item: str
    warehouse: str
    valuation: ValuationMethod
    currency: str


class StockLayer(BaseModel):
    """A quantity at a value (FIFO layer, or what a transfer carried)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: Dec
    value: Dec
    batch: str | None = None


class StockMoved(DomainEvent):
    """One movement of one bin (item x warehouse). Quantity and value are signed: inflows
    positive, outflows negative. `layers` is what a transfer brought in."""

    document: str
    line: int
    kind: MovementKind
    date: dt.date
    quantity: Dec
    value: Dec
    batch: str | None = None
    layers: tuple[StockLayer, ...] = ()
    counter_account: str
    counted: Dec | None = None  # stock counts: the counted and the book quantity
    book: Dec | None = None


class StockCountRecorded(DomainEvent):
    """A count sheet: every line counted, with the book quantity it was compared to."""

    document: str
    warehouse: str
    date: dt.date
    lines: tuple[tuple[str, str | None, Dec, Dec], ...]  # (item, batch, counted, book)


class StockCostAdjusted(DomainEvent):
    """A back-dated movement changed the cost of a later outflow of the bin; `delta` is the
    change of the bin's value (negative: more value left the bin)."""

    document: str
    line: int
    adjustment_document: str
    date: dt.date
    delta: Dec
    counter_account: str
    batch: str | None = None
