"""Prometheus metrics at GET /metrics: counters kept by the process, and gauges read from Redis
when scraped (so every process reports the shared queue and stream the same way).

Labels carry channels, results and error codes only: never text, names or user ids.
"""

import contextlib
import time
from collections.abc import Iterator

import redis.asyncio as redis
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.handoff.queue import joined_ms
from bot.store import keys

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOK_EVENTS = Counter(
    "bot_webhook_events", "Webhook requests and the events they carried, by channel and result",
    ["channel", "result"], registry=REGISTRY,
)  # fmt: skip
NLU_SECONDS = Histogram(
    "bot_nlu_seconds", "Time for one NLU parse (successful calls)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=REGISTRY,
)  # fmt: skip
NLU_ERRORS = Counter(
    "bot_nlu_errors", "NLU calls that failed, by reason", ["reason"], registry=REGISTRY
)
SENDS = Counter(
    "bot_sends", "Messages handed to a platform, by channel, status and reason (error code)",
    ["channel", "status", "reason"], registry=REGISTRY,
)  # fmt: skip


class RedisGauges(Collector):
    """Stream length and consumer lag, handoff queue length and oldest wait, counselors
    online: read at scrape time from the values `refresh` last fetched."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    async def refresh(self, client: redis.Redis) -> None:
        now = time.time() * 1000
        length = lag = 0.0
        for stream in keys.INBOUND_STREAMS:
            length += float(await client.xlen(stream))
            try:
                for group in await client.xinfo_groups(stream):
                    lag += float(group.get("lag") or 0) + float(group.get("pending") or 0)
            except redis.ResponseError:  # no stream yet
                pass
        values = {"stream_length": length}
        values["consumer_lag"] = lag
        values["queue_length"] = float(await client.zcard(keys.HANDOFF_QUEUE))
        scored: list[tuple[bytes, float]] = await client.zrange(
            keys.HANDOFF_QUEUE, 0, -1, withscores=True
        )  # type: ignore[assignment]
        joined = [joined_ms(score) for _, score in scored]
        values["oldest_wait"] = (now - min(joined)) / 1000 if joined else 0.0
        values["online"] = float(await client.zcount(keys.CONSOLE_ONLINE, now - 60_000, "+inf"))
        self.values = values

    def collect(self) -> Iterator[GaugeMetricFamily]:
        names = {
            "stream_length": "Inbound events in the Redis stream",
            "consumer_lag": "Inbound events not yet delivered or not yet acknowledged",
            "queue_length": "Conversations waiting for a counselor",
            "oldest_wait": "Seconds the longest-waiting conversation has waited",
            "online": "Counselors online in the console",
        }
        for name, text in names.items():
            unit = "_seconds" if name == "oldest_wait" else ""
            yield GaugeMetricFamily(f"bot_{name}{unit}", text, value=self.values.get(name, 0.0))


GAUGES = RedisGauges()
REGISTRY.register(GAUGES)


async def exposition(client: redis.Redis) -> bytes:
    # The counters still answer when Redis does not; the gauges keep their last values.
    with contextlib.suppress(redis.RedisError, OSError):
        await GAUGES.refresh(client)
    return generate_latest(REGISTRY)
