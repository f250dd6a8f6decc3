"""Identities that cannot be typed in (Ed25519-signed actions; the PostgreSQL session user, in
test_access_database_identity.py) and refused attempts recorded for the auditor."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from erp_core.projections.access import refusals

from erp_core import Erp
from erp_core.access.events import ActionSigned, AttemptRefused
from erp_core.access.identity import canonical, new_key_pair, sign, signature_problems
from erp_core.access.tokens import create_token
from erp_core.api import parse_action
from erp_core.cli import cli
from erp_core.kernel.errors import AccessDenied, ErpError, ValidationError


def events_of(erp: Erp, cls: type) -> list:
    return [e for r in erp.store.iter_log() if isinstance(e := r.event(), cls)]


class Signed:
    """A company requiring signatures: tester (administrator) and bob (warehouse keeper), each
    with a token and a key."""

    def __init__(self, erp: Erp, clock: Callable[[], dt.datetime]) -> None:
        self.erp = erp
        self.clock = clock
        erp.create_user(code="bob", name="Bob")
        erp.grant_role(user="bob", role="warehouse_keeper")
        self.tokens = {u: create_token(erp, u) for u in ("tester", "bob")}
        self.keys: dict[str, bytes] = {}
        for user in ("tester", "bob"):
            pem, public = new_key_pair()
            erp.register_signing_key(user=user, public_key=public)
            self.keys[user] = pem
        erp.configure_access(require_signatures=True)
        erp.enable_access_control()
        self.opened: list[Erp] = []

    def login(self, user: str) -> Erp:
        books = Erp.open(self.erp.url.raw, token=self.tokens[user], clock=self.clock)
        self.opened.append(books)
        return books

    def signed(self, user: str, data: dict[str, object], key: bytes | None = None) -> dict:
        line = {**data, "idempotency_key": data.get("idempotency_key", f"k-{len(str(data))}")}
        text = canonical(parse_action(line), user)
        return {**line, "signature": sign(key or self.keys[user], text)}


@pytest.fixture
def signed(erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[Signed]:
    company = Signed(erp, clock)
    yield company
    for books in company.opened:
        books.close()


WAREHOUSE = {"action": "register_warehouse", "code": "EAST", "name": "East depot"}


def test_a_signed_action_is_verified_and_its_signature_kept(signed: Signed) -> None:
    bob = signed.login("bob")
    bob.apply(signed.signed("bob", WAREHOUSE))
    [kept] = events_of(signed.erp, ActionSigned)
    assert kept.actor == "bob" and kept.action == "register_warehouse"
    assert json.loads(kept.content)["action"]["code"] == "EAST"
    # the auditor re-verifies it from the log alone
    verified, problems = signature_problems(
        (r.position, r.event()) for r in signed.erp.store.iter_log()
    )
    assert (verified, problems) == (1, [])


def test_unsigned_forged_and_altered_actions_are_refused_and_store_nothing(
    signed: Signed,
) -> None:
    bob = signed.login("bob")
    before = signed.erp.store.last_position()
    attempts = {
        "carries no signature": {**WAREHOUSE, "idempotency_key": "a"},
        # signed with tester's key, claimed by bob: a forgery
        "does not verify": signed.signed("bob", WAREHOUSE, key=signed.keys["tester"]),
        # signed by bob, then the content changed
        "does not verify with any": {**signed.signed("bob", WAREHOUSE), "name": "Changed"},
        "needs an idempotency_key": {
            **WAREHOUSE,
            "signature": sign(signed.keys["bob"], canonical(parse_action(WAREHOUSE), "bob")),
        },
    }
    for message, line in attempts.items():
        with pytest.raises(AccessDenied, match=message):
            bob.apply(line)
    assert signed.erp.store.last_position() == before


def test_a_signature_is_bound_to_its_actor(signed: Signed) -> None:
    """bob's valid signature replayed under tester's token does not act as tester."""
    line = signed.signed("bob", WAREHOUSE)
    with pytest.raises(AccessDenied, match="does not verify"):
        signed.login("tester").apply(line)


def test_a_revoked_key_signs_nothing_more(signed: Signed) -> None:
    admin = signed.login("tester")
    [key] = [k for k in admin.ledger.load(type_access(), "access").keys.values() if k.user == "bob"]
    admin.apply(signed.signed("tester", {"action": "revoke_signing_key", "key_id": key.key_id}))
    with pytest.raises(AccessDenied, match="no signing key registered"):
        signed.login("bob").apply(signed.signed("bob", WAREHOUSE))


def type_access() -> type:
    from erp_core.access.domain import Access

    return Access


def test_bad_keys_are_refused(erp: Erp) -> None:
    for bad, message in (
        ("zz" * 32, "64 hex digits"),
        ("ab" * 31, "64 hex digits"),
        ("", "64 hex digits"),
    ):
        with pytest.raises(ValidationError, match=message):
            erp.apply({"action": "register_signing_key", "user": "tester", "public_key": bad})
    _pem, public = new_key_pair()
    erp.register_signing_key(user="tester", public_key=public)
    with pytest.raises(ValidationError, match="registered already"):
        erp.register_signing_key(user="tester", public_key=public)
    with pytest.raises(ValidationError, match="unknown user"):
        erp.register_signing_key(user="nobody", public_key=new_key_pair()[1])


def test_requiring_signatures_without_a_key_would_lock_out_and_is_refused(
    erp: Erp, clock: Callable[[], dt.datetime]
) -> None:
    token = create_token(erp, "tester")
    erp.enable_access_control()
    with Erp.open(erp.url.raw, token=token, clock=clock) as admin:
        with pytest.raises(ValidationError, match="tester has no signing key registered"):
            admin.configure_access(require_signatures=True)
        admin.configure_access(record_refusals=True)  # other settings: fine
        with pytest.raises(ValidationError, match="these already"):
            admin.configure_access(record_refusals=True)


def test_the_command_line_signs_a_file_and_the_auditor_verifies_it(
    signed: Signed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "bob.pem"
    key.write_bytes(signed.keys["bob"])
    actions = tmp_path / "actions.jsonl"
    actions.write_text(json.dumps(WAREHOUSE) + "\n")
    runner = CliRunner()
    monkeypatch.setenv("ERP_DATABASE_URL", signed.erp.url.raw)
    made = runner.invoke(cli, ["--actor", "bob", "sign", str(actions), "--key", str(key)])
    assert made.exit_code == 0, made.output
    line = json.loads(made.output.splitlines()[0])
    assert line["signature"] and line["idempotency_key"].startswith("signed:")
    (tmp_path / "signed.jsonl").write_text(made.output)
    monkeypatch.setenv("ERP_TOKEN", signed.tokens["bob"])
    applied = runner.invoke(cli, ["apply", str(tmp_path / "signed.jsonl")])
    assert applied.exit_code == 0, applied.output
    # the same signed file again: its idempotency key stores it once
    assert runner.invoke(cli, ["apply", str(tmp_path / "signed.jsonl")]).exit_code == 0
    assert len(events_of(signed.erp, ActionSigned)) == 1
    monkeypatch.setenv("ERP_TOKEN", signed.tokens["tester"])
    verified = runner.invoke(cli, ["audit", "verify", "--signatures"])
    assert verified.exit_code == 0, verified.output
    assert "OK: 1 signed action(s) verified" in verified.output


def test_the_auditor_finds_an_unsigned_save_and_a_bad_signature() -> None:
    from erp_core.access.events import (
        AccessConfigured,
        AccessControlEnabled,
        SigningKeyRegistered,
    )
    from erp_core.inventory.events import WarehouseRegistered

    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    pem, public = new_key_pair()
    content = json.dumps({"actor": "bob", "action": {"action": "x"}})
    log = [
        SigningKeyRegistered(actor="a", recorded_at=at, user="bob", key_id="k1", public_key=public),
        AccessConfigured(actor="a", recorded_at=at, require_signatures=True),
        AccessControlEnabled(actor="a", recorded_at=at),
        # a good signature with its save's event
        ActionSigned(
            actor="bob",
            recorded_at=at + dt.timedelta(seconds=1),
            action="x",
            content=content,
            key_id="k1",
            signature=sign(pem, content),
        ),
        # a save with no signature (written around the program)
        WarehouseRegistered(
            actor="bob", recorded_at=at + dt.timedelta(seconds=2), code="W", name="W"
        ),
        # a signature over other content
        ActionSigned(
            actor="bob",
            recorded_at=at + dt.timedelta(seconds=3),
            action="x",
            content=content.replace("x", "y"),
            key_id="k1",
            signature=sign(pem, content),
        ),
    ]
    verified, problems = signature_problems(enumerate(log, 1))
    assert verified == 1
    assert [p for p, _ in problems] == [5, 6]
    assert "without a signature" in problems[0][1] and "does not verify" in problems[1][1]


# --- refused attempts -------------------------------------------------------------------------


@pytest.fixture
def recording(erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[tuple[Erp, dict[str, str]]]:
    erp.create_user(code="dave", name="Dave")
    erp.grant_role(user="dave", role="auditor")
    tokens = {u: create_token(erp, u) for u in ("tester", "dave")}
    erp.configure_access(record_refusals=True)
    erp.enable_access_control()
    yield erp, tokens


def test_a_refused_attempt_is_recorded_without_the_action(
    recording: tuple[Erp, dict[str, str]], clock: Callable[[], dt.datetime]
) -> None:
    erp, tokens = recording
    dave = Erp.open(erp.url.raw, token=tokens["dave"], clock=clock)
    typed = Erp.open(erp.url.raw, actor="mallory", clock=clock)
    try:
        secret = "Secret Depot Name"
        with pytest.raises(AccessDenied, match="dave may not register_warehouse"):
            dave.register_warehouse(code="EAST", name=secret)
        with pytest.raises(AccessDenied, match="mallory is not a user"):
            typed.register_warehouse(code="EAST", name=secret)
        # an all-or-nothing batch refused for access is recorded too
        with pytest.raises(ErpError, match="dave may not"):
            dave.apply_all_or_nothing([{**WAREHOUSE}, {**WAREHOUSE, "code": "WEST"}])
        found = events_of(erp, AttemptRefused)
        assert [(e.actor, e.action, e.permission, e.authenticated) for e in found] == [
            ("dave", "register_warehouse", "register_warehouse", True),
            ("mallory", "register_warehouse", "authentication", False),
            ("dave", "register_warehouse", "register_warehouse", True),
        ]
        assert "no role of theirs" in found[0].rule
        # nothing of the refused action is stored: not its content, not its warehouse
        raw = b"".join(r.state for r in erp.store.iter_log())
        assert secret.encode() not in raw
        assert b"EAST" not in raw
        # and the auditor's report lists them
        with Erp.open(erp.url.raw, token=tokens["tester"], clock=clock) as admin:
            report = admin.query(refusals)
        assert [(r.actor, r.action) for r in report] == [
            ("dave", "register_warehouse"),
            ("mallory", "register_warehouse"),
            ("dave", "register_warehouse"),
        ]
    finally:
        dave.close()
        typed.close()


def test_refusals_are_not_recorded_unless_the_company_asks(erp: Erp) -> None:
    create_token(erp, "tester")
    erp.create_user(code="dave", name="Dave")
    erp.enable_access_control()
    erp.ledger.credential = None
    before = erp.store.last_position()
    with pytest.raises(AccessDenied):
        erp.register_warehouse(code="EAST", name="East")
    assert erp.store.last_position() == before


def test_a_held_action_applied_by_a_signed_approval_verifies(signed: Signed) -> None:
    """The last approval applies a held voucher as its submitter, in the approver's save: the
    auditor finds that save signed (by the approver) and every signature valid."""
    admin, bob = signed.login("tester"), signed.login("bob")
    workflow = {
        "action": "define_approval_workflow",
        "document_type": "journal_voucher",
        "levels": [{"above": "10000", "role": "warehouse_keeper"}],
        "idempotency_key": "wf",
    }
    admin.apply(signed.signed("tester", workflow))
    held = {
        "action": "post_voucher",
        "date": "2026-03-02",
        "lines": [{"account": "6200", "debit": "20000"}, {"account": "1120", "credit": "20000"}],
    }
    submit = {
        "action": "submit_for_approval",
        "document_type": "journal_voucher",
        "held": held,
        "idempotency_key": "sub",
    }
    request = admin.apply(signed.signed("tester", submit)).documents[0]
    approve = {
        "action": "approve_document",
        "document_type": "journal_voucher",
        "document": request,
        "idempotency_key": "ok",
    }
    assert len(bob.apply(signed.signed("bob", approve)).documents) == 2
    assert admin.verify_signatures() == (3, [])


def test_a_refused_report_is_recorded_too(
    recording: tuple[Erp, dict[str, str]], clock: Callable[[], dt.datetime]
) -> None:
    from erp_core.projections.payroll import payslips

    erp, tokens = recording
    with Erp.open(erp.url.raw, token=tokens["dave"], clock=clock) as dave:
        dave.trial_balance()  # allowed: nothing recorded
        with pytest.raises(AccessDenied, match="personal data"):
            dave.query(payslips, "2026-03")
    with (
        Erp.open(erp.url.raw, actor="mallory", clock=clock) as typed,
        pytest.raises(AccessDenied, match="mallory is not a user"),
    ):
        typed.trial_balance()
    found = events_of(erp, AttemptRefused)
    assert [(e.actor, e.action, e.permission, e.authenticated) for e in found] == [
        ("dave", "report:payslips", "report:payslips", True),
        ("mallory", "report:trial-balance", "authentication", False),
    ]
