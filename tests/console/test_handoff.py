"""A child on the web chat reaches a counselor: the queue, live chat both ways, transfer,
release, close with categories, and the statistics that follow (real Redis, NLU, database)."""

import time
from datetime import datetime

import redis.asyncio as redis
from sqlalchemy import select

from bot.appkeys import DATABASE, HANDOFFS
from bot.cases.models import AuditEntry, Case, CaseCategory
from bot.cases.stats import LOCAL
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.test_conversations import Chat


async def test_the_queue_is_ordered_by_priority_then_waiting_time(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    normal, high, crisis, normal_later = Chat(client), Chat(client), Chat(client), Chat(client)
    [first] = [r for r in await normal.send(payload="COUNSELOR") if "vị trí số" in r["text"]]
    assert "vị trí số 1" in first["text"]
    assert "phút" in first["text"]
    for step in (
        {"text": "có người lạ trên zalo đòi em gửi ảnh không mặc áo"},
        {"payload": "CHECK_YES"},
        {"text": "nó dọa tung ảnh nếu em không gửi"},
        {"payload": "ONGOING_YES"},
    ):
        said = await high.send(**step)
    assert "vị trí số 1" in said[-1]["text"]  # high priority goes ahead of the normal one
    said = await crisis.send(text="em không muốn sống nữa, em muốn chết")
    assert said[0]["text"].startswith("Nếu bạn đang gặp nguy hiểm")  # the numbers come first
    assert "vị trí số 1" in said[-1]["text"]
    await normal_later.send(payload="COUNSELOR")

    status, queue = await lan.call("GET", "queue")
    assert status == 200
    items = queue["items"]
    assert [i["priority"] for i in items] == ["imminent", "high", "normal", "normal"]
    assert [i["category"] for i in items[:2]] == ["crisis_self_harm", "report_sexual_abuse"]
    assert items[1]["platform"] == "zalo"
    assert items[2]["waiting_seconds"] >= items[3]["waiting_seconds"]
    assert all(i["channel"] == "webchat" for i in items)
    assert not any(chat.id in str(queue) for chat in (normal, high, crisis))  # no raw ids


async def test_a_counselor_takes_the_most_urgent_and_talks_live(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    child = Chat(client)
    await child.send(text="bạn cùng lớp lập nhóm chửi em, em buồn lắm")
    said = await child.send(payload="COUNSELOR")
    assert "chưa có tư vấn viên" in said[-1]["text"]  # nobody online yet: 111 and a place kept
    assert "111" in said[-1]["text"]
    assert await child.send(text="em vẫn ở đây") == []  # waiting: quiet

    lan = await logged_in(client, counselors, "lan")
    status, taken = await lan.call("POST", "conversations/next/claim")
    assert status == 200
    assert taken["status"] == "active"
    assert taken["counselor"] == "lan"
    assert "tư vấn viên của Tổng đài 111 đã vào" in (await child.send(text="dạ"))[0]["text"]

    status, history = await lan.call("GET", f"conversations/{taken['id']}/messages")
    texts = [(m["from"], m["text"]) for m in history["items"]]
    assert ("child", "bạn cùng lớp lập nhóm chửi em, em buồn lắm") in texts
    assert ("child", "em vẫn ở đây") in texts
    assert any(who == "bot" for who, _ in texts)

    status, _ = await lan.call(
        "POST",
        f"conversations/{taken['id']}/messages",
        {"text": "Chào em, chị là Lan ở 111. Em kể chị nghe nhé?"},
    )
    assert status == 200
    [reply] = await child.send(text="em bị chửi trong nhóm lớp")  # the bot says nothing itself
    assert reply["text"] == "Chào em, chị là Lan ở 111. Em kể chị nghe nhé?"
    live = await lan.next_live("message")
    while live["text"] != "em bị chửi trong nhóm lớp":
        live = await lan.next_live("message")
    assert live["from"] == "child"
    assert live["id"] == taken["id"]

    safe = await child.send(text="111")  # the safe word still answers during a handoff
    assert "113" in safe[0]["text"]


async def test_transfer_release_and_close_with_categories(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    minh = await logged_in(client, counselors, "minh")
    child = Chat(client)
    await child.send(text="có người lừa em nạp thẻ để nhận skin liên quân")
    await child.send(payload="COUNSELOR")
    _, taken = await lan.call("POST", "conversations/next/claim")
    conv = taken["id"]

    status, _ = await minh.call("POST", f"conversations/{conv}/messages", {"text": "chào"})
    assert status == 403  # not minh's conversation
    status, _ = await minh.call("GET", f"conversations/{conv}/messages")
    assert status == 403
    status, _ = await lan.call("POST", f"conversations/{conv}/transfer", {"to": "minh"})
    assert status == 200
    status, _ = await minh.call("POST", f"conversations/{conv}/messages", {"text": "Chào em"})
    assert status == 200
    assert (await child.send(text="dạ"))[-1]["text"] == "Chào em"

    status, _ = await minh.call("POST", f"conversations/{conv}/transfer", {"to": "queue"})
    assert status == 200
    _, queue = await lan.call("GET", "queue")
    assert [i["id"] for i in queue["items"]] == [conv]
    [notice] = await child.send(text="em chờ ạ")  # only the notice of the transfer
    assert "người khác tiếp tục giúp" in notice["text"]
    _, again = await lan.call("POST", f"conversations/{conv}/claim")
    assert again["counselor"] == "lan"

    bad = {"categories": ["not_a_category"], "type": "consultation"}
    assert (await lan.call("POST", f"conversations/{conv}/close", bad))[0] == 400
    assert (
        await lan.call(
            "POST", f"conversations/{conv}/close", {"categories": ["report_scam"], "type": "maybe"}
        )
    )[0] == 400
    closing = {
        "categories": ["report_scam", "ask_online_safety"],
        "type": "intervention",
        "action": "Hướng dẫn báo cáo tài khoản, báo công an",
        "summary": "bị lừa nạp thẻ",
    }
    assert (await lan.call("POST", f"conversations/{conv}/close", closing))[0] == 200
    said = [r["text"] for r in await child.send(text="cảm ơn chị")]
    assert "đã vào trò chuyện" in said[0]  # lan took it back
    assert "đã kết thúc" in said[1]  # then closed it
    assert len(said) == 3  # and the bot answers the thanks itself

    after = await child.send(text="làm sao để đặt mật khẩu cho an toàn ạ")  # the bot is back
    assert after
    assert "mật khẩu" in "\n".join(r["text"] for r in after)

    async with client.server.app[DATABASE].connect() as db:
        case = (await db.execute(select(Case))).one()
        categories = set((await db.execute(select(CaseCategory.category))).scalars())
        actions = (await db.execute(select(AuditEntry.actor, AuditEntry.action))).all()
    assert case.status == "closed"
    assert case.case_type == "intervention"
    assert categories == {"report_scam", "ask_online_safety"}
    for done in (("lan", "claim"), ("lan", "transfer"), ("minh", "transfer"), ("lan", "close")):
        assert done in actions

    month = datetime.now(LOCAL).date()  # the statistics' days are Vietnam's
    status, stats = await lan.call(
        "GET", f"stats?from={month.replace(day=1).isoformat()}&to={month.isoformat()}"
    )
    assert status == 200
    assert stats["intervention"]["report_scam"] == 1
    assert stats["intervention"]["ask_online_safety"] == 1
    assert stats["total"] == 1  # one case, two categories
    assert stats["content_reports"] == 0


async def test_release_gives_the_child_back_to_the_bot(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    child = Chat(client)
    await child.send(payload="COUNSELOR")
    _, taken = await lan.call("POST", "conversations/next/claim")
    assert (await lan.call("POST", f"conversations/{taken['id']}/release"))[0] == 200
    said = await child.send(text="ok")
    assert any("trợ lý tự động" in r["text"] for r in said)  # the release notice
    menu = await child.send(payload="ADVICE")
    assert menu
    assert menu[-1]["buttons"]
    assert (await lan.call("GET", "queue"))[1]["items"] == []


async def test_a_child_who_leaves_the_queue_is_gone_from_it(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    child = Chat(client)
    await child.send(payload="COUNSELOR")
    assert len((await lan.call("GET", "queue"))[1]["items"]) == 1
    left = await child.send(text="rời hàng chờ")  # typed, as the button's title
    assert "rời hàng chờ" in left[0]["text"]
    assert (await lan.call("GET", "queue"))[1]["items"] == []
    assert (await lan.call("POST", "conversations/next/claim"))[0] == 409


async def test_waiting_children_hear_when_their_place_changes(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    first, second = Chat(client), Chat(client)
    await first.send(payload="COUNSELOR")
    said = await second.send(payload="COUNSELOR")
    assert "vị trí số 2" in said[-1]["text"]
    handoffs = client.server.app[HANDOFFS]
    await handoffs.tick()
    assert await second.send(text="...") == []  # nothing changed: no notice
    await lan.call("POST", "conversations/next/claim")
    await handoffs.tick()
    assert await second.send(text="...") == []  # moved up, but told less than 2 minutes ago
    handoffs.clock = lambda: time.time() + 121
    await handoffs.queue.heartbeat("lan", handoffs.now_ms())  # lan is still there then
    await handoffs.tick()
    [moved] = await second.send(text="em vẫn chờ")
    assert "vị trí số 1" in moved["text"]
    handoffs.clock = lambda: time.time() + 400
    await handoffs.tick()  # the same place: said once only
    assert await second.send(text="...") == []


async def test_a_handoff_that_is_gone_never_leaves_the_child_talking_to_nobody(
    make_client: AppFactory, redis_client: redis.Redis
) -> None:
    client = await make_client()
    child = Chat(client)
    await child.send(payload="COUNSELOR")
    for key in await redis_client.keys("bot:handoff:*"):  # e.g. expired after 8 days
        await redis_client.delete(key)
    said = await child.send(text="có ai không")
    assert said  # the bot answers again
    assert "COUNSELOR" in [b["payload"] for b in said[-1]["buttons"]]  # and offers a person
