"""Zalo OA: signed webhooks in, customer-service messages out, tokens shared through Redis."""

import asyncio
import hashlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.channels.base import (
    BadPayload,
    Button,
    Delivery,
    EventKind,
    IncomingEvent,
    OutgoingMessage,
    SendResult,
    SendStatus,
)
from bot.channels.retry import Backoff
from bot.channels.zalo import ZaloAdapter
from bot.channels.zalo_tokens import ZaloTokenError, ZaloTokens
from bot.settings import Secret, Settings
from bot.store import keys
from tests.fakes.zalo import FakeZalo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
VECTOR = json.loads((FIXTURES / "zalo_signature_test_vector.json").read_text())
APP_ID = VECTOR["app_id"]
OA_SECRET = VECTOR["oa_secret_key"]
APP_SECRET = "APP_SECRET_not_real"
NOW = 1_750_000_000.0  # the clock every test runs at (epoch seconds)
NOW_MS = int(NOW * 1000)
HOUR_MS = 3600 * 1000
USER = "8958041078911298472"
RECENT = Delivery(last_user_message_ms=NOW_MS - HOUR_MS)


def clock() -> float:
    return NOW


@pytest.fixture
def zalo_settings(base_settings: Settings) -> Settings:
    return replace(
        base_settings,
        zalo_app_id=APP_ID,
        zalo_oa_secret_key=Secret(OA_SECRET),
        zalo_app_secret=Secret(APP_SECRET),
        zalo_access_token=Secret("AT-0"),
        zalo_refresh_token=Secret("RT-0"),
        send_retries=2,
        send_timeout=2.0,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    zalo = FakeZalo(app_id=APP_ID, app_secret=APP_SECRET)
    await zalo.start()
    try:
        yield zalo
    finally:
        await zalo.stop()


@pytest.fixture
def live(zalo_settings: Settings, fake: FakeZalo) -> Settings:
    return replace(zalo_settings, zalo_api_base=fake.url, zalo_oauth_base=fake.url)


def tokens_for(
    settings: Settings,
    client: redis.Redis,
    http: aiohttp.ClientSession,
    at: Callable[[], float] = clock,
) -> ZaloTokens:
    return ZaloTokens(settings, client, http, clock=at, poll_interval=0.01)


def adapter_for(
    settings: Settings, http: aiohttp.ClientSession, tokens: ZaloTokens | None
) -> ZaloAdapter:
    return ZaloAdapter(settings, http, tokens, backoff=Backoff(base=0.001, cap=0.002), clock=clock)


@pytest.fixture
def adapter(live: Settings, http: aiohttp.ClientSession, redis_client: redis.Redis) -> ZaloAdapter:
    return adapter_for(live, http, tokens_for(live, redis_client, http))


def sign(body: bytes, app_id: str = APP_ID, secret: str = OA_SECRET) -> str:
    timestamp = json.loads(body)["timestamp"]
    return hashlib.sha256(
        app_id.encode() + body + timestamp.encode() + secret.encode()
    ).hexdigest()


def event_body(name: str, **fields: Any) -> bytes:
    body: dict[str, Any] = {
        "app_id": APP_ID,
        "sender": {"id": USER},
        "recipient": {"id": "4024926008133882615"},
        "event_name": name,
        "timestamp": "1725608725618",
    }
    body.update(fields)
    return json.dumps(body).encode()


# -- enabled, probe, signature ---------------------------------------------------------------


def test_enabled_only_with_app_id_oa_secret_and_access_token(
    base_settings: Settings, zalo_settings: Settings, http: aiohttp.ClientSession
) -> None:
    assert not ZaloAdapter(base_settings, http, None).enabled
    assert ZaloAdapter(zalo_settings, http, None).enabled
    no_token = replace(zalo_settings, zalo_access_token=Secret(""))
    assert not ZaloAdapter(no_token, http, None).enabled


def test_missing_refresh_secrets_are_logged_once(
    zalo_settings: Settings, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    ZaloAdapter(zalo_settings, http, None)
    assert "zalo_refresh_impossible" not in caplog.messages
    ZaloAdapter(replace(zalo_settings, zalo_app_secret=Secret("")), http, None)
    assert caplog.messages.count("zalo_refresh_impossible") == 1


@pytest.mark.parametrize("body", [b"", b"  ", b"{}", b" {} \n"])
def test_registration_probe(adapter: ZaloAdapter, body: bytes) -> None:
    assert adapter.is_probe(body)


@pytest.mark.parametrize("body", [b"[]", b"not json", event_body("follow")])
def test_not_a_probe(adapter: ZaloAdapter, body: bytes) -> None:
    assert not adapter.is_probe(body)


@pytest.mark.parametrize("header", ["mac=", "", "mac= "])
def test_signature_vector_with_and_without_mac_prefix(adapter: ZaloAdapter, header: str) -> None:
    body = VECTOR["raw_body"].encode()
    mac = VECTOR["expected_header"]["X-ZEvent-Signature"].removeprefix("mac=")
    assert sign(body) == mac  # the documented formula reproduces the vector
    assert adapter.verify({"X-ZEvent-Signature": header + mac}, body)
    assert adapter.verify({"x-zevent-signature": header + mac.upper()}, body)


def test_tampered_body_is_rejected(adapter: ZaloAdapter) -> None:
    body = VECTOR["raw_body"].encode()
    header = VECTOR["expected_header"]
    assert adapter.verify(header, body)
    assert not adapter.verify(header, body.replace(b'"text":"message"', b'"text":"messagf"'))
    assert not adapter.verify(header, body.replace(b"154390853474", b"154390853475"))


def test_other_app_id_is_rejected(live: Settings, http: aiohttp.ClientSession) -> None:
    body = VECTOR["raw_body"].encode()
    header = VECTOR["expected_header"]
    other_app = ZaloAdapter(replace(live, zalo_app_id="111111111111111111"), http, None)
    assert not other_app.verify(header, body)
    ours = ZaloAdapter(live, http, None)
    foreign = body.replace(APP_ID.encode(), b"111111111111111111")
    assert not ours.verify({"X-ZEvent-Signature": sign(foreign)}, foreign)  # signed, not ours


def test_missing_header_wrong_secret_and_non_json_are_rejected(
    adapter: ZaloAdapter, live: Settings, http: aiohttp.ClientSession
) -> None:
    body = VECTOR["raw_body"].encode()
    assert not adapter.verify({}, body)
    assert not adapter.verify({"X-ZEvent-Signature": ""}, body)
    assert not adapter.verify({"X-ZEvent-Signature": sign(body, secret="guess")}, body)
    assert not adapter.verify({"X-ZEvent-Signature": "mac=é" + sign(body)[2:]}, body)
    junk = b"not json" + body
    assert not adapter.verify({"X-ZEvent-Signature": sign(body)}, junk)
    unset = ZaloAdapter(replace(live, zalo_oa_secret_key=Secret("")), http, None)
    assert not unset.verify({"X-ZEvent-Signature": sign(body, secret="")}, body)


# -- parsing ---------------------------------------------------------------------------------


def test_documented_text_event(adapter: ZaloAdapter) -> None:
    body = (FIXTURES / "zalo_user_send_text.json").read_bytes()
    assert adapter.parse(body) == [
        IncomingEvent(
            "zalo",
            "246845883529197922",
            "96d3cdf3af150460909",
            EventKind.TEXT,
            154390853474,
            text="message",
        )
    ]


def test_captured_follow_event(adapter: ZaloAdapter) -> None:
    body = (FIXTURES / "zalo_follow.json").read_bytes()
    assert adapter.parse(body) == [
        IncomingEvent("zalo", USER, f"follow:{USER}:1725608725618", EventKind.START, 1725608725618)
    ]


def fixture_bodies() -> list[tuple[str, bytes]]:
    bodies = []
    for path in sorted(FIXTURES.glob("zalo_*.json")):
        if path.name == "zalo_signature_test_vector.json":
            bodies.append((path.name, VECTOR["raw_body"].encode()))
        else:
            bodies.append((path.name, path.read_bytes()))
    return bodies


@pytest.mark.parametrize(("name", "body"), fixture_bodies())
def test_every_fixture_parses(adapter: ZaloAdapter, name: str, body: bytes) -> None:
    (event,) = adapter.parse(body)
    assert event.channel == "zalo"
    assert event.kind in (EventKind.TEXT, EventKind.START)
    assert event.user_id.isdigit()
    assert event.timestamp_ms == int(json.loads(body)["timestamp"])
    assert IncomingEvent.from_json(event.to_json()) == event


MEDIA = ["image", "sticker", "gif", "audio", "video", "file", "location"]


@pytest.mark.parametrize("media", MEDIA)
def test_media_events(adapter: ZaloAdapter, media: str) -> None:
    message = {"msg_id": "m1", "attachments": [{"type": media, "payload": {"url": "x"}}]}
    (event,) = adapter.parse(event_body(f"user_send_{media}", message=message))
    assert (event.kind, event.media_type, event.user_id) == (EventKind.MEDIA, media, USER)
    assert (event.event_id, event.text) == ("m1", "")


def test_link_is_text_with_the_url(adapter: ZaloAdapter) -> None:
    url = "https://example.com/video?id=1"
    message = {
        "msg_id": "m2",
        "text": "xem cái này",
        "attachments": [{"type": "link", "payload": {"url": url, "description": "d"}}],
    }
    (event,) = adapter.parse(event_body("user_send_link", message=message))
    assert (event.kind, event.media_type, event.text) == (EventKind.TEXT, "link", url)
    (bare,) = adapter.parse(event_body("user_send_link", message={"msg_id": "m3", "text": url}))
    assert (bare.text, bare.media_type) == (url, "link")


def test_button_click_carries_its_payload(adapter: ZaloAdapter) -> None:
    message = {"msg_id": "m4", "text": "#report_yes"}
    (event,) = adapter.parse(event_body("user_click_button", message=message))
    assert (event.kind, event.payload, event.text, event.user_id) == (
        EventKind.BUTTON,
        "#report_yes",
        "",
        USER,
    )


def test_unfollow_stops(adapter: ZaloAdapter) -> None:
    body = event_body("unfollow", follower={"id": USER}, oa_id="4024926008133882615")
    body = json.dumps({k: v for k, v in json.loads(body).items() if k != "sender"}).encode()
    (event,) = adapter.parse(body)
    assert (event.kind, event.user_id, event.event_id) == (
        EventKind.STOP,
        USER,
        f"unfollow:{USER}:1725608725618",
    )


def test_a_person_replying_in_zalo_pauses_the_bot(adapter: ZaloAdapter) -> None:
    body = event_body(
        "oa_send_text",
        sender={"id": "4024926008133882615", "admin_id": "5550001112223334445"},
        recipient={"id": USER},
        message={"msg_id": "m5", "text": "Chào em, chị là tư vấn viên."},
    )
    (event,) = adapter.parse(body)
    assert (event.kind, event.user_id, event.event_id) == (EventKind.HUMAN_REPLY, USER, "m5")


@pytest.mark.parametrize(
    "body",
    [
        event_body("oa_send_text", sender={"id": "4024926008133882615"}, recipient={"id": USER}),
        event_body("anonymous_send_text", message={"msg_id": "m6", "text": "hi"}),
        event_body("user_received_message", message={"msg_id": "m7"}),
        event_body("user_seen_message", message={"msg_ids": ["m7"]}),
        event_body("user_reacted_message"),
        event_body("user_send_text", sender={}, message={"msg_id": "m8", "text": "hi"}),
    ],
)
def test_ignored_events(adapter: ZaloAdapter, body: bytes) -> None:
    assert adapter.parse(body) == []


def test_ids_stay_exact_strings(adapter: ZaloAdapter) -> None:
    body = b'{"event_name":"user_send_text","sender":{"id":8958041078911298472},'
    body += b'"message":{"msg_id":"m9","text":"a"},"timestamp":"1725608725618"}'
    (event,) = adapter.parse(body)
    assert event.user_id == USER


@pytest.mark.parametrize(
    "body", [b"not json", b"\xff\xfe", b"[]", b'"x"', b"{}", b'{"event_name": 5}']
)
def test_bad_payloads(adapter: ZaloAdapter, body: bytes) -> None:
    with pytest.raises(BadPayload):
        adapter.parse(body)


# -- sending ---------------------------------------------------------------------------------


async def test_send_posts_the_cs_message(adapter: ZaloAdapter, fake: FakeZalo) -> None:
    result = await adapter.send(USER, OutgoingMessage("Chào em!"), RECENT)
    assert result == SendResult(SendStatus.SENT)
    (request,) = fake.requests
    assert request.path == "/v3.0/oa/message/cs"
    assert request.headers["access_token"] == "AT-0"
    assert request.body == {"recipient": {"user_id": USER}, "message": {"text": "Chào em!"}}


async def test_buttons_become_numbered_options(adapter: ZaloAdapter, fake: FakeZalo) -> None:
    buttons = (Button("Đúng vậy", "yes"), Button("Không phải", "no"))
    result = await adapter.send(USER, OutgoingMessage("Em có an toàn không?", buttons), RECENT)
    assert result.ok
    expected = "Em có an toàn không?\n\n1. Đúng vậy\n2. Không phải"
    assert fake.messages == [{"recipient": {"user_id": USER}, "message": {"text": expected}}]


async def test_long_text_is_split_and_options_go_last(
    adapter: ZaloAdapter, fake: FakeZalo
) -> None:
    first, second = "a" * 1500, "b" * 1500
    message = OutgoingMessage(f"{first}\n\n{second}", (Button("Gọi 111", "call"),))
    assert (await adapter.send(USER, message, RECENT)).ok
    assert [m["message"]["text"] for m in fake.messages] == [first, f"{second}\n\n1. Gọi 111"]


async def test_free_and_charged_windows(
    adapter: ZaloAdapter, fake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.zalo")
    assert (await adapter.send(USER, OutgoingMessage("a"), RECENT)).ok
    assert "charged_window" not in caplog.messages
    three_days = Delivery(last_user_message_ms=NOW_MS - 72 * HOUR_MS)
    assert (await adapter.send(USER, OutgoingMessage("b"), three_days)).ok
    assert caplog.messages.count("charged_window") == 1
    assert [m["message"]["text"] for m in fake.messages] == ["a", "b"]


@pytest.mark.parametrize("last", [None, NOW_MS - 7 * 24 * HOUR_MS, NOW_MS - 30 * 24 * HOUR_MS])
async def test_outside_window_is_refused_without_a_call(
    adapter: ZaloAdapter, fake: FakeZalo, last: int | None
) -> None:
    result = await adapter.send(USER, OutgoingMessage("a"), Delivery(last, human=True))
    assert result == SendResult(SendStatus.REFUSED, "outside_window")
    assert fake.requests == []


async def test_zalo_closing_the_window_is_a_refusal(adapter: ZaloAdapter, fake: FakeZalo) -> None:
    fake.close_window()
    result = await adapter.send(USER, OutgoingMessage("a"), RECENT)
    assert result == SendResult(SendStatus.REFUSED, "outside_window")
    assert len(fake.sends) == 1  # not retried


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (-231, "outside_window"),
        (-232, "outside_window"),
        (-211, "out_of_quota"),
        (-213, "not_following"),
        (-227, "user_inactive"),
        (-244, "user_restricted"),
        (-201, "code:-201"),
    ],
)
async def test_error_codes_are_refusals(
    adapter: ZaloAdapter, fake: FakeZalo, code: int, reason: str
) -> None:
    fake.answer_error(code)
    assert await adapter.send(USER, OutgoingMessage("a"), RECENT) == SendResult(
        SendStatus.REFUSED, reason
    )
    assert len(fake.sends) == 1


async def test_expired_token_is_refreshed_once_and_stored(
    adapter: ZaloAdapter, fake: FakeZalo, redis_client: redis.Redis
) -> None:
    assert (await adapter.send(USER, OutgoingMessage("a"), RECENT)).ok
    fake.expire_access_token()
    assert (await adapter.send(USER, OutgoingMessage("b"), RECENT)).ok
    assert [r.headers["access_token"] for r in fake.sends] == ["AT-0", "AT-0", "AT-1"]
    (refresh,) = fake.refreshes
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.body == {
        "refresh_token": "RT-0",
        "app_id": APP_ID,
        "grant_type": "refresh_token",
    }
    assert await redis_client.hgetall(keys.zalo_tokens()) == {
        "access_token": "AT-1",
        "refresh_token": "RT-1",
        "expires_at": str(round(NOW + 90000)),
    }
    assert await redis_client.ttl(keys.zalo_tokens()) > 0
    assert await redis_client.exists(keys.zalo_refresh_lock()) == 0
    assert (await adapter.send(USER, OutgoingMessage("c"), RECENT)).ok
    assert fake.sends[-1].headers["access_token"] == "AT-1"
    assert fake.refresh_calls == 1


async def test_two_workers_with_an_expired_token_refresh_once(
    live: Settings, fake: FakeZalo, redis_url: str, http: aiohttp.ClientSession
) -> None:
    first = redis.Redis.from_url(redis_url, decode_responses=True)
    second = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        one = adapter_for(live, http, tokens_for(live, first, http))
        two = adapter_for(live, http, tokens_for(live, second, http))
        fake.expire_access_token()
        fake.refresh_delay = 0.2
        results = await asyncio.gather(
            one.send(USER, OutgoingMessage("a"), RECENT),
            two.send(USER, OutgoingMessage("b"), RECENT),
        )
        assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
        assert fake.refresh_calls == 1
        accepted = [r.headers["access_token"] for r in fake.sends[-2:]]
        assert accepted == ["AT-1", "AT-1"]
        assert await first.hget(keys.zalo_tokens(), "refresh_token") == "RT-1"
    finally:
        await first.flushdb()
        await first.aclose()
        await second.aclose()


async def test_a_cancelled_sender_still_stores_the_new_tokens(
    adapter: ZaloAdapter, fake: FakeZalo, redis_client: redis.Redis
) -> None:
    fake.expire_access_token()
    fake.refresh_delay = 0.2
    sending = asyncio.create_task(adapter.send(USER, OutgoingMessage("a"), RECENT))
    for _ in range(100):  # until the single-use refresh token is on its way
        if fake.refresh_calls:
            break
        await asyncio.sleep(0.01)
    assert fake.refresh_calls == 1
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    for _ in range(100):
        if not await redis_client.exists(keys.zalo_refresh_lock()):
            break
        await asyncio.sleep(0.01)
    assert await redis_client.hget(keys.zalo_tokens(), "refresh_token") == "RT-1"
    assert await redis_client.exists(keys.zalo_refresh_lock()) == 0


async def test_unreachable_token_store_fails(
    live: Settings, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = redis.Redis(host="127.0.0.1", port=port, retry=Retry(NoBackoff(), 0))
    try:
        adapter = adapter_for(live, http, tokens_for(live, down, http))
        result = await adapter.send(USER, OutgoingMessage("a"), RECENT)
    finally:
        await down.aclose()
    assert result == SendResult(SendStatus.FAILED, "token_store:ConnectionError")
    assert fake.requests == []


async def test_token_still_rejected_without_refresh_is_refused(
    live: Settings, fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    fake.expire_access_token()
    adapter = adapter_for(live, http, None)  # no token store: the configured token only
    result = await adapter.send(USER, OutgoingMessage("a"), RECENT)
    assert result == SendResult(SendStatus.REFUSED, "bad_token")
    assert (len(fake.sends), fake.refresh_calls) == (1, 0)


async def test_failed_refresh_is_a_token_refusal(
    adapter: ZaloAdapter, fake: FakeZalo, redis_client: redis.Redis
) -> None:
    fake.refresh_token = "RT-elsewhere"
    fake.expire_access_token()
    result = await adapter.send(USER, OutgoingMessage("a"), RECENT)
    assert result == SendResult(SendStatus.REFUSED, "token:error:-14014")
    assert await redis_client.hget(keys.zalo_tokens(), "refresh_token") == "RT-0"
    assert await redis_client.exists(keys.zalo_refresh_lock()) == 0


async def test_rate_limit_then_success(adapter: ZaloAdapter, fake: FakeZalo) -> None:
    fake.rate_limit(2)
    assert await adapter.send(USER, OutgoingMessage("a"), RECENT) == SendResult(SendStatus.SENT)
    assert [m["message"]["text"] for m in fake.messages] == ["a", "a", "a"]


async def test_transient_500_then_success(adapter: ZaloAdapter, fake: FakeZalo) -> None:
    fake.fail_http(1)
    assert (await adapter.send(USER, OutgoingMessage("a"), RECENT)).ok
    assert len(fake.sends) == 2


async def test_persistent_500_fails_after_the_retries(
    adapter: ZaloAdapter, fake: FakeZalo, live: Settings
) -> None:
    fake.fail_http(10)
    result = await adapter.send(USER, OutgoingMessage("a"), RECENT)
    assert result == SendResult(SendStatus.FAILED, "http:500")
    assert len(fake.sends) == live.send_retries + 1


async def test_unreachable_api_fails(
    live: Settings, http: aiohttp.ClientSession, redis_client: redis.Redis
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = replace(live, zalo_api_base=f"http://127.0.0.1:{port}")
    adapter = adapter_for(down, http, tokens_for(down, redis_client, http))
    result = await adapter.send(USER, OutgoingMessage("a"), RECENT)
    assert result == SendResult(SendStatus.FAILED, "transport:ClientConnectorError")


# -- tokens ----------------------------------------------------------------------------------


async def test_tokens_are_seeded_once_with_a_25_hour_expiry(
    live: Settings, http: aiohttp.ClientSession, redis_client: redis.Redis
) -> None:
    tokens = tokens_for(live, redis_client, http)
    assert await tokens.access_token() == "AT-0"
    assert await redis_client.hgetall(keys.zalo_tokens()) == {
        "access_token": "AT-0",
        "refresh_token": "RT-0",
        "expires_at": str(round(NOW + 25 * 3600)),
    }
    stale_env = replace(live, zalo_access_token=Secret("AT-old"))
    assert await tokens_for(stale_env, redis_client, http).access_token() == "AT-0"


async def test_token_is_refreshed_when_less_than_an_hour_is_left(
    live: Settings, fake: FakeZalo, http: aiohttp.ClientSession, redis_client: redis.Redis
) -> None:
    assert await tokens_for(live, redis_client, http).access_token() == "AT-0"
    later = tokens_for(live, redis_client, http, at=lambda: NOW + 24.5 * 3600)
    assert await later.access_token() == "AT-1"
    assert fake.refresh_calls == 1
    assert await later.access_token() == "AT-1"
    assert fake.refresh_calls == 1


async def test_refresh_of_an_already_replaced_token_makes_no_call(
    live: Settings, fake: FakeZalo, http: aiohttp.ClientSession, redis_client: redis.Redis
) -> None:
    tokens = tokens_for(live, redis_client, http)
    assert await tokens.refresh("AT-0") == "AT-1"
    assert await tokens.refresh("AT-0") == "AT-1"
    assert fake.refresh_calls == 1


async def test_waiter_takes_the_token_another_process_stored_and_keeps_its_lock(
    live: Settings, fake: FakeZalo, http: aiohttp.ClientSession, redis_client: redis.Redis
) -> None:
    tokens = tokens_for(live, redis_client, http)
    await tokens.load()
    await redis_client.set(keys.zalo_refresh_lock(), "another-worker", px=10_000)
    waiting = asyncio.create_task(tokens.refresh("AT-0"))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await redis_client.hset(keys.zalo_tokens(), mapping={"access_token": "AT-9"})
    assert await asyncio.wait_for(waiting, timeout=2) == "AT-9"
    assert fake.refresh_calls == 0
    assert await redis_client.get(keys.zalo_refresh_lock()) == "another-worker"


async def test_refresh_errors_are_clear_and_secret_free(
    live: Settings, fake: FakeZalo, http: aiohttp.ClientSession, redis_client: redis.Redis
) -> None:
    wrong = replace(live, zalo_app_secret=Secret("wrong-secret"))
    with pytest.raises(ZaloTokenError) as caught:
        await tokens_for(wrong, redis_client, http).refresh("AT-0")
    assert caught.value.code == "error:-14002"
    assert "wrong-secret" not in str(caught.value)
    assert "RT-0" not in str(caught.value)
    unconfigured = replace(live, zalo_refresh_token=Secret(""))
    with pytest.raises(ZaloTokenError, match="refresh_not_configured"):
        await tokens_for(unconfigured, redis_client, http).refresh("AT-0")
