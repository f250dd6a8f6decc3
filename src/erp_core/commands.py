"""Actions: the imperative commands a user or program can apply, as frozen pydantic models.

Every action has an ``action`` name (its discriminator in `erp apply` files) and an optional
``idempotency_key``: applying the same key twice stores the action once and returns the first
result; the same key with different content is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from erp_core.events import AccountType, ControlRole
from erp_core.money import Dec, check_currency

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=500)]
Reason = Annotated[str, Field(min_length=1, max_length=400)]
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_LINES = 10_000


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    action: str
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


def _currency(value: str | None) -> str | None:
    return None if value is None else check_currency(value)


def _month(value: str) -> str:
    if not MONTH_RE.match(value):
        raise ValueError(f"{value!r} is not a month in the form YYYY-MM")
    return value


# --- set-up ----------------------------------------------------------------------------------


class OpenAccount(Action):
    """Add an account to the chart."""

    action: Literal["open_account"] = "open_account"
    code: str
    name: Name
    type: AccountType
    parent: str | None = None
    is_group: bool = False
    control: ControlRole | None = None
    currency: str | None = None

    _check_currency = field_validator("currency")(_currency)


class CloseAccount(Action):
    """Close an account: no further postings; its history and balance stay."""

    action: Literal["close_account"] = "close_account"
    code: str
    reason: Text | None = None


class AddDimensionValue(Action):
    """Register a cost centre, project or department that journal lines may carry."""

    action: Literal["add_dimension_value"] = "add_dimension_value"
    dimension: Literal["cost_centre", "project", "department"]
    code: str
    name: Name


class OpenFiscalYear(Action):
    """Open the fiscal year that starts in the given calendar year."""

    action: Literal["open_fiscal_year"] = "open_fiscal_year"
    year: Annotated[int, Field(ge=1900, le=9999)]


# --- journal ---------------------------------------------------------------------------------


class VoucherLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
    account: str
    debit: Dec | None = None
    credit: Dec | None = None
    currency: str | None = None
    rate: Dec | None = None
    memo: Text | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)

    _check_currency = field_validator("currency")(_currency)

    @model_validator(mode="after")
    def _one_side(self) -> VoucherLine:
        if (self.debit is None) == (self.credit is None):
            raise ValueError("give exactly one of debit or credit")
        amount = self.debit if self.debit is not None else self.credit
        assert amount is not None
        if amount <= 0:
            raise ValueError("the amount must be greater than zero")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate: must be greater than zero")
        return self

    @property
    def signed_amount(self) -> Any:
        return self.debit if self.debit is not None else -self.credit  # type: ignore[operator]


class PostVoucher(Action):
    """Post a balanced journal voucher."""

    action: Literal["post_voucher"] = "post_voucher"
    date: dt.date
    memo: Text | None = None
    lines: Annotated[list[VoucherLine], Field(min_length=2, max_length=MAX_LINES)]


class ReverseVoucher(Action):
    """Post a new voucher that reverses a posted one, dated in an open period."""

    action: Literal["reverse_voucher"] = "reverse_voucher"
    document: Annotated[str, Field(max_length=32)]
    date: dt.date
    memo: Text | None = None


# --- fiscal calendar -------------------------------------------------------------------------


class _PeriodAction(Action):
    period: str

    _check_month = field_validator("period")(_month)


class ClosePeriod(_PeriodAction):
    """Close the period that holds the month YYYY-MM: postings into it are refused."""

    action: Literal["close_period"] = "close_period"


class LockPeriod(_PeriodAction):
    """Lock a closed period for good (after audit): it can never be reopened."""

    action: Literal["lock_period"] = "lock_period"


class ReopenPeriod(_PeriodAction):
    """Reopen a closed (not locked) period; the reason is recorded."""

    action: Literal["reopen_period"] = "reopen_period"
    reason: Reason


class CloseFiscalYear(Action):
    """Year-end close: move profit and loss to retained earnings and close every period."""

    action: Literal["close_fiscal_year"] = "close_fiscal_year"
    year: Annotated[int, Field(ge=1900, le=9999)]


class ReopenFiscalYear(Action):
    """Reverse the closing entry of a year so its periods can be reopened."""

    action: Literal["reopen_fiscal_year"] = "reopen_fiscal_year"
    year: Annotated[int, Field(ge=1900, le=9999)]
    reason: Reason


# --- inventory -------------------------------------------------------------------------------

Code = Annotated[str, Field(min_length=1, max_length=32)]


class _Line(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class RegisterItem(Action):
    """Add an item to the item master."""

    action: Literal["register_item"] = "register_item"
    code: Code
    name: Name
    uom: Annotated[str, Field(min_length=1, max_length=16)]
    valuation: Literal["fifo", "moving_average"] = "fifo"
    batch_tracked: bool = False
    expense_account: str = "5100"


class RegisterWarehouse(Action):
    """Add a warehouse."""

    action: Literal["register_warehouse"] = "register_warehouse"
    code: Code
    name: Name


class ReceiptLine(_Line):
    item: Code
    warehouse: Code
    quantity: Dec
    unit_cost: Dec
    batch: Code | None = None


class ReceiveStock(Action):
    """Receive stock without a purchase order (opening stock, found goods, ...)."""

    action: Literal["receive_stock"] = "receive_stock"
    date: dt.date
    account: str  # the account credited against inventory
    memo: Text | None = None
    lines: Annotated[list[ReceiptLine], Field(min_length=1, max_length=MAX_LINES)]


class IssueLine(_Line):
    item: Code
    warehouse: Code
    quantity: Dec
    batch: Code | None = None
    account: str | None = None  # default: the item's expense account


class IssueMaterial(Action):
    """Issue material to a department; its cost comes from the bin's layers or average."""

    action: Literal["issue_material"] = "issue_material"
    date: dt.date
    department: Code | None = None
    requester: Name
    purpose: Text
    lines: Annotated[list[IssueLine], Field(min_length=1, max_length=MAX_LINES)]


class TransferLine(_Line):
    item: Code
    quantity: Dec
    batch: Code | None = None


class TransferStock(Action):
    """Move stock between warehouses; its cost travels with it."""

    action: Literal["transfer_stock"] = "transfer_stock"
    date: dt.date
    from_warehouse: Code
    to_warehouse: Code
    memo: Text | None = None
    lines: Annotated[list[TransferLine], Field(min_length=1, max_length=MAX_LINES)]


class CountLine(_Line):
    item: Code
    counted: Dec
    batch: Code | None = None


class CountStock(Action):
    """Record a count sheet for a warehouse; differences become stock adjustments."""

    action: Literal["count_stock"] = "count_stock"
    date: dt.date
    warehouse: Code
    lines: Annotated[list[CountLine], Field(min_length=1, max_length=MAX_LINES)]


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

    _check_currency = field_validator("currency")(_currency)


class PlanLineIn(_Line):
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


class PlanOrderLine(_Line):
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


class OrderLineIn(_Line):
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


class ApprovePurchaseOrder(Action):
    """Approve an order (by someone other than its creator)."""

    action: Literal["approve_purchase_order"] = "approve_purchase_order"
    document: Code


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


class ReceiveLine(_Line):
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


class InvoiceLine(_Line):
    order: Code
    line: Annotated[int, Field(ge=1)]
    quantity: Dec
    price: Dec
    tax_rate: Dec = Decimal(0)


class PostSupplierInvoice(Action):
    """Book a supplier invoice, matched against order and receipts."""

    action: Literal["post_supplier_invoice"] = "post_supplier_invoice"
    supplier: Code
    supplier_reference: Code
    date: dt.date
    lines: Annotated[list[InvoiceLine], Field(min_length=1, max_length=MAX_LINES)]
    total: Dec | None = None  # the invoice's printed total, checked when given


class Allocation(_Line):
    invoice: Code
    amount: Dec


class PaySupplier(Action):
    """Pay a supplier, allocating the payment to invoices (partly, or not yet)."""

    action: Literal["pay_supplier"] = "pay_supplier"
    supplier: Code
    date: dt.date
    amount: Dec
    bank_account: str = "1120"
    allocations: Annotated[list[Allocation], Field(max_length=MAX_LINES)] = Field(
        default_factory=list
    )


class AllocateSupplierPayment(Action):
    """Allocate what is left of a payment to invoices."""

    action: Literal["allocate_supplier_payment"] = "allocate_supplier_payment"
    payment: Code
    date: dt.date
    allocations: Annotated[list[Allocation], Field(min_length=1, max_length=MAX_LINES)]


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

    _check_currency = field_validator("currency")(_currency)


class ChangeCustomerCredit(Action):
    """Change a customer's credit level and limit from a date on (history is kept)."""

    action: Literal["change_customer_credit"] = "change_customer_credit"
    customer: Code
    credit_level: Annotated[str, Field(min_length=1, max_length=8)]
    credit_limit: Dec
    effective: dt.date


class SalesLineIn(_Line):
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


class DeliveryLine(_Line):
    line: Annotated[int, Field(ge=1)]
    quantity: Dec
    batch: Code | None = None


class DeliverSalesOrder(Action):
    """Ship goods against a confirmed order: stock leaves at cost (Dr COGS, Cr inventory)."""

    action: Literal["deliver_sales_order"] = "deliver_sales_order"
    document: Code
    date: dt.date
    lines: Annotated[list[DeliveryLine], Field(min_length=1, max_length=MAX_LINES)]


class QuantityLine(_Line):
    line: Annotated[int, Field(ge=1)]
    quantity: Dec


class InvoiceSalesOrder(Action):
    """Invoice delivered quantities (all delivered and not yet invoiced, unless lines given)."""

    action: Literal["invoice_sales_order"] = "invoice_sales_order"
    document: Code
    date: dt.date
    lines: Annotated[list[QuantityLine], Field(max_length=MAX_LINES)] = Field(default_factory=list)


class ReceiveCustomerPayment(Action):
    """Money from a customer, allocated to invoices (what is left stays as customer credit)."""

    action: Literal["receive_customer_payment"] = "receive_customer_payment"
    customer: Code
    date: dt.date
    amount: Dec
    bank_account: str = "1120"
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


ACTIONS: tuple[type[Action], ...] = (
    OpenAccount,
    CloseAccount,
    AddDimensionValue,
    OpenFiscalYear,
    PostVoucher,
    ReverseVoucher,
    ClosePeriod,
    LockPeriod,
    ReopenPeriod,
    CloseFiscalYear,
    ReopenFiscalYear,
    RegisterItem,
    RegisterWarehouse,
    ReceiveStock,
    IssueMaterial,
    TransferStock,
    CountStock,
    ConfigureProcurement,
    RegisterSupplier,
    CreatePurchasePlan,
    OrderPurchasePlan,
    CreatePurchaseOrder,
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    ReceivePurchaseOrder,
    PostSupplierInvoice,
    PaySupplier,
    AllocateSupplierPayment,
    ConfigureSales,
    RegisterCustomer,
    ChangeCustomerCredit,
    CreateSalesOrder,
    ApproveSalesCredit,
    ConfirmSalesOrder,
    CancelSalesOrder,
    DeliverSalesOrder,
    InvoiceSalesOrder,
    ReceiveCustomerPayment,
    AllocateCustomerReceipt,
    ReturnSalesGoods,
    PostCreditNote,
)
ACTION_TYPES: dict[str, type[Action]] = {cls.model_fields["action"].default: cls for cls in ACTIONS}

AnyAction = Annotated[
    OpenAccount
    | CloseAccount
    | AddDimensionValue
    | OpenFiscalYear
    | PostVoucher
    | ReverseVoucher
    | ClosePeriod
    | LockPeriod
    | ReopenPeriod
    | CloseFiscalYear
    | ReopenFiscalYear
    | RegisterItem
    | RegisterWarehouse
    | ReceiveStock
    | IssueMaterial
    | TransferStock
    | CountStock
    | ConfigureProcurement
    | RegisterSupplier
    | CreatePurchasePlan
    | OrderPurchasePlan
    | CreatePurchaseOrder
    | ApprovePurchaseOrder
    | CancelPurchaseOrder
    | ClosePurchaseOrder
    | ReceivePurchaseOrder
    | PostSupplierInvoice
    | PaySupplier
    | AllocateSupplierPayment
    | ConfigureSales
    | RegisterCustomer
    | ChangeCustomerCredit
    | CreateSalesOrder
    | ApproveSalesCredit
    | ConfirmSalesOrder
    | CancelSalesOrder
    | DeliverSalesOrder
    | InvoiceSalesOrder
    | ReceiveCustomerPayment
    | AllocateCustomerReceipt
    | ReturnSalesGoods
    | PostCreditNote,
    Field(discriminator="action"),
]
ACTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyAction)


class ActionResult(BaseModel):
    """What an applied action stored: its documents and log positions."""

    model_config = ConfigDict(frozen=True)
    action: str
    documents: list[str] = Field(default_factory=list)
    positions: list[int] = Field(default_factory=list)
    duplicate: bool = False
