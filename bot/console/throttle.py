"""Login throttling that an attacker cannot turn into a lock-out.

Every attempt is counted (atomic INCR in Redis) *before* its password is checked, so 40
parallel guesses are 40 counts, not 40 checks. What waits is where the failures come from:

* one address with one account: 5 failures in 15 minutes and that pair waits out the window;
* one address with any accounts: 20 failures and that address waits;
* one account from everywhere: past 10 failures each attempt is slowed by a second, never
  refused, so the right password from a fresh address still works while the account is
  under attack.

The address is the peer, or the one a proxy in TRUSTED_PROXIES saw (bot.netaddr).
"""

import asyncio

from bot.ratelimit import RateLimit

WINDOW_SECONDS = 15 * 60
PAIR_LIMIT = 5
ADDRESS_LIMIT = 20
ACCOUNT_SLOW_AFTER = 10
SLOW_SECONDS = 1.0


class LoginThrottle:
    def __init__(self, limits: RateLimit, slow_seconds: float = SLOW_SECONDS) -> None:
        self._limits = limits
        self._slow = slow_seconds

    async def reserve(self, username: str, address: str) -> bool:
        """Counts this attempt; False when its address (or address and account) must wait."""
        pair, from_address = await self._limits.hit_all(
            [("login-pair", f"{username}|{address}"), ("login-addr", address)], WINDOW_SECONDS
        )
        return pair <= PAIR_LIMIT and from_address <= ADDRESS_LIMIT

    async def slow_down(self, username: str) -> None:
        """An account under attack from many addresses: every attempt on it waits a little."""
        if await self._limits.count("login-account", username) >= ACCOUNT_SLOW_AFTER:
            await asyncio.sleep(self._slow)

    async def failed(self, username: str) -> None:
        await self._limits.hit("login-account", username, WINDOW_SECONDS)

    async def succeeded(self, username: str, address: str) -> None:
        """The right password: this pair starts afresh and the address is not charged."""
        await self._limits.forget("login-pair", f"{username}|{address}")
        await self._limits.undo("login-addr", address)
