"""Appraisal scores: weighted KRAs (or goals), self / manager / peer ratings, a final formula.

- The KRAs of an appraisal carry weights that must sum to exactly 100.
- A rater who rates must rate every KRA on the scale; their score is
  `sum(weight * rating) / 100`, exact. Peers' part is the mean of the peers' scores.
- The final score combines the parts present (`self`, `manager`, `peers`) with the rule's
  weights. A part nobody rated is left out and the remaining weights are renormalised to sum to
  1, never counted as zero: with weights self 20 / manager 60 / peers 20 and no peer ratings,
  the score is (20 * self + 60 * manager) / 80.
- The rule's formula (the safe language of `erp_core.kernel.formulas`) then turns the parts into
  the final score; it sees `weighted` (the renormalised weighted score) and each present part.
  The default is `weighted`. A formula that needs a part nobody rated is refused, naming it.
  The result is rounded half up to `places` decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from erp_core.hr.records import HrError
from erp_core.kernel.formulas import Formula, FormulaError, UnknownReference

HUNDRED = Decimal(100)
ZERO = Decimal(0)
PARTS = ("self", "manager", "peers")


def _amount(value: object, where: str) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int):
        raise HrError(where, f"must be a Decimal or int, not {type(value).__name__}")
    d = Decimal(value)
    if not d.is_finite():
        raise HrError(where, "must be finite")
    return d


@dataclass(frozen=True)
class Kra:
    """A key result area (or goal) and its weight in percent."""

    code: str
    weight: Decimal
    title: str = ""

    def __post_init__(self) -> None:
        if not self.code:
            raise HrError("kras.code", "is required")
        weight = _amount(self.weight, f"kras.{self.code}.weight")
        if weight <= 0:
            raise HrError(f"kras.{self.code}.weight", f"must be positive, got {weight}")
        object.__setattr__(self, "weight", weight)


def check_weights(kras: tuple[Kra, ...]) -> None:
    """Codes unique and weights summing to exactly 100."""
    codes = [k.code for k in kras]
    if not kras:
        raise HrError("kras", "an appraisal needs at least one KRA")
    for code in codes:
        if codes.count(code) > 1:
            raise HrError("kras", f"KRA {code!r} appears twice")
    total = sum((k.weight for k in kras), ZERO)
    if total != HUNDRED:
        raise HrError("kras", f"weights sum to {total}, not 100")


@dataclass(frozen=True)
class RatingScale:
    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        lo = _amount(self.minimum, "scale.minimum")
        hi = _amount(self.maximum, "scale.maximum")
        if hi <= lo:
            raise HrError("scale", f"maximum {hi} must exceed minimum {lo}")
        object.__setattr__(self, "minimum", lo)
        object.__setattr__(self, "maximum", hi)


def kra_score(
    kras: tuple[Kra, ...], ratings: Mapping[str, Decimal], rater: str, scale: RatingScale
) -> Decimal:
    """One rater's weighted score: sum(weight * rating) / 100 (exact)."""
    check_weights(kras)
    codes = {k.code for k in kras}
    for code in ratings:
        if code not in codes:
            raise HrError(f"{rater}.{code}", "is not a KRA of this appraisal")
    total = ZERO
    for k in kras:
        if k.code not in ratings:
            raise HrError(f"{rater}.{k.code}", "is not rated (a rater rates every KRA)")
        r = _amount(ratings[k.code], f"{rater}.{k.code}")
        if not scale.minimum <= r <= scale.maximum:
            raise HrError(
                f"{rater}.{k.code}", f"{r} is outside the scale {scale.minimum}..{scale.maximum}"
            )
        total += k.weight * r
    return total / HUNDRED


@dataclass(frozen=True)
class FinalScoreRule:
    """Weights of the parts (percent, summing to 100) and the final formula."""

    weights: Mapping[str, Decimal] = field(
        default_factory=lambda: {"self": Decimal(20), "manager": Decimal(60), "peers": Decimal(20)}
    )
    formula: str = "weighted"
    places: int = 2
    parsed: Formula | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        checked: dict[str, Decimal] = {}
        for part, w in self.weights.items():
            if part not in PARTS:
                raise HrError(f"weights.{part}", f"is not a part (known: {', '.join(PARTS)})")
            weight = _amount(w, f"weights.{part}")
            if weight < 0:
                raise HrError(f"weights.{part}", f"must not be negative, got {weight}")
            checked[part] = weight
        total = sum(checked.values(), ZERO)
        if total != HUNDRED:
            raise HrError("weights", f"weights sum to {total}, not 100")
        object.__setattr__(self, "weights", checked)
        if isinstance(self.places, bool) or not isinstance(self.places, int):
            raise HrError("places", "must be a whole number")
        if not 0 <= self.places <= 6:
            raise HrError("places", f"must be from 0 to 6, got {self.places}")
        parsed = Formula(self.formula, "final_score_formula")
        for name in sorted(parsed.names):
            if name != "weighted" and name not in PARTS:
                raise UnknownReference("final_score_formula", name)
        object.__setattr__(self, "parsed", parsed)


@dataclass(frozen=True)
class Appraisal:
    """The ratings of one employee's appraisal; `None` / empty means nobody rated that part."""

    employee: str
    kras: tuple[Kra, ...]
    self_ratings: Mapping[str, Decimal] | None = None
    manager_ratings: Mapping[str, Decimal] | None = None
    peer_ratings: tuple[Mapping[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kras", tuple(self.kras))
        check_weights(self.kras)


@dataclass(frozen=True)
class AppraisalScore:
    parts: Mapping[str, Decimal]  # the parts rated, exact
    weights_used: Mapping[str, Decimal]  # renormalised to sum to 1 over the parts rated
    missing: tuple[str, ...]
    weighted: Decimal
    final: Decimal


def appraisal_score(
    appraisal: Appraisal, rule: FinalScoreRule | None = None, scale: RatingScale | None = None
) -> AppraisalScore:
    """Score an appraisal (see the module docstring)."""
    rule = rule or FinalScoreRule()
    scale = scale or RatingScale()
    parts: dict[str, Decimal] = {}
    if appraisal.self_ratings:
        parts["self"] = kra_score(appraisal.kras, appraisal.self_ratings, "self", scale)
    if appraisal.manager_ratings:
        parts["manager"] = kra_score(appraisal.kras, appraisal.manager_ratings, "manager", scale)
    if appraisal.peer_ratings:
        scores = [
            kra_score(appraisal.kras, r, f"peers[{i}]", scale)
            for i, r in enumerate(appraisal.peer_ratings)
        ]
        parts["peers"] = sum(scores, ZERO) / len(scores)
    counted = {p: rule.weights.get(p, ZERO) for p in parts}
    total = sum(counted.values(), ZERO)
    if total == 0:
        raise HrError(
            "ratings",
            f"no rated part of {appraisal.employee}'s appraisal carries weight "
            f"(rated: {', '.join(parts) or 'none'})",
        )
    weights_used = {p: w / total for p, w in counted.items()}
    weighted = sum((parts[p] * counted[p] for p in parts), ZERO) / total
    # A weighted mean lies between its parts; 28-digit division can overshoot in the last
    # digit (e.g. one part 1.6 / 3), so that noise is clamped away.
    weighted = min(max(weighted, min(parts.values())), max(parts.values()))
    missing = tuple(p for p in PARTS if p not in parts and rule.weights.get(p, ZERO) > 0)
    formula = rule.parsed or Formula(rule.formula, "final_score_formula")
    for name in sorted(formula.names):
        if name in PARTS and name not in parts:
            raise FormulaError(
                "final_score_formula",
                f"needs {name!r}, which nobody rated for {appraisal.employee} (missing parts "
                "are renormalised inside `weighted`; write the formula on `weighted`)",
            )
    env: dict[str, Decimal | bool] = {"weighted": weighted, **parts}
    final = formula.evaluate_amount(env)
    q = Decimal(1).scaleb(-rule.places)
    return AppraisalScore(
        parts=parts,
        weights_used=weights_used,
        missing=missing,
        weighted=weighted,
        final=final.quantize(q, rounding=ROUND_HALF_UP),
    )
