"""The organisation's criteria: the defaults until an admin changes them."""

from ideaflow_ideas.evaluations.models import CriteriaScheme
from ideaflow_ideas.evaluations.schemas import CriteriaPublic, CriterionPublic
from ideaflow_ideas.evaluations.scoring import Criterion

DEFAULT_CRITERIA = (
    Criterion(key="impact", name="Impact", weight=1),
    Criterion(key="feasibility", name="Feasibility", weight=1),
    Criterion(key="confidence", name="Confidence", weight=1),
    Criterion(key="strategic_fit", name="Strategic fit", weight=1),
)
DEFAULT_SCALE = (1, 5)


def criteria_of(scheme: CriteriaScheme | None) -> list[Criterion]:
    if scheme is None:
        return list(DEFAULT_CRITERIA)
    return [
        Criterion(key=str(item["key"]), name=str(item["name"]), weight=int(str(item["weight"])))
        for item in scheme.criteria
    ]


def scale_of(scheme: CriteriaScheme | None) -> tuple[int, int]:
    return DEFAULT_SCALE if scheme is None else (scheme.scale_min, scheme.scale_max)


def public(scheme: CriteriaScheme | None) -> CriteriaPublic:
    low, high = scale_of(scheme)
    return CriteriaPublic(
        criteria=[CriterionPublic(key=item.key, name=item.name, weight=item.weight) for item in criteria_of(scheme)],
        scale_min=low,
        scale_max=high,
        version=0 if scheme is None else scheme.version,
    )
