"""Workers: a consumer group on the inbound streams, at-least-once, XACK (and XDEL) after the
turn. Messenger and Zalo share one stream, web chat has its own: every read takes up to
`count` entries from each, so a web-chat backlog never holds up a platform's child.

Entries left pending by a dead consumer are taken over with XAUTOCLAIM once idle for
`claim_idle_ms`; the pipeline's outbox makes a second handling send nothing twice. An entry
that keeps failing is parked in a dead-letter stream after `max_deliveries` so it cannot block
the others.
"""

import asyncio
import logging
import os
import socket
from typing import Any

import redis.asyncio as redis

from bot.oncall.contacts import note_contact
from bot.pipeline import Pipeline, SendDeferred
from bot.store import keys
from bot.store.intake import event_from_fields

log = logging.getLogger(__name__)

DEAD_LETTERS = f"{keys.PREFIX}:inbound:dead"
DEAD_LETTERS_KEPT = 1000
DEAD_LETTERS_TTL = 7 * 24 * 3600


async def ensure_group(client: redis.Redis) -> None:
    for stream in keys.INBOUND_STREAMS:
        try:
            await client.xgroup_create(stream, keys.WORKERS_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


def consumer_name(index: int) -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{index}"


class Worker:
    def __init__(
        self,
        client: redis.Redis,
        pipeline: Pipeline,
        name: str,
        block_ms: int = 1000,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
    ) -> None:
        self._redis = client
        self._pipeline = pipeline
        self.name = name
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._max_deliveries = max_deliveries

    async def run(self) -> None:
        """Until cancelled: new entries, and now and then entries of dead consumers."""
        await ensure_group(self._redis)
        loop = asyncio.get_running_loop()
        next_claim = loop.time()
        while True:
            try:
                if loop.time() >= next_claim:
                    await self.reclaim()
                    next_claim = loop.time() + self._claim_idle_ms / 2000
                await self.read_once()
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                log.warning("redis unavailable, worker waiting")
                await asyncio.sleep(1)

    async def read_once(self, count: int = 10) -> int:
        response: Any = await self._redis.xreadgroup(
            keys.WORKERS_GROUP, self.name, dict.fromkeys(keys.INBOUND_STREAMS, ">"),
            count=count, block=self._block_ms,
        )  # fmt: skip
        entries: list[tuple[str, str, dict[str, str]]] = [
            (_name(stream), entry_id, fields)
            for stream, stream_entries in response or []
            for entry_id, fields in stream_entries
        ]
        # Different conversations go on side by side; the pipeline keeps each one in order.
        await asyncio.gather(*(self._handle(*entry) for entry in entries))
        return len(entries)

    async def reclaim(self, count: int = 10) -> int:
        handled = 0
        for stream in keys.INBOUND_STREAMS:
            claimed: list[Any] = await self._redis.xautoclaim(
                stream, keys.WORKERS_GROUP, self.name, self._claim_idle_ms,
                start_id="0-0", count=count,
            )  # fmt: skip
            entries: list[tuple[str, dict[str, str]]] = claimed[1]
            live = [(entry_id, fields) for entry_id, fields in entries if fields]
            for entry_id, fields in live:
                if await self._deliveries(stream, entry_id) > self._max_deliveries:
                    await self._park(stream, entry_id, fields)
                else:
                    await self._handle(stream, entry_id, fields)
            handled += len(live)
        return handled

    async def run_until_empty(self) -> int:
        """Burst mode (tests, benchmarks): handle what is there, then return the count."""
        await ensure_group(self._redis)
        handled = 0
        while True:
            got = await self.read_once() + await self.reclaim()
            if not got:
                return handled
            handled += got

    async def _handle(self, stream: str, entry_id: str, fields: dict[str, str]) -> None:
        event, seq = event_from_fields(fields)
        await note_contact(self._redis, event)  # an on-call counselor's own account wrote
        try:
            await self._pipeline.handle(event, seq)
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            raise  # not this entry's fault: it stays pending and is handled again
        except SendDeferred as deferred:
            log.warning(
                "reply deferred", extra={"channel": event.channel, "reason": str(deferred)}
            )
            return  # stays pending; reclaimed later and resumed at the unsent reply
        except Exception:
            log.exception("turn failed", extra={"entry": entry_id, "channel": event.channel})
            return  # stays pending; reclaimed later, parked after max_deliveries
        await self.done(stream, entry_id)

    async def done(self, stream: str, entry_id: str) -> None:
        """Acknowledged and deleted: the raw text and platform id do not outlive the turn."""
        async with self._redis.pipeline(transaction=True) as tx:
            tx.xack(stream, keys.WORKERS_GROUP, entry_id)
            tx.xdel(stream, entry_id)
            await tx.execute()

    async def _deliveries(self, stream: str, entry_id: str) -> int:
        pending = await self._redis.xpending_range(
            stream, keys.WORKERS_GROUP, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 0

    async def _park(self, stream: str, entry_id: str, fields: dict[str, str]) -> None:
        log.error("entry parked after repeated failures", extra={"entry": entry_id})
        async with self._redis.pipeline(transaction=True) as tx:
            tx.xadd(DEAD_LETTERS, dict(fields.items()), maxlen=DEAD_LETTERS_KEPT, approximate=True)
            tx.xack(stream, keys.WORKERS_GROUP, entry_id)
            tx.xdel(stream, entry_id)
            tx.expire(DEAD_LETTERS, DEAD_LETTERS_TTL)  # a week to look into them, no longer
            await tx.execute()


def _name(stream: str | bytes) -> str:
    return stream.decode() if isinstance(stream, bytes) else stream
