"""Who may change an experiment: its owner, or anyone with the manager role."""

from ideaflow_experiments.experiments.models import Experiment
from ideaflow_shared.identity import Identity
from ideaflow_shared.problems import Forbidden

EDITOR_ROLE = "manager"


def ensure_may_edit(identity: Identity, experiment: Experiment) -> None:
    if experiment.owner_id != identity.principal_id and not identity.has_role(EDITOR_ROLE):
        raise Forbidden("Only the experiment's owner or a manager may change it.")
