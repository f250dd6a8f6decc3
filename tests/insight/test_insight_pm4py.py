"""pm4py reads our OCEL 2.0 exports: another tool proves the files are valid.

pm4py is a test dependency. On import it keeps only events and objects that take part in an
event-to-object relationship (and the O2O links between kept objects); the expected counts
below say so where it matters.
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from insight_p2p_log import at, p2p_log

from erp_core.insight.ocel import (
    Log,
    ObjectAttribute,
    OcelEvent,
    OcelObject,
    save_ocel_json,
    save_ocel_sqlite,
)

pm4py = pytest.importorskip("pm4py")

Reader = Callable[[str], Any]


def _read_json(path: Path) -> Any:
    return pm4py.read_ocel2_json(str(path))


def _read_sqlite(path: Path) -> Any:
    return pm4py.read_ocel2_sqlite(str(path))


FORMATS = [
    pytest.param(save_ocel_json, _read_json, "log.jsonocel", id="json"),
    pytest.param(save_ocel_sqlite, _read_sqlite, "log.sqlite", id="sqlite"),
]


def _counts(ocel: Any) -> tuple[int, int, int, int]:
    o2o = 0 if ocel.o2o is None else len(ocel.o2o)
    return len(ocel.events), len(ocel.objects), len(ocel.relations), o2o


def _changes(ocel: Any) -> int:
    return 0 if ocel.object_changes is None else len(ocel.object_changes)


@pytest.mark.parametrize(("save", "read", "name"), FORMATS)
def test_pm4py_reads_the_procure_to_pay_log_with_every_part(
    tmp_path: Path, save: Callable[[Log, Path], None], read: Callable[[Path], Any], name: str
) -> None:
    path = tmp_path / name
    save(p2p_log(), path)
    ocel = read(path)
    assert _counts(ocel) == (14, 10, 30, 8)
    assert set(ocel.events["ocel:activity"]) == set(p2p_log().event_types)
    assert set(ocel.objects["ocel:type"]) == set(p2p_log().object_types)
    assert _changes(ocel) == 2  # po-1 and po-2: status -> approved
    quals = ocel.relations.groupby("ocel:qualifier").size().to_dict()
    # order: e01-e04, e06 (po-1) + e07-e13 (po-2) = 5 + 7; invoice: e04-e06, e12-e14 = 6;
    # item: e01, e03, e07, e11; supplier: e01, e04, e07, e12; total 12 + 6 + 4 + 4 + 2 + 2 = 30
    assert quals == {"invoice": 6, "item": 4, "order": 12, "payment": 2, "receipt": 2,
                     "supplier": 4}  # fmt: skip
    # first event in time order is e01 at Mon 09:00 UTC, by ann
    first = ocel.events.iloc[0]
    assert (first["ocel:eid"], first["actor"]) == ("e01", "ann")
    assert first["ocel:timestamp"].to_pydatetime() == at(0, 9)
    amount = ocel.events.set_index("ocel:eid").loc["e13", "amount"]
    assert Decimal(str(amount)) == Decimal("99.99")


@pytest.mark.parametrize(("save", "read", "name"), FORMATS)
def test_pm4py_reads_a_time_window(
    tmp_path: Path, save: Callable[[Log, Path], None], read: Callable[[Path], Any], name: str
) -> None:
    path = tmp_path / name
    save(p2p_log().between(at(1, 0), at(3, 0)), path)
    assert _counts(read(path)) == (6, 7, 12, 5)  # see test_insight_ocel for the arithmetic


# --- generated logs ------------------------------------------------------------------------------

BASE = datetime(2025, 1, 1, tzinfo=UTC)
names = st.text(string.ascii_letters + " _-", min_size=1, max_size=8).filter(str.strip)
moments = st.integers(0, 400 * 24 * 3600).map(lambda s: BASE + timedelta(seconds=s))
amounts = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=2)
event_attr = st.one_of(
    st.tuples(st.just("actor"), st.sampled_from(["ann", "bob", "carl"])),
    st.tuples(st.just("amount"), amounts),
    st.tuples(st.just("qty"), st.integers(-1000, 1000)),
    st.tuples(st.just("urgent"), st.booleans()),
    st.tuples(st.just("due"), moments),
)


@st.composite
def logs(draw: st.DrawFn) -> Log:
    object_types = draw(st.lists(names, min_size=1, max_size=3, unique_by=str.lower))
    event_types = draw(st.lists(names, min_size=1, max_size=4, unique_by=str.lower))
    qualifiers = st.sampled_from(["order", "item", "supplier", "line"])
    n_objects = draw(st.integers(1, 8))
    ids = [f"o{i}" for i in range(n_objects)]
    objects = []
    for oid in ids:
        attrs = [ObjectAttribute("status", "new")]
        for t in draw(st.lists(moments, max_size=2, unique=True)):
            attrs.append(ObjectAttribute("status", draw(st.sampled_from(["ok", "held"])), t))
        if draw(st.booleans()):
            attrs.append(ObjectAttribute("total", draw(amounts)))
        rels = draw(st.lists(st.tuples(st.sampled_from(ids), qualifiers), max_size=3, unique=True))
        kind = draw(st.sampled_from(object_types))
        objects.append(OcelObject(oid, kind, tuple(attrs), tuple(rels)))
    events = []
    for i in range(draw(st.integers(1, 12))):
        targets = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        rels = tuple((oid, draw(qualifiers)) for oid in targets)
        attrs = draw(st.lists(event_attr, max_size=3, unique_by=lambda kv: kv[0]))
        kind = draw(st.sampled_from(event_types))
        events.append(OcelEvent(f"e{i}", kind, draw(moments), tuple(attrs), rels))
    return Log(tuple(events), tuple(objects))


def _expected(log: Log) -> tuple[int, int, int, int]:
    """What pm4py keeps: objects touched by an event, O2O links between such objects."""
    touched = {oid for e in log.events for oid in e.object_ids}
    o2o = sum(1 for o in log.objects if o.id in touched for t, _ in o.relationships if t in touched)
    return len(log.events), len(touched), log.e2o_count, o2o


@pytest.mark.parametrize(("save", "read", "name"), FORMATS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(log=logs())
def test_pm4py_reads_back_the_counts_of_any_log(
    tmp_path: Path,
    save: Callable[[Log, Path], None],
    read: Callable[[Path], Any],
    name: str,
    log: Log,
) -> None:
    path = tmp_path / name
    save(log, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' notes on type inference of sparse columns
        ocel = read(path)
    assert _counts(ocel) == _expected(log)
    assert set(ocel.events["ocel:activity"]) == set(log.event_types)
    touched_types = {log.object(oid).type for e in log.events for oid in e.object_ids}
    assert set(ocel.objects["ocel:type"]) == touched_types
