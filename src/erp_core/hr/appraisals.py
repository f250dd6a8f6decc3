"""Performance reviews as events: one stream per cycle (`appraisal-cycle:<code>`) holds the
cycle's rule, every employee's goals, ratings, final score and calibration.

The scoring is `erp_core.hr.reviews` (pure); this module folds the events into the state the
handlers check against and rebuilds the core's values from stored events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from erp_core.hr.events import (
    AppraisalCalibrated,
    AppraisalCycleClosed,
    AppraisalCycleOpened,
    AppraisalFinalised,
    AppraisalGoalsSet,
    AppraisalRated,
    RatingBandOut,
)
from erp_core.hr.reviews import Appraisal, FinalScoreRule, Kra, RatingScale
from erp_core.kernel.aggregate import Aggregate


def cycle_stream(code: str) -> str:
    return f"appraisal-cycle:{code}"


def band_of(bands: tuple[RatingBandOut, ...], score: Decimal) -> str:
    """The label of the highest band whose lower bound is at or below the score."""
    label = bands[0].label
    for band in sorted(bands, key=lambda b: b.lower):
        if score >= band.lower:
            label = band.label
    return label


@dataclass
class EmployeeAppraisal:
    goals: AppraisalGoalsSet
    self_rating: AppraisalRated | None = None
    manager_rating: AppraisalRated | None = None
    peers: dict[str, AppraisalRated] = field(default_factory=dict)
    finalised: AppraisalFinalised | None = None
    calibrated: AppraisalCalibrated | None = None

    @property
    def rated(self) -> bool:
        return bool(self.self_rating or self.manager_rating or self.peers)

    def core(self) -> Appraisal:
        return Appraisal(
            employee=self.goals.employee,
            kras=tuple(Kra(k.code, k.weight, k.title) for k in self.goals.kras),
            self_ratings=self.self_rating.ratings if self.self_rating else None,
            manager_ratings=self.manager_rating.ratings if self.manager_rating else None,
            peer_ratings=tuple(p.ratings for _, p in sorted(self.peers.items())),
        )


class AppraisalCycle(Aggregate):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.opened: AppraisalCycleOpened | None = None
        self.closed = False
        self.appraisals: dict[str, EmployeeAppraisal] = {}

    def _on_opened(self, e: AppraisalCycleOpened) -> None:
        self.opened = e

    def _on_goals(self, e: AppraisalGoalsSet) -> None:
        self.appraisals[e.employee] = EmployeeAppraisal(goals=e)

    def _on_rated(self, e: AppraisalRated) -> None:
        a = self.appraisals[e.employee]
        if e.rater == "self":
            a.self_rating = e
        elif e.rater == "manager":
            a.manager_rating = e
        else:
            a.peers[e.reviewer] = e

    def _on_finalised(self, e: AppraisalFinalised) -> None:
        self.appraisals[e.employee].finalised = e

    def _on_calibrated(self, e: AppraisalCalibrated) -> None:
        self.appraisals[e.employee].calibrated = e

    def _on_closed(self, e: AppraisalCycleClosed) -> None:
        self.closed = True

    handlers = {
        AppraisalCycleOpened: _on_opened,
        AppraisalGoalsSet: _on_goals,
        AppraisalRated: _on_rated,
        AppraisalFinalised: _on_finalised,
        AppraisalCalibrated: _on_calibrated,
        AppraisalCycleClosed: _on_closed,
    }

    def rule(self) -> FinalScoreRule:
        assert self.opened is not None
        return FinalScoreRule(
            weights=dict(self.opened.weights),
            formula=self.opened.formula,
            places=self.opened.places,
        )

    def scale(self) -> RatingScale:
        assert self.opened is not None
        return RatingScale(self.opened.scale_min, self.opened.scale_max)
