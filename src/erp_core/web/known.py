"""The books "as known at" a log position, for every page of the console and its API.

An auditor asks what the books said at some point of the log: before a correction, at the time
a report was signed. `BooksAt` answers it with the whole facade, not a few reports: the log's
first events up to the position, copied as stored (bytes and chain rows) into a scratch SQLite
database, and the books opened on that copy, so every report, the documents' trails, the
process maps, the KPIs and the chain's verification read exactly what the log held then, and
the projections are rebuilt by the same code that keeps the live ones.

Who may see what is never taken from the past: every report asks the live books
(`authorise_report`, `_limit_report`), so a user's permissions and record rules today decide
what they see of the books as they were, and a user who did not exist then still sees them.

The log never changes below its head, so a copy stays right for as long as the console runs:
`KnownAtCache` keeps the last few, one per position.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar

from erp_core.api import Erp
from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from erp_core.access.reading import Scope
    from erp_core.ledger.reports import BalanceSheet, IncomeStatement, TrialBalance

R = TypeVar("R")

CACHED = 4  # copies kept at once (each is a small SQLite file in a temporary folder)


def log_head(erp: Erp) -> int:
    """The live log's last position."""
    from sqlalchemy import text

    from erp_core.audit.verify import EVENTS_TABLE, _position_column

    with erp.reader.engine.connect() as conn:
        pos = _position_column(conn)
        return int(conn.execute(text(f"SELECT MAX({pos}) FROM {EVENTS_TABLE}")).scalar() or 0)


def resolve(erp: Erp, moment: dict[str, Any]) -> int:
    """The log position asked for (`position`, or the last one recorded by `known_at`), checked
    to lie within the log: from its first event to its head."""
    from erp_core.audit import verify as audit

    head = log_head(erp)
    if "position" in moment:
        position = int(moment["position"])
        if position > head:
            raise ValidationError(
                "position", f"the log ends at position {head}: {position} is not known yet"
            )
    else:
        when: dt.datetime = moment["known_at"]
        with erp.reader.engine.connect() as conn:
            position = audit.position_known_at(audit.raw_events(conn, upto=head), when)
    if position < 1:
        raise ValidationError(
            "position" if "position" in moment else "known_at",
            "nothing was in the log yet (its first event is at position 1)",
        )
    return position


def copy_log_prefix(source: Erp, target_url: str, position: int) -> None:
    """Copy the stored events up to `position`, with their chain rows, byte for byte, into the
    empty SQLite database at `target_url` (its event tables created first)."""
    from sqlalchemy import create_engine, text

    from erp_core.audit import verify as audit
    from erp_core.audit.verify import EVENTS_TABLE
    from erp_core.infra.chain import CHAIN_TABLE
    from erp_core.infra.config import parse_url
    from erp_core.infra.store import EventStore

    EventStore(parse_url(target_url)).close()  # the event and chain tables
    insert_event = text(
        f"INSERT INTO {EVENTS_TABLE} (rowid, originator_id, originator_version, topic, state) "
        "VALUES (:p, :s, :v, :t, :b)"
    )
    insert_chain = text(
        f"INSERT INTO {CHAIN_TABLE} (position, stream, hash, previous, link) "
        "VALUES (:p, :s, :h, :r, :l)"
    )
    target = create_engine(target_url)
    try:
        with source.reader.engine.connect() as src, target.begin() as dst:
            batch: list[dict[str, object]] = []
            for e in audit.raw_events(src, upto=position):
                batch.append(
                    {"p": e.position, "s": e.stream, "v": e.version, "t": e.topic, "b": e.state}
                )
                if len(batch) >= 5000:
                    dst.execute(insert_event, batch)
                    batch.clear()
            if batch:
                dst.execute(insert_event, batch)
            links = [
                {"p": p, "s": s, "h": h, "r": r, "l": link}
                for p, s, h, r, link in audit.chain_records(src)
                if p <= position
            ]
            if links:
                dst.execute(insert_chain, links)
    finally:
        target.dispose()


class BooksAt(Erp):
    """The books as the log knew them at `position` (see the module's notes): every report of
    the facade, read from a copy of the log up to it, authorised by the live books."""

    def __init__(self, live: Erp, position: int, scratch_dir: str | None = None) -> None:
        from erp_core.infra.config import parse_url

        self.live = live
        self.position = position
        self._tmp = tempfile.TemporaryDirectory(prefix="erp-known-at-", dir=scratch_dir)
        url = f"sqlite:///{self._tmp.name}/books.sqlite"
        copy_log_prefix(live, url, position)
        super().__init__(parse_url(url), actor=live.actor)
        self.catch_up()  # the projections rebuilt up to the position, once

    def close(self) -> None:
        super().close()
        self._tmp.cleanup()

    # who may see what: always the live books, the request's user acting there
    @property
    def actor(self) -> str:
        return self.live.actor

    @actor.setter
    def actor(self, _value: str) -> None:
        pass  # the user acting is the live books' (`Erp.acting_as` sets it there)

    def authorise_report(self, report: str, area: str | None = None) -> Scope | None:
        return self.live.authorise_report(report, area)

    def _limit_report(self, scope: Scope | None, result: R) -> R:
        return self.live._limit_report(scope, result)

    # the statements say which position they were known at, as `Erp.replay`'s do
    def trial_balance(self, as_of: dt.date | None = None) -> TrialBalance:
        report = super().trial_balance(as_of)
        return report.model_copy(update={"as_known_at": self.position})

    def balance_sheet(self, as_of: dt.date) -> BalanceSheet:
        report = super().balance_sheet(as_of)
        return report.model_copy(update={"as_known_at": self.position})

    def income_statement(self, date_from: dt.date, date_to: dt.date) -> IncomeStatement:
        report = super().income_statement(date_from, date_to)
        return report.model_copy(update={"as_known_at": self.position})


class KnownAtCache:
    """The last few `BooksAt`, one per position (the log below its head never changes)."""

    def __init__(self, size: int = CACHED) -> None:
        self.size = size
        self.books: OrderedDict[int, BooksAt] = OrderedDict()

    def get(self, live: Erp, position: int) -> BooksAt:
        found = self.books.get(position)
        if found is not None:
            self.books.move_to_end(position)
            return found
        books = BooksAt(live, position)
        self.books[position] = books
        while len(self.books) > self.size:
            _, oldest = self.books.popitem(last=False)
            oldest.close()
        return books

    def close(self) -> None:
        while self.books:
            _, books = self.books.popitem()
            books.close()
