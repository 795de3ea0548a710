"""Shared fixtures: the real trained Rasa model behind a real NLU server, started once."""

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import asyncpg
import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import REDIS, build_pipeline, create_app
from bot.cases import db as sql
from bot.cases.records import CaseRecords
from bot.settings import Secret, Settings
from bot.store.redis import EmbeddedRedis
from bot.understanding.assess import Assessor, load_screen
from bot.understanding.classifier import RasaIntentClassifier
from bot.understanding.server import LocalNluServer
from bot.worker import Worker
from tests.bench.common import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """The defaults, with web chat on (most conversation tests speak through it) and its
    limits out of the way; the tests of the limits set them back to the defaults."""
    return replace(
        Settings.from_env({}), var_dir=ROOT / "var" / "test", webchat_enabled=True,
        webchat_chats_per_hour=10_000, webchat_messages_per_minute=100_000,
        webchat_chat_messages_per_minute=100_000, webchat_max_waiting=10_000,
        rasa_token=Secret(os.environ.get("RASA_TOKEN_TEST", "nlu-token-for-tests")),
    )  # fmt: skip


@pytest.fixture(scope="session")
def rasa_url(base_settings: Settings) -> Iterator[str]:
    """URL of a Rasa server with the trained model: RASA_URL_TEST if set, else one started here.

    Never skipped: without the trained model the NLU tests fail (run `make test`).
    """
    given = os.environ.get("RASA_URL_TEST")
    if given:
        yield given
        return
    settings = replace(base_settings, rasa_url=f"http://127.0.0.1:{free_port()}")
    server = LocalNluServer(settings)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(server.start())
        yield settings.rasa_url
    finally:
        loop.run_until_complete(server.stop())
        loop.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: REDIS_URL_TEST (an empty database, emptied again after each test) or an
    embedded redis-server started for the session."""
    given = os.environ.get("REDIS_URL_TEST")
    if given:
        client = redis.Redis.from_url(given)
        if asyncio.run(_dbsize(client)):
            pytest.fail(f"{given} is not empty: give the tests a database of their own")
        yield given
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(server.start())
        yield server.url
    finally:
        loop.run_until_complete(server.stop())
        loop.close()


async def _dbsize(client: redis.Redis) -> int:
    try:
        size: int = await client.dbsize()
        return size
    finally:
        await client.aclose()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture
def settings(base_settings: Settings, rasa_url: str) -> Settings:
    return replace(base_settings, rasa_url=rasa_url, nlu_autostart=False)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(scope="session")
def screen(base_settings: Settings):  # type: ignore[no-untyped-def]
    return load_screen(base_settings)


@pytest.fixture
def assessor(http: aiohttp.ClientSession, settings: Settings, screen) -> Assessor:  # type: ignore[no-untyped-def]
    classifier = RasaIntentClassifier(
        http, settings.rasa_url, timeout=10.0, token=settings.rasa_token.reveal()
    )
    return Assessor(classifier, screen)


AppFactory = Callable[..., Awaitable[TestClient]]  # type: ignore[type-arg]


@contextlib.asynccontextmanager
async def sql_database(tmp_path: Path) -> AsyncIterator[str]:
    """A real SQL database for one test: a SQLite file, or (DATABASE_URL_TEST, as in CI) a
    PostgreSQL database created for the test and dropped after it."""
    server = os.environ.get("DATABASE_URL_TEST")
    if not server:
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    async with sql_database(tmp_path) as url:
        yield url


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    """A migrated-on-demand SQL database of the test's own (SQLite, or PostgreSQL with
    DATABASE_URL_TEST), as the async URL the app uses."""
    async with sql_database(tmp_path) as url:
        yield sql.database_url(url, tmp_path)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """That database with the schema in place, for the store tests (no app)."""
    engine = sql.make_engine(db_url)
    await sql.migrate(engine)
    try:
        yield sql.sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def records(db: async_sessionmaker[AsyncSession]) -> CaseRecords:
    return CaseRecords(db)


@pytest.fixture
async def make_client(
    settings: Settings, redis_url: str, redis_client: redis.Redis, database_url: str
) -> AsyncIterator[AppFactory]:
    """Starts the real app (real Redis, real NLU, a real database) with test settings;
    workers run on demand."""
    clients: list[TestClient] = []  # type: ignore[type-arg]

    async def make(**overrides: object) -> TestClient:  # type: ignore[type-arg]
        changes = {
            "redis_url": redis_url,
            "database_url": database_url,
            "worker_tasks": 0,
            **overrides,
        }
        client = TestClient(TestServer(create_app(replace(settings, **changes))))  # type: ignore[arg-type]
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def drain(client: TestClient) -> int:  # type: ignore[type-arg]
    """Runs a worker over everything queued (burst mode); returns how many entries it handled."""
    app = client.server.app
    worker = Worker(app[REDIS], build_pipeline(app), "test-worker", block_ms=50)
    return await worker.run_until_empty()
