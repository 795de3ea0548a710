"""Conversation scripts through the real pipeline (web chat, real Redis, real NLU).

Each script is a list of turns: what the person sends, then what they must see (words in the
replies, the buttons offered last). Typed answers work wherever buttons are offered.
"""

import time
import uuid
from typing import Any

import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import DATABASE, REDIS
from bot.cases.models import Case, TranscriptLine
from bot.channels.base import EventKind, IncomingEvent
from bot.store import keys
from bot.store.intake import Intake
from tests.conftest import AppFactory, drain


class Chat:
    def __init__(self, client: TestClient) -> None:  # type: ignore[type-arg]
        self.client = client
        self.id = ""  # issued by the server on first use
        self.seen = 0

    async def open(self) -> str:
        if not self.id:
            resp = await self.client.post("/chat/api/chats")
            assert resp.status == 201, await resp.text()
            self.id = (await resp.json())["chat_id"]
        return self.id

    async def send(self, **body: object) -> list[dict[str, Any]]:
        await self.open()
        resp = await self.client.post("/chat/api/messages", json={"chat_id": self.id, **body})
        assert resp.status == 202
        return await self._replies()

    async def image(self) -> list[dict[str, Any]]:
        await self.open()
        event = IncomingEvent(
            "webchat", self.id, uuid.uuid4().hex, EventKind.MEDIA, int(time.time() * 1000),
            media_type="image",
        )  # fmt: skip
        await Intake(self.client.server.app[REDIS]).enqueue(event)
        return await self._replies()

    async def _replies(self) -> list[dict[str, Any]]:
        await drain(self.client)
        resp = await self.client.get(
            "/chat/api/messages", params={"chat_id": self.id, "after": str(self.seen)}
        )
        items: list[dict[str, Any]] = (await resp.json())["items"]
        self.seen += len(items)
        return items


Script = list[tuple[dict[str, str], list[str] | None, list[str] | None]]
# (what the person sends, words that must appear in the replies (None: no reply at all),
#  payloads offered last or None)

CHILD_ONBOARDING: Script = [
    (
        {"start": "1"},
        ["trợ lý tự động", "không phải người thật", "bạn là ai"],
        ["AUDIENCE_CHILD", "AUDIENCE_PARENT"],
    ),
    ({"payload": "AUDIENCE_CHILD"}, ["bao nhiêu tuổi"], ["AGE:under13", "AGE:13-15", "AGE:16-17"]),
    ({"payload": "AGE:13-15"}, ["Cảm ơn bạn", "111"], ["REPORT", "ADVICE", "COUNSELOR"]),
]
PARENT_ONBOARDING: Script = [
    ({"start": "1"}, ["trợ lý tự động"], ["AUDIENCE_CHILD", "AUDIENCE_PARENT"]),
    ({"text": "2"}, ["anh/chị", "111"], ["REPORT", "ADVICE", "COUNSELOR"]),  # typed "2"
]
CHILD_SCAM_REPORT: Script = [
    ({"start": "1"}, ["trợ lý tự động"], None),
    ({"payload": "AUDIENCE_CHILD"}, ["bao nhiêu tuổi"], None),
    ({"payload": "AGE:under13"}, ["Cảm ơn bạn"], None),
    (
        {"text": "em bị lừa mất 200k khi mua kim cương ff 😭"},
        ["Có phải bạn"],
        ["CHECK_YES", "CHECK_NO", "COUNSELOR"],
    ),
    ({"payload": "CHECK_YES"}, ["chuyện gì đã xảy ra", "đừng gửi ảnh"], ["COUNSELOR"]),
    (
        {"text": "nó bảo chuyển khoản trước rồi chặn em luôn, nick nó là @shop_kc_gia_re"},
        ["vẫn còn đang xảy ra"],
        ["ONGOING_YES", "ONGOING_NO"],
    ),  # the app was named already
    (
        {"payload": "ONGOING_NO"},
        ["Chụp màn hình", "Free Fire", "111"],
        ["COUNSELOR", "DELETE_CHAT"],
    ),
    ({"payload": "DELETE_CHAT"}, ["Xoá"], None),
]
PARENT_GROOMING_REPORT: Script = [
    ({"start": "1"}, ["trợ lý tự động"], None),
    ({"payload": "AUDIENCE_PARENT"}, ["anh/chị"], None),
    (
        {"text": "con tôi 12 tuổi có người đàn ông lạ hay tặng quà và dặn con giữ bí mật"},
        ["anh/chị", "Có phải anh/chị muốn báo chuyện"],
        ["CHECK_YES", "CHECK_NO", "COUNSELOR"],
    ),
    ({"text": "đúng rồi"}, ["kể ngắn gọn"], None),  # affirm typed instead of the button
    ({"text": "ông ta nhắn tin hàng đêm cho cháu, đòi gặp riêng"}, ["ứng dụng"], None),
    ({"text": "trên zalo"}, ["tiếp diễn"], ["ONGOING_YES", "ONGOING_NO"]),
    (
        {"text": "vẫn đang"},
        ["Zalo", "111", "trách", "tư vấn viên", "chưa có tư vấn viên"],
        ["LEAVE_QUEUE", "DELETE_CHAT"],
    ),  # a typed title; grooming is queued for a counselor at once (nobody online here)
]
CRISIS_INSIDE_A_REPORT: Script = [
    ({"text": "có đứa trên tiktok lừa em mất acc"}, ["trợ lý tự động", "Có phải bạn"], None),
    ({"payload": "CHECK_YES"}, ["chuyện gì đã xảy ra"], None),
    (
        {"text": "em mệt lắm, em không muốn sống nữa"},
        ["113", "115", "111", "chưa có tư vấn viên"],
        ["LEAVE_QUEUE", "DELETE_CHAT"],
    ),
    ({"text": "em sợ lắm"}, None, None),  # waiting: the words go to the counselor, no bot talk
]
SAFE_WORD_IN_A_FLOW: Script = [
    ({"text": "bạn cùng lớp lập nhóm chửi em"}, ["Có phải bạn"], None),
    ({"text": "111"}, ["113", "111"], ["LEAVE_QUEUE", "DELETE_CHAT"]),
    ({"text": "cứu"}, ["113", "111"], None),  # the safe word works while waiting too
]
COUNSELOR_WHEN_NOBODY_IS_ONLINE: Script = [
    ({"payload": "COUNSELOR"}, ["trợ lý tự động", "tư vấn viên", "gọi 111"], None),
    ({"text": "alo có ai không"}, None, None),
    ({"text": "sos"}, ["113"], ["LEAVE_QUEUE", "DELETE_CHAT"]),
    ({"text": "2"}, ["xoá"], None),  # a typed number for "delete this chat", still waiting
    ({"payload": "LEAVE_QUEUE"}, ["rời hàng chờ", "111"], ["REPORT", "ADVICE", "COUNSELOR"]),
    ({"text": "asdfghjkl"}, ["111"], None),  # the bot talks again
]
NOT_UNDERSTOOD: Script = [
    ({"text": "em bị bạn bè bêu xấu trên confession"}, ["Có phải bạn"], None),
    ({"payload": "CHECK_NO"}, ["hiểu chưa đúng", "111"], ["REPORT", "ADVICE", "COUNSELOR"]),
]
GARBAGE: Script = [
    ({"text": "asdfghjkl"}, ["trợ lý tự động", "111"], None),
    ({"text": "🦄🦄🦄"}, ["111"], ["REPORT", "ADVICE", "COUNSELOR"]),
    ({"text": "..."}, ["111"], None),
]
ADVICE: Script = [
    ({"text": "làm sao để đặt mật khẩu cho an toàn ạ"}, ["trợ lý tự động", "mật khẩu"], None),
    ({"payload": "ADVICE"}, [], None),
    ({"payload": "ADVICE_TOPIC:scams"}, ["lừa"], ["ADVICE", "COUNSELOR"]),
]
INFO: Script = [
    ({"text": "gọi 111 có mất tiền không"}, ["miễn phí"], None),
    ({"text": "bạn là người thật hay máy vậy"}, ["không phải người thật"], None),
    ({"text": "bố mẹ em có biết em nhắn ở đây không"}, ["giữ kín"], ["DELETE_CHAT", "COUNSELOR"]),
]

SCRIPTS = {
    "child onboarding": CHILD_ONBOARDING,
    "parent onboarding, typed number": PARENT_ONBOARDING,
    "child scam report": CHILD_SCAM_REPORT,
    "parent grooming report, typed answers": PARENT_GROOMING_REPORT,
    "crisis inside a report": CRISIS_INSIDE_A_REPORT,
    "safe word in a flow": SAFE_WORD_IN_A_FLOW,
    "report not understood": NOT_UNDERSTOOD,
    "garbage and emoji only": GARBAGE,
    "advice": ADVICE,
    "info": INFO,
    "asking for a counselor when nobody is online": COUNSELOR_WHEN_NOBODY_IS_ONLINE,
}


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS.keys())
async def test_script(make_client: AppFactory, script: Script) -> None:
    chat = Chat(await make_client())
    for number, (send, words, offered) in enumerate(script, 1):
        body: dict[str, object] = {"start": True} if "start" in send else dict(send)
        replies = await chat.send(**body)
        said = "\n".join(r["text"] for r in replies)
        if words is None:
            assert not replies, f"turn {number}: the bot should stay quiet, said {said!r}"
            continue
        assert replies, f"turn {number}: no reply to {send}"
        for word in words:
            assert word in said, f"turn {number}: {word!r} not in {said!r}"
        if offered is not None:
            assert [b["payload"] for b in replies[-1]["buttons"]] == offered, f"turn {number}"


async def test_an_image_in_the_middle_of_a_report(make_client: AppFactory) -> None:
    chat = Chat(await make_client())
    await chat.send(text="có người trên fb đòi em gửi ảnh nóng")
    [reply] = await chat.image()
    assert "không nhận được ảnh" in reply["text"]
    after = await chat.send(payload="CHECK_YES")  # the flow goes on where it was
    assert "chuyện gì đã xảy ra" in after[-1]["text"]


async def test_a_returning_person_whose_session_expired_is_greeted_again(
    make_client: AppFactory, redis_client: redis.Redis
) -> None:
    chat = Chat(await make_client())
    await chat.send(text="chào bạn")
    await chat.send(payload="AUDIENCE_PARENT")
    await redis_client.delete(keys.session("webchat", chat.id))  # the TTL ran out
    replies = await chat.send(text="chào bạn")
    assert "trợ lý tự động" in replies[0]["text"]
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["AUDIENCE_CHILD", "AUDIENCE_PARENT"]


async def test_a_report_opens_one_case_with_what_the_person_chose_to_give(
    make_client: AppFactory,
) -> None:
    client = await make_client()
    chat = Chat(client)
    await chat.send(text="có ng lạ trên zalo cứ tặng quà rồi bảo em giữ bí mật")
    await chat.send(payload="CHECK_YES")
    await chat.send(text="ông ấy tên là @chu_tot_bung hay nhắn lúc nửa đêm")
    await chat.send(payload="ONGOING_YES")
    engine = client.server.app[DATABASE]
    async with engine.connect() as db:
        [case] = (await db.execute(select(Case))).all()
        lines = (await db.execute(select(TranscriptLine.sender))).scalars().all()
    assert case.category == "report_grooming"
    assert case.priority == "high"
    assert case.platform == "zalo"
    assert case.links == "@chu_tot_bung"
    assert "nửa đêm" in case.summary
    assert case.conversation_ref != chat.id  # a keyed hash, never the raw id
    assert lines.count("child") == 2  # the two typed messages; button taps carry no text


async def test_a_crisis_opens_an_imminent_case(make_client: AppFactory) -> None:
    client = await make_client()
    await Chat(client).send(text="em không muốn sống nữa")
    async with client.server.app[DATABASE].connect() as db:
        [case] = (await db.execute(select(Case))).all()
    assert (case.category, case.priority) == ("crisis_self_harm", "imminent")


async def test_an_image_as_the_first_message_gets_the_disclosure_once(
    make_client: AppFactory,
) -> None:
    chat = Chat(await make_client())
    first = await chat.image()
    assert "trợ lý tự động" in first[0]["text"]
    assert "không nhận được ảnh" in first[-1]["text"]
    later = await chat.send(text="cảm ơn bạn")
    assert all("trợ lý tự động" not in reply["text"] for reply in later)
