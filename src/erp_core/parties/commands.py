"""What payments, receipts and payroll share: allocating money to open items."""

from __future__ import annotations

from erp_core.kernel.commands import (
    Code,
    Line,
)
from erp_core.kernel.money import Dec


class Allocation(Line):
    invoice: Code
    amount: Dec
