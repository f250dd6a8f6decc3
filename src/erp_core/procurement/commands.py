"""Actions of procurement: suppliers, plans, orders, receipts, invoices, payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

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

# --- procurement -----------------------------------------------------------------------------


class ConfigureProcurement(Action):
    """Set the order amount above which approval is needed, and the over-receipt tolerance."""

    action: Literal["configure_procurement"] = "configure_procurement"
    approval_threshold: Dec
    over_receipt_tolerance: Dec = Decimal(0)
    price_variance_account: str = "5200"
    adjustment_account: str = "5300"
    input_tax_account: str = "1400"

    @model_validator(mode="after")
    def _ranges(self) -> ConfigureProcurement:
        if self.approval_threshold < 0:
            raise ValueError("approval_threshold: must not be negative")
        if not 0 <= self.over_receipt_tolerance <= 1:
            raise ValueError("over_receipt_tolerance: a fraction between 0 and 1 (0.05 = 5%)")
        return self


class RegisterSupplier(Action):
    """Add a supplier."""

    action: Literal["register_supplier"] = "register_supplier"
    code: Code
    name: Name
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] = 30
    currency: str | None = None  # default: the base currency
    contact: Text | None = None

    _check_currency = field_validator("currency")(currency_code)


class PlanLineIn(Line):
    item: Code
    quantity: Dec
    quality_standard: Text | None = None
    wanted_by: dt.date


class CreatePurchasePlan(Action):
    """Plan what to buy: items, quantities, quality standard and wanted dates."""

    action: Literal["create_purchase_plan"] = "create_purchase_plan"
    date: dt.date
    title: Name
    lines: Annotated[list[PlanLineIn], Field(min_length=1, max_length=MAX_LINES)]


class PlanOrderLine(Line):
    line: Annotated[int, Field(ge=1)]
    supplier: Code
    price: Dec
    warehouse: Code


class OrderPurchasePlan(Action):
    """Turn plan lines into purchase orders, one per supplier."""

    action: Literal["order_purchase_plan"] = "order_purchase_plan"
    plan: Code
    date: dt.date
    expected_delivery: dt.date
    lines: Annotated[list[PlanOrderLine], Field(min_length=1, max_length=MAX_LINES)]


class OrderLineIn(Line):
    item: Code
    quantity: Dec
    price: Dec
    warehouse: Code
    quality_standard: Text | None = None


class CreatePurchaseOrder(Action):
    """Order from a supplier; above the approval threshold it waits for approval."""

    action: Literal["create_purchase_order"] = "create_purchase_order"
    date: dt.date
    supplier: Code
    expected_delivery: dt.date
    contract: Text | None = None
    terms: Text | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's


class ApprovePurchaseOrder(Action):
    """Approve an order (by someone other than its creator)."""

    action: Literal["approve_purchase_order"] = "approve_purchase_order"
    document: Code


class AmendPurchaseOrder(Action):
    """Change an order nothing was received or invoiced against: its lines (quantities,
    prices, items, lines added or removed) and expected delivery. The number is kept; when the
    amended amount needs approval, the order waits for approval again."""

    action: Literal["amend_purchase_order"] = "amend_purchase_order"
    document: Code
    date: dt.date
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]
    expected_delivery: dt.date | None = None  # default: unchanged
    reason: Reason


class CancelPurchaseOrder(Action):
    """Cancel an order nothing was received against."""

    action: Literal["cancel_purchase_order"] = "cancel_purchase_order"
    document: Code
    reason: Reason


class ClosePurchaseOrder(Action):
    """Close an order: nothing more will be received against it."""

    action: Literal["close_purchase_order"] = "close_purchase_order"
    document: Code
    reason: Reason


class ReceiveLine(Line):
    line: Annotated[int, Field(ge=1)]
    accepted: Dec
    rejected: Dec = Decimal(0)
    reason: Text | None = None
    batch: Code | None = None


class ReceivePurchaseOrder(Action):
    """Receive goods against an order, with acceptance: accepted quantities go into stock."""

    action: Literal["receive_purchase_order"] = "receive_purchase_order"
    document: Code
    date: dt.date
    lines: Annotated[list[ReceiveLine], Field(min_length=1, max_length=MAX_LINES)]
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's


class InvoiceLine(Line):
    order: Code
    line: Annotated[int, Field(ge=1)]
    quantity: Dec
    price: Dec
    tax_rate: Dec = Decimal(0)


class AccountInvoiceLine(Line):
    """An invoice line not matched to an order (a fixed asset, a service, a discount): its net
    `amount` (negative for a credit) is posted to `account`, e.g. an asset-clearing or
    assets-under-construction account, from which the asset is capitalised."""

    account: str
    amount: Dec
    tax_rate: Dec = Decimal(0)
    memo: Text | None = None
    cost_centre: Code | None = None


class PostSupplierInvoice(Action):
    """Book a supplier invoice: order lines matched against order and receipts, and account
    lines (not ordered through stock) posted to the accounts they name."""

    action: Literal["post_supplier_invoice"] = "post_supplier_invoice"
    supplier: Code
    supplier_reference: Code
    date: dt.date
    lines: Annotated[list[InvoiceLine], Field(max_length=MAX_LINES)] = Field(default_factory=list)
    account_lines: Annotated[list[AccountInvoiceLine], Field(max_length=MAX_LINES)] = Field(
        default_factory=list
    )
    total: Dec | None = None  # the invoice's printed total, checked when given
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's

    @model_validator(mode="after")
    def _some_lines(self) -> PostSupplierInvoice:
        if not self.lines and not self.account_lines:
            raise ValueError("lines: an invoice needs at least one line or account line")
        return self


class PaySupplier(Action):
    """Pay a supplier, allocating the payment to invoices (partly, or not yet)."""

    action: Literal["pay_supplier"] = "pay_supplier"
    supplier: Code
    date: dt.date
    amount: Dec
    bank_account: str = "1120"
    rate: Dec | None = None  # a foreign document's rate; default: the rate table's
    allocations: Annotated[list[Allocation], Field(max_length=MAX_LINES)] = Field(
        default_factory=list
    )


class AllocateSupplierPayment(Action):
    """Allocate what is left of a payment to invoices."""

    action: Literal["allocate_supplier_payment"] = "allocate_supplier_payment"
    payment: Code
    date: dt.date
    allocations: Annotated[list[Allocation], Field(min_length=1, max_length=MAX_LINES)]
