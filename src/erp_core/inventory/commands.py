"""Actions of inventory: items, warehouses, receipts, issues, transfers and counts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from erp_core.kernel.commands import (
    MAX_LINES,
    Action,
    Code,
    Line,
    Name,
    Text,
)
from erp_core.kernel.money import Dec

# --- inventory -------------------------------------------------------------------------------


class RegisterItem(Action):
    """Add an item to the item master."""

    action: Literal["register_item"] = "register_item"
    code: Code
    name: Name
    uom: Annotated[str, Field(min_length=1, max_length=16)]
    valuation: Literal["fifo", "moving_average"] = "fifo"
    batch_tracked: bool = False
    expense_account: str = "5100"


class RegisterWarehouse(Action):
    """Add a warehouse."""

    action: Literal["register_warehouse"] = "register_warehouse"
    code: Code
    name: Name


class ReceiptLine(Line):
    item: Code
    warehouse: Code
    quantity: Dec
    unit_cost: Dec
    batch: Code | None = None


class ReceiveStock(Action):
    """Receive stock without a purchase order (opening stock, found goods, ...)."""

    action: Literal["receive_stock"] = "receive_stock"
    date: dt.date
    account: str  # the account credited against inventory
    memo: Text | None = None
    lines: Annotated[list[ReceiptLine], Field(min_length=1, max_length=MAX_LINES)]


class IssueLine(Line):
    item: Code
    warehouse: Code
    quantity: Dec
    batch: Code | None = None
    account: str | None = None  # default: the item's expense account


class IssueMaterial(Action):
    """Issue material to a department; its cost comes from the bin's layers or average."""

    action: Literal["issue_material"] = "issue_material"
    date: dt.date
    department: Code | None = None
    requester: Name
    purpose: Text
    lines: Annotated[list[IssueLine], Field(min_length=1, max_length=MAX_LINES)]


class TransferLine(Line):
    item: Code
    quantity: Dec
    batch: Code | None = None


class TransferStock(Action):
    """Move stock between warehouses; its cost travels with it."""

    action: Literal["transfer_stock"] = "transfer_stock"
    date: dt.date
    from_warehouse: Code
    to_warehouse: Code
    memo: Text | None = None
    lines: Annotated[list[TransferLine], Field(min_length=1, max_length=MAX_LINES)]


class CountLine(Line):
    item: Code
    counted: Dec
    batch: Code | None = None


class CountStock(Action):
    """Record a count sheet for a warehouse; differences become stock adjustments."""

    action: Literal["count_stock"] = "count_stock"
    date: dt.date
    warehouse: Code
    lines: Annotated[list[CountLine], Field(min_length=1, max_length=MAX_LINES)]
