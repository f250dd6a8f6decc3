"""Audit on SQLite and PostgreSQL: tampering with stored rows is caught at the right place,
digests catch a rewrite of the events and the chain together, replay reproduces the past."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

from conftest import beancount_weights, make_clock, trial_balance_by_account
from sqlalchemy import Connection, text

from erp_core import Erp
from erp_core.audit.verify import Digest, keygen, load_public_key
from erp_core.infra.chain import CHAIN_TABLE, GENESIS, canonical_bytes, next_hash

D = dt.date


def post(erp: Erp, day: str, amount: str, account: str = "4100") -> str:
    return erp.post_voucher(
        day, [{"account": "1120", "debit": amount}, {"account": account, "credit": amount}]
    ).documents[0]


def books(erp: Erp) -> Erp:
    for i in range(1, 6):
        post(erp, f"2026-0{i}-10", f"{i}00.00")
    return erp


def pos_col(conn: Connection) -> str:
    return "notification_id" if conn.dialect.name == "postgresql" else "rowid"


def tamper(erp: Erp, sql: str, **params: object) -> None:
    with erp.writer.begin() as conn:
        conn.execute(text(sql.replace("{pos}", pos_col(conn))), params)


def position_of(erp: Erp, document: str) -> int:
    with erp.reader.connect() as conn:
        return int(
            conn.execute(
                text(f"SELECT {pos_col(conn)} FROM stored_events WHERE originator_id = :s"),
                {"s": f"doc:{document}"},
            ).scalar_one()
        )


def test_an_untouched_log_verifies_with_its_head(any_erp: Erp) -> None:
    books(any_erp)
    report = any_erp.verify()
    assert report.ok
    assert report.head_position == any_erp.store.last_position()
    assert report.events == any_erp.store.last_position()


def test_a_changed_byte_is_caught_at_its_position_naming_the_document(any_erp: Erp) -> None:
    books(any_erp)
    p = position_of(any_erp, "JV-2026-000003")
    with any_erp.reader.connect() as conn:
        state = bytes(
            conn.execute(
                text(f"SELECT state FROM stored_events WHERE {pos_col(conn)} = :p"), {"p": p}
            ).scalar_one()
        )
    tamper(
        any_erp,
        "UPDATE stored_events SET state = :s WHERE {pos} = :p",
        s=state.replace(b"300.00", b"300.01"),
        p=p,
    )
    report = any_erp.verify()
    assert not report.ok
    first = report.problems[0]
    assert (first.position, first.kind) == (p, "altered")
    assert "document JV-2026-000003" in first.message
    assert len(report.problems) == 1  # later events still match their chain records


def test_a_deleted_event_is_caught(any_erp: Erp) -> None:
    books(any_erp)
    p = position_of(any_erp, "JV-2026-000002")
    tamper(any_erp, "DELETE FROM stored_events WHERE {pos} = :p", p=p)
    first = any_erp.verify().problems[0]
    assert (first.position, first.kind, first.stream) == (p, "deleted", "doc:JV-2026-000002")


def test_an_inserted_event_is_caught(any_erp: Erp) -> None:
    books(any_erp)
    head = any_erp.store.last_position()
    tamper(
        any_erp,
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES ('doc:JV-2026-000099', 1, 'VoucherPosted@1', :s)",
        s=b"{}",
    )
    report = any_erp.verify()
    first = report.problems[0]
    assert first.kind == "inserted" and first.position > head
    assert "document JV-2026-000099" in first.message


def test_two_swapped_events_are_caught_at_the_first(any_erp: Erp) -> None:
    books(any_erp)
    a, b = position_of(any_erp, "JV-2026-000002"), position_of(any_erp, "JV-2026-000004")
    with any_erp.writer.begin() as conn:
        col = pos_col(conn)
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                text(
                    f"SELECT {col}, originator_id, originator_version, topic, state "
                    f"FROM stored_events WHERE {col} IN (:a, :b)"
                ),
                {"a": a, "b": b},
            )
        }
        # move both out of the way of the primary key, then write each into the other's place
        conn.execute(
            text(
                f"UPDATE stored_events SET originator_id = originator_id || '-x' "
                f"WHERE {col} IN (:a, :b)"
            ),
            {"a": a, "b": b},
        )
        for target, source in ((a, b), (b, a)):
            sid, version, topic, state = rows[source]
            conn.execute(
                text(
                    f"UPDATE stored_events SET originator_id = :i, "
                    f"originator_version = :v, topic = :t, state = :s "
                    f"WHERE {col} = :p"
                ),
                {"i": sid, "v": version, "t": topic, "s": state, "p": target},
            )
    report = any_erp.verify()
    assert [(p.position, p.kind) for p in report.problems] == [(a, "altered"), (b, "altered")]


def rechain(erp: Erp) -> None:
    """What a forger who knows the format would do: rewrite the chain to match the events."""
    with erp.writer.begin() as conn:
        col = pos_col(conn)
        rows = conn.execute(
            text(
                f"SELECT {col}, originator_id, originator_version, topic, state FROM stored_events "
                f"ORDER BY {col}"
            )
        ).all()
        conn.execute(text(f"DELETE FROM {CHAIN_TABLE}"))
        h = GENESIS
        for p, s, v, t, b in rows:
            h = next_hash(h, canonical_bytes(p, s, v, t, bytes(b)))
            conn.execute(
                text(f"INSERT INTO {CHAIN_TABLE} (position, stream, hash) VALUES (:p, :s, :h)"),
                {"p": p, "s": s, "h": h},
            )


def test_a_digest_catches_rewriting_the_events_and_the_chain_together(any_erp: Erp) -> None:
    books(any_erp)
    private, public = keygen()
    digest = any_erp.digest(private)
    post(any_erp, "2026-06-10", "50.00")
    trusted = load_public_key(public)
    assert any_erp.verify([digest], trusted).ok  # the log still extends the digest
    p = position_of(any_erp, "JV-2026-000001")
    tamper(any_erp, "DELETE FROM stored_events WHERE {pos} = :p", p=p)
    rechain(any_erp)
    assert any_erp.verify().ok  # consistent on its own...
    report = any_erp.verify([digest], trusted)
    assert not report.ok  # ...but not with what was signed earlier
    assert report.problems[0].kind == "digest"
    assert "rewritten" in report.problems[0].message


def test_a_changed_digest_file_fails_its_signature(any_erp: Erp) -> None:
    books(any_erp)
    private, public = keygen()
    digest = any_erp.digest(private)
    forged = Digest.model_validate({**digest.model_dump(), "position": digest.position - 1})
    report = any_erp.verify([forged], load_public_key(public))
    assert any("signature is not valid" in p.message for p in report.problems)
    other_private, _ = keygen()
    foreign = any_erp.digest(other_private)
    report = any_erp.verify([foreign], load_public_key(public))
    assert any("different key" in p.message for p in report.problems)


def test_replay_as_known_at_a_moment_reproduces_the_reports_byte_for_byte(
    any_url: str,
) -> None:
    clock = make_clock(dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC))
    erp = Erp.open(any_url, actor="t", clock=clock)
    erp.init("Co", "EUR", D(2026, 1, 1))
    books(erp)
    then = (
        erp.trial_balance().model_dump_json(),
        erp.balance_sheet(D(2026, 3, 31)).model_dump_json(),
        erp.income_statement(D(2026, 1, 1), D(2026, 12, 31)).model_dump_json(),
    )
    position, moment = erp.store.last_position(), clock()
    # later: more business, including a voucher back-dated into February
    post(erp, "2026-02-20", "999.00")
    post(erp, "2026-07-01", "10.00")
    assert erp.trial_balance().model_dump_json() != then[0]
    for replay in (erp.replay(position=position), erp.replay(known_at=moment)):
        with replay:
            assert replay.position == position
            again = (
                replay.trial_balance().model_copy(update={"as_known_at": None}),
                replay.balance_sheet(D(2026, 3, 31)).model_copy(update={"as_known_at": None}),
                replay.income_statement(D(2026, 1, 1), D(2026, 12, 31)).model_copy(
                    update={"as_known_at": None}
                ),
            )
            assert tuple(r.model_dump_json() for r in again) == then
    # "the balance sheet at 31 March as known on 10 April" vs as known now
    with erp.replay(known_at=moment) as april:
        assert april.balance_sheet(D(2026, 3, 31)).assets.total == Decimal("600.00")
    assert erp.balance_sheet(D(2026, 3, 31)).assets.total == Decimal("1599.00")
    erp.close()


def test_the_trail_lists_every_event_of_a_document(any_erp: Erp) -> None:
    doc = post(any_erp, "2026-01-10", "10.00")
    reversal = any_erp.reverse_voucher(doc, "2026-01-11").documents[0]
    trail = any_erp.trail(doc)
    assert [e.event for e in trail] == ["VoucherPosted", "VoucherReversed"]
    assert trail[1].details["by_document"] == reversal
    assert trail[0].actor == "tester" and len(trail[0].details["lines"]) == 2  # type: ignore[arg-type]
    assert any_erp.trail("fy:2026")[0].event == "FiscalYearOpened"


def test_beancount_accepts_the_export_and_agrees_with_our_trial_balance(
    any_erp: Erp, tmp_path: object
) -> None:
    books(any_erp)
    any_erp.post_voucher(
        "2026-04-01",
        [
            {"account": "1120", "debit": "0.01", "currency": "USD", "rate": "1.5"},
            {"account": "1110", "debit": "0.01", "currency": "USD", "rate": "1.5"},
            {"account": "4200", "credit": "0.02", "currency": "USD", "rate": "1.5"},
        ],
        memo='a "quoted" memo',
    )
    any_erp.reverse_voucher("JV-2026-000002", "2026-05-01")
    any_erp.close_fiscal_year(2026)
    path = f"{tmp_path}/books.beancount"
    with open(path, "w", encoding="utf-8") as out:
        assert any_erp.export_beancount(out) == 8  # 5 + FX + reversal + closing
    errors, theirs = beancount_weights(path)
    assert errors == []
    assert theirs == trial_balance_by_account(any_erp)


def test_an_unbalanced_export_would_be_refused_by_beancount(tmp_path: object) -> None:
    # The check is not vacuous: beancount rejects a transaction that does not balance.
    path = f"{tmp_path}/bad.beancount"
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            "2026-01-01 open Assets:A\n2026-01-01 open Income:B\n"
            '2026-01-02 * "x"\n  Assets:A  1.00 EUR\n  Income:B  -0.99 EUR\n'
        )
    errors, _ = beancount_weights(path)
    assert errors


def test_export_gl_rows_carry_document_dates_and_actor(erp: Erp) -> None:
    books(erp)
    buffer = io.StringIO()
    from click.testing import CliRunner

    from erp_core.cli import cli

    result = CliRunner().invoke(cli, ["--db", erp.url.raw, "export", "gl", "--format", "csv"])
    assert result.exit_code == 0
    header, first = result.output.splitlines()[:2]
    assert "document" in header and "recorded_at" in header and "actor" in header
    assert first.split(",")[1] == "JV-2026-000001"
    del buffer


ClockFactory = Callable[[], dt.datetime]
