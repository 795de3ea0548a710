"""Durable intake: dedupe by platform event id and append to the inbound stream, atomically."""

import redis.asyncio as redis

from bot.channels.base import IncomingEvent
from bot.store import keys

DEDUPE_TTL = 48 * 3600
STREAM_MAXLEN = 1_000_000

# One script, so an event is either marked seen AND stored, or neither: a retry after a failure
# can never find it "seen" but missing. It also numbers the conversation's events in arrival
# order, which the workers use to keep each conversation in order.
_ENQUEUE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  local seq = redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[1])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[2], 'seq', seq)
  return seq
end
return 0
"""


class Intake:
    def __init__(self, client: redis.Redis, dedupe_ttl: int = DEDUPE_TTL) -> None:
        self._script = client.register_script(_ENQUEUE)
        self.dedupe_ttl = dedupe_ttl

    async def enqueue(self, event: IncomingEvent) -> bool:
        """True when stored, False when already seen. Raises redis errors (→ HTTP 503)."""
        seq = await self._script(
            keys=[
                keys.dedupe(event.channel, event.event_id),
                keys.inbound_stream(event.channel),
                keys.sequence(event.channel, event.user_id),
            ],
            args=[self.dedupe_ttl, event.to_json(), STREAM_MAXLEN],
        )
        return bool(seq)


def event_from_fields(fields: dict[str, str]) -> tuple[IncomingEvent, int]:
    return IncomingEvent.from_json(fields["event"]), int(fields.get("seq", 0))
