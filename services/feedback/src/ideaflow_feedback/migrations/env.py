from ideaflow_feedback.customers import models as customer_models  # noqa: F401 - registers the tables
from ideaflow_feedback.db import Base
from ideaflow_feedback.feedback import models  # noqa: F401 - registers the tables
from ideaflow_shared.migrations import run_env

run_env(Base.metadata)
