"""Each counselor's desk as a supervisor sees it: whether its alert sound is muted.

The flag is one Redis set of usernames, shared by every process, so a supervisor's mute
reaches the counselor's desk wherever it is served; it is kept until unmuted (a night's
quiet desk stays quiet after a reload or a new login)."""

import redis.asyncio as redis

from bot.store import keys

MUTED = f"{keys.PREFIX}:console:muted-desks"


async def muted_desks(client: redis.Redis) -> set[str]:
    return {name.decode() if isinstance(name, bytes) else str(name)
            for name in await client.smembers(MUTED)}  # fmt: skip


async def is_muted(client: redis.Redis, username: str) -> bool:
    return bool(await client.sismember(MUTED, username))


async def set_muted(client: redis.Redis, username: str, muted: bool) -> bool:
    """Mutes or unmutes the desk; True when that changed something."""
    changed = await (client.sadd if muted else client.srem)(MUTED, username)
    return bool(changed)
