"""`ideaflow-experiments serve | migrate | check-migrations`."""

from ideaflow_experiments.db import Base
from ideaflow_experiments.main import MIGRATIONS
from ideaflow_experiments.settings import get_settings
from ideaflow_shared.cli import run_cli


def main() -> None:
    run_cli(
        prog="ideaflow-experiments",
        app_factory="ideaflow_experiments.main:create_app",
        load_settings=get_settings,
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
    )
