"""The one table of allowed status moves for feedback items."""

from ideaflow_feedback.feedback.models import FeedbackStatus as S

# Linking, addressing and closing the loop are driven by ideas (the themes/evidence packages call
# `service.change_status`); people triage, archive, flag spam and take those decisions back. Only
# `POST /v1/feedback/{id}/merge` makes an item `merged` (feedback.merging), and nothing takes it back.
TRANSITIONS: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.TRIAGED, S.LINKED, S.ARCHIVED, S.SPAM}),
    S.TRIAGED: frozenset({S.NEW, S.LINKED, S.ARCHIVED, S.SPAM}),
    S.LINKED: frozenset({S.TRIAGED, S.ADDRESSED, S.ARCHIVED}),
    S.ADDRESSED: frozenset({S.LINKED, S.LOOP_CLOSED}),
    S.LOOP_CLOSED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.NEW, S.TRIAGED}),
    S.SPAM: frozenset({S.NEW}),
    S.MERGED: frozenset(),
}


def allowed_from(status: S) -> list[str]:
    """The statuses `status` may move to, sorted, as a 409 problem lists them."""
    return sorted(TRANSITIONS[status])
