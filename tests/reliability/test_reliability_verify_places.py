"""Issue 11, item 5: `erp audit verify` names the right place for each tampering.

Trials' style: the events and chain tables are edited with plain SQL, then verified. On SQLite
and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from conftest import make_clock
from sqlalchemy import text

from erp_core import Erp


@pytest.fixture
def books(any_url: str) -> Iterator[Erp]:
    erp = Erp.open(any_url, actor="t", clock=make_clock())
    erp.init("Co", "EUR", dt.date(2026, 1, 1))
    for n in range(1, 6):
        erp.post_voucher(
            "2026-01-05",
            [{"account": "1120", "debit": str(n)}, {"account": "3100", "credit": str(n)}],
        )
    yield erp
    erp.close()


def _pos(erp: Erp) -> str:
    return "notification_id" if erp.url.kind == "postgresql" else "rowid"


def _doc_position(erp: Erp, document: str) -> int:
    return min(e.position for e in erp.trail(document))


def test_an_event_deleted_with_its_chain_row_is_reported_missing(books: Erp) -> None:
    target = _doc_position(books, "JV-2026-000003")
    with books.writer.begin() as conn:
        conn.execute(text(f"DELETE FROM stored_events WHERE {_pos(books)} = :p"), {"p": target})
        conn.execute(text("DELETE FROM event_chain WHERE position = :p"), {"p": target})
    [problem] = books.verify().problems
    assert problem.kind == "deleted"
    assert problem.position == target
    assert problem.message.startswith(f"position {target}, before ")
    assert problem.message.endswith("missing (the event and its chain record were deleted)")


def test_an_overwritten_chain_hash_is_reported_as_the_chain_row(books: Erp) -> None:
    target = _doc_position(books, "JV-2026-000002")
    with books.writer.begin() as conn:
        conn.execute(
            text("UPDATE event_chain SET hash = :h WHERE position = :p"),
            {"h": "ab" * 32, "p": target},
        )
    [problem] = books.verify().problems
    assert (problem.kind, problem.position, problem.stream) == (
        "chain",
        target,
        "doc:JV-2026-000002",
    )
    assert problem.message == (
        f"position {target} (document JV-2026-000002): the chain record was altered "
        "(the event itself is intact)"
    )


def test_an_altered_event_is_still_one_problem_at_its_position(books: Erp) -> None:
    target = _doc_position(books, "JV-2026-000004")
    with books.writer.begin() as conn:
        state = conn.execute(
            text(f"SELECT state FROM stored_events WHERE {_pos(books)} = :p"), {"p": target}
        ).scalar_one()
        forged = bytes(state).replace(b'"4', b'"9')
        assert forged != bytes(state)
        conn.execute(
            text(f"UPDATE stored_events SET state = :s WHERE {_pos(books)} = :p"),
            {"s": forged, "p": target},
        )
    [problem] = books.verify().problems
    assert (problem.kind, problem.position) == ("altered", target)


def test_an_untouched_log_and_a_book_from_before_still_verify(books: Erp) -> None:
    assert books.verify().ok
    with books.writer.begin() as conn:  # rows written before the link column existed
        conn.execute(text("UPDATE event_chain SET previous = NULL"))
    assert books.verify().ok
