"""An object-centric event log (OCEL 2.0) and its JSON and SQLite writers.

The model follows the OCEL 2.0 standard (https://www.ocel-standard.org): events and objects are
linked many-to-many by *qualified* event-to-object (E2O) relationships, objects are linked to each
other by qualified object-to-object (O2O) relationships, and object attributes may change over
time (each value carries the time from which it holds; ``None`` means "from the start").

Decisions:

- **One event time.** An :class:`OcelEvent` carries one aware ``time``. The caller chooses whether
  that is the effective (posting) date or the recorded time and builds one log per choice; every
  metric in :mod:`erp_core.insight.metrics` uses that time.
- **Log order.** :class:`Log` keeps its events sorted by time; events with equal times keep the
  order in which they were given, so pass them in log (position) order. Effective dates are often
  whole days, and "created" then "approved" on the same day must stay in that order. The writers
  emit events in this order; pm4py also sorts by time and keeps the file order for ties.
- **One qualifier per (event, object) pair.** pm4py's JSON reader keeps only one qualifier per
  pair, so a log with two would not read back the same; :class:`OcelEvent` refuses it. O2O
  relationships are unique per (source, target, qualifier).
- **Every event touches an object.** An event without E2O relationships means nothing to an
  object-centric tool (pm4py drops it on import); :class:`Log` refuses it. An object without events
  (master data reached only by O2O) is allowed and written, but pm4py drops it on import, with its
  O2O relationships.
- **Attribute values** are ``str``, ``int``, ``bool``, ``Decimal`` or aware ``datetime``; ``float``
  is refused (amounts are exact). OCEL 2.0 types: string, integer, boolean, float (for
  ``Decimal``), time. In JSON a ``Decimal`` is written as a number whose digits are exactly the
  Decimal's (``12.50``); no binary float is ever made, though a reader may parse it into one. In
  SQLite a ``Decimal`` goes into a ``REAL`` column, so it is converted to a binary float at this
  export boundary: up to 15 significant digits read back unchanged, which covers money amounts.
- **Times are written in UTC**: ``2026-01-05T09:00:00Z`` in JSON, ``2026-01-05 09:00:00`` in
  SQLite (microseconds appended when not zero). The initial value of an object attribute has the
  OCEL epoch time ``1970-01-01T00:00:00Z``.
- **Deterministic output.** The same log gives the same bytes (JSON) and the same rows in the
  same order (SQLite): event and object types, attributes and objects are sorted by name and id,
  relationships by (object id, qualifier), events by log order.

Errors: a bad single event or object raises :class:`OcelError` naming the field; a log whose parts
do not fit together raises :class:`InvalidLog` carrying every :class:`Problem` found.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TypeAlias

AttrValue: TypeAlias = str | int | bool | Decimal | datetime
Relationship: TypeAlias = tuple[str, str]  # (object_id, qualifier)

#: OCEL 2.0 attribute type names, by Python kind.
STRING, INTEGER, FLOAT, BOOLEAN, TIME = "string", "integer", "float", "boolean", "time"
RESERVED_PREFIX = "ocel"
EPOCH_JSON = "1970-01-01T00:00:00Z"
EPOCH_SQLITE = "1970-01-01 00:00:00"
_SQL_TYPES = {
    STRING: "TEXT",
    INTEGER: "INTEGER",
    FLOAT: "REAL",
    BOOLEAN: "BOOLEAN",
    TIME: "TIMESTAMP",
}


class OcelError(ValueError):
    """A bad event, object or argument: ``field`` names what is wrong, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a log as a whole (see :func:`check_log`)."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class InvalidLog(OcelError):
    """A log whose events and objects do not fit together; ``problems`` lists all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first.field, first.reason + more)


def attribute_kind(value: object, field_name: str) -> str:
    """The OCEL 2.0 type of an attribute value; raises :class:`OcelError` for anything else."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise OcelError(field_name, f"Decimal must be finite, got {value}")
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, datetime):
        _check_aware(value, field_name)
        return TIME
    if isinstance(value, float):
        raise OcelError(field_name, "float is not allowed; use Decimal for exact amounts")
    raise OcelError(field_name, f"unsupported attribute type {type(value).__name__}")


def _check_text(value: object, field_name: str) -> None:
    if not isinstance(value, str) or not value:
        raise OcelError(field_name, f"must be a non-empty string, got {value!r}")


def _check_aware(value: object, field_name: str) -> None:
    if not isinstance(value, datetime):
        raise OcelError(field_name, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise OcelError(field_name, "must be timezone-aware (naive datetimes are ambiguous)")


def _check_attribute_name(name: object, field_name: str) -> None:
    _check_text(name, field_name)
    if str(name).lower().startswith(RESERVED_PREFIX):
        raise OcelError(field_name, f"{name!r}: names starting with 'ocel' are reserved")


def _relationships(raw: Iterable[Relationship], field_name: str) -> tuple[Relationship, ...]:
    rels = []
    for i, rel in enumerate(raw):
        if not isinstance(rel, tuple) or len(rel) != 2:
            raise OcelError(f"{field_name}[{i}]", "must be an (object_id, qualifier) pair")
        _check_text(rel[0], f"{field_name}[{i}].object_id")
        _check_text(rel[1], f"{field_name}[{i}].qualifier")
        rels.append((rel[0], rel[1]))
    return tuple(sorted(rels))


@dataclass(frozen=True)
class OcelEvent:
    """Something that happened at ``time``, touching objects with qualifiers.

    ``attributes`` are (name, value) pairs (stored sorted by name); ``relationships`` are
    (object_id, qualifier) pairs (stored sorted), at most one qualifier per object.
    """

    id: str
    type: str
    time: datetime
    attributes: tuple[tuple[str, AttrValue], ...] = ()
    relationships: tuple[Relationship, ...] = ()

    def __post_init__(self) -> None:
        _check_text(self.id, "event.id")
        where = f"event {self.id!r}"
        _check_text(self.type, f"{where}.type")
        _check_aware(self.time, f"{where}.time")
        attrs = tuple(sorted(self.attributes, key=lambda kv: kv[0]))
        seen: set[str] = set()
        for name, value in attrs:
            _check_attribute_name(name, f"{where}.attributes")
            attribute_kind(value, f"{where}.attributes.{name}")
            if name.lower() in seen:
                raise OcelError(f"{where}.attributes.{name}", "duplicate attribute name")
            seen.add(name.lower())
        rels = _relationships(self.relationships, f"{where}.relationships")
        objects = [oid for oid, _ in rels]
        if len(set(objects)) != len(objects):
            twice = sorted({o for o in objects if objects.count(o) > 1})
            raise OcelError(
                f"{where}.relationships",
                f"one qualifier per object, but {twice} appear more than once",
            )
        object.__setattr__(self, "attributes", attrs)
        object.__setattr__(self, "relationships", rels)

    def attribute(self, name: str) -> AttrValue | None:
        """The value of attribute ``name``, or ``None``."""
        for key, value in self.attributes:
            if key == name:
                return value
        return None

    @property
    def object_ids(self) -> tuple[str, ...]:
        return tuple(oid for oid, _ in self.relationships)


@dataclass(frozen=True)
class ObjectAttribute:
    """A value of an object attribute, holding from ``time`` on (``None``: from the start)."""

    name: str
    value: AttrValue
    time: datetime | None = None


def _attribute_sort_key(a: ObjectAttribute) -> tuple[str, int, datetime]:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return (a.name, 0 if a.time is None else 1, epoch if a.time is None else a.time)


@dataclass(frozen=True)
class OcelObject:
    """A business object (order, invoice, item, supplier...) with timed attributes and O2O links."""

    id: str
    type: str
    attributes: tuple[ObjectAttribute, ...] = ()
    relationships: tuple[Relationship, ...] = ()

    def __post_init__(self) -> None:
        _check_text(self.id, "object.id")
        where = f"object {self.id!r}"
        _check_text(self.type, f"{where}.type")
        for a in self.attributes:
            if not isinstance(a, ObjectAttribute):
                raise OcelError(f"{where}.attributes", "must be ObjectAttribute values")
            _check_attribute_name(a.name, f"{where}.attributes")
            attribute_kind(a.value, f"{where}.attributes.{a.name}")
            if a.time is not None:
                _check_aware(a.time, f"{where}.attributes.{a.name}.time")
        attrs = tuple(sorted(self.attributes, key=_attribute_sort_key))
        spelling: dict[str, str] = {}
        kinds: dict[str, set[str]] = defaultdict(set)
        for a in attrs:
            if spelling.setdefault(a.name.lower(), a.name) != a.name:
                raise OcelError(f"{where}.attributes.{a.name}", "names differ only in case")
            kinds[a.name].add(attribute_kind(a.value, a.name))
        for name, ks in kinds.items():
            if len(ks) > 1:
                raise OcelError(f"{where}.attributes.{name}", f"mixed types {sorted(ks)}")
        times = [(a.name, a.time) for a in attrs]
        if len(set(times)) != len(times):
            raise OcelError(f"{where}.attributes", "two values of one attribute at the same time")
        rels = _relationships(self.relationships, f"{where}.relationships")
        if len(set(rels)) != len(rels):
            raise OcelError(f"{where}.relationships", "duplicate (object_id, qualifier) pair")
        object.__setattr__(self, "attributes", attrs)
        object.__setattr__(self, "relationships", rels)

    def value_at(self, name: str, at: datetime | None = None) -> AttrValue | None:
        """The value of ``name`` in force at ``at`` (the latest value when ``at`` is None)."""
        current: AttrValue | None = None
        for a in self.attributes:
            if a.name == name and (a.time is None or at is None or a.time <= at):
                current = a.value
        return current


def check_log(events: Iterable[OcelEvent], objects: Iterable[OcelObject]) -> list[Problem]:
    """Every problem with these events and objects taken together (empty when they fit)."""
    problems: list[Problem] = []
    object_type: dict[str, str] = {}
    for o in objects:
        if o.id in object_type:
            problems.append(Problem(f"object {o.id!r}", "duplicate object id"))
        object_type[o.id] = o.type
    event_ids: set[str] = set()
    for e in events:
        where = f"event {e.id!r}"
        if e.id in event_ids:
            problems.append(Problem(where, "duplicate event id"))
        event_ids.add(e.id)
        if not e.relationships:
            problems.append(Problem(f"{where}.relationships", "an event must touch an object"))
        for oid, _ in e.relationships:
            if oid not in object_type:
                problems.append(Problem(f"{where}.relationships", f"unknown object {oid!r}"))
    for o in objects:
        for oid, _ in o.relationships:
            if oid not in object_type:
                problems.append(
                    Problem(f"object {o.id!r}.relationships", f"unknown object {oid!r}")
                )
    for kind, names in (("event", _event_attr_kinds(events)), ("object", _obj_attr_kinds(objects))):
        for type_name, attrs in sorted(names.items()):
            by_lower: dict[str, set[str]] = defaultdict(set)
            for name, kinds in sorted(attrs.items()):
                by_lower[name.lower()].add(name)
                if len(kinds) > 1:
                    problems.append(
                        Problem(
                            f"{kind} type {type_name!r}.{name}",
                            f"attribute has mixed types {sorted(kinds)}",
                        )
                    )
            for spellings in by_lower.values():
                if len(spellings) > 1:
                    problems.append(
                        Problem(
                            f"{kind} type {type_name!r}",
                            f"attribute names differ only in case: {sorted(spellings)}",
                        )
                    )
    return problems


def _event_attr_kinds(events: Iterable[OcelEvent]) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        _ = out[e.type]  # an event type without attributes is still a type
        for name, value in e.attributes:
            out[e.type][name].add(attribute_kind(value, name))
    return out


def _obj_attr_kinds(objects: Iterable[OcelObject]) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for o in objects:
        _ = out[o.type]  # an object type without attributes is still a type
        for a in o.attributes:
            out[o.type][a.name].add(attribute_kind(a.value, a.name))
    return out


@dataclass(frozen=True)
class Log:
    """An object-centric event log: events (kept in time order) and objects (sorted by id).

    Raises :class:`InvalidLog` with every problem when the parts do not fit (see
    :func:`check_log`).
    """

    events: tuple[OcelEvent, ...] = ()
    objects: tuple[OcelObject, ...] = ()
    _index: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        events = tuple(sorted(self.events, key=lambda e: e.time))  # stable: ties keep log order
        objects = tuple(sorted(self.objects, key=lambda o: o.id))
        problems = check_log(events, objects)
        if problems:
            raise InvalidLog(problems)
        index: dict[str, list[int]] = {o.id: [] for o in objects}
        for i, e in enumerate(events):
            for oid in e.object_ids:
                index[oid].append(i)
        object.__setattr__(self, "events", events)
        object.__setattr__(self, "objects", objects)
        object.__setattr__(self, "_index", {k: tuple(v) for k, v in index.items()})

    @cached_property
    def _objects_by_id(self) -> dict[str, OcelObject]:
        return {o.id: o for o in self.objects}

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(sorted({e.type for e in self.events}))

    @property
    def object_types(self) -> tuple[str, ...]:
        return tuple(sorted({o.type for o in self.objects}))

    def object(self, object_id: str) -> OcelObject:
        try:
            return self._objects_by_id[object_id]
        except KeyError:
            raise OcelError("object_id", f"no object {object_id!r} in the log") from None

    def objects_of_type(self, object_type: str) -> tuple[OcelObject, ...]:
        return tuple(o for o in self.objects if o.type == object_type)

    def events_of(self, object_id: str) -> tuple[OcelEvent, ...]:
        """The events touching ``object_id``, in log order (its trace)."""
        if object_id not in self._index:
            raise OcelError("object_id", f"no object {object_id!r} in the log")
        return tuple(self.events[i] for i in self._index[object_id])

    def traces(self, object_type: str) -> Iterator[tuple[OcelObject, tuple[OcelEvent, ...]]]:
        """Each object of ``object_type`` (by id) with its events in log order."""
        for o in self.objects:
            if o.type == object_type:
                yield o, tuple(self.events[i] for i in self._index[o.id])

    @property
    def e2o_count(self) -> int:
        return sum(len(e.relationships) for e in self.events)

    @property
    def o2o_count(self) -> int:
        return sum(len(o.relationships) for o in self.objects)

    def between(self, start: datetime | None = None, end: datetime | None = None) -> Log:
        """The events with ``start <= time < end`` (either bound may be None) and their objects.

        Objects are kept when a kept event touches them; O2O relationships when both ends are
        kept; object attribute values when they hold before ``end`` (the state known by then).
        """
        if start is not None:
            _check_aware(start, "start")
        if end is not None:
            _check_aware(end, "end")
        if start is not None and end is not None and end < start:
            raise OcelError("end", f"window ends ({end}) before it starts ({start})")
        events = tuple(
            e
            for e in self.events
            if (start is None or e.time >= start) and (end is None or e.time < end)
        )
        kept = {oid for e in events for oid in e.object_ids}
        objects = []
        for o in self.objects:
            if o.id not in kept:
                continue
            attrs = tuple(a for a in o.attributes if a.time is None or end is None or a.time < end)
            rels = tuple(r for r in o.relationships if r[0] in kept)
            objects.append(OcelObject(o.id, o.type, attrs, rels))
        return Log(events, tuple(objects))


# ---------------------------------------------------------------------------------------------
# Schema shared by both writers


def event_attribute_types(log: Log) -> dict[str, dict[str, str]]:
    """``{event type: {attribute: OCEL type}}``, sorted by name at both levels."""
    raw = _event_attr_kinds(log.events)
    return {t: {n: next(iter(k)) for n, k in sorted(raw[t].items())} for t in sorted(raw)}


def object_attribute_types(log: Log) -> dict[str, dict[str, str]]:
    """``{object type: {attribute: OCEL type}}``, sorted by name at both levels."""
    raw = _obj_attr_kinds(log.objects)
    return {t: {n: next(iter(k)) for n, k in sorted(raw[t].items())} for t in sorted(raw)}


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def format_time_json(t: datetime) -> str:
    return format_time_sqlite(t).replace(" ", "T") + "Z"


def format_time_sqlite(t: datetime) -> str:
    u = _utc(t)
    return u.strftime("%Y-%m-%d %H:%M:%S") + (f".{u.microsecond:06d}" if u.microsecond else "")


# ---------------------------------------------------------------------------------------------
# OCEL 2.0 JSON


_text = json.encoder.encode_basestring  # a JSON string literal, UTF-8 kept (C-accelerated)


def json_value(value: AttrValue) -> str:
    """An attribute value as a JSON token; a Decimal keeps its exact digits (``12.50``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation: "1E+3" -> "1000"
    if isinstance(value, datetime):
        return _text(format_time_json(value))
    return _text(value)


def _json_relationships(pairs: tuple[Relationship, ...]) -> str:
    return ", ".join(f'{{"objectId": {_text(o)}, "qualifier": {_text(q)}}}' for o, q in pairs)


def _json_types(schema: dict[str, dict[str, str]]) -> list[str]:
    return [
        f'{{"name": {_text(t)}, "attributes": ['
        + ", ".join(f'{{"name": {_text(n)}, "type": "{k}"}}' for n, k in attrs.items())
        + "]}"
        for t, attrs in schema.items()
    ]


def _json_object(o: OcelObject) -> str:
    attrs = ", ".join(
        f'{{"name": {_text(a.name)}, '
        f'"time": "{EPOCH_JSON if a.time is None else format_time_json(a.time)}", '
        f'"value": {json_value(a.value)}}}'
        for a in o.attributes
    )
    return (
        f'{{"id": {_text(o.id)}, "type": {_text(o.type)}, "attributes": [{attrs}], '
        f'"relationships": [{_json_relationships(o.relationships)}]}}'
    )


def _json_event(e: OcelEvent) -> str:
    attrs = ", ".join(f'{{"name": {_text(n)}, "value": {json_value(v)}}}' for n, v in e.attributes)
    return (
        f'{{"id": {_text(e.id)}, "type": {_text(e.type)}, "time": "{format_time_json(e.time)}", '
        f'"attributes": [{attrs}], "relationships": [{_json_relationships(e.relationships)}]}}'
    )


def to_ocel_json(log: Log) -> str:
    """The log as OCEL 2.0 JSON text: one type, object or event per line, ending in a newline.

    Written directly rather than through ``json.dumps`` so that a Decimal goes out with its exact
    digits and no binary float is made.
    """
    sections = (
        ("objectTypes", _json_types(object_attribute_types(log))),
        ("eventTypes", _json_types(event_attribute_types(log))),
        ("objects", [_json_object(o) for o in log.objects]),
        ("events", [_json_event(e) for e in log.events]),
    )
    parts = []
    for key, items in sections:
        body = "".join(("," if i else "") + "\n    " + item for i, item in enumerate(items))
        parts.append(f'  "{key}": [{body}\n  ]' if items else f'  "{key}": []')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def save_ocel_json(log: Log, path: str | os.PathLike[str]) -> None:
    """Write :func:`to_ocel_json` to ``path`` (replaced atomically)."""
    _replace_atomically(Path(path), lambda tmp: tmp.write_text(to_ocel_json(log), "utf-8"))


# ---------------------------------------------------------------------------------------------
# OCEL 2.0 SQLite (the layout of the standard, as pm4py reads and writes it)

_STRIP = re.compile(r"[^0-9A-Za-z]+")


def type_table_names(type_names: Iterable[str]) -> dict[str, str]:
    """Map each type name to a table-name suffix: letters and digits, one-to-one.

    ``"goods receipt"`` becomes ``"GoodsReceipt"`` (as pm4py does); names that clash ignoring
    case get ``_2``, ``_3``... in sorted order.
    """
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(type_names):
        base = _STRIP.sub("", "".join(w.capitalize() for w in name.split(" ")))[:100] or "Type"
        candidate, n = base, 2
        while candidate.casefold() in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate.casefold())
        mapping[name] = candidate
    return mapping


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_value(value: AttrValue | None) -> object:
    if value is None or isinstance(value, str | int):  # bool is an int: stored 0/1
        return value
    if isinstance(value, Decimal):
        return float(value)  # the export boundary: SQLite REAL (see the module docstring)
    return format_time_sqlite(value)


def write_ocel_sqlite(log: Log, conn: sqlite3.Connection) -> None:
    """Write the log into an empty SQLite database as OCEL 2.0, in one transaction.

    Tables: ``event``, ``object``, ``event_object``, ``object_object``, ``event_map_type``,
    ``object_map_type``, one ``event_<T>`` per event type and one ``object_<T>`` per object type
    (``<T>`` from :func:`type_table_names`). Each ``object_<T>`` holds the initial row of every
    object (``ocel_time`` = the epoch, ``ocel_changed_field`` NULL, initial attribute values) and
    one row per timed change (``ocel_changed_field`` = the attribute, only that column set).
    """
    existing = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()
    if existing[0]:
        raise OcelError("conn", "the database already has tables; write into an empty one")
    event_schema = event_attribute_types(log)
    object_schema = object_attribute_types(log)
    event_tables = type_table_names(event_schema)
    object_tables = type_table_names(object_schema)
    with conn:
        c = conn.cursor()
        c.execute("CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
        c.execute("CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
        c.execute(
            "CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, "
            "ocel_qualifier TEXT, PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier))"
        )
        c.execute(
            "CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, "
            "ocel_qualifier TEXT, PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier))"
        )
        c.execute("CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
        c.execute("CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
        c.executemany("INSERT INTO event_map_type VALUES (?, ?)", sorted(event_tables.items()))
        c.executemany("INSERT INTO object_map_type VALUES (?, ?)", sorted(object_tables.items()))
        c.executemany("INSERT INTO event VALUES (?, ?)", [(e.id, e.type) for e in log.events])
        c.executemany("INSERT INTO object VALUES (?, ?)", [(o.id, o.type) for o in log.objects])
        c.executemany(
            "INSERT INTO event_object VALUES (?, ?, ?)",
            [(e.id, oid, q) for e in log.events for oid, q in e.relationships],
        )
        c.executemany(
            "INSERT INTO object_object VALUES (?, ?, ?)",
            [(o.id, oid, q) for o in log.objects for oid, q in o.relationships],
        )
        for event_type, attrs in event_schema.items():
            table = _q("event_" + event_tables[event_type])
            cols = ["ocel_id TEXT PRIMARY KEY", "ocel_time TIMESTAMP"]
            cols += [f"{_q(n)} {_SQL_TYPES[k]}" for n, k in attrs.items()]
            c.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
            rows = [
                (e.id, format_time_sqlite(e.time), *(_sql_value(e.attribute(n)) for n in attrs))
                for e in log.events
                if e.type == event_type
            ]
            marks = ", ".join("?" * (2 + len(attrs)))
            c.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        for object_type, attrs in object_schema.items():
            table = _q("object_" + object_tables[object_type])
            cols = ["ocel_id TEXT", "ocel_time TIMESTAMP", "ocel_changed_field TEXT"]
            cols += [f"{_q(n)} {_SQL_TYPES[k]}" for n, k in attrs.items()]
            c.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
            names = list(attrs)
            rows2: list[tuple[object, ...]] = []
            for o in log.objects:
                if o.type != object_type:
                    continue
                initial = {a.name: a.value for a in o.attributes if a.time is None}
                rows2.append(
                    (o.id, EPOCH_SQLITE, None, *(_sql_value(initial.get(n)) for n in names))
                )
                for a in o.attributes:
                    if a.time is not None:
                        values = [_sql_value(a.value) if n == a.name else None for n in names]
                        rows2.append((o.id, format_time_sqlite(a.time), a.name, *values))
            marks = ", ".join("?" * (3 + len(names)))
            c.executemany(f"INSERT INTO {table} VALUES ({marks})", rows2)


def save_ocel_sqlite(log: Log, path: str | os.PathLike[str]) -> None:
    """Write the log as an OCEL 2.0 SQLite file at ``path`` (replaced atomically)."""

    def write(tmp: Path) -> None:
        conn = sqlite3.connect(tmp)
        try:
            write_ocel_sqlite(log, conn)
        finally:
            conn.close()

    _replace_atomically(Path(path), write)


def _replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        tmp.unlink()  # sqlite3 wants to create the file itself
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
