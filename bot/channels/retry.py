"""Exponential backoff with full jitter, and a token-bucket rate limit, for the senders."""

import asyncio
import random
import time
from collections.abc import Callable


class Backoff:
    def __init__(self, base: float = 0.25, cap: float = 8.0, retries: int = 4) -> None:
        self.base = base
        self.cap = cap
        self.retries = retries

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0-based): random in [0, base·2^n]."""
        return random.uniform(0, min(self.cap, self.base * 2**attempt))  # noqa: S311 (jitter)

    async def wait(self, attempt: int) -> None:
        await asyncio.sleep(self.delay(attempt))


class TokenBucket:
    """In-process rate limit: `rate` calls per second, bursts up to `capacity`."""

    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._capacity = capacity
        self._tokens = capacity
        self._clock = clock
        self._updated = clock()

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            elapsed = now - self._updated
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self._rate)
