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
        ["Chụp màn hình", "111"],  # three short messages; the rest behind buttons
        ["HOW_TO_REPORT", "COUNSELOR", "DELETE_CHAT"],
    ),
    ({"payload": "HOW_TO_REPORT"}, ["Free Fire"], ["COUNSELOR", "DELETE_CHAT"]),
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
        ["111", "tư vấn viên", "chưa có tư vấn viên"],
        ["EVIDENCE", "HOW_TO_REPORT", "PARENT_TALK", "LEAVE_QUEUE", "DELETE_CHAT"],
    ),  # a typed title; grooming is queued at once (nobody online here); the report's buttons
    # ride on the queue's notice, the last message (Messenger shows only the last one's)
    ({"payload": "PARENT_TALK"}, ["trách"], ["LEAVE_QUEUE", "DELETE_CHAT"]),  # still waiting
    ({"payload": "HOW_TO_REPORT"}, ["Zalo"], None),
    ({"payload": "EVIDENCE"}, ["Chụp màn hình"], None),
]
CRISIS_INSIDE_A_REPORT: Script = [
    ({"text": "có đứa trên tiktok lừa em mất acc"}, ["trợ lý tự động", "Có phải bạn"], None),
    ({"payload": "CHECK_YES"}, ["chuyện gì đã xảy ra"], None),
    (
        {"text": "em mệt lắm, em không muốn sống nữa"},
        ["113", "115", "111", "chưa có tư vấn viên"],
        ["LEAVE_QUEUE", "DELETE_CHAT"],
    ),
    ({"text": "vâng"}, ["vẫn ở đây"], None),  # after a crisis: company, once
    ({"text": "dạ"}, None, None),  # then the words go to the counselor, no flood
]
CRISIS_WHILE_NOBODY_IS_ONLINE: Script = [
    ({"text": "e muốn chết quá, k ai thương e cả"}, ["113", "115", "111"], None),
    ({"text": "em đang đứng trên sân thượng"}, ["an toàn", "113"], ["SAFE_NOW", "NOT_SAFE"]),
    ({"payload": "NOT_SAFE"}, ["113", "115", "người lớn"], ["LEAVE_QUEUE", "DELETE_CHAT"]),
    ({"text": "em muốn nhảy xuống"}, ["vẫn ở đây", "113"], ["SAFE_NOW", "NOT_SAFE"]),
    ({"text": "em muốn tự tử"}, ["vẫn ở đây", "113"], ["SAFE_NOW", "NOT_SAFE"]),
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
PARENT_FIRST_MESSAGE_AND_ONBOARDING_BY_WORDS: Script = [
    ({"text": "chào"}, ["trợ lý tự động"], ["AUDIENCE_CHILD", "AUDIENCE_PARENT"]),
    ({"text": "tôi là mẹ cháu"}, ["anh/chị"], ["REPORT", "ADVICE", "COUNSELOR"]),
]
CHILD_ONBOARDING_BY_WORDS: Script = [
    ({"start": "1"}, ["trợ lý tự động"], ["AUDIENCE_CHILD", "AUDIENCE_PARENT"]),
    ({"text": "chào"}, ["bạn là ai"], ["AUDIENCE_CHILD", "AUDIENCE_PARENT"]),  # asked again
    ({"text": "em 14 tuổi"}, ["Cảm ơn bạn"], ["REPORT", "ADVICE", "COUNSELOR"]),
]
SAD_EMOJI_ONLY: Script = [
    (
        {"text": "😭😭😭"},
        ["trợ lý tự động", "kể cho mình", "111"],
        ["REPORT", "ADVICE", "COUNSELOR"],
    ),
]
WAITING_HONESTLY: Script = [
    ({"payload": "COUNSELOR"}, ["chưa có tư vấn viên"], ["LEAVE_QUEUE", "DELETE_CHAT"]),
    ({"text": "111"}, ["113"], None),  # the safe word: the numbers, but "nobody online" once
    ({"payload": "COUNSELOR"}, ["chưa có tư vấn viên"], None),  # asked: told again
    ({"text": "em muốn rời hàng chờ"}, ["rời hàng chờ"], ["REPORT", "ADVICE", "COUNSELOR"]),
]
CHECK_IN_YES: Script = [
    (
        {"text": "chán đời quá"},
        ["làm hại bản thân", "111", "113", "115"],
        ["CHECK_IN_YES", "CHECK_IN_NO", "COUNSELOR"],
    ),
    ({"text": "có"}, ["113", "115", "111", "tư vấn viên"], ["LEAVE_QUEUE", "DELETE_CHAT"]),
]
CHECK_IN_NO: Script = [
    (
        {"text": "mệt mỏi lắm rồi"},
        ["làm hại bản thân"],
        ["CHECK_IN_YES", "CHECK_IN_NO", "COUNSELOR"],
    ),
    (
        {"payload": "CHECK_IN_NO"},
        ["Cảm ơn bạn đã trả lời", "111"],
        ["REPORT", "ADVICE", "COUNSELOR"],
    ),
]
CHECK_IN_THEN_A_CRISIS: Script = [
    ({"text": "ai sẽ cùng tôi mang nỗi đau này"}, ["làm hại bản thân"], None),
    ({"text": "em muốn tự tử"}, ["113", "115", "111"], ["LEAVE_QUEUE", "DELETE_CHAT"]),
]
PARENT_TYPES_EVERY_ANSWER: Script = [
    (
        {"text": "con tôi 12 tuổi bị bạn cùng lớp lập nhóm chửi trên zalo"},
        ["anh/chị", "Con không có lỗi"],  # a parent from the first reply
        ["CHECK_YES", "CHECK_NO", "COUNSELOR"],
    ),
    ({"text": "đúng rồi"}, ["chuyện gì đã xảy ra"], ["COUNSELOR"]),
    ({"text": "tụi nó lập nhóm rồi gửi ảnh chế con tôi vào đó"}, ["tiếp diễn"], None),
    ({"text": "đúng vậy, trên zalo, vẫn đang tiếp diễn"}, ["Chụp màn hình"], None),
]
CHILD_TYPES_THAT_IT_STOPPED: Script = [
    ({"text": "có đứa lập acc giả của em rồi đăng ảnh chế"}, ["Có phải bạn"], None),
    ({"payload": "CHECK_YES"}, ["chuyện gì đã xảy ra"], None),
    ({"payload": "CHECK_YES"}, ["chuyện gì đã xảy ra"], ["COUNSELOR"]),  # an old button again
    ({"text": "nó lấy ảnh em ghép mặt heo rồi đăng lên fb"}, ["vẫn còn đang xảy ra"], None),
    ({"text": "hmm"}, ["chưa rõ ý bạn", "vẫn còn đang xảy ra"], ["ONGOING_YES", "ONGOING_NO"]),
    ({"text": "không còn nữa"}, ["Chụp màn hình"], None),
]
ANSWERS_THAT_ANSWER_NOTHING_TWICE: Script = [
    ({"text": "bạn cùng lớp chửi em trên messenger mỗi ngày"}, ["Có phải bạn"], None),
    ({"payload": "CHECK_YES"}, ["chuyện gì đã xảy ra"], None),
    ({"text": "tụi nó gọi em là đồ béo"}, ["vẫn còn đang xảy ra"], None),
    ({"text": "hmm"}, ["chưa rõ ý bạn"], ["ONGOING_YES", "ONGOING_NO"]),
    ({"text": "ờ thì"}, ["Chụp màn hình"], None),  # asked twice: the report goes on
]

SCRIPTS = {
    "child onboarding": CHILD_ONBOARDING,
    "parent onboarding, typed number": PARENT_ONBOARDING,
    "child scam report": CHILD_SCAM_REPORT,
    "parent grooming report, typed answers": PARENT_GROOMING_REPORT,
    "crisis inside a report": CRISIS_INSIDE_A_REPORT,
    "a crisis again and again while nobody is online": CRISIS_WHILE_NOBODY_IS_ONLINE,
    "safe word in a flow": SAFE_WORD_IN_A_FLOW,
    "report not understood": NOT_UNDERSTOOD,
    "garbage and emoji only": GARBAGE,
    "advice": ADVICE,
    "info": INFO,
    "asking for a counselor when nobody is online": COUNSELOR_WHEN_NOBODY_IS_ONLINE,
    "a parent types every answer": PARENT_TYPES_EVERY_ANSWER,
    "a child types that it stopped, and taps an old button": CHILD_TYPES_THAT_IT_STOPPED,
    "answers that answer nothing, twice": ANSWERS_THAT_ANSWER_NOTHING_TWICE,
    "a parent says who they are in words": PARENT_FIRST_MESSAGE_AND_ONBOARDING_BY_WORDS,
    "a child gives the age in words": CHILD_ONBOARDING_BY_WORDS,
    "nothing but sad emoji": SAD_EMOJI_ONLY,
    "waiting: nobody online said once, leaving by words": WAITING_HONESTLY,
    "distress: a check-in, then yes": CHECK_IN_YES,
    "distress: a check-in, then no": CHECK_IN_NO,
    "distress: a check-in, then a crisis": CHECK_IN_THEN_A_CRISIS,
}

LOOK_ALIKES = [
    "chết cười với thằng bạn cùng bàn",
    "deadline dí chết mất huhu",
    "tui chết mê chết mệt idol này luôn",
    "kiến thức cơ sở vững chắc .",
    "cô ấy đang xem gì đó",
    "lỗi tại thằng quay phim . cắt không đúng lúc",
    "nhớ đồ ăn mẹ nấu muốn chết",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
async def test_everyday_look_alikes_never_get_the_emergency_numbers(
    make_client: AppFactory, text: str
) -> None:
    chat = Chat(await make_client())
    said = "\n".join(r["text"] for r in await chat.send(text=text))
    assert "111" in said  # the way to a person is always there
    assert "113" not in said, said
    assert "115" not in said, said


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
        rows = (await db.execute(select(TranscriptLine.sender, TranscriptLine.text))).all()
    assert case.category == "report_grooming"
    assert case.priority == "high"
    assert case.platform == "zalo"
    assert case.links == "@chu_tot_bung"
    assert "nửa đêm" in case.summary
    assert case.conversation_ref != chat.id  # a keyed hash, never the raw id
    said = [text for sender, text in rows if sender == "child"]
    # the two typed messages, and the two taps as what the child chose, in their order
    assert said[0].startswith("có ng lạ trên zalo")
    assert said[1] == "[Đúng vậy]"
    assert said[2].startswith("ông ấy tên là")
    assert said[3] == "[Vẫn đang xảy ra]"
    assert len(said) == 4


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
