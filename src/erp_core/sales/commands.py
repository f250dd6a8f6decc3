"""Actions of sales: customers, orders, deliveries, invoices, receipts, returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator

from erp_core.kernel.commands import (
    MAX_LINES,
    Action,
    Code,
    Line,
    Name,
    Reason,
    Text,
    currency_code,
)
from erp_core.kernel.money import Dec
from erp_core.parties.commands import Allocation

# --- sales -----------------------------------------------------------------------------------


class ConfigureSales(Action):
    """Name the actors who may approve orders over a credit limit, and the sales accounts."""

    action: Literal["configure_sales"] = "configure_sales"
    credit_approvers: Annotated[list[Name], Field(max_length=100)] = Field(default_factory=list)
    revenue_account: str = "4100"
    cogs_account: str = "5100"
    output_tax_account: str = "2200"


class RegisterCustomer(Action):
    """Add a customer with a credit level and limit."""

    action: Literal["register_customer"] = "register_customer"
    code: Code
    name: Name
    contact: Text | None = None
    address: Text | None = None
    currency: str | None = None  # default: the base currency
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] = 30
    credit_level: Annotated[str, Field(min_length=1, max_length=8)] = "B"
    credit_limit: Dec
    effective: dt.date = dt.date(1900, 1, 1)

    _check_currency = field_validator("currency")(currency_code)


class ChangeCustomerCredit(Action):
    """Change a customer's credit level and limit from a date on (history is kept)."""

    action: Literal["change_customer_credit"] = "change_customer_credit"
    customer: Code
    credit_level: Annotated[str, Field(min_length=1, max_length=8)]
    credit_limit: Dec
    effective: dt.date


class SalesLineIn(Line):
    item: Code
    quantity: Dec
    price: Dec
    discount: Dec = Decimal(0)
    tax_rate: Dec = Decimal(0)
    warehouse: Code


class CreateSalesOrder(Action):
    """Take a customer's order (a draft until confirmed)."""

    action: Literal["create_sales_order"] = "create_sales_order"
    date: dt.date
    customer: Code
    delivery_date: dt.date
    lines: Annotated[list[SalesLineIn], Field(min_length=1, max_length=MAX_LINES)]
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's


class ApproveSalesCredit(Action):
    """Allow an order over the customer's credit limit (a credit approver only)."""

    action: Literal["approve_sales_credit"] = "approve_sales_credit"
    document: Code
    reason: Reason


class ConfirmSalesOrder(Action):
    """Confirm an order after the credit check."""

    action: Literal["confirm_sales_order"] = "confirm_sales_order"
    document: Code


class CancelSalesOrder(Action):
    """Cancel an order nothing was delivered against."""

    action: Literal["cancel_sales_order"] = "cancel_sales_order"
    document: Code
    reason: Reason


class CloseSalesOrder(Action):
    """Close an order after part of it was delivered: the undelivered rest is dropped and
    released from the customer's credit exposure (what was delivered is still invoiced)."""

    action: Literal["close_sales_order"] = "close_sales_order"
    document: Code
    reason: Reason


class DeliveryLine(Line):
    line: Annotated[int, Field(ge=1)]
    quantity: Dec
    batch: Code | None = None


class DeliverSalesOrder(Action):
    """Ship goods against a confirmed order: stock leaves at cost (Dr COGS, Cr inventory)."""

    action: Literal["deliver_sales_order"] = "deliver_sales_order"
    document: Code
    date: dt.date
    lines: Annotated[list[DeliveryLine], Field(min_length=1, max_length=MAX_LINES)]


class QuantityLine(Line):
    line: Annotated[int, Field(ge=1)]
    quantity: Dec


class InvoiceSalesOrder(Action):
    """Invoice delivered quantities (all delivered and not yet invoiced, unless lines given)."""

    action: Literal["invoice_sales_order"] = "invoice_sales_order"
    document: Code
    date: dt.date
    lines: Annotated[list[QuantityLine], Field(max_length=MAX_LINES)] = Field(default_factory=list)
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's


class ReceiveCustomerPayment(Action):
    """Money from a customer, allocated to invoices (what is left stays as customer credit)."""

    action: Literal["receive_customer_payment"] = "receive_customer_payment"
    customer: Code
    date: dt.date
    amount: Dec
    bank_account: str = "1120"
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's
    allocations: Annotated[list[Allocation], Field(max_length=MAX_LINES)] = Field(
        default_factory=list
    )


class AllocateCustomerReceipt(Action):
    """Allocate what is left of a receipt or credit note to invoices."""

    action: Literal["allocate_customer_receipt"] = "allocate_customer_receipt"
    receipt: Code
    date: dt.date
    allocations: Annotated[list[Allocation], Field(min_length=1, max_length=MAX_LINES)]


class ReturnSalesGoods(Action):
    """Take goods back into stock at the cost they left with."""

    action: Literal["return_sales_goods"] = "return_sales_goods"
    document: Code
    date: dt.date
    reason: Reason
    lines: Annotated[list[DeliveryLine], Field(min_length=1, max_length=MAX_LINES)]


class PostCreditNote(Action):
    """Reverse revenue and tax of invoiced quantities; points at the invoice."""

    action: Literal["post_credit_note"] = "post_credit_note"
    invoice: Code
    date: dt.date
    reason: Reason
    lines: Annotated[list[QuantityLine], Field(min_length=1, max_length=MAX_LINES)]
