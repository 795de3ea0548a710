"""A real SQL database per test (SQLite, or PostgreSQL with DATABASE_URL_TEST, created for
the test and dropped after it), with the evidence of a few cases on it."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.evidence.items import Evidence

KEY = b"test-hash-key"


@pytest.fixture
def evidence(db: async_sessionmaker[AsyncSession]) -> Evidence:
    return Evidence(db, KEY)
