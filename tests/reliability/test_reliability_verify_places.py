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
    with books.writer.begin() as conn:  # rows written before the link columns existed
        conn.execute(text("UPDATE event_chain SET previous = NULL, link = NULL"))
    assert books.verify().ok


def _stream_at(erp: Erp, position: int) -> str:
    with erp.writer.begin() as conn:
        return str(
            conn.execute(
                text(f"SELECT originator_id FROM stored_events WHERE {_pos(erp)} = :p"),
                {"p": position},
            ).scalar_one()
        )


def test_a_deleted_event_is_named_by_its_chain_row(books: Erp) -> None:
    target = _doc_position(books, "JV-2026-000003")
    stream = _stream_at(books, target)
    with books.writer.begin() as conn:
        conn.execute(text(f"DELETE FROM stored_events WHERE {_pos(books)} = :p"), {"p": target})
    [problem] = books.verify().problems
    assert (problem.kind, problem.position, problem.stream) == ("deleted", target, stream)
    assert problem.message == f"position {target} (document JV-2026-000003): the event was deleted"


def test_a_deletion_cannot_be_blamed_on_another_document(books: Erp) -> None:
    target = _doc_position(books, "JV-2026-000003")
    with books.writer.begin() as conn:
        conn.execute(text(f"DELETE FROM stored_events WHERE {_pos(books)} = :p"), {"p": target})
        conn.execute(
            text("UPDATE event_chain SET stream = 'doc:JV-2026-000001' WHERE position = :p"),
            {"p": target},
        )
    report = books.verify()
    assert [(p.kind, p.position, p.stream, p.message) for p in report.problems] == [
        (
            "deleted",
            target,
            None,
            f"position {target}: the event was deleted, and its chain record was edited (it "
            "names document JV-2026-000001, which its link does not vouch for)",
        )
    ]


@pytest.mark.parametrize("column", ["stream", "previous"])
def test_an_edited_chain_row_of_an_intact_event_is_the_chain_row(books: Erp, column: str) -> None:
    target = _doc_position(books, "JV-2026-000002")
    value = "'doc:JV-2026-000004'" if column == "stream" else "previous - 1"
    with books.writer.begin() as conn:
        conn.execute(
            text(f"UPDATE event_chain SET {column} = {value} WHERE position = :p"), {"p": target}
        )
    report = books.verify()
    assert [(p.kind, p.position, p.stream, p.message) for p in report.problems] == [
        (
            "chain",
            target,
            "doc:JV-2026-000002",
            f"position {target} (document JV-2026-000002): the chain record was altered "
            "(the event itself is intact)",
        )
    ]


def test_a_book_from_before_links_still_names_the_chain_rows_stream(books: Erp) -> None:
    # rows written before links hold NULL: checked as before (the stream column is taken as
    # it is, see docs/audit.md)
    target = _doc_position(books, "JV-2026-000003")
    with books.writer.begin() as conn:
        conn.execute(text("UPDATE event_chain SET link = NULL"))
        conn.execute(text(f"DELETE FROM stored_events WHERE {_pos(books)} = :p"), {"p": target})
    [problem] = books.verify().problems
    assert (problem.kind, problem.position, problem.stream) == (
        "deleted",
        target,
        "doc:JV-2026-000003",
    )


def _insert_renumbered(erp: Erp, at: int, stream: str) -> None:
    """Slip a forged event in at position `at`, renumbering every event from there on."""
    pos = _pos(erp)
    with erp.writer.begin() as conn:
        topic, state = conn.execute(
            text(f"SELECT topic, state FROM stored_events WHERE {pos} = :p"), {"p": at}
        ).one()
        conn.execute(
            text(f"UPDATE stored_events SET {pos} = -({pos} + 1) WHERE {pos} >= :p"), {"p": at}
        )
        conn.execute(text(f"UPDATE stored_events SET {pos} = -{pos} WHERE {pos} < 0"))
        conn.execute(
            text(
                f"INSERT INTO stored_events ({pos}, originator_id, originator_version, topic, "
                "state) VALUES (:p, :s, 1, :t, :b)"
            ),
            {"p": at, "s": stream, "t": topic, "b": bytes(state)},
        )


def _inserted(position: int) -> tuple[str, int, str, str]:
    return (
        "inserted",
        position,
        "doc:JV-2026-000099",
        f"position {position} (document JV-2026-000099): an event with no chain record was "
        "inserted outside erp_core (the events after it were renumbered)",
    )


def test_one_event_inserted_mid_log_with_the_rest_renumbered_is_one_problem(books: Erp) -> None:
    events = books.verify().events
    target = _doc_position(books, "JV-2026-000003")
    _insert_renumbered(books, target, "doc:JV-2026-000099")
    report = books.verify()
    assert [(p.kind, p.position, p.stream, p.message) for p in report.problems] == [
        _inserted(target)
    ]
    assert report.events == events + 1


def test_after_an_insertion_the_rest_is_still_checked(books: Erp) -> None:
    target = _doc_position(books, "JV-2026-000002")
    _insert_renumbered(books, target, "doc:JV-2026-000099")
    later = _doc_position(books, "JV-2026-000004")  # its position after the renumbering
    with books.writer.begin() as conn:
        state = conn.execute(
            text(f"SELECT state FROM stored_events WHERE {_pos(books)} = :p"), {"p": later}
        ).scalar_one()
        conn.execute(
            text(f"UPDATE stored_events SET state = :s WHERE {_pos(books)} = :p"),
            {"s": bytes(state).replace(b'"4', b'"9'), "p": later},
        )
    report = books.verify()
    assert [(p.kind, p.position, p.stream) for p in report.problems] == [
        _inserted(target)[:3],
        ("altered", later, "doc:JV-2026-000004"),
    ]


def test_an_event_inserted_before_the_last_one_is_one_problem(books: Erp) -> None:
    last = books.verify().head_position
    _insert_renumbered(books, last, "doc:JV-2026-000099")
    assert [(p.kind, p.position, p.stream, p.message) for p in books.verify().problems] == [
        _inserted(last)
    ]
