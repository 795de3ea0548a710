"""Shared fixtures: the real trained Rasa model behind a real NLU server, started once."""

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from bot.nlu import RasaIntentClassifier
from bot.nlu_server import LocalNluServer
from bot.settings import Settings
from bot.understand import Assessor, load_screen

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return replace(Settings.from_env({}), var_dir=ROOT / "var" / "test")


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
    classifier = RasaIntentClassifier(http, settings.rasa_url, timeout=10.0)
    return Assessor(classifier, screen)
