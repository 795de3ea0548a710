"""A counselor's words reach the child through the child's own channel, with the right
messaging type, and never outside the platform's reply window (fake Graph and Zalo APIs)."""

import time

import redis.asyncio as redis

from bot.appkeys import HANDOFFS
from bot.store import keys
from tests.conftest import AppFactory, drain
from tests.console.conftest import Counselor, logged_in
from tests.fakes.graph import FakeGraph
from tests.fakes.zalo import FakeZalo
from tests.test_webhooks import graph, messenger_settings, page_body, post, text_event
from tests.test_zalo_webhook import event, signed, zalo, zalo_settings

HOUR_MS = 3600 * 1000
__all__ = ["graph", "zalo"]  # the fake platforms' fixtures, used by name below


async def age_last_message(client: redis.Redis, conv: str, hours: float) -> None:
    then = int(time.time() * 1000 - hours * HOUR_MS)
    await client.hset(keys.handoff(conv), "last_user_message_ms", then)


async def test_messenger_relay_uses_response_then_human_agent_then_stops(
    make_client: AppFactory,
    graph: FakeGraph,
    counselors: list[Counselor],
    redis_client: redis.Redis,
) -> None:
    client = await make_client(**messenger_settings(graph))
    lan = await logged_in(client, counselors, "lan")
    assert await post(client, page_body([text_event("PSID-7", "m1", "cứu em")])) == 200
    await drain(client)
    assert "113" in graph.messages[0]["message"]["text"]
    _, taken = await lan.call("POST", "conversations/next/claim")
    conv = taken["id"]
    assert taken["channel"] == "messenger"
    assert taken["priority"] == "imminent"
    assert taken["window_seconds_left"] > 6 * 24 * 3600

    def last() -> dict[str, object]:
        return graph.messages[-1]

    assert (await lan.call("POST", f"conversations/{conv}/messages", {"text": "Chị đây"}))[
        0
    ] == 200
    assert last()["message"] == {"text": "Chị đây"}
    assert last()["messaging_type"] == "RESPONSE"
    assert last()["recipient"] == {"id": "PSID-7"}

    await age_last_message(redis_client, conv, 30)  # after 24 h only a person may answer
    assert (await lan.call("POST", f"conversations/{conv}/messages", {"text": "Em ổn chứ?"}))[
        0
    ] == 200
    assert last()["messaging_type"] == "MESSAGE_TAG"
    assert last()["tag"] == "HUMAN_AGENT"

    await age_last_message(redis_client, conv, 7 * 24 - 1)  # an hour before the window shuts
    await client.server.app[HANDOFFS].tick()
    warning = await lan.next_live("window")
    assert warning["id"] == conv

    sent = len(graph.messages)
    await age_last_message(redis_client, conv, 8 * 24)
    status, body = await lan.call("POST", f"conversations/{conv}/messages", {"text": "Alo?"})
    assert (status, body) == (409, {"error": "outside_window"})
    assert len(graph.messages) == sent  # nothing was sent

    assert await post(client, page_body([text_event("PSID-7", "m2", "em đây ạ")])) == 200
    await drain(client)  # the child wrote again: the window is open again
    update = await lan.next_live("message")
    while update["text"] != "em đây ạ":
        update = await lan.next_live("message")
    assert (await lan.call("POST", f"conversations/{conv}/messages", {"text": "Chị nghe"}))[
        0
    ] == 200
    assert last()["messaging_type"] == "RESPONSE"


async def test_zalo_relay_and_its_window(
    make_client: AppFactory,
    zalo: FakeZalo,
    counselors: list[Counselor],
    redis_client: redis.Redis,
) -> None:
    client = await make_client(**zalo_settings(zalo))
    lan = await logged_in(client, counselors, "lan")
    body = event("user_send_text", "ZUSER-1", "z1", "sos")
    assert (await client.post("/webhooks/zalo", data=body, headers=signed(body))).status == 200
    await drain(client)
    _, taken = await lan.call("POST", "conversations/next/claim")
    conv = taken["id"]
    assert taken["channel"] == "zalo"
    assert (await lan.call("POST", f"conversations/{conv}/messages", {"text": "Chị đây em"}))[
        0
    ] == 200
    sent = zalo.messages[-1]
    assert sent["recipient"] == {"user_id": "ZUSER-1"}
    assert sent["message"]["text"] == "Chị đây em"
    await age_last_message(redis_client, conv, 72)  # the charged part of the window: still sent
    assert (await lan.call("POST", f"conversations/{conv}/messages", {"text": "Em ơi"}))[0] == 200
    await age_last_message(redis_client, conv, 8 * 24)
    count = len(zalo.messages)
    status, body_ = await lan.call("POST", f"conversations/{conv}/messages", {"text": "Alo"})
    assert (status, body_) == (409, {"error": "outside_window"})
    assert len(zalo.messages) == count
