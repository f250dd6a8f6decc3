"""Events of production: settings, work centres, bill-of-materials versions, work orders."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from erp_core.inventory.events import MOVEMENT_KINDS
from erp_core.kernel.events import DomainEvent
from erp_core.kernel.money import Dec
from erp_core.ledger.events import VOUCHER_KINDS

VOUCHER_KINDS.register("wo_issue", "wo_return", "wo_absorption", "wo_receipt", "wo_variance")
# Stock movements of work orders: material out of a bin into WIP, unused material back at its
# issue cost, finished goods (and by-products) in at their actual cost.
MOVEMENT_KINDS.register("wo_issue", "wo_return", "wo_receipt")


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProductionConfigured(DomainEvent):
    """The accounts production posts to: WIP and the production variance."""

    wip_account: str
    variance_account: str
    overproduction_pct: Dec


class WorkCentreRegistered(DomainEvent):
    code: str
    name: str
    labour_rate: Dec
    overhead_rate: Dec
    labour_account: str
    overhead_account: str


class BomComponent(_Value):
    item: str
    quantity: Dec
    scrap_pct: Dec


class BomOperation(_Value):
    work_centre: str
    hours: Dec
    name: str = ""


class BomOutput(_Value):
    item: str
    quantity: Dec
    kind: Literal["by_product", "scrap"]
    cost_share_pct: Dec | None = None
    fixed_value: Dec | None = None


class BomVersionDefined(DomainEvent):
    """Version `version` of the bill of materials of `item` (a new version never edits an old)."""

    item: str
    version: int
    output_quantity: Dec
    components: tuple[BomComponent, ...]
    operations: tuple[BomOperation, ...] = ()
    outputs: tuple[BomOutput, ...] = ()
    process_loss_pct: Dec
    phantom: bool = False


class WorkOrderCreated(DomainEvent):
    document: str
    date: dt.date
    item: str
    quantity: Dec
    bom_version: int
    warehouse: str  # where finished goods are received by default
    wip_account: str
    variance_account: str
    inventory_account: str
    overproduction_pct: Dec
    outputs: tuple[BomOutput, ...] = ()  # the by-products and scrap of the BOM version kept
    places: int = 2  # the base currency's decimals
    due: dt.date | None = None
    memo: str | None = None


class WorkOrderReleased(DomainEvent):
    document: str
    date: dt.date


class MaterialLine(_Value):
    item: str
    warehouse: str
    quantity: Dec
    value: Dec  # what left (issue) or came back to (return) the bin, in the base currency
    reason: str | None = None  # an extra issue beyond the bill of materials says why


class MaterialIssued(DomainEvent):
    """Material left stock bins into the work order's WIP (voucher `voucher`)."""

    document: str
    voucher: str
    date: dt.date
    lines: tuple[MaterialLine, ...]


class MaterialReturned(DomainEvent):
    """Unused material went back to stock at the cost it was issued at."""

    document: str
    voucher: str
    date: dt.date
    lines: tuple[MaterialLine, ...]


class ProgressReported(DomainEvent):
    """Hours (absorbed at the work centre's rates) and quantities reported on an operation."""

    document: str
    voucher: str | None
    date: dt.date
    work_centre: str
    operation: str | None = None
    hours: Dec
    labour: Dec
    overhead: Dec
    good_quantity: Dec
    rejected_quantity: Dec
    reason: str | None = None


class OutputLine(_Value):
    item: str
    kind: Literal["main", "by_product", "scrap"]
    quantity: Dec
    value: Dec


class WorkOrderCompleted(DomainEvent):
    """Good quantity received into stock at actual cost; `final` took all of WIP."""

    document: str
    voucher: str
    date: dt.date
    warehouse: str
    quantity: Dec
    value: Dec  # what left WIP (finished goods plus any by-products and scrap)
    outputs: tuple[OutputLine, ...]
    final: bool


class IssueRecosted(_Value):
    """An issue line re-costed by a back-dated movement: its value changed by `delta`."""

    voucher: str  # the issue's WI- voucher
    line: int
    item: str
    delta: Dec  # the change of the order's WIP (positive: the issue cost more)
    adjustment: str  # inventory's CA- voucher that posted it against the WIP account


class WorkOrderIssuesRecosted(DomainEvent):
    """The work order took in re-costings of its issues that inventory already posted (Dr/Cr
    WIP against inventory in a CA- voucher): no journal of its own, only its costing moves."""

    document: str
    date: dt.date
    lines: tuple[IssueRecosted, ...]


class WorkOrderClosed(DomainEvent):
    """No more postings; what was left in WIP went to the production variance."""

    document: str
    voucher: str | None
    date: dt.date
    variance: Dec
    reason: str | None = None


class WorkOrderCancelled(DomainEvent):
    document: str
    date: dt.date
    reason: str


class PlanDemand(_Value):
    item: str
    quantity: Dec
    wanted: dt.date
    reference: str = ""  # the sales order and line, or what was entered


class PlanSupply(_Value):
    """Supply the plan netted against: stock on hand, or an open order's quantity still due."""

    item: str
    source: Literal["stock", "work_order", "purchase_order", "allocated"]
    reference: str  # the bin's warehouse, or the order (and line)
    quantity: Dec


class PlanPolicy(_Value):
    item: str
    lead_time_days: int
    min_lot: Dec
    lot_multiple: Dec


class PlanRow(_Value):
    """The netting arithmetic of one item: gross - (on hand + on order - reserved) = net."""

    item: str
    low_level_code: int
    kind: Literal["made", "bought", "phantom"]
    gross: Dec
    on_hand: Dec
    on_order: Dec
    reserved: Dec
    available: Dec
    net: Dec
    planned: Dec
    projected_end: Dec


class PlannedOrderLine(_Value):
    line: int  # numbered in the plan, work orders and purchases in one sequence
    kind: Literal["make", "buy"]
    item: str
    quantity: Dec
    due: dt.date
    start: dt.date
    shortage: Dec
    bom_version: int | None = None
    late: bool = False


class ProductionPlanCreated(DomainEvent):
    """A production plan (`PP-YYYY-nnnnnn`): its inputs as known at write time and the result."""

    document: str
    date: dt.date
    start: dt.date
    end: dt.date
    demand: tuple[PlanDemand, ...]
    supply: tuple[PlanSupply, ...]
    policies: tuple[PlanPolicy, ...] = ()
    rows: tuple[PlanRow, ...]
    orders: tuple[PlannedOrderLine, ...]
    memo: str | None = None


class PlannedWorkOrdersCreated(DomainEvent):
    """Planned work orders of plan `document` became work orders (plan line -> work order)."""

    document: str
    date: dt.date
    work_orders: dict[int, str]


# --- standard costing, planned costs, re-costing of finished goods, purchases planned ---------


class StandardCostingConfigured(DomainEvent):
    """The account of each standard-cost variance kind (material_price, material_usage,
    labour_rate, labour_efficiency, overhead_rate, overhead_efficiency)."""

    accounts: dict[str, str]


class StandardMaterialLine(_Value):
    item: str
    quantity: Dec  # per good unit
    price: Dec  # the component's standard price per unit


class StandardCentreLine(_Value):
    work_centre: str
    hours: Dec  # per good unit
    labour_rate: Dec
    overhead_rate: Dec


class StandardCostSet(DomainEvent):
    """The standard unit cost of `item` from `date`: set by hand (a bought item) or rolled up
    from BOM version `bom_version` (a made item, with the quantities, hours and rates)."""

    item: str
    date: dt.date
    unit_cost: Dec
    bom_version: int | None = None
    materials: tuple[StandardMaterialLine, ...] = ()
    centres: tuple[StandardCentreLine, ...] = ()


class WorkCentreRatesChanged(DomainEvent):
    """A work centre's hourly labour and overhead rates from now on."""

    code: str
    date: dt.date
    labour_rate: Dec
    overhead_rate: Dec


class PlannedMaterial(_Value):
    item: str
    quantity: Dec  # for the order's planned quantity (scrap and process loss included)
    unit_cost: Dec  # the standard price, or the current cost in the order's warehouse
    value: Dec  # quantity x unit cost, rounded half-up to the cent


class PlannedHours(_Value):
    work_centre: str
    hours: Dec
    labour_rate: Dec
    overhead_rate: Dec
    labour: Dec  # hours x rate, rounded half-up to the cent
    overhead: Dec


class WorkOrderPlanned(DomainEvent):
    """What the work order should take, from the BOM version it keeps, and at what cost; made
    at standard when `standard_unit_cost` is given (with the standard behind it)."""

    document: str
    materials: tuple[PlannedMaterial, ...]
    operations: tuple[PlannedHours, ...]
    basis: Literal["standard", "current"]
    standard_unit_cost: Dec | None = None
    standard_materials: tuple[StandardMaterialLine, ...] = ()
    standard_centres: tuple[StandardCentreLine, ...] = ()
    variance_accounts: dict[str, str] = {}


class VarianceLine(_Value):
    kind: str  # material_price, ..., overhead_efficiency, other
    code: str  # the item or the work centre ("" for other)
    account: str
    amount: Dec  # positive: unfavourable (debit)


class StandardVariancesBooked(DomainEvent):
    """A standard-costed order's close split the WIP left into variances (voucher `voucher`)."""

    document: str
    voucher: str | None
    date: dt.date
    lines: tuple[VarianceLine, ...]


class ReceiptRecosted(_Value):
    voucher: str  # the finished-goods receipt (WF-)
    line: int
    item: str
    warehouse: str
    delta: Dec


class FinishedGoodsRecosted(DomainEvent):
    """Re-costings of a completed order's issues carried on into its finished-goods receipts
    (inventory's CA- vouchers post them, and on into whatever took those goods since). A line
    naming the receipt line of a by-product valued by a cost share is that by-product's share."""

    document: str
    date: dt.date
    lines: tuple[ReceiptRecosted, ...]
    adjustments: tuple[str, ...]


class PlannedPurchasesCreated(DomainEvent):
    """A production plan's planned purchases became purchase plan `purchase_plan`."""

    document: str
    date: dt.date
    purchase_plan: str
    lines: tuple[int, ...]
