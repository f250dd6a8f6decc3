"""Access control: the issue's story (nobody approves Alice's order by typing a name), every
refusal storing nothing, deactivation, revocation, reports, and off-by-default."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from erp_core import Erp
from erp_core.access.tokens import create_token, token_id_of
from erp_core.kernel.errors import AccessDenied, ErpError, ValidationError

D = Decimal


@pytest.fixture
def books(erp: Erp) -> Erp:
    """Test Co with stock master data, a supplier, and orders over 500.00 needing approval."""
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.register_warehouse(code="EAST", name="East depot")
    erp.configure_procurement(approval_threshold="500.00")
    erp.register_supplier(code="ACME", name="Acme Parts")
    return erp


def order(erp: Erp, quantity: str, warehouse: str = "MAIN") -> str:
    return erp.create_purchase_order(
        date="2026-03-02",
        supplier="ACME",
        expected_delivery="2026-03-15",
        lines=[{"item": "BOLT", "quantity": quantity, "price": "10.00", "warehouse": warehouse}],
    ).documents[0]


class Staff:
    """Users with tokens, and a way to open the books as any of them."""

    def __init__(self, admin: Erp, clock: Callable[[], dt.datetime]) -> None:
        self.admin = admin
        self.clock = clock
        self.tokens: dict[str, str] = {"tester": create_token(admin, "tester", "set-up")}
        self.opened: list[Erp] = []

    def hire(self, code: str, *roles: str) -> None:
        self.admin.create_user(code=code, name=code.title())
        for role in roles:
            self.admin.grant_role(user=code, role=role)
        self.tokens[code] = create_token(self.admin, code)

    def as_(self, actor: str | None, token: str | None = None) -> Erp:
        books = Erp.open(self.admin.url.raw, actor=actor, token=token, clock=self.clock)
        self.opened.append(books)
        return books

    def login(self, code: str) -> Erp:
        return self.as_(None, self.tokens[code])


@pytest.fixture
def staff(books: Erp, clock: Callable[[], dt.datetime]) -> Iterator[Staff]:
    team = Staff(books, clock)
    team.hire("alice", "purchasing_clerk")
    team.hire("bob", "purchasing_clerk")
    team.hire("carol", "purchasing_manager")
    team.hire("dave", "auditor")
    books.enable_access_control()  # as tester, the company's creator and first administrator
    yield team
    for opened in team.opened:
        opened.close()


def refused_unchanged(erp: Erp, pattern: str, attempt: Callable[[], object]) -> None:
    """The attempt is refused with AccessDenied matching `pattern`, and stores nothing."""
    before = erp.store.last_position()
    with pytest.raises(AccessDenied, match=pattern) as info:
        attempt()
    assert info.value.exit_code == 77
    assert erp.store.last_position() == before


def test_bob_cannot_approve_alices_order_by_typing_a_name(books: Erp, staff: Staff) -> None:
    alice = staff.login("alice")
    assert alice.actor == "alice"  # the token says who acts
    po = order(alice, "80")  # 800.00: over the 500.00 threshold, waits for approval

    # bob's name alone: access control is on, so a typed name proves nothing
    typed = staff.as_("bob")
    refused_unchanged(books, "bob is not authenticated", lambda: typed.approve_purchase_order(po))
    # bob with alice's token, or alice's name with bob's token: refused
    borrowed = staff.as_("bob", staff.tokens["alice"])
    refused_unchanged(books, "belongs to alice", lambda: borrowed.approve_purchase_order(po))
    # alice herself: segregation of duties
    refused_unchanged(
        books, "segregation of duties: alice created", lambda: alice.approve_purchase_order(po)
    )
    # bob, authenticated, a purchasing clerk may approve up to 1,000.00: allowed
    staff.login("bob").approve_purchase_order(po)
    assert [e.actor for e in staff.login("dave").trail(f"po:{po}")][-1] == "bob"
    assert {x.status for x in staff.login("carol").open_orders() if x.document == po} == {
        "approved"
    }


def test_amount_limits_send_large_orders_to_the_manager(books: Erp, staff: Staff) -> None:
    alice, bob, carol = staff.login("alice"), staff.login("bob"), staff.login("carol")
    big = order(alice, "500")  # 5,000.00
    refused_unchanged(
        books,
        "approves up to 1,000.00 and .* totals 5,000.00",
        lambda: bob.approve_purchase_order(big),
    )
    carol.approve_purchase_order(big)
    # the manager cannot approve her own order either (the approval rule of procurement)
    own = order(carol, "60")
    with pytest.raises(ErpError, match="carol created"):
        carol.approve_purchase_order(own)


def test_unknown_revoked_or_missing_tokens_are_refused(books: Erp, staff: Staff) -> None:
    refused_unchanged(
        books,
        "tester is not authenticated",
        lambda: books.register_warehouse(code="WEST", name="West"),
    )
    forged = staff.as_("alice", "erp_000000_forged")
    refused_unchanged(books, "unknown or revoked", lambda: order(forged, "1"))
    admin = staff.login("tester")
    admin.revoke_token(token_id_of(staff.tokens["alice"]))
    alice = staff.as_("alice", staff.tokens["alice"])
    refused_unchanged(books, "unknown or revoked", lambda: order(alice, "1"))
    # a new token works again
    staff.tokens["alice"] = create_token(admin, "alice")
    order(staff.login("alice"), "1")


def test_a_deactivated_user_is_refused(books: Erp, staff: Staff) -> None:
    bob = staff.login("bob")
    order(bob, "1")
    staff.login("tester").deactivate_user(code="bob", reason="left the company")
    refused_unchanged(books, "bob is deactivated", lambda: order(bob, "1"))
    refused_unchanged(books, "bob is deactivated", lambda: bob.open_orders())


def test_revoking_a_role_takes_effect_at_once(books: Erp, staff: Staff) -> None:
    alice = staff.login("alice")
    order(alice, "1")
    staff.login("tester").revoke_role(user="alice", role="purchasing_clerk")
    refused_unchanged(books, "alice may not create_purchase_order", lambda: order(alice, "1"))


def test_auditor_reads_reports_but_acts_on_nothing(books: Erp, staff: Staff) -> None:
    dave = staff.login("dave")
    assert dave.trial_balance().total_debit == dave.trial_balance().total_credit
    assert dave.check()
    refused_unchanged(
        books,
        "dave may not register_warehouse",
        lambda: dave.register_warehouse(code="WEST", name="West"),
    )
    # a clerk's reports are limited to its own: no trial balance
    alice = staff.login("alice")
    alice.open_orders()
    refused_unchanged(books, "alice may not run the report trial-balance", alice.trial_balance)


def test_warehouse_rule_limits_a_role_to_its_warehouses(books: Erp, staff: Staff) -> None:
    admin = staff.login("tester")
    admin.define_role(
        code="main_buyer",
        name="Buyer for MAIN",
        permissions=["create_purchase_order"],
        warehouses=["MAIN"],
    )
    admin.create_user(code="erin", name="Erin")
    admin.grant_role(user="erin", role="main_buyer")
    erin = staff.as_(None, create_token(admin, "erin"))
    order(erin, "1", "MAIN")
    refused_unchanged(
        books, "limited to warehouse.*MAIN, not EAST", lambda: order(erin, "1", "EAST")
    )


def test_own_documents_only(books: Erp, staff: Staff) -> None:
    admin = staff.login("tester")
    admin.define_role(
        code="own_canceller",
        name="Cancels own orders",
        permissions=["create_purchase_order", "cancel_purchase_order"],
        own_documents_only=True,
    )
    admin.grant_role(user="bob", role="own_canceller")
    admin.revoke_role(user="bob", role="purchasing_clerk")
    alices = order(staff.login("alice"), "1")
    bob = staff.login("bob")
    bobs = order(bob, "1")
    refused_unchanged(
        books,
        "own documents only",
        lambda: bob.cancel_purchase_order(document=alices, reason="not needed"),
    )
    bob.cancel_purchase_order(document=bobs, reason="not needed")


def test_self_approval_role_lets_a_creator_pass_the_access_check(books: Erp, staff: Staff) -> None:
    admin = staff.login("tester")
    admin.define_role(
        code="owner_manager",
        name="Owner manager",
        permissions=["area:procurement"],
        self_approval=True,
    )
    admin.grant_role(user="alice", role="owner_manager")
    alice = staff.login("alice")
    po = order(alice, "60")
    # access allows it; procurement's own rule (the creator never approves) still refuses
    with pytest.raises(ValidationError, match="alice created"):
        alice.approve_purchase_order(po)


def test_access_control_is_off_by_default(books: Erp) -> None:
    # anybody named acts, as before the access area existed
    books.create_user(code="bob", name="Bob")
    anyone = Erp.open(books.url.raw, actor="mallory")
    try:
        po = order(books, "80")
        anyone.approve_purchase_order(po)
        assert anyone.trial_balance().total_debit == anyone.trial_balance().total_credit
    finally:
        anyone.close()


def test_enabling_needs_an_administrator_with_a_token(books: Erp) -> None:
    before = books.store.last_position()
    with pytest.raises(ValidationError, match="has no API token yet"):
        books.enable_access_control()
    assert books.store.last_position() == before
    books.create_user(code="bob", name="Bob")
    create_token(books, "bob")
    bob = Erp.open(books.url.raw, actor="bob")
    try:
        with pytest.raises(ValidationError, match="no role that may enable"):
            bob.enable_access_control()
    finally:
        bob.close()


def test_the_last_administrator_stays(books: Erp) -> None:
    books.create_user(code="bob", name="Bob")
    with pytest.raises(ValidationError, match="last active administrator"):
        books.revoke_role(user="tester", role="administrator")
    with pytest.raises(ValidationError, match="cannot deactivate themselves"):
        books.deactivate_user(code="tester", reason="oops")
