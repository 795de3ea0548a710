"""Issue 12, attack 1: a web-chat flood must not bury a real child. Each test performs the
attack against the real app (real Redis) with the default limits."""

import asyncio
import json
import time

import redis.asyncio as redis
from aiohttp.test_utils import TestClient

from bot.app import REDIS
from bot.channels.base import EventKind, IncomingEvent
from bot.settings import Settings
from bot.store import keys
from bot.store.intake import Intake
from bot.worker import Worker, ensure_group
from tests.conftest import AppFactory, drain
from tests.test_webchat import open_chat

DEFAULTS = Settings()
LIMITS = {
    "webchat_chats_per_hour": DEFAULTS.webchat_chats_per_hour,
    "webchat_messages_per_minute": DEFAULTS.webchat_messages_per_minute,
    "webchat_chat_messages_per_minute": DEFAULTS.webchat_chat_messages_per_minute,
    "webchat_max_waiting": DEFAULTS.webchat_max_waiting,
}


async def post(client: TestClient, chat: str, text: str = "111", **headers: str) -> int:  # type: ignore[type-arg]
    body = json.dumps({"chat_id": chat, "text": text})
    resp = await client.post(
        "/chat/api/messages", data=body, headers={"Content-Type": "application/json", **headers}
    )
    return resp.status


def test_web_chat_is_off_unless_asked_for() -> None:
    assert Settings().webchat_enabled is False
    assert Settings.from_env({}).webchat_enabled is False
    assert Settings.from_env({"WEBCHAT_ENABLED": "true"}).webchat_enabled is True


async def test_a_flood_from_one_client_is_refused(make_client: AppFactory) -> None:
    client = await make_client(**LIMITS)
    stream_before = await client.server.app[REDIS].xlen(keys.WEBCHAT_STREAM)
    chat = await open_chat(client)
    statuses = [await post(client, chat) for _ in range(2000)]
    accepted = statuses.count(202)
    assert accepted == DEFAULTS.webchat_chat_messages_per_minute
    assert statuses.count(429) == 2000 - accepted
    stream_after = await client.server.app[REDIS].xlen(keys.WEBCHAT_STREAM)
    assert stream_after - stream_before == accepted  # was 2000


async def test_many_chats_from_one_address_are_refused(make_client: AppFactory) -> None:
    client = await make_client(**LIMITS)
    opened = [(await client.post("/chat/api/chats")).status for _ in range(50)]
    assert opened.count(201) == DEFAULTS.webchat_chats_per_hour
    assert opened.count(429) == 50 - DEFAULTS.webchat_chats_per_hour


async def test_one_address_with_many_chats_is_limited_too(make_client: AppFactory) -> None:
    client = await make_client(**{**LIMITS, "webchat_chats_per_hour": 100})
    chats = [await open_chat(client) for _ in range(20)]
    statuses = [await post(client, chat) for chat in chats for _ in range(5)]
    assert statuses.count(202) == DEFAULTS.webchat_messages_per_minute
    assert statuses.count(429) == 100 - DEFAULTS.webchat_messages_per_minute


async def test_parallel_posts_cannot_slip_past_the_limit(make_client: AppFactory) -> None:
    client = await make_client(**LIMITS)
    chat = await open_chat(client)
    statuses = await asyncio.gather(*(post(client, chat) for _ in range(100)))
    assert statuses.count(202) == DEFAULTS.webchat_chat_messages_per_minute


async def test_an_invented_chat_id_is_refused(make_client: AppFactory) -> None:
    client = await make_client(**LIMITS)
    assert await post(client, "0123456789abcdef0123456789abcdef") == 403  # was 202
    assert await client.server.app[REDIS].xlen(keys.WEBCHAT_STREAM) == 0


async def test_another_website_cannot_post(make_client: AppFactory) -> None:
    client = await make_client(**LIMITS)
    chat = await open_chat(client)
    assert await post(client, chat, Origin="https://evil.example") == 403
    assert await post(client, chat, **{"Sec-Fetch-Site": "cross-site"}) == 403
    plain = await client.post(  # a "simple" cross-origin request needs no CORS preflight
        "/chat/api/messages", data=json.dumps({"chat_id": chat, "text": "111"}),
        headers={"Content-Type": "text/plain"},
    )  # fmt: skip
    assert plain.status == 415
    foreign_open = await client.post("/chat/api/chats", headers={"Origin": "https://evil.example"})
    assert foreign_open.status == 403
    own = f"http://{client.server.host}:{client.server.port}"
    assert await post(client, chat, Origin=own) == 202
    assert await client.server.app[REDIS].xlen(keys.WEBCHAT_STREAM) == 1


async def test_web_chats_waiting_for_a_counselor_are_capped(make_client: AppFactory) -> None:
    cap = DEFAULTS.webchat_max_waiting
    client = await make_client(**{**LIMITS, "webchat_chats_per_hour": 1000,
                                  "webchat_messages_per_minute": 1000})  # fmt: skip
    chats = [await open_chat(client) for _ in range(cap + 5)]
    for chat in chats[:cap]:
        assert await post(client, chat, "cứu") == 202  # the safe word: the counselor queue
    await drain(client)
    assert await client.server.app[REDIS].zcard(keys.HANDOFF_QUEUE) == cap
    assert await post(client, chats[cap], "cứu") == 503  # the queue has its share of web chats
    assert (await client.post("/chat/api/chats")).status == 503
    assert await post(client, chats[0], "em vẫn đợi") == 202  # those already waiting go on
    await drain(client)
    assert await client.server.app[REDIS].zcard(keys.HANDOFF_QUEUE) == cap


class Recorder:
    """Stands in for the pipeline: which events a worker took, in order."""

    def __init__(self) -> None:
        self.channels: list[str] = []

    async def handle(self, event: IncomingEvent, seq: int) -> None:
        self.channels.append(event.channel)


async def test_a_web_chat_backlog_never_delays_a_messenger_child(
    redis_client: redis.Redis,
) -> None:
    intake = Intake(redis_client)
    now = int(time.time() * 1000)
    for index in range(2000):  # the flood got in (from many addresses, say)
        await intake.enqueue(
            IncomingEvent("webchat", f"{index:032x}", f"w{index}", EventKind.TEXT, now, "111")
        )
    await intake.enqueue(IncomingEvent("messenger", "PSID", "m1", EventKind.TEXT, now, "cứu"))
    recorder = Recorder()
    worker = Worker(redis_client, recorder, "w", block_ms=10)  # type: ignore[arg-type]
    await ensure_group(redis_client)
    await worker.read_once()
    assert "messenger" in recorder.channels  # in the first read; was place 1,995 (26 s)
    assert len(recorder.channels) <= 20
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0  # handled and deleted
