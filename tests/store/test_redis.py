"""The embedded Redis default and the test Redis are real servers."""

from pathlib import Path

import pytest
import redis.asyncio as redis

from bot.store.redis import open_redis


async def test_embedded_redis_starts_keeps_data_under_var_and_stops(tmp_path: Path) -> None:
    async with open_redis("", tmp_path) as client:
        await client.set("bot:test", "1", ex=60)
        assert await client.get("bot:test") == "1"
        info = await client.info("server")
        assert int(str(info["redis_version"]).split(".")[0]) >= 6  # streams, XAUTOCLAIM
        socket = tmp_path / "redis" / "redis.sock"
        assert socket.exists()
    assert (tmp_path / "redis" / "appendonly.aof").exists()
    probe = redis.Redis.from_url(f"unix://{socket}")
    try:
        with pytest.raises((redis.ConnectionError, OSError)):  # the server has stopped
            await probe.ping()
    finally:
        await probe.aclose()


async def test_test_redis_is_real(redis_client: redis.Redis) -> None:
    await redis_client.xadd("bot:inbound", {"event": "{}"})
    assert await redis_client.xlen("bot:inbound") == 1
