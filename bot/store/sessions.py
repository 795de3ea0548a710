"""Conversation state per (channel, user) in Redis, as JSON with a TTL."""

import asyncio
import json
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import redis.asyncio as redis

from bot.store import keys
from bot.store.locks import RedisLock


@dataclass(frozen=True, slots=True)
class Session:
    state: str = "new"  # the dialogue state; "new" until the first reply
    audience: str = ""  # "child", "parent" or "" (not asked yet)
    age_band: str = ""  # "under13", "13-15", "16-17" or ""
    last_intent: str = ""
    last_user_message_ms: int | None = None
    last_seq: int = 0  # the last inbound event handled, for per-conversation order
    paused_until_ms: int = 0  # a person answers in the platform's own tool until then
    slots: dict[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> "Session":
        return replace(self, **changes)


class SessionStore(Protocol):
    """Where conversations live between turns. `hold` is the conversation's lock: whatever
    changes a session (a worker turn, a counselor's click) does so while holding it."""

    def hold(self, channel: str, user_id: str) -> AbstractAsyncContextManager[object]: ...

    async def load(self, channel: str, user_id: str) -> Session | None: ...

    async def save(self, channel: str, user_id: str, session: Session) -> None: ...

    async def delete(self, channel: str, user_id: str) -> None: ...


class RedisSessionStore:
    """Sessions as JSON under keys.session(...) with a TTL, locked by a RedisLock. The worker
    turn reads a session together with its outbox (one MGET) and writes both in one
    transaction, so it uses `encode`/`decode` and `ttl` directly."""

    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self._redis = client
        self.ttl = ttl_seconds

    def hold(self, channel: str, user_id: str) -> RedisLock:
        return RedisLock(self._redis, keys.conversation_lock(channel, user_id))

    async def load(self, channel: str, user_id: str) -> Session | None:
        raw = await self._redis.get(keys.session(channel, user_id))
        return decode(raw) if raw else None

    async def save(self, channel: str, user_id: str, session: Session) -> None:
        await self._redis.set(keys.session(channel, user_id), encode(session), ex=self.ttl)

    async def delete(self, channel: str, user_id: str) -> None:
        await self._redis.delete(keys.session(channel, user_id))


class MemorySessionStore:
    """Sessions in a dict, for the fast tier: whole conversations without Redis. Kept as
    JSON, like the Redis store, so what does not survive encoding fails here too."""

    def __init__(self) -> None:
        self._saved: dict[tuple[str, str], str] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def hold(self, channel: str, user_id: str) -> asyncio.Lock:
        return self._locks.setdefault((channel, user_id), asyncio.Lock())

    async def load(self, channel: str, user_id: str) -> Session | None:
        raw = self._saved.get((channel, user_id))
        return decode(raw) if raw else None

    async def save(self, channel: str, user_id: str, session: Session) -> None:
        self._saved[(channel, user_id)] = encode(session)

    async def delete(self, channel: str, user_id: str) -> None:
        self._saved.pop((channel, user_id), None)


def encode(session: Session) -> str:
    return json.dumps(asdict(session), ensure_ascii=False)


def decode(raw: str | bytes) -> Session:
    data = json.loads(raw)
    known = {name: data[name] for name in Session.__dataclass_fields__ if name in data}
    return Session(**known)
