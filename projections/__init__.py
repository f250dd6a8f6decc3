"""Read models folded from the event log: SQLAlchemy Core tables and the handlers that fill them.

Installed as ``erp_core.projections``. Projections only add up what events carry; they never
decide an amount, so any of them can be dropped and rebuilt from the log.

One module per business area (``erp_core.projections.<area>``, areas as listed in
`erp_core.areas.AREAS`), each with a ``projections()`` function returning its projections;
`all_projections` collects them in the order of the areas.
"""

from __future__ import annotations

import importlib
import importlib.util

from erp_core.projections.engine import Projection, Projector


def all_projections() -> list[Projection]:
    from erp_core.areas import AREAS

    found: list[Projection] = []
    for area in AREAS:
        name = f"erp_core.projections.{area}"
        if importlib.util.find_spec(name) is not None:
            found.extend(importlib.import_module(name).projections())
    return found


__all__ = ["Projection", "Projector", "all_projections"]
