"""Reports of fixed assets, read from the projections: the asset register as of a date, the
depreciation schedule of an asset (posted rows, then the projection to the end of its life),
and the check that the asset accounts equal the asset sub-ledger."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, func, select

from erp_core.kernel.errors import NotFound
from erp_core.kernel.money import Dec, from_minor
from erp_core.ledger.reports import CheckResult


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class AssetRegisterRow(_Report):
    asset: str
    name: str
    category: str
    available_for_use: dt.date
    method: str
    cost: Dec
    accumulated_depreciation: Dec
    accumulated_impairment: Dec
    book_value: Dec


class CategoryTotal(_Report):
    category: str
    cost: Dec
    accumulated_depreciation: Dec
    accumulated_impairment: Dec
    book_value: Dec


class ConstructionRow(_Report):
    construction: str
    name: str
    account: str
    collected: Dec
    capitalised: Dec
    balance: Dec  # collected and not yet capitalised: what the AUC account holds for it


class AssetRegisterReport(_Report):
    as_of: dt.date
    currency: str
    rows: list[AssetRegisterRow]
    categories: list[CategoryTotal]
    cost: Dec
    accumulated_depreciation: Dec
    accumulated_impairment: Dec
    book_value: Dec
    constructions: list[ConstructionRow] = []
    under_construction: Dec = Decimal(0)  # the constructions' balances together


class ScheduleRow(_Report):
    month: str
    date: dt.date | None
    status: str  # posted or projected
    kind: str
    document: str | None
    depreciation: Dec
    cost: Dec
    accumulated_depreciation: Dec
    accumulated_impairment: Dec
    book_value: Dec


class DepreciationScheduleReport(_Report):
    asset: str
    name: str
    currency: str
    method: str
    useful_life_months: int
    residual_value: Dec
    rows: list[ScheduleRow]


def _base(conn: Connection) -> str:
    from erp_core.projections.queries import company

    return company(conn)[1]


def asset_register(conn: Connection, as_of: dt.date) -> AssetRegisterReport:
    """Cost, accumulated depreciation and impairment, and book value of every asset held at
    the end of `as_of` (assets disposed of by then are left out), with totals per category."""
    from erp_core.projections.assets import asset_entries as e
    from erp_core.projections.assets import fixed_assets as a

    base = _base(conn)
    sums = (
        select(
            e.c.asset,
            func.sum(e.c.cost_minor),
            func.sum(e.c.depreciation_minor),
            func.sum(e.c.impairment_minor),
        )
        .where(e.c.date <= as_of)
        .group_by(e.c.asset)
    )
    totals = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in conn.execute(sums)}
    rows: list[AssetRegisterRow] = []
    query = select(
        a.c.number, a.c.name, a.c.category, a.c.available_for_use, a.c.method, a.c.disposed_on
    ).order_by(a.c.number)
    for number, name, category, available, method, disposed in conn.execute(query):
        if number not in totals or (disposed is not None and disposed <= as_of):
            continue
        cost, dep, imp = totals[number]
        rows.append(
            AssetRegisterRow(
                asset=number,
                name=name,
                category=category,
                available_for_use=available,
                method=method,
                cost=from_minor(cost, base),
                accumulated_depreciation=from_minor(dep, base),
                accumulated_impairment=from_minor(imp, base),
                book_value=from_minor(cost - dep - imp, base),
            )
        )
    by_category: dict[str, list[AssetRegisterRow]] = defaultdict(list)
    for row in rows:
        by_category[row.category].append(row)

    def total(items: list[AssetRegisterRow], field: str) -> Decimal:
        return sum((getattr(r, field) for r in items), from_minor(0, base))

    categories = [
        CategoryTotal(
            category=code,
            cost=total(items, "cost"),
            accumulated_depreciation=total(items, "accumulated_depreciation"),
            accumulated_impairment=total(items, "accumulated_impairment"),
            book_value=total(items, "book_value"),
        )
        for code, items in sorted(by_category.items())
    ]
    sites = construction_rows(conn, as_of, base)
    return AssetRegisterReport(
        as_of=as_of,
        currency=base,
        rows=rows,
        categories=categories,
        cost=total(rows, "cost"),
        accumulated_depreciation=total(rows, "accumulated_depreciation"),
        accumulated_impairment=total(rows, "accumulated_impairment"),
        book_value=total(rows, "book_value"),
        constructions=sites,
        under_construction=sum((r.balance for r in sites), from_minor(0, base)),
    )


def construction_rows(conn: Connection, as_of: dt.date, base: str) -> list[ConstructionRow]:
    """Every asset under construction opened by `as_of`: collected, capitalised, balance."""
    from erp_core.projections.assets import asset_constructions as c
    from erp_core.projections.assets import construction_entries as ce

    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    query = (
        select(ce.c.construction, ce.c.kind, func.sum(ce.c.amount_minor))
        .where(ce.c.date <= as_of)
        .group_by(ce.c.construction, ce.c.kind)
    )
    for code, kind, amount in conn.execute(query):
        sums[code][kind] += int(amount)
    rows = []
    query2 = select(c.c.code, c.c.name, c.c.account).where(c.c.opened <= as_of).order_by(c.c.code)
    for code, name, account in conn.execute(query2):
        collected, capitalised = sums[code]["cost"], -sums[code]["capitalised"]
        rows.append(
            ConstructionRow(
                construction=code,
                name=name,
                account=account,
                collected=from_minor(collected, base),
                capitalised=from_minor(capitalised, base),
                balance=from_minor(collected - capitalised, base),
            )
        )
    return rows


def _asset_inputs(conn: Connection, number: str) -> tuple[dict[str, Any], list[Any]]:
    from erp_core.projections.assets import asset_entries as e
    from erp_core.projections.assets import fixed_assets as a

    found = conn.execute(select(a.c.terms).where(a.c.number == number)).scalar()
    if found is None:
        raise NotFound(f"asset: unknown asset {number!r}")
    entries = list(
        conn.execute(
            select(
                e.c.kind,
                e.c.date,
                e.c.month,
                e.c.document,
                e.c.cost_minor,
                e.c.depreciation_minor,
                e.c.impairment_minor,
                e.c.detail,
            )
            .where(e.c.asset == number)
            .order_by(e.c.position)
        )
    )
    return json.loads(found), entries


def depreciation_schedule(conn: Connection, number: str) -> DepreciationScheduleReport:
    """Every movement posted on the asset with running figures, then (while it is held) the
    months the core's schedule still has to charge, to the end of its life."""
    from erp_core.assets.book import estimate_change, method_of
    from erp_core.assets.depreciation import (
        AssetTerms,
        Convention,
        CostAdjustment,
        Impairment,
        Usage,
    )
    from erp_core.assets.depreciation import depreciation_schedule as core_schedule
    from erp_core.assets.events import AssetEstimateChanged
    from erp_core.assets.values import YearMonth

    base = _base(conn)
    terms_data, entries = _asset_inputs(conn, number)
    rows: list[ScheduleRow] = []
    cost = dep = imp = 0
    last_month: YearMonth | None = None
    done: set[YearMonth] = set()  # the months depreciated (and not reversed)
    disposed = False
    adjustments: list[Any] = []
    usage: list[Usage] = []
    for kind, date, month, document, c, d, i, detail in entries:
        if kind == "estimate":
            data = json.loads(detail)
            adjustments.append(
                estimate_change(AssetEstimateChanged(**data, actor="", recorded_at=dt.datetime.min))
            )
            continue
        if kind == "usage":
            data = json.loads(detail)
            usage.append(Usage(YearMonth.parse(data["month"]), Decimal(data["units"])))
            continue
        if kind == "impairment":
            adjustments.append(Impairment(date, from_minor(i, base)))
        if kind == "cost_adjustment":
            adjustments.append(CostAdjustment(date, from_minor(c, base)))
        if kind == "disposal":
            disposed = True
        if kind == "depreciation" and month:
            done.add(YearMonth.parse(month))
        if kind == "reversal":
            done -= {YearMonth.parse(m) for m in json.loads(detail)["months"]}
        last_month = max(done) if done else None
        cost, dep, imp = cost + c, dep + d, imp + i
        rows.append(
            ScheduleRow(
                month=month or f"{date:%Y-%m}",
                date=date,
                status="posted",
                kind=kind,
                document=document,
                depreciation=from_minor(d if kind in ("depreciation", "reversal") else 0, base),
                cost=from_minor(cost, base),
                accumulated_depreciation=from_minor(dep, base),
                accumulated_impairment=from_minor(imp, base),
                book_value=from_minor(cost - dep - imp, base),
            )
        )
    method = method_of(
        terms_data["method"],
        None if terms_data.get("factor") is None else Decimal(terms_data["factor"]),
        bool(terms_data.get("switch_to_straight_line")),
        None if terms_data.get("total_units") is None else Decimal(terms_data["total_units"]),
    )
    opening_month = terms_data.get("opening_month")
    terms = AssetTerms(
        cost=Decimal(terms_data["cost"]),
        residual_value=Decimal(terms_data["residual_value"]),
        useful_life_months=terms_data["useful_life_months"],
        available_for_use=dt.date.fromisoformat(terms_data["available_for_use"]),
        method=method,
        convention=Convention(terms_data["convention"]),
        opening_accumulated=None
        if terms_data.get("opening_accumulated") is None
        else Decimal(terms_data["opening_accumulated"]),
        opening_month=None if opening_month is None else YearMonth.parse(opening_month),
        fiscal_year_start_month=terms_data.get("fiscal_year_start_month", 1),
        places=len(str(from_minor(0, base)).partition(".")[2]),
    )
    if not disposed:
        start = last_month + 1 if last_month is not None else terms.first_month
        running = from_minor(dep, base)
        for line in core_schedule(terms, adjustments, usage).lines:
            if line.month < start:
                continue
            amount = max(line.accumulated_depreciation - running, from_minor(0, base))
            running += amount
            rows.append(
                ScheduleRow(
                    month=str(line.month),
                    date=line.month.last_day,
                    status="projected",
                    kind="depreciation",
                    document=None,
                    depreciation=amount,
                    cost=line.cost,
                    accumulated_depreciation=running,
                    accumulated_impairment=line.accumulated_impairment,
                    book_value=line.cost - running - line.accumulated_impairment,
                )
            )
    return DepreciationScheduleReport(
        asset=number,
        name=terms_data["name"],
        currency=base,
        method=terms_data["method"],
        useful_life_months=terms_data["useful_life_months"],
        residual_value=Decimal(terms_data["residual_value"]),
        rows=rows,
    )


def asset_checks(conn: Connection) -> list[CheckResult]:
    """Each account that holds asset cost, accumulated depreciation or accumulated impairment
    equals what the asset sub-ledger puts there (credit balances shown as negative)."""
    from erp_core.ledger.checks import _check
    from erp_core.projections.assets import asset_constructions as c
    from erp_core.projections.assets import asset_entries as e
    from erp_core.projections.assets import construction_entries as ce
    from erp_core.projections.assets import fixed_assets as a
    from erp_core.projections.schema import daily_balances as b

    base = _base(conn)
    expected: dict[str, int] = defaultdict(int)
    query = (
        select(
            a.c.cost_account,
            a.c.accumulated_depreciation_account,
            a.c.accumulated_impairment_account,
            func.coalesce(func.sum(e.c.cost_minor), 0),
            func.coalesce(func.sum(e.c.depreciation_minor), 0),
            func.coalesce(func.sum(e.c.impairment_minor), 0),
        )
        .select_from(a.outerjoin(e, e.c.asset == a.c.number))
        .group_by(
            a.c.cost_account,
            a.c.accumulated_depreciation_account,
            a.c.accumulated_impairment_account,
        )
    )
    for cost_acc, dep_acc, imp_acc, cost, dep, imp in conn.execute(query):
        expected[cost_acc] += int(cost)
        expected[dep_acc] -= int(dep)
        expected[imp_acc] -= int(imp)
    # a category's accounts hold nothing until its first asset: a cost posted there before is
    # a difference too
    from erp_core.projections.assets import asset_categories as cat

    for row in conn.execute(
        select(
            cat.c.cost_account,
            cat.c.accumulated_depreciation_account,
            cat.c.accumulated_impairment_account,
        )
    ):
        for account in row:
            expected[account] += 0
    # assets under construction: each AUC account holds what its constructions collected and
    # did not capitalise yet
    sites = (
        select(c.c.account, func.coalesce(func.sum(ce.c.amount_minor), 0))
        .select_from(c.outerjoin(ce, ce.c.construction == c.c.code))
        .group_by(c.c.account)
    )
    for account, amount in conn.execute(sites):
        expected[account] += int(amount)
    if not expected:
        return []
    actual = {
        acc: int(v)
        for acc, v in conn.execute(
            select(b.c.account, func.sum(b.c.base_minor))
            .where(b.c.account.in_(list(expected)))
            .group_by(b.c.account)
        )
    }
    return [
        _check(
            f"fixed assets {account}",
            from_minor(expected[account], base),
            from_minor(actual.get(account, 0), base),
            f"account {account} and the asset register (assets and assets under construction)",
        )
        for account in sorted(expected)
    ]


UNDER_CONSTRUCTION = "under construction"


class MovementRow(_Report):
    category: str
    opening_cost: Dec
    additions: Dec  # capitalisations and cost adjustments (not from constructions)
    transfers: Dec  # from assets under construction (+ on the assets, - on the construction)
    disposals: Dec  # cost removed
    closing_cost: Dec
    opening_accumulated: Dec  # depreciation and impairment
    acquired_accumulated: Dec  # opening accumulated depreciation of imported assets
    depreciation: Dec
    impairment: Dec
    disposals_accumulated: Dec
    closing_accumulated: Dec
    opening_book_value: Dec
    closing_book_value: Dec


class MovementSchedule(_Report):
    date_from: dt.date
    date_to: dt.date
    currency: str
    rows: list[MovementRow]
    total: MovementRow


def movement_schedule(conn: Connection, date_from: dt.date, date_to: dt.date) -> MovementSchedule:
    """Per category: opening, additions, transfers from assets under construction, disposals,
    depreciation, impairment, closing; and a row for assets under construction (costs
    collected as additions, capitalised ones as negative transfers)."""
    from erp_core.projections.assets import asset_entries as e
    from erp_core.projections.assets import fixed_assets as a

    base = _base(conn)
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    query = (
        select(
            a.c.category,
            e.c.kind,
            e.c.date,
            e.c.cost_minor,
            e.c.depreciation_minor,
            e.c.impairment_minor,
            e.c.detail,
        )
        .select_from(e.join(a, a.c.number == e.c.asset))
        .where(e.c.date <= date_to)
    )
    for category, kind, date, cost, dep, imp, detail in conn.execute(query):
        f = figures[category]
        accumulated = int(dep) + int(imp)
        if date < date_from:
            f["opening_cost"] += int(cost)
            f["opening_accumulated"] += accumulated
            continue
        if kind == "disposal":
            f["disposals"] -= int(cost)
            f["disposals_accumulated"] -= accumulated
        elif kind == "capitalise" and detail and "construction" in json.loads(detail):
            f["transfers"] += int(cost)
        elif kind == "capitalise":
            f["additions"] += int(cost)
            f["acquired_accumulated"] += int(dep)
        elif kind == "cost_adjustment":
            f["additions"] += int(cost)
        elif kind in ("depreciation", "reversal"):
            f["depreciation"] += int(dep)
        elif kind == "impairment":
            f["impairment"] += int(imp)

    from erp_core.projections.assets import construction_entries as ce

    sites: dict[str, int] = defaultdict(int)
    for date, kind, amount in conn.execute(
        select(ce.c.date, ce.c.kind, ce.c.amount_minor).where(ce.c.date <= date_to)
    ):
        if date < date_from:
            sites["opening_cost"] += int(amount)
        elif kind == "cost":
            sites["additions"] += int(amount)
        else:
            sites["transfers"] += int(amount)
    if sites:
        figures[UNDER_CONSTRUCTION] = sites

    def row(category: str, f: dict[str, int]) -> MovementRow:
        closing_cost = f["opening_cost"] + f["additions"] + f["transfers"] - f["disposals"]
        closing_acc = (
            f["opening_accumulated"]
            + f["acquired_accumulated"]
            + f["depreciation"]
            + f["impairment"]
            - f["disposals_accumulated"]
        )

        def m(units: int) -> Decimal:
            return from_minor(units, base)

        return MovementRow(
            category=category,
            opening_cost=m(f["opening_cost"]),
            additions=m(f["additions"]),
            transfers=m(f["transfers"]),
            disposals=m(f["disposals"]),
            closing_cost=m(closing_cost),
            opening_accumulated=m(f["opening_accumulated"]),
            acquired_accumulated=m(f["acquired_accumulated"]),
            depreciation=m(f["depreciation"]),
            impairment=m(f["impairment"]),
            disposals_accumulated=m(f["disposals_accumulated"]),
            closing_accumulated=m(closing_acc),
            opening_book_value=m(f["opening_cost"] - f["opening_accumulated"]),
            closing_book_value=m(closing_cost - closing_acc),
        )

    total: dict[str, int] = defaultdict(int)
    for f in figures.values():
        for key, value in f.items():
            total[key] += value
    return MovementSchedule(
        date_from=date_from,
        date_to=date_to,
        currency=base,
        rows=[row(c, f) for c, f in sorted(figures.items())],
        total=row("total", total),
    )
