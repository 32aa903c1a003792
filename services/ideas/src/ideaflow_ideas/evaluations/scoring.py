"""Aggregating evaluations: pure arithmetic, kept apart so that it reads (and is tested) as a formula."""

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ICE_KEYS = ("impact", "confidence", "feasibility")


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    name: str
    weight: int


@dataclass(frozen=True, slots=True)
class Contribution:
    key: str
    mean: float
    weight: int
    points: float  # mean * weight / Σ weights: this criterion's share of the weighted score


@dataclass(frozen=True, slots=True)
class Aggregate:
    reviewers: int
    weighted_score: float | None
    disagreement: float | None
    ice_score: float | None
    contributions: list[Contribution]


def _weighted(scores: Mapping[str, int], criteria: Sequence[Criterion]) -> float | None:
    scored = [criterion for criterion in criteria if criterion.key in scores]
    total_weight = sum(criterion.weight for criterion in scored)
    if not total_weight:
        return None
    return sum(scores[criterion.key] * criterion.weight for criterion in scored) / total_weight


def aggregate(evaluations: Sequence[Mapping[str, int]], criteria: Sequence[Criterion]) -> Aggregate:
    """Weighted score: Σ weight * mean score / Σ weight, on the scheme's scale.
    Disagreement: the population standard deviation of the reviewers' weighted scores (0 = unanimous).
    ICE: mean impact * mean confidence * mean feasibility (ease), when the scheme has all three.
    """
    means = {
        criterion.key: statistics.fmean(values)
        for criterion in criteria
        if (values := [scores[criterion.key] for scores in evaluations if criterion.key in scores])
    }
    total_weight = sum(criterion.weight for criterion in criteria if criterion.key in means)
    contributions = [
        Contribution(
            key=criterion.key,
            mean=round(means[criterion.key], 4),
            weight=criterion.weight,
            points=round(means[criterion.key] * criterion.weight / total_weight, 4),
        )
        for criterion in criteria
        if criterion.key in means
    ]
    per_reviewer = [score for scores in evaluations if (score := _weighted(scores, criteria)) is not None]
    ice = None
    if all(key in means for key in ICE_KEYS):
        ice = round(means["impact"] * means["confidence"] * means["feasibility"], 4)
    return Aggregate(
        reviewers=len(evaluations),
        weighted_score=round(sum(item.points for item in contributions), 4) if contributions else None,
        disagreement=round(statistics.pstdev(per_reviewer), 4) if per_reviewer else None,
        ice_score=ice,
        contributions=contributions,
    )
