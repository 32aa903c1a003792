"""`ideaflow-gateway serve | migrate | check-migrations | create-api-key`."""

import argparse
import asyncio
import uuid

from ideaflow_gateway.api_keys import models  # noqa: F401 - registers the tables
from ideaflow_gateway.api_keys.schemas import ApiKeyCreate
from ideaflow_gateway.api_keys.service import create_api_key
from ideaflow_gateway.db import Base
from ideaflow_gateway.fast_path import GatewayProtocol
from ideaflow_gateway.main import MIGRATIONS
from ideaflow_gateway.settings import get_settings
from ideaflow_shared.cli import ExtraCommand, run_cli
from ideaflow_shared.db import create_engine, create_sessionmaker
from ideaflow_shared.migrations import upgrade
from ideaflow_shared.settings import ProcessSettings


def _create_api_key_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organization-id", type=uuid.UUID, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--roles", required=True, help="comma-separated, e.g. admin,manager")
    parser.add_argument("--principal-id", default=None)


def _create_api_key(arguments: argparse.Namespace, settings: ProcessSettings) -> None:
    """Print only the new key, so that scripts can capture it."""
    data = ApiKeyCreate(
        name=arguments.name,
        roles=[role for role in arguments.roles.split(",") if role.strip()],
        principal_id=arguments.principal_id,
    )

    async def create() -> str:
        await upgrade(MIGRATIONS, settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                _, secret = await create_api_key(session, organization_id=arguments.organization_id, data=data)
        finally:
            await engine.dispose()
        return secret

    print(asyncio.run(create()))


def main() -> None:
    run_cli(
        prog="ideaflow-gateway",
        app_factory="ideaflow_gateway.main:create_app",
        load_settings=get_settings,
        migrations_path=MIGRATIONS,
        metadata=Base.metadata,
        http_protocol=GatewayProtocol,
        extra_commands={
            "create-api-key": ExtraCommand(
                help="create an API key and print it (only the key) on stdout",
                add_arguments=_create_api_key_arguments,
                run=_create_api_key,
            )
        },
    )
