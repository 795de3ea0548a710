"""The SQL database: SQLite under var/ by default, PostgreSQL via DATABASE_URL; migrations
(Alembic, in bot/cases/migrations) run at start-up."""

import asyncio
import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.logs import quiet_data_loggers
from bot.private import private_dir, private_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(given: str, var_dir: Path) -> str:
    """DATABASE_URL with the async driver named, or the SQLite file under `var_dir`."""
    if not given:
        private_dir(var_dir)
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


MIGRATION_LOCK = 111_0001  # PostgreSQL advisory lock: one process migrates at a time


async def migrate(engine: AsyncEngine) -> None:
    """Brings the schema up to date. The web process and the workers start together, so
    migrations are serialised: an advisory lock on PostgreSQL, a file lock beside SQLite."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
            await connection.run_sync(_upgrade)
        return
    database = engine.url.database
    lock_path = Path(f"{database}.migrate-lock") if database and database != ":memory:" else None
    if lock_path is None:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
        return
    with lock_path.open("a") as lock:
        await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    for path in (Path(str(database)), lock_path):  # cases and transcripts: the owner's only
        private_file(path)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
