"""The demo company: a year of business built through the public API only.

Demo Trading Ltd keeps EUR books on a calendar fiscal year. Its year: capital and a loan,
equipment, monthly rent, salaries, utilities and depreciation, sales by department and
project, a US customer paying in USD, a mistaken voucher reversed, periods closed as the year
goes, and the year-end close that moves the profit to retained earnings.

Its sales side: three customers with credit levels; monthly orders with a seasonal, growing
demand for widgets, deliveries at cost, invoices, receipts (one customer pays late), an order
over a credit limit approved by the credit controller, a return with a credit note.

Its warehouse side: three items (FIFO, moving average, batch tracked), two warehouses and two
suppliers. Every month it orders, receives (rejecting damaged goods), is invoiced and pays,
and issues material to departments; it transfers stock, counts it in June, and books one
receipt late (back-dated), which re-costs an issue made after it.

Its people (set up at the end of January): three employees (one hired through a requisition,
an offer and a mid-March start), leave types with accrual, an approved holiday and unpaid
leave, attendance, a monthly payroll from February (salaries paid and tax and pensions
remitted within the month) and a review cycle. The monthly salaries voucher carries what
payroll does not, so the statements are the same as without people.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.api import Erp

YEAR = 2026
CENT = Decimal("0.01")
TAX = Decimal("0.2")
OPEN_INVOICES: dict[str, Decimal] = {}  # the demo's own note of what each invoice has open


def _pay(
    erp: Erp, day: dt.date, debit: str, amount: str, memo: str, credit: str = "1120", **dims: str
) -> str:
    line: dict[str, object] = {"account": debit, "debit": amount}
    if dims:
        line["dimensions"] = dims
    result = erp.post_voucher(day, [line, {"account": credit, "credit": amount}], memo=memo)
    return result.documents[0]


def build_demo(erp: Erp, year: int = YEAR) -> int:
    """Create the demo company in an empty database and post its year. Returns the year."""
    OPEN_INVOICES.clear()
    erp.init("Demo Trading Ltd", "EUR", dt.date(year, 1, 1))
    erp.open_account("4150", "Consulting revenue", "income", parent="4000")
    for dimension, code, name in (
        ("department", "SALES", "Sales"),
        ("department", "OPS", "Operations"),
        ("department", "ADMIN", "Administration"),
        ("project", "ALPHA", "Project Alpha"),
        ("project", "BETA", "Project Beta"),
        ("cost_centre", "HQ", "Head office"),
    ):
        erp.add_dimension_value(dimension, code, name)

    _setup_purchasing(erp, year)
    _setup_sales(erp)
    jan = dt.date(year, 1, 2)
    _pay(erp, jan, "1120", "250000.00", "Share capital paid in", credit="3100")
    _pay(erp, jan, "1120", "100000.00", "Bank loan drawn", credit="2500")
    _pay(erp, dt.date(year, 1, 5), "1610", "60000.00", "Delivery vans and IT equipment")

    for month in range(1, 13):
        first = dt.date(year, month, 1)
        _pay(erp, first, "6200", "4500.00", f"Rent {first:%B}", cost_centre="HQ")
        # Payroll goes live in February; the voucher carries the salaries it does not.
        payroll_cost = _payroll_cost(erp, year, month) if month > 1 else Decimal(0)
        _pay(
            erp,
            dt.date(year, month, 25),
            "6100",
            f"{Decimal('38000.00') - payroll_cost:f}",
            f"Salaries {first:%B}",
            department="OPS",
        )
        _pay(erp, dt.date(year, month, 20), "6300", f"{900 + month * 15}.00", "Utilities")
        _pay(erp, dt.date(year, month, 28), "6500", "1000.00", "Depreciation", credit="1690")
        _pay(erp, dt.date(year, month, 15), "2500", "2000.00", "Loan repayment")
        sales = Decimal(52000 + month * 1750)
        erp.post_voucher(
            dt.date(year, month, 10),
            [
                {"account": "1120", "debit": str(sales)},
                {"account": "4100", "credit": str(sales), "dimensions": {"department": "SALES"}},
            ],
            memo=f"Cash sales {first:%B}",
        )
        erp.post_voucher(
            dt.date(year, month, 18),
            [
                {"account": "1120", "debit": "12500.00"},
                {"account": "4150", "credit": "8000.00", "dimensions": {"project": "ALPHA"}},
                {"account": "4150", "credit": "4500.00", "dimensions": {"project": "BETA"}},
            ],
            memo=f"Consulting {first:%B}",
        )
        if month % 3 == 0:
            # A US customer pays in USD into the bank at the day's rate.
            erp.post_voucher(
                dt.date(year, month, 22),
                [
                    {"account": "1120", "debit": "8400.00", "currency": "USD", "rate": "0.9231"},
                    {"account": "4200", "credit": "8400.00", "currency": "USD", "rate": "0.9231"},
                ],
                memo="Support contract, US customer",
            )
        if month == 4:
            wrong = _pay(erp, dt.date(year, 4, 12), "6700", "1250.00", "Travel (posted twice)")
            erp.reverse_voucher(wrong, dt.date(year, 4, 13), memo="Duplicate travel voucher")
        _pay(erp, dt.date(year, month, 8), "6400", "640.00", "Office supplies", department="ADMIN")
        _purchasing_month(erp, year, month)
        _sales_month(erp, year, month)
        if month in PRODUCTION_MONTHS:
            _production_month(erp, year, month)
        if month == 1:
            _setup_people(erp, year)
        else:
            _payroll_month(erp, year, month)
        if month < 12:
            erp.close_period(f"{year}-{month:02d}")

    erp.open_fiscal_year(year + 1)
    erp.close_fiscal_year(year)
    return year


def _setup_people(erp: Erp, year: int) -> None:
    """Employees, a hire through recruitment, leave, payroll set-up and a review cycle."""
    for code, name in (
        ("2461", "Net salaries payable"),
        ("2462", "Payroll tax payable"),
        ("2463", "Pensions payable"),
    ):
        erp.open_account(code, name, "liability", parent="2000")
        erp.tag_cash_flow_account(account=code, tag="operating_working_capital")
    erp.configure_payroll(salaries_payable="2461", tax_payable="2462")
    erp.define_tax_table(
        effective_from=f"{year}-01-01",
        basis="monthly",
        slabs=[
            {"lower": "0", "rate_percent": "0"},
            {"lower": "2000", "rate_percent": "15"},
            {"lower": "5000", "rate_percent": "30"},
        ],
    )
    erp.define_salary_structure(
        code="STAFF",
        name="Staff",
        effective_from=f"{year}-01-01",
        components=[
            {"code": "basic", "type": "earning", "formula": "base", "taxable": True,
             "prorated": True},
            {"code": "allowance", "type": "earning", "formula": "min(basic * 0.10, 500)",
             "taxable": True, "prorated": True},
            {"code": "pension", "type": "deduction", "formula": "basic * 0.04",
             "pre_tax": True, "prorated": True, "payable_account": "2463"},
            {"code": "employer_pension", "type": "employer_contribution",
             "formula": "basic * 0.05", "payable_account": "2463"},
        ],
    )  # fmt: skip
    erp.define_leave_type(code="ANNUAL", name="Annual leave", accrual_per_month="2")
    erp.define_leave_type(
        code="UNPAID", name="Unpaid leave", paid_fraction="0", allow_negative=True
    )
    staff = []
    for name, dept, pay, bank in (
        ("Maria Rossi", "OPS", "4200.00", "DE44 5001 0517 5407 3249 31"),
        ("Tom Berg", "SALES", "3600.00", "DE89 3704 0044 0532 0130 00"),
    ):
        emp = erp.hire_employee(
            name=name,
            joining_date=f"{year}-01-01",
            department=dept,
            cost_centre="HQ",
            bank_account=bank,
        ).documents[0]
        erp.assign_salary(employee=emp, effective=f"{year}-01-01", structure="STAFF",
                          base_pay=pay)  # fmt: skip
        staff.append(emp)
    maria, tom = staff
    # A buyer hired through recruitment, starting mid-March (her first month is prorated).
    req = erp.raise_requisition(date=f"{year}-02-02", position="Buyer", department="OPS",
                                budget="3500.00").documents[0]  # fmt: skip
    erp.approve_requisition(requisition=req, date=f"{year}-02-03")
    erp.open_job(requisition=req, date=f"{year}-02-04", title="Buyer")
    lena = erp.add_applicant(requisition=req, date=f"{year}-02-10", name="Lena Park")
    applicant = lena.documents[0]
    erp.record_interview(requisition=req, applicant=applicant, date=f"{year}-02-16",
                         interviewer=maria, scores={"negotiation": "4", "analysis": "5"},
                         recommendation="hire")  # fmt: skip
    offer = erp.make_offer(
        requisition=req,
        applicant=applicant,
        date=f"{year}-02-20",
        base_pay="3400.00",
        joining_date=f"{year}-03-16",
    ).documents[0]
    erp.accept_offer(requisition=req, offer=offer, date=f"{year}-02-23")
    buyer = erp.hire_applicant(requisition=req, offer=offer, cost_centre="HQ").documents[0]
    erp.assign_salary(employee=buyer, effective=f"{year}-03-16", structure="STAFF",
                      base_pay="3400.00")  # fmt: skip
    holiday = erp.request_leave(employee=tom, leave_type="ANNUAL", date_from=f"{year}-07-13",
                                date_to=f"{year}-07-17", reason="summer").documents[0]  # fmt: skip
    erp.approve_leave(employee=tom, request=holiday)
    unpaid = erp.request_leave(employee=maria, leave_type="UNPAID", date_from=f"{year}-09-14",
                               date_to=f"{year}-09-15").documents[0]  # fmt: skip
    erp.approve_leave(employee=maria, request=unpaid)
    erp.record_attendance(employee=buyer, days=[
        {"day": f"{year}-04-01", "hours": "8", "overtime_hours": "2"},
        {"day": f"{year}-04-02", "status": "absent"},
    ])  # fmt: skip
    cycle = f"FY{year}"
    erp.open_appraisal_cycle(code=cycle, name=f"Reviews {year}", period_from=f"{year}-01-01",
                             period_to=f"{year}-12-31")  # fmt: skip
    kras = [{"code": "delivery", "weight": "60"}, {"code": "teamwork", "weight": "40"}]
    for emp, own, boss in ((maria, "4", "4"), (tom, "5", "3")):
        erp.set_appraisal_goals(cycle=cycle, employee=emp, kras=kras)
        erp.rate_appraisal(cycle=cycle, employee=emp, rater="self",
                           ratings={"delivery": own, "teamwork": own})  # fmt: skip
        erp.rate_appraisal(cycle=cycle, employee=emp, rater="manager",
                           ratings={"delivery": boss, "teamwork": "4"})  # fmt: skip
        erp.finalise_appraisal(cycle=cycle, employee=emp)
    erp.close_appraisal_cycle(cycle=cycle)


def _payroll_cost(erp: Erp, year: int, month: int) -> Decimal:
    """The month's payroll cost (gross pay and employer contributions), from a dry run."""
    from erp_core.payroll.handlers import PayrollPreview

    try:
        erp.run_payroll(month=f"{year}-{month:02d}", dry_run=True)
    except PayrollPreview as preview:
        return sum((s.gross + s.employer_contributions for s in preview.slips), Decimal(0))
    raise AssertionError("a dry run always answers with a preview")  # pragma: no cover


def _payroll_month(erp: Erp, year: int, month: int) -> None:
    """Run the month's payroll, pay it and remit its tax and pensions on the last day."""
    last = dt.date(year, month, 1) + dt.timedelta(days=31)
    end = (last - dt.timedelta(days=last.day)).isoformat()
    label = f"{year}-{month:02d}"
    erp.run_payroll(month=label)
    erp.pay_salaries(month=label, date=end, bank_account="1120")
    erp.remit_payroll_liabilities(
        month=label,
        date=end,
        bank_account="1120",
        authority="Tax office and pension fund",
        lines=[{"account": "2462"}, {"account": "2463"}],
    )


def _setup_purchasing(erp: Erp, year: int) -> None:
    erp.configure_procurement(approval_threshold="20000", over_receipt_tolerance="0.05")
    erp.register_item(
        code="WIDGET", name="Widget", uom="pcs", valuation="fifo", expense_account="5100"
    )
    erp.register_item(
        code="GADGET",
        name="Gadget",
        uom="pcs",
        valuation="moving_average",
        expense_account="5100",
    )
    erp.register_item(
        code="OIL",
        name="Machine oil",
        uom="l",
        valuation="moving_average",
        batch_tracked=True,
        expense_account="6400",
    )
    erp.register_warehouse(code="MAIN", name="Main warehouse")
    erp.register_warehouse(code="SHOP", name="Shop floor store")
    erp.register_supplier(
        code="ACME",
        name="Acme Components",
        payment_terms_days=30,
        contact="orders@acme.example",
    )
    erp.register_supplier(code="BOLTCO", name="Boltco Supplies", payment_terms_days=45)
    erp.receive_stock(
        date=f"{year}-01-02",
        account="3100",
        memo="Opening stock",
        lines=[
            {"item": "WIDGET", "warehouse": "MAIN", "quantity": "500", "unit_cost": "4.00"},
            {"item": "GADGET", "warehouse": "MAIN", "quantity": "200", "unit_cost": "12.50"},
            {
                "item": "OIL",
                "warehouse": "MAIN",
                "quantity": "100",
                "unit_cost": "3.20",
                "batch": f"OIL-{year}-01",
            },
        ],
    )


def _purchasing_month(erp: Erp, year: int, month: int) -> None:
    def day(d: int) -> str:
        return dt.date(year, month, d).isoformat()

    widget_price = str(Decimal("4.00") + Decimal("0.05") * month)
    order = erp.create_purchase_order(
        date=day(2),
        supplier="ACME",
        expected_delivery=day(9),
        contract="ACME-FRAME-2026",
        lines=[
            {"item": "WIDGET", "quantity": "400", "price": widget_price, "warehouse": "MAIN"},
            {"item": "GADGET", "quantity": "100", "price": "12.80", "warehouse": "MAIN"},
        ],
    ).documents[0]
    erp.receive_purchase_order(
        document=order,
        date=day(9),
        lines=[
            {"line": 1, "accepted": "390", "rejected": "10", "reason": "damaged in transit"},
            {"line": 2, "accepted": "100"},
        ],
    )
    invoice = erp.post_supplier_invoice(
        supplier="ACME",
        supplier_reference=f"A{year}{month:02d}",
        date=day(12),
        lines=[
            {
                "order": order,
                "line": 1,
                "quantity": "390",
                "price": widget_price,
                "tax_rate": "0.2",
            },
            {"order": order, "line": 2, "quantity": "100", "price": "12.95", "tax_rate": "0.2"},
        ],
    ).documents[0]
    erp.pay_supplier(
        supplier="ACME",
        date=day(26),
        amount="1000.00",
        allocations=[{"invoice": invoice, "amount": "1000.00"}],
    )
    widgets = (390 * Decimal(widget_price)).quantize(CENT)
    gadgets = Decimal("1295.00")
    total = widgets + gadgets + (widgets * TAX).quantize(CENT) + (gadgets * TAX).quantize(CENT)
    OPEN_INVOICES[invoice] = total - Decimal("1000.00")
    erp.issue_material(
        date=day(16),
        department="OPS",
        requester="Line supervisor",
        purpose="production",
        lines=[
            {"item": "WIDGET", "warehouse": "MAIN", "quantity": "220"},
            {"item": "GADGET", "warehouse": "MAIN", "quantity": "40"},
            {"item": "OIL", "warehouse": "MAIN", "quantity": "6", "batch": f"OIL-{year}-01"},
        ],
    )
    if month % 3 == 0:
        erp.transfer_stock(
            date=day(20),
            from_warehouse="MAIN",
            to_warehouse="SHOP",
            lines=[{"item": "WIDGET", "quantity": "30"}],
        )
    if month == 5:
        # A big order for a new line needs approval by someone other than the buyer.
        big = erp.create_purchase_order(
            date=day(3),
            supplier="BOLTCO",
            expected_delivery=day(20),
            lines=[{"item": "GADGET", "quantity": "2000", "price": "12.00", "warehouse": "MAIN"}],
        ).documents[0]
        buyer, erp.actor = erp.actor, "finance.director"
        erp.approve_purchase_order(big)
        erp.actor = buyer
        erp.receive_purchase_order(
            document=big, date=day(20), lines=[{"line": 1, "accepted": "2000"}]
        )
    if month == 6:
        erp.count_stock(date=day(30), warehouse="SHOP", lines=[{"item": "WIDGET", "counted": "58"}])
    if month == 8:
        # Cheaper widgets received on the 5th were only booked later: the issue of the 16th
        # is re-costed by an explicit cost adjustment.
        erp.receive_stock(
            date=day(5),
            account="2300",
            memo="Late-booked consignment",
            lines=[{"item": "WIDGET", "warehouse": "MAIN", "quantity": "50", "unit_cost": "3.50"}],
        )
    if month == 10:
        # One payment settles every invoice still open; it is allocated a few days later.
        amount = sum(OPEN_INVOICES.values(), Decimal(0))
        payment = erp.pay_supplier(supplier="ACME", date=day(20), amount=str(amount))
        erp.allocate_supplier_payment(
            payment=payment.documents[0],
            date=day(23),
            allocations=[{"invoice": k, "amount": str(v)} for k, v in OPEN_INVOICES.items()],
        )
        OPEN_INVOICES.clear()


CUSTOMERS = (
    ("NORTH", "Northwind Retail", "A", "60000.00", 30),
    ("SOUTH", "Southbank Stores", "B", "25000.00", 45),
    ("EAST", "Eastgate Trading", "C", "6000.00", 14),
)
# widgets sold per month: a rising trend with a summer peak
WIDGET_DEMAND = (60, 64, 70, 76, 84, 96, 104, 98, 90, 94, 100, 108)


def _setup_sales(erp: Erp) -> None:
    erp.configure_sales(credit_approvers=["credit.controller"])
    for code, name, level, limit, terms in CUSTOMERS:
        erp.register_customer(
            code=code,
            name=name,
            credit_level=level,
            credit_limit=limit,
            payment_terms_days=terms,
            contact=f"buying@{code.lower()}.example",
        )


def _sales_month(erp: Erp, year: int, month: int) -> None:
    def day(d: int) -> str:
        return dt.date(year, month, d).isoformat()

    widgets = WIDGET_DEMAND[month - 1]
    orders = []
    for code, share, price, discount in (
        ("NORTH", 0.5, "9.90", "0.05"),
        ("SOUTH", 0.3, "10.50", "0"),
        ("EAST", 0.2, "11.00", "0"),
    ):
        quantity = int(widgets * share)
        lines = [
            {
                "item": "WIDGET",
                "quantity": str(quantity),
                "price": price,
                "discount": discount,
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ]
        if code == "NORTH" and month >= 6:
            lines.append(
                {
                    "item": "GADGET",
                    "quantity": str(150 + month * 10),
                    "price": "24.00",
                    "tax_rate": "0.2",
                    "warehouse": "MAIN",
                }
            )
        order = erp.create_sales_order(
            date=day(4), customer=code, delivery_date=day(11), lines=lines
        ).documents[0]
        if code == "NORTH" and month == 7:
            # the summer order goes over Northwind's limit; the credit controller approves it
            seller, erp.actor = erp.actor, "credit.controller"
            erp.approve_sales_credit(document=order, reason="seasonal peak, long-standing customer")
            erp.actor = seller
        erp.confirm_sales_order(document=order)
        erp.deliver_sales_order(
            document=order,
            date=day(11),
            lines=[{"line": i + 1, "quantity": x["quantity"]} for i, x in enumerate(lines)],
        )
        invoice = erp.invoice_sales_order(document=order, date=day(12)).documents[0]
        orders.append((code, order, invoice))
    for code, order, invoice in orders:
        if code == "EAST" and month == 3:
            # four widgets came back damaged: back into stock at cost, revenue credited
            erp.return_sales_goods(
                document=order,
                date=day(18),
                reason="damaged packaging",
                lines=[{"line": 1, "quantity": "4"}],
            )
            erp.post_credit_note(
                invoice=invoice,
                date=day(18),
                reason="damaged packaging",
                lines=[{"line": 1, "quantity": "4"}],
            )
        elif code == "SOUTH" and month >= 10:
            continue  # Southbank stops paying in the autumn: its invoices age
        else:
            open_amount = _open_amount(erp, invoice)
            if open_amount:
                erp.receive_customer_payment(
                    customer=code,
                    date=day(27),
                    amount=str(open_amount),
                    allocations=[{"invoice": invoice, "amount": str(open_amount)}],
                )


def _open_amount(erp: Erp, invoice: str) -> Decimal:
    """What is still open on an invoice, from the log (its stream), as a payer would see it."""
    from erp_core.sales.documents import SalesInvoice, invoice_stream

    return erp.ledger.load(SalesInvoice, invoice_stream(invoice)).open_amount


# --- production: a cabinet made from a frame made in-house (two levels), April to June -------

PRODUCTION_MONTHS = (4, 5, 6)


def _setup_production(erp: Erp, year: int) -> None:
    erp.open_account("1350", "Work in progress", "asset", parent="1100")
    erp.open_account("5410", "Applied labour", "expense", parent="5000")
    erp.open_account("5420", "Applied overhead", "expense", parent="5000")
    erp.open_account("5500", "Production variance", "expense", parent="5000")
    erp.configure_production()
    for code, name, valuation in (
        ("PANEL", "Oak panel", "fifo"),
        ("SCREW", "Screw (box)", "moving_average"),
        ("FRAME", "Cabinet frame", "fifo"),
        ("CABINET", "Oak cabinet", "fifo"),
    ):
        erp.register_item(code=code, name=name, uom="pcs", valuation=valuation)
    erp.register_work_centre(
        code="JOINERY", name="Joinery", labour_rate="30.00", overhead_rate="12.00"
    )
    erp.define_bom(
        item="FRAME",
        components=[{"item": "PANEL", "quantity": "2"}, {"item": "SCREW", "quantity": "1"}],
        operations=[{"work_centre": "JOINERY", "hours": "0.5", "name": "frame"}],
    )
    erp.define_bom(
        item="CABINET",
        components=[{"item": "FRAME", "quantity": "1"}, {"item": "PANEL", "quantity": "3"}],
        operations=[{"work_centre": "JOINERY", "hours": "1.25", "name": "assemble"}],
    )


def _production_month(erp: Erp, year: int, month: int) -> None:
    """Buy panels and screws, make 4 frames, then 4 cabinets from them; close both orders."""

    def day(d: int) -> str:
        return dt.date(year, month, d).isoformat()

    if month == PRODUCTION_MONTHS[0]:
        _setup_production(erp, year)
    panel_cost = str(Decimal("18.00") + month)
    erp.receive_stock(
        date=day(3),
        account="1120",
        memo="Joinery materials",
        lines=[
            {"item": "PANEL", "warehouse": "MAIN", "quantity": "22", "unit_cost": panel_cost},
            {"item": "SCREW", "warehouse": "MAIN", "quantity": "5", "unit_cost": "6.40"},
        ],
    )
    frames = erp.create_work_order(
        date=day(4), item="FRAME", quantity="4", warehouse="MAIN", due=day(8)
    ).documents[0]
    cabinets = erp.create_work_order(
        date=day(4), item="CABINET", quantity="4", warehouse="MAIN", due=day(14)
    ).documents[0]
    for wo in (frames, cabinets):
        erp.release_work_order(work_order=wo, date=day(4))
    erp.issue_to_work_order(
        work_order=frames,
        date=day(5),
        lines=[
            {"item": "PANEL", "warehouse": "MAIN", "quantity": "8"},
            {"item": "SCREW", "warehouse": "MAIN", "quantity": "5", "reason": "spare box"},
        ],
    )
    erp.return_from_work_order(
        work_order=frames,
        date=day(6),
        lines=[{"item": "SCREW", "warehouse": "MAIN", "quantity": "1"}],
    )
    erp.report_progress(
        work_order=frames, date=day(6), work_centre="JOINERY", hours="2.25", good_quantity="4"
    )
    erp.complete_work_order(work_order=frames, date=day(7), quantity="4")
    erp.close_work_order(work_order=frames, date=day(7))
    erp.issue_to_work_order(
        work_order=cabinets,
        date=day(9),
        lines=[
            {"item": "FRAME", "warehouse": "MAIN", "quantity": "4"},
            {"item": "PANEL", "warehouse": "MAIN", "quantity": "12"},
        ],
    )
    erp.report_progress(
        work_order=cabinets,
        date=day(10),
        work_centre="JOINERY",
        hours="5.5",
        good_quantity="3",
        rejected_quantity="1",
        reason="split panel",
    )
    # three good cabinets this month: the fourth is scrapped, its cost borne by the three
    erp.complete_work_order(work_order=cabinets, date=day(12), quantity="3", final=True)
    erp.close_work_order(work_order=cabinets, date=day(13))
