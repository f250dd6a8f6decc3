"""The fixed-asset projection: categories, the asset register and every asset movement
(capitalisation, depreciation, impairment, cost adjustment, disposal), plus the cash-flow tags
of accounts. Amounts are integers of minor units; each movement row is signed as it moves the
asset's cost, accumulated depreciation and accumulated impairment (the latter two positive)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from erp_core.projections.engine import Projection, Record, insert_rows
from erp_core.projections.schema import metadata
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    update,
)

from erp_core.kernel.money import MINOR_UNITS, minor_from_text
from erp_core.ledger.reports import CheckResult

asset_categories = Table(
    "asset_categories",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("cost_account", String(20), nullable=False),
    Column("accumulated_depreciation_account", String(20), nullable=False),
    Column("depreciation_expense_account", String(20), nullable=False),
    Column("gain_account", String(20), nullable=False),
    Column("loss_account", String(20), nullable=False),
    Column("impairment_loss_account", String(20), nullable=False),
    Column("accumulated_impairment_account", String(20), nullable=False),
    Column("method", String(32), nullable=False),
    Column("useful_life_months", Integer, nullable=False),
    Column("convention", String(16), nullable=False),
)

fixed_assets = Table(
    "fixed_assets",
    metadata,
    Column("number", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(32), nullable=False),
    Column("acquired", Date, nullable=False),
    Column("available_for_use", Date, nullable=False),
    Column("method", String(32), nullable=False),
    Column("useful_life_months", Integer, nullable=False),
    Column("convention", String(16), nullable=False),
    Column("residual_minor", BigInteger, nullable=False),
    Column("cost_account", String(20), nullable=False),
    Column("accumulated_depreciation_account", String(20), nullable=False),
    Column("accumulated_impairment_account", String(20), nullable=False),
    Column("terms", Text, nullable=False),  # the capitalisation payload (JSON)
    Column("disposed_on", Date),
    Column("disposal_document", String(32)),
)

asset_entries = Table(
    "asset_entries",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("asset", String(16), nullable=False),
    Column("date", Date, nullable=False),
    Column("month", String(7)),
    Column("kind", String(16), nullable=False),
    Column("document", String(32)),
    Column("cost_minor", BigInteger, nullable=False),
    Column("depreciation_minor", BigInteger, nullable=False),
    Column("impairment_minor", BigInteger, nullable=False),
    Column("proceeds_minor", BigInteger, nullable=False),
    Column("gain_minor", BigInteger, nullable=False),
    Column("loss_minor", BigInteger, nullable=False),
    Column("detail", Text),  # changes in estimate and usage (JSON), for the schedule
    Index("ix_asset_entries_asset", "asset", "date"),
)

asset_constructions = Table(
    "asset_constructions",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("account", String(20), nullable=False),
    Column("opened", Date, nullable=False),
    Column("cost_centre", String(32)),
)

construction_entries = Table(
    "construction_entries",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("construction", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("kind", String(16), nullable=False),  # cost or capitalised
    Column("document", String(32)),
    Column("amount_minor", BigInteger, nullable=False),  # + collected, - capitalised
    Column("asset", String(16)),
    Column("source", String(48)),  # the supplier invoice line: PI-2026-000001/1
    Index("ix_construction_entries", "construction", "date"),
)

cash_flow_tags = Table(
    "cash_flow_tags",
    metadata,
    Column("account", String(20), primary_key=True),
    Column("tag", String(32), nullable=False),
)

ENTRY_KINDS = (
    "capitalise",
    "depreciation",
    "impairment",
    "cost_adjustment",
    "estimate",
    "usage",
    "disposal",
    "reversal",
)


class AssetsProjection:
    name = "assets"
    tables: Sequence[Table] = (
        asset_categories,
        fixed_assets,
        asset_entries,
        cash_flow_tags,
        asset_constructions,
        construction_entries,
    )
    event_names = frozenset(
        {
            "AssetCategoryDefined",
            "AssetCapitalised",
            "AssetEstimateChanged",
            "AssetImpaired",
            "AssetCostAdjusted",
            "AssetUsageRecorded",
            "AssetDepreciated",
            "AssetDepreciationReversed",
            "AssetDisposed",
            "CashFlowAccountTagged",
            "ConstructionOpened",
            "ConstructionCostAdded",
            "ConstructionCapitalised",
        }
    )

    def apply(self, conn: Connection, records: Sequence[Record], base_currency: str) -> None:
        places = MINOR_UNITS[base_currency]

        def minor(text: str | None) -> int:
            return 0 if text is None else minor_from_text(text, places)

        categories: list[tuple[Any, ...]] = []
        assets: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        sites: list[tuple[Any, ...]] = []
        site_entries: list[tuple[Any, ...]] = []

        def entry(position: int, asset: str, date: str, kind: str, **values: Any) -> None:
            entries.append(
                (
                    position,
                    asset,
                    date,
                    values.get("month"),
                    kind,
                    values.get("document") or None,
                    values.get("cost", 0),
                    values.get("depreciation", 0),
                    values.get("impairment", 0),
                    values.get("proceeds", 0),
                    values.get("gain", 0),
                    values.get("loss", 0),
                    values.get("detail"),
                )
            )

        def flush() -> None:
            insert_rows(conn, asset_categories, categories)
            insert_rows(conn, fixed_assets, assets)
            insert_rows(conn, asset_entries, entries)
            insert_rows(conn, asset_constructions, sites)
            insert_rows(conn, construction_entries, site_entries)
            categories.clear()
            assets.clear()
            entries.clear()
            sites.clear()
            site_entries.clear()

        for position, stream, name, e in records:
            number = stream.removeprefix("asset:")
            if name == "AssetCategoryDefined":
                categories.append(
                    (
                        e["code"],
                        e["name"],
                        e["cost_account"],
                        e["accumulated_depreciation_account"],
                        e["depreciation_expense_account"],
                        e["gain_account"],
                        e["loss_account"],
                        e["impairment_loss_account"],
                        e["accumulated_impairment_account"],
                        e["method"],
                        e["useful_life_months"],
                        e["convention"],
                    )
                )
            elif name == "AssetCapitalised":
                terms = {k: v for k, v in e.items() if k not in ("actor", "recorded_at")}
                assets.append(
                    (
                        e["number"],
                        e["name"],
                        e["category"],
                        e["date"],
                        e["available_for_use"],
                        e["method"],
                        e["useful_life_months"],
                        e["convention"],
                        minor(e["residual_value"]),
                        e["cost_account"],
                        e["accumulated_depreciation_account"],
                        e["accumulated_impairment_account"],
                        json.dumps(terms, sort_keys=True),
                        None,
                        None,
                    )
                )
                entry(
                    position,
                    number,
                    e["date"],
                    "capitalise",
                    document=e["document"],
                    cost=minor(e["cost"]),
                    depreciation=minor(e.get("opening_accumulated")),
                    month=e.get("opening_month"),
                    detail=_source(e),
                )
            elif name == "AssetDepreciated":
                entry(
                    position,
                    number,
                    e["date"],
                    "depreciation",
                    month=e["month"],
                    document=e["document"],
                    depreciation=minor(e["amount"]),
                )
            elif name == "AssetDepreciationReversed":
                entry(
                    position,
                    number,
                    e["date"],
                    "reversal",
                    month=e["run"],
                    document=e["document"],
                    depreciation=-minor(e["amount"]),
                    detail=json.dumps({"months": list(e["months"]), "reverses": e["documents"]}),
                )
            elif name == "AssetImpaired":
                entry(
                    position,
                    number,
                    e["date"],
                    "impairment",
                    document=e["document"],
                    impairment=minor(e["amount"]),
                )
            elif name == "AssetCostAdjusted":
                entry(
                    position,
                    number,
                    e["date"],
                    "cost_adjustment",
                    document=e["document"],
                    cost=minor(e["amount"]),
                )
            elif name == "AssetEstimateChanged":
                detail = {k: v for k, v in e.items() if k not in ("actor", "recorded_at")}
                entry(position, number, e["effective"], "estimate", detail=json.dumps(detail))
            elif name == "AssetUsageRecorded":
                detail = {"month": e["month"], "units": e["units"]}
                first_day = f"{e['month']}-01"
                entry(
                    position,
                    number,
                    first_day,
                    "usage",
                    month=e["month"],
                    detail=json.dumps(detail),
                )
            elif name == "AssetDisposed":
                entry(
                    position,
                    number,
                    e["date"],
                    "disposal",
                    document=e["document"],
                    cost=-minor(e["cost"]),
                    depreciation=-minor(e["accumulated_depreciation"]),
                    impairment=-minor(e["accumulated_impairment"]),
                    proceeds=minor(e["proceeds"]),
                    gain=minor(e["gain"]),
                    loss=minor(e["loss"]),
                    detail=json.dumps({"proceeds_account": e.get("proceeds_account")}),
                )
                flush()
                conn.execute(
                    update(fixed_assets)
                    .where(fixed_assets.c.number == number)
                    .values(
                        disposed_on=dt.date.fromisoformat(e["date"]),
                        disposal_document=e["document"],
                    )
                )
            elif name == "ConstructionOpened":
                sites.append((e["code"], e["name"], e["account"], e["date"], e.get("cost_centre")))
            elif name in ("ConstructionCostAdded", "ConstructionCapitalised"):
                cost = name == "ConstructionCostAdded"
                source = f"{e['invoice']}/{e['line']}" if cost and e.get("invoice") else None
                site_entries.append(
                    (
                        position,
                        stream.removeprefix("construction:"),
                        e["date"],
                        "cost" if cost else "capitalised",
                        e.get("document") or None,
                        minor(e["amount"]) if cost else -minor(e["amount"]),
                        None if cost else e["asset"],
                        source,
                    )
                )
            elif name == "CashFlowAccountTagged":
                flush()
                conn.execute(delete(cash_flow_tags).where(cash_flow_tags.c.account == e["account"]))
                insert_rows(conn, cash_flow_tags, [(e["account"], e["tag"])])
        flush()


def _source(e: dict[str, Any]) -> str | None:
    """Where a capitalised asset's cost came from (a supplier invoice line, a construction)."""
    source = {
        key: e[key]
        for key in ("supplier_invoice", "invoice_line", "construction")
        if e.get(key) is not None
    }
    return json.dumps(source, sort_keys=True) if source else None


def projections() -> list[Projection]:
    return [AssetsProjection()]


def checks(conn: Connection) -> list[CheckResult]:
    """This area's reconciliations, run by `erp check` with every other area's: the asset
    accounts equal the asset register."""
    from erp_core.assets.reports import asset_checks

    return asset_checks(conn)
