"""Properties of the one approval mechanism, over random inputs:

- the purchase-order default workflow (procurement's threshold): an order waits iff its total is
  above the threshold, and an approval is stored iff the approver is not its creator;
- the stock-count workflow: a count posts at once iff the value of its differences (a model:
  |counted - book| x unit cost, added up over the lines) is not above the level's threshold,
  and is otherwise refused with nothing stored."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.application import CommandService
from erp_core.infra.memory import MemoryEventStore
from erp_core.kernel.errors import ErpError, ValidationError
from erp_core.kernel.registry import action_types
from erp_core.procurement.events import PurchaseOrderCreated

START = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
ACTORS = ("u1", "u2", "u3")
COSTS = {"A": Decimal("10.00"), "B": Decimal("2.50")}  # moving average, one receipt each
ON_HAND = Decimal(40)


def fixed_clock() -> Callable[[], dt.datetime]:
    ticks = itertools.count()
    return lambda: START + dt.timedelta(seconds=next(ticks))


def books() -> tuple[MemoryEventStore, Callable[..., object]]:
    store = MemoryEventStore()
    types = action_types()
    svc = CommandService(store, fixed_clock())

    def do(actor: str, action: str, **fields: object) -> object:
        return svc.apply(types[action](**fields), actor)

    svc.create_company("Acme", "EUR", dt.date(2026, 1, 1), "admin")
    return store, do


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["0", "99.99", "100.00", "100.01", "1000"]),
    st.sampled_from([1, 10, 11, 100]),
    st.sampled_from(ACTORS),
    st.lists(st.sampled_from(ACTORS), max_size=3),
)
def test_the_default_purchase_workflow_is_procurements_threshold(
    threshold: str, quantity: int, creator: str, approvers: list[str]
) -> None:
    store, do = books()
    do("admin", "register_item", code="BOLT", name="Bolt", uom="pcs")
    do("admin", "register_warehouse", code="MAIN", name="Main")
    do("admin", "configure_procurement", approval_threshold=threshold)
    do("admin", "register_supplier", code="ACME", name="Acme")
    do(
        creator,
        "create_purchase_order",
        date="2026-03-02",
        supplier="ACME",
        expected_delivery="2026-03-15",
        lines=[{"item": "BOLT", "quantity": quantity, "price": "10.00", "warehouse": "MAIN"}],
    )
    [(_, created)] = list(store.stream("po:PO-2026-000001"))
    assert isinstance(created, PurchaseOrderCreated)
    waits = Decimal(quantity) * 10 > Decimal(threshold)
    assert created.needs_approval == waits
    approved = not waits
    for actor in approvers:
        before = store.last_position()
        allowed = not approved and actor != creator
        with contextlib.suppress(ErpError):
            do(actor, "approve_purchase_order", document="PO-2026-000001")
        assert (store.last_position() > before) == allowed, (actor, creator, approved)
        approved = approved or allowed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["0", "50.00", "100.00", "250.00"]),
    st.dictionaries(st.sampled_from(sorted(COSTS)), st.integers(0, 60), min_size=1),
)
def test_a_count_is_held_iff_its_differences_are_worth_more_than_the_threshold(
    threshold: str, counted: dict[str, int]
) -> None:
    store, do = books()
    do("admin", "register_warehouse", code="MAIN", name="Main")
    for item, cost in COSTS.items():
        do("admin", "register_item", code=item, name=item, uom="pcs", valuation="moving_average")
        do(
            "admin",
            "receive_stock",
            date="2026-03-01",
            account="3100",
            lines=[{"item": item, "warehouse": "MAIN", "quantity": ON_HAND, "unit_cost": cost}],
        )
    do("admin", "define_role", code="checker", name="Checker", permissions=["report:*"])
    do("admin", "create_user", code="u1", name="U1")
    do("admin", "grant_role", user="u1", role="checker")
    do(
        "admin",
        "define_approval_workflow",
        document_type="stock_count",
        levels=[{"above": threshold, "role": "checker"}],
    )
    value = sum(abs(Decimal(n) - ON_HAND) * COSTS[item] for item, n in counted.items())
    held = value > Decimal(threshold)
    before = store.last_position()
    try:
        do(
            "u2",
            "count_stock",
            date="2026-03-05",
            warehouse="MAIN",
            lines=[{"item": item, "counted": n} for item, n in sorted(counted.items())],
        )
        stored = True
    except ValidationError as refused:
        assert "needs approval in the stock_count workflow" in str(refused)
        stored = False
    assert stored == (not held), (counted, value, threshold)
    assert (store.last_position() > before) == stored
