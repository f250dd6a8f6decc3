"""The OCEL 2.0 log model and its writers, without any process-mining library."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from insight_p2p_log import at, p2p_events, p2p_log, p2p_objects

from erp_core.insight.ocel import (
    InvalidLog,
    Log,
    ObjectAttribute,
    OcelError,
    OcelEvent,
    OcelObject,
    check_log,
    save_ocel_json,
    save_ocel_sqlite,
    to_ocel_json,
    type_table_names,
    write_ocel_sqlite,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
PO = OcelObject("po-1", "purchase_order")


# --- single events and objects: bad input names the field -------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"time": datetime(2026, 3, 2, 9)}, "event 'e1'.time", "timezone-aware"),
        ({"time": "2026-03-02"}, "event 'e1'.time", "must be a datetime"),
        ({"attributes": (("amount", 1.5),)}, "event 'e1'.attributes.amount", "float"),
        ({"attributes": (("amount", Decimal("NaN")),)}, "event 'e1'.attributes.amount", "finite"),
        ({"attributes": (("ocel_time", "x"),)}, "event 'e1'.attributes", "reserved"),
        ({"attributes": (("a", "x"), ("A", "y"))}, "event 'e1'.attributes.a", "duplicate"),
        ({"attributes": (("a", [1]),)}, "event 'e1'.attributes.a", "unsupported"),
        ({"attributes": (("due", datetime(2026, 1, 1)),)}, "event 'e1'.attributes.due", "aware"),
        ({"relationships": (("po-1", "order"), ("po-1", "other"))}, "event 'e1'.relationships",
         "one qualifier per object"),
        ({"relationships": (("po-1", ""),)}, "event 'e1'.relationships[0].qualifier", "non-empty"),
        ({"relationships": (("po-1",),)}, "event 'e1'.relationships[0]", "pair"),
        ({"type": ""}, "event 'e1'.type", "non-empty"),
    ],
)  # fmt: skip
def test_a_bad_event_is_refused_with_the_field_named(
    kwargs: dict[str, object], field: str, reason: str
) -> None:
    args: dict[str, object] = {
        "id": "e1",
        "type": "create order",
        "time": T0,
        "relationships": (("po-1", "order"),),
    }
    args.update(kwargs)
    with pytest.raises(OcelError, match=reason) as err:
        OcelEvent(**args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_an_event_without_an_id_is_refused() -> None:
    with pytest.raises(OcelError) as err:
        OcelEvent("", "create order", T0)
    assert err.value.field == "event.id"


@pytest.mark.parametrize(
    ("attributes", "relationships", "field", "reason"),
    [
        ((ObjectAttribute("s", "a", T0), ObjectAttribute("s", "b", T0)), (),
         "object 'po-1'.attributes", "same time"),
        ((ObjectAttribute("s", "a"), ObjectAttribute("s", 1, T0)), (),
         "object 'po-1'.attributes.s", "mixed types"),
        ((ObjectAttribute("s", "a"), ObjectAttribute("S", "b", T0)), (),
         "object 'po-1'.attributes.s", "case"),
        ((ObjectAttribute("s", "a", datetime(2026, 1, 1)),), (),
         "object 'po-1'.attributes.s.time", "aware"),
        ((ObjectAttribute("total", 3.0),), (),  # type: ignore[arg-type]
         "object 'po-1'.attributes.total", "float"),
        (((("s", "a")),), (), "object 'po-1'.attributes", "ObjectAttribute"),
        ((), (("sup-1", "supplier"), ("sup-1", "supplier")), "object 'po-1'.relationships",
         "duplicate"),
    ],
)  # fmt: skip
def test_a_bad_object_is_refused_with_the_field_named(
    attributes: tuple[ObjectAttribute, ...],
    relationships: tuple[tuple[str, str], ...],
    field: str,
    reason: str,
) -> None:
    with pytest.raises(OcelError, match=reason) as err:
        OcelObject("po-1", "purchase_order", attributes, relationships)
    assert err.value.field == field


def test_an_object_attribute_has_the_value_in_force_at_a_time() -> None:
    po = p2p_log().object("po-1")  # draft, approved from Mon 11
    assert po.value_at("status", at(0, 10)) == "draft"
    assert po.value_at("status", at(0, 11)) == "approved"
    assert po.value_at("status") == "approved"
    assert po.value_at("total") == Decimal("1210.00")
    assert po.value_at("missing") is None


# --- the log as a whole ------------------------------------------------------------------------


def test_a_log_lists_every_problem_at_once() -> None:
    events = (
        OcelEvent("e1", "create order", T0, (("qty", 1),), (("po-1", "order"),)),
        OcelEvent("e1", "create order", T0, (("qty", "one"),), (("po-9", "order"),)),
        OcelEvent("e2", "create order", T0, (("Qty", 2),)),
    )
    objects = (PO, OcelObject("po-1", "purchase_order", (), (("sup-9", "supplier"),)))
    with pytest.raises(InvalidLog) as err:
        Log(events, objects)
    assert [str(p) for p in err.value.problems] == [
        "object 'po-1': duplicate object id",
        "event 'e1': duplicate event id",
        "event 'e1'.relationships: unknown object 'po-9'",
        "event 'e2'.relationships: an event must touch an object",
        "object 'po-1'.relationships: unknown object 'sup-9'",
        "event type 'create order'.qty: attribute has mixed types ['integer', 'string']",
        "event type 'create order': attribute names differ only in case: ['Qty', 'qty']",
    ]
    assert err.value.field == "object 'po-1'"
    assert "(and 6 more)" in str(err.value)
    assert check_log(p2p_events(), p2p_objects()) == []


def test_mixed_attribute_types_across_objects_of_one_type_are_a_problem() -> None:
    objects = (
        OcelObject("a", "item", (ObjectAttribute("size", 1),)),
        OcelObject("b", "item", (ObjectAttribute("size", "L"),)),
    )
    assert [p.field for p in check_log((), objects)] == ["object type 'item'.size"]


def test_events_are_kept_in_time_order_and_ties_keep_the_order_given() -> None:
    day = datetime(2026, 3, 2, tzinfo=UTC)  # effective dates: whole days tie
    rel = (("po-1", "order"),)
    events = (
        OcelEvent("z-create", "create order", day, (), rel),
        OcelEvent("a-approve", "approve order", day, (), rel),
        OcelEvent("m-earlier", "draft order", day - timedelta(days=1), (), rel),
    )
    log = Log(events, (PO,))
    assert [e.id for e in log.events] == ["m-earlier", "z-create", "a-approve"]
    assert [e.id for e in log.events_of("po-1")] == ["m-earlier", "z-create", "a-approve"]


def test_unknown_objects_are_refused_by_name() -> None:
    with pytest.raises(OcelError) as err:
        p2p_log().object("po-9")
    assert err.value.field == "object_id"
    with pytest.raises(OcelError, match="po-9"):
        p2p_log().events_of("po-9")


def test_the_log_counts_its_parts() -> None:
    log = p2p_log()
    assert (len(log.events), len(log.objects), log.e2o_count, log.o2o_count) == (14, 10, 30, 8)
    assert log.event_types == (
        "approve invoice",
        "approve order",
        "change order",
        "create order",
        "pay invoice",
        "post invoice",
        "receive goods",
    )
    assert log.object_types == (
        "goods_receipt",
        "invoice",
        "item",
        "payment",
        "purchase_order",
        "supplier",
    )


def test_a_time_window_keeps_its_events_their_objects_and_links_between_kept_objects() -> None:
    window = p2p_log().between(at(1, 0), at(3, 0))  # Tue 00:00 to Thu 00:00
    # e03 Tue 09, e09 Tue 10, e10 Tue 16, e04 Wed 09, e11 Wed 10, e05 Wed 15
    assert [e.id for e in window.events] == ["e03", "e09", "e10", "e04", "e11", "e05"]
    assert [o.id for o in window.objects] == [
        "gr-1", "gr-2", "inv-1", "item-1", "po-1", "po-2", "sup-1"
    ]  # fmt: skip
    assert window.e2o_count == 12  # 3 + 1 + 1 + 3 + 3 + 1
    # kept: gr-1->po-1, gr-2->po-2, inv-1->po-1, po-1->sup-1, po-2->sup-1 (pay-1, pay-2 dropped)
    assert window.o2o_count == 5


def test_a_time_window_keeps_attribute_values_known_before_its_end() -> None:
    window = p2p_log().between(None, at(0, 12))  # up to Mon 12:00
    # po-1 approved at Mon 11 (kept), po-2 approved at Mon 14 (dropped)
    assert window.object("po-1").value_at("status") == "approved"
    assert window.object("po-2").value_at("status") == "draft"
    assert p2p_log().between(at(9, 0)).events == ()  # nothing after next Wednesday


def test_a_bad_time_window_is_refused() -> None:
    with pytest.raises(OcelError) as err:
        p2p_log().between(at(2, 0), at(1, 0))
    assert err.value.field == "end"
    with pytest.raises(OcelError) as err:
        p2p_log().between(datetime(2026, 3, 2))
    assert err.value.field == "start"


# --- JSON ----------------------------------------------------------------------------------------


def test_json_writes_decimals_with_their_exact_digits_and_times_in_utc() -> None:
    text = to_ocel_json(p2p_log())
    assert '"value": 1210.00' in text  # a number token, trailing zero kept, no float made
    assert '"value": 99.99' in text
    assert '"time": "2026-03-02T09:00:00Z"' in text
    assert '"time": "1970-01-01T00:00:00Z"' in text  # initial attribute values
    doc = json.loads(text, parse_float=Decimal)
    assert set(doc) == {"objectTypes", "eventTypes", "objects", "events"}
    po_type = next(t for t in doc["objectTypes"] if t["name"] == "purchase_order")
    assert po_type["attributes"] == [
        {"name": "status", "type": "string"},
        {"name": "total", "type": "float"},
    ]
    item = next(o for o in doc["objects"] if o["id"] == "item-1")
    assert {a["name"]: a["value"] for a in item["attributes"]} == {
        "active": True,
        "pack_size": 10,
        "unit_price": Decimal("12.10"),
    }
    e13 = next(e for e in doc["events"] if e["id"] == "e13")
    assert e13["relationships"] == [
        {"objectId": "inv-2", "qualifier": "invoice"},
        {"objectId": "pay-2", "qualifier": "payment"},
        {"objectId": "po-2", "qualifier": "order"},
    ]
    assert e13["attributes"] == [
        {"name": "actor", "value": "eve"},
        {"name": "amount", "value": Decimal("99.99")},
    ]


def test_small_and_time_valued_attributes_are_written_as_valid_json() -> None:
    due = datetime(2026, 3, 2, 10, 0, 0, 5, tzinfo=UTC)
    event = OcelEvent(
        "e1",
        "t",
        T0,
        (("rate", Decimal("-0.005")), ("tiny", Decimal("1E-3")), ("due", due), ("q", 'a"b')),
        (("po-1", "x"),),
    )
    doc = json.loads(to_ocel_json(Log((event,), (PO,))), parse_float=Decimal)
    values = {a["name"]: a["value"] for a in doc["events"][0]["attributes"]}
    assert values == {
        "due": "2026-03-02T10:00:00.000005Z",
        "q": 'a"b',
        "rate": Decimal("-0.005"),
        "tiny": Decimal("0.001"),
    }


def test_the_same_log_gives_the_same_json_whatever_order_its_parts_came_in() -> None:
    events, objects = p2p_events(), p2p_objects()  # all event times differ
    random.Random(7).shuffle(events)
    random.Random(8).shuffle(objects)
    assert to_ocel_json(Log(tuple(events), tuple(objects))) == to_ocel_json(p2p_log())


def test_json_is_saved_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "p2p.jsonocel"
    target.write_text("old")
    save_ocel_json(p2p_log(), target)
    assert target.read_text("utf-8") == to_ocel_json(p2p_log())
    assert [p.name for p in tmp_path.iterdir()] == ["p2p.jsonocel"]  # no temporary file left


# --- SQLite --------------------------------------------------------------------------------------


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]


def test_sqlite_has_the_ocel_2_tables_with_one_table_per_type(tmp_path: Path) -> None:
    path = tmp_path / "p2p.sqlite"
    save_ocel_sqlite(p2p_log(), path)
    conn = sqlite3.connect(path)
    assert sorted(_tables(conn)) == sorted(
        [
            "event",
            "object",
            "event_object",
            "object_object",
            "event_map_type",
            "object_map_type",
            "event_ApproveInvoice",
            "event_ApproveOrder",
            "event_ChangeOrder",
            "event_CreateOrder",
            "event_PayInvoice",
            "event_PostInvoice",
            "event_ReceiveGoods",
            "object_Goodsreceipt",  # "goods_receipt".capitalize(), "_" dropped
            "object_Invoice",
            "object_Item",
            "object_Payment",
            "object_Purchaseorder",
            "object_Supplier",
        ]
    )
    maps = dict(conn.execute("SELECT ocel_type, ocel_type_map FROM object_map_type"))
    assert maps["purchase_order"] == "Purchaseorder"
    assert dict(conn.execute("SELECT * FROM event_map_type"))["create order"] == "CreateOrder"
    assert conn.execute("SELECT count(*) FROM event").fetchone() == (14,)
    assert conn.execute("SELECT count(*) FROM object").fetchone() == (10,)
    assert conn.execute("SELECT count(*) FROM event_object").fetchone() == (30,)
    assert conn.execute("SELECT count(*) FROM object_object").fetchone() == (8,)
    rows = conn.execute(
        "SELECT ocel_id, ocel_time, ocel_changed_field, status, total FROM object_Purchaseorder"
    ).fetchall()
    assert rows == [
        ("po-1", "1970-01-01 00:00:00", None, "draft", 1210.0),
        ("po-1", "2026-03-02 11:00:00", "status", "approved", None),
        ("po-2", "1970-01-01 00:00:00", None, "draft", 99.99),
        ("po-2", "2026-03-02 14:00:00", "status", "approved", None),
    ]
    assert conn.execute(
        "SELECT ocel_id, ocel_time, actor, amount FROM event_PayInvoice"
    ).fetchall() == [("e13", "2026-03-05 16:00:00", "eve", 99.99),
                     ("e06", "2026-03-06 09:00:00", "eve", 1210.0)]  # fmt: skip
    assert conn.execute("SELECT active, pack_size FROM object_Item").fetchall() == [(1, 10)]
    conn.close()


def test_sqlite_refuses_a_database_that_already_has_tables() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE x (a)")
    with pytest.raises(OcelError) as err:
        write_ocel_sqlite(p2p_log(), conn)
    assert err.value.field == "conn"


def test_the_same_log_gives_the_same_sqlite_rows_whatever_order_its_parts_came_in() -> None:
    events, objects = p2p_events(), p2p_objects()
    random.Random(3).shuffle(events)
    random.Random(4).shuffle(objects)
    dumps = []
    for log in (p2p_log(), Log(tuple(events), tuple(objects))):
        conn = sqlite3.connect(":memory:")
        write_ocel_sqlite(log, conn)
        dumps.append(list(conn.iterdump()))
    assert dumps[0] == dumps[1]


def test_type_names_map_to_distinct_table_names() -> None:
    # words capitalised, then non-alphanumerics dropped (as pm4py does): "A-B" -> "Ab",
    # "a b" -> "AB"; they clash ignoring case, so the later one in sorted order gets "_2";
    # nothing left -> "Type"
    assert type_table_names(["a b", "A-B", "!!!", "goods receipt"]) == {
        "!!!": "Type",
        "A-B": "Ab",
        "a b": "AB_2",
        "goods receipt": "GoodsReceipt",
    }


text = st.text(min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    oid=text,
    kind=text,
    qualifier=text,
    value=st.one_of(text, st.integers(), st.booleans(), st.decimals(allow_nan=False,
                                                                     allow_infinity=False)),
)  # fmt: skip
def test_json_reads_back_any_text_and_exact_decimals(
    oid: str, kind: str, qualifier: str, value: str | int | bool | Decimal
) -> None:
    obj = OcelObject(oid, kind, (ObjectAttribute("v", value),))
    event = OcelEvent(oid + "-e", kind, T0, (("v", value),), ((oid, qualifier),))
    doc = json.loads(to_ocel_json(Log((event,), (obj,))), parse_float=Decimal, parse_int=Decimal)
    (e,) = doc["events"]
    assert (e["id"], e["type"], e["relationships"]) == (
        oid + "-e",
        kind,
        [{"objectId": oid, "qualifier": qualifier}],
    )
    read = e["attributes"][0]["value"]
    numeric = isinstance(value, int | Decimal) and not isinstance(value, bool)
    assert read == value
    assert type(read) is (Decimal if numeric else type(value))
    assert doc["objects"][0]["attributes"][0]["value"] == value
