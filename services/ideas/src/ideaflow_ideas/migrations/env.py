from ideaflow_ideas.challenges import models as challenge_models  # noqa: F401 - registers the tables
from ideaflow_ideas.comments import models as comment_models  # noqa: F401
from ideaflow_ideas.db import Base
from ideaflow_ideas.evaluations import models as evaluation_models  # noqa: F401
from ideaflow_ideas.ideas import models  # noqa: F401
from ideaflow_ideas.stages import models as stage_models  # noqa: F401
from ideaflow_ideas.votes import models as vote_models  # noqa: F401
from ideaflow_shared.migrations import run_env

run_env(Base.metadata)
