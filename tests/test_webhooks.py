"""Messenger webhooks through the real app: signed payloads, every rejection path, durable
intake, batches, duplicates, a dead worker and a Redis outage, against the fake Graph API."""

import asyncio
import hashlib
import hmac
import io
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestClient

from bot.app import REDIS, build_pipeline
from bot.settings import Secret
from bot.store import keys
from bot.store.intake import event_from_fields
from bot.store.redis import EmbeddedRedis
from bot.worker import Worker
from tests.conftest import AppFactory, drain
from tests.fakes.graph import FakeGraph

SECRET = "test-app-secret"
FIXTURES = Path(__file__).parent / "fixtures" / "platforms"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    await fake.start()
    yield fake
    await fake.stop()


def messenger_settings(graph: FakeGraph) -> dict[str, object]:
    return {
        "messenger_app_secret": Secret(SECRET),
        "messenger_verify_token": Secret("verify-me"),
        "messenger_page_access_token": Secret("page-token"),
        "messenger_api_base": graph.url,
    }


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def text_event(user: str, mid: str, text: str, ts: int | None = None) -> dict[str, object]:
    return {
        "sender": {"id": user},
        "recipient": {"id": "PAGE"},
        "timestamp": ts or int(time.time() * 1000),
        "message": {"mid": mid, "text": text},
    }


def page_body(*entries: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [{"id": "PAGE", "time": 1, "messaging": items} for items in entries],
        },
        ensure_ascii=False,
    ).encode()


async def post(client: TestClient, body: bytes, headers: dict[str, str] | None = None) -> int:  # type: ignore[type-arg]
    resp = await client.post(
        "/webhooks/messenger", data=body, headers=sign(body) if headers is None else headers
    )
    return resp.status


def texts_to(graph: FakeGraph, user: str) -> list[str]:
    return [m["message"]["text"] for m in graph.messages if m["recipient"]["id"] == user]


async def test_verification_handshake(make_client: AppFactory, graph: FakeGraph) -> None:
    client = await make_client(**messenger_settings(graph))
    ok = await client.get(
        "/webhooks/messenger",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "c123"},
    )
    assert (ok.status, await ok.text()) == (200, "c123")
    bad = await client.get(
        "/webhooks/messenger",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "c"},
    )
    assert bad.status == 403


async def test_disabled_without_secrets(make_client: AppFactory) -> None:
    client = await make_client()
    body = page_body([text_event("U1", "m1", "hi")])
    assert await post(client, body) == 404
    assert (await client.post("/webhooks/zalo", data=b"{}")).status == 404


async def test_rejections_store_nothing(
    make_client: AppFactory, graph: FakeGraph, redis_client: redis.Redis
) -> None:
    client = await make_client(**messenger_settings(graph))
    body = page_body([text_event("U1", "m1", "chào")])
    assert await post(client, body, headers={}) == 403
    assert await post(client, body, headers=sign(body, "wrong")) == 403
    assert await post(client, body + b" ", headers=sign(body)) == 403  # tampered
    garbage = b"{not json"
    assert await post(client, garbage) == 400
    assert await post(client, json.dumps({"object": "user"}).encode()) == 400
    big = b"x" * (1024**2 + 1)
    resp = await client.post("/webhooks/messenger", data=io.BytesIO(big), headers=sign(big))
    assert resp.status == 413
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0


async def test_unknown_events_are_acknowledged_and_ignored(
    make_client: AppFactory, graph: FakeGraph, redis_client: redis.Redis
) -> None:
    client = await make_client(**messenger_settings(graph))
    for name in ("messenger_delivery.json", "messenger_read.json", "messenger_echo.json"):
        assert await post(client, (FIXTURES / name).read_bytes()) == 200
    weird = page_body(
        [{"sender": {"id": "U"}, "recipient": {"id": "P"}, "timestamp": 1, "reaction": {}}]
    )
    assert await post(client, weird) == 200
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0


async def test_a_batch_is_answered_in_full_and_duplicates_once(
    make_client: AppFactory, graph: FakeGraph
) -> None:
    client = await make_client(**messenger_settings(graph))
    body = page_body(
        [text_event("U1", "m1", "chào bạn"), text_event("U2", "m2", "cảm ơn")],
        [text_event("U3", "m3", "e muốn chết 😭")],
    )
    assert await post(client, body) == 200
    assert await post(client, body) == 200  # Meta retries: the same events again
    assert await drain(client) == 3
    assert len(texts_to(graph, "U3")) == 2  # the emergency numbers, then the queue notice
    assert "113" in texts_to(graph, "U3")[0]
    assert len(texts_to(graph, "U1")) == 2  # welcome + reply to the greeting
    assert len(texts_to(graph, "U2")) == 2
    assert {m["recipient"]["id"] for m in graph.messages} == {"U1", "U2", "U3"}


async def test_postback_get_started_gets_the_welcome(
    make_client: AppFactory, graph: FakeGraph
) -> None:
    client = await make_client(**messenger_settings(graph))
    item = {"sender": {"id": "U9"}, "recipient": {"id": "P"}, "timestamp": int(time.time() * 1000),
            "postback": {"mid": "pb1", "title": "Bắt đầu", "payload": "GET_STARTED"}}  # fmt: skip
    assert await post(client, page_body([item])) == 200
    await drain(client)
    welcome, ask_audience = texts_to(graph, "U9")
    assert "trợ lý tự động" in welcome
    assert "bạn là ai" in ask_audience
    sent = graph.messages[-1]
    assert [q["payload"] for q in sent["message"]["quick_replies"]] == [
        "AUDIENCE_CHILD",
        "AUDIENCE_PARENT",
    ]


async def test_an_image_is_not_taken(make_client: AppFactory, graph: FakeGraph) -> None:
    client = await make_client(**messenger_settings(graph))
    body = json.loads((FIXTURES / "messenger_image_attachment.json").read_bytes())
    for entry in body["entry"]:
        for item in entry["messaging"]:
            item["timestamp"] = int(time.time() * 1000)
    raw = json.dumps(body).encode()
    assert await post(client, raw) == 200
    await drain(client)
    welcome, reply = [m["message"]["text"] for m in graph.messages]
    assert "trợ lý tự động" in welcome
    assert "không nhận được ảnh" in reply
    assert "111" in reply


async def test_a_dead_worker_s_events_are_answered_once(
    make_client: AppFactory, graph: FakeGraph, redis_client: redis.Redis
) -> None:
    client = await make_client(**messenger_settings(graph))
    users = [f"D{i}" for i in range(6)]
    body = page_body([text_event(u, f"dm{i}", "cảm ơn") for i, u in enumerate(users)])
    assert await post(client, body) == 200
    app = client.server.app  # the rescuer is ready first: building it is no part of the wait
    rescuer = Worker(app[REDIS], build_pipeline(app), "rescuer", block_ms=50, claim_idle_ms=1500)
    # A worker reads everything and dies before answering or acknowledging anything.
    await redis_client.xgroup_create(
        keys.INBOUND_STREAM, keys.WORKERS_GROUP, id="0", mkstream=True
    )
    taken = await redis_client.xreadgroup(keys.WORKERS_GROUP, "dead", {keys.INBOUND_STREAM: ">"})
    assert len(taken[0][1]) == 6
    assert await rescuer.run_until_empty() == 0  # not idle long enough yet
    await asyncio.sleep(1.6)
    assert await rescuer.run_until_empty() == 6
    assert await rescuer.run_until_empty() == 0
    for user in users:
        assert len(texts_to(graph, user)) == 2  # the welcome and the answer, once each
    pending = await redis_client.xpending(keys.INBOUND_STREAM, keys.WORKERS_GROUP)
    assert pending["pending"] == 0


async def test_a_crash_after_some_replies_resumes_without_repeating(
    make_client: AppFactory, graph: FakeGraph, redis_client: redis.Redis
) -> None:
    client = await make_client(**messenger_settings(graph))
    assert await post(client, page_body([text_event("C1", "cm1", "chào")])) == 200
    [(_, fields)] = await redis_client.xrange(keys.INBOUND_STREAM)  # deleted once handled
    await drain(client)
    first_run = texts_to(graph, "C1")
    assert len(first_run) == 2
    # Replay the entry as if the worker had died after the first reply: the outbox says 1 sent.
    outbox = keys.outbox("messenger:cm1")
    saved = json.loads(await redis_client.get(outbox))
    assert saved["sent"] == 2
    await redis_client.set(outbox, json.dumps({**saved, "sent": 1}))
    app = client.server.app
    event, seq = event_from_fields(fields)
    await build_pipeline(app).handle(event, seq)
    assert texts_to(graph, "C1") == first_run + first_run[1:]


async def test_redis_down_means_503_then_nothing_is_lost(
    make_client: AppFactory, graph: FakeGraph, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    await server.start()
    try:
        client = await make_client(redis_url=server.url, **messenger_settings(graph))
        await server.stop()
        body = page_body([text_event("R1", "rm1", "cảm ơn")])
        assert await post(client, body) == 503  # Meta will retry
        await server.start()  # same folder: the AOF brings back what was stored
        assert await post(client, body) == 200
        assert await drain(client) == 1
        assert len(texts_to(graph, "R1")) == 2
    finally:
        await server.stop()


MALFORMED = [
    b"null", b"[]", b'"page"', b"42", b'{"object": "page"}', b'{"object": "page", "entry": null}',
    b'{"object": "page", "entry": [null]}', b'{"object": "page", "entry": ["x"]}',
    b'{"object": "page", "entry": [{"messaging": "x"}]}',
    b'{"object": "page", "entry": [{"messaging": [null, 1, "x"]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": null, "message": {"text": "hi"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": ["x"]}, "timestamp": "t",'
    b' "message": {"mid": 5, "text": ["hi"]}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "timestamp": 1,'
    b' "message": {"mid": "m", "attachments": "x"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "timestamp": 1,'
    b' "postback": null}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "timestamp": 1,'
    b' "message": {"mid": "m", "text": "\\ud800"}}]}]}',  # a lone surrogate
]  # fmt: skip


@pytest.mark.parametrize("body", MALFORMED)
async def test_signed_garbage_never_gets_a_500(
    make_client: AppFactory, graph: FakeGraph, body: bytes
) -> None:
    client = await make_client(**messenger_settings(graph))
    resp = await client.post("/webhooks/messenger", data=body, headers=sign(body))
    assert resp.status in (200, 400)
    assert "Traceback" not in await resp.text()


async def test_a_person_taking_the_thread_in_page_inbox_pauses_the_bot(
    make_client: AppFactory, graph: FakeGraph
) -> None:
    client = await make_client(**messenger_settings(graph))
    now = int(time.time() * 1000)
    inbox = {"previous_owner_app_id": 263902037430900, "metadata": ""}  # Page Inbox
    take = {"sender": {"id": "H1"}, "recipient": {"id": "PAGE"}, "timestamp": now}
    take["take_thread_control"] = inbox
    assert await post(client, page_body([take])) == 200
    assert (
        await post(client, page_body([text_event("H1", "h1", "dạ em chào anh", now + 1)])) == 200
    )
    assert await post(client, page_body([text_event("H1", "h2", "SOS", now + 2)])) == 200
    await drain(client)
    # quiet while the person answers; the safe word still works (and asks for a counselor)
    help_, queued = texts_to(graph, "H1")
    assert "113" in help_
    assert "tư vấn viên" in queued


async def test_a_reply_the_graph_api_keeps_refusing_is_sent_later_not_lost(
    make_client: AppFactory, graph: FakeGraph
) -> None:
    client = await make_client(**messenger_settings(graph), send_retries=1)
    graph.limited_until = time.monotonic() + 3600  # rate-limited longer than the retries last
    assert await post(client, page_body([text_event("R1", "r1", "cứu em")])) == 200
    await drain(client)
    assert texts_to_delivered(graph, "R1") == []
    app = client.server.app
    pending = await app[REDIS].xpending(keys.INBOUND_STREAM, keys.WORKERS_GROUP)
    assert pending["pending"] == 1  # kept, not acknowledged
    graph.limited_until = 0.0
    worker = Worker(app[REDIS], build_pipeline(app), "later", block_ms=50, claim_idle_ms=0)
    await worker.run_until_empty()
    await worker.run_until_empty()  # and once more: nothing is sent twice
    delivered = texts_to_delivered(graph, "R1")
    assert len(delivered) == 2  # the emergency numbers, then the queue notice, once each
    assert "113" in delivered[0]


def texts_to_delivered(graph: FakeGraph, user: str) -> list[str]:
    return [b["message"]["text"] for _, b in graph.delivered if b["recipient"]["id"] == user]
