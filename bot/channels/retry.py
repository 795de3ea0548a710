"""Exponential backoff with full jitter, shared by the platform senders."""

import asyncio
import random


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
