"""The stock projection: items, warehouses and the stock ledger (every movement and cost
adjustment of every bin)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import stock_items, stock_movements, warehouses
from sqlalchemy import Connection, Table

from erp_core.kernel.money import MINOR_UNITS, minor_from_text

QTY_PLACES = 6


def _bin(stream: str) -> tuple[str, str]:
    item, _, warehouse = stream.removeprefix("bin:").partition("@")
    return item, warehouse


class StockProjection:
    name = "stock"
    tables: Sequence[Table] = (stock_items, warehouses, stock_movements)
    event_names = frozenset(
        {"ItemRegistered", "WarehouseRegistered", "StockMoved", "StockCostAdjusted"}
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS[base_currency]
        items: list[tuple[Any, ...]] = []
        houses: list[tuple[Any, ...]] = []
        moves: list[tuple[Any, ...]] = []
        for position, stream, name, e in records:
            if name == "ItemRegistered":
                items.append(
                    (
                        e["code"],
                        e["name"],
                        e["uom"],
                        e["valuation"],
                        e["batch_tracked"],
                        e["expense_account"],
                    )
                )
            elif name == "WarehouseRegistered":
                houses.append((e["code"], e["name"]))
            elif name == "StockMoved":
                item, warehouse = _bin(stream)
                moves.append(
                    (
                        position,
                        e["document"],
                        e["line"],
                        item,
                        warehouse,
                        e["batch"],
                        e["kind"],
                        e["date"],
                        minor_from_text(e["quantity"], QTY_PLACES),
                        minor_from_text(e["value"], places),
                        e["counter_account"],
                        None,
                    )
                )
            else:  # StockCostAdjusted
                item, warehouse = _bin(stream)
                moves.append(
                    (
                        position,
                        e["document"],
                        e["line"],
                        item,
                        warehouse,
                        e.get("batch"),
                        "cost_adjustment",
                        e["date"],
                        0,
                        minor_from_text(e["delta"], places),
                        e["counter_account"],
                        e["adjustment_document"],
                    )
                )
        insert_rows(conn, stock_items, items)
        insert_rows(conn, warehouses, houses)
        insert_rows(conn, stock_movements, moves)


def projections() -> list[Projection]:
    return [StockProjection()]
