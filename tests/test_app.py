"""Health and readiness endpoints of the web app."""

from dataclasses import replace

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from tests.conftest import free_port


async def client_for(settings: Settings) -> TestClient:  # type: ignore[type-arg]
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


async def test_ready_when_the_nlu_answers(settings: Settings) -> None:
    client = await client_for(settings)
    try:
        health = await client.get("/healthz")
        assert health.status == 200
        assert (await health.json())["status"] == "ok"
        ready = await client.get("/readyz")
        assert ready.status == 200
        assert await ready.json() == {"status": "ready", "nlu": "ok"}
    finally:
        await client.close()


async def test_not_ready_without_the_nlu_but_alive(settings: Settings) -> None:
    down = replace(settings, rasa_url=f"http://127.0.0.1:{free_port()}", nlu_autostart=False)
    client = await client_for(down)
    try:
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["nlu"] == "unavailable"
    finally:
        await client.close()
