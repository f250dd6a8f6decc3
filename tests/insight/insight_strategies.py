"""Hypothesis strategies for object-centric event logs (shared by the insight tests)."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from erp_core.insight.ocel import Log, ObjectAttribute, OcelEvent, OcelObject

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
        e2o = tuple((oid, draw(qualifiers)) for oid in targets)
        event_attrs = draw(st.lists(event_attr, max_size=3, unique_by=lambda kv: kv[0]))
        kind = draw(st.sampled_from(event_types))
        events.append(OcelEvent(f"e{i}", kind, draw(moments), tuple(event_attrs), e2o))
    return Log(tuple(events), tuple(objects))
