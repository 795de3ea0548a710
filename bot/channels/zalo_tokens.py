"""Zalo OA access and refresh tokens, shared by every process through Redis.

The access token lives 25 h; the refresh token is single use, so only one process refreshes at
a time (a Redis lock) and the new pair is stored in one write before the new access token is used.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bot.settings import Settings
from bot.store import keys

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = 25 * 3600  # seconds: an access token whose expiry we were not told
REFRESH_MARGIN = 3600  # refresh first when less than this is left
KEY_TTL = 92 * 24 * 3600  # a refresh token lives about three months

_SEED = """
if redis.call('HEXISTS', KEYS[1], 'access_token') == 0 then
  redis.call('HSET', KEYS[1], 'access_token', ARGV[1], 'refresh_token', ARGV[2],
             'expires_at', ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ZaloTokenError(RuntimeError):
    """No usable token. `code` is loggable (never a secret); `temporary` → worth trying later."""

    def __init__(self, code: str, *, temporary: bool = False) -> None:
        super().__init__(f"zalo token: {code}")
        self.code = code
        self.temporary = temporary


@dataclass(frozen=True, slots=True)
class StoredTokens:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds


class ZaloTokens:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        session: aiohttp.ClientSession,
        clock: Callable[[], float] = time.time,
        *,
        poll_interval: float = 0.05,
    ) -> None:
        self._settings = settings
        self._redis = redis
        self._session = session
        self._clock = clock
        self._poll = poll_interval
        self._lock_ttl = max(5.0, settings.send_timeout * 3)  # outlives one refresh call
        self._seed_script = redis.register_script(_SEED)
        self._release_script = redis.register_script(_RELEASE)

    @property
    def can_refresh(self) -> bool:
        return bool(
            self._settings.zalo_app_id
            and self._settings.zalo_app_secret
            and self._settings.zalo_refresh_token
        )

    async def access_token(self) -> str:
        """The current access token, refreshed first when less than an hour is left."""
        stored = await self.load()
        left = stored.expires_at - self._clock()
        if left >= REFRESH_MARGIN or not self.can_refresh:
            return stored.access_token
        try:
            return await self.refresh(stored.access_token)
        except ZaloTokenError as error:
            if left <= 0:
                raise
            log.warning("zalo_early_refresh_failed", extra={"code": error.code})
            return stored.access_token  # still valid for a while: try again next time

    async def refresh(self, stale: str) -> str:
        """A fresh access token replacing `stale`: one refresher across processes, others wait."""
        stored = await self.load()
        if stored.access_token != stale:
            return stored.access_token  # someone else already refreshed
        if not self.can_refresh:
            raise ZaloTokenError("refresh_not_configured")
        mine = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lock_ttl + self._settings.send_timeout
        while True:
            if await self._redis.set(
                keys.zalo_refresh_lock(), mine, nx=True, px=int(self._lock_ttl * 1000)
            ):
                # Shielded: once the single-use refresh token is sent, a cancelled caller must
                # not stop the new pair from being stored (and the lock from being released).
                return await asyncio.shield(self._refresh_holding(stale, mine))
            await asyncio.sleep(self._poll)
            stored = await self.load()
            if stored.access_token != stale:
                return stored.access_token
            if loop.time() > deadline:
                raise ZaloTokenError("refresh_wait_timeout", temporary=True)

    async def load(self) -> StoredTokens:
        """The stored tokens, seeded from the settings when Redis has none."""
        data = await self._read()
        if not data.get("access_token"):
            await self._seed()
            data = await self._read()
        if not data.get("access_token"):
            raise ZaloTokenError("no_access_token")
        try:
            expires_at = float(data.get("expires_at", "0"))
        except ValueError:
            expires_at = 0.0
        return StoredTokens(data["access_token"], data.get("refresh_token", ""), expires_at)

    async def _refresh_holding(self, stale: str, mine: str) -> str:
        try:
            return await self._refresh_locked(stale)
        finally:  # release only if the lock is still ours (it may have expired meanwhile)
            await self._release_script(keys=[keys.zalo_refresh_lock()], args=[mine])

    async def _refresh_locked(self, stale: str) -> str:
        stored = await self.load()  # re-read under the lock: a refresh may just have finished
        if stored.access_token != stale:
            return stored.access_token
        if not stored.refresh_token:
            raise ZaloTokenError("no_refresh_token")
        started = time.monotonic()
        fresh = await self._call(stored.refresh_token)
        await self._store(fresh)  # before anyone uses the new access token
        log.info("zalo_token_refreshed", extra={"ms": round((time.monotonic() - started) * 1000)})
        return fresh.access_token

    async def _call(self, refresh_token: str) -> StoredTokens:
        settings = self._settings
        form = {
            "refresh_token": refresh_token,
            "app_id": settings.zalo_app_id,
            "grant_type": "refresh_token",
        }
        headers = {"secret_key": settings.zalo_app_secret.reveal()}
        timeout = aiohttp.ClientTimeout(total=settings.send_timeout)
        url = f"{settings.zalo_oauth_base}/v4/oa/access_token"
        try:
            async with self._session.post(
                url, data=form, headers=headers, timeout=timeout
            ) as response:
                status = response.status
                answer: Any = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.error("zalo_refresh_failed", extra={"code": type(error).__name__})
            raise ZaloTokenError(f"transport:{type(error).__name__}", temporary=True) from None
        return self._tokens_from(status, answer)

    def _tokens_from(self, status: int, answer: Any) -> StoredTokens:
        if not isinstance(answer, dict) or not answer.get("access_token"):
            code = answer.get("error") if isinstance(answer, dict) else None
            reason = f"error:{code}" if code is not None else f"http:{status}"
            log.error("zalo_refresh_failed", extra={"code": reason})
            raise ZaloTokenError(reason, temporary=status >= 500)
        refresh_token = answer.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            log.error("zalo_refresh_failed", extra={"code": "no_refresh_token_in_answer"})
            raise ZaloTokenError("no_refresh_token_in_answer")
        try:
            lifetime = float(answer.get("expires_in", DEFAULT_LIFETIME))  # a string: "90000"
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME
        return StoredTokens(str(answer["access_token"]), refresh_token, self._clock() + lifetime)

    async def _store(self, tokens: StoredTokens) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:  # MULTI … EXEC: all or nothing
            pipe.hset(
                keys.zalo_tokens(),
                mapping={
                    "access_token": tokens.access_token,
                    "refresh_token": tokens.refresh_token,
                    "expires_at": _seconds(tokens.expires_at),
                },
            )
            pipe.expire(keys.zalo_tokens(), KEY_TTL)
            await pipe.execute()

    async def _seed(self) -> None:
        seeded = StoredTokens(
            self._settings.zalo_access_token.reveal(),
            self._settings.zalo_refresh_token.reveal(),
            self._clock() + DEFAULT_LIFETIME,
        )
        if not seeded.access_token:
            return
        await self._seed_script(
            keys=[keys.zalo_tokens()],
            args=[
                seeded.access_token,
                seeded.refresh_token,
                _seconds(seeded.expires_at),
                KEY_TTL,
            ],
        )

    async def _read(self) -> dict[str, str]:
        raw = await self._redis.hgetall(keys.zalo_tokens())
        return {_text(key): _text(value) for key, value in raw.items()}


def _seconds(epoch: float) -> str:
    return str(round(epoch))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
