"""Fixed-asset actions, each with its journal in one save; and cash-flow tags.

Every handler checks everything first (master data, accounts, the period, and the whole
depreciation schedule with the new input, which the pure core refuses when it cannot be) and
only then records the events and posts the vouchers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from erp_core.access.workflow import held_amount
from erp_core.assets.book import (
    REGISTER_STREAM,
    SETTINGS_STREAM,
    TAGS_STREAM,
    ZERO,
    AssetCategory,
    AssetRegister,
    AssetSettings,
    CashFlowTags,
    Construction,
    FixedAsset,
    InvoiceLineUse,
    asset_stream,
    category_stream,
    construction_stream,
    core,
    invoice_line_stream,
    method_of,
)
from erp_core.assets.commands import (
    AddConstructionCost,
    AdjustAssetCost,
    CapitaliseAsset,
    ChangeAssetEstimate,
    ConfigureAssets,
    DefineAssetCategory,
    DepreciateAssets,
    DisposeAsset,
    ImpairAsset,
    OpenConstruction,
    RecordAssetUsage,
    ReverseDepreciationRun,
    TagCashFlowAccount,
)
from erp_core.assets.depreciation import (
    AssetTerms,
    Convention,
    CostAdjustment,
    EstimateChange,
    Impairment,
    UnitsOfProduction,
    Usage,
    depreciation_for_month,
)
from erp_core.assets.disposal import DisposalRole, dispose
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
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger import journal
from erp_core.ledger.accounts import Account, Chart
from erp_core.ledger.cash_flow import BALANCE_SHEET_TAGS, CashFlowTag
from erp_core.ledger.events import PostedLine, VoucherReversed
from erp_core.ledger.posting import (
    chart_of,
    check_money,
    check_period,
    company_of,
    gl,
    is_open,
    post_document,
    round_money,
)
from erp_core.procurement.documents import SupplierInvoice, invoice_stream
from erp_core.procurement.events import InvoiceAccountLine

ASSET_TYPES = ("asset",)
PL_TYPES = ("income", "expense")


def _account(chart: Chart, code: str, field: str, base: str, types: tuple[str, ...]) -> Account:
    account = chart.check_postable(code, base, field)
    if account.type not in types:
        raise ValidationError(
            field,
            f"account {code!r} ({account.name}) is {account.type}; expected {' or '.join(types)}",
        )
    return account


def _check_life(months: int | None, field: str = "useful_life_months") -> None:
    if months is not None and months <= 0:
        raise ValidationError(field, f"must be greater than zero, got {months}")


def _load(uow: UnitOfWork, number: str, field: str = "asset") -> FixedAsset:
    asset = uow.get(FixedAsset, asset_stream(number))
    asset.info(field)
    return asset


@held_amount("asset_disposal")
def disposal_amount(fields: Mapping[str, Any], uow: UnitOfWork) -> Decimal:
    """What an asset disposal's approval thresholds compare: the cost of the asset leaving the
    register (its gross carrying amount), or the proceeds when they are more."""
    asset = _load(uow, str(fields["asset"]))
    return max(asset.cost, Decimal(str(fields.get("proceeds") or 0)))


def _dims(asset: FixedAsset) -> dict[str, str]:
    centre = asset.info().cost_centre
    return {"cost_centre": centre} if centre else {}


# --- categories ----------------------------------------------------------------------------


@handles(DefineAssetCategory)
def define_asset_category(cmd: DefineAssetCategory, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    _account(chart, cmd.cost_account, "cost_account", base, ASSET_TYPES)
    _account(
        chart,
        cmd.accumulated_depreciation_account,
        "accumulated_depreciation_account",
        base,
        ASSET_TYPES,
    )
    _account(
        chart,
        cmd.accumulated_impairment_account,
        "accumulated_impairment_account",
        base,
        ASSET_TYPES,
    )
    _account(
        chart, cmd.depreciation_expense_account, "depreciation_expense_account", base, PL_TYPES
    )
    _account(chart, cmd.impairment_loss_account, "impairment_loss_account", base, PL_TYPES)
    _account(chart, cmd.gain_account, "gain_account", base, PL_TYPES)
    _account(chart, cmd.loss_account, "loss_account", base, PL_TYPES)
    if cmd.cost_account in (
        cmd.accumulated_depreciation_account,
        cmd.accumulated_impairment_account,
    ):
        raise ValidationError(
            "accumulated_depreciation_account",
            "accumulated depreciation and impairment need an account apart from the cost",
        )
    _check_life(cmd.useful_life_months)
    if not 0 <= cmd.residual_rate < 1:
        raise ValidationError(
            "residual_rate", f"must be from 0 to below 1, got {cmd.residual_rate}"
        )
    if cmd.method != "units_of_production":  # the total units are given per asset
        method_of(cmd.method, cmd.factor, cmd.switch_to_straight_line, None)
    category = uow.get(AssetCategory, category_stream(cmd.code))
    if category.exists:
        raise ValidationError("code", f"asset category {cmd.code!r} already exists")
    category.trigger(
        ctx.event(
            AssetCategoryDefined,
            code=cmd.code,
            name=cmd.name,
            cost_account=cmd.cost_account,
            accumulated_depreciation_account=cmd.accumulated_depreciation_account,
            depreciation_expense_account=cmd.depreciation_expense_account,
            gain_account=cmd.gain_account,
            loss_account=cmd.loss_account,
            impairment_loss_account=cmd.impairment_loss_account,
            accumulated_impairment_account=cmd.accumulated_impairment_account,
            method=cmd.method,
            useful_life_months=cmd.useful_life_months,
            residual_rate=cmd.residual_rate,
            convention=cmd.convention,
            factor=cmd.factor,
            switch_to_straight_line=cmd.switch_to_straight_line,
        )
    )
    return []


# --- capitalisation ------------------------------------------------------------------------


InvoiceSource = tuple[dt.date, InvoiceAccountLine, InvoiceLineUse]
"""A supplier invoice's date, the account line a cost comes from, and what of that line is used."""


def _invoice_line(uow: UnitOfWork, invoice: str | None, line: int | None) -> InvoiceSource | None:
    """The supplier invoice's account line a cost comes from, and what of it is used."""
    if invoice is None and line is None:
        return None
    if invoice is None:
        raise ValidationError("supplier_invoice", "name the supplier invoice of invoice_line")
    if line is None:
        raise ValidationError(
            "invoice_line", f"name the account line of {invoice} (1 = its first account line)"
        )
    posted = uow.get(SupplierInvoice, invoice_stream(invoice)).posted
    if posted is None:
        raise NotFound(f"supplier_invoice: unknown supplier invoice {invoice!r}")
    count = len(posted.account_lines)
    if not 1 <= line <= count:
        raise ValidationError(
            "invoice_line",
            f"{invoice} has {count} account line{'' if count == 1 else 's'}; no line {line}"
            + (" (its order lines went to stock)" if not count else ""),
        )
    return (
        posted.date,
        posted.account_lines[line - 1],
        uow.get(InvoiceLineUse, invoice_line_stream(invoice, line)),
    )


def _left_of_line(
    invoice: str,
    line: InvoiceAccountLine,
    use: InvoiceLineUse,
    amount: Decimal | None,
    field: str = "cost",
) -> Decimal:
    """The part of a (debit) invoice line to capitalise: `amount`, or all that is left."""
    where = f"{invoice} line {line.line}"
    if line.base <= 0:
        raise ValidationError(
            "invoice_line",
            f"{where} is a credit of {-line.base}; a credit reduces an asset's cost "
            "(adjust_asset_cost), it capitalises nothing",
        )
    left = line.base - use.used
    if left <= 0:
        raise ValidationError(
            "invoice_line",
            f"{where} ({line.base}) is already capitalised ({', '.join(use.targets)}); "
            "nothing is left of it",
        )
    if amount is None:
        return left
    if amount > left:
        used = f" ({use.used} already went to {', '.join(use.targets)})" if use.used else ""
        raise ValidationError(
            field, f"{amount} is more than what is left of {where}: {left} of {line.base}{used}"
        )
    return amount


def _credit_of_line(
    invoice: str, line: InvoiceAccountLine, use: InvoiceLineUse, amount: Decimal | None, base: str
) -> Decimal:
    """The part of a credit line (negative) to apply: `amount` (negative), or all that is left."""
    where = f"{invoice} line {line.line}"
    left = line.base - use.used
    if not left:
        raise ValidationError(
            "invoice_line",
            f"{where} ({line.base}) is already applied ({', '.join(use.targets)}); nothing is "
            "left of it",
        )
    if amount is None:
        return left
    if amount >= 0 or amount < left:
        raise ValidationError(
            "amount", f"{where} is a credit: give a negative amount down to {left}, not {amount}"
        )
    check_money(-amount, base, "amount")
    return amount


def _check_after_invoice(date: dt.date, invoice: str | None, invoice_date: dt.date) -> None:
    """A cost taken from a supplier invoice line is booked on or after the invoice's date."""
    if date < invoice_date:
        raise ValidationError("date", f"{date} is before the invoice {invoice} of {invoice_date}")


def _move_cost(
    ctx: Context,
    direct: bool,
    invoice: str | None,
    *,
    series: str,
    kind: str,
    date: dt.date,
    memo: str,
    to_account: str,
    from_account: str,
    amount: Decimal,
    base: str,
    dims: dict[str, str],
) -> str:
    """The document that moves `amount` of cost from one account to another: a voucher of
    two lines (Dr `to_account`, with `dims` / Cr `from_account`), or, `direct`, the supplier
    invoice itself (its line already debited `to_account`; nothing is posted)."""
    if direct:
        assert invoice is not None
        return invoice
    return post_document(
        ctx.uow,
        series=series,
        kind=kind,
        date=date,
        memo=memo,
        lines=[gl(to_account, amount, base, memo, dims), gl(from_account, -amount, base, memo)],
        actor=ctx.actor,
        now=ctx.now,
    )


def _record_line_use(
    ctx: Context,
    source: InvoiceSource | None,
    invoice: str | None,
    line: int | None,
    *,
    target: str,
    amount: Decimal,
    document: str | None,
) -> None:
    """Record on a supplier invoice line (when the cost came from one) what of it `target` took."""
    if source is None:
        return
    assert invoice is not None and line is not None
    source[2].trigger(
        ctx.event(
            InvoiceLineCapitalised,
            invoice=invoice,
            line=line,
            target=target,
            amount=amount,
            document=document,
        )
    )


def _one_source(**given: bool) -> None:
    named = [name for name, on in given.items() if on]
    if len(named) > 1:
        raise ValidationError(
            named[1], f"the cost comes from one source, not from {' and '.join(named)}"
        )


@handles(CapitaliseAsset)
def capitalise_asset(cmd: CapitaliseAsset, ctx: Context) -> list[str]:
    uow = ctx.uow
    company = company_of(uow)
    base = company.base_currency
    chart = chart_of(uow)
    cat = uow.get(AssetCategory, category_stream(cmd.category)).info()
    _one_source(
        supplier_invoice=cmd.supplier_invoice is not None or cmd.invoice_line is not None,
        construction=cmd.construction is not None,
    )
    source = _invoice_line(uow, cmd.supplier_invoice, cmd.invoice_line)
    construction: Construction | None = None
    cost_centre = cmd.cost_centre
    if (source is not None or cmd.construction is not None) and (
        cmd.opening_accumulated is not None or cmd.opening_month is not None
    ):
        raise ValidationError(
            "opening_accumulated",
            "an existing asset is imported from a journal (credit_account: opening balances), "
            "not from a supplier invoice or a construction",
        )
    if source is not None:
        invoice_date, line, use = source
        assert cmd.supplier_invoice is not None
        if cmd.cost is not None:
            check_money(cmd.cost, base, "cost")
        cost = _left_of_line(cmd.supplier_invoice, line, use, cmd.cost)
        if cmd.credit_account is not None and cmd.credit_account != line.account:
            raise ValidationError(
                "credit_account",
                f"{cmd.supplier_invoice} line {line.line} was posted to {line.account}; the "
                "cost moves from there (leave credit_account out)",
            )
        credit_code = line.account
        _check_after_invoice(cmd.date, cmd.supplier_invoice, invoice_date)
        cost_centre = cost_centre or line.cost_centre
    elif cmd.construction is not None:
        construction = uow.get(Construction, construction_stream(cmd.construction))
        site = construction.info()
        if cmd.cost is not None:
            check_money(cmd.cost, base, "cost")
        if construction.balance <= 0:
            raise ValidationError(
                "construction",
                f"{site.code} has nothing left to capitalise (collected {construction.collected},"
                f" capitalised {construction.capitalised}"
                + (f" as {', '.join(construction.assets)}" if construction.assets else "")
                + ")",
            )
        cost = construction.balance if cmd.cost is None else cmd.cost
        if cost > construction.balance:
            raise ValidationError(
                "cost",
                f"{cost} is more than {site.code} holds: {construction.balance} not yet "
                "capitalised",
            )
        if cmd.credit_account is not None and cmd.credit_account != site.account:
            raise ValidationError(
                "credit_account",
                f"{site.code} collects its costs on {site.account}; the cost moves from there "
                "(leave credit_account out)",
            )
        credit_code = site.account
        if cmd.date < site.date:
            raise ValidationError(
                "date", f"{cmd.date} is before {site.code} was opened ({site.date})"
            )
        cost_centre = cost_centre or site.cost_centre
    else:
        if cmd.cost is None:
            raise ValidationError(
                "cost",
                "give the cost (or capitalise from a supplier invoice line or a construction)",
            )
        if cmd.credit_account is None:
            raise ValidationError(
                "credit_account",
                "name the account credited (bank, asset clearing, opening balances), or "
                "capitalise from a supplier invoice line or a construction",
            )
        cost, credit_code = cmd.cost, cmd.credit_account
    check_money(cost, base, "cost")
    for field, code in (
        ("cost_account", cat.cost_account),
        ("accumulated_depreciation_account", cat.accumulated_depreciation_account),
        ("depreciation_expense_account", cat.depreciation_expense_account),
    ):
        chart.check_postable(code, base, f"category.{field}")
    # the invoice line may have been posted straight to the cost account: nothing to move then
    direct = source is not None and credit_code == cat.cost_account
    if not direct:
        credit = chart.check_postable(credit_code, base, "credit_account")
        if credit.code == cat.cost_account:
            raise ValidationError("credit_account", "must differ from the asset's cost account")
    if cost_centre is not None:
        chart.check_dimensions({"cost_centre": cost_centre}, "cost_centre")
    _check_life(cmd.useful_life_months)
    method_name = cmd.method or cat.method
    factor = cmd.factor if cmd.factor is not None else (cat.factor if cmd.method is None else None)
    switch = (
        cmd.switch_to_straight_line
        if cmd.switch_to_straight_line is not None
        else cat.switch_to_straight_line
    )
    method = method_of(method_name, factor, switch, cmd.total_units)
    if cmd.residual_value is not None:
        check_money(cmd.residual_value, base, "residual_value", positive=False)
        residual = cmd.residual_value
    else:
        residual = round_money(cost * cat.residual_rate, base)
    if cmd.opening_accumulated is not None:
        check_money(cmd.opening_accumulated, base, "opening_accumulated", positive=False)
    life = cmd.useful_life_months or cat.useful_life_months
    convention = cmd.convention or cat.convention
    fy_start = company.fiscal_year_start.month
    opening_month = core(
        lambda: None if cmd.opening_month is None else YearMonth.parse(cmd.opening_month),
        "opening_month",
    )
    terms = core(
        lambda: AssetTerms(
            cost=cost,
            residual_value=residual,
            useful_life_months=life,
            available_for_use=cmd.available_for_use,
            method=method,
            convention=Convention(convention),
            opening_accumulated=cmd.opening_accumulated,
            opening_month=opening_month,
            fiscal_year_start_month=fy_start,
        )
    )
    if terms.opening_month is not None and terms.opening_month.last_day > cmd.date:
        raise ValidationError(
            "opening_month",
            f"the opening accumulated depreciation is as of {terms.opening_month}, after the "
            f"posting date {cmd.date}",
        )
    check_period(uow, cmd.date)
    register = uow.get(AssetRegister, REGISTER_STREAM)
    number = register.next_number()
    opening = cmd.opening_accumulated or ZERO
    memo = cmd.memo or f"{number} {cmd.name}"
    if direct:
        assert cmd.supplier_invoice is not None
        document = cmd.supplier_invoice  # the invoice itself debited the cost account
    else:
        lines = [gl(cat.cost_account, cost, base, memo, _dims_of(cost_centre))]
        if opening:
            lines.append(gl(cat.accumulated_depreciation_account, -opening, base, memo))
        lines.append(gl(credit_code, -(cost - opening), base, memo))
        lines = [line for line in lines if line.base]
        document = post_document(
            uow,
            series="CAP",
            kind="asset_capitalise",
            date=cmd.date,
            memo=memo,
            lines=lines,
            actor=ctx.actor,
            now=ctx.now,
        )
    register.trigger(ctx.event(AssetNumberIssued, number=number))
    asset = uow.get(FixedAsset, asset_stream(number))
    asset.trigger(
        ctx.event(
            AssetCapitalised,
            number=number,
            name=cmd.name,
            category=cat.code,
            date=cmd.date,
            available_for_use=cmd.available_for_use,
            cost=cost,
            residual_value=residual,
            useful_life_months=life,
            method=method_name,
            convention=convention,
            factor=getattr(method, "factor", None),
            switch_to_straight_line=getattr(method, "switch_to_straight_line", False),
            total_units=getattr(method, "total_units", None),
            opening_accumulated=cmd.opening_accumulated,
            opening_month=cmd.opening_month,
            fiscal_year_start_month=fy_start,
            credit_account=credit_code,
            cost_account=cat.cost_account,
            accumulated_depreciation_account=cat.accumulated_depreciation_account,
            depreciation_expense_account=cat.depreciation_expense_account,
            gain_account=cat.gain_account,
            loss_account=cat.loss_account,
            impairment_loss_account=cat.impairment_loss_account,
            accumulated_impairment_account=cat.accumulated_impairment_account,
            cost_centre=cost_centre,
            document=document,
            supplier_invoice=cmd.supplier_invoice,
            invoice_line=cmd.invoice_line,
            construction=cmd.construction,
        )
    )
    _record_line_use(
        ctx,
        source,
        cmd.supplier_invoice,
        cmd.invoice_line,
        target=number,
        amount=cost,
        document=None if direct else document,
    )
    if construction is not None:
        construction.trigger(
            ctx.event(
                ConstructionCapitalised,
                date=cmd.date,
                asset=number,
                amount=cost,
                document=document,
            )
        )
    return [number] if direct else [number, document]


def _dims_of(cost_centre: str | None) -> dict[str, str]:
    return {"cost_centre": cost_centre} if cost_centre else {}


# --- depreciation run ----------------------------------------------------------------------


@handles(DepreciateAssets)
def depreciate_assets(cmd: DepreciateAssets, ctx: Context) -> list[str]:
    """One voucher per month of the run (missed months first, in order), a line pair per
    asset. A missed month whose period is closed is caught up in the next open month."""
    uow = ctx.uow
    base = company_of(uow).base_currency
    month = YearMonth.parse(cmd.month)
    check_period(uow, month.last_day)
    register = uow.get(AssetRegister, REGISTER_STREAM)
    assets = [uow.get(FixedAsset, asset_stream(n)) for n in register.numbers]
    due = [a for a in assets if a.due(month)]
    if not due:
        done = register.runs.get(str(month))
        if done is not None:
            raise ValidationError(
                "month",
                f"{month} is already depreciated (run posted {', '.join(done) or 'nothing'}); "
                "nothing posted",
            )
        raise ValidationError("month", f"no asset has depreciation due through {month}")
    chart = chart_of(uow)
    for a in due:
        info = a.info()
        chart.check_postable(info.depreciation_expense_account, base, f"{a.number}.expense")
        chart.check_postable(info.accumulated_depreciation_account, base, f"{a.number}.account")
    first = min((a.through + 1) if a.through is not None else month for a in due)
    posted = {a.number: a.posted for a in due}
    through = {a.number: a.through for a in due}
    plan: list[tuple[YearMonth, list[tuple[FixedAsset, Decimal]]]] = []
    m = first
    while m <= month:
        if m < month and not is_open(uow, m.last_day):
            m = m + 1  # closed: its depreciation is caught up in the next open month
            continue
        rows: list[tuple[FixedAsset, Decimal]] = []
        for a in due:
            last = through[a.number]
            if m < a.the_terms().first_month or (last is not None and m <= last):
                continue
            amount = _amount_for(a, m, posted[a.number])
            posted[a.number] += amount
            through[a.number] = m
            rows.append((a, amount))
        if rows:
            plan.append((m, rows))
        m = m + 1
    per_asset = uow.get(AssetSettings, SETTINGS_STREAM).run_lines == "asset"
    documents: list[str] = []
    for m, rows in plan:
        lines = _run_lines(rows, m, base) if not per_asset else []
        for a, amount in rows if per_asset else ():
            if not amount:
                continue
            info = a.info()
            memo = f"{a.number} {info.name} {m}"
            lines.append(gl(info.depreciation_expense_account, amount, base, memo, _dims(a)))
            lines.append(gl(info.accumulated_depreciation_account, -amount, base, memo))
        document = ""
        if lines:
            document = post_document(
                uow,
                series="DEP",
                kind="depreciation",
                date=m.last_day,
                memo=f"Depreciation {m}",
                lines=lines,
                actor=ctx.actor,
                now=ctx.now,
            )
            documents.append(document)
        for a, amount in rows:
            a.trigger(
                ctx.event(
                    AssetDepreciated,
                    month=str(m),
                    date=m.last_day,
                    amount=amount,
                    document=document,
                    run=str(month),
                )
            )
    register.trigger(
        ctx.event(DepreciationRun, month=str(month), documents=tuple(documents), assets=len(due))
    )
    return documents


@handles(ReverseDepreciationRun)
def reverse_depreciation_run(cmd: ReverseDepreciationRun, ctx: Context) -> list[str]:
    """One voucher reversing every voucher of the run of `month` (the latest month run); each
    asset's depreciation of that run comes off, so the month can be run again."""
    uow = ctx.uow
    company_of(uow)
    if not cmd.reason.strip():
        raise ValidationError("reason", "give the reason for reversing the run")
    month = str(YearMonth.parse(cmd.month))
    register = uow.get(AssetRegister, REGISTER_STREAM)
    if month not in register.runs:
        if month in register.reversed:
            by = register.reversed[month] or "no voucher"
            raise ValidationError(
                "month", f"the run of {month} was already reversed ({by}); nothing to reverse"
            )
        raise ValidationError("month", f"{month} has not been run; nothing to reverse")
    later = sorted(m for m in register.runs if m > month)
    if later:
        raise ValidationError(
            "month",
            f"{', '.join(later)} {'was' if len(later) == 1 else 'were'} run after {month}; "
            f"reverse the latest run ({later[-1]}) first",
        )
    documents = tuple(register.runs[month])
    assets = [uow.get(FixedAsset, asset_stream(n)) for n in register.numbers]
    undo: list[tuple[FixedAsset, list[AssetDepreciated]]] = []
    for a in assets:
        entries = a.of_run(month, documents)
        if not entries:
            continue
        if a.disposed is not None:
            raise ValidationError(
                "month",
                f"asset {a.number} was disposed of on {a.disposed.date} "
                f"({a.disposed.document}) after the run of {month}; a disposal cannot be undone",
            )
        undo.append((a, entries))
    originals = [uow.get(journal.Voucher, journal.stream_id(d)) for d in documents]
    posted = [v.posted for v in originals if v.posted is not None]
    last = max((p.date for p in posted), default=YearMonth.parse(month).last_day)
    date = cmd.date or last
    if date < last:
        raise ValidationError(
            "date", f"{date} is before the run's voucher of {last}; date the reversal on or after"
        )
    check_period(uow, date)
    for v in originals:
        if v.reversed_by is not None:
            raise ValidationError(
                "month", f"{v.id.removeprefix('doc:')} was already reversed by {v.reversed_by}"
            )
    chart = chart_of(uow)
    lines = [line for p in posted for line in journal.reversed_lines(p.lines, chart)]
    memo = f"Reversal of depreciation run {month}"
    if documents:
        memo += f" ({', '.join(documents)})"
    memo += f": {cmd.reason}"
    document = ""
    if lines:
        document = post_document(
            uow,
            series="DEP",
            kind="depreciation_reversal",
            date=date,
            memo=memo,
            lines=lines,
            actor=ctx.actor,
            now=ctx.now,
        )
        for v in originals:
            v.trigger(ctx.event(VoucherReversed, by_document=document, date=date))
    for a, entries in undo:
        a.trigger(
            ctx.event(
                AssetDepreciationReversed,
                run=month,
                months=tuple(e.month for e in entries),
                amount=sum((e.amount for e in entries), ZERO),
                date=date,
                documents=documents,
                document=document,
            )
        )
    register.trigger(
        ctx.event(
            DepreciationRunReversed,
            month=month,
            date=date,
            reason=cmd.reason,
            documents=documents,
            document=document,
            assets=len(undo),
        )
    )
    return [document] if document else []


def _run_lines(
    rows: list[tuple[FixedAsset, Decimal]], month: YearMonth, base: str
) -> list[PostedLine]:
    """A run's lines per category and cost centre: one expense line (with the cost centre) and
    one accumulated-depreciation line per category, cost centre and pair of accounts."""
    totals: dict[tuple[str, str, str, str], Decimal] = {}
    for a, amount in rows:
        info = a.info()
        key = (
            info.category,
            info.cost_centre or "",
            info.depreciation_expense_account,
            info.accumulated_depreciation_account,
        )
        totals[key] = totals.get(key, ZERO) + amount
    lines: list[PostedLine] = []
    for (category, centre, expense, accumulated), amount in sorted(totals.items()):
        if not amount:
            continue
        memo = f"Depreciation {category}{' ' + centre if centre else ''} {month}"
        dims = _dims_of(centre or None)
        lines.append(gl(expense, amount, base, memo, dims))
        lines.append(gl(accumulated, -amount, base, memo))
    return lines


def _amount_for(asset: FixedAsset, month: YearMonth, posted: Decimal) -> Decimal:
    """What brings the asset's posted depreciation to its schedule at the end of `month`."""
    return core(
        lambda: depreciation_for_month(
            asset.the_terms(), month, asset.adjustments, asset.usage, accumulated_so_far=posted
        ),
        "month",
    )


# --- changes -------------------------------------------------------------------------------


@handles(ChangeAssetEstimate)
def change_asset_estimate(cmd: ChangeAssetEstimate, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    asset = _load(uow, cmd.asset)
    asset.check_active()
    _check_life(cmd.useful_life_months)
    if cmd.residual_value is not None:
        check_money(
            cmd.residual_value, company_of(uow).base_currency, "residual_value", positive=False
        )
    method = (
        None
        if cmd.method is None
        else method_of(cmd.method, cmd.factor, cmd.switch_to_straight_line, cmd.total_units)
    )
    change = core(
        lambda: EstimateChange(cmd.effective, cmd.useful_life_months, cmd.residual_value, method)
    )
    asset.check_prospective(cmd.effective, "effective")
    asset.check_schedule(change)
    asset.trigger(
        ctx.event(
            AssetEstimateChanged,
            effective=cmd.effective,
            useful_life_months=cmd.useful_life_months,
            residual_value=cmd.residual_value,
            method=cmd.method,
            factor=getattr(method, "factor", None),
            switch_to_straight_line=getattr(method, "switch_to_straight_line", False),
            total_units=getattr(method, "total_units", None),
            reason=cmd.reason,
        )
    )
    return []


@handles(ImpairAsset)
def impair_asset(cmd: ImpairAsset, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    asset = _load(uow, cmd.asset)
    info = asset.check_active()
    check_money(cmd.amount, base, "amount")
    chart = chart_of(uow)
    chart.check_postable(info.impairment_loss_account, base, "impairment_loss_account")
    chart.check_postable(
        info.accumulated_impairment_account, base, "accumulated_impairment_account"
    )
    asset.check_prospective(cmd.date, "date")
    if cmd.amount > asset.carrying_amount:
        raise ValidationError(
            "amount",
            f"impairment {cmd.amount} is more than the carrying amount {asset.carrying_amount}",
        )
    asset.check_schedule(Impairment(cmd.date, cmd.amount))
    check_period(uow, cmd.date)
    memo = f"{asset.number} {info.name} impairment" + (f": {cmd.reason}" if cmd.reason else "")
    document = post_document(
        uow,
        series="IMP",
        kind="impairment",
        date=cmd.date,
        memo=memo,
        lines=[
            gl(info.impairment_loss_account, cmd.amount, base, memo, _dims(asset)),
            gl(info.accumulated_impairment_account, -cmd.amount, base, memo),
        ],
        actor=ctx.actor,
        now=ctx.now,
    )
    asset.trigger(
        ctx.event(
            AssetImpaired, date=cmd.date, amount=cmd.amount, document=document, reason=cmd.reason
        )
    )
    return [document]


@handles(AdjustAssetCost)
def adjust_asset_cost(cmd: AdjustAssetCost, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    asset = _load(uow, cmd.asset)
    info = asset.check_active()
    source = _invoice_line(uow, cmd.supplier_invoice, cmd.invoice_line)
    if source is not None:
        invoice_date, line, use = source
        where = f"{cmd.supplier_invoice} line {line.line}"
        left = line.base - use.used
        if not left:
            raise ValidationError(
                "invoice_line",
                f"{where} ({line.base}) is already capitalised ({', '.join(use.targets)}); "
                "nothing is left of it",
            )
        amount = left if cmd.amount is None else cmd.amount
        if amount * line.base < 0 or abs(amount) > abs(left):
            raise ValidationError(
                "amount",
                f"{amount} does not fit {where}: {left} of its {line.base} is left to capitalise",
            )
        if cmd.account is not None and cmd.account != line.account:
            raise ValidationError(
                "account",
                f"{where} was posted to {line.account}; the cost moves from there "
                "(leave account out)",
            )
        account = line.account
        _check_after_invoice(cmd.date, cmd.supplier_invoice, invoice_date)
    else:
        if cmd.amount is None:
            raise ValidationError("amount", "give the amount (or a supplier invoice line)")
        if cmd.account is None:
            raise ValidationError(
                "account", "name the account on the other side (or a supplier invoice line)"
            )
        amount, account = cmd.amount, cmd.account
    if amount == 0:
        raise ValidationError("amount", "a cost adjustment must not be zero")
    check_money(abs(amount), base, "amount")
    chart = chart_of(uow)
    direct = source is not None and account == info.cost_account
    if not direct:
        chart.check_postable(account, base, "account")
        if account == info.cost_account:
            raise ValidationError("account", "must differ from the asset's cost account")
    asset.check_prospective(cmd.date, "date")
    asset.check_schedule(CostAdjustment(cmd.date, amount))
    check_period(uow, cmd.date)
    memo = cmd.memo or f"{asset.number} {info.name} cost adjustment"
    document = _move_cost(
        ctx,
        direct,
        cmd.supplier_invoice,
        series="FAA",
        kind="asset_adjustment",
        date=cmd.date,
        memo=memo,
        to_account=info.cost_account,
        from_account=account,
        amount=amount,
        base=base,
        dims=_dims(asset),
    )
    asset.trigger(
        ctx.event(
            AssetCostAdjusted,
            date=cmd.date,
            amount=amount,
            account=account,
            document=document,
            supplier_invoice=cmd.supplier_invoice,
            invoice_line=cmd.invoice_line,
        )
    )
    _record_line_use(
        ctx,
        source,
        cmd.supplier_invoice,
        cmd.invoice_line,
        target=asset.number,
        amount=amount,
        document=None if direct else document,
    )
    return [] if direct else [document]


# --- assets under construction -------------------------------------------------------------


@handles(OpenConstruction)
def open_construction(cmd: OpenConstruction, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    _account(chart, cmd.account, "account", base, ASSET_TYPES)
    if cmd.cost_centre is not None:
        chart.check_dimensions({"cost_centre": cmd.cost_centre}, "cost_centre")
    check_period(uow, cmd.date)
    construction = uow.get(Construction, construction_stream(cmd.code))
    if construction.opened is not None:
        raise ValidationError("code", f"asset under construction {cmd.code!r} already exists")
    construction.trigger(
        ctx.event(
            ConstructionOpened,
            code=cmd.code,
            name=cmd.name,
            account=cmd.account,
            date=cmd.date,
            cost_centre=cmd.cost_centre,
        )
    )
    return [cmd.code]


@handles(AddConstructionCost)
def add_construction_cost(cmd: AddConstructionCost, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    construction = uow.get(Construction, construction_stream(cmd.construction))
    site = construction.info()
    if cmd.date < site.date:
        raise ValidationError("date", f"{cmd.date} is before {site.code} was opened ({site.date})")
    source = _invoice_line(uow, cmd.supplier_invoice, cmd.invoice_line)
    if source is not None:
        assert cmd.supplier_invoice is not None
        if cmd.credit_account is not None:
            raise ValidationError(
                "credit_account",
                "a cost from a supplier invoice line moves from the line's account "
                "(leave credit_account out)",
            )
        invoice_date, line, use = source
        if line.base < 0:  # a credit (discount, credit note) takes collected cost back off
            amount = _credit_of_line(cmd.supplier_invoice, line, use, cmd.amount, base)
            if construction.balance + amount < 0:
                raise ValidationError(
                    "invoice_line",
                    f"{site.code} holds {construction.balance}; a credit of {-amount} would take "
                    "it below zero",
                )
        else:
            if cmd.amount is not None:
                check_money(cmd.amount, base, "amount")
            amount = _left_of_line(cmd.supplier_invoice, line, use, cmd.amount, "amount")
        credit_code = line.account
        _check_after_invoice(cmd.date, cmd.supplier_invoice, invoice_date)
    else:
        if cmd.amount is None:
            raise ValidationError("amount", "give the amount (or a supplier invoice line)")
        if cmd.credit_account is None:
            raise ValidationError(
                "credit_account",
                "name the account credited (bank, payroll, stock), or a supplier invoice line",
            )
        check_money(cmd.amount, base, "amount")
        amount, credit_code = cmd.amount, cmd.credit_account
    chart.check_postable(site.account, base, "construction.account")
    direct = source is not None and credit_code == site.account
    if not direct:
        chart.check_postable(credit_code, base, "credit_account")
        if credit_code == site.account:
            raise ValidationError(
                "credit_account", f"must differ from the construction's account {site.account}"
            )
    check_period(uow, cmd.date)
    memo = cmd.memo or f"{site.code} {site.name}"
    document = _move_cost(
        ctx,
        direct,
        cmd.supplier_invoice,
        series="AUC",
        kind="construction",
        date=cmd.date,
        memo=memo,
        to_account=site.account,
        from_account=credit_code,
        amount=amount,
        base=base,
        dims=_dims_of(site.cost_centre),
    )
    construction.trigger(
        ctx.event(
            ConstructionCostAdded,
            date=cmd.date,
            amount=amount,
            credit_account=None if direct else credit_code,
            invoice=cmd.supplier_invoice,
            line=cmd.invoice_line,
            document=document,
            memo=cmd.memo,
        )
    )
    _record_line_use(
        ctx,
        source,
        cmd.supplier_invoice,
        cmd.invoice_line,
        target=site.code,
        amount=amount,
        document=None if direct else document,
    )
    return [] if direct else [document]


# --- settings ------------------------------------------------------------------------------


@handles(ConfigureAssets)
def configure_assets(cmd: ConfigureAssets, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    settings = uow.get(AssetSettings, SETTINGS_STREAM)
    if settings.exists and settings.run_lines == cmd.run_lines:
        raise ValidationError("run_lines", f"depreciation runs already itemise per {cmd.run_lines}")
    settings.trigger(ctx.event(AssetsConfigured, run_lines=cmd.run_lines))
    return []


@handles(RecordAssetUsage)
def record_asset_usage(cmd: RecordAssetUsage, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    asset = _load(uow, cmd.asset)
    asset.check_active()
    current = asset.the_terms().method
    for adjustment in asset.adjustments:
        if isinstance(adjustment, EstimateChange) and adjustment.method is not None:
            current = adjustment.method
    if not isinstance(current, UnitsOfProduction):
        raise ValidationError(
            "asset", f"asset {asset.number} is not depreciated by units of production"
        )
    if cmd.units < 0:
        raise ValidationError("units", f"must not be negative, got {cmd.units}")
    month = YearMonth.parse(cmd.month)
    if month < asset.the_terms().first_month:
        raise ValidationError(
            "month", f"{month} is before the asset's first month {asset.the_terms().first_month}"
        )
    if asset.through is not None and month <= asset.through:
        raise ValidationError(
            "month", f"asset {asset.number} is already depreciated through {asset.through}"
        )
    usage = core(lambda: Usage(month, cmd.units))
    asset.check_schedule(usage=usage)
    asset.trigger(ctx.event(AssetUsageRecorded, month=str(month), units=cmd.units))
    return []


# --- disposal ------------------------------------------------------------------------------


@handles(DisposeAsset)
def dispose_asset(cmd: DisposeAsset, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    asset = _load(uow, cmd.asset)
    info = asset.check_active()
    check_money(cmd.proceeds, base, "proceeds", positive=False)
    chart = chart_of(uow)
    if cmd.proceeds > 0 and cmd.proceeds_account is None:
        raise ValidationError("proceeds_account", "name the account that receives the proceeds")
    if cmd.proceeds_account is not None:
        chart.check_postable(cmd.proceeds_account, base, "proceeds_account")
    terms = asset.the_terms()
    if cmd.date < terms.available_for_use:
        raise ValidationError(
            "date", f"{cmd.date} is before the available-for-use date {terms.available_for_use}"
        )
    month = YearMonth.of(cmd.date)
    if asset.through is not None and month <= asset.through:
        raise ValidationError(
            "date",
            f"asset {asset.number} is depreciated through {asset.through}; a disposal on "
            f"{cmd.date} must fall after it",
        )
    check_period(uow, cmd.date)
    result = core(
        lambda: dispose(
            terms,
            cmd.date,
            cmd.proceeds,
            asset.adjustments,
            asset.usage,
            accumulated_so_far=asset.posted,
        ),
        "date",
    )
    catch_up = result.catch_up
    assert catch_up is not None
    memo = cmd.memo or f"{asset.number} {info.name} disposal"
    documents: list[str] = []
    catch_doc = ""
    if catch_up.amount:
        dep_memo = f"{asset.number} {info.name} depreciation to {cmd.date}"
        catch_doc = post_document(
            uow,
            series="DEP",
            kind="depreciation",
            date=cmd.date,
            memo=dep_memo,
            lines=[
                gl(
                    info.depreciation_expense_account, catch_up.amount, base, dep_memo, _dims(asset)
                ),
                gl(info.accumulated_depreciation_account, -catch_up.amount, base, dep_memo),
            ],
            actor=ctx.actor,
            now=ctx.now,
        )
        documents.append(catch_doc)
    accounts = {
        DisposalRole.PROCEEDS: cmd.proceeds_account or "",
        DisposalRole.ACCUMULATED_DEPRECIATION: info.accumulated_depreciation_account,
        DisposalRole.ACCUMULATED_IMPAIRMENT: info.accumulated_impairment_account,
        DisposalRole.COST: info.cost_account,
        DisposalRole.GAIN: info.gain_account,
        DisposalRole.LOSS: info.loss_account,
    }
    lines = [gl(accounts[line.role], line.debit - line.credit, base, memo) for line in result.lines]
    document = post_document(
        uow,
        series="ADP",
        kind="asset_disposal",
        date=cmd.date,
        memo=memo,
        lines=lines,
        actor=ctx.actor,
        now=ctx.now,
    )
    documents.append(document)
    asset.trigger(
        ctx.event(
            AssetDepreciated,
            month=str(month),
            date=cmd.date,
            amount=catch_up.amount,
            document=catch_doc,
        )
    )
    asset.trigger(
        ctx.event(
            AssetDisposed,
            date=cmd.date,
            proceeds=cmd.proceeds,
            proceeds_account=cmd.proceeds_account,
            cost=result.cost,
            accumulated_depreciation=result.accumulated_depreciation,
            accumulated_impairment=result.accumulated_impairment,
            gain=result.gain,
            loss=result.loss,
            document=document,
        )
    )
    return documents


# --- cash-flow tags --------------------------------------------------------------------------


@handles(TagCashFlowAccount)
def tag_cash_flow_account(cmd: TagCashFlowAccount, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    account = chart_of(uow).get(cmd.account, "account")
    tag = CashFlowTag(cmd.tag)
    balance_sheet = account.type in ("asset", "liability", "equity")
    if balance_sheet != (tag in BALANCE_SHEET_TAGS):
        kinds = "balance-sheet" if tag in BALANCE_SHEET_TAGS else "income and expense"
        raise ValidationError(
            "tag", f"{tag} is for {kinds} accounts; {cmd.account} is an {account.type} account"
        )
    tags = uow.get(CashFlowTags, TAGS_STREAM)
    if tags.tags.get(cmd.account) == cmd.tag:
        raise ValidationError("tag", f"account {cmd.account} is already tagged {cmd.tag}")
    tags.trigger(ctx.event(CashFlowAccountTagged, account=cmd.account, tag=cmd.tag))
    return []
