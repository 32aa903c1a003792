"""`ideaflow-feedback serve | migrate | check-migrations`."""

from ideaflow_feedback.db import Base
from ideaflow_feedback.main import MIGRATIONS
from ideaflow_feedback.settings import get_settings
from ideaflow_shared.cli import run_cli


def main() -> None:
    run_cli(
        prog="ideaflow-feedback",
        app_factory="ideaflow_feedback.main:create_app",
        load_settings=get_settings,
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
    )
