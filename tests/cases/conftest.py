"""A real SQL database per test: a SQLite file, or (DATABASE_URL_TEST, as in CI) a PostgreSQL
database created for the test and dropped after it."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.db import database_url, make_engine, migrate, sessions
from tests.conftest import sql_database


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    async with sql_database(tmp_path) as url:
        yield database_url(url, tmp_path)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    await migrate(engine)
    try:
        yield sessions(engine)
    finally:
        await engine.dispose()
