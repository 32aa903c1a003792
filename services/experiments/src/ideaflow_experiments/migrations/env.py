from ideaflow_experiments.db import Base
from ideaflow_experiments.experiments import models  # noqa: F401 - registers the tables
from ideaflow_shared.migrations import run_env

run_env(Base.metadata)
