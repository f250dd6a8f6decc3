"""The hot-path shortcuts of issue 9 give exactly what the general code gives.

- a journal line built from checked values (`journal._trusted_line`) is the line pydantic
  would build, down to its stored JSON bytes;
- the projections' integer minor units from a stored amount (`engine._minor`) equal
  `minor_from_text` for every decimal text, on every currency's scale.
"""

from __future__ import annotations

from decimal import Decimal

from erp_core.projections.engine import _minor
from hypothesis import given
from hypothesis import strategies as st

from erp_core.kernel.money import minor_from_text
from erp_core.ledger.events import PostedLine
from erp_core.ledger.journal import _trusted_line

amounts = st.decimals(
    min_value=Decimal("-999999999999.999"),
    max_value=Decimal("999999999999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)


@given(
    amount=amounts,
    base=amounts,
    rate=st.none() | st.decimals(min_value=Decimal("0.000001"), max_value=1000, places=6),
    memo=st.none() | st.text(max_size=20),
    dimensions=st.dictionaries(
        st.sampled_from(["cost_centre", "project", "department"]), st.text(max_size=5)
    ),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
)
def test_a_trusted_line_is_the_validated_line_byte_for_byte(
    amount: Decimal,
    base: Decimal,
    rate: Decimal | None,
    memo: str | None,
    dimensions: dict[str, str],
    currency: str,
) -> None:
    values = {
        "account": "6200",
        "currency": currency,
        "amount": amount,
        "base": base,
        "rate": rate,
        "memo": memo,
        "dimensions": dict(sorted(dimensions.items())),
    }
    trusted = _trusted_line(**dict(values))
    validated = PostedLine(**values)
    constructed = PostedLine.model_construct(**values)
    assert trusted == validated == constructed
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert trusted.model_fields_set == constructed.model_fields_set
    # copies (a reversal negates a line) behave as those of a validated line
    flipped = trusted.model_copy(update={"amount": -amount})
    assert (
        flipped.model_dump_json()
        == validated.model_copy(update={"amount": -amount}).model_dump_json()
    )


@given(
    value=st.decimals(
        min_value=Decimal("-99999999999"),
        max_value=Decimal("99999999999"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    ),
    places=st.sampled_from([0, 2, 3]),
)
def test_minor_units_of_a_stored_amount_match_the_general_conversion(
    value: Decimal, places: int
) -> None:
    text = format(value.quantize(Decimal(1).scaleb(-places)), "f")
    assert _minor(text, places) == minor_from_text(text, places)
    assert _minor(text, places) == int(Decimal(text).scaleb(places))
    # other stored forms (fewer places, none) take the general path and agree too
    short = format(value.normalize(), "f")
    if "." not in short or len(short.partition(".")[2]) <= places:
        assert _minor(short, places) == minor_from_text(short, places)


def test_minor_units_by_hand() -> None:
    assert _minor("-12.30", 2) == -1230
    assert _minor("0.05", 2) == 5
    assert _minor("5", 2) == 500
    assert _minor("1234", 0) == 1234
    assert _minor("1.250", 3) == 1250
    assert _minor("-0.5", 2) == -50
