"""Messenger: what Meta sends is checked and read right; what the user gets is exactly right."""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

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
from bot.channels.messenger import MessengerAdapter, classify
from bot.channels.retry import Backoff, TokenBucket
from bot.settings import Secret, Settings
from tests.conftest import free_port
from tests.fakes.graph import FakeGraph

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
VECTOR = json.loads((FIXTURES / "messenger_signature_test_vector.json").read_text())
PAGE_TOKEN = "page-token-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
NOW = 1_700_000_000.0
NOW_MS = int(NOW * 1000)
HOUR_MS = 3600 * 1000
USER = "PSID_24681357"
TINY = Backoff(base=0.001, cap=0.002)


def configured(base: Settings, api_base: str = "http://127.0.0.1:9", **changes: Any) -> Settings:
    return replace(
        base,
        messenger_app_secret=Secret(VECTOR["app_secret"]),
        messenger_verify_token=Secret(VERIFY_TOKEN),
        messenger_page_access_token=Secret(PAGE_TOKEN),
        messenger_api_base=api_base,
        send_retries=2,
        **changes,
    )


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(token=PAGE_TOKEN)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def adapter(base_settings: Settings, http: aiohttp.ClientSession) -> MessengerAdapter:
    return MessengerAdapter(configured(base_settings), http, TINY, clock=lambda: NOW)


@pytest.fixture
def sender(
    base_settings: Settings, http: aiohttp.ClientSession, graph: FakeGraph
) -> MessengerAdapter:
    return MessengerAdapter(configured(base_settings, graph.url), http, TINY, clock=lambda: NOW)


def fixture_body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def event(user: str, event_id: str, kind: EventKind, ts: int, **fields: str) -> IncomingEvent:
    return IncomingEvent("messenger", user, event_id, kind, ts, **fields)


def page(*entries: list[dict[str, Any]]) -> bytes:
    body = {
        "object": "page",
        "entry": [{"id": "PAGE", "time": 1, "messaging": items} for items in entries],
    }
    return json.dumps(body).encode()


# -- enabled, handshake, signature -------------------------------------------------------


@pytest.mark.parametrize(
    "unset",
    ["messenger_app_secret", "messenger_verify_token", "messenger_page_access_token"],
)
def test_disabled_when_any_secret_is_unset(
    base_settings: Settings, http: aiohttp.ClientSession, unset: str
) -> None:
    settings = replace(configured(base_settings), **{unset: Secret("")})
    assert MessengerAdapter(configured(base_settings), http).enabled
    assert not MessengerAdapter(settings, http).enabled
    assert not MessengerAdapter(base_settings, http).enabled


def test_subscription_handshake(adapter: MessengerAdapter) -> None:
    good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "12345"}
    assert adapter.verify_subscription(good) == "12345"
    assert adapter.verify_subscription(good | {"hub.verify_token": "wrong"}) is None
    assert adapter.verify_subscription(good | {"hub.verify_token": "ünïcode"}) is None
    assert adapter.verify_subscription(good | {"hub.mode": "unsubscribe"}) is None
    assert adapter.verify_subscription({k: v for k, v in good.items() if k != "hub.mode"}) is None
    assert adapter.verify_subscription(good | {"hub.challenge": ""}) is None


def test_handshake_refused_without_a_configured_token(
    base_settings: Settings, http: aiohttp.ClientSession
) -> None:
    adapter = MessengerAdapter(base_settings, http)
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert adapter.verify_subscription(query) is None


def test_signature_test_vector(adapter: MessengerAdapter) -> None:
    body = VECTOR["raw_body"].encode()
    assert len(body) == VECTOR["raw_body_length_bytes"] == 282
    assert adapter.verify({"X-Hub-Signature-256": VECTOR["x_hub_signature_256"]}, body)
    assert adapter.verify(
        CIMultiDict({"x-hub-signature-256": VECTOR["x_hub_signature_256"]}), body
    )
    assert adapter.verify({"x-hub-signature-256": VECTOR["x_hub_signature_256"]}, body)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature": VECTOR["x_hub_signature"]},
        {"X-Hub-Signature-256": VECTOR["x_hub_signature_256"].removeprefix("sha256=")},
        {"X-Hub-Signature-256": "sha256="},
        {"X-Hub-Signature-256": "sha256=zz" + "0" * 62},
        {"X-Hub-Signature-256": "sha256=é" + VECTOR["x_hub_signature_256"][8:]},
        {"X-Hub-Signature-256": VECTOR["x_hub_signature"].replace("sha1", "sha256")},
    ],
    ids=["missing", "sha1-only", "no-prefix", "empty", "not-hex", "non-ascii", "sha1-value"],
)
def test_signature_rejects_missing_or_malformed_headers(
    adapter: MessengerAdapter, headers: dict[str, str]
) -> None:
    assert not adapter.verify(headers, VECTOR["raw_body"].encode())


def test_signature_rejects_a_tampered_or_reserialised_body(adapter: MessengerAdapter) -> None:
    headers = {"X-Hub-Signature-256": VECTOR["x_hub_signature_256"]}
    body = VECTOR["raw_body"].encode()
    assert not adapter.verify(headers, body.replace(b"Test", b"Tesu"))
    assert not adapter.verify(headers, body + b" ")
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert not adapter.verify(headers, reserialised)


def test_signature_refused_without_an_app_secret(
    base_settings: Settings, http: aiohttp.ClientSession
) -> None:
    adapter = MessengerAdapter(base_settings, http)
    headers = {"X-Hub-Signature-256": VECTOR["x_hub_signature_256"]}
    assert not adapter.verify(headers, VECTOR["raw_body"].encode())


# -- parsing ------------------------------------------------------------------------------

TEXT_MID = "mid.1457764197618:41d102a3e1ae206a38"
EXPECTED = {
    "messenger_text.json": [
        event("USER_ID", TEXT_MID, EventKind.TEXT, 1457764197627, text="hello, world!")
    ],
    "messenger_image_attachment.json": [
        event(
            "USER_ID",
            "mid.1458696618141:b4ef9d19ec21086067",
            EventKind.MEDIA,
            1458696618268,
            media_type="image",
        )
    ],
    "messenger_postback.json": [
        event(
            "0",
            "m_1457764197618:41d102a3e1ae206a38",
            EventKind.BUTTON,
            2222222,
            payload="USER_DEFINED_PAYLOAD",
        )
    ],
    "messenger_standby.json": [event("0", "AAAA-BBBB-CCCC", EventKind.TEXT, 2222222, text="text")],
    "messenger_delivery.json": [],
    "messenger_read.json": [],
    "messenger_echo.json": [],
    "messenger_pass_thread_control.json": [],
    "messenger_take_thread_control.json": [
        event("fakeId", "take:fakeId:1572630386105", EventKind.HUMAN_REPLY, 1572630386105)
    ],
}


def test_every_fixture_is_known() -> None:
    bodies = {p.name for p in FIXTURES.glob("messenger_*.json")}
    others = {
        "messenger_quick_reply_messaging_object.json",
        "messenger_signature_test_vector.json",
    }
    assert bodies == set(EXPECTED) | others


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_fixture(adapter: MessengerAdapter, name: str) -> None:
    assert adapter.parse(fixture_body(name)) == EXPECTED[name]


def test_parse_quick_reply_messaging_object(adapter: MessengerAdapter) -> None:
    item = json.loads(fixture_body("messenger_quick_reply_messaging_object.json"))
    assert adapter.parse(page([item])) == [
        event(
            "<PSID>",
            TEXT_MID,
            EventKind.BUTTON,
            1458692752478,
            payload="<DEVELOPER_DEFINED_PAYLOAD>",
            text="hello, world!",
        )
    ]


def test_parse_signature_vector_body_decodes_escapes(adapter: MessengerAdapter) -> None:
    [parsed] = adapter.parse(VECTOR["raw_body"].encode())
    assert parsed == event(
        "982337261802700",
        "mid.1460923697625:5c96e8279b55505308",
        EventKind.TEXT,
        1460923697635,
        text="Test äëï",
    )


def item(user: Any, ts: int, **content: Any) -> dict[str, Any]:
    return {"sender": {"id": user}, "recipient": {"id": "PAGE"}, "timestamp": ts, **content}


def test_parse_batch_of_entries_and_items(adapter: MessengerAdapter) -> None:
    sticker = {"type": "image", "payload": {"url": "https://x/s.png", "sticker_id": 3692392}}
    link = {"type": "fallback", "payload": {"url": "https://example.com/bad", "title": "t"}}
    first = [
        item("u1", 1, message={"mid": "m1", "text": "Chào"}),
        item("u1", 2, message={"mid": "m2", "is_echo": True, "text": "bot said"}),
        item("u2", 3, postback={"title": "Bắt đầu", "payload": "GET_STARTED"}),
        item("u2", 4, delivery={"mids": ["m9"], "watermark": 4}),
        item(123456, 5, message={"mid": "m3", "attachments": [{"type": "reel"}]}),
    ]
    second = [
        item("u3", 6, read={"watermark": 6}),
        item("u3", 7, message={"mid": "m4", "text": "xem", "attachments": [{"type": "image"}]}),
        item("u3", 8, message={"mid": "m5", "attachments": [{"type": "hologram"}]}),
        item("u3", 9, message={"mid": "m6", "attachments": [sticker]}),
        item("u3", 10, message={"mid": "m7", "attachments": [link]}),
        item("u4", 11, postback={"mid": "m8", "payload": "MENU_REPORT", "title": "Báo cáo"}),
        item("u4", 12, take_thread_control={"previous_owner_app_id": 1, "metadata": ""}),
    ]
    body = json.loads(page(first, second))
    body["entry"][1]["standby"] = [item("u9", 13, message={"mid": "s1", "text": "other app"})]
    assert adapter.parse(json.dumps(body).encode()) == [
        event("u1", "m1", EventKind.TEXT, 1, text="Chào"),
        event("u2", "pb:u2:3", EventKind.START, 3, payload="GET_STARTED"),
        event("123456", "m3", EventKind.MEDIA, 5, media_type="reel"),
        event("u3", "m4", EventKind.TEXT, 7, text="xem"),
        event("u3", "m5", EventKind.MEDIA, 8, media_type="unknown"),
        event("u3", "m6", EventKind.MEDIA, 9, media_type="sticker"),
        event("u3", "m7", EventKind.MEDIA, 10, media_type="link", text="https://example.com/bad"),
        event("u4", "m8", EventKind.BUTTON, 11, payload="MENU_REPORT"),
        event("u4", "take:u4:12", EventKind.HUMAN_REPLY, 12),  # a person took over
    ]


def test_parse_entry_with_only_standby(adapter: MessengerAdapter) -> None:
    body = {"object": "page", "entry": [{"id": "P", "time": 1, "standby": ["anything"]}]}
    assert adapter.parse(json.dumps(body).encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"page"',
        b'{"entry": []}',
        b'{"object": "instagram", "entry": []}',
        b'{"object": "page"}',
        b'{"object": "page", "entry": {}}',
        b'{"object": "page", "entry": ["x"]}',
        b'{"object": "page", "entry": [{"messaging": {}}]}',
        b'{"object": "page", "entry": [{"messaging": ["x"]}]}',
        b'{"object": "page", "entry": [{"messaging": [{"timestamp": 1, "message": "x"}]}]}',
        page([item(None, 1, message={"mid": "m", "text": "t"})]),
        page([item(True, 1, message={"mid": "m", "text": "t"})]),
        page([item("u", "1", message={"mid": "m", "text": "t"})]),
        page([{"timestamp": 1, "postback": {"payload": "X"}}]),
    ],
)
def test_bad_payloads(adapter: MessengerAdapter, body: bytes) -> None:
    with pytest.raises(BadPayload):
        adapter.parse(body)


# -- sending ------------------------------------------------------------------------------


def text_request(text: str, **window: str) -> dict[str, Any]:
    window = window or {"messaging_type": "RESPONSE"}
    return {"recipient": {"id": USER}, **window, "message": {"text": text}}


TYPING = {"recipient": {"id": USER}, "sender_action": "typing_on"}
WITHIN_DAY = Delivery(last_user_message_ms=NOW_MS - 23 * HOUR_MS)


async def test_send_within_24_hours(sender: MessengerAdapter, graph: FakeGraph) -> None:
    result = await sender.send(USER, OutgoingMessage("Chào em, anh chị ở đây."), WITHIN_DAY)
    assert result == SendResult(SendStatus.SENT)
    assert [(r.path, r.query, r.body) for r in graph.requests] == [
        ("/me/messages", {"access_token": PAGE_TOKEN}, TYPING),
        ("/me/messages", {"access_token": PAGE_TOKEN}, text_request("Chào em, anh chị ở đây.")),
    ]


async def test_counselor_reply_after_24_hours_uses_human_agent_tag(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    delivery = Delivery(last_user_message_ms=NOW_MS - 6 * 24 * HOUR_MS, human=True)
    result = await sender.send(USER, OutgoingMessage("Chị là tư vấn viên 111."), delivery)
    assert result.ok
    assert graph.messages == [
        text_request("Chị là tư vấn viên 111.", messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    ]


async def test_counselor_reply_within_24_hours_is_a_response(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    delivery = replace(WITHIN_DAY, human=True)
    assert (await sender.send(USER, OutgoingMessage("Chào em."), delivery)).ok
    assert graph.messages == [text_request("Chào em.")]


@pytest.mark.parametrize(
    "delivery",
    [
        Delivery(last_user_message_ms=NOW_MS - 7 * 24 * HOUR_MS - 1, human=True),
        Delivery(last_user_message_ms=NOW_MS - 24 * HOUR_MS, human=False),
        Delivery(last_user_message_ms=None, human=True),
        Delivery(last_user_message_ms=None),
    ],
    ids=["human-after-7-days", "bot-after-24-hours", "human-unknown", "bot-unknown"],
)
async def test_refused_outside_the_window_without_calling_the_api(
    sender: MessengerAdapter, graph: FakeGraph, delivery: Delivery
) -> None:
    result = await sender.send(USER, OutgoingMessage("Chào em."), delivery)
    assert result == SendResult(SendStatus.REFUSED, "outside_window")
    assert graph.requests == []


async def test_long_text_is_split_and_quick_replies_go_on_the_last_part(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    paragraphs = ["a" * 1500, "b " * 900, "c" * 1200]
    buttons = tuple(
        Button(f"Lựa chọn số {i} rất dài dòng", f"P{i}" + "x" * 1200) for i in range(15)
    )
    message = OutgoingMessage("\n\n".join(paragraphs), buttons)
    assert (await sender.send(USER, message, WITHIN_DAY)).ok
    assert graph.actions == [TYPING]
    sent = graph.messages
    assert [m["message"]["text"] for m in sent] == [p.strip() for p in paragraphs]
    assert all(len(m["message"]["text"]) <= 2000 for m in sent)
    assert ["quick_replies" in m["message"] for m in sent] == [False, False, True]
    replies = sent[-1]["message"]["quick_replies"]
    assert len(replies) == 13
    assert replies[0] == {
        "content_type": "text",
        "title": "Lựa chọn số 0 rất dà",
        "payload": "P0" + "x" * 998,
    }
    assert [r["title"] for r in replies] == [f"Lựa chọn số {i} rất dài"[:20] for i in range(13)]
    assert [r["payload"][:3] for r in replies] == [f"P{i}x"[:3] for i in range(13)]
    assert all(len(r["title"]) <= 20 and len(r["payload"]) <= 1000 for r in replies)


async def test_empty_text_is_not_sent(sender: MessengerAdapter, graph: FakeGraph) -> None:
    result = await sender.send(USER, OutgoingMessage("  ", (Button("A", "A"),)), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "empty")
    assert graph.requests == []


async def test_disabled_adapter_sends_nothing(
    base_settings: Settings, http: aiohttp.ClientSession, graph: FakeGraph
) -> None:
    settings = replace(configured(base_settings, graph.url), messenger_app_secret=Secret(""))
    adapter = MessengerAdapter(settings, http, TINY, clock=lambda: NOW)
    result = await adapter.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "disabled")
    assert graph.requests == []


async def test_typing_failure_does_not_fail_the_send(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.fail_next(1, status=500, target="action")
    assert (await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)).ok
    assert [r.kind for r in graph.requests] == ["action", "message"]


async def test_retry_on_rate_limit_then_success(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.fail_next(1, code=613)
    assert (await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)).ok
    assert graph.messages == [text_request("Chào em.")] * 2


@pytest.mark.parametrize("code", [4, 613, 2, 1200])
async def test_persistent_rate_limit_or_temporary_error_fails_after_retries(
    sender: MessengerAdapter, graph: FakeGraph, code: int
) -> None:
    graph.fail_next(5, code=code)
    result = await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.FAILED, f"code:{code}")
    assert len(graph.messages) == 3  # the first try and send_retries=2 retries


async def test_closed_window_is_refused_without_retry(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.close_window()
    result = await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "outside_window")
    assert len(graph.messages) == 1


async def test_window_subcode_2534022_is_refused_without_retry(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.fail_next(1, code=10, subcode=2534022)
    result = await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "outside_window")
    assert len(graph.messages) == 1


async def test_bad_token_is_refused_without_retry_and_logged(
    base_settings: Settings,
    http: aiohttp.ClientSession,
    graph: FakeGraph,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = replace(
        configured(base_settings, graph.url), messenger_page_access_token=Secret("expired")
    )
    adapter = MessengerAdapter(settings, http, TINY, clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="bot.channels.messenger"):
        result = await adapter.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "bad_token")
    assert [r.kind for r in graph.requests] == ["action", "message"]
    assert any(
        r.levelno == logging.ERROR and getattr(r, "code", None) == 190 for r in caplog.records
    )
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "expired" not in logged
    assert USER not in logged
    assert "Chào" not in logged


@pytest.mark.parametrize(
    ("code", "subcode", "reason"),
    [
        (100, 2018001, "no_user"),
        (551, None, "unavailable"),
        (100, None, "code:100"),
        (10, 2018065, "code:10"),
        (200, None, "code:200"),
    ],
)
async def test_permanent_errors_are_refused_without_retry(
    sender: MessengerAdapter, graph: FakeGraph, code: int, subcode: int | None, reason: str
) -> None:
    graph.fail_next(1, code=code, subcode=subcode)
    result = await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, reason)
    assert len(graph.messages) == 1


async def test_persistent_500_fails_after_retries(
    sender: MessengerAdapter, graph: FakeGraph
) -> None:
    graph.fail_next(10, status=500)
    result = await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.FAILED, "http:500")
    assert graph.messages == [text_request("Chào em.")] * 3


async def test_plain_4xx_is_refused(sender: MessengerAdapter, graph: FakeGraph) -> None:
    graph.fail_next(1, status=404)
    result = await sender.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "http:404")
    assert len(graph.messages) == 1


async def test_timeout_is_retried(
    base_settings: Settings, http: aiohttp.ClientSession, graph: FakeGraph
) -> None:
    settings = configured(base_settings, graph.url, send_timeout=0.1)
    adapter = MessengerAdapter(settings, http, TINY, clock=lambda: NOW)
    graph.fail_next(1, delay=0.3)
    assert (await adapter.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)).ok
    assert graph.messages == [text_request("Chào em.")] * 2


async def test_connection_errors_fail_after_retries(
    base_settings: Settings, http: aiohttp.ClientSession
) -> None:
    settings = configured(base_settings, f"http://127.0.0.1:{free_port()}")
    adapter = MessengerAdapter(settings, http, TINY, clock=lambda: NOW)
    result = await adapter.send(USER, OutgoingMessage("Chào em."), WITHIN_DAY)
    assert result == SendResult(SendStatus.FAILED, "connection")


async def test_a_failed_part_stops_the_rest(sender: MessengerAdapter, graph: FakeGraph) -> None:
    graph.fail_next(1, delay=0.01)  # the first part: only slowed down, then answered
    graph.fail_next(1, code=551)  # the second part
    message = OutgoingMessage("a" * 1500 + "\n\n" + "b" * 1500 + "\n\n" + "c" * 10)
    result = await sender.send(USER, message, WITHIN_DAY)
    assert result == SendResult(SendStatus.REFUSED, "unavailable")
    assert [m["message"]["text"][0] for m in graph.messages] == ["a", "b"]


def test_classify_unparseable_bodies() -> None:
    assert classify(200, None) == SendResult(SendStatus.SENT)
    assert classify(502, None) == SendResult(SendStatus.FAILED, "http:502")
    assert classify(429, {"error": "x"}) == SendResult(SendStatus.FAILED, "http:429")
    assert classify(200, {"error": {"code": 613}}) == SendResult(SendStatus.FAILED, "code:613")


async def test_token_bucket_spaces_calls_beyond_the_burst() -> None:
    bucket = TokenBucket(rate=100.0, capacity=2.0)
    started = time.monotonic()
    await asyncio.gather(*(bucket.acquire() for _ in range(5)))
    assert time.monotonic() - started >= 0.025  # 2 at once, then 3 at 10 ms intervals
