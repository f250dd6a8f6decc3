"""Record rules on reports (erpnext#36930-style leak): a warehouse-limited user sees only its
warehouses' stock through every report, in the library and on the command line, and a role
limited to own documents sees only its own documents where reports list documents."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from click.testing import CliRunner

from erp_core import Erp
from erp_core.access.tokens import create_token
from erp_core.cli import cli
from erp_core.kernel.errors import AccessDenied

D = Decimal


@pytest.fixture
def books(erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[tuple[Erp, dict[str, str]]]:
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs")
    erp.register_warehouse(code="MAIN", name="Main store")
    erp.register_warehouse(code="EAST", name="East depot")
    erp.register_supplier(code="ACME", name="Acme Parts")
    erp.receive_stock(
        date="2026-01-05",
        account="3100",
        lines=[
            {"item": "BOLT", "warehouse": "MAIN", "quantity": "100", "unit_cost": "2.00"},
            {"item": "BOLT", "warehouse": "EAST", "quantity": "7", "unit_cost": "3.00"},
        ],
    )
    erp.define_role(
        code="main_keeper",
        name="Keeper of MAIN",
        permissions=["area:inventory", "report:*"],
        warehouses=["MAIN"],
    )
    erp.define_role(
        code="own_buyer",
        name="Buyer of own orders",
        permissions=["create_purchase_order", "report:*"],
        own_documents_only=True,
    )
    tokens = {"tester": create_token(erp, "tester")}
    for user, role in (("kim", "main_keeper"), ("olga", "own_buyer"), ("pat", "purchasing_clerk")):
        erp.create_user(code=user, name=user.title())
        erp.grant_role(user=user, role=role)
        tokens[user] = create_token(erp, user)
    erp.enable_access_control()
    yield erp, tokens


def login(erp: Erp, token: str, clock: Callable[[], dt.datetime]) -> Erp:
    return Erp.open(erp.url.raw, token=token, clock=clock)


def test_warehouse_limited_user_sees_only_its_warehouse(
    books: tuple[Erp, dict[str, str]], clock: Callable[[], dt.datetime]
) -> None:
    erp, tokens = books
    admin = login(erp, tokens["tester"], clock)
    full = admin.stock_balance(dt.date(2026, 12, 31))
    assert {r.warehouse for r in full.rows} == {"MAIN", "EAST"}
    assert full.total_value == D("221.00")

    kim = login(erp, tokens["kim"], clock)
    mine = kim.stock_balance(dt.date(2026, 12, 31))
    assert {r.warehouse for r in mine.rows} == {"MAIN"}
    assert mine.total_value == D("200.00")  # the total is of what kim sees
    assert {r.warehouse for r in kim.stock_ledger()} == {"MAIN"}
    assert kim.stock_ledger(warehouse="EAST") == []
    # the raw trail of the receipt: the entry naming EAST is left out
    receipt = kim.stock_ledger()[0].document
    for entry in kim.trail(receipt):
        assert "EAST" not in json.dumps(entry.details, default=str)
    # reports that sum every warehouse cannot be limited: refused, not shown
    for attempt in (
        kim.trial_balance,
        lambda: kim.general_ledger(),
        lambda: kim.export_beancount(__import__("io").StringIO()),
        kim.check,
    ):
        with pytest.raises(AccessDenied, match="limited to warehouse.*cannot be limited"):
            attempt()
    # an area's report query through Erp.query is held to the same rule
    from erp_core.projections.operations import stock_value

    with pytest.raises(AccessDenied, match="cannot be limited"):
        kim.query(stock_value)
    for opened in (admin, kim):
        opened.close()


def test_the_command_line_applies_the_same_rule(
    books: tuple[Erp, dict[str, str]], clock: Callable[[], dt.datetime]
) -> None:
    erp, tokens = books
    url = erp.url.raw
    erp.close()
    runner = CliRunner()
    for report in (["stock-balance"], ["stock-ledger"]):
        for fmt in ("json", "csv", "table"):
            out = runner.invoke(
                cli,
                ["--db", url, "--token", tokens["kim"], "report", *report, "--format", fmt],
            )
            assert out.exit_code == 0, out.output
            assert "MAIN" in out.output and "EAST" not in out.output
            everyone = runner.invoke(
                cli,
                ["--db", url, "--token", tokens["tester"], "report", *report, "--format", fmt],
            )
            assert "EAST" in everyone.output
    out = runner.invoke(cli, ["--db", url, "--token", tokens["kim"], "report", "trial-balance"])
    assert out.exit_code == 77


def test_own_documents_role_lists_only_its_documents(
    books: tuple[Erp, dict[str, str]], clock: Callable[[], dt.datetime]
) -> None:
    erp, tokens = books
    olga, pat = login(erp, tokens["olga"], clock), login(erp, tokens["pat"], clock)

    def order(who: Erp) -> str:
        return who.create_purchase_order(
            date="2026-03-02",
            supplier="ACME",
            expected_delivery="2026-03-15",
            lines=[{"item": "BOLT", "quantity": "1", "price": "10.00", "warehouse": "MAIN"}],
        ).documents[0]

    mine, theirs = order(olga), order(pat)
    assert {r.document for r in pat.open_orders()} == {mine, theirs}
    assert {r.document for r in olga.open_orders()} == {mine}
    assert olga.trail(f"po:{mine}")
    with pytest.raises(AccessDenied, match="own documents only"):
        olga.trail(f"po:{theirs}")
    with pytest.raises(AccessDenied, match="own documents only"):
        olga.supplier_ledger("ACME")
    olga.close()
    pat.close()


def test_unlimited_role_beside_a_limited_one_sees_everything(
    books: tuple[Erp, dict[str, str]], clock: Callable[[], dt.datetime]
) -> None:
    erp, tokens = books
    admin = login(erp, tokens["tester"], clock)
    admin.grant_role(user="kim", role="auditor")
    kim = login(erp, tokens["kim"], clock)
    assert {r.warehouse for r in kim.stock_balance(dt.date(2026, 12, 31)).rows} == {
        "MAIN",
        "EAST",
    }
    kim.close()
    admin.close()
