"""Fixed-window counters in Redis, shared by every bot process: `INCR` first, then judge, so
parallel requests are all counted before any of them is let through."""

import redis.asyncio as redis

from bot.store import keys

# The window starts with the first hit; INCR and EXPIRE in one script, so a counter never
# lives on without its expiry.
_HIT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""
_UNDO = """
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


class RateLimit:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._hit = client.register_script(_HIT)
        self._undo = client.register_script(_UNDO)

    async def hit(self, area: str, name: str, window_seconds: int) -> int:
        """Counts one more attempt in the window; returns the count, this one included."""
        (count,) = await self.hit_all([(area, name)], window_seconds)
        return count

    async def hit_all(self, names: list[tuple[str, str]], window_seconds: int) -> list[int]:
        """One hit on each (area, name) at once, so parallel callers see consistent counts."""
        counts = await self._hit(keys=[keys.rate(a, n) for a, n in names], args=[window_seconds])
        return [int(count) for count in counts]

    async def allow(self, area: str, name: str, limit: int, window_seconds: int) -> bool:
        return await self.hit(area, name, window_seconds) <= limit

    async def count(self, area: str, name: str) -> int:
        return int(await self._redis.get(keys.rate(area, name)) or 0)

    async def forget(self, area: str, name: str) -> None:
        await self._redis.delete(keys.rate(area, name))

    async def undo(self, area: str, name: str) -> None:
        """Takes one hit back (a success that was counted before it was known)."""
        await self._undo(keys=[keys.rate(area, name)])
