"""Purchase-to-pay actions: plans, orders, receipts with acceptance, invoices, payments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from erp_core.access.events import ApprovalLevel
from erp_core.access.workflow import Workflow, default_workflow, workflow_of
from erp_core.currency.exchange import (
    foreign_line,
    to_base,
)
from erp_core.currency.rates import currency_settings, rate_for
from erp_core.inventory.bins import Item, check_code, check_quantity, item_stream
from erp_core.inventory.stock import StockPlanner, check_warehouse, finish, item_of
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine, ProcurementConfigured
from erp_core.ledger.posting import (
    Now,
    chart_of,
    check_money,
    check_period,
    company_of,
    gl,
    next_document,
    next_number,
    placeholder,
    plain,
    post,
    round_money,
    settings,
)
from erp_core.parties.commands import Allocation
from erp_core.parties.settlement import check_allocations, due_date, record_allocations
from erp_core.procurement.commands import (
    AllocateSupplierPayment,
    AmendPurchaseOrder,
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    ConfigureProcurement,
    CreatePurchaseOrder,
    CreatePurchasePlan,
    OrderLineIn,
    OrderPurchasePlan,
    PaySupplier,
    PostSupplierInvoice,
    ReceivePurchaseOrder,
    RegisterSupplier,
)
from erp_core.procurement.documents import (
    PurchaseOrder,
    PurchasePlan,
    Supplier,
    SupplierInvoice,
    SupplierPayment,
    SupplierReference,
    invoice_stream,
)
from erp_core.procurement.events import (
    GoodsInvoiced,
    GoodsReceived,
    InvoiceAccountLine,
    InvoicedLine,
    OrderLine,
    PlanLine,
    PurchaseOrderAmended,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    PurchaseOrderCreated,
    PurchasePlanCreated,
    PurchasePlanOrdered,
    ReceivedLine,
    SupplierInvoicePosted,
    SupplierPaymentAllocated,
    SupplierPaymentPosted,
    SupplierReferenceClaimed,
    SupplierRegistered,
)


def supplier_stream(code: str) -> str:
    return f"supplier:{code}"


def order_stream(document: str) -> str:
    return f"po:{document}"


def plan_stream(document: str) -> str:
    return f"plan:{document}"


def payment_stream(document: str) -> str:
    return f"pay:{document}"


@handles(ConfigureProcurement)
def configure_procurement(cmd: ConfigureProcurement, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    for field in ("price_variance_account", "adjustment_account", "input_tax_account"):
        chart.check_postable(getattr(cmd, field), base, field)
    settings(uow).trigger(
        ctx.event(
            ProcurementConfigured,
            approval_threshold=cmd.approval_threshold,
            over_receipt_tolerance=cmd.over_receipt_tolerance,
            price_variance_account=cmd.price_variance_account,
            adjustment_account=cmd.adjustment_account,
            input_tax_account=cmd.input_tax_account,
        )
    )
    return []


@handles(RegisterSupplier)
def register_supplier(cmd: RegisterSupplier, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    check_code("supplier", cmd.code)
    currency = cmd.currency or base
    supplier = uow.get(Supplier, supplier_stream(cmd.code))
    if supplier.exists:
        raise ValidationError("code", f"supplier {cmd.code!r} already exists")
    supplier.trigger(
        ctx.event(
            SupplierRegistered,
            code=cmd.code,
            name=cmd.name,
            payment_terms_days=cmd.payment_terms_days,
            currency=currency,
            contact=cmd.contact,
        )
    )
    return []


# --- plans and orders ------------------------------------------------------------------------


@handles(CreatePurchasePlan)
def create_purchase_plan(cmd: CreatePurchasePlan, ctx: Context) -> list[str]:
    uow = ctx.uow
    company_of(uow)
    lines = []
    for i, line in enumerate(cmd.lines):
        item_of(uow, line.item, f"lines[{i}].item")
        check_quantity(line.quantity, f"lines[{i}].quantity")
        if line.wanted_by < cmd.date:
            raise ValidationError(f"lines[{i}].wanted_by", "is before the plan's date")
        lines.append(
            PlanLine(
                item=line.item,
                quantity=line.quantity,
                quality_standard=line.quality_standard,
                wanted_by=line.wanted_by,
            )
        )
    document = next_number(ctx, "PP", cmd.date)
    plan = PurchasePlan(plan_stream(document))
    plan.trigger(
        ctx.event(
            PurchasePlanCreated,
            document=document,
            date=cmd.date,
            title=cmd.title,
            lines=tuple(lines),
        )
    )
    uow.add(plan)
    return [document]


def _order_lines(
    uow: UnitOfWork, lines: list[OrderLineIn], currency: str
) -> tuple[list[OrderLine], Decimal]:
    out: list[OrderLine] = []
    total = ZERO
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        item_of(uow, line.item, f"{where}.item")
        check_warehouse(uow, line.warehouse, f"{where}.warehouse")
        check_quantity(line.quantity, f"{where}.quantity")
        if line.price < 0:
            raise ValidationError(f"{where}.price", "must not be negative")
        out.append(
            OrderLine(
                item=line.item,
                quantity=line.quantity,
                price=line.price,
                quality_standard=line.quality_standard,
                warehouse=line.warehouse,
            )
        )
        total += round_money(line.quantity * line.price, currency)
    return out, total


def _new_order(
    uow: UnitOfWork,
    *,
    date: dt.date,
    supplier: str,
    expected: dt.date,
    contract: str | None,
    terms: str | None,
    plan: str | None,
    lines: list[OrderLine],
    total: Decimal,
    actor: str,
    now: Now,
    rate: Decimal | None = None,
) -> str:
    registered = uow.get(Supplier, supplier_stream(supplier)).info("supplier")
    if expected < date:
        raise ValidationError("expected_delivery", "is before the order date")
    workflow = workflow_of(uow, "purchase_order")
    base = company_of(uow).base_currency
    currency = registered.currency
    foreign: dict[str, object] = {}
    base_total = total
    # the order's value in base decides whether it needs approval
    order_rate, rate_date = rate_for(uow, currency, base, date, rate)
    if order_rate is not None:
        base_total = to_base(total, order_rate, base)
        foreign = {
            "currency": currency,
            "rate": order_rate,
            "rate_date": rate_date,
            "base_total": base_total,
        }
    document = next_document(uow, "PO", date, actor, now)
    order = PurchaseOrder(order_stream(document))
    order.trigger(
        PurchaseOrderCreated(
            actor=actor,
            recorded_at=now,
            document=document,
            date=date,
            supplier=supplier,
            expected_delivery=expected,
            contract=contract,
            terms=terms,
            plan=plan,
            lines=tuple(lines),
            total=total,
            needs_approval=workflow is not None and workflow.needs_approval(base_total),
            **foreign,
        )
    )
    uow.add(order)
    return document


@handles(CreatePurchaseOrder)
def create_purchase_order(cmd: CreatePurchaseOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    company_of(uow)
    supplier = uow.get(Supplier, supplier_stream(cmd.supplier)).info("supplier")
    if cmd.expected_delivery < cmd.date:
        raise ValidationError("expected_delivery", "is before the order date")
    lines, total = _order_lines(uow, cmd.lines, supplier.currency)
    return [
        _new_order(
            uow,
            date=cmd.date,
            supplier=cmd.supplier,
            expected=cmd.expected_delivery,
            contract=cmd.contract,
            terms=cmd.terms,
            plan=None,
            lines=lines,
            total=total,
            actor=actor,
            now=now,
            rate=cmd.rate,
        )
    ]


@handles(OrderPurchasePlan)
def order_purchase_plan(cmd: OrderPurchasePlan, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    company_of(uow)
    plan = uow.get(PurchasePlan, plan_stream(cmd.plan))
    if plan.created is None:
        raise NotFound(f"plan: unknown purchase plan {cmd.plan!r}")
    by_supplier: dict[str, list[tuple[int, OrderLineIn]]] = defaultdict(list)
    seen: set[int] = set()
    for i, choice in enumerate(cmd.lines):
        where = f"lines[{i}]"
        if not 1 <= choice.line <= len(plan.created.lines):
            raise ValidationError(f"{where}.line", f"{cmd.plan} has no line {choice.line}")
        if choice.line in plan.ordered or choice.line in seen:
            raise ValidationError(
                f"{where}.line",
                f"line {choice.line} of {cmd.plan} is "
                f"already ordered ({plan.ordered.get(choice.line, 'here')})",
            )
        seen.add(choice.line)
        uow.get(Supplier, supplier_stream(choice.supplier)).info(f"{where}.supplier")
        planned = plan.created.lines[choice.line - 1]
        by_supplier[choice.supplier].append(
            (
                choice.line,
                OrderLineIn(
                    item=planned.item,
                    quantity=planned.quantity,
                    price=choice.price,
                    warehouse=choice.warehouse,
                    quality_standard=planned.quality_standard,
                ),
            )
        )
    checked = {
        s: _order_lines(
            uow, [x for _, x in v], uow.get(Supplier, supplier_stream(s)).info().currency
        )
        for s, v in by_supplier.items()
    }
    if cmd.expected_delivery < cmd.date:
        raise ValidationError("expected_delivery", "is before the order date")
    documents: list[str] = []
    ordered: dict[int, str] = {}
    for supplier, (lines, total) in checked.items():
        document = _new_order(
            uow,
            date=cmd.date,
            supplier=supplier,
            expected=cmd.expected_delivery,
            contract=None,
            terms=None,
            plan=cmd.plan,
            lines=lines,
            total=total,
            actor=actor,
            now=now,
        )
        documents.append(document)
        ordered.update(dict.fromkeys((n for n, _ in by_supplier[supplier]), document))
    plan.trigger(ctx.event(PurchasePlanOrdered, orders=ordered))
    return documents


def _order(uow: UnitOfWork, document: str) -> PurchaseOrder:
    order = uow.get(PurchaseOrder, order_stream(document))
    if not order.exists:
        raise NotFound(f"document: unknown purchase order {document!r}")
    return order


@handles(ApprovePurchaseOrder)
def approve_purchase_order(cmd: ApprovePurchaseOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    order = _order(uow, cmd.document)
    if order.status != "draft":
        raise ValidationError(
            "document", f"{cmd.document} is {order.status}, not waiting for approval"
        )
    # who may approve is the purchase-order workflow's decision, checked before this runs
    # (`purchase_approval` below by default; a defined workflow's last level applies this)
    if order.amended_by == actor:
        raise ValidationError(
            "actor",
            f"{actor} amended {cmd.document} and cannot approve it: "
            "approval needs a different actor",
        )
    order.trigger(PurchaseOrderApproved(actor=actor, recorded_at=now))
    return []


@default_workflow("purchase_order")
def purchase_approval(uow: UnitOfWork) -> Workflow:
    """The purchase-order workflow until the company defines its own: an order whose total
    (in the base currency) is above the approval threshold waits for one approval, by anyone
    but its creator."""
    threshold = settings(uow).approval_threshold
    level = ApprovalLevel(above=threshold, role="")
    return Workflow("purchase_order", (level,), defined=False, enters_above=threshold)


def _check_no_workflow(uow: UnitOfWork, document: str) -> None:
    """An approval workflow takes an order's total once, when it is created: an amended order
    cannot enter a new round of it, so amending is refused while one governs orders."""
    from erp_core.access.workflow import WORKFLOW_STREAM, Workflows

    if uow.get(Workflows, WORKFLOW_STREAM).levels.get("purchase_order"):
        raise ValidationError(
            "document",
            f"purchase orders are approved through an approval workflow, which cannot take "
            f"an amended order: cancel {document} and order anew",
        )


@handles(AmendPurchaseOrder)
def amend_purchase_order(cmd: AmendPurchaseOrder, ctx: Context) -> list[str]:
    """Amend an order before anything was received or invoiced against it. The amended total
    (in base at the order's own rate) is held against the approval threshold by the rule an
    order is created with: above it, the order waits for approval again."""
    uow = ctx.uow
    base = company_of(uow).base_currency
    order = _order(uow, cmd.document)
    info = order.info()
    if order.status in ("cancelled", "closed"):
        raise ValidationError("document", f"{cmd.document} is {order.status}; it cannot be amended")
    if any(order.received.values()) or any(order.rejected.values()):
        raise ValidationError(
            "document",
            f"goods were received against {cmd.document}; it cannot be amended "
            "(close it and order the rest anew)",
        )
    if any(order.invoiced.values()):
        raise ValidationError(
            "document", f"{cmd.document} was invoiced against; it cannot be amended"
        )
    if cmd.date < info.date:
        raise ValidationError("date", f"is before the order date {info.date}")
    _check_no_workflow(uow, cmd.document)
    expected = cmd.expected_delivery or info.expected_delivery
    if expected < info.date:
        raise ValidationError("expected_delivery", f"is before the order date {info.date}")
    supplier = uow.get(Supplier, supplier_stream(info.supplier)).info("supplier")
    lines, total = _order_lines(uow, cmd.lines, info.currency or supplier.currency)
    if tuple(lines) == info.lines and expected == info.expected_delivery:
        raise ValidationError("lines", f"change nothing on {cmd.document}")
    base_total = total if info.rate is None else to_base(total, info.rate, base)
    order.trigger(
        ctx.event(
            PurchaseOrderAmended,
            date=cmd.date,
            revision=order.revision + 1,
            lines=tuple(lines),
            total=total,
            # the rule of _new_order: the order's value in base above the threshold
            needs_approval=base_total > settings(uow).approval_threshold,
            expected_delivery=expected,
            previous_total=info.total,
            reason=cmd.reason,
            base_total=base_total if info.rate is not None else None,
        )
    )
    return [cmd.document]


@handles(CancelPurchaseOrder)
def cancel_purchase_order(cmd: CancelPurchaseOrder, ctx: Context) -> list[str]:
    uow = ctx.uow
    order = _order(uow, cmd.document)
    if order.status in ("cancelled", "closed"):
        raise ValidationError("document", f"{cmd.document} is already {order.status}")
    if any(order.received.values()):
        raise ValidationError(
            "document",
            f"goods were received against {cmd.document}; close it instead of cancelling it",
        )
    order.trigger(ctx.event(PurchaseOrderCancelled, reason=cmd.reason))
    return []


@handles(ClosePurchaseOrder)
def close_purchase_order(cmd: ClosePurchaseOrder, ctx: Context) -> list[str]:
    uow = ctx.uow
    order = _order(uow, cmd.document)
    if order.status in ("cancelled", "closed"):
        raise ValidationError("document", f"{cmd.document} is already {order.status}")
    order.trigger(ctx.event(PurchaseOrderClosed, reason=cmd.reason))
    return []


# --- receipts --------------------------------------------------------------------------------


@handles(ReceivePurchaseOrder)
def receive_purchase_order(cmd: ReceivePurchaseOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    order = _order(uow, cmd.document)
    order.check_can_receive()
    info = order.info()
    if cmd.date < info.date:
        raise ValidationError("date", f"is before the order date {info.date}")
    tolerance = settings(uow).over_receipt_tolerance
    currency = info.currency or base
    # a foreign order's goods are stocked in base at the receipt's rate
    rate, rate_date = rate_for(uow, currency, base, cmd.date, cmd.rate)
    foreign: dict[str, object] = (
        {"currency": currency, "rate": rate, "rate_date": rate_date} if rate is not None else {}
    )
    inventory = chart.by_role("inventory").code
    grni = chart.by_role("grni").code
    planner = StockPlanner(uow, base)
    receipt = placeholder(uow, "GR", cmd.date)
    received: dict[int, ReceivedLine] = {}
    lines: list[PostedLine] = []
    for i, line in enumerate(cmd.lines, start=1):
        where = f"lines[{i - 1}]"
        ordered = order.line(line.line, f"{where}.line")
        if line.line in received:
            raise ValidationError(f"{where}.line", f"order line {line.line} appears twice")
        check_quantity(line.accepted, f"{where}.accepted", allow_zero=True)
        check_quantity(line.rejected, f"{where}.rejected", allow_zero=True)
        if line.accepted == 0 and line.rejected == 0:
            raise ValidationError(where, "nothing accepted or rejected")
        if line.rejected and not line.reason:
            raise ValidationError(f"{where}.reason", "a rejected quantity needs a reason")
        limit = ordered.quantity * (1 + tolerance)
        already = order.received.get(line.line, ZERO)
        if already + line.accepted > limit:
            raise ValidationError(
                f"{where}.accepted",
                f"over-receipt on {info.document} line {line.line} ({ordered.item}): ordered "
                f"{ordered.quantity:f}, received {already:f}, now {line.accepted:f}; at most "
                f"{plain(limit - already)} more with a tolerance of {plain(tolerance * 100)}%",
            )
        item = item_of(uow, ordered.item, f"{where}.line")
        amount = round_money(line.accepted * ordered.price, currency)
        value = to_base(amount, rate, base)
        received[line.line] = ReceivedLine(
            accepted=line.accepted,
            rejected=line.rejected,
            value=value,
            reason=line.reason,
            amount=amount if rate is not None else None,
        )
        if line.accepted == 0:
            continue
        uow.get(Item, item_stream(item.code)).check_batch(line.batch, f"{where}.batch")
        planner.move(
            item,
            ordered.warehouse,
            document=receipt,
            line=line.line,
            kind="receipt",
            date=cmd.date,
            quantity=line.accepted,
            value=value,
            batch=line.batch,
            counter_account=grni,
        )
        memo = f"{info.document}/{line.line} {item.code} x {line.accepted:f}"
        lines.append(gl(inventory, value, base, memo))
        lines.append(gl(grni, -value, base, memo, party=info.supplier))
    if not lines:
        # everything rejected: the receipt is recorded on the order, no stock, no posting
        number = next_number(ctx, "GR", cmd.date)
        order.trigger(
            ctx.event(
                GoodsReceived,
                receipt=number,
                date=cmd.date,
                lines=received,
                **foreign,
            )
        )
        return [number]
    documents = finish(
        uow,
        planner,
        series="GR",
        kind="goods_receipt",
        date=cmd.date,
        memo=f"Receipt against {info.document}",
        lines=lines,
        actor=actor,
        now=now,
    )
    order.trigger(
        ctx.event(
            GoodsReceived,
            receipt=documents[0],
            date=cmd.date,
            lines=received,
            **foreign,
        )
    )
    return documents


# --- invoices and payments -------------------------------------------------------------------


@handles(PostSupplierInvoice)
def post_supplier_invoice(cmd: PostSupplierInvoice, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    supplier = uow.get(Supplier, supplier_stream(cmd.supplier)).info()
    claimed = uow.get(SupplierReference, f"supref:{cmd.supplier}/{cmd.supplier_reference}")
    if claimed.invoice is not None:
        raise ValidationError(
            "supplier_reference",
            f"{supplier.code}'s invoice "
            f"{cmd.supplier_reference} is already booked as {claimed.invoice}",
        )
    conf = settings(uow)
    grni = chart.by_role("grni").code
    payables = chart.by_role("payables").code
    currency = supplier.currency
    rate, rate_date = rate_for(uow, currency, base, cmd.date, cmd.rate)
    chart.check_postable(conf.price_variance_account, currency, "price_variance_account")
    chart.check_postable(
        conf.input_tax_account, currency, "input_tax_account", allow_subledger=True
    )
    lines: list[PostedLine] = []
    invoiced: dict[str, dict[int, InvoicedLine]] = defaultdict(dict)
    net = tax = ZERO
    for i, line in enumerate(cmd.lines):
        where = f"lines[{i}]"
        order = _order(uow, line.order)
        info = order.info()
        if info.supplier != cmd.supplier:
            raise ValidationError(
                f"{where}.order", f"{line.order} is an order to {info.supplier}, not {cmd.supplier}"
            )
        ordered = order.line(line.line, f"{where}.line")
        check_quantity(line.quantity, f"{where}.quantity")
        if line.price < 0:
            raise ValidationError(f"{where}.price", "must not be negative")
        if not 0 <= line.tax_rate <= 1:
            raise ValidationError(f"{where}.tax_rate", "a fraction between 0 and 1 (0.2 = 20%)")
        earlier = invoiced[line.order].get(line.line)
        done = order.invoiced.get(line.line, ZERO) + (earlier.quantity if earlier else ZERO)
        open_qty = order.received.get(line.line, ZERO) - done
        if line.quantity > open_qty:
            raise ValidationError(
                f"{where}.quantity",
                f"three-way match failed for {line.order} line {line.line} ({ordered.item}): "
                f"received {order.received.get(line.line, ZERO):f}, invoiced {done:f}, so at "
                f"most {open_qty:f} can be invoiced, not {line.quantity:f}",
            )
        if rate is None:
            cleared = round_money(line.quantity * ordered.price, base)
        else:
            # GRNI is cleared at the base value the receipts booked (their rates), pro rata
            # to the quantity, and exactly what is left when the last received unit is billed
            left = order.received_value.get(line.line, ZERO) - order.cleared_value.get(
                line.line, ZERO
            )
            left -= earlier.cleared if earlier else ZERO
            cleared = (
                left
                if line.quantity == open_qty
                else round_money(left * line.quantity / open_qty, base)
            )
        invoiced[line.order][line.line] = InvoicedLine(
            quantity=line.quantity + (earlier.quantity if earlier else ZERO),
            cleared=cleared + (earlier.cleared if earlier else ZERO),
        )
        amount = round_money(line.quantity * line.price, currency)
        line_tax = round_money(amount * line.tax_rate, currency)
        memo = f"{line.order}/{line.line} {ordered.item} x {line.quantity:f}"
        lines.append(gl(grni, cleared, base, memo, party=cmd.supplier))
        if rate is not None:
            # price difference at the invoice's rate; tax in the invoice's currency
            ordered_amount = round_money(line.quantity * ordered.price, currency)
            if amount != ordered_amount:
                difference = amount - ordered_amount
                lines.append(
                    foreign_line(
                        conf.price_variance_account,
                        difference,
                        to_base(difference, rate, base),
                        currency,
                        rate,
                        f"price difference {memo}",
                    )
                )
            if line_tax:
                lines.append(
                    foreign_line(
                        conf.input_tax_account,
                        line_tax,
                        to_base(line_tax, rate, base),
                        currency,
                        rate,
                        f"tax {memo}",
                    )
                )
        elif amount != cleared:
            lines.append(
                gl(conf.price_variance_account, amount - cleared, base, f"price difference {memo}")
            )
        if line_tax:
            lines.append(gl(conf.input_tax_account, line_tax, base, f"tax {memo}"))
        net += amount
        tax += line_tax
    account_lines: list[InvoiceAccountLine] = []
    for i, acc_line in enumerate(cmd.account_lines):
        where = f"account_lines[{i}]"
        chart.check_postable(acc_line.account, currency, f"{where}.account")
        if acc_line.amount == 0:
            raise ValidationError(f"{where}.amount", "must not be zero")
        check_money(abs(acc_line.amount), currency, f"{where}.amount")
        if not 0 <= acc_line.tax_rate <= 1:
            raise ValidationError(f"{where}.tax_rate", "a fraction between 0 and 1 (0.2 = 20%)")
        dims = {} if acc_line.cost_centre is None else {"cost_centre": acc_line.cost_centre}
        chart.check_dimensions(dims, f"{where}.cost_centre")
        line_tax = round_money(acc_line.amount * acc_line.tax_rate, currency)
        memo = acc_line.memo or f"{cmd.supplier_reference} line {i + 1}"
        if rate is None:
            line_base = acc_line.amount
            lines.append(gl(acc_line.account, line_base, base, memo, dims))
            if line_tax:
                lines.append(gl(conf.input_tax_account, line_tax, base, f"tax {memo}"))
        else:
            line_base = to_base(acc_line.amount, rate, base)
            posted = foreign_line(
                acc_line.account, acc_line.amount, line_base, currency, rate, memo
            )
            lines.append(posted.model_copy(update={"dimensions": dims}))
            if line_tax:
                lines.append(
                    foreign_line(
                        conf.input_tax_account,
                        line_tax,
                        to_base(line_tax, rate, base),
                        currency,
                        rate,
                        f"tax {memo}",
                    )
                )
        account_lines.append(
            InvoiceAccountLine(
                line=i + 1,
                account=acc_line.account,
                amount=acc_line.amount,
                base=line_base,
                tax=line_tax,
                memo=acc_line.memo,
                cost_centre=acc_line.cost_centre,
            )
        )
        net += acc_line.amount
        tax += line_tax
    total = net + tax
    if total <= 0:
        raise ValidationError(
            "total",
            f"the invoice comes to {total:f}; an invoice must come to more than zero "
            "(credit lines may only reduce it)",
        )
    if cmd.total is not None and cmd.total != total:
        raise ValidationError(
            "total",
            f"the invoice says {cmd.total:f} but its lines come to "
            f"{total:f} ({net:f} + tax {tax:f})",
        )
    foreign: dict[str, object] = {}
    if rate is None:
        lines.append(
            gl(
                payables,
                -total,
                base,
                f"{supplier.code} {cmd.supplier_reference}",
                party=cmd.supplier,
            )
        )
    else:
        payable = to_base(total, rate, base, "total")
        base_tax = sum(
            (x.base for x in lines if x.account == conf.input_tax_account and x.rate), ZERO
        )
        # what the receipts booked in GRNI differs from the invoice at its own rate: the
        # rate moved between receipt and invoice (and each line was rounded on its own)
        difference = payable - sum((x.base for x in lines), ZERO)
        if difference:
            fx = currency_settings(uow)
            account = fx.realised_loss_account if difference > 0 else fx.realised_gain_account
            chart.check_postable(account, base, "realised_gain_account")
            lines.append(
                gl(
                    account,
                    difference,
                    base,
                    f"exchange difference receipt to invoice {cmd.supplier_reference}",
                )
            )
        lines.append(
            foreign_line(
                payables,
                -total,
                -payable,
                currency,
                rate,
                f"{supplier.code} {cmd.supplier_reference}",
                party=cmd.supplier,
            )
        )
        foreign = {
            "currency": currency,
            "rate": rate,
            "rate_date": rate_date,
            "base_tax": base_tax,
            "base_total": payable,
        }
    document = post(
        ctx,
        series="PI",
        kind="supplier_invoice",
        date=cmd.date,
        memo=f"{supplier.name} invoice {cmd.supplier_reference}",
        lines=lines,
    )
    claimed.trigger(ctx.event(SupplierReferenceClaimed, invoice=document))
    invoice = SupplierInvoice(invoice_stream(document))
    invoice.trigger(
        ctx.event(
            SupplierInvoicePosted,
            document=document,
            supplier=cmd.supplier,
            supplier_reference=cmd.supplier_reference,
            date=cmd.date,
            due=due_date(cmd.date, supplier.payment_terms_days),
            net=net,
            tax=tax,
            total=total,
            account_lines=tuple(account_lines),
            **foreign,
        )
    )
    uow.add(invoice)
    for order_document, quantities in invoiced.items():
        _order(uow, order_document).trigger(
            ctx.event(GoodsInvoiced, invoice=document, date=cmd.date, lines=quantities)
        )
    return [document]


def _check_allocations(
    uow: UnitOfWork,
    supplier: str,
    allocations: list[Allocation],
    available: Decimal,
    base: str,
    date: dt.date,
) -> list[tuple[SupplierInvoice, Decimal]]:
    def load(document: str) -> tuple[SupplierInvoice, str, dt.date] | None:
        invoice = uow.get(SupplierInvoice, invoice_stream(document))
        if invoice.posted is None:
            return None
        return invoice, invoice.posted.supplier, invoice.posted.date

    return check_allocations(
        allocations,
        load=load,
        party=supplier,
        available=available,
        currency=base,
        date=date,
        noun="supplier",
        uow=uow,
    )


def _allocate(
    uow: UnitOfWork,
    payment: SupplierPayment,
    allocations: list[tuple[SupplierInvoice, Decimal]],
    date: dt.date,
    actor: str,
    now: Now,
) -> list[str]:
    """Record the allocations; in a foreign currency, book the realised exchange difference
    between the invoice's carrying base and the payment's base in the same save."""
    posted = payment.posted
    assert posted is not None

    def invoice_of(invoice: SupplierInvoice) -> tuple[str, Decimal | None]:
        assert invoice.posted is not None
        return invoice.posted.document, invoice.posted.rate

    def make_event(
        invoice: SupplierInvoice, amount: Decimal, fields: dict[str, Any]
    ) -> SupplierPaymentAllocated:
        assert invoice.posted is not None
        return SupplierPaymentAllocated(
            actor=actor,
            recorded_at=now,
            payment=posted.document,
            invoice=invoice.posted.document,
            date=date,
            amount=amount,
            **fields,
        )

    exchange, _ = record_allocations(
        uow,
        ledger="payables",
        party=posted.supplier,
        document=posted.document,
        currency=posted.currency or company_of(uow).base_currency,
        rate=posted.rate,
        unallocated=payment.unallocated,
        unallocated_base=payment.unallocated_base,
        allocations=allocations,
        invoice_of=invoice_of,
        sign=1,
        make_event=make_event,
        payment=payment,
        date=date,
        actor=actor,
        now=now,
    )
    return [exchange] if exchange else []


@handles(PaySupplier)
def pay_supplier(cmd: PaySupplier, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    supplier = uow.get(Supplier, supplier_stream(cmd.supplier)).info()
    currency = supplier.currency
    check_money(cmd.amount, currency, "amount")
    rate, rate_date = rate_for(uow, currency, base, cmd.date, cmd.rate)
    bank = chart.get(cmd.bank_account, "bank_account")
    bank_currency = currency if bank.currency == currency else base
    chart.check_postable(cmd.bank_account, bank_currency, "bank_account")
    payables = chart.by_role("payables").code
    allocations = _check_allocations(
        uow, cmd.supplier, cmd.allocations, cmd.amount, currency, cmd.date
    )
    base_amount = to_base(cmd.amount, rate, base)
    lines = [
        foreign_line(
            payables,
            cmd.amount,
            base_amount,
            currency,
            rate,
            f"payment to {supplier.code}",
            party=cmd.supplier,
        ),
        foreign_line(
            cmd.bank_account,
            -cmd.amount if bank_currency == currency else -base_amount,
            -base_amount,
            bank_currency,
            rate if bank_currency != base else None,
            f"payment to {supplier.name}",
        ),
    ]
    document = post(
        ctx,
        series="PY",
        kind="supplier_payment",
        date=cmd.date,
        memo=f"Payment to {supplier.name}",
        lines=lines,
    )
    foreign: dict[str, object] = (
        {"currency": currency, "rate": rate, "rate_date": rate_date, "base_amount": base_amount}
        if rate is not None
        else {}
    )
    payment = SupplierPayment(payment_stream(document))
    payment.trigger(
        ctx.event(
            SupplierPaymentPosted,
            document=document,
            supplier=cmd.supplier,
            date=cmd.date,
            amount=cmd.amount,
            bank_account=cmd.bank_account,
            **foreign,
        )
    )
    uow.add(payment)
    return [document, *_allocate(uow, payment, allocations, cmd.date, actor, now)]


@handles(AllocateSupplierPayment)
def allocate_supplier_payment(cmd: AllocateSupplierPayment, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    payment = uow.get(SupplierPayment, payment_stream(cmd.payment))
    if payment.posted is None:
        raise NotFound(f"payment: unknown supplier payment {cmd.payment!r}")
    if cmd.date < payment.posted.date:
        raise ValidationError("date", f"is before the payment date {payment.posted.date}")
    allocations = _check_allocations(
        uow,
        payment.posted.supplier,
        cmd.allocations,
        payment.unallocated,
        payment.posted.currency or base,
        cmd.date,
    )
    return _allocate(uow, payment, allocations, cmd.date, actor, now)
