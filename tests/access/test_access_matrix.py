"""The permission matrix: every registered action x every built-in role, allowed or refused as
this table says. A new action fails here until someone decides which built-in roles may apply
it (an entry below), so no action is permitted or refused by accident."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from erp_core import Erp
from erp_core.access.domain import TEMPLATES, Access, User, decide
from erp_core.access.handlers import WORKFLOW_ACTIONS
from erp_core.access.tokens import create_token
from erp_core.kernel.errors import AccessDenied, ValidationError
from erp_core.kernel.registry import AREA_OF, action_name, actions

NOBODY: frozenset[str] = frozenset()  # the administrator only
# Actions whose permission is decided elsewhere, for every role alike: the workflow's levels
# say who approves or rejects (the level's role, delegations), a submission needs the
# permission of the action it holds, and a delegator delegates their own right.
DECIDED_ELSEWHERE = WORKFLOW_ACTIONS | {"submit_for_approval", "delegate_approval"}

# action -> the built-in roles (besides administrator, which may do everything) permitting it
MATRIX: dict[str, set[str] | frozenset[str]] = {
    # access
    "approve_document": NOBODY,
    "configure_access": NOBODY,
    "create_user": NOBODY,
    "deactivate_user": NOBODY,
    "define_approval_workflow": NOBODY,
    "define_role": NOBODY,
    "delegate_approval": NOBODY,
    "enable_access_control": NOBODY,
    "escalate_approval": NOBODY,
    "grant_role": NOBODY,
    "map_database_role": NOBODY,
    "register_signing_key": NOBODY,
    "register_token": NOBODY,
    "reject_document": NOBODY,
    "revoke_role": NOBODY,
    "revoke_signing_key": NOBODY,
    "revoke_token": NOBODY,
    "submit_for_approval": NOBODY,
    # assets
    "adjust_asset_cost": {"accountant"},
    "capitalise_asset": {"accountant"},
    "change_asset_estimate": {"accountant"},
    "define_asset_category": {"accountant"},
    "depreciate_assets": {"accountant"},
    "dispose_asset": {"accountant"},
    "impair_asset": {"accountant"},
    "record_asset_usage": {"accountant"},
    "reverse_depreciation_run": {"accountant"},
    "tag_cash_flow_account": {"accountant"},
    "open_construction": {"accountant"},
    "add_construction_cost": {"accountant"},
    "configure_assets": {"accountant"},
    # budgets are the accountant's; a customer's or supplier's document language and the
    # record of an import batch are set-up work for the administrator
    "set_budget": {"accountant"},
    "set_document_language": NOBODY,
    "record_import_batch": NOBODY,
    # production: standard costs, rates, re-costing and plan hand-overs are the planner's
    "configure_standard_costing": {"production_planner"},
    "set_standard_cost": {"production_planner"},
    "roll_up_standard_cost": {"production_planner"},
    "change_work_centre_rates": {"production_planner"},
    "recost_work_order": {"production_planner"},
    "create_purchase_plan_from_production_plan": {"production_planner"},
    # people: pay groups, leave and attendance are HR's; remitting what payroll owes is payroll's
    "define_pay_group": {"hr"},
    "define_leave_type": {"hr"},
    "allocate_leave": {"hr"},
    "request_leave": {"hr"},
    "approve_leave": {"hr"},
    "reject_leave": {"hr"},
    "cancel_leave": {"hr"},
    "record_attendance": {"hr"},
    "remit_payroll_liabilities": {"payroll"},
    # currency
    "configure_currency": {"accountant"},
    "set_exchange_rate": {"accountant"},
    # documents
    "configure_company_details": NOBODY,
    # fx
    "revalue_open_items": {"accountant"},
    # hr
    "accept_offer": {"hr"},
    "add_applicant": {"hr"},
    "approve_requisition": {"hr"},
    "calibrate_appraisal": {"hr"},
    "cancel_requisition": {"hr"},
    "change_employee_record": {"hr"},
    "close_appraisal_cycle": {"hr"},
    "decline_offer": {"hr"},
    "erase_personal_data": {"hr"},
    "finalise_appraisal": {"hr"},
    "hire_applicant": {"hr"},
    "hire_employee": {"hr"},
    "make_offer": {"hr"},
    "open_appraisal_cycle": {"hr"},
    "open_job": {"hr"},
    "raise_requisition": {"hr"},
    "rate_appraisal": {"hr"},
    "record_interview": {"hr"},
    "record_leave": {"hr"},
    "record_leaving": {"hr"},
    "record_personal_data": {"hr"},
    "reject_applicant": {"hr"},
    "set_appraisal_goals": {"hr"},
    # imports
    "record_opening_payable": {"accountant"},
    "record_opening_receivable": {"accountant"},
    # inventory
    "count_stock": {"warehouse_keeper"},
    "issue_material": {"warehouse_keeper"},
    "receive_stock": {"warehouse_keeper"},
    "register_item": {"warehouse_keeper"},
    "register_warehouse": {"warehouse_keeper"},
    "transfer_stock": {"warehouse_keeper"},
    # ledger
    "add_dimension_value": {"accountant"},
    "close_account": {"accountant"},
    "close_fiscal_year": {"accountant"},
    "close_period": {"accountant"},
    "lock_period": {"accountant"},
    "open_account": {"accountant"},
    "open_fiscal_year": {"accountant"},
    "post_voucher": {"accountant"},
    "reopen_fiscal_year": {"accountant"},
    "reopen_period": {"accountant"},
    "reverse_voucher": {"accountant"},
    # payroll
    "assign_salary": {"payroll"},
    "configure_payroll": {"payroll"},
    "define_salary_structure": {"payroll"},
    "define_tax_table": {"payroll"},
    "pay_salaries": {"payroll"},
    "reverse_payroll_run": {"payroll"},
    "run_payroll": {"payroll"},
    # procurement
    "allocate_supplier_payment": {"accountant", "purchasing_manager"},
    "amend_purchase_order": {"purchasing_clerk", "purchasing_manager"},
    "approve_purchase_order": {"purchasing_clerk", "purchasing_manager"},
    "cancel_purchase_order": {"purchasing_clerk", "purchasing_manager"},
    "close_purchase_order": {"purchasing_manager"},
    "configure_procurement": {"purchasing_manager"},
    "create_purchase_order": {"purchasing_clerk", "purchasing_manager"},
    "create_purchase_plan": {"purchasing_clerk", "purchasing_manager"},
    "order_purchase_plan": {"purchasing_clerk", "purchasing_manager"},
    "pay_supplier": {"accountant", "purchasing_manager"},
    "post_supplier_invoice": {"accountant", "purchasing_manager"},
    "receive_purchase_order": {"purchasing_manager", "warehouse_keeper"},
    "register_supplier": {"purchasing_clerk", "purchasing_manager"},
    # production
    "cancel_work_order": {"production_planner"},
    "close_work_order": {"production_planner"},
    "complete_work_order": {"production_planner"},
    "configure_production": {"production_planner"},
    "create_production_plan": {"production_planner"},
    "create_work_order": {"production_planner"},
    "create_work_orders_from_plan": {"production_planner"},
    "define_bom": {"production_planner"},
    "issue_to_work_order": {"production_planner", "warehouse_keeper"},
    "register_work_centre": {"production_planner"},
    "release_work_order": {"production_planner"},
    "report_progress": {"production_planner"},
    "return_from_work_order": {"production_planner", "warehouse_keeper"},
    # sales
    "allocate_customer_receipt": {"accountant", "credit_controller"},
    "approve_sales_credit": {"credit_controller"},
    "cancel_sales_order": {"sales_clerk"},
    "change_customer_credit": {"credit_controller"},
    "close_sales_order": {"sales_clerk"},
    "configure_sales": NOBODY,
    "confirm_sales_order": {"sales_clerk"},
    "create_sales_order": {"sales_clerk"},
    "deliver_sales_order": {"warehouse_keeper"},
    "invoice_sales_order": {"accountant"},
    "post_credit_note": {"accountant"},
    "receive_customer_payment": {"accountant", "credit_controller"},
    "register_customer": {"sales_clerk"},
    "return_sales_goods": {"warehouse_keeper"},
}


def test_every_action_has_a_permission_decision() -> None:
    registered = {action_name(cls) for cls in actions()}
    missing = sorted(registered - set(MATRIX))
    stale = sorted(set(MATRIX) - registered)
    assert not missing, f"actions with no decision in MATRIX (add them): {missing}"
    assert not stale, f"MATRIX names actions that no longer exist: {stale}"
    unknown = {r for roles in MATRIX.values() for r in roles} - set(TEMPLATES)
    assert not unknown, f"MATRIX names roles that are not built in: {unknown}"


@pytest.mark.parametrize("role", sorted(TEMPLATES))
def test_each_built_in_role_permits_exactly_its_actions(role: str) -> None:
    access = Access()
    user = User("someone", "Someone", roles={role})
    for cls in actions():
        name = action_name(cls)
        if name in DECIDED_ELSEWHERE:
            continue
        expected = role == "administrator" or role in MATRIX[name]
        try:
            decide(access, user, name, AREA_OF[cls], {}, None)
            allowed = True
        except AccessDenied as refused:
            allowed = False
            assert f"someone may not {name}" in refused.message
            assert "no role of theirs (roles: " + role in refused.message
        assert allowed == expected, f"{role} x {name}: allowed={allowed}, table says {expected}"


def test_the_matrix_holds_through_the_command_service(
    erp: Erp, clock: Callable[[], dt.datetime]
) -> None:
    """A sample through the whole guard (token, permission, nothing stored when refused): each
    role's user may or may not register a warehouse and post a voucher, as the table says."""
    tokens = {}
    for role in sorted(TEMPLATES):
        code = f"u_{role}"[:32]
        erp.create_user(code=code, name=role)
        erp.grant_role(user=code, role=role)
        tokens[role] = create_token(erp, code)
    create_token(erp, "tester")
    erp.enable_access_control()
    for role, token in tokens.items():
        with Erp.open(erp.url.raw, token=token, clock=clock) as books:
            for name, fields in (
                ("register_warehouse", {"code": f"W{len(role)}{role[:3]}", "name": "W"}),
                (
                    "post_voucher",
                    {
                        "date": "2026-03-01",
                        "lines": [
                            {"account": "1120", "debit": "1.00"},
                            {"account": "3100", "credit": "1.00"},
                        ],
                    },
                ),
            ):
                expected = role == "administrator" or role in MATRIX[name]
                before = erp.store.last_position()
                try:
                    books.apply({"action": name, **fields})
                    allowed = True
                except AccessDenied:
                    allowed = False
                    assert erp.store.last_position() == before
                except ValidationError as err:  # permitted, then refused on the business rule
                    raise AssertionError(f"{role} x {name}: {err}") from None
                assert allowed == expected, f"{role} x {name}"
