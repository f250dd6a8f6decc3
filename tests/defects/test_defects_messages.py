"""Defects of issue 10: error messages say what is expected, unknown actions get a suggestion."""

from __future__ import annotations

import pytest

from erp_core.api import parse_action
from erp_core.kernel.errors import ValidationError


def message(data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as info:
        parse_action(data)
    return info.value.message


def test_defects_unknown_action_suggests_the_closest() -> None:
    assert "did you mean post_voucher?" in message({"action": "post_vouchr"})
    far = message({"action": "zzzzzz"})
    assert "did you mean" not in far and "erp schema" in far


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"action": "post_voucher", "date": "2026-03-05",
             "lines": [{"account": 6200, "debit": "1"}, {"account": "1120", "credit": "1"}]},
            'lines[0].account: expected a string such as "6200"',
        ),
        ({"action": "open_account", "code": "7000", "type": "expense"}, "name: required"),
        ({"action": "open_account", "code": "7000", "name": "X", "type": "cost"}, "type: expected"),
        ({"action": "open_account", "code": "7000", "name": "X", "type": "expense",
          "is_group": "maybe"}, "is_group: expected true or false"),
    ],
)  # fmt: skip
def test_defects_messages_say_what_is_expected(data: dict[str, object], expected: str) -> None:
    text = message(data)
    assert text.startswith(expected), text
    assert "Input should" not in text and "Field required" not in text
