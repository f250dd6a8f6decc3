"""The recorder that carries back-dated re-costings of work-order issues on (`carry`), kept
light so that every action can afford to import it.

It runs after every successful action, whichever area the action belongs to (a back-dated
goods receipt in procurement re-costs an issue to a work order), so it is imported before any
action runs (`erp_core.areas.GUARD_MODULES`). It only looks, without importing anything, for
a stock cost adjustment among the events the action recorded into bins; only then does it
import production and inventory and carry the change on (`carry.carry_on_recostings`)."""

from __future__ import annotations

from erp_core.kernel.commands import Action
from erp_core.kernel.context import Context
from erp_core.kernel.registry import records


@records
def carry_on_recostings(action: Action, ctx: Context, credential: str | None) -> None:
    """Carry on the re-costings of work-order issues that this action caused, if any."""
    uow = ctx.uow
    for stream, version in uow.recorded:
        if not stream.startswith("bin:"):
            continue
        aggregate = uow.touched.get(stream)
        pending = getattr(aggregate, "pending", ())
        if any(v == version and type(e).__name__ == "StockCostAdjusted" for v, e in pending):
            from erp_core.production.carry import carry_on_recostings as carry

            carry(action, ctx, credential)
            return
