"""pm4py reads our OCEL 2.0 exports: another tool proves the files are valid.

pm4py is a test dependency. On import it keeps only events and objects that take part in an
event-to-object relationship (and the O2O links between kept objects); the expected counts
below say so where it matters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from insight_p2p_log import at, p2p_log
from insight_strategies import logs

from erp_core.insight.ocel import (
    Log,
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
