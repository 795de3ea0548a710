"""Live updates for the console through Redis pub/sub, so every bot process sees them."""

import json
from typing import Any

import redis.asyncio as redis

from bot.store import keys


async def publish(client: redis.Redis, event: dict[str, Any]) -> None:
    await client.publish(keys.CONSOLE_EVENTS, json.dumps(event, ensure_ascii=False))
