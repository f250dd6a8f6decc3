"""The safe formula language and salary structures evaluated in dependency order."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.payroll.errors import CyclicFormulas, FormulaError, PayrollError, UnknownReference
from erp_core.payroll.formulas import (
    AmountKind,
    Component,
    ComponentType,
    SalaryStructure,
    evaluate_structure,
    parse_formula,
)

D = Decimal
E, DED, ER, STAT = (
    ComponentType.EARNING,
    ComponentType.DEDUCTION,
    ComponentType.EMPLOYER_CONTRIBUTION,
    ComponentType.STATISTICAL,
)


def formula(code: str, text: str, ctype: ComponentType = E, **kw: object) -> Component:
    return Component(code, ctype, AmountKind.FORMULA, formula=text, **kw)  # type: ignore[arg-type]


def fixed(code: str, amount: str, ctype: ComponentType = E) -> Component:
    return Component(code, ctype, AmountKind.FIXED, amount=D(amount))


def ev(text: str, **env: Decimal | bool) -> Decimal | bool:
    return parse_formula(text, "c").evaluate(env)


# -- the language -------------------------------------------------------------------------------


def test_numbers_are_exact_decimals_read_from_their_digits() -> None:
    # 0.1 + 0.2 is exactly 0.3 because the literals are read as Decimal("0.1"), Decimal("0.2").
    assert ev("0.1 + 0.2") == D("0.3")
    assert ev("1_000.50 * 2") == D("2001.00")


def test_arithmetic_comparisons_and_conditionals() -> None:
    env = {"basic": D(4000), "years_of_service": D(3)}
    assert ev("min(basic * 0.05, 300)", **env) == D(200)  # 4000 * 0.05 = 200 < 300
    assert ev("max(basic * 0.10, 500)", **env) == D(500)  # 400 < 500
    assert ev("100 if years_of_service >= 2 and basic > 1000 else 0", **env) == D(100)
    assert ev("100 if not (years_of_service >= 5) else 0", **env) == D(100)
    assert ev("0 < basic <= 4000", **env) is True
    assert ev("abs(-2.5) - 1", **env) == D("1.5")


def test_floor_division_rounds_towards_minus_infinity() -> None:
    # Decimal's own // truncates (-7 // 2 == -3); the formula language floors: -3.5 -> -4.
    assert ev("7 // 2") == D(3)
    assert ev("-7 // 2") == D(-4)


def test_round_is_half_up() -> None:
    assert ev("round(2.5)") == D(3)
    assert ev("round(2.345, 2)") == D("2.35")
    assert ev("round(1234.5, -2)") == D("1.2E+3")


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("basic.real", "attribute access"),
        ("(1).__class__", "attribute access"),
        ("__import__('os')", "call to '__import__'"),
        ("open('/etc/passwd')", "call to 'open'"),
        ("eval('1')", "call to 'eval'"),
        ("import os", "import statement"),
        ("from os import path", "import statement"),
        ("lambda: 1", "lambda"),
        ("basic[0]", "subscript"),
        ("[x for x in basic]", "comprehension"),
        ("2 ** 3", "power operator (**)"),
        ("7 % 2", "modulo operator (%)"),
        ("'text'", "text literal"),
        ("(x := 1)", "assignment expression (:=)"),
        ("x = 1", "assignment"),
        ("basic in basic", "'in' comparison"),
        ("round(x=1)", "keyword argument"),
        ("min(*basic)", "argument unpacking (*)"),
        ("(1, 2)", "tuple"),
        ("f'{basic}'", "f-string"),
        ("1 if", "syntax"),
    ],
)
def test_unsafe_constructs_are_refused_naming_component_and_construct(
    text: str, construct: str
) -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula(text, "hra")
    assert info.value.component == "hra"
    assert info.value.construct == construct
    assert str(info.value).startswith("hra: ")


def test_type_errors_are_clear() -> None:
    with pytest.raises(FormulaError, match="needs an amount, got true/false"):
        ev("(1 > 0) + 1")
    with pytest.raises(FormulaError, match="needs true/false"):
        ev("1 if 2 else 3")
    with pytest.raises(FormulaError, match="cannot compare"):
        ev("(1 > 0) < 2")


def test_division_by_zero_names_the_component() -> None:
    f = parse_formula("basic / payment_days", "daily_rate")
    with pytest.raises(
        FormulaError, match=r"^daily_rate: division by zero in `basic / payment_days`"
    ):
        f.evaluate({"basic": D(100), "payment_days": D(0)})


def test_floats_never_enter_an_evaluation() -> None:
    f = parse_formula("basic * 2", "c")
    with pytest.raises(FormulaError, match="must be a Decimal or bool, not float"):
        f.evaluate({"basic": 1.5})  # type: ignore[dict-item]


# -- components and structures ----------------------------------------------------------------


def test_formulas_listed_out_of_order_are_evaluated_in_dependency_order() -> None:
    # Listed: pension (needs basic), allowance (needs basic), gross_stat (needs both), basic.
    s = SalaryStructure(
        "std",
        (
            formula("pension", "basic * 0.04", DED),
            formula("allowance", "basic * 0.10"),
            formula("gross_stat", "basic + allowance", STAT),
            formula("basic", "base"),
        ),
    )
    assert s.order == ("basic", "pension", "allowance", "gross_stat")
    amounts = evaluate_structure(s, {"base": D(4000)}).amounts
    # basic 4000; pension 4000 * 0.04 = 160; allowance 400; gross_stat 4400 (never 0).
    assert amounts == {
        "basic": D(4000),
        "pension": D("160.00"),
        "allowance": D("400.00"),
        "gross_stat": D("4400.00"),
    }


def test_a_cycle_is_refused_naming_it() -> None:
    with pytest.raises(CyclicFormulas) as info:
        SalaryStructure("s", (formula("a", "b + 1"), formula("b", "a * 2")))
    assert info.value.cycle == ("a", "b", "a")
    assert "a -> b -> a" in str(info.value)


def test_a_longer_cycle_and_a_self_reference_are_refused() -> None:
    with pytest.raises(CyclicFormulas, match="x -> y -> z -> x"):
        SalaryStructure(
            "s", (formula("x", "y"), formula("y", "z"), formula("z", "x"), fixed("w", "1"))
        )
    with pytest.raises(CyclicFormulas, match="s -> s"):
        SalaryStructure("s", (formula("s", "s + 1"),))


def test_an_unknown_reference_is_refused_naming_component_and_name() -> None:
    with pytest.raises(UnknownReference) as info:
        SalaryStructure("s", (fixed("basic", "100"), formula("hra", "basc * 0.4")))
    assert info.value.component == "hra"
    assert info.value.name == "basc"
    assert str(info.value).startswith("hra: refers to unknown name 'basc'")


def test_declared_variables_are_known_and_must_be_supplied() -> None:
    s = SalaryStructure(
        "s", (formula("bonus", "base * grade_factor"),), frozenset({"grade_factor"})
    )
    assert evaluate_structure(s, {"base": D(100), "grade_factor": D("1.5")}).amounts["bonus"] == D(
        "150.0"
    )
    with pytest.raises(PayrollError, match=r"variables.grade_factor: needed by bonus"):
        evaluate_structure(s, {"base": D(100)})
    with pytest.raises(PayrollError, match="must be a Decimal or int, not a float"):
        evaluate_structure(s, {"base": D(100), "grade_factor": 1.5})  # type: ignore[dict-item]


def test_conditional_component_applies_only_when_its_condition_holds() -> None:
    senior = Component(
        "seniority", E, AmountKind.CONDITION, condition="years_of_service >= 5", amount=D(250)
    )
    s = SalaryStructure("s", (senior, formula("total", "seniority + 1", STAT)))
    on = evaluate_structure(s, {"years_of_service": D(6)})
    off = evaluate_structure(s, {"years_of_service": D(2)})
    assert on.amounts["seniority"] == D(250) and "seniority" in on.active
    assert off.amounts["seniority"] == D(0) and "seniority" not in off.active
    assert off.amounts["total"] == D(1)  # an inactive component counts as 0 in formulas


def test_component_shape_errors() -> None:
    with pytest.raises(PayrollError, match="fixed component has an amount"):
        Component("a", E, AmountKind.FIXED, formula="1")
    with pytest.raises(PayrollError, match="conditional component has a condition"):
        Component("a", E, AmountKind.CONDITION, amount=D(1))
    with pytest.raises(PayrollError, match="only an earning can be taxable"):
        Component("a", DED, AmountKind.FIXED, amount=D(1), taxable=True)
    with pytest.raises(PayrollError, match="must be a Decimal or int, not a float"):
        Component("a", E, AmountKind.FIXED, amount=1.5)  # type: ignore[arg-type]
    with pytest.raises(PayrollError, match="not a valid code"):
        Component("net pay", E, AmountKind.FIXED, amount=D(1))
    with pytest.raises(PayrollError, match="reserved word"):
        Component("min", E, AmountKind.FIXED, amount=D(1))
    with pytest.raises(PayrollError, match="twice"):
        SalaryStructure("s", (fixed("a", "1"), fixed("a", "2")))
    with pytest.raises(PayrollError, match="both a component code and a variable"):
        SalaryStructure("s", (fixed("base", "1"),))


def test_negative_component_and_condition_giving_an_amount_are_refused() -> None:
    s = SalaryStructure("s", (formula("bonus", "base - 500"),))
    with pytest.raises(PayrollError, match=r"^bonus: amount comes out negative \(-400\)"):
        evaluate_structure(s, {"base": D(100)})
    c = Component("x", E, AmountKind.CONDITION, condition="base", amount=D(1))
    with pytest.raises(FormulaError, match="condition gives an amount"):
        evaluate_structure(SalaryStructure("s", (c,)), {"base": D(1)})


def test_division_by_zero_during_a_structure_names_the_component() -> None:
    s = SalaryStructure("s", (formula("daily", "base / payment_days"),))
    with pytest.raises(FormulaError, match=r"^daily: division by zero"):
        evaluate_structure(s, {"base": D(3000), "payment_days": D(0)})


def test_overrides_replace_fixed_amounts_for_one_employee() -> None:
    s = SalaryStructure("s", (fixed("basic", "1000"), formula("hra", "basic * 0.4")))
    assert evaluate_structure(s, {}, {"basic": D(2000)}).amounts["hra"] == D("800.0")
    with pytest.raises(PayrollError, match="only a component with an amount"):
        evaluate_structure(s, {}, {"hra": D(1)})


CHAIN = (
    fixed("basic", "3000"),
    formula("hra", "basic * 0.4"),
    formula("special", "max(base - basic - hra, 0)"),
    formula("pf", "min(basic * 0.12, 1800)", DED),
    formula("er_pf", "pf", ER),
    formula("bonus", "round((basic + hra) / 12, 2) if years_of_service >= 1 else 0"),
)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10_000), base=st.integers(0, 20_000), years=st.integers(0, 10))
def test_listing_order_never_changes_the_amounts(seed: int, base: int, years: int) -> None:
    shuffled = list(CHAIN)
    random.Random(seed).shuffle(shuffled)
    env = {"base": D(base), "years_of_service": D(years)}
    expected = evaluate_structure(SalaryStructure("a", CHAIN), env).amounts
    assert evaluate_structure(SalaryStructure("b", tuple(shuffled)), env).amounts == expected


def test_amounts_out_of_range_are_refused_not_crashing() -> None:
    with pytest.raises(FormulaError, match=r"^x: round\(\): the amount is too large"):
        parse_formula("round(1e40, 2)", "x").evaluate({})
    s = SalaryStructure("s", (formula("huge", "base * 1e20"),))
    with pytest.raises(PayrollError, match=r"^huge: amount 1E\+20 is out of range"):
        evaluate_structure(s, {"base": D(1)})


def test_length_depth_and_size_limits_are_refused_naming_the_component() -> None:
    from erp_core.kernel.formulas import FormulaError

    with pytest.raises(FormulaError, match="bonus: formula is longer than 2000 characters"):
        parse_formula("1 + " * 600 + "1", "bonus")
    with pytest.raises(FormulaError, match="bonus: formula is nested deeper than 60 levels"):
        parse_formula("-(" * 70 + "1" + ")" * 70, "bonus")
    structure = SalaryStructure(code="S", components=(formula("huge", "base * base * base"),))
    with pytest.raises(PayrollError, match="huge: amount .* is out of range"):
        evaluate_structure(structure, {"base": D(10) ** 6})
