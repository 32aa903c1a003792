"""`ideaflow-ideas serve | migrate | check-migrations`."""

from ideaflow_ideas.db import Base
from ideaflow_ideas.main import MIGRATIONS
from ideaflow_ideas.settings import get_settings
from ideaflow_shared.cli import run_cli


def main() -> None:
    run_cli(
        prog="ideaflow-ideas",
        app_factory="ideaflow_ideas.main:create_app",
        load_settings=get_settings,
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
    )
