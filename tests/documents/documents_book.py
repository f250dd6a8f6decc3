"""A small book built through actions, with every kind of document in it (figures by hand).

- PO: 100 bolts at 2.00 = 200.00, with terms and contract clauses;
- GR: 90 accepted (value 180.00), 10 rejected for rust;
- PI: 90 x 2.00 = 180.00 + 20% tax 36.00 = 216.00; PY pays 250.00, 216.00 of it to PI;
- SO: 50 bolts at 10.00 less 10% = 450.00 + 20% tax 90.00 = 540.00;
- DN: 40 delivered; SI: 40 x 9.00 = 360.00 + tax 72.00 = 432.00, due 2026-03-08;
- RC: 100.00 received against SI; CN: 5 credited = 45.00 + tax 9.00 = 54.00.
"""

from __future__ import annotations

from dataclasses import dataclass

from erp_core import Erp

HOSTILE = "<script>alert('x')</script> & Sons"


@dataclass(frozen=True)
class Book:
    po: str
    gr: str
    pi: str
    py: str
    so: str
    dn: str
    si: str
    rc: str
    cn: str


def build_book(erp: Erp, customer_name: str = HOSTILE) -> Book:
    erp.configure_company_details(
        legal_name="Test Co Ltd",
        address="1 Main Street\nSpringfield",
        tax_id="EU123456789",
        email="office@test.example",
    )
    erp.register_item(code="BOLT", name="Bolt M8", uom="pcs", valuation="fifo")
    erp.register_warehouse(code="MAIN", name="Main")
    erp.configure_procurement(approval_threshold="100000")
    erp.register_supplier(code="S1", name="Steel Supplies", payment_terms_days=30)
    po = erp.create_purchase_order(
        date="2026-01-05",
        supplier="S1",
        expected_delivery="2026-01-10",
        terms="Delivered duty paid, Springfield",
        contract="1. Goods must meet ISO 898-1.\n2. Late delivery: 1% per week.",
        lines=[
            {
                "item": "BOLT",
                "quantity": "100",
                "price": "2.00",
                "warehouse": "MAIN",
                "quality_standard": "ISO 898-1",
            }
        ],
    ).documents[0]
    gr = erp.receive_purchase_order(
        document=po,
        date="2026-01-10",
        lines=[{"line": 1, "accepted": "90", "rejected": "10", "reason": "rust"}],
    ).documents[0]
    pi = erp.post_supplier_invoice(
        supplier="S1",
        supplier_reference="SS-77",
        date="2026-01-12",
        lines=[{"order": po, "line": 1, "quantity": "90", "price": "2.00", "tax_rate": "0.2"}],
    ).documents[0]
    py = erp.pay_supplier(
        supplier="S1",
        date="2026-01-20",
        amount="250.00",
        allocations=[{"invoice": pi, "amount": "216.00"}],
    ).documents[0]
    erp.configure_sales(credit_approvers=["carol"])
    erp.register_customer(
        code="C1",
        name=customer_name,
        address="2 High Street\nShelbyville",
        credit_limit="5000.00",
        payment_terms_days=30,
    )
    so = erp.create_sales_order(
        date="2026-02-01",
        customer="C1",
        delivery_date="2026-02-05",
        lines=[
            {
                "item": "BOLT",
                "quantity": "50",
                "price": "10.00",
                "discount": "0.1",
                "tax_rate": "0.2",
                "warehouse": "MAIN",
            }
        ],
    ).documents[0]
    erp.confirm_sales_order(document=so)
    dn = erp.deliver_sales_order(
        document=so, date="2026-02-05", lines=[{"line": 1, "quantity": "40"}]
    ).documents[0]
    si = erp.invoice_sales_order(document=so, date="2026-02-06").documents[0]
    rc = erp.receive_customer_payment(
        customer="C1",
        date="2026-02-20",
        amount="100.00",
        allocations=[{"invoice": si, "amount": "100.00"}],
    ).documents[0]
    cn = erp.post_credit_note(
        invoice=si, date="2026-02-25", reason="damaged", lines=[{"line": 1, "quantity": "5"}]
    ).documents[0]
    return Book(po=po, gr=gr, pi=pi, py=py, so=so, dn=dn, si=si, rc=rc, cn=cn)
