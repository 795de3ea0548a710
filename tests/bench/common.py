"""What the benchmark commands share: a free port, percentiles, waiting for a server, settings."""

import asyncio
import os
import socket
import time

import aiohttp
from dotenv import load_dotenv

from bot.logs import setup_logging
from bot.settings import Settings
from bot.understanding.token import with_nlu_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pct(values: list[float], share: float) -> float:
    """The `share` percentile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


async def ready(http: aiohttp.ClientSession, url: str, patience: float) -> None:
    """Until `url` answers 200; gives up after `patience` seconds."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            async with http.get(url) as resp:
                if resp.status == 200:
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def command_settings() -> Settings:
    """Settings for a developer command, read from the environment and `.env` like the bot's."""
    load_dotenv(override=False)
    settings = with_nlu_token(Settings.from_env(os.environ))
    setup_logging(settings.log_level)
    return settings
