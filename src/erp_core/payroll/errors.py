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


class FormulaError(PayrollError):
    """A formula cannot be parsed, uses a construct outside the whitelist, or fails to evaluate.

    `field` is the component (or other owner) whose formula it is; `construct` names the
    offending construct when there is one (e.g. "attribute access", "call to 'open'").
    """

    def __init__(self, component: str, reason: str, construct: str = "") -> None:
        super().__init__(component, reason)
        self.component = component
        self.construct = construct


class UnknownReference(FormulaError):
    """A formula refers to a name that is neither a component nor a known variable."""

    def __init__(self, component: str, name: str) -> None:
        super().__init__(
            component,
            f"refers to unknown name {name!r} (not a component of the structure nor a variable)",
        )
        self.name = name


class CyclicFormulas(FormulaError):
    """Components whose formulas refer to one another in a loop; `cycle` lists it, closed."""

    def __init__(self, cycle: tuple[str, ...]) -> None:
        path = " -> ".join(cycle)
        super().__init__(cycle[0], f"formulas refer to one another in a cycle: {path}")
        self.cycle = cycle


class NegativeNetPay(PayrollError):
    """Deductions exceed gross pay."""
