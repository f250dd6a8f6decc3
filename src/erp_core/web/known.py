"""The books "as known at" a log position, for every page of the console and its API.

An auditor asks what the books said at some point of the log: before a correction, at the time
a report was signed. The console answers it with the whole facade, not a few reports:
`Erp.as_known_at` (`erp_core.api.BooksAt`) copies the log's first events up to the position,
as stored (bytes and chain rows), into a scratch SQLite database and opens the books on that
copy, so every report, the documents' trails, the process maps, the KPIs and the chain's
verification read exactly what the log held then, and the projections are rebuilt by the same
code that keeps the live ones. Who may see what is never taken from the past: every report
asks the live books.

The log never changes below its head, so a copy stays right for as long as the console runs:
`KnownAtCache` keeps the last few, one per position.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from erp_core.kernel.errors import ValidationError

if TYPE_CHECKING:
    from erp_core.api import BooksAt, Erp

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
        books = live.as_known_at(position)
        self.books[position] = books
        while len(self.books) > self.size:
            _, oldest = self.books.popitem(last=False)
            oldest.close()
        return books

    def close(self) -> None:
        while self.books:
            _, books = self.books.popitem()
            books.close()
