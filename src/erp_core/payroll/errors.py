"""The payroll core's refusals: each names the field (or component) and the reason.

`PayrollError` mirrors the kernel's `ValidationError(field, reason)` so the wiring step can
translate one into the other at the boundary without parsing messages.
"""

from __future__ import annotations


class PayrollError(ValueError):
    """A payroll input breaks a rule; `field` names where, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


from erp_core.kernel.formulas import CyclicFormulas, FormulaError, UnknownReference  # noqa: E402

__all__ = ["CyclicFormulas", "FormulaError", "NegativeNetPay", "PayrollError", "UnknownReference"]


class NegativeNetPay(PayrollError):
    """Deductions exceed gross pay."""
