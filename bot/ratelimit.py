"""Fixed-window counters in Redis, shared by every bot process: `INCR` first, then judge, so
parallel requests are all counted before any of them is let through."""

import redis.asyncio as redis

from bot.store import keys

# The window starts with the first hit; INCR and EXPIRE in one script, so a counter never
# lives on without its expiry.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RateLimit:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._hit = client.register_script(_HIT)

    async def hit(self, area: str, name: str, window_seconds: int) -> int:
        """Counts one more attempt in the window; returns the count, this one included."""
        count = await self._hit(keys=[keys.rate(area, name)], args=[window_seconds])
        return int(count)

    async def allow(self, area: str, name: str, limit: int, window_seconds: int) -> bool:
        return await self.hit(area, name, window_seconds) <= limit

    async def count(self, area: str, name: str) -> int:
        return int(await self._redis.get(keys.rate(area, name)) or 0)

    async def forget(self, area: str, name: str) -> None:
        await self._redis.delete(keys.rate(area, name))
