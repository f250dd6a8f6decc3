"""Appraisal scoring: weighted KRAs, self / manager / peer parts, configurable final formula."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.hr.records import HrError
from erp_core.hr.reviews import (
    Appraisal,
    FinalScoreRule,
    Kra,
    RatingScale,
    appraisal_score,
    kra_score,
)
from erp_core.payroll.errors import FormulaError, UnknownReference

D = Decimal
KRAS = (Kra("sales", D(50)), Kra("service", D(30)), Kra("team", D(20)))
SCALE = RatingScale()


def test_weighted_kra_score() -> None:
    # (50 * 4 + 30 * 3 + 20 * 5) / 100 = (200 + 90 + 100) / 100 = 3.9 (not the plain mean 4).
    assert kra_score(KRAS, {"sales": D(4), "service": D(3), "team": D(5)}, "self", SCALE) == D(
        "3.9"
    )


def test_final_score_with_all_parts() -> None:
    # self 3.9; manager (50*3 + 30*3 + 20*4)/100 = 3.2; peers mean of 4.0 and 3.0 = 3.5.
    # weighted 20/60/20: 0.2 * 3.9 + 0.6 * 3.2 + 0.2 * 3.5 = 0.78 + 1.92 + 0.70 = 3.40.
    appraisal = Appraisal(
        "E-7",
        KRAS,
        self_ratings={"sales": D(4), "service": D(3), "team": D(5)},
        manager_ratings={"sales": D(3), "service": D(3), "team": D(4)},
        peer_ratings=(
            {"sales": D(4), "service": D(4), "team": D(4)},
            {"sales": D(3), "service": D(3), "team": D(3)},
        ),
    )
    score = appraisal_score(appraisal)
    assert score.parts == {"self": D("3.9"), "manager": D("3.2"), "peers": D("3.5")}
    assert score.final == D("3.40")
    assert score.missing == ()


def test_a_missing_part_is_renormalised_not_counted_as_zero() -> None:
    # No peers: (20 * 3.9 + 60 * 3.2) / 80 = (78 + 192) / 80 = 3.375 -> 3.38 (half up).
    # Counting peers as zero would give 2.70.
    appraisal = Appraisal(
        "E-7",
        KRAS,
        self_ratings={"sales": D(4), "service": D(3), "team": D(5)},
        manager_ratings={"sales": D(3), "service": D(3), "team": D(4)},
    )
    score = appraisal_score(appraisal)
    assert score.weighted == D("3.375")
    assert score.final == D("3.38")
    assert score.missing == ("peers",)
    assert score.weights_used == {"self": D("0.25"), "manager": D("0.75")}


def test_a_configurable_formula_over_the_parts() -> None:
    # Manager's view capped at half a point above self: min(3.2, 3.9 + 0.5) = 3.2;
    # final = round((weighted + manager) / 2): (3.375 + 3.2) / 2 = 3.2875 -> 3.3 (1 place).
    rule = FinalScoreRule(formula="(weighted + min(manager, self + 0.5)) / 2", places=1)
    appraisal = Appraisal(
        "E-7",
        KRAS,
        self_ratings={"sales": D(4), "service": D(3), "team": D(5)},
        manager_ratings={"sales": D(3), "service": D(3), "team": D(4)},
    )
    assert appraisal_score(appraisal, rule).final == D("3.3")
    # The same formula cannot run without a manager rating: refused, naming the part.
    self_only = Appraisal("E-8", KRAS, self_ratings={"sales": D(1), "service": D(1), "team": D(1)})
    with pytest.raises(FormulaError, match="needs 'manager', which nobody rated for E-8"):
        appraisal_score(self_only, rule)


def test_refusals() -> None:
    with pytest.raises(HrError, match=r"^kras: weights sum to 90, not 100"):
        Appraisal("E", (Kra("a", D(60)), Kra("b", D(30))))
    with pytest.raises(HrError, match="KRA 'a' appears twice"):
        Appraisal("E", (Kra("a", D(50)), Kra("a", D(50))))
    with pytest.raises(HrError, match=r"^kras.a.weight: must be positive"):
        Kra("a", D(0))
    with pytest.raises(HrError, match=r"^manager.team: is not rated"):
        kra_score(KRAS, {"sales": D(3), "service": D(3)}, "manager", SCALE)
    with pytest.raises(HrError, match=r"^self.sales: 6 is outside the scale 0..5"):
        kra_score(KRAS, {"sales": D(6), "service": D(3), "team": D(3)}, "self", SCALE)
    with pytest.raises(HrError, match=r"^self.sales: must be a Decimal or int, not float"):
        kra_score(KRAS, {"sales": 3.5, "service": D(3), "team": D(3)}, "self", SCALE)  # type: ignore[dict-item]
    with pytest.raises(HrError, match=r"^weights: weights sum to 110, not 100"):
        FinalScoreRule(weights={"self": D(50), "manager": D(60)})
    with pytest.raises(HrError, match=r"^weights.boss: is not a part"):
        FinalScoreRule(weights={"boss": D(100)})
    with pytest.raises(UnknownReference, match="unknown name 'bonus'"):
        FinalScoreRule(formula="weighted + bonus")
    with pytest.raises(FormulaError, match="attribute access"):
        FinalScoreRule(formula="weighted.real")
    with pytest.raises(HrError, match="no rated part of E's appraisal"):
        appraisal_score(Appraisal("E", KRAS))


rating = st.integers(0, 5).map(D)


@settings(max_examples=150, deadline=None)
@given(
    self_r=st.one_of(st.none(), st.tuples(rating, rating, rating)),
    manager_r=st.one_of(st.none(), st.tuples(rating, rating, rating)),
    peers=st.lists(st.tuples(rating, rating, rating), max_size=3),
)
def test_weighted_final_score_stays_within_the_scale_and_between_the_parts(
    self_r: tuple[Decimal, ...] | None,
    manager_r: tuple[Decimal, ...] | None,
    peers: list[tuple[Decimal, ...]],
) -> None:
    def as_map(r: tuple[Decimal, ...]) -> dict[str, Decimal]:
        return dict(zip(("sales", "service", "team"), r, strict=True))

    appraisal = Appraisal(
        "E",
        KRAS,
        self_ratings=as_map(self_r) if self_r else None,
        manager_ratings=as_map(manager_r) if manager_r else None,
        peer_ratings=tuple(as_map(p) for p in peers),
    )
    if not (self_r or manager_r or peers):
        with pytest.raises(HrError):
            appraisal_score(appraisal)
        return
    score = appraisal_score(appraisal)
    assert sum(score.weights_used.values()) == 1
    assert min(score.parts.values()) <= score.weighted <= max(score.parts.values())
    assert SCALE.minimum <= score.final <= SCALE.maximum
