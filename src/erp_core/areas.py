"""The list of business areas: the one place an area is named.

Everything global is built from it: the registry of actions and handlers (each area's
``handlers`` module registers them when imported), the event catalogue (event classes register
themselves), the command line (each area's ``cli`` module may add commands and reports), and the
projections (``erp_core.projections.<area>``).
"""

from __future__ import annotations

import importlib
import importlib.util

# In dependency order: an area may import the public modules (events, commands, domain
# functions) of the areas before it, never their handlers, and never an area after it.
AREAS: tuple[str, ...] = (
    "ledger",
    "currency",
    "access",
    "parties",
    "inventory",
    "procurement",
    "sales",
    "fx",
    "production",
    "assets",
    "hr",
    "payroll",
    "audit",
    "documents",
    "insight",
    "imports",
)


# The areas whose handlers register guards or recorders (checks run before and after every
# action): imported before any action runs, whichever area it belongs to. A test checks that
# importing these alone registers every guard and recorder that importing all areas does.
GUARD_AREAS: tuple[str, ...] = ("access",)
# Single modules that register recorders and are light enough for every action to import:
# production's carries a back-dated cost change of a work order's materials on to the order's
# WIP, finished goods and cost of sales, whichever area's action re-costed them.
GUARD_MODULES: tuple[str, ...] = ("erp_core.production.trigger",)


def load_area(area: str) -> None:
    """Import one area's handlers (registering its actions, handlers and events)."""
    if area not in AREAS:
        return
    name = f"erp_core.{area}.handlers"
    if importlib.util.find_spec(name) is not None:
        importlib.import_module(name)


def load(*, guards_only: bool = False) -> None:
    """Import every area's handlers (registering its actions, handlers and events); with
    ``guards_only``, only those of `GUARD_AREAS`."""
    for area in GUARD_AREAS if guards_only else AREAS:
        load_area(area)
    if guards_only:
        for module in GUARD_MODULES:
            importlib.import_module(module)
