"""Salary components and structures evaluated in dependency order, in the safe formula
language of `erp_core.kernel.formulas`."""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from erp_core.kernel.formulas import (
    FUNCTIONS,
    MAX_AMOUNT,
    STANDARD_VARIABLES,
    Env,
    Formula,
    Value,
    parse_formula,
)
from erp_core.payroll.errors import CyclicFormulas, PayrollError, UnknownReference

__all__ = ["Env", "Formula", "Value", "parse_formula"]


# -- components and structures ----------------------------------------------------------------


class ComponentType(StrEnum):
    EARNING = "earning"
    DEDUCTION = "deduction"
    EMPLOYER_CONTRIBUTION = "employer_contribution"
    STATISTICAL = "statistical"  # computed and shown, never paid, never posted


class AmountKind(StrEnum):
    FIXED = "fixed"  # `amount` (or the employee's override)
    FORMULA = "formula"  # `formula`
    CONDITION = "condition"  # `formula` or `amount`, applied only when `condition` is true


def check_code(code: object, field_name: str) -> str:
    if not isinstance(code, str) or not code.isidentifier() or code.startswith("_"):
        raise PayrollError(
            field_name, f"{code!r} is not a valid code (letters, digits, '_'; not first '_')"
        )
    if code in FUNCTIONS or code in ("True", "False", "None") or code in _KEYWORDS:
        raise PayrollError(field_name, f"{code!r} is a reserved word")
    return code


_KEYWORDS = frozenset(keyword.kwlist)


def check_amount(value: object, field_name: str, *, allow_negative: bool = False) -> Decimal:
    """Accept a finite Decimal or int (never a float or bool) and return it as Decimal."""
    if isinstance(value, bool | float):
        raise PayrollError(field_name, "must be a Decimal or int, not a float or bool")
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PayrollError(field_name, f"must be a finite Decimal, got {value!r}")
    if value < 0 and not allow_negative:
        raise PayrollError(field_name, f"must not be negative, got {value}")
    return value


@dataclass(frozen=True)
class Component:
    """One salary component of a structure.

    `taxable` (earnings only) counts the amount in taxable income; `pre_tax` (deductions only)
    takes it off taxable income (e.g. an employee pension contribution); `prorated` scales the
    amount by payment days / working days.
    """

    code: str
    type: ComponentType
    kind: AmountKind
    amount: Decimal | None = None
    formula: str | None = None
    condition: str | None = None
    taxable: bool = False
    pre_tax: bool = False
    prorated: bool = False
    name: str = ""
    parsed_formula: Formula | None = field(init=False, repr=False, compare=False, default=None)
    parsed_condition: Formula | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        code = check_code(self.code, "components.code")
        try:
            kind = AmountKind(self.kind)
            ctype = ComponentType(self.type)
        except ValueError as exc:
            raise PayrollError(code, str(exc)) from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "type", ctype)
        if self.amount is not None:
            object.__setattr__(self, "amount", check_amount(self.amount, f"{code}.amount"))
        if kind is AmountKind.FIXED and (self.amount is None or self.formula or self.condition):
            raise PayrollError(code, "a fixed component has an amount and no formula or condition")
        if kind is AmountKind.FORMULA and (
            not self.formula or self.amount is not None or self.condition
        ):
            raise PayrollError(code, "a formula component has a formula and no amount or condition")
        if kind is AmountKind.CONDITION and (
            not self.condition or (self.formula is None) == (self.amount is None)
        ):
            raise PayrollError(
                code, "a conditional component has a condition and either a formula or an amount"
            )
        if self.taxable and ctype is not ComponentType.EARNING:
            raise PayrollError(code, "only an earning can be taxable")
        if self.pre_tax and ctype is not ComponentType.DEDUCTION:
            raise PayrollError(code, "only a deduction can be pre-tax")
        if self.formula:
            object.__setattr__(self, "parsed_formula", Formula(self.formula, code))
        if self.condition:
            object.__setattr__(self, "parsed_condition", Formula(self.condition, code))

    @property
    def references(self) -> frozenset[str]:
        names: frozenset[str] = frozenset()
        for f in (self.parsed_formula, self.parsed_condition):
            if f is not None:
                names |= f.names
        return names


def evaluation_order(
    components: tuple[Component, ...], variables: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Codes in an order where each comes after everything its formulas refer to.

    Independent components keep their listed order. An unknown name raises `UnknownReference`
    naming the component; a loop raises `CyclicFormulas` naming it ("a -> b -> a").
    """
    by_code = {c.code: c for c in components}
    known = STANDARD_VARIABLES | variables
    for c in components:
        for name in sorted(c.references):
            if name not in by_code and name not in known:
                raise UnknownReference(c.code, name)
    order: list[str] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(code: str) -> None:
        if code in done:
            return
        if code in path:
            cycle = (*path[path.index(code) :], code)
            raise CyclicFormulas(cycle)
        path.append(code)
        for dep in sorted(by_code[code].references & by_code.keys()):
            visit(dep)
        path.pop()
        done.add(code)
        order.append(code)

    for c in components:
        visit(c.code)
    return tuple(order)


@dataclass(frozen=True)
class SalaryStructure:
    """Components (in any order) plus the extra employee variables their formulas may use.

    Checked when built: unique codes, no code that is also a variable, every name known, no
    cycle. `order` is the evaluation order.
    """

    code: str
    components: tuple[Component, ...]
    variables: frozenset[str] = frozenset()
    order: tuple[str, ...] = field(init=False, compare=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "variables", frozenset(self.variables))
        seen: set[str] = set()
        for c in self.components:
            if not isinstance(c, Component):
                raise PayrollError("components", f"expected Component, got {type(c).__name__}")
            if c.code in seen:
                raise PayrollError(c.code, "component code appears twice in the structure")
            seen.add(c.code)
        for v in sorted(self.variables):
            check_code(v, "variables")
        clash = sorted(seen & (STANDARD_VARIABLES | self.variables))
        if clash:
            raise PayrollError(clash[0], "is both a component code and a variable name")
        object.__setattr__(self, "order", evaluation_order(self.components, self.variables))

    def component(self, code: str) -> Component:
        for c in self.components:
            if c.code == code:
                return c
        raise PayrollError(code, "no such component in the structure")


@dataclass(frozen=True)
class StructureAmounts:
    """Full-period amounts (exact, unrounded) by component code; `active` excludes components
    whose condition was false (their amount is 0)."""

    amounts: Mapping[str, Decimal]
    active: frozenset[str]


def evaluate_structure(
    structure: SalaryStructure,
    variables: Mapping[str, Decimal],
    overrides: Mapping[str, Decimal] | None = None,
) -> StructureAmounts:
    """Evaluate every component in dependency order.

    `variables` must hold every variable some formula uses; `overrides` replaces the amount of
    fixed components for this employee (e.g. the pay in their salary assignment). A component
    that comes out negative is refused (make it a deduction instead), except statistical ones.
    """
    env: dict[str, Value] = {}
    needed = (
        set().union(*(c.references for c in structure.components))
        if structure.components
        else set()
    )
    for name, value in variables.items():
        if name not in STANDARD_VARIABLES | structure.variables:
            raise PayrollError(f"variables.{name}", "is not a variable of the structure")
        env[name] = check_amount(value, f"variables.{name}", allow_negative=True)
    for name in sorted(needed - {c.code for c in structure.components}):
        if name not in env:
            users = sorted(c.code for c in structure.components if name in c.references)
            raise PayrollError(f"variables.{name}", f"needed by {', '.join(users)}, not supplied")
    overrides = dict(overrides or {})
    for code in sorted(overrides):
        c = structure.component(code)
        if c.amount is None:
            raise PayrollError(code, "only a component with an amount can be overridden")
        overrides[code] = check_amount(overrides[code], f"overrides.{code}")
    amounts: dict[str, Decimal] = {}
    active: set[str] = set()
    for code in structure.order:
        c = structure.component(code)
        if c.parsed_condition is not None and not c.parsed_condition.evaluate_condition(env):
            amount = Decimal(0)
        else:
            active.add(code)
            if c.parsed_formula is not None:
                amount = c.parsed_formula.evaluate_amount(env)
            else:
                amount = overrides.get(code, c.amount if c.amount is not None else Decimal(0))
            if abs(amount) >= MAX_AMOUNT:
                raise PayrollError(code, f"amount {amount} is out of range (below 10^15)")
            if amount < 0 and c.type is not ComponentType.STATISTICAL:
                raise PayrollError(code, f"amount comes out negative ({amount}); not allowed")
        amounts[code] = amount
        env[code] = amount
    return StructureAmounts(amounts=amounts, active=frozenset(active))
