"""The counselor queue in Redis: a sorted set ordered by priority (imminent > high > normal),
then by the time the person joined; each conversation's details in a hash.

A conversation is `waiting` (in the sorted set), `active` (a counselor holds it) or gone
(released or closed). Claiming is one Lua script: two counselors never get the same child.
"""

import json
import math
from dataclasses import dataclass, fields
from typing import Any

import redis.asyncio as redis

from bot.store import keys

PRIORITIES = ("imminent", "high", "normal")  # most urgent first
RANK = {name: index for index, name in enumerate(PRIORITIES)}
TTL_SECONDS = 8 * 24 * 3600  # past every platform's reply window
DEFAULT_HANDLING_SECONDS = 15 * 60  # until the first handled conversations give a real figure
ONLINE_MS = 60_000  # a counselor whose console has not beaten for a minute is offline
PREVIEW_CHARS = 80  # the first words of the person's latest message, on the queue row


RANK_STEP = 10**13  # a queue score is rank × RANK_STEP + the time joined (ms)


def score(priority: str, joined_ms: int) -> int:
    return RANK.get(priority, RANK["normal"]) * RANK_STEP + joined_ms


def joined_ms(queue_score: float) -> int:
    """When a conversation joined, read back from its queue score."""
    return int(queue_score) % RANK_STEP


@dataclass(frozen=True, slots=True)
class Handoff:
    """One conversation handed (or being handed) to a counselor. `user_id` is the platform's
    id: it stays in Redis and is never shown in the console or logged."""

    id: str
    channel: str
    user_id: str
    priority: str = "normal"
    joined_ms: int = 0
    status: str = "waiting"  # waiting | active
    counselor: str = ""
    case_id: str = ""
    category: str = ""
    platform: str = ""
    links: str = ""
    audience: str = ""
    age_band: str = ""
    last_user_message_ms: int = 0
    claimed_ms: int = 0
    preview: str = ""  # the first words of the person's latest message
    returning: int = 0  # how many earlier cases the same person has (filled by the console)

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> "Handoff":
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name in known:
                values[name] = int(value or 0) if known[name].type in (int, "int") else value
        return cls(**values)


_JOIN = """
local existing = redis.call('GET', KEYS[2])
if existing and redis.call('EXISTS', ARGV[1] .. existing) == 1 then
  local key = ARGV[1] .. existing
  local rank = tonumber(ARGV[3])
  local was = tonumber(redis.call('HGET', key, 'rank') or '9')
  if rank < was and redis.call('HGET', key, 'status') == 'waiting' then
    local joined = tonumber(redis.call('HGET', key, 'joined_ms'))
    redis.call('HSET', key, 'rank', rank, 'priority', ARGV[4])
    redis.call('ZADD', KEYS[1], rank * 10000000000000 + joined, existing)
  end
  return {existing, 0}
end
local id = tostring(redis.call('INCR', KEYS[3]))
local key = ARGV[1] .. id
redis.call('HSET', key, 'id', id, 'rank', ARGV[3], 'priority', ARGV[4], 'joined_ms', ARGV[5],
           'status', 'waiting', unpack(cjson.decode(ARGV[6])))
redis.call('EXPIRE', key, ARGV[2])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) * 10000000000000 + tonumber(ARGV[5]), id)
return {id, 1}
"""

_CLAIM = """
local id = ARGV[1]
if id == '' then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #first == 0 then return false end
  id = first[1]
end
if redis.call('ZREM', KEYS[1], id) == 0 then return false end
redis.call('HSET', ARGV[2] .. id, 'status', 'active', 'counselor', ARGV[3], 'claimed_ms', ARGV[4])
return id
"""

_NOTICE_DUE = """
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local last = tonumber(redis.call('HGET', key, 'notified_ms') or '0')
if redis.call('HGET', key, 'notified_position') == ARGV[1] then return 0 end
if tonumber(ARGV[2]) - last < tonumber(ARGV[3]) then return 0 end
redis.call('HSET', key, 'notified_position', ARGV[1], 'notified_ms', ARGV[2])
return 1
"""


class HandoffQueue:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._join = client.register_script(_JOIN)
        self._claim = client.register_script(_CLAIM)
        self._notice_due = client.register_script(_NOTICE_DUE)

    async def join(
        self, channel: str, user_id: str, priority: str, now_ms: int, context: dict[str, str]
    ) -> tuple[str, bool]:
        """Puts the conversation in the queue, or raises its priority if it is already there
        (keeping its place in time). Returns its id and whether it is new."""
        priority = priority if priority in RANK else "normal"
        flat = [str(v) for pair in context.items() for v in pair]
        flat += ["channel", channel, "user_id", user_id, "last_user_message_ms", str(now_ms)]
        result = await self._join(
            keys=[keys.HANDOFF_QUEUE, keys.handoff_by_user(channel, user_id), keys.HANDOFF_IDS],
            args=[keys.handoff(""), TTL_SECONDS, RANK[priority], priority, now_ms,
                  json.dumps(flat)],
        )  # fmt: skip
        handoff_id, new = result
        return _text(handoff_id), bool(int(new))

    async def waiting_count(self, channel: str) -> int:
        """How many conversations of `channel` wait in the queue now."""
        ids = await self._redis.zrange(keys.HANDOFF_QUEUE, 0, -1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id in ids:
                pipe.hget(keys.handoff(_text(conversation_id)), "channel")
            channels = await pipe.execute() if ids else []
        return sum(1 for found in channels if _text(found or "") == channel)

    async def get(self, conversation_id: str) -> Handoff | None:
        data = await self._redis.hgetall(keys.handoff(conversation_id))
        return Handoff.from_hash(_strings(data)) if data else None

    async def for_user(self, channel: str, user_id: str) -> Handoff | None:
        found = await self._redis.get(keys.handoff_by_user(channel, user_id))
        return await self.get(_text(found)) if found else None

    async def waiting(self) -> list[Handoff]:
        """The queue in order: the first is the one to take next."""
        ids = [_text(i) for i in await self._redis.zrange(keys.HANDOFF_QUEUE, 0, -1)]
        return await self._many(ids)

    async def active(self, counselor: str = "") -> list[Handoff]:
        ids = [_text(i) async for i in self._redis.scan_iter(match=keys.handoff("*"), count=500)]
        held = [h for h in await self._many([i.rsplit(":", 1)[1] for i in ids])
                if h.status == "active"]  # fmt: skip
        return sorted(
            (h for h in held if not counselor or h.counselor == counselor),
            key=lambda h: h.claimed_ms,
        )

    async def position(self, conversation_id: str) -> int | None:
        rank: Any = await self._redis.zrank(keys.HANDOFF_QUEUE, conversation_id)
        return None if rank is None else int(rank) + 1

    async def length(self) -> int:
        return int(await self._redis.zcard(keys.HANDOFF_QUEUE))

    async def claim(self, counselor: str, now_ms: int, conversation_id: str = "") -> str | None:
        """The given conversation, or the most urgent one, for this counselor; None if it was
        taken already (or the queue is empty)."""
        found = await self._claim(
            keys=[keys.HANDOFF_QUEUE], args=[conversation_id, keys.handoff(""), counselor, now_ms]
        )
        return _text(found) if found else None

    async def reassign(self, conversation_id: str, counselor: str, now_ms: int) -> None:
        await self._redis.hset(
            keys.handoff(conversation_id), mapping={"counselor": counselor, "claimed_ms": now_ms}
        )

    async def requeue(self, conversation_id: str) -> None:
        """Back to the queue at its old place (its priority and first joining time)."""
        found = await self.get(conversation_id)
        if found is None:
            return
        async with self._redis.pipeline(transaction=True) as tx:
            tx.hset(keys.handoff(conversation_id), mapping={"status": "waiting", "counselor": ""})
            tx.zadd(keys.HANDOFF_QUEUE, {conversation_id: score(found.priority, found.joined_ms)})
            await tx.execute()

    async def finish(self, found: Handoff, now_ms: int) -> None:
        """Released, closed or left: out of the queue and forgotten; a counselor's handling
        time is kept (the last 50) for honest wait estimates."""
        async with self._redis.pipeline(transaction=True) as tx:
            tx.zrem(keys.HANDOFF_QUEUE, found.id)
            tx.zrem(keys.HANDOFF_CHECK_INS, found.id)
            tx.delete(keys.handoff(found.id))
            tx.delete(keys.handoff_by_user(found.channel, found.user_id))
            if found.claimed_ms:
                tx.lpush(keys.HANDOFF_HANDLED, max(1, (now_ms - found.claimed_ms) // 1000))
                tx.ltrim(keys.HANDOFF_HANDLED, 0, 49)
            await tx.execute()

    async def touch(self, conversation_id: str, now_ms: int) -> None:
        """The person wrote: their reply window starts again."""
        key = keys.handoff(conversation_id)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.hset(key, "last_user_message_ms", now_ms)
            tx.expire(key, TTL_SECONDS)
            await tx.execute()

    async def set_preview(self, conversation_id: str, text: str) -> None:
        """The first words of the person's latest message, for the queue row (only while
        the conversation exists: a late write never brings a finished one back)."""
        words = " ".join(text.split())
        if len(words) > PREVIEW_CHARS:
            words = words[: PREVIEW_CHARS - 1].rstrip() + "…"
        key = keys.handoff(conversation_id)
        if await self._redis.exists(key):
            await self._redis.hset(key, "preview", words)

    async def notice_due(self, conversation_id: str, position: int, now_ms: int) -> bool:
        """True once per change of position, at most every 2 minutes (shared by every
        process, so the child never gets the same notice twice)."""
        due = await self._notice_due(
            keys=[keys.handoff(conversation_id)], args=[position, now_ms, 120_000]
        )
        return bool(due)

    async def notified(self, conversation_id: str, position: int, now_ms: int) -> None:
        await self._redis.hset(
            keys.handoff(conversation_id),
            mapping={"notified_position": position, "notified_ms": now_ms},
        )

    async def flag(self, conversation_id: str, name: str) -> bool:
        """Sets a one-time flag on the conversation; True the first time."""
        return bool(await self._redis.hsetnx(keys.handoff(conversation_id), name, "1"))

    async def schedule_check_in(self, conversation_id: str, due_ms: int) -> None:
        await self._redis.zadd(keys.HANDOFF_CHECK_INS, {conversation_id: due_ms})

    async def cancel_check_in(self, conversation_id: str) -> None:
        await self._redis.zrem(keys.HANDOFF_CHECK_INS, conversation_id)

    async def due_check_ins(self, now_ms: int) -> list[str]:
        """The check-ins due now, each claimed by one process only (ZREM answers 1 once)."""
        due = await self._redis.zrangebyscore(keys.HANDOFF_CHECK_INS, 0, now_ms)
        claimed = []
        for member in map(_text, due):
            if await self._redis.zrem(keys.HANDOFF_CHECK_INS, member):
                claimed.append(member)
        return claimed

    async def count_check_in(self, conversation_id: str) -> int:
        return int(await self._redis.hincrby(keys.handoff(conversation_id), "check_ins", 1))

    async def unflag(self, conversation_id: str, name: str) -> None:
        await self._redis.hdel(keys.handoff(conversation_id), name)

    async def wait_estimate_seconds(self, position: int, online: int) -> int:
        """The median of recent handling times, times the people ahead per counselor online."""
        recent = sorted(int(x) for x in await self._redis.lrange(keys.HANDOFF_HANDLED, 0, -1))
        typical = recent[len(recent) // 2] if recent else DEFAULT_HANDLING_SECONDS
        rounds = math.ceil(position / max(online, 1))
        return rounds * typical

    # --- presence ----------------------------------------------------------------------------
    async def heartbeat(self, username: str, now_ms: int) -> None:
        await self._redis.zadd(keys.CONSOLE_ONLINE, {username: now_ms})

    async def offline(self, username: str) -> None:
        await self._redis.zrem(keys.CONSOLE_ONLINE, username)

    async def online(self, now_ms: int) -> list[str]:
        await self._redis.zremrangebyscore(keys.CONSOLE_ONLINE, 0, now_ms - ONLINE_MS)
        return sorted(_text(n) for n in await self._redis.zrange(keys.CONSOLE_ONLINE, 0, -1))

    async def _many(self, ids: list[str]) -> list[Handoff]:
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as tx:
            for conversation_id in ids:
                tx.hgetall(keys.handoff(conversation_id))
            rows = await tx.execute()
        return [Handoff.from_hash(_strings(row)) for row in rows if row]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _strings(data: dict[Any, Any]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in data.items()}
