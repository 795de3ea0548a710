"""A real SQL database per test: a SQLite file, or (DATABASE_URL_TEST, as in CI) a PostgreSQL
database created for the test and dropped after it."""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.db import database_url, make_engine, migrate, sessions


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    server = os.environ.get("DATABASE_URL_TEST")
    if not server:
        yield database_url("", tmp_path)
        return
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(server.rsplit("/", 1)[0] + f"/{name}", tmp_path)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    await migrate(engine)
    try:
        yield sessions(engine)
    finally:
        await engine.dispose()
