"""A real SQL database per test (SQLite, or PostgreSQL with DATABASE_URL_TEST, created for
the test and dropped after it), with the evidence of a few cases on it."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.db import database_url, make_engine, migrate, sessions
from bot.cases.records import CaseRecords
from bot.evidence.items import Evidence
from tests.conftest import sql_database

KEY = b"test-hash-key"


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


@pytest.fixture
def records(db: async_sessionmaker[AsyncSession]) -> CaseRecords:
    return CaseRecords(db)


@pytest.fixture
def evidence(db: async_sessionmaker[AsyncSession]) -> Evidence:
    return Evidence(db, KEY)
