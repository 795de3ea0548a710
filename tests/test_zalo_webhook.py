"""Zalo OA webhooks through the real app against the fake Zalo API."""

import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestClient

from bot.settings import Secret
from bot.store import keys
from tests.conftest import AppFactory, drain
from tests.fakes.zalo import FakeZalo

APP_ID = "360846524940903967"
OA_SECRET = "oa-secret-for-tests"
FIXTURES = Path(__file__).parent / "fixtures" / "platforms"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    fake = FakeZalo(app_id=APP_ID)
    await fake.start()
    yield fake
    await fake.stop()


def zalo_settings(zalo: FakeZalo) -> dict[str, object]:
    return {
        "zalo_app_id": APP_ID,
        "zalo_app_secret": Secret(zalo.app_secret),
        "zalo_oa_secret_key": Secret(OA_SECRET),
        "zalo_access_token": Secret("AT-0"),
        "zalo_refresh_token": Secret("RT-0"),
        "zalo_api_base": zalo.url,
        "zalo_oauth_base": zalo.url,
    }


@pytest.fixture
async def client(make_client: AppFactory, zalo: FakeZalo) -> TestClient:  # type: ignore[type-arg]
    return await make_client(**zalo_settings(zalo))


def event(name: str, user: str, msg_id: str = "", text: str = "", **extra: object) -> bytes:
    body: dict[str, object] = {
        "app_id": APP_ID,
        "event_name": name,
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": user},
        "recipient": {"id": "OA1"},
        **extra,
    }
    if msg_id:
        body["message"] = {"msg_id": msg_id, "text": text}
    return json.dumps(body, ensure_ascii=False).encode()


def signed(body: bytes) -> dict[str, str]:
    stamp = json.loads(body)["timestamp"]
    mac = hashlib.sha256(APP_ID.encode() + body + stamp.encode() + OA_SECRET.encode()).hexdigest()
    return {"X-ZEvent-Signature": f"mac={mac}"}


async def post(client: TestClient, body: bytes, headers: dict[str, str] | None = None) -> int:  # type: ignore[type-arg]
    resp = await client.post(
        "/webhooks/zalo", data=body, headers=signed(body) if headers is None else headers
    )
    return resp.status


def texts_to(zalo: FakeZalo, user: str) -> list[str]:
    return [
        r.body["message"]["text"] for r in zalo.sends if r.body["recipient"]["user_id"] == user
    ]


async def test_registration_probe_is_answered_and_not_stored(
    client: TestClient,  # type: ignore[type-arg]
    redis_client: redis.Redis,
) -> None:
    assert (await client.post("/webhooks/zalo", data=b"{}")).status == 200
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0


async def test_rejections(client: TestClient, redis_client: redis.Redis) -> None:  # type: ignore[type-arg]
    body = event("user_send_text", "1111111111111111111", "z1", "chào")
    assert await post(client, body, headers={}) == 403
    assert await post(client, body, headers={"X-ZEvent-Signature": "mac=00"}) == 403
    other_app = body.replace(APP_ID.encode(), b"999")
    assert await post(client, other_app) == 403
    assert await post(client, b'{"app_id": "' + APP_ID.encode() + b'", "timestamp": "1"}') == 400
    assert await redis_client.xlen(keys.INBOUND_STREAM) == 0


async def test_text_follow_and_duplicates(client: TestClient, zalo: FakeZalo) -> None:  # type: ignore[type-arg]
    user = "2468458835291979221"
    follow = json.dumps(
        {
            "app_id": APP_ID,
            "event_name": "follow",
            "timestamp": str(int(time.time() * 1000)),
            "oa_id": "OA1",
            "follower": {"id": user},
            "user_id_by_app": "5",
        }  # fmt: skip
    ).encode()
    assert await post(client, follow) == 200
    body = event("user_send_text", user, "z2", "e bị ng lạ đòi gửi ảnh nóng 😭")
    assert await post(client, body) == 200
    assert await post(client, body) == 200  # a retry
    assert await drain(client) == 2
    welcome, ask_audience, ack, check = texts_to(zalo, user)
    assert "trợ lý tự động" in welcome
    assert "\n1. Em là học sinh\n2. Tôi là phụ huynh" in ask_audience  # numbered on Zalo
    assert "Bạn không có lỗi" in ack
    assert "\n1. Đúng vậy\n2. Không phải" in check
    assert zalo.sends[0].headers["access_token"] == "AT-0"


async def test_a_person_answering_in_zalo_pauses_the_bot(
    client: TestClient,  # type: ignore[type-arg]
    zalo: FakeZalo,
) -> None:
    user = "3333333333333333333"
    admin = json.dumps(
        {
            "app_id": APP_ID,
            "event_name": "oa_send_text",
            "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": "OA1", "admin_id": "77"},
            "recipient": {"id": user},
            "message": {"msg_id": "oa1", "text": "Chào em, cô ở đây"},
        }  # fmt: skip
    ).encode()
    assert await post(client, admin) == 200
    assert await post(client, event("user_send_text", user, "z3", "dạ em chào cô")) == 200
    assert await post(client, event("user_send_text", user, "z4", "111")) == 200
    await drain(client)
    # quiet while the person answers, but the safe word works (and asks for a counselor)
    help_, queued = texts_to(zalo, user)
    assert "113" in help_
    assert "tư vấn viên" in queued


async def test_expired_token_is_refreshed_once_and_the_reply_sent(
    client: TestClient,  # type: ignore[type-arg]
    zalo: FakeZalo,
) -> None:
    zalo.expire_access_token()
    user = "4444444444444444444"
    assert await post(client, event("user_send_text", user, "z5", "cảm ơn")) == 200
    await drain(client)
    first_try, *delivered = texts_to(zalo, user)  # the first try met the expired token
    assert delivered[0] == first_try
    assert len(delivered) == 2
    assert zalo.refresh_calls == 1
    assert zalo.sends[-1].headers["access_token"] != "AT-0"


@pytest.mark.parametrize(
    "fields",
    [
        {"event_name": 5},
        {"event_name": "user_send_text", "sender": None},
        {"event_name": "user_send_text", "sender": {"id": ["x"]}, "message": "hi"},
        {"event_name": "user_send_text", "sender": {"id": "1"}, "message": {"text": None}},
        {"event_name": "user_send_image", "sender": {"id": "1"}, "message": {"attachments": 3}},
        {"event_name": "follow", "follower": None},
        {"event_name": "oa_send_text", "sender": {"admin_id": "1"}, "recipient": None},
        {"event_name": "user_send_text", "sender": {"id": "1"}, "message": {"text": "\ud800"}},
    ],
)
async def test_signed_garbage_never_gets_a_500(
    client: TestClient,  # type: ignore[type-arg]
    fields: dict[str, object],
) -> None:
    body = json.dumps({"app_id": APP_ID, "timestamp": "1700000000000", **fields}).encode()
    resp = await client.post("/webhooks/zalo", data=body, headers=signed(body))
    assert resp.status in (200, 400)
    assert "Traceback" not in await resp.text()
