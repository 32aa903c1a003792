from ideaflow_gateway.api_keys import models  # noqa: F401 - registers the tables
from ideaflow_gateway.db import Base
from ideaflow_shared.migrations import run_env

run_env(Base.metadata)
