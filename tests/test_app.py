"""Health and readiness endpoints of the web app."""

from pathlib import Path

from bot.store.redis import EmbeddedRedis
from tests.conftest import AppFactory, free_port


async def test_ready_when_redis_the_database_and_the_nlu_answer(make_client: AppFactory) -> None:
    client = await make_client()
    health = await client.get("/healthz")
    assert health.status == 200
    assert (await health.json())["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert await ready.json() == {"status": "ready", "redis": "ok", "database": "ok", "nlu": "ok"}


async def test_not_ready_without_the_nlu_but_alive(make_client: AppFactory) -> None:
    client = await make_client(rasa_url=f"http://127.0.0.1:{free_port()}", nlu_autostart=False)
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert await ready.json() == {
        "status": "not ready",
        "redis": "ok",
        "database": "ok",
        "nlu": "unavailable",
    }


async def test_not_ready_without_redis(make_client: AppFactory, tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    await server.start()
    client = await make_client(redis_url=server.url)
    await server.stop()
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["redis"] == "unavailable"
