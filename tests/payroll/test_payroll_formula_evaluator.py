"""The formula evaluator is simpleeval's, fed Decimals: no float reaches the arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
import simpleeval

from erp_core.kernel import formulas
from erp_core.kernel.formulas import FormulaError, parse_formula


def test_formulas_are_evaluated_by_simpleeval(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = simpleeval.SimpleEval.eval

    def spy(self: simpleeval.SimpleEval, expr: str, previously_parsed: object = None) -> object:
        seen.append(self)
        return original(self, expr, previously_parsed)

    monkeypatch.setattr(simpleeval.SimpleEval, "eval", spy)
    assert parse_formula("min(basic * 0.05, 300)", "pension").evaluate(
        {"basic": Decimal("4000.00")}
    ) == Decimal("200.0000")
    assert len(seen) == 1 and isinstance(seen[0], simpleeval.SimpleEval)


def test_literals_reach_the_evaluator_as_decimals_read_from_their_digits() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in float; a tenth and two tenths are three tenths here
    assert parse_formula("0.1 + 0.2", "c").evaluate({}) == Decimal("0.3")
    assert parse_formula("0.1 + 0.2 == 0.3", "c").evaluate({}) is True
    # 1/3 in a 28-digit decimal context, not a binary fraction
    assert parse_formula("1 / 3", "c").evaluate({}) == Decimal("0." + "3" * 28)
    # floor division rounds towards minus infinity: -7 // 2 = -4
    assert parse_formula("-7 // 2", "c").evaluate({}) == Decimal(-4)


def test_python_truthiness_is_not_borrowed_from_the_library() -> None:
    # simpleeval's own `and` would return 2; ours demands true/false
    with pytest.raises(FormulaError, match="^c: and needs true/false"):
        parse_formula("basic > 0 and 2", "c").evaluate({"basic": Decimal(1)})
    with pytest.raises(FormulaError, match="^c: if ... else needs true/false"):
        parse_formula("1 if basic else 2", "c").evaluate({"basic": Decimal(1)})


def test_a_missing_value_names_the_component_and_the_name() -> None:
    f = parse_formula("basic * 2", "double")
    with pytest.raises(FormulaError, match="^double: no value for 'basic'"):
        formulas._evaluate(f, f._tree.body, {})
