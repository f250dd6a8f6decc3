"""Performance reviews through actions and events: cycles, goals with weights summing to 100,
self / manager / peer ratings, the final score by the cycle's rule with missing parts
renormalised, calibration, the report and its rebuild, and refusals that store nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from erp_core.projections.hr import appraisals, rating_distribution

from erp_core.api import Erp
from erp_core.cli import cli
from erp_core.kernel.errors import NotFound, ValidationError

KRAS = [
    {"code": "delivery", "title": "Ship the ledger", "weight": "50"},
    {"code": "quality", "title": "Few defects", "weight": "30"},
    {"code": "team", "title": "Mentoring", "weight": "20"},
]


@pytest.fixture
def staff(erp: Erp) -> tuple[Erp, str, str, str]:
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    erp.add_dimension_value(dimension="department", code="OPS", name="Operations")
    boss = erp.hire_employee(name="Grace", joining_date="2025-01-01", department="ENG")
    b = boss.documents[0]
    ada = erp.hire_employee(
        name="Ada", joining_date="2025-06-01", department="ENG", manager=b
    ).documents[0]
    lin = erp.hire_employee(name="Linus", joining_date="2025-06-01", department="OPS").documents[0]
    erp.open_appraisal_cycle(
        code="FY2026", name="Annual 2026", period_from="2026-01-01", period_to="2026-12-31"
    )
    return erp, b, ada, lin


def count(erp: Erp) -> int:
    return erp.store.last_position()


def test_full_cycle_hand_computed(staff: tuple[Erp, str, str, str]) -> None:
    erp, boss, ada, lin = staff
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=KRAS)
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="self",
                       ratings={"delivery": "4", "quality": "4", "team": "5"})  # fmt: skip
    # self: (50*4 + 30*4 + 20*5) / 100 = 4.2
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="manager", reviewer=boss,
                       ratings={"delivery": "3", "quality": "4", "team": "3"})  # fmt: skip
    # manager: (150 + 120 + 60) / 100 = 3.3
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="peer", reviewer=lin,
                       ratings={"delivery": "5", "quality": "5", "team": "4"})  # fmt: skip
    # peer: (250 + 150 + 80) / 100 = 4.8; final = 0.2*4.2 + 0.6*3.3 + 0.2*4.8 = 3.78
    erp.finalise_appraisal(cycle="FY2026", employee=ada)
    (row,) = erp.query(appraisals, "FY2026")
    assert (row.self_score, row.manager_score, row.peers_score) == ("4.2", "3.3", "4.8")
    assert (row.final, row.rating, row.status, row.missing) == (
        "3.78",
        "Meets expectations",
        "finalised",
        "",
    )
    erp.calibrate_appraisal(cycle="FY2026", employee=ada, score="4.10", reason="committee")
    (row,) = erp.query(appraisals, "FY2026")
    assert (row.calibrated, row.rating, row.status) == (
        "4.10",
        "Exceeds expectations",
        "calibrated",
    )
    live = erp.query(appraisals, "FY2026")
    erp.rebuild()
    assert erp.query(appraisals, "FY2026") == live


def test_missing_peers_are_renormalised_not_zero(staff: tuple[Erp, str, str, str]) -> None:
    erp, _, ada, _ = staff
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=KRAS)
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="self",
                       ratings={"delivery": "4", "quality": "4", "team": "5"})  # fmt: skip
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="manager",
                       ratings={"delivery": "3", "quality": "4", "team": "3"})  # fmt: skip
    erp.finalise_appraisal(cycle="FY2026", employee=ada)
    (row,) = erp.query(appraisals, "FY2026")
    # (20 * 4.2 + 60 * 3.3) / 80 = 3.525 -> 3.53 (half up), never (84 + 198) / 100 = 2.82
    assert (row.final, row.missing, row.peers) == ("3.53", "peers", 0)


def test_configurable_rule_and_distribution(erp: Erp) -> None:
    erp.add_dimension_value(dimension="department", code="ENG", name="Engineering")
    a = erp.hire_employee(name="A", joining_date="2026-01-01", department="ENG").documents[0]
    b = erp.hire_employee(name="B", joining_date="2026-01-01", department="ENG").documents[0]
    erp.open_appraisal_cycle(code="H1", name="H1", period_from="2026-01-01",
                             period_to="2026-06-30", self_weight="0", manager_weight="100",
                             peers_weight="0", formula="min(weighted * 1.1, 5)", places=1,
                             bands=[{"lower": "0", "label": "Low"},
                                    {"lower": "3.5", "label": "High"}])  # fmt: skip
    for emp, r in ((a, "3"), (b, "5")):
        erp.set_appraisal_goals(cycle="H1", employee=emp, kras=[{"code": "g", "weight": "100"}])
        erp.rate_appraisal(cycle="H1", employee=emp, rater="manager", ratings={"g": r})
        erp.finalise_appraisal(cycle="H1", employee=emp)
    rows = {r.employee: r for r in erp.query(appraisals, "H1")}
    assert (rows[a].final, rows[a].rating) == ("3.3", "Low")
    assert (rows[b].final, rows[b].rating) == ("5.0", "High")  # capped by min(...)
    dist = [
        (r.department, r.rating, r.count, r.share) for r in erp.query(rating_distribution, "H1")
    ]
    assert dist == [("ENG", "High", 1, "50.0"), ("ENG", "Low", 1, "50.0")]
    erp.close_appraisal_cycle(cycle="H1")
    with pytest.raises(ValidationError, match="closed"):
        erp.calibrate_appraisal(cycle="H1", employee=a, score="4", reason="late")


@pytest.mark.parametrize(
    ("kras", "field"),
    [
        ([{"code": "a", "weight": "60"}, {"code": "b", "weight": "30"}], "kras"),  # 90
        ([{"code": "a", "weight": "60"}, {"code": "a", "weight": "40"}], "kras"),  # twice
        ([{"code": "a", "weight": "110"}, {"code": "b", "weight": "-10"}], "kras.b.weight"),
    ],
)
def test_goals_must_weigh_100(staff: tuple[Erp, str, str, str], kras: list, field: str) -> None:
    erp, _, ada, _ = staff
    before = count(erp)
    with pytest.raises(ValidationError) as err:
        erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=kras)
    assert err.value.field == field
    assert count(erp) == before


def test_refusals_store_nothing(staff: tuple[Erp, str, str, str]) -> None:
    erp, _, ada, lin = staff
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=KRAS)
    before = count(erp)
    bad = [
        (dict(rater="self", ratings={"delivery": "4", "quality": "4"}), "self.team"),
        (dict(rater="self", ratings={"delivery": "6", "quality": "4", "team": "1"}),
         "self.delivery"),
        (dict(rater="self", ratings={"delivery": "1", "quality": "1", "team": "1", "x": "1"}),
         "self.x"),
        (dict(rater="manager", reviewer=lin, ratings={"delivery": "1", "quality": "1",
                                                       "team": "1"}), "reviewer"),
        (dict(rater="peer", ratings={"delivery": "1", "quality": "1", "team": "1"}), "reviewer"),
        (dict(rater="peer", reviewer=ada, ratings={"delivery": "1", "quality": "1", "team": "1"}),
         "reviewer"),
    ]  # fmt: skip
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as err:
            erp.rate_appraisal(cycle="FY2026", employee=ada, **kwargs)
        assert err.value.field == field, kwargs
    with pytest.raises(ValidationError, match="no rated part"):
        erp.finalise_appraisal(cycle="FY2026", employee=ada)
    with pytest.raises(ValidationError, match="not finalised"):
        erp.calibrate_appraisal(cycle="FY2026", employee=ada, score="3", reason="x")
    with pytest.raises(ValidationError, match="no goals"):
        erp.rate_appraisal(cycle="FY2026", employee=lin, rater="self", ratings={"a": "1"})
    with pytest.raises(NotFound):
        erp.set_appraisal_goals(cycle="NOPE", employee=ada, kras=KRAS)
    with pytest.raises(ValidationError, match="not finalised: "):
        erp.close_appraisal_cycle(cycle="FY2026")
    with pytest.raises(ValidationError, match="exists already"):
        erp.open_appraisal_cycle(code="FY2026", name="x", period_from="2026-01-01",
                                 period_to="2026-12-31")  # fmt: skip
    with pytest.raises(ValidationError) as err:
        erp.open_appraisal_cycle(code="BAD", name="x", period_from="2026-01-01",
                                 period_to="2026-12-31", formula="weighted + salary")  # fmt: skip
    assert err.value.field == "final_score_formula"
    with pytest.raises(ValidationError) as err:
        erp.open_appraisal_cycle(code="BAD", name="x", period_from="2026-01-01",
                                 period_to="2026-12-31", self_weight="30")  # fmt: skip
    assert err.value.field == "weights"
    assert count(erp) == before


def test_goals_replaced_until_rated_and_finalised_is_final(
    staff: tuple[Erp, str, str, str],
) -> None:
    erp, _, ada, _ = staff
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=[{"code": "x", "weight": "100"}])
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=KRAS)  # replaces
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="manager",
                       ratings={"delivery": "3", "quality": "3", "team": "3"})  # fmt: skip
    with pytest.raises(ValidationError, match="rated already"):
        erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=KRAS)
    erp.finalise_appraisal(cycle="FY2026", employee=ada)
    with pytest.raises(ValidationError, match="finalised"):
        erp.rate_appraisal(cycle="FY2026", employee=ada, rater="self",
                           ratings={"delivery": "3", "quality": "3", "team": "3"})  # fmt: skip
    (row,) = erp.query(appraisals, "FY2026")
    assert (row.kras, row.final) == (3, "3.00")


def test_report_through_the_cli(staff: tuple[Erp, str, str, str]) -> None:
    erp, _, ada, _ = staff
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=KRAS)
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="manager",
                       ratings={"delivery": "4", "quality": "4", "team": "4"})  # fmt: skip
    erp.finalise_appraisal(cycle="FY2026", employee=ada)
    db = ["--db", f"sqlite:///{erp.url.path}"]
    out = CliRunner().invoke(cli, [*db, "report", "appraisals", "FY2026", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert '"final": "4.00"' in out.output and "Exceeds expectations" in out.output
    reviews = CliRunner().invoke(cli, [*db, "report", "reviews", "FY2026", "--format", "json"])
    assert reviews.exit_code == 0 and reviews.output == out.output  # the issue's name for it
    dist = CliRunner().invoke(cli, [*db, "report", "appraisals", "FY2026", "--distribution"])
    assert dist.exit_code == 0 and "ENG" in dist.output
    missing = CliRunner().invoke(cli, [*db, "report", "appraisals", "NOPE"])
    assert missing.exit_code != 0


def test_scores_are_exact_decimals(staff: tuple[Erp, str, str, str]) -> None:
    erp, _, ada, _ = staff
    kras = [{"code": "a", "weight": "33.33"}, {"code": "b", "weight": "66.67"}]
    erp.set_appraisal_goals(cycle="FY2026", employee=ada, kras=kras)
    erp.rate_appraisal(cycle="FY2026", employee=ada, rater="self", ratings={"a": "1", "b": "2"})
    (row,) = erp.query(appraisals, "FY2026")
    assert D(row.self_score or "0") == D("1.6667")  # 1.66670 exact, shown to 4 places
