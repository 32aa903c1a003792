"""Which stage may follow which, and who may make each move: the one table of the funnel."""

from ideaflow_ideas.ideas.models import IdeaStage

S = IdeaStage

# `merged` is reached only through `POST /v1/ideas/{id}/merge`, which names the target idea.
ALLOWED: dict[IdeaStage, frozenset[IdeaStage]] = {
    S.SUBMITTED: frozenset({S.SCREENING, S.BACKLOG, S.PARKED, S.REJECTED, S.MERGED}),
    S.SCREENING: frozenset({S.BACKLOG, S.PARKED, S.REJECTED, S.MERGED}),
    S.BACKLOG: frozenset({S.SCREENING, S.EXPERIMENTING, S.PARKED, S.REJECTED, S.MERGED}),
    S.EXPERIMENTING: frozenset({S.BACKLOG, S.ADOPTED, S.PARKED, S.REJECTED}),
    S.ADOPTED: frozenset(),
    S.PARKED: frozenset({S.SCREENING, S.BACKLOG, S.REJECTED, S.MERGED}),
    S.REJECTED: frozenset({S.SCREENING}),
    S.MERGED: frozenset(),
}

# Moves that close a door on the submitter's idea must say why, in words the submitter reads.
NEEDS_RATIONALE = frozenset({S.PARKED, S.REJECTED})
MIN_RATIONALE_LENGTH = 20

MANAGER_ROLE = "manager"
REVIEWER_ROLE = "reviewer"

# A reviewer triages: moves new ideas into screening and the backlog, and parks or rejects
# what is in those two. Every other move (reopening, experimenting, adopting) is a manager's.
_REVIEWER_SOURCES = frozenset({S.SUBMITTED, S.SCREENING, S.BACKLOG})
_REVIEWER_TARGETS = frozenset({S.SCREENING, S.BACKLOG})
_REVIEWER_CLOSE_FROM = frozenset({S.SCREENING, S.BACKLOG})


def allowed_targets(stage: IdeaStage) -> list[IdeaStage]:
    """The stages `stage` may move to, in funnel order."""
    return [target for target in IdeaStage if target in ALLOWED[stage]]


def role_for_move(source: IdeaStage, target: IdeaStage) -> str:
    """The least role that may move an idea from `source` to `target`."""
    if target in _REVIEWER_TARGETS and source in _REVIEWER_SOURCES:
        return REVIEWER_ROLE
    if target in NEEDS_RATIONALE and source in _REVIEWER_CLOSE_FROM:
        return REVIEWER_ROLE
    return MANAGER_ROLE
