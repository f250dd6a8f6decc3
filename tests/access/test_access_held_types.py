"""Every held document type's workflow, one scenario each beyond the journal voucher: a supplier
invoice of account lines only, a payment, a payroll run and an asset disposal wait for approval
above their level's amount (hand-computed), post at once below it, are never approved by
their submitter, and are applied as their submitter by the approval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from erp_core import Erp
from erp_core.access.events import ActionSubmittedForApproval
from erp_core.assets.events import AssetDisposed
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.events import DomainEvent
from erp_core.payroll.events import PayrollRunPosted
from erp_core.procurement.events import SupplierInvoicePosted, SupplierPaymentPosted

D = Decimal


class Books:
    def __init__(self, erp: Erp, clock: Callable[[], dt.datetime]) -> None:
        self.erp = erp
        self.clock = clock
        self.opened: dict[str, Erp] = {}

    def as_(self, actor: str) -> Erp:
        if actor not in self.opened:
            self.opened[actor] = Erp.open(self.erp.url.raw, actor=actor, clock=self.clock)
        return self.opened[actor]

    def events(self, cls: type[DomainEvent]) -> list[DomainEvent]:
        return [e for r in self.erp.store.iter_log() if isinstance(e := r.event(), cls)]

    def held(self, document_type: str, action: dict[str, object], total: str) -> str:
        """Refused when applied directly (nothing stored), then submitted by alice: the
        request's number, after checking the amount its levels compared."""
        before = self.erp.store.last_position()
        with pytest.raises(ValidationError, match=f"needs approval in the {document_type}"):
            self.as_("alice").apply(action)
        assert self.erp.store.last_position() == before
        request = (
            self.as_("alice")
            .submit_for_approval(document_type=document_type, held=action)
            .documents[0]
        )
        [submitted] = self.events(ActionSubmittedForApproval)[-1:]
        assert isinstance(submitted, ActionSubmittedForApproval)
        assert (submitted.request, submitted.total) == (request, D(total))
        # the submitter holds the approving role too, but never approves her own
        with pytest.raises(AccessDenied, match="segregation of duties"):
            self.as_("alice").approve_document(document_type=document_type, document=request)
        assert self.erp.store.last_position() > before
        return request

    def approve(self, document_type: str, request: str) -> None:
        self.as_("carol").approve_document(document_type=document_type, document=request)


@pytest.fixture
def books(erp: Erp, clock: Callable[[], dt.datetime]) -> Iterator[Books]:
    erp.register_supplier(code="ACME", name="Acme Parts")
    erp.define_role(code="controller", name="Controller", permissions=["report:*"])
    for user, roles in (("alice", ("administrator", "controller")), ("carol", ("controller",))):
        erp.create_user(code=user, name=user.title())
        for role in roles:
            erp.grant_role(user=user, role=role)
    for document_type, above in (
        ("supplier_invoice", "1000.00"),
        ("payment", "1000.00"),
        ("payroll_run", "3000.00"),
        ("asset_disposal", "10000.00"),
    ):
        erp.define_approval_workflow(
            document_type=document_type, levels=[{"above": above, "role": "controller"}]
        )
    team = Books(erp, clock)
    yield team
    for opened in team.opened.values():
        opened.close()


def invoice(reference: str, *amounts: str) -> dict[str, object]:
    return {
        "action": "post_supplier_invoice",
        "supplier": "ACME",
        "supplier_reference": reference,
        "date": "2026-03-02",
        "account_lines": [{"account": "6200", "amount": a} for a in amounts],
    }


def test_a_supplier_invoice_of_account_lines_is_held_by_its_amount(books: Books) -> None:
    """No printed total and no order lines: its account lines are its amount (1,200.00 +
    800.00 = 2,000.00), so a service invoice cannot slip past the threshold."""
    books.as_("alice").apply(invoice("S-1", "600.00", "400.00"))  # 1,000.00: not above
    request = books.held("supplier_invoice", invoice("S-2", "1200.00", "800.00"), "2000.00")
    assert len(books.events(SupplierInvoicePosted)) == 1
    books.approve("supplier_invoice", request)
    posted = books.events(SupplierInvoicePosted)
    assert [(e.actor, e.total) for e in posted] == [  # type: ignore[attr-defined]
        ("alice", D("1000.00")),
        ("alice", D("2000.00")),
    ]


def test_a_payment_above_the_threshold_waits_for_a_second_person(books: Books) -> None:
    def pay(amount: str) -> dict[str, object]:
        return {
            "action": "pay_supplier",
            "supplier": "ACME",
            "date": "2026-03-02",
            "amount": amount,
        }

    books.as_("alice").apply(pay("1000.00"))
    request = books.held("payment", pay("5000.00"), "5000.00")
    books.approve("payment", request)
    paid = books.events(SupplierPaymentPosted)
    assert [(e.actor, e.amount) for e in paid] == [  # type: ignore[attr-defined]
        ("alice", D("1000.00")),
        ("alice", D("5000.00")),
    ]


def test_a_payroll_run_is_held_by_what_it_costs(books: Books) -> None:
    erp = books.erp
    erp.open_account("2410", "Net salaries payable", "liability", parent="2000")
    erp.open_account("2420", "Payroll tax payable", "liability", parent="2000")
    erp.configure_payroll(salaries_payable="2410", tax_payable="2420")
    erp.define_tax_table(
        effective_from="2026-01-01", basis="monthly", slabs=[{"lower": "0", "rate_percent": "0"}]
    )
    erp.define_salary_structure(
        code="STD",
        name="Standard",
        effective_from="2026-01-01",
        components=[{"code": "basic", "type": "earning", "formula": "base", "taxable": True}],
    )
    for name, base in (("Ada", "2500.00"), ("Grace", "1700.00")):
        emp = erp.hire_employee(name=name, joining_date="2026-01-01").documents[0]
        erp.assign_salary(employee=emp, effective="2026-01-01", structure="STD", base_pay=base)
    # the run costs 2,500.00 + 1,700.00 = 4,200.00 of gross pay: above 3,000.00
    run = {"action": "run_payroll", "month": "2026-03"}
    request = books.held("payroll_run", run, "4200.00")
    assert books.events(PayrollRunPosted) == []
    books.approve("payroll_run", request)
    [posted] = books.events(PayrollRunPosted)
    assert isinstance(posted, PayrollRunPosted)
    assert (posted.actor, posted.gross, posted.employees) == ("alice", D("4200.00"), 2)


def test_an_asset_disposal_is_held_by_the_assets_cost_or_its_proceeds(books: Books) -> None:
    erp = books.erp
    erp.open_account(code="4910", name="Gain on disposal", type="income", parent="4000")
    erp.open_account(code="6910", name="Loss on disposal", type="expense", parent="6000")
    erp.open_account(code="1695", name="Accumulated impairment", type="asset", parent="1600")
    erp.open_account(code="6510", name="Impairment losses", type="expense", parent="6000")
    erp.define_asset_category(
        code="EQ",
        name="Equipment",
        cost_account="1610",
        accumulated_depreciation_account="1690",
        depreciation_expense_account="6500",
        gain_account="4910",
        loss_account="6910",
        impairment_loss_account="6510",
        accumulated_impairment_account="1695",
        useful_life_months=48,
    )

    def capitalise(cost: str) -> str:
        return erp.capitalise_asset(
            category="EQ",
            name="Lathe",
            date="2026-01-01",
            available_for_use="2026-01-01",
            cost=cost,
            credit_account="1120",
        ).documents[0]

    def dispose(asset: str, proceeds: str = "0") -> dict[str, object]:
        return {
            "action": "dispose_asset",
            "asset": asset,
            "date": "2026-01-31",
            "proceeds": proceeds,
            **({"proceeds_account": "1120"} if proceeds != "0" else {}),
        }

    big, small, sold = capitalise("12000.00"), capitalise("8000.00"), capitalise("9000.00")
    books.as_("alice").apply(dispose(small))  # scrapped at a cost of 8,000.00: at once
    scrap = books.held("asset_disposal", dispose(big), "12000.00")  # a cost of 12,000.00
    sale = books.held("asset_disposal", dispose(sold, "10500.00"), "10500.00")  # proceeds
    assert [e.cost for e in books.events(AssetDisposed)] == [D("8000.00")]  # type: ignore[attr-defined]
    books.approve("asset_disposal", scrap)
    books.approve("asset_disposal", sale)
    disposed = books.events(AssetDisposed)
    assert [(e.cost, e.proceeds, e.actor) for e in disposed] == [  # type: ignore[attr-defined]
        (D("8000.00"), D(0), "alice"),
        (D("12000.00"), D(0), "alice"),
        (D("9000.00"), D("10500.00"), "alice"),
    ]
