"""Read models folded from the event log: SQLAlchemy Core tables and the handlers that fill them.

Installed as ``erp_core.projections``. Projections only add up what events carry; they never
decide an amount, so any of them can be dropped and rebuilt from the log.
"""

from __future__ import annotations

from erp_core.projections.balances import BalancesProjection
from erp_core.projections.engine import Projection, Projector
from erp_core.projections.ledger import LedgerProjection
from erp_core.projections.payables import PayablesProjection
from erp_core.projections.receivables import ReceivablesProjection
from erp_core.projections.stock import StockProjection


def all_projections() -> list[Projection]:
    return [
        LedgerProjection(),
        BalancesProjection(),
        StockProjection(),
        PayablesProjection(),
        ReceivablesProjection(),
    ]


__all__ = [
    "BalancesProjection",
    "LedgerProjection",
    "PayablesProjection",
    "Projection",
    "Projector",
    "ReceivablesProjection",
    "StockProjection",
    "all_projections",
]
