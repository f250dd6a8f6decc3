"""Bills of materials: validation, versions, cycles and hand-computed explosions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from erp_core.production.bom import (
    BillOfMaterials,
    BomRegistry,
    ComponentLine,
    Operation,
    SecondaryOutput,
    component_requirements,
    expected_outputs,
    explode,
    planned_hours,
)
from erp_core.production.errors import BomCycleError, ProductionValidationError


def bom(item: str, *components: tuple[str, str], version: int = 1, **kw: object) -> BillOfMaterials:
    return BillOfMaterials(
        item=item,
        version=version,
        output_quantity=kw.pop("output_quantity", D(1)),  # type: ignore[arg-type]
        components=tuple(ComponentLine(i, D(q)) for i, q in components),
        **kw,  # type: ignore[arg-type]
    )


CHAIR = BillOfMaterials(
    item="CHAIR",
    version=1,
    output_quantity=D(1),
    components=(ComponentLine("LEG", D(4)), ComponentLine("SEAT", D(1))),
    operations=(Operation("ASSEMBLY", D("0.25")),),
)


# ---- explosions -------------------------------------------------------------------------------


def test_the_issues_chair_explodes_to_twenty_legs_five_seats_and_an_hour_and_a_quarter() -> None:
    result = explode(BomRegistry.of([CHAIR]), CHAIR, D(5))
    # 5 chairs x 4 legs = 20; 5 x 1 seat = 5; 5 x 0.25 h = 1.25 h
    assert result.totals() == {"LEG": D(20), "SEAT": D(5)}
    assert result.hours() == {"ASSEMBLY": D("1.25")}
    assert all(line.kind == "bought" and line.level == 1 for line in result.lines)


def test_component_scrap_divides_by_the_share_that_survives() -> None:
    chair = BillOfMaterials(
        "CHAIR", 1, D(1), (ComponentLine("LEG", D(4), scrap_pct=D(20)), ComponentLine("SEAT", D(1)))
    )
    # 5 chairs need 20 good legs; 20 % of issued legs are scrapped: 20 / 0.8 = 25 (not 24)
    assert component_requirements(chair, D(5)) == {"LEG": D(25), "SEAT": D(5)}


def test_process_loss_divides_by_the_yield_not_multiplies_by_the_loss() -> None:
    paste = BillOfMaterials(
        "PASTE",
        1,
        D(10),  # a batch makes 10 kg
        (ComponentLine("FLOUR", D(8)), ComponentLine("WATER", D(4))),
        operations=(Operation("MIXER", D(2)),),
        process_loss_pct=D(20),
    )
    # 40 kg good / 0.8 yield = 50 kg started = 5 batches: flour 5 x 8 = 40, water 5 x 4 = 20,
    # mixer 5 x 2 h = 10 h. A mark-up would give flour 8 x 4 x 1.2 = 38.4, short by 1.6 kg.
    assert component_requirements(paste, D(40)) == {"FLOUR": D(40), "WATER": D(20)}
    assert planned_hours(paste, D(40)) == {"MIXER": D(10)}


def test_a_non_terminating_requirement_is_rounded_up_to_six_places() -> None:
    widget = BillOfMaterials("W", 1, D(1), (ComponentLine("P", D(1)),), process_loss_pct=D(3))
    # 1 / 0.97 = 1.0309278350... -> 1.030928 (rounded up so the plan is never short)
    assert component_requirements(widget, D(1)) == {"P": D("1.030928")}


def test_two_level_explosion_with_scrap_and_process_loss_below() -> None:
    table = BillOfMaterials(
        "TABLE",
        1,
        D(1),
        (ComponentLine("TOP", D(1)), ComponentLine("LEG", D(4))),
        operations=(Operation("ASSEMBLY", D(1)),),
    )
    top = BillOfMaterials(
        "TOP",
        1,
        D(2),  # a batch makes 2 tops
        (ComponentLine("PLANK", D(5), scrap_pct=D(20)), ComponentLine("GLUE", D("0.1"))),
        operations=(Operation("SAW", D("0.5")),),
        process_loss_pct=D(20),
    )
    registry = BomRegistry.of([top, table])
    result = explode(registry, table, D(10))
    # level 1: TOP 10 (made), LEG 40 (bought); ASSEMBLY 10 h
    # level 2: 10 good tops / 0.8 = 12.5 started = 6.25 batches;
    #   PLANK 6.25 x 5 / 0.8 = 39.0625; GLUE 6.25 x 0.1 = 0.625; SAW 6.25 x 0.5 = 3.125 h
    assert result.totals("bought") == {"GLUE": D("0.625"), "LEG": D(40), "PLANK": D("39.0625")}
    assert result.totals("made") == {"TOP": D(10)}
    assert result.materials_for("TABLE") == {"LEG": D(40), "TOP": D(10)}
    assert result.materials_for("TOP") == {"GLUE": D("0.625"), "PLANK": D("39.0625")}
    assert result.hours() == {"ASSEMBLY": D(10), "SAW": D("3.125")}
    plank = next(line for line in result.lines if line.item == "PLANK")
    assert (plank.level, plank.path, plank.consumed_by) == (2, ("TABLE", "TOP"), "TOP")

    single = explode(registry, table, D(10), multi_level=False)
    assert single.totals() == {"LEG": D(40), "TOP": D(10)}
    assert single.hours() == {"ASSEMBLY": D(10)}


def test_a_phantom_is_blown_through_to_its_parent_in_both_modes() -> None:
    kit = bom("KIT", ("SCREW", "4"), ("BRACKET", "2"), phantom=True)
    chair = bom("CHAIR", ("SEAT", "1"), ("KIT", "1"))
    registry = BomRegistry.of([kit, chair])
    for multi in (True, False):
        result = explode(registry, chair, D(3), multi_level=multi)
        # 3 chairs: 3 seats, 3 kits -> 12 screws, 6 brackets, all issued to the chair order
        assert result.materials_for("CHAIR") == {"BRACKET": D(6), "SCREW": D(12), "SEAT": D(3)}
        kit_line = next(line for line in result.lines if line.item == "KIT")
        assert kit_line.kind == "phantom"
        assert result.totals("phantom") == {"KIT": D(3)}


def test_lower_levels_follow_the_latest_version_but_the_top_keeps_its_own() -> None:
    seat_v1 = bom("SEAT", ("FOAM", "1"))
    seat_v2 = bom("SEAT", ("FOAM", "2"), version=2)
    chair_v1 = bom("CHAIR", ("SEAT", "1"), ("LEG", "4"))
    chair_v2 = bom("CHAIR", ("SEAT", "1"), ("LEG", "3"), version=2)
    registry = BomRegistry.of([seat_v1, chair_v1, seat_v2, chair_v2])
    released_with_v1 = explode(registry, registry.version("CHAIR", 1), D(2))
    # the order keeps chair v1 (4 legs each -> 8) and sub-levels use seat v2 (2 foam -> 4)
    assert released_with_v1.totals("bought") == {"FOAM": D(4), "LEG": D(8)}
    assert registry.latest("CHAIR") == chair_v2


def test_expected_by_products_scale_with_batches() -> None:
    oil = BillOfMaterials(
        "OIL",
        1,
        D(100),
        (ComponentLine("SEED", D(300)),),
        outputs=(SecondaryOutput("MEAL", D(180), cost_share_pct=D(20)),),
    )
    # 250 l of oil = 2.5 batches -> 2.5 x 180 = 450 kg of meal
    assert expected_outputs(oil, D(250)) == {"MEAL": D(450)}


# ---- registry, versions and cycles ----------------------------------------------------------


def test_a_cycle_through_three_levels_is_refused_and_named() -> None:
    registry = BomRegistry.of([bom("A", ("B", "1")), bom("B", ("C", "1"))])
    with pytest.raises(BomCycleError) as err:
        registry.with_version(bom("C", ("A", "2")))
    assert err.value.cycle == ("C", "A", "B", "C")
    assert "C -> A -> B -> C" in str(err.value)
    assert err.value.field == "components"


def test_a_new_version_that_closes_a_cycle_is_refused_but_the_registry_is_unchanged() -> None:
    registry = BomRegistry.of([bom("A", ("B", "1"), ("X", "1")), bom("B", ("X", "1"))])
    with pytest.raises(BomCycleError, match="B -> A -> B"):
        registry.with_version(bom("B", ("A", "1"), version=2))
    assert registry.latest("B") is not None
    assert registry.latest("B").version == 1  # type: ignore[union-attr]


def test_a_bom_that_drops_the_cycle_in_a_new_version_is_accepted() -> None:
    registry = BomRegistry.of([bom("A", ("B", "1")), bom("A", ("X", "1"), version=2)])
    # A v2 no longer uses B, so B may now use A
    registry = registry.with_version(bom("B", ("A", "1")))
    assert registry.latest("B") is not None


def test_the_output_cannot_be_its_own_component() -> None:
    with pytest.raises(ProductionValidationError) as err:
        bom("A", ("A", "1"))
    assert err.value.field == "components[A]"
    assert "own component" in err.value.reason


def test_a_version_must_be_newer_than_the_latest() -> None:
    registry = BomRegistry.of([bom("A", ("B", "1"), version=3)])
    with pytest.raises(ProductionValidationError) as err:
        registry.with_version(bom("A", ("B", "2"), version=3))
    assert err.value.field == "version"
    with pytest.raises(ProductionValidationError, match="no bill of materials version 1"):
        registry.version("A", 1)


# ---- validation: each bad input names its field ---------------------------------------------


@pytest.mark.parametrize(
    ("make", "field", "reason"),
    [
        (lambda: ComponentLine("LEG", D(0)), "components[LEG].quantity", "greater than 0"),
        (lambda: ComponentLine("LEG", D(-1)), "components[LEG].quantity", "greater than 0"),
        (lambda: ComponentLine("LEG", 1.5), "components[LEG].quantity", "not a float"),  # type: ignore[arg-type]
        (lambda: ComponentLine("LEG", "2"), "components[LEG].quantity", "got str"),  # type: ignore[arg-type]
        (lambda: ComponentLine("LEG", D(1), D(100)), "components[LEG].scrap_pct", "below 100"),
        (lambda: ComponentLine("LEG", D(1), D(-1)), "components[LEG].scrap_pct", "below 100"),
        (lambda: ComponentLine("", D(1)), "components.item", "non-blank"),
        (lambda: Operation("SAW", D(0)), "operations[SAW].hours", "greater than 0"),
        (
            lambda: SecondaryOutput("MEAL", D(1)),
            "outputs[MEAL].cost_share_pct",
            "exactly one",
        ),
        (
            lambda: SecondaryOutput("MEAL", D(1), cost_share_pct=D(10), fixed_value=D(1)),
            "outputs[MEAL].cost_share_pct",
            "exactly one",
        ),
        (
            lambda: SecondaryOutput("DUST", D(1), kind="scrap", cost_share_pct=D(10)),
            "outputs[DUST].cost_share_pct",
            "fixed value",
        ),
        (
            lambda: SecondaryOutput("MEAL", D(1), cost_share_pct=D(101)),
            "outputs[MEAL].cost_share_pct",
            "at most 100",
        ),
        (
            lambda: SecondaryOutput("DUST", D(1), kind="scrap", fixed_value=D(-1)),
            "outputs[DUST].fixed_value",
            "negative",
        ),
        (lambda: bom("A", ("B", "1"), ("B", "2")), "components[B]", "duplicate"),
        (lambda: bom("A", ("B", "1"), output_quantity=D(0)), "output_quantity", "greater than 0"),
        (lambda: bom("A", ("B", "1"), process_loss_pct=D(100)), "process_loss_pct", "below 100"),
        (lambda: bom("A", ("B", "1"), version=0), "version", ">= 1"),
        (lambda: bom("A"), "components", "needs a component"),
        (
            lambda: bom(
                "A",
                ("B", "1"),
                outputs=(
                    SecondaryOutput("M", D(1), cost_share_pct=D(60)),
                    SecondaryOutput("N", D(1), cost_share_pct=D(50)),
                ),
            ),
            "outputs",
            "sum to 110",
        ),
        (
            lambda: bom("A", ("B", "1"), outputs=(SecondaryOutput("A", D(1), fixed_value=D(0)),)),
            "outputs[A]",
            "main output",
        ),
    ],
)
def test_bad_bom_input_is_refused_naming_the_field(
    make: Callable[[], object], field: str, reason: str
) -> None:
    with pytest.raises(ProductionValidationError) as err:
        make()
    assert err.value.field == field
    assert reason in err.value.reason


def test_explosion_refuses_a_non_positive_quantity() -> None:
    with pytest.raises(ProductionValidationError) as err:
        explode(BomRegistry.of([CHAIR]), CHAIR, D(0))
    assert err.value.field == "quantity"
