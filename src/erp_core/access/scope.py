"""Record rules on reports: what a user limited to warehouses, or to their own documents, may
see of a report. Applied by the facade to every report method and `Erp.query` (so the library
and the command line, which calls the facade, apply the same rule).

The rule is exact or it refuses: a report whose rows carry their warehouse is filtered row by
row (and a total over those rows recomputed); a report that aggregates across warehouses (the
trial balance holds the stock account of every warehouse, a beancount export holds every
movement) cannot be limited, so a warehouse-limited role is refused it rather than shown it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from erp_core.access.domain import PERSONAL_AREAS, Access, Role, User, action_warehouses
from erp_core.kernel.errors import AccessDenied

# Reports whose rows carry their warehouse, filtered row by row (running figures of the stock
# ledger are per item x warehouse, so they stay exact).
WAREHOUSE_FILTERED = frozenset({"stock-balance", "stock-ledger", "trail"})
# Reports that show nothing of stock, for a warehouse-limited role as for anyone.
WAREHOUSE_FREE = frozenset(
    {
        "access-report",
        "verify",
        "open-orders",
        "sales-open-orders",
        "supplier-ledger",
        "customer-ledger",
        "payables-aging",
        "receivables-aging",
        "approvals-waiting",
        "approval-history",
        "fiscal-periods",
    }
)
# Reports listing documents whose rows can be kept to the actor's own documents exactly.
OWN_FILTERED = frozenset(
    {"open-orders", "sales-open-orders", "trail", "approvals-waiting", "approval-history"}
)
# Reports listing documents with running or summed figures over all of them: refused to a role
# limited to its own documents (filtering the rows would still show others' amounts).
OWN_REFUSED = frozenset(
    {
        "stock-ledger",
        "general-ledger",
        "supplier-ledger",
        "customer-ledger",
        "payables-aging",
        "receivables-aging",
        "export-beancount",
        "replay",
        "sod-breaches",
    }
)


@dataclass(frozen=True)
class Scope:
    report: str
    warehouses: frozenset[str] | None = None  # None: every warehouse
    own_actor: str | None = None  # set: only documents this actor created
    # personal areas (HR, payroll) whose events the actor may not see in a trail
    hidden_areas: frozenset[str] = frozenset()

    @property
    def limited(self) -> bool:
        return (
            self.warehouses is not None
            or self.own_actor is not None
            or (self.report == "trail" and bool(self.hidden_areas))
        )


def report_scope(access: Access, user: User, report: str, area: str | None = None) -> Scope:
    """The record rules of the roles that permit `report`: the least limited wins (a user with
    an unlimited role permitting it sees everything), warehouses are united."""
    roles: list[Role] = [r for r in access.held_roles(user) if r.permits_report(report, area)]
    warehouses: frozenset[str] | None = None
    if roles and all(r.warehouses for r in roles):
        warehouses = frozenset().union(*(r.warehouses for r in roles))
    own = user.code if roles and all(r.own_documents_only for r in roles) else None
    held = access.held_roles(user)
    hidden = frozenset(
        area
        for area in PERSONAL_AREAS
        if not any("*" in r.permissions or f"area:{area}" in r.permissions for r in held)
    )
    scope = Scope(report, warehouses, own, hidden)
    names = ", ".join(r.code for r in roles)
    if warehouses is not None and report not in WAREHOUSE_FILTERED | WAREHOUSE_FREE:
        raise AccessDenied(
            f"{user.code} may not run the report {report}: role(s) {names} are limited to "
            f"warehouse(s) {', '.join(sorted(warehouses))} and {report} cannot be limited to "
            "them (it would show other warehouses' stock)"
        )
    if own is not None and report in OWN_REFUSED:
        raise AccessDenied(
            f"{user.code} may not run the report {report}: role(s) {names} cover own "
            f"documents only and {report} shows figures of other actors' documents"
        )
    return scope


def _area_of_event(name: str) -> str | None:
    """The area whose module defines the event class `name` (None: unknown)."""
    from erp_core.kernel.events import EVENT_TYPES

    cls = EVENT_TYPES.get(name)
    if cls is None:
        return None
    parts = cls.__module__.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "erp_core" else None


def _warehouses_of(item: Any) -> set[str]:
    if isinstance(item, BaseModel):
        item = item.model_dump(mode="python")
    if isinstance(item, Mapping):
        found = action_warehouses(item)
        direct = item.get("warehouse")
        if isinstance(direct, str):
            found.add(direct)
        return found
    return set()


def _document_of(item: Any) -> str | None:
    value = getattr(item, "document", None)
    if value is None and isinstance(item, Mapping):
        value = item.get("document")
    return value if isinstance(value, str) else None


def restrict(result: Any, scope: Scope, creator_of: Callable[[str], str | None]) -> Any:
    """`result` with what `scope` does not cover left out (rows of other warehouses, documents
    of other actors); a total over filtered rows is recomputed; unchanged when unlimited."""
    if not scope.limited:
        return result
    if scope.report == "trail" and scope.hidden_areas and isinstance(result, list):
        for entry in result:
            area = _area_of_event(getattr(entry, "event", ""))
            if area in scope.hidden_areas:
                raise AccessDenied(
                    f"the trail of {entry.stream} shows personal data ({area}): it needs a "
                    f"role granting area:{area}"
                )
    own_trail = scope.report == "trail" and scope.own_actor is not None
    first = result[0] if own_trail and isinstance(result, list) and result else None
    if first is not None and getattr(first, "actor", None) != scope.own_actor:
        raise AccessDenied(
            f"{scope.own_actor} may not run the report trail on {first.stream}: "
            f"their roles cover own documents only and it was created by {first.actor}"
        )
    return _restrict(result, scope, creator_of)


def _visible(item: Any, scope: Scope, creator_of: Callable[[str], str | None]) -> bool:
    if scope.warehouses is not None and _warehouses_of(item) - scope.warehouses:
        return False
    if scope.own_actor is not None and scope.report in OWN_FILTERED:
        document = _document_of(item)
        if document is not None and creator_of(document) != scope.own_actor:
            return False
    return True


def _restrict(value: Any, scope: Scope, creator_of: Callable[[str], str | None]) -> Any:
    if isinstance(value, list):
        return [
            _restrict(item, scope, creator_of)
            for item in value
            if _visible(item, scope, creator_of)
        ]
    if isinstance(value, BaseModel):
        update: dict[str, Any] = {}
        for name in type(value).model_fields:
            current = getattr(value, name)
            if isinstance(current, list):
                kept = _restrict(current, scope, creator_of)
                if len(kept) != len(current):
                    update[name] = kept
        if not update:
            return value
        if "total_value" in type(value).model_fields and "rows" in update:
            update["total_value"] = sum((row.value for row in update["rows"]), Decimal(0))
        return value.model_copy(update=update)
    return value
