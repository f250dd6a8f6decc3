"""Property of multi-level approval: over random workflows (levels, thresholds, roles), random
staff and a random order total, a random sequence of approval attempts is stored if and only if
the model allows it (the actor holds the pending level's role, did not create the order, and
approved no earlier level), and the order is approved exactly when every level its total
requires has been approved in order."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.access.events import ApprovalLevel
from erp_core.access.workflow import required_levels
from erp_core.application import CommandService
from erp_core.infra.memory import MemoryEventStore
from erp_core.kernel.errors import ErpError
from erp_core.kernel.registry import action_types

START = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
USERS = ("u1", "u2", "u3", "u4")
ROLES = ("r1", "r2", "r3")


def fixed_clock() -> Callable[[], dt.datetime]:
    ticks = itertools.count()
    return lambda: START + dt.timedelta(seconds=next(ticks))


levels_st = st.dictionaries(
    st.sampled_from([Decimal(0), Decimal(1000), Decimal(5000), Decimal(50000)]),
    st.sampled_from(ROLES),
    min_size=1,
    max_size=3,
)
staff_st = st.fixed_dictionaries({u: st.sets(st.sampled_from(ROLES)) for u in USERS})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    levels_st,
    staff_st,
    st.sampled_from(USERS),
    st.sampled_from([1, 50, 100, 101, 600, 5001, 6000]),
    st.lists(st.sampled_from(USERS), max_size=6),
)
def test_an_approval_is_stored_iff_the_model_allows_it(
    levels: dict[Decimal, str],
    staff: dict[str, set[str]],
    creator: str,
    quantity: int,
    attempts: list[str],
) -> None:
    store = MemoryEventStore()
    types = action_types()
    svc = CommandService(store, fixed_clock())

    def do(actor: str, action: str, **fields: object) -> None:
        svc.apply(types[action](**fields), actor)

    svc.create_company("Acme", "EUR", dt.date(2026, 1, 1), "admin")
    do("admin", "register_item", code="BOLT", name="Bolt", uom="pcs")
    do("admin", "register_warehouse", code="MAIN", name="Main")
    do("admin", "configure_procurement", approval_threshold="1.00")
    do("admin", "register_supplier", code="ACME", name="Acme")
    for role in ROLES:
        do("admin", "define_role", code=role, name=role, permissions=["report:*"])
    for user, roles in staff.items():
        do("admin", "create_user", code=user, name=user)
        for role in sorted(roles):
            do("admin", "grant_role", user=user, role=role)
    do(
        "admin",
        "define_approval_workflow",
        document_type="purchase_order",
        levels=[{"above": str(a), "role": r} for a, r in levels.items()],
    )
    svc.apply(
        types["create_purchase_order"](
            date="2026-03-02",
            supplier="ACME",
            expected_delivery="2026-03-15",
            lines=[{"item": "BOLT", "quantity": quantity, "price": "10.00", "warehouse": "MAIN"}],
        ),
        creator,
    )
    po = "PO-2026-000001"
    total = Decimal(quantity) * 10
    required = required_levels([ApprovalLevel(above=a, role=r) for a, r in levels.items()], total)
    assert required and all(total > lv.above for lv in required[1:])
    assert [lv.above for lv in required] == sorted(lv.above for lv in required)

    done: list[str] = []
    for actor in attempts:
        before = store.last_position()
        pending = required[len(done)] if len(done) < len(required) else None
        allowed = (
            pending is not None
            and pending.role in staff[actor]
            and actor != creator
            and actor not in done
        )
        try:
            do(actor, "approve_document", document_type="purchase_order", document=po)
            stored = True
        except ErpError:
            stored = False
        assert stored == allowed, (actor, pending, staff, done, creator)
        assert (store.last_position() > before) == allowed
        if allowed:
            done.append(actor)
    names = {type(e).__name__ for _, e in store.stream(f"po:{po}")}
    assert ("PurchaseOrderApproved" in names) == (len(done) == len(required))
