"""Actions of production: settings, work centres, bills of materials and work orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from erp_core.kernel.commands import MAX_LINES, Action, Code, Line, Name, Text
from erp_core.kernel.money import Dec

Doc = Annotated[str, Field(min_length=1, max_length=32)]


class ConfigureProduction(Action):
    """Name the work-in-progress and production variance accounts (each must exist)."""

    action: Literal["configure_production"] = "configure_production"
    wip_account: str = "1350"
    variance_account: str = "5500"
    overproduction_pct: Dec = Decimal(0)


class RegisterWorkCentre(Action):
    """Add a work centre with its hourly labour and overhead rates and absorption accounts."""

    action: Literal["register_work_centre"] = "register_work_centre"
    code: Code
    name: Name
    labour_rate: Dec
    overhead_rate: Dec = Decimal(0)
    labour_account: str = "5410"
    overhead_account: str = "5420"


class ComponentIn(Line):
    item: Code
    quantity: Dec
    scrap_pct: Dec = Decimal(0)


class OperationIn(Line):
    work_centre: Code
    hours: Dec
    name: Text = ""


class OutputIn(Line):
    item: Code
    quantity: Dec
    kind: Literal["by_product", "scrap"] = "by_product"
    cost_share_pct: Dec | None = None
    fixed_value: Dec | None = None


class DefineBom(Action):
    """Define the next version of an item's bill of materials (a cycle is refused)."""

    action: Literal["define_bom"] = "define_bom"
    item: Code
    output_quantity: Dec = Decimal(1)
    components: Annotated[list[ComponentIn], Field(min_length=1, max_length=MAX_LINES)]
    operations: Annotated[list[OperationIn], Field(max_length=MAX_LINES)] = Field(
        default_factory=list
    )
    outputs: Annotated[list[OutputIn], Field(max_length=100)] = Field(default_factory=list)
    process_loss_pct: Dec = Decimal(0)
    phantom: bool = False


class CreateWorkOrder(Action):
    """Create a work order (draft) for an item at its latest (or a given) BOM version."""

    action: Literal["create_work_order"] = "create_work_order"
    date: dt.date
    item: Code
    quantity: Dec
    warehouse: Code
    bom_version: int | None = None
    due: dt.date | None = None
    overproduction_pct: Dec | None = None
    memo: Text | None = None


class ReleaseWorkOrder(Action):
    """Release a draft work order: material may be issued and work reported."""

    action: Literal["release_work_order"] = "release_work_order"
    work_order: Doc
    date: dt.date


class MaterialIn(Line):
    item: Code
    warehouse: Code
    quantity: Dec
    reason: Text | None = None


class IssueToWorkOrder(Action):
    """Issue material from stock bins to a work order at the bins' cost: Dr WIP / Cr inventory."""

    action: Literal["issue_to_work_order"] = "issue_to_work_order"
    work_order: Doc
    date: dt.date
    lines: Annotated[list[MaterialIn], Field(min_length=1, max_length=MAX_LINES)]


class ReturnFromWorkOrder(Action):
    """Return unused material to stock at its original issue cost: Dr inventory / Cr WIP."""

    action: Literal["return_from_work_order"] = "return_from_work_order"
    work_order: Doc
    date: dt.date
    lines: Annotated[list[MaterialIn], Field(min_length=1, max_length=MAX_LINES)]


class ReportProgress(Action):
    """Report hours and quantities on a work order: Dr WIP / Cr applied labour and overhead."""

    action: Literal["report_progress"] = "report_progress"
    work_order: Doc
    date: dt.date
    work_centre: Code
    hours: Dec
    operation: Text | None = None
    good_quantity: Dec = Decimal(0)
    rejected_quantity: Dec = Decimal(0)
    reason: Text | None = None


class OutputQtyIn(Line):
    item: Code
    quantity: Dec


class CompleteWorkOrder(Action):
    """Receive good quantity into stock at actual cost: Dr inventory / Cr WIP."""

    action: Literal["complete_work_order"] = "complete_work_order"
    work_order: Doc
    date: dt.date
    quantity: Dec
    warehouse: Code | None = None
    outputs: Annotated[list[OutputQtyIn], Field(max_length=100)] = Field(default_factory=list)
    final: bool | None = None


class CloseWorkOrder(Action):
    """Close a work order; WIP left goes to the production variance account (with a reason)."""

    action: Literal["close_work_order"] = "close_work_order"
    work_order: Doc
    date: dt.date
    reason: Text | None = None


class CancelWorkOrder(Action):
    """Cancel a work order that has no material, hours or receipts on it."""

    action: Literal["cancel_work_order"] = "cancel_work_order"
    work_order: Doc
    date: dt.date
    reason: Annotated[str, Field(min_length=1, max_length=400)]


class DemandIn(Line):
    item: Code
    quantity: Dec
    wanted: dt.date
    reference: Text = ""


class PolicyIn(Line):
    item: Code
    lead_time_days: Annotated[int, Field(ge=0, le=3650)] = 0
    min_lot: Dec = Decimal(0)
    lot_multiple: Dec = Decimal(0)


class CreateProductionPlan(Action):
    """Net demand for a period against stock, open work orders and open purchase orders."""

    action: Literal["create_production_plan"] = "create_production_plan"
    date: dt.date
    start: dt.date
    end: dt.date
    demand: Annotated[list[DemandIn], Field(max_length=MAX_LINES)] = Field(default_factory=list)
    from_sales_orders: bool = False
    policies: Annotated[list[PolicyIn], Field(max_length=MAX_LINES)] = Field(default_factory=list)
    memo: Text | None = None


class CreateWorkOrdersFromPlan(Action):
    """Turn a plan's planned work orders (all still open, or the given lines) into work orders."""

    action: Literal["create_work_orders_from_plan"] = "create_work_orders_from_plan"
    plan: Doc
    date: dt.date
    warehouse: Code
    lines: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=MAX_LINES)] | None = None


class ConfigureStandardCosting(Action):
    """Name the account of each standard-cost variance (each must exist)."""

    action: Literal["configure_standard_costing"] = "configure_standard_costing"
    material_price_account: str = "5510"
    material_usage_account: str = "5520"
    labour_rate_account: str = "5530"
    labour_efficiency_account: str = "5540"
    overhead_rate_account: str = "5550"
    overhead_efficiency_account: str = "5560"


class SetStandardCost(Action):
    """Set the standard unit cost of a bought item (a made item's is rolled up from its BOM)."""

    action: Literal["set_standard_cost"] = "set_standard_cost"
    item: Code
    date: dt.date
    unit_cost: Dec


class RollUpStandardCost(Action):
    """Roll up the standard cost of a made item, and of every made item below it, from their
    latest BOM versions, the components' standards and the work centres' rates."""

    action: Literal["roll_up_standard_cost"] = "roll_up_standard_cost"
    item: Code
    date: dt.date


class ChangeWorkCentreRates(Action):
    """Change a work centre's hourly labour and overhead rates (hours reported from now on)."""

    action: Literal["change_work_centre_rates"] = "change_work_centre_rates"
    code: Code
    date: dt.date
    labour_rate: Dec
    overhead_rate: Dec = Decimal(0)


class RecostWorkOrder(Action):
    """Carry what a completed or closed order still holds in WIP (a return after its final
    receipt; back-dated re-costings carry on by themselves) on into its finished goods (and,
    through inventory, cost of goods sold) or, at standard, variances."""

    action: Literal["recost_work_order"] = "recost_work_order"
    work_order: Doc
    date: dt.date


class CreatePurchasePlanFromProductionPlan(Action):
    """Turn a production plan's planned purchases (all not yet planned, or the given lines)
    into a purchase plan of procurement."""

    action: Literal["create_purchase_plan_from_production_plan"] = (
        "create_purchase_plan_from_production_plan"
    )
    plan: Doc
    date: dt.date
    title: Name | None = None
    lines: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=MAX_LINES)] | None = None
