"""The roles of the ideas domain, and the one way a missing role is refused (403).

employee: submit, comment, vote. reviewer: evaluate, screening and backlog moves. manager: every
stage move, challenges. admin: criteria, settings; admins have every role.
"""

from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Forbidden

EMPLOYEE = "employee"
REVIEWER = "reviewer"
MANAGER = "manager"
ADMIN = "admin"

# Reviewers and managers are employees too: they take part in brainstorms like everyone else.
PARTICIPANT_ROLES = (EMPLOYEE, REVIEWER, MANAGER)


def ensure_any_role(identity: Identity, roles: tuple[str, ...], *, action: str) -> None:
    """Refuse with 403 unless the caller has one of `roles` (admins have them all)."""
    if not any(identity.has_role(role) for role in roles):
        raise Forbidden(f"To {action} you need one of the roles: {', '.join(roles)}.")


def ensure_participant(identity: Identity, *, action: str) -> None:
    """Submitting, commenting and voting are for the organisation's people (403 for anyone else)."""
    ensure_any_role(identity, PARTICIPANT_ROLES, action=action)
