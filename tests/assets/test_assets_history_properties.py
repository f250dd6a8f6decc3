"""Hypothesis: random books with fixed assets (bought by journal, on supplier invoice lines,
built through assets under construction). Whatever the history, both cash-flow methods
reconcile to the change in the cash accounts (never a plug) and give the same net change; the
asset and AUC accounts equal the asset register (and `erp check` passes); book value never goes
below residual value; no invoice line or construction is capitalised beyond what it holds; the
trial balance balances; a rebuilt projection equals the live one."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from typing import Any

from assets_books import entries, setup_books
from conftest import make_clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core import Erp
from erp_core.assets.cash_flow_report import cash_flow
from erp_core.assets.reports import asset_checks, asset_register
from erp_core.kernel.errors import ValidationError

D = Decimal
CASH = ("1110", "1120")
OTHERS = ("1500", "2300", "2500", "3100", "4100", "4200", "6200", "6300", "6600")

amounts = st.integers(min_value=1, max_value=5_000_000).map(lambda c: D(c) / 100)
days = st.integers(min_value=0, max_value=364).map(lambda d: dt.date(2026, 1, 1) + dt.timedelta(d))

voucher = st.tuples(
    st.just("voucher"),
    days,
    st.sampled_from(CASH + OTHERS),
    st.sampled_from(CASH + OTHERS),
    amounts,
)
asset = st.tuples(
    st.just("asset"),
    days,
    st.sampled_from(["straight_line", "double_declining_balance", "sum_of_years_digits"]),
    st.integers(min_value=1, max_value=60),
    amounts,
    st.integers(min_value=0, max_value=50),  # residual, percent of cost
)
run = st.tuples(st.just("run"), st.integers(min_value=1, max_value=12))
disposal = st.tuples(st.just("dispose"), days, st.integers(min_value=1, max_value=8), amounts)
invoice = st.tuples(
    st.just("invoice"),
    days,
    st.sampled_from(["1650", "1620"]),  # asset clearing, or straight onto the construction
    amounts,
    st.integers(min_value=1, max_value=150),  # percent of the line to capitalise (>100: refused)
)
auc_cost = st.tuples(st.just("auc_cost"), days, amounts)
auc_capitalise = st.tuples(st.just("auc_capitalise"), days, st.integers(min_value=1, max_value=100))
steps = st.one_of(voucher, asset, run, disposal, invoice, auc_cost, auc_capitalise)


def setup_sources(erp: Erp) -> None:
    erp.open_account(code="1650", name="Asset clearing", type="asset", parent="1600")
    erp.open_account(code="1620", name="Assets under construction", type="asset", parent="1600")
    erp.register_supplier(code="MACH", name="Machine Works")
    erp.open_construction(code="HALL", name="Hall", account="1620", date="2026-01-01")


def under_construction(erp: Erp) -> Decimal:
    return erp.query(asset_register, dt.date(2026, 12, 31)).under_construction


def apply(erp: Erp, step: tuple[Any, ...], assets: list[str]) -> None:
    kind = step[0]
    try:
        if kind == "voucher":
            _, day, debit, credit, amount = step
            if debit == credit:
                return
            erp.post_voucher(
                day.isoformat(),
                [
                    {"account": debit, "debit": str(amount)},
                    {"account": credit, "credit": str(amount)},
                ],
            )
        elif kind == "asset":
            _, day, method, life, cost, residual = step
            number = erp.capitalise_asset(
                category="EQ",
                name="Asset",
                date=day.isoformat(),
                available_for_use=day.isoformat(),
                cost=str(cost),
                residual_value=str((cost * residual / 100).quantize(D("0.01"))),
                useful_life_months=life,
                method=method,
                credit_account="1120",
            ).documents[0]
            assets.append(number)
        elif kind == "invoice":
            _, day, account, amount, percent = step
            document = erp.post_supplier_invoice(
                supplier="MACH",
                supplier_reference=f"R{erp.store.last_position()}",
                date=day.isoformat(),
                account_lines=[{"account": account, "amount": str(amount)}],
            ).documents[0]
            part = str(max(D("0.01"), (amount * percent / 100).quantize(D("0.01"))))
            if account == "1650":
                number = erp.capitalise_asset(
                    category="EQ",
                    name="Bought",
                    date=day.isoformat(),
                    available_for_use=day.isoformat(),
                    cost=part,
                    residual_value="0.00",
                    supplier_invoice=document,
                    invoice_line=1,
                ).documents[0]
                assets.append(number)
            else:  # collect the part, then the rest: the AUC account must match its constructions
                for amount_of in (part, None):
                    try:
                        erp.add_construction_cost(
                            construction="HALL",
                            date=day.isoformat(),
                            amount=amount_of,
                            supplier_invoice=document,
                            invoice_line=1,
                        )
                    except ValidationError:
                        assert percent >= 100  # beyond the line, or nothing left of it
        elif kind == "auc_cost":
            _, day, amount = step
            erp.add_construction_cost(
                construction="HALL", date=day.isoformat(), amount=str(amount), credit_account="1120"
            )
        elif kind == "auc_capitalise":
            _, day, percent = step
            held = under_construction(erp)
            part = (held * percent / 100).quantize(D("0.01"))
            number = erp.capitalise_asset(
                category="EQ",
                name="Built",
                date=day.isoformat(),
                available_for_use=day.isoformat(),
                cost=str(part) if percent < 100 else None,
                residual_value="0.00",
                construction="HALL",
            ).documents[0]
            assets.append(number)
        elif kind == "run":
            erp.depreciate_assets(month=f"2026-{step[1]:02d}")
        else:
            _, day, which, proceeds = step
            if assets:
                erp.dispose_asset(
                    asset=assets[which % len(assets)],
                    date=day.isoformat(),
                    proceeds=str(proceeds),
                    proceeds_account="1120",
                )
    except ValidationError:
        pass  # refused (already run, disposed, inside a depreciated month, ...): nothing stored


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=st.lists(steps, min_size=3, max_size=18), split=days)
def test_random_books_reconcile(history: list[tuple[Any, ...]], split: dt.date) -> None:
    with tempfile.TemporaryDirectory(prefix="erp-assets-") as tmp:
        erp = Erp.open(f"sqlite:///{tmp}/books.sqlite", actor="tester", clock=make_clock())
        try:
            erp.init("Test Co", "EUR", dt.date(2026, 1, 1))
            setup_books(erp)
            setup_sources(erp)
            assets: list[str] = []
            for step in history:
                apply(erp, step, assets)
            tb = erp.trial_balance()
            assert tb.total_debit == tb.total_credit
            assert all(r.ok for r in erp.query(asset_checks))
            assert [r.message for r in erp.check() if not r.ok] == []
            register = erp.query(asset_register, dt.date(2026, 12, 31))
            for row in register.rows:
                assert row.book_value >= 0
            for site in register.constructions:
                assert 0 <= site.balance <= site.collected
            assert under_construction(erp) == sum(
                (r.debit - r.credit for r in tb.rows if r.account == "1620"), D("0.00")
            )
            for start, end in (
                (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                (dt.date(2026, 1, 1), split),
                (split, dt.date(2026, 12, 31)),
            ):
                indirect = erp.query(cash_flow, start, end, "indirect")
                direct = erp.query(cash_flow, start, end, "direct")
                assert indirect.ok, indirect.problems
                assert direct.ok, direct.problems
                assert indirect.net_change == indirect.closing_cash - indirect.opening_cash
                assert direct.net_change == indirect.net_change
            live = entries(erp)
            erp.rebuild()
            assert entries(erp) == live
        finally:
            erp.close()
