"""Handlers on the in-memory event store: fast enough for many more Hypothesis examples.

The command service runs unchanged on `MemoryEventStore`; a contract test shows it stores the
same bytes as SQLite for the same actions, so what is proven here holds for the real stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core import Erp, parse_action
from erp_core.application import CommandService
from erp_core.infra.memory import MemoryEventStore
from erp_core.kernel.errors import ErpError
from erp_core.ledger.commands import PostVoucher
from erp_core.ledger.events import VoucherPosted

START = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
ACCOUNTS = ["1120", "4100", "6100", "6200", "2100", "3100"]


def fixed_clock() -> Callable[[], dt.datetime]:
    ticks = iter(range(10**9))
    return lambda: START + dt.timedelta(seconds=next(ticks))


def new_books() -> tuple[CommandService, MemoryEventStore]:
    store = MemoryEventStore()
    service = CommandService(store, fixed_clock())
    service.create_company("Acme", "EUR", dt.date(2026, 1, 1), "alice")
    return service, store


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
line = st.fixed_dictionaries(
    {"account": st.sampled_from(ACCOUNTS), "side": st.sampled_from(["debit", "credit"])}
)


@st.composite
def vouchers(draw: st.DrawFn) -> dict[str, object]:
    """Balanced vouchers mostly; sometimes an unbalanced or mis-dated one (to be refused)."""
    lines = []
    total = Decimal(0)
    for _ in range(draw(st.integers(1, 4))):
        amount = draw(amounts)
        lines.append({"account": draw(st.sampled_from(ACCOUNTS)), "debit": str(amount)})
        total += amount
    counter = total + draw(st.sampled_from([Decimal(0)] * 8 + [Decimal("0.01")]))
    lines.append({"account": draw(st.sampled_from(ACCOUNTS)), "credit": str(counter)})
    month = draw(st.integers(1, 13))
    day = f"2026-{month:02d}-15" if month <= 12 else "2027-01-15"  # 2027 is not open
    return {"action": "post_voucher", "date": day, "lines": lines}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(vouchers(), min_size=1, max_size=12))
def test_every_stored_voucher_balances_and_refused_ones_store_nothing(
    batch: list[dict[str, object]],
) -> None:
    service, store = new_books()
    for data in batch:
        before = store.last_position()
        try:
            service.apply(PostVoucher.model_validate(data), "alice")
        except ErpError:
            assert store.last_position() == before  # refused: nothing stored
    totals: dict[str, Decimal] = {}
    for record in store.iter_log():
        event = record.event()
        if isinstance(event, VoucherPosted):
            assert sum(x.base for x in event.lines) == 0
            for x in event.lines:
                totals[x.account] = totals.get(x.account, Decimal(0)) + x.base
    assert sum(totals.values(), Decimal(0)) == 0


def test_the_memory_store_stores_what_sqlite_stores(sqlite_url: str) -> None:
    actions = [
        {
            "action": "post_voucher",
            "date": "2026-02-01",
            "lines": [
                {"account": "6100", "debit": "120.00"},
                {"account": "1120", "credit": "120.00"},
            ],
        },
        {"action": "close_period", "period": "2026-01"},
    ]
    service, store = new_books()
    for data in actions:
        service.apply(parse_action(data), "alice")
    erp = Erp.open(sqlite_url, actor="alice", clock=fixed_clock())
    try:
        erp.init("Acme", "EUR", dt.date(2026, 1, 1))
        for data in actions:
            erp.apply(data)
        stored = [(r.stream, r.version, r.topic, r.state) for r in erp.store.iter_log()]
    finally:
        erp.close()
    assert [(r.stream, r.version, r.topic, r.state) for r in store.iter_log()] == stored


def test_a_stale_version_is_a_conflict() -> None:
    from erp_core.infra.store import Conflict

    _service, store = new_books()
    event = store.stream("company")[0][1]
    before = store.last_position()
    with pytest.raises(Conflict):
        store.append([("company", 1, event)])
    assert store.last_position() == before
