"""Conversation state per (channel, user) in Redis, as JSON with a TTL."""

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import redis.asyncio as redis

from bot.store import keys


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


class RedisSessionStore:
    """Sessions as JSON under keys.session(...) with a TTL. The worker turn reads a session
    together with its outbox (one MGET) and writes both in one transaction, so it uses
    `encode`/`decode` and `ttl` directly; this class keeps what stands alone."""

    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self._redis = client
        self.ttl = ttl_seconds

    async def delete(self, channel: str, user_id: str) -> None:
        await self._redis.delete(keys.session(channel, user_id))


def encode(session: Session) -> str:
    return json.dumps(asdict(session), ensure_ascii=False)


def decode(raw: str | bytes) -> Session:
    data = json.loads(raw)
    known = {name: data[name] for name in Session.__dataclass_fields__ if name in data}
    return Session(**known)
