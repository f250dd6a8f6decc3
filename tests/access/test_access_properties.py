"""Property: over a random sequence of grants, revokes, deactivations and actions, an action is
stored if and only if its actor was active and held a permitting role at that moment (the
model), and nothing is ever stored for a deactivated user after deactivation."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp_core.access.domain import TEMPLATES, new_token, token_hash
from erp_core.application import CommandService
from erp_core.infra.memory import MemoryEventStore
from erp_core.kernel.errors import AccessDenied, ErpError
from erp_core.kernel.registry import action_types

START = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
USERS = ("u1", "u2", "u3")
ROLES = ("warehouse_keeper", "purchasing_clerk", "auditor", "accountant")
ACTIONS = {"register_warehouse": "inventory", "register_supplier": "procurement"}


def fixed_clock() -> Callable[[], dt.datetime]:
    ticks = itertools.count()
    return lambda: START + dt.timedelta(seconds=next(ticks))


def may(roles: set[str], action: str) -> bool:
    return any(TEMPLATES[r].permits_action(action, ACTIONS[action]) for r in roles)


steps = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.sampled_from(USERS), st.sampled_from(ROLES)),
        st.tuples(st.just("revoke"), st.sampled_from(USERS), st.sampled_from(ROLES)),
        st.tuples(st.just("deactivate"), st.sampled_from(USERS), st.just("")),
        st.tuples(st.just("act"), st.sampled_from(USERS), st.sampled_from(sorted(ACTIONS))),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_an_action_is_stored_iff_the_actor_held_a_permitting_role(
    plan: list[tuple[str, str, str]],
) -> None:
    store = MemoryEventStore()
    clock = fixed_clock()
    types = action_types()
    tokens = {code: new_token()[1] for code in ("admin", *USERS)}
    boot = CommandService(store, clock)
    boot.create_company("Acme", "EUR", dt.date(2026, 1, 1), "admin")
    for code in ("admin", *USERS):
        if code != "admin":
            boot.apply(types["create_user"](code=code, name=code), "admin")
        register = types["register_token"](
            user=code, token_id=f"tok{code}", token_hash=token_hash(tokens[code])
        )
        boot.apply(register, "admin")
    boot.apply(types["enable_access_control"](), "admin")
    services = {c: CommandService(store, clock, credential=t) for c, t in tokens.items()}
    held: dict[str, set[str]] = {u: set() for u in USERS}
    active = set(USERS)
    serial = itertools.count()

    for kind, user, what in plan:
        before = store.last_position()
        if kind == "act":
            number = next(serial)
            action = types[what](code=f"C{number}", name=f"thing {number}")
            expected = user in active and may(held[user], what)
            try:
                services[user].apply(action, user)
                stored = True
            except AccessDenied:
                stored = False
            assert stored == expected, (user, what, held[user], user in active)
            assert (store.last_position() > before) == expected
            continue
        admin = services["admin"]
        try:
            if kind == "grant":
                admin.apply(types["grant_role"](user=user, role=what), "admin")
                held[user].add(what)
            elif kind == "revoke":
                admin.apply(types["revoke_role"](user=user, role=what), "admin")
                held[user].discard(what)
            else:
                admin.apply(types["deactivate_user"](code=user, reason="left"), "admin")
                active.discard(user)
        except ErpError:
            # refused (granting a held role, a deactivated user, ...): nothing changed
            assert store.last_position() == before
            if kind == "grant":
                assert what in held[user] or user not in active
            elif kind == "revoke":
                assert what not in held[user]
            else:
                assert user not in active


# --- record rules on reports -----------------------------------------------------------------

WAREHOUSES = ("MAIN", "EAST", "WEST")
balance_rows = st.lists(
    st.tuples(
        st.sampled_from(WAREHOUSES),
        st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(balance_rows, st.frozensets(st.sampled_from(WAREHOUSES), min_size=1))
def test_a_warehouse_limited_stock_balance_is_exactly_its_warehouses(
    rows: list[tuple[str, object]], allowed: frozenset[str]
) -> None:
    from decimal import Decimal

    from erp_core.access.scope import Scope, restrict
    from erp_core.ledger.reports import StockBalance, StockBalanceRow

    full = StockBalance(
        as_of=dt.date(2026, 12, 31),
        currency="EUR",
        rows=[
            StockBalanceRow(item=f"I{i}", warehouse=w, batch=None, quantity=Decimal(1), value=v)
            for i, (w, v) in enumerate(rows)
        ],
        total_value=sum((Decimal(str(v)) for _, v in rows), Decimal(0)),
    )
    seen = restrict(full, Scope("stock-balance", allowed), lambda _doc: None)
    assert [r for r in full.rows if r.warehouse in allowed] == seen.rows
    assert seen.total_value == sum((r.value for r in seen.rows), Decimal(0))
    unlimited = restrict(full, Scope("stock-balance"), lambda _doc: None)
    assert unlimited == full
