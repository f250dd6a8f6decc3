"""Stock counts whose adjustments are worth more than a threshold wait for approval before their
journal posts; below it they post at once. The value compared is what the count would post:
losses at the cost the valuation method takes out (FIFO: the oldest layers), gains at the
bin's unit cost, gains and losses added up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from erp_core import Erp
from erp_core.access.events import ActionSubmittedForApproval
from erp_core.inventory.events import StockCountRecorded
from erp_core.kernel.errors import AccessDenied, ErpError, ValidationError
from erp_core.ledger.events import VoucherPosted

D = Decimal
ADJUSTMENT = "5300"  # the default account of count differences


class Books:
    def __init__(self, erp: Erp, clock: Callable[[], dt.datetime]) -> None:
        self.erp = erp
        self.clock = clock
        self.opened: dict[str, Erp] = {}

    def as_(self, actor: str) -> Erp:
        if actor not in self.opened:
            self.opened[actor] = Erp.open(self.erp.url.raw, actor=actor, clock=self.clock)
        return self.opened[actor]

    def counts(self) -> list[VoucherPosted]:
        return [
            e
            for r in self.erp.store.iter_log()
            if isinstance(e := r.event(), VoucherPosted) and e.kind == "stock_count"
        ]

    def adjusted(self, voucher: VoucherPosted) -> Decimal:
        """What the count charged (+) or credited (-) to the adjustment account."""
        return sum((x.amount for x in voucher.lines if x.account == ADJUSTMENT), D(0))

    def refused(self, error: type[ErpError], pattern: str, attempt: Callable[[], object]) -> None:
        before = self.erp.store.last_position()
        with pytest.raises(error, match=pattern):
            attempt()
        assert self.erp.store.last_position() == before


def count(*lines: tuple[str, str]) -> dict[str, object]:
    return {
        "action": "count_stock",
        "date": "2026-03-05",
        "warehouse": "MAIN",
        "lines": [{"item": item, "counted": counted} for item, counted in lines],
    }


@pytest.fixture
def books(erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[Books]:
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs", valuation="fifo")
    erp.register_item(code="NUT", name="Nut M8", uom="pcs", valuation="moving_average")
    erp.register_warehouse(code="MAIN", name="Main store")
    for item, quantity, cost in (("BOLT", "10", "10.00"), ("BOLT", "10", "80.00")):
        erp.receive_stock(
            date="2026-03-01",
            account="3100",
            lines=[{"item": item, "warehouse": "MAIN", "quantity": quantity, "unit_cost": cost}],
        )
    erp.receive_stock(
        date="2026-03-01",
        account="3100",
        lines=[{"item": "NUT", "warehouse": "MAIN", "quantity": "100", "unit_cost": "10.00"}],
    )
    erp.define_role(code="stock_controller", name="Stock controller", permissions=["report:*"])
    for user, roles in (
        ("kim", ("warehouse_keeper", "stock_controller")),
        ("wes", ("warehouse_keeper",)),
        ("sam", ("stock_controller",)),
    ):
        erp.create_user(code=user, name=user.title())
        for role in roles:
            erp.grant_role(user=user, role=role)
    erp.define_approval_workflow(
        document_type="stock_count", levels=[{"above": "100.00", "role": "stock_controller"}]
    )
    team = Books(erp, clock)
    yield team
    for opened in team.opened.values():
        opened.close()


def test_a_count_adjusting_less_than_the_threshold_posts_at_once(books: Books) -> None:
    # 5 bolts short; FIFO takes them from the oldest layer: 5 x 10.00 = 50.00 (at the
    # average cost, 45.00 each, they would have been 225.00 and needed approval)
    books.as_("kim").apply(count(("BOLT", "15")))
    [voucher] = books.counts()
    assert books.adjusted(voucher) == D("50.00")
    # a count that finds no difference posts nothing to approve either
    books.as_("kim").apply(count(("NUT", "100")))
    assert len(books.counts()) == 1
    with pytest.raises(ValidationError, match="no level of the stock_count workflow applies"):
        books.as_("kim").submit_for_approval(
            document_type="stock_count", held=count(("BOLT", "14"))
        )


def test_a_count_adjusting_more_waits_for_approval_before_its_journal(books: Books) -> None:
    kim = books.as_("kim")
    # 20 nuts short at 10.00 (moving average): 200.00, above 100.00
    books.refused(
        ValidationError,
        "this count_stock needs approval in the stock_count workflow",
        lambda: kim.apply(count(("NUT", "80"))),
    )
    request = kim.submit_for_approval(
        document_type="stock_count", held=count(("NUT", "80"))
    ).documents[0]
    [submitted] = [
        e
        for _, e in books.erp.store.stream(f"req:{request}")
        if isinstance(e, ActionSubmittedForApproval)
    ]
    assert submitted.total == D("200.00")
    assert books.counts() == []  # nothing posted while it waits
    assert not [r for r in books.erp.store.iter_log() if isinstance(r.event(), StockCountRecorded)]
    # the counter never approves her own count, and a keeper without the role cannot
    books.refused(
        AccessDenied,
        "segregation of duties",
        lambda: kim.approve_document(document_type="stock_count", document=request),
    )
    books.refused(
        AccessDenied,
        "needs role stock_controller",
        lambda: books.as_("wes").approve_document(document_type="stock_count", document=request),
    )
    books.as_("sam").approve_document(document_type="stock_count", document=request)
    [voucher] = books.counts()
    assert voucher.actor == "kim"  # posted as its counter; the approval names sam
    assert books.adjusted(voucher) == D("200.00")  # Dr count differences, Cr inventory
    assert sum(x.amount for x in voucher.lines) == 0


def test_gains_and_losses_add_up_against_the_threshold(books: Books) -> None:
    # 6 nuts short at 10.00 = 60.00 and one bolt found at the newest layer's 80.00 = 80.00:
    # each under 100.00, together 140.00 of adjustments (net 20.00) -> approval
    books.refused(
        ValidationError,
        "needs approval",
        lambda: books.as_("kim").apply(count(("NUT", "94"), ("BOLT", "21"))),
    )
    request = (
        books.as_("wes")
        .submit_for_approval(document_type="stock_count", held=count(("NUT", "94"), ("BOLT", "21")))
        .documents[0]
    )
    books.as_("kim").approve_document(document_type="stock_count", document=request)
    [voucher] = books.counts()
    assert voucher.actor == "wes"
    assert books.adjusted(voucher) == D("60.00") - D("80.00")  # loss charged, gain credited
    gross = sum((x.amount for x in voucher.lines if x.amount > 0), D(0))
    assert gross == D("140.00")
