"""The SQL database: SQLite under var/ by default, PostgreSQL via DATABASE_URL; migrations
(Alembic, in bot/cases/migrations) run at start-up."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.logs import quiet_data_loggers

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(given: str, var_dir: Path) -> str:
    """DATABASE_URL with the async driver named, or the SQLite file under `var_dir`."""
    if not given:
        var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{var_dir / 'bot.db'}"
    for plain, driver in (("postgresql://", "postgresql+asyncpg://"), ("postgres://", "postgresql+asyncpg://"),
                          ("sqlite:///", "sqlite+aiosqlite:///")):  # fmt: skip
        if given.startswith(plain):
            return driver + given[len(plain) :]
    return given


def make_engine(url: str) -> AsyncEngine:
    quiet_data_loggers()  # their debug lines would carry message text
    return create_async_engine(url, pool_pre_ping=True)


def sessions(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


async def migrate(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
