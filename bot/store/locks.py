"""A per-conversation lock in Redis (SET NX PX with a token; released only by its owner)."""

import asyncio
import secrets
from types import TracebackType

import redis.asyncio as redis

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLock:
    def __init__(self, client: redis.Redis, key: str, ttl_ms: int = 60_000) -> None:
        self._redis = client
        self._key = key
        self._ttl_ms = ttl_ms
        self._token = secrets.token_hex(8)
        self._release = client.register_script(_RELEASE)

    async def acquire(self, patience: float = 120.0, poll: float = 0.02) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        while not await self._redis.set(self._key, self._token, nx=True, px=self._ttl_ms):
            if loop.time() > deadline:
                raise TimeoutError(f"lock {self._key.split(':')[1]} not acquired")
            await asyncio.sleep(poll)

    async def release(self) -> None:
        await self._release(keys=[self._key], args=[self._token])

    async def __aenter__(self) -> "RedisLock":
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()
