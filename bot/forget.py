"""A person's right to be forgotten: `python -m bot delete-person --channel C --user-id U`.

Deletes what Redis holds for them (session, ordering counter, their place or conversation
in the counselor queue, web chat replies, their entries still in the inbound and dead-letter
streams) and, in SQL, the texts of their cases and the link from those cases to them (the
anonymous counts the 111 statistics read stay). Audited, without the id.
"""

import json
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis

from bot.cases.records import CaseRecords
from bot.evidence.privacy import forget_evidence
from bot.handoff import events
from bot.handoff.queue import HandoffQueue
from bot.logs import user_ref
from bot.store import keys
from bot.worker import DEAD_LETTERS


@dataclass(frozen=True, slots=True)
class Forgotten:
    redis_keys: int
    stream_entries: int
    queue_places: int
    cases: int


async def forget_person(
    client: redis.Redis, cases: CaseRecords, hash_key: bytes, channel: str, user_id: str,
    actor: str = "delete-person",
) -> Forgotten:  # fmt: skip
    """`actor` is who asked, for the audit log: the command, or a supervisor in the console."""
    places = await _leave_queue(client, channel, user_id)
    theirs = [keys.session(channel, user_id), keys.sequence(channel, user_id)]
    if channel == "webchat":
        theirs += [keys.webchat_replies(user_id), keys.webchat_chat(user_id),
                   keys.rate("webchat-chat", user_id)]  # fmt: skip
    removed = await client.delete(*theirs)
    entries = 0
    for stream in (*keys.INBOUND_STREAMS, DEAD_LETTERS):
        entries += await _delete_entries(client, stream, channel, user_id)
    ref = user_ref(hash_key, channel, user_id)
    await forget_evidence(cases, ref, actor)  # its items, before the cases lose the link
    forgotten = await cases.forget_person(ref, actor=actor)
    return Forgotten(int(removed), entries, places, forgotten)


async def _leave_queue(client: redis.Redis, channel: str, user_id: str) -> int:
    queue = HandoffQueue(client)
    found = await queue.for_user(channel, user_id)
    if found is None:
        return 0
    await queue.finish(found, 0)
    await events.publish(client, {"type": "queue", "id": found.id, "left": True})
    return 1


async def _delete_entries(client: redis.Redis, stream: str, channel: str, user_id: str) -> int:
    """Entries of this person still in `stream` (handled ones are deleted already)."""
    mine: list[str] = []
    last = "-"
    while True:
        found: Any = await client.xrange(stream, min=last, max="+", count=500)
        batch: list[tuple[str, dict[str, str]]] = list(found or [])
        for entry_id, fields in batch:
            event = json.loads(fields.get("event", "{}"))
            if event.get("channel") == channel and event.get("user_id") == user_id:
                mine.append(entry_id)
        if len(batch) < 500:
            break
        last = "(" + batch[-1][0]
    if mine:
        await client.xdel(stream, *mine)
    return len(mine)
