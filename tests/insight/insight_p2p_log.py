"""A hand-made procure-to-pay log: two purchase orders, their receipts, invoices and payments.

Week of Monday 2026-03-02 (UTC). Hours are given as (day, hour), Monday = 0.

po-1 (the happy path, but ann both creates and approves it: a segregation-of-duties breach)
  e01 create order     Mon 09  ann   po-1, sup-1, item-1
  e02 approve order    Mon 11  ann   po-1
  e03 receive goods    Tue 09  carl  gr-1, po-1, item-1
  e04 post invoice     Wed 09  dora  inv-1, po-1, sup-1
  e05 approve invoice  Wed 15  bob   inv-1
  e06 pay invoice      Fri 09  eve   pay-1, inv-1, po-1
po-2 (changed after approval and approved again; invoice paid before it was approved)
  e07 create order     Mon 10  bob   po-2, sup-1, item-1
  e08 approve order    Mon 14  ann   po-2
  e09 change order     Tue 10  bob   po-2
  e10 approve order    Tue 16  ann   po-2
  e11 receive goods    Wed 10  carl  gr-2, po-2, item-1
  e12 post invoice     Thu 10  dora  inv-2, po-2, sup-1
  e13 pay invoice      Thu 16  eve   pay-2, inv-2, po-2
  e14 approve invoice  Fri 10  bob   inv-2

Counts: 14 events, 10 objects, 30 E2O (3+1+3+3+1+3 + 3+1+1+1+3+3+3+1), 8 O2O (gr->po x2,
inv->po x2, pay->inv x2, po->sup x2), 7 event types, 6 object types, 2 timed attribute changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from erp_core.insight.ocel import Log, ObjectAttribute, OcelEvent, OcelObject

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


def _ev(
    eid: str,
    kind: str,
    when: datetime,
    actor: str,
    rels: tuple[tuple[str, str], ...],
    amount: str | None = None,
) -> OcelEvent:
    attrs: tuple[tuple[str, str | Decimal], ...] = (("actor", actor),)
    if amount is not None:
        attrs += (("amount", Decimal(amount)),)
    return OcelEvent(eid, kind, when, attrs, rels)


def p2p_events() -> list[OcelEvent]:
    return [
        _ev("e01", "create order", at(0, 9), "ann",
            (("po-1", "order"), ("sup-1", "supplier"), ("item-1", "item"))),
        _ev("e02", "approve order", at(0, 11), "ann", (("po-1", "order"),)),
        _ev("e03", "receive goods", at(1, 9), "carl",
            (("gr-1", "receipt"), ("po-1", "order"), ("item-1", "item"))),
        _ev("e04", "post invoice", at(2, 9), "dora",
            (("inv-1", "invoice"), ("po-1", "order"), ("sup-1", "supplier")), "1210.00"),
        _ev("e05", "approve invoice", at(2, 15), "bob", (("inv-1", "invoice"),)),
        _ev("e06", "pay invoice", at(4, 9), "eve",
            (("pay-1", "payment"), ("inv-1", "invoice"), ("po-1", "order")), "1210.00"),
        _ev("e07", "create order", at(0, 10), "bob",
            (("po-2", "order"), ("sup-1", "supplier"), ("item-1", "item"))),
        _ev("e08", "approve order", at(0, 14), "ann", (("po-2", "order"),)),
        _ev("e09", "change order", at(1, 10), "bob", (("po-2", "order"),)),
        _ev("e10", "approve order", at(1, 16), "ann", (("po-2", "order"),)),
        _ev("e11", "receive goods", at(2, 10), "carl",
            (("gr-2", "receipt"), ("po-2", "order"), ("item-1", "item"))),
        _ev("e12", "post invoice", at(3, 10), "dora",
            (("inv-2", "invoice"), ("po-2", "order"), ("sup-1", "supplier")), "99.99"),
        _ev("e13", "pay invoice", at(3, 16), "eve",
            (("pay-2", "payment"), ("inv-2", "invoice"), ("po-2", "order")), "99.99"),
        _ev("e14", "approve invoice", at(4, 10), "bob", (("inv-2", "invoice"),)),
    ]  # fmt: skip


def p2p_objects() -> list[OcelObject]:
    def po(oid: str, total: str, approved: datetime) -> OcelObject:
        return OcelObject(
            oid,
            "purchase_order",
            (
                ObjectAttribute("status", "draft"),
                ObjectAttribute("status", "approved", approved),
                ObjectAttribute("total", Decimal(total)),
            ),
            (("sup-1", "supplier"),),
        )

    return [
        po("po-1", "1210.00", at(0, 11)),
        po("po-2", "99.99", at(0, 14)),
        OcelObject("gr-1", "goods_receipt", (), (("po-1", "receives"),)),
        OcelObject("gr-2", "goods_receipt", (), (("po-2", "receives"),)),
        OcelObject("inv-1", "invoice", (ObjectAttribute("amount", Decimal("1210.00")),),
                   (("po-1", "bills"),)),
        OcelObject("inv-2", "invoice", (ObjectAttribute("amount", Decimal("99.99")),),
                   (("po-2", "bills"),)),
        OcelObject("pay-1", "payment", (), (("inv-1", "settles"),)),
        OcelObject("pay-2", "payment", (), (("inv-2", "settles"),)),
        OcelObject("sup-1", "supplier", (ObjectAttribute("name", "Acme Supplies"),)),
        OcelObject("item-1", "item", (ObjectAttribute("unit_price", Decimal("12.10")),
                                      ObjectAttribute("active", True),
                                      ObjectAttribute("pack_size", 10))),
    ]  # fmt: skip


def p2p_log() -> Log:
    return Log(tuple(p2p_events()), tuple(p2p_objects()))
