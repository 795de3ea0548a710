"""Issue 12, attacks 6 and 10: old signed events are replays, and deeply nested JSON is a 400
before anything parses it (it was a RecursionError, a 500, before the signature check)."""

import json
import time

import redis.asyncio as redis

from bot.store import keys
from tests.conftest import AppFactory
from tests.fakes.graph import FakeGraph
from tests.fakes.zalo import FakeZalo
from tests.test_webchat import open_chat
from tests.test_webhooks import graph, messenger_settings, page_body, post, text_event
from tests.test_zalo_webhook import APP_ID, signed, zalo, zalo_settings
from tests.test_zalo_webhook import post as zalo_post

__all__ = ["graph", "zalo"]  # the fake platforms' fixtures, used by name below

DEEP = b"[" * 200_000 + b"]" * 200_000
DAY_MS = 24 * 3600 * 1000


def zalo_text(msg_id: str, at_ms: int) -> bytes:
    return json.dumps({
        "app_id": APP_ID, "event_name": "user_send_text", "timestamp": str(at_ms),
        "sender": {"id": "Z1"}, "recipient": {"id": "OA1"},
        "message": {"msg_id": msg_id, "text": "chào"},
    }).encode()  # fmt: skip


async def test_a_signed_zalo_event_from_2019_is_refused(
    make_client: AppFactory, zalo: FakeZalo, redis_client: redis.Redis
) -> None:
    client = await make_client(**zalo_settings(zalo))
    old = zalo_text("m-2019", 1_560_000_000_000)  # June 2019, correctly signed
    assert await zalo_post(client, old) == 200  # answered, so Zalo stops retrying it
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0  # was 1: queued
    future = zalo_text("m-future", int(time.time() * 1000) + DAY_MS)
    assert await zalo_post(client, future) == 200
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0
    assert await zalo_post(client, zalo_text("m-now", int(time.time() * 1000))) == 200
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 1


async def test_old_messenger_events_in_a_batch_are_dropped(
    make_client: AppFactory, graph: FakeGraph, redis_client: redis.Redis
) -> None:
    client = await make_client(**messenger_settings(graph))
    now = int(time.time() * 1000)
    body = page_body([
        text_event("U1", "m-old", "chào", ts=now - 3 * DAY_MS),  # replayed after the dedupe TTL
        text_event("U1", "m-new", "chào", ts=now),
    ])  # fmt: skip
    assert await post(client, body) == 200
    entries = await redis_client.xrange(keys.INBOUND_STREAM)
    assert [json.loads(fields["event"])["event_id"] for _, fields in entries] == ["m-new"]


async def test_the_dedupe_key_lasts_longer_than_the_window(
    make_client: AppFactory, graph: FakeGraph, redis_client: redis.Redis
) -> None:
    client = await make_client(**messenger_settings(graph), webhook_max_age=72 * 3600)
    assert await post(client, page_body([text_event("U1", "m-1", "chào")])) == 200
    ttl = await redis_client.ttl(keys.dedupe("messenger", "m-1"))
    assert ttl > 72 * 3600  # a replay is refused by its key until it is too old anyway


async def test_deep_json_is_a_400_on_every_json_endpoint(
    make_client: AppFactory, zalo: FakeZalo, graph: FakeGraph
) -> None:
    client = await make_client(**zalo_settings(zalo), **messenger_settings(graph))
    json_type = {"Content-Type": "application/json"}
    zalo_resp = await client.post("/webhooks/zalo", data=DEEP, headers=json_type)
    assert zalo_resp.status == 400  # was 500 (RecursionError before the signature check)
    messenger_resp = await client.post("/webhooks/messenger", data=DEEP, headers=json_type)
    assert messenger_resp.status == 400
    chat = await open_chat(client)
    deep_chat = b'{"chat_id": "' + chat.encode() + b'", "x": ' + DEEP + b"}"
    assert (
        await client.post("/chat/api/messages", data=deep_chat, headers=json_type)
    ).status == 400
    login = await client.post("/console/api/login", data=DEEP, headers=json_type)
    assert login.status == 400
    assert (await login.json()) == {"error": "json_expected"}


async def test_a_signed_zalo_body_nested_too_deep_is_a_400(
    make_client: AppFactory, zalo: FakeZalo
) -> None:
    client = await make_client(**zalo_settings(zalo))
    stamp = str(int(time.time() * 1000))
    nested = b'{"app_id": "' + APP_ID.encode() + b'", "timestamp": "' + stamp.encode() + b'", '
    body = nested + b'"x": ' + b"[" * 100 + b"]" * 100 + b"}"
    assert await zalo_post(client, body, signed(body)) == 400
