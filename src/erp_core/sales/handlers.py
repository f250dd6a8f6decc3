"""Order-to-cash actions. Each checks everything first, then records the order, the stock
bins, the customer's exposure and the journal together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from erp_core.access.events import ApprovalLevel
from erp_core.access.workflow import Workflow, default_workflow
from erp_core.currency.exchange import (
    check_not_before_kept,
    foreign_line,
    to_base,
)
from erp_core.currency.rates import rate_for
from erp_core.inventory.bins import (
    Item,
    StockBin,
    bin_stream,
    check_code,
    check_quantity,
    item_stream,
)
from erp_core.inventory.stock import StockPlanner, check_warehouse, finish, item_of
from erp_core.kernel.context import Context
from erp_core.kernel.errors import NotFound, ValidationError
from erp_core.kernel.money import ZERO
from erp_core.kernel.registry import handles
from erp_core.kernel.unit_of_work import UnitOfWork
from erp_core.ledger.events import PostedLine
from erp_core.ledger.posting import (
    Now,
    chart_of,
    check_money,
    check_period,
    company_of,
    gl,
    next_number,
    placeholder,
    post,
    round_money,
)
from erp_core.parties.commands import Allocation
from erp_core.parties.settlement import check_allocations, due_date, record_allocations
from erp_core.sales.commands import (
    AllocateCustomerReceipt,
    ApproveSalesCredit,
    CancelSalesOrder,
    ChangeCustomerCredit,
    CloseSalesOrder,
    ConfigureSales,
    ConfirmSalesOrder,
    CreateSalesOrder,
    DeliverSalesOrder,
    InvoiceSalesOrder,
    PostCreditNote,
    ReceiveCustomerPayment,
    RegisterCustomer,
    ReturnSalesGoods,
)
from erp_core.sales.documents import (
    SETTINGS_STREAM,
    Customer,
    CustomerReceipt,
    SalesInvoice,
    SalesOrder,
    SalesSettings,
    customer_stream,
    invoice_stream,
    order_stream,
    receipt_stream,
)
from erp_core.sales.events import (
    BilledLine,
    CreditNotePosted,
    CustomerCreditChanged,
    CustomerExposureChanged,
    CustomerReceiptAllocated,
    CustomerReceiptPosted,
    CustomerRegistered,
    DeliveredLine,
    GoodsDelivered,
    GoodsReturned,
    SalesConfigured,
    SalesInvoicePosted,
    SalesLine,
    SalesOrderCancelled,
    SalesOrderClosed,
    SalesOrderConfirmed,
    SalesOrderCreated,
    SalesOrderCreditApproved,
)


def sales_settings(uow: UnitOfWork) -> SalesSettings:
    return uow.get(SalesSettings, SETTINGS_STREAM)


def _customer(uow: UnitOfWork, code: str, field: str = "customer") -> Customer:
    customer = uow.get(Customer, customer_stream(code))
    customer.info(field)
    return customer


def _order(uow: UnitOfWork, document: str) -> SalesOrder:
    order = uow.get(SalesOrder, order_stream(document))
    if not order.exists:
        raise NotFound(f"document: unknown sales order {document!r}")
    return order


def _open(uow: UnitOfWork, order: SalesOrder) -> Decimal:
    """What an order will still invoice, in base (a foreign order's at the order's rate):
    what counts toward credit exposure, which is kept in the base currency."""
    value = order.open_value()
    rate = order.info().rate
    return value if rate is None else to_base(value, rate, company_of(uow).base_currency)


def _expose(
    customer: Customer, document: str, orders: Decimal, receivables: Decimal, actor: str, now: Now
) -> None:
    if orders or receivables:
        customer.trigger(
            CustomerExposureChanged(
                actor=actor,
                recorded_at=now,
                document=document,
                orders=orders,
                receivables=receivables,
            )
        )


@handles(ConfigureSales)
def configure_sales(cmd: ConfigureSales, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    for field in ("revenue_account", "cogs_account", "output_tax_account"):
        chart.check_postable(getattr(cmd, field), base, field)
    sales_settings(uow).trigger(
        ctx.event(
            SalesConfigured,
            credit_approvers=tuple(cmd.credit_approvers),
            revenue_account=cmd.revenue_account,
            cogs_account=cmd.cogs_account,
            output_tax_account=cmd.output_tax_account,
        )
    )
    return []


@handles(RegisterCustomer)
def register_customer(cmd: RegisterCustomer, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    check_code("customer", cmd.code)
    currency = cmd.currency or base  # credit limits and exposure stay in the base currency
    check_money(cmd.credit_limit, base, "credit_limit", positive=False)
    customer = uow.get(Customer, customer_stream(cmd.code))
    if customer.exists:
        raise ValidationError("code", f"customer {cmd.code!r} already exists")
    customer.trigger(
        ctx.event(
            CustomerRegistered,
            code=cmd.code,
            name=cmd.name,
            contact=cmd.contact,
            address=cmd.address,
            currency=currency,
            payment_terms_days=cmd.payment_terms_days,
            credit_level=cmd.credit_level,
            credit_limit=cmd.credit_limit,
            effective=cmd.effective,
        )
    )
    return []


@handles(ChangeCustomerCredit)
def change_customer_credit(cmd: ChangeCustomerCredit, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    customer = _customer(uow, cmd.customer)
    check_money(cmd.credit_limit, base, "credit_limit", positive=False)
    customer.trigger(
        ctx.event(
            CustomerCreditChanged,
            credit_level=cmd.credit_level,
            credit_limit=cmd.credit_limit,
            effective=cmd.effective,
        )
    )
    return []


@handles(CreateSalesOrder)
def create_sales_order(cmd: CreateSalesOrder, ctx: Context) -> list[str]:
    uow = ctx.uow
    base = company_of(uow).base_currency
    currency = _customer(uow, cmd.customer).info().currency
    rate, rate_date = rate_for(uow, currency, base, cmd.date, cmd.rate)
    if cmd.delivery_date < cmd.date:
        raise ValidationError("delivery_date", "is before the order date")
    lines: list[SalesLine] = []
    for i, line in enumerate(cmd.lines):
        where = f"lines[{i}]"
        item_of(uow, line.item, f"{where}.item")
        check_warehouse(uow, line.warehouse, f"{where}.warehouse")
        check_quantity(line.quantity, f"{where}.quantity")
        if line.price < 0:
            raise ValidationError(f"{where}.price", "must not be negative")
        if not 0 <= line.discount < 1:
            raise ValidationError(f"{where}.discount", "a fraction from 0 up to 1 (0.1 = 10%)")
        if not 0 <= line.tax_rate <= 1:
            raise ValidationError(f"{where}.tax_rate", "a fraction between 0 and 1 (0.2 = 20%)")
        net = round_money(line.quantity * line.price * (1 - line.discount), currency)
        tax = round_money(net * line.tax_rate, currency)
        lines.append(
            SalesLine(
                item=line.item,
                quantity=line.quantity,
                price=line.price,
                discount=line.discount,
                tax_rate=line.tax_rate,
                warehouse=line.warehouse,
                net=net,
                tax=tax,
                base_net=None if rate is None else to_base(net, rate, base),
            )
        )
    net = sum((x.net for x in lines), ZERO)
    tax = sum((x.tax for x in lines), ZERO)
    document = next_number(ctx, "SO", cmd.date)
    order = SalesOrder(order_stream(document))
    order.trigger(
        ctx.event(
            SalesOrderCreated,
            document=document,
            date=cmd.date,
            customer=cmd.customer,
            delivery_date=cmd.delivery_date,
            lines=tuple(lines),
            net=net,
            tax=tax,
            total=net + tax,
            **(
                {}
                if rate is None
                else {
                    "currency": currency,
                    "rate": rate,
                    "rate_date": rate_date,
                    "base_total": to_base(net + tax, rate, base),
                }
            ),
        )
    )
    uow.add(order)
    return [document]


@handles(ApproveSalesCredit)
def approve_sales_credit(cmd: ApproveSalesCredit, ctx: Context) -> list[str]:
    order = _order(ctx.uow, cmd.document)
    if order.status != "draft":
        raise ValidationError("document", f"{cmd.document} is already {order.status}")
    # who may approve is the sales-credit workflow's decision, checked before this runs
    # (`credit_approval` below by default; a defined workflow's last level applies this)
    order.trigger(ctx.event(SalesOrderCreditApproved, reason=cmd.reason))
    return []


@default_workflow("sales_credit")
def credit_approval(uow: UnitOfWork) -> Workflow:
    """The sales-credit workflow until the company defines its own: an order over its
    customer's credit limit needs one approval by a credit approver named in the sales
    settings (who may have taken the order themselves)."""
    level = ApprovalLevel(above=ZERO, role="", self_approval=True)
    approvers = sales_settings(uow).credit_approvers
    return Workflow("sales_credit", (level,), defined=False, approvers=approvers)


@handles(ConfirmSalesOrder)
def confirm_sales_order(cmd: ConfirmSalesOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    order = _order(uow, cmd.document)
    info = order.info()
    if order.status != "draft":
        raise ValidationError("document", f"{cmd.document} is already {order.status}")
    customer = _customer(uow, info.customer)
    level, limit = customer.credit_on(info.date)
    exposure = customer.exposure + (info.total if info.base_total is None else info.base_total)
    over = exposure > limit
    if over and not order.credit_approved:
        raise ValidationError(
            "credit",
            f"{cmd.document} would take {info.customer} over its credit limit: exposure "
            f"{exposure:f} with this order (open receivables {customer.receivables:f}, open "
            f"orders {customer.open_orders:f}, this order {info.total:f}), limit {limit:f} "
            f"(level {level}, in force on {info.date}); a credit approver must approve it first",
        )
    order.trigger(
        ctx.event(SalesOrderConfirmed, exposure=exposure, limit=limit, over_limit_approved=over)
    )
    _expose(customer, cmd.document, _open(uow, order), ZERO, actor, now)
    return []


@handles(CancelSalesOrder)
def cancel_sales_order(cmd: CancelSalesOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    order = _order(uow, cmd.document)
    if order.status == "cancelled":
        raise ValidationError("document", f"{cmd.document} is already cancelled")
    if any(order.delivered.values()):
        raise ValidationError(
            "document", f"goods were delivered against {cmd.document}; it cannot be cancelled"
        )
    released = _open(uow, order)
    order.trigger(ctx.event(SalesOrderCancelled, reason=cmd.reason))
    _expose(_customer(uow, order.info().customer), cmd.document, -released, ZERO, actor, now)
    return []


@handles(CloseSalesOrder)
def close_sales_order(cmd: CloseSalesOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    order = _order(uow, cmd.document)
    if order.status == "closed":
        raise ValidationError("document", f"{cmd.document} is already closed")
    if order.status == "delivered":
        raise ValidationError("document", f"{cmd.document} is fully delivered; nothing to close")
    if order.status != "partly_delivered":
        raise ValidationError(
            "document",
            f"{cmd.document} is {order.status}: only a partly delivered order is closed "
            "(cancel an order nothing was delivered against)",
        )
    before = _open(uow, order)
    order.trigger(ctx.event(SalesOrderClosed, reason=cmd.reason))
    released = before - _open(uow, order)
    _expose(_customer(uow, order.info().customer), cmd.document, -released, ZERO, actor, now)
    return []


@handles(DeliverSalesOrder)
def deliver_sales_order(cmd: DeliverSalesOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    order = _order(uow, cmd.document)
    info = order.info()
    if order.status not in ("confirmed", "partly_delivered"):
        raise ValidationError(
            "document", f"{cmd.document} is {order.status}: only confirmed orders are delivered"
        )
    if cmd.date < info.date:
        raise ValidationError("date", f"is before the order date {info.date}")
    cogs = sales_settings(uow).cogs_account
    inventory = chart.by_role("inventory").code
    planner = StockPlanner(uow, base)
    delivery = placeholder(uow, "DN", cmd.date)
    delivered: dict[int, DeliveredLine] = {}
    lines: list[PostedLine] = []
    for i, line in enumerate(cmd.lines):
        where = f"lines[{i}]"
        ordered = order.line(line.line, f"{where}.line")
        if line.line in delivered:
            raise ValidationError(f"{where}.line", f"order line {line.line} appears twice")
        check_quantity(line.quantity, f"{where}.quantity")
        already = order.delivered.get(line.line, ZERO)
        if already + line.quantity > ordered.quantity:
            raise ValidationError(
                f"{where}.quantity",
                f"over-delivery on {cmd.document} line {line.line} ({ordered.item}): ordered "
                f"{ordered.quantity:f}, delivered {already:f}, now {line.quantity:f}",
            )
        item = item_of(uow, ordered.item, f"{where}.line")
        uow.get(Item, item_stream(item.code)).check_batch(line.batch, f"{where}.batch")
        moved = planner.move(
            item,
            ordered.warehouse,
            document=delivery,
            line=line.line,
            kind="delivery",
            date=cmd.date,
            quantity=-line.quantity,
            batch=line.batch,
            counter_account=cogs,
        )
        cost = -moved.value
        delivered[line.line] = DeliveredLine(quantity=line.quantity, cost=cost, batch=line.batch)
        memo = f"{cmd.document}/{line.line} {item.code} x {line.quantity:f}"
        lines.append(gl(cogs, cost, base, memo, party=info.customer))
        lines.append(gl(inventory, -cost, base, memo))
    documents = finish(
        uow,
        planner,
        series="DN",
        kind="delivery",
        date=cmd.date,
        memo=f"Delivery for {cmd.document} to {info.customer}",
        lines=lines,
        actor=actor,
        now=now,
    )
    order.trigger(ctx.event(GoodsDelivered, delivery=documents[0], date=cmd.date, lines=delivered))
    return documents


@handles(ReturnSalesGoods)
def return_sales_goods(cmd: ReturnSalesGoods, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    order = _order(uow, cmd.document)
    info = order.info()
    cogs = sales_settings(uow).cogs_account
    inventory = chart.by_role("inventory").code
    planner = StockPlanner(uow, base)
    if order.last_delivery is None or cmd.date < order.last_delivery:
        raise ValidationError("date", f"nothing was delivered on {cmd.document} by {cmd.date}")
    document = placeholder(uow, "SR", cmd.date)
    returned: dict[int, DeliveredLine] = {}
    lines: list[PostedLine] = []
    for i, line in enumerate(cmd.lines):
        where = f"lines[{i}]"
        ordered = order.line(line.line, f"{where}.line")
        if line.line in returned:
            raise ValidationError(f"{where}.line", f"order line {line.line} appears twice")
        check_quantity(line.quantity, f"{where}.quantity")
        out = order.delivered.get(line.line, ZERO) - order.returned.get(line.line, ZERO)
        if line.quantity > out:
            raise ValidationError(
                f"{where}.quantity",
                f"only {out:f} of {cmd.document} line {line.line} were delivered and not returned",
            )
        item = item_of(uow, ordered.item, f"{where}.line")
        uow.get(Item, item_stream(item.code)).check_batch(line.batch, f"{where}.batch")
        # back in at the cost it left with: what its deliveries cost now (as posted, plus any
        # adjustment a back-dated movement made to them), less what came back before
        stock_bin = uow.get(StockBin, bin_stream(item.code, ordered.warehouse))
        sent = {(doc, line.line) for doc in order.deliveries.get(line.line, [])}
        cost_out = -sum(
            (m.value for m in stock_bin.history if (m.document, m.line) in sent), ZERO
        ) - order.returned_cost.get(line.line, ZERO)
        cost = (
            cost_out if line.quantity == out else round_money(cost_out * line.quantity / out, base)
        )
        planner.move(
            item,
            ordered.warehouse,
            document=document,
            line=line.line,
            kind="sales_return",
            date=cmd.date,
            quantity=line.quantity,
            value=cost,
            batch=line.batch,
            counter_account=cogs,
        )
        returned[line.line] = DeliveredLine(quantity=line.quantity, cost=cost, batch=line.batch)
        memo = f"return {cmd.document}/{line.line} {item.code} x {line.quantity:f}"
        lines.append(gl(inventory, cost, base, memo))
        lines.append(gl(cogs, -cost, base, memo, party=info.customer))
    documents = finish(
        uow,
        planner,
        series="SR",
        kind="sales_return",
        date=cmd.date,
        memo=f"Return from {info.customer}: {cmd.reason}",
        lines=lines,
        actor=actor,
        now=now,
    )
    before = _open(uow, order)
    order.trigger(
        ctx.event(
            GoodsReturned,
            document=documents[0],
            date=cmd.date,
            reason=cmd.reason,
            lines=returned,
        )
    )
    # goods returned before they were invoiced will not be invoiced: off the open orders
    _expose(
        _customer(uow, info.customer), documents[0], _open(uow, order) - before, ZERO, actor, now
    )
    return documents


def _bill(line: SalesLine, quantity: Decimal, currency: str) -> BilledLine:
    if quantity == line.quantity:
        return BilledLine(quantity=quantity, net=line.net, tax=line.tax)
    net = round_money(quantity * line.price * (1 - line.discount), currency)
    return BilledLine(quantity=quantity, net=net, tax=round_money(net * line.tax_rate, currency))


def _in_base(bill: BilledLine, rate: Decimal | None, base: str) -> BilledLine:
    """A foreign document's line with its base amounts (each rounded on its own)."""
    if rate is None:
        return bill
    return bill.model_copy(
        update={
            "base_net": to_base(bill.net, rate, base),
            "base_tax": to_base(bill.tax, rate, base),
        }
    )


def _billed_lines(
    lines: list[PostedLine],
    bill: BilledLine,
    sign: int,
    conf: SalesSettings,
    currency: str,
    rate: Decimal | None,
    base: str,
    memo: str,
) -> None:
    """Revenue and output-tax lines of a billed line (sign -1 on invoices, +1 on credits)."""
    if rate is None:
        lines.append(gl(conf.revenue_account, sign * bill.net, base, memo))
        if bill.tax:
            lines.append(gl(conf.output_tax_account, sign * bill.tax, base, f"tax {memo}"))
        return
    assert bill.base_net is not None and bill.base_tax is not None
    lines.append(
        foreign_line(
            conf.revenue_account, sign * bill.net, sign * bill.base_net, currency, rate, memo
        )
    )
    if bill.tax:
        lines.append(
            foreign_line(
                conf.output_tax_account,
                sign * bill.tax,
                sign * bill.base_tax,
                currency,
                rate,
                f"tax {memo}",
            )
        )


@handles(InvoiceSalesOrder)
def invoice_sales_order(cmd: InvoiceSalesOrder, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    order = _order(uow, cmd.document)
    info = order.info()
    customer = _customer(uow, info.customer)
    conf = sales_settings(uow)
    receivables = chart.by_role("receivables").code
    currency = info.currency or base
    rate, rate_date = rate_for(uow, currency, base, cmd.date, cmd.rate)
    if order.last_delivery is None or cmd.date < order.last_delivery:
        raise ValidationError("date", f"nothing was delivered on {cmd.document} by {cmd.date}")
    wanted: list[tuple[int, Decimal]]
    if cmd.lines:
        wanted = [(x.line, x.quantity) for x in cmd.lines]
    else:
        wanted = [(i, order.billable(i)) for i, _ in order.lines() if order.billable(i) > 0]
        if not wanted:
            raise ValidationError(
                "document", f"nothing delivered on {cmd.document} is left to invoice"
            )
    billed: dict[int, BilledLine] = {}
    lines: list[PostedLine] = []
    for i, (number, quantity) in enumerate(wanted):
        where = f"lines[{i}]"
        ordered = order.line(number, f"{where}.line")
        if number in billed:
            raise ValidationError(f"{where}.line", f"order line {number} appears twice")
        check_quantity(quantity, f"{where}.quantity")
        left = order.billable(number)
        if quantity > left:
            raise ValidationError(
                f"{where}.quantity",
                f"{cmd.document} line {number}: only {max(left, ZERO):f} delivered (and not "
                f"returned) is left to invoice, not {quantity:f}",
            )
        # the last part of a line takes what is left of its value, so no cent is lost
        if order.invoiced.get(number, ZERO) + quantity == ordered.quantity:
            bill = BilledLine(
                quantity=quantity,
                net=ordered.net - order.billed_net.get(number, ZERO),
                tax=ordered.tax - order.billed_tax.get(number, ZERO),
            )
        else:
            bill = _bill(ordered, quantity, currency)
        bill = _in_base(bill, rate, base)
        billed[number] = bill
        memo = f"{cmd.document}/{number} {ordered.item} x {quantity:f}"
        _billed_lines(lines, bill, -1, conf, currency, rate, base, memo)
    net = sum((b.net for b in billed.values()), ZERO)
    tax = sum((b.tax for b in billed.values()), ZERO)
    total = net + tax
    # the receivable in base is what its lines came to in base: the voucher balances exactly
    base_total = -sum((x.base for x in lines), ZERO)
    lines.append(
        foreign_line(
            receivables,
            total,
            base_total,
            currency,
            rate,
            f"{info.customer} {cmd.document}",
            party=info.customer,
        )
    )
    foreign = (
        {}
        if rate is None
        else {"currency": currency, "rate": rate, "rate_date": rate_date, "base_total": base_total}
    )
    document = post(
        ctx,
        series="SI",
        kind="sales_invoice",
        date=cmd.date,
        memo=f"Invoice for {cmd.document}",
        lines=lines,
    )
    event = ctx.event(
        SalesInvoicePosted,
        document=document,
        order=cmd.document,
        customer=info.customer,
        date=cmd.date,
        due=due_date(cmd.date, customer.info().payment_terms_days),
        lines=billed,
        net=net,
        tax=tax,
        total=total,
        **foreign,
    )
    invoice = SalesInvoice(invoice_stream(document))
    invoice.trigger(event)
    uow.add(invoice)
    before = _open(uow, order)
    order.trigger(event)
    _expose(customer, document, _open(uow, order) - before, base_total, actor, now)
    return [document]


def _check_allocations(
    uow: UnitOfWork,
    customer: str,
    allocations: Sequence[Allocation],
    available: Decimal,
    currency: str,
    date: dt.date,
) -> list[tuple[SalesInvoice, Decimal]]:
    def load(document: str) -> tuple[SalesInvoice, str, dt.date] | None:
        invoice = uow.get(SalesInvoice, invoice_stream(document))
        if invoice.posted is None:
            return None
        return invoice, invoice.posted.customer, invoice.posted.date

    return check_allocations(
        allocations,
        load=load,
        party=customer,
        available=available,
        currency=currency,
        date=date,
        noun="sales",
        uow=uow,
    )


def _allocate(
    uow: UnitOfWork,
    receipt: CustomerReceipt,
    allocations: list[tuple[SalesInvoice, Decimal]],
    date: dt.date,
    actor: str,
    now: Now,
) -> list[str]:
    """Record the allocations; in a foreign currency, book the realised exchange difference
    between the invoice's carrying base and the receipt's base in the same save."""

    def invoice_of(invoice: SalesInvoice) -> tuple[str, Decimal | None]:
        assert invoice.posted is not None
        return invoice.posted.document, invoice.posted.rate

    def make_event(
        invoice: SalesInvoice, amount: Decimal, fields: dict[str, Any]
    ) -> CustomerReceiptAllocated:
        assert invoice.posted is not None
        return CustomerReceiptAllocated(
            actor=actor,
            recorded_at=now,
            receipt=receipt.document,
            invoice=invoice.posted.document,
            date=date,
            amount=amount,
            **fields,
        )

    exchange, differences = record_allocations(
        uow,
        ledger="receivables",
        party=receipt.customer,
        document=receipt.document,
        currency=receipt.currency or company_of(uow).base_currency,
        rate=receipt.rate,
        unallocated=receipt.unallocated,
        unallocated_base=receipt.unallocated_base,
        allocations=allocations,
        invoice_of=invoice_of,
        sign=-1,
        make_event=make_event,
        payment=receipt,
        date=date,
        actor=actor,
        now=now,
    )
    if exchange is None:
        return []
    change = sum(differences.values(), ZERO)
    _expose(_customer(uow, receipt.customer), exchange, ZERO, change, actor, now)
    return [exchange]


@handles(ReceiveCustomerPayment)
def receive_customer_payment(cmd: ReceiveCustomerPayment, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    customer = _customer(uow, cmd.customer)
    currency = customer.info().currency
    check_money(cmd.amount, currency, "amount")
    rate, rate_date = rate_for(uow, currency, base, cmd.date, cmd.rate)
    bank = chart.get(cmd.bank_account, "bank_account")
    bank_currency = currency if bank.currency == currency else base
    chart.check_postable(cmd.bank_account, bank_currency, "bank_account")
    receivables = chart.by_role("receivables").code
    allocations = _check_allocations(
        uow, cmd.customer, cmd.allocations, cmd.amount, currency, cmd.date
    )
    name = customer.info().name
    base_amount = to_base(cmd.amount, rate, base)
    lines = [
        foreign_line(
            cmd.bank_account,
            cmd.amount if bank_currency == currency else base_amount,
            base_amount,
            bank_currency,
            rate if bank_currency != base else None,
            f"receipt from {name}",
        ),
        foreign_line(
            receivables,
            -cmd.amount,
            -base_amount,
            currency,
            rate,
            f"receipt from {cmd.customer}",
            party=cmd.customer,
        ),
    ]
    document = post(
        ctx,
        series="RC",
        kind="customer_receipt",
        date=cmd.date,
        memo=f"Receipt from {name}",
        lines=lines,
    )
    receipt = CustomerReceipt(receipt_stream(document))
    receipt.trigger(
        ctx.event(
            CustomerReceiptPosted,
            document=document,
            customer=cmd.customer,
            date=cmd.date,
            amount=cmd.amount,
            bank_account=cmd.bank_account,
            **(
                {}
                if rate is None
                else {
                    "currency": currency,
                    "rate": rate,
                    "rate_date": rate_date,
                    "base_amount": base_amount,
                }
            ),
        )
    )
    uow.add(receipt)
    exchange = _allocate(uow, receipt, allocations, cmd.date, actor, now)
    _expose(customer, document, ZERO, -base_amount, actor, now)
    return [document, *exchange]


@handles(AllocateCustomerReceipt)
def allocate_customer_receipt(cmd: AllocateCustomerReceipt, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    receipt = uow.get(CustomerReceipt, receipt_stream(cmd.receipt))
    if not receipt.exists:
        raise NotFound(f"receipt: unknown customer receipt or credit note {cmd.receipt!r}")
    if cmd.date < receipt.date:
        raise ValidationError("date", f"is before the receipt date {receipt.date}")
    allocations = _check_allocations(
        uow,
        receipt.customer,
        cmd.allocations,
        receipt.unallocated,
        receipt.currency or base,
        cmd.date,
    )
    return _allocate(uow, receipt, allocations, cmd.date, actor, now)


@handles(PostCreditNote)
def post_credit_note(cmd: PostCreditNote, ctx: Context) -> list[str]:
    uow, actor, now = ctx.uow, ctx.actor, ctx.now
    base = company_of(uow).base_currency
    chart = chart_of(uow)
    check_period(uow, cmd.date)
    invoice = uow.get(SalesInvoice, invoice_stream(cmd.invoice))
    if invoice.posted is None:
        raise NotFound(f"invoice: unknown sales invoice {cmd.invoice!r}")
    posted = invoice.posted
    if cmd.date < posted.date:
        raise ValidationError("date", f"is before the invoice date {posted.date}")
    check_not_before_kept(uow, cmd.invoice, cmd.date, "date")
    if not posted.order:
        raise ValidationError(
            "invoice",
            f"{cmd.invoice} was taken over from the old books: it has no order lines to credit "
            "(settle it with a receipt, or post a voucher for an allowance)",
        )
    order = _order(uow, posted.order)
    customer = _customer(uow, posted.customer)
    conf = sales_settings(uow)
    receivables = chart.by_role("receivables").code
    # a credit note takes back part of its invoice at the invoice's rate
    currency, rate = posted.currency or base, posted.rate
    credited: dict[int, BilledLine] = {}
    lines: list[PostedLine] = []
    for i, line in enumerate(cmd.lines):
        where = f"lines[{i}]"
        billed = posted.lines.get(line.line)
        if billed is None:
            raise ValidationError(f"{where}.line", f"{cmd.invoice} has no order line {line.line}")
        if line.line in credited:
            raise ValidationError(f"{where}.line", f"order line {line.line} appears twice")
        check_quantity(line.quantity, f"{where}.quantity")
        left = billed.quantity - invoice.credited.get(line.line, ZERO)
        if line.quantity > left:
            raise ValidationError(
                f"{where}.quantity",
                f"only {left:f} of {cmd.invoice} line {line.line} is left to credit",
            )
        ordered = order.line(line.line, f"{where}.line")
        if invoice.credited.get(line.line, ZERO) + line.quantity == billed.quantity:
            # the last part credited takes what is left, so never more than was billed
            credit = BilledLine(
                quantity=line.quantity,
                net=billed.net - invoice.credited_net.get(line.line, ZERO),
                tax=billed.tax - invoice.credited_tax.get(line.line, ZERO),
            )
        else:
            credit = _bill(ordered, line.quantity, currency)
        credit = _in_base(credit, rate, base)
        credited[line.line] = credit
        memo = f"credit {cmd.invoice}/{line.line} {ordered.item} x {line.quantity:f}"
        _billed_lines(lines, credit, 1, conf, currency, rate, base, memo)
    net = sum((b.net for b in credited.values()), ZERO)
    tax = sum((b.tax for b in credited.values()), ZERO)
    total = net + tax
    base_total = sum((x.base for x in lines), ZERO)
    lines.append(
        foreign_line(
            receivables,
            -total,
            -base_total,
            currency,
            rate,
            f"credit note to {posted.customer}",
            party=posted.customer,
        )
    )
    document = post(
        ctx,
        series="CN",
        kind="credit_note",
        date=cmd.date,
        memo=f"Credit note on {cmd.invoice}: {cmd.reason}",
        lines=lines,
    )
    event = ctx.event(
        CreditNotePosted,
        document=document,
        invoice=cmd.invoice,
        order=posted.order,
        customer=posted.customer,
        date=cmd.date,
        reason=cmd.reason,
        lines=credited,
        net=net,
        tax=tax,
        total=total,
        **({} if rate is None else {"currency": currency, "rate": rate, "base_total": base_total}),
    )
    note = CustomerReceipt(receipt_stream(document))
    note.trigger(event)
    uow.add(note)
    invoice.trigger(event)
    before = _open(uow, order)
    order.trigger(event)
    settle = min(total, invoice.open_amount)
    exchange = _allocate(uow, note, [(invoice, settle)], cmd.date, actor, now) if settle else []
    # credited goods not returned become invoiceable again: back on the open orders
    _expose(customer, document, _open(uow, order) - before, -base_total, actor, now)
    return [document, *exchange]
