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


def load() -> None:
    """Import every area's handlers (registering its actions, handlers and events)."""
    for area in AREAS:
        name = f"erp_core.{area}.handlers"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
