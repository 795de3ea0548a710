"""A child who talks with a counselor is never alone with a crisis: the desk is alerted at once,
the child is answered in the turn, and if the counselor says nothing for a minute the bot
says so with the numbers. Passed on to another counselor, the child is told."""

import asyncio
import time
from typing import Any

from bot.appkeys import HANDOFFS
from bot.handoff.service import COUNSELOR_CHECK_MS
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.test_conversations import Chat

A_MINUTE_LATER = COUNSELOR_CHECK_MS / 1000 + 1


async def held_by(client, counselors: list[Counselor], name: str) -> tuple[Chat, Counselor]:  # type: ignore[no-untyped-def]
    child = Chat(client)
    await child.send(payload="COUNSELOR")
    counselor = await logged_in(client, counselors, name)
    status, _ = await counselor.call("POST", "conversations/next/claim")
    assert status == 200
    assert "người thật" in (await child._replies())[-1]["text"]  # "a counselor joined"
    return child, counselor


async def both(counselor: Counselor, *kinds: str) -> dict[str, dict[str, Any]]:
    """The next live updates of these kinds, in whatever order they come."""
    seen: dict[str, dict[str, Any]] = {}
    async with asyncio.timeout(5):
        while set(kinds) - set(seen):
            update = await counselor.live.get()
            if update.get("type") in kinds:
                seen.setdefault(update["type"], update)
    return seen


async def test_a_crisis_with_a_counselor_alerts_the_desk_and_is_answered_at_once(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    child, lan = await held_by(client, counselors, "lan")
    said = await child.send(text="em không muốn sống nữa, em muốn tự tử")
    assert len(said) == 1
    assert "tư vấn viên" in said[0]["text"]
    assert "113" in said[0]["text"]
    seen = await both(lan, "message", "alert")
    assert seen["alert"]["reason"] == "crisis_message"
    assert "tự tử" in seen["message"]["text"]
    # a second crisis message: the counselor is there and alerted; the bot does not repeat
    assert await child.send(text="em đang đứng trên sân thượng") == []
    assert (await lan.next_live("alert"))["reason"] == "crisis_message"


async def test_the_bot_speaks_up_when_the_counselor_is_silent_for_a_minute(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    handoffs = client.server.app[HANDOFFS]
    child, _ = await held_by(client, counselors, "lan")
    await child.send(text="em muốn chết")
    start = time.time()
    handoffs.clock = lambda: start + A_MINUTE_LATER
    await handoffs.tick()
    [check] = await child._replies()
    assert "đã đọc tin nhắn" in check["text"]
    assert "115" in check["text"]
    handoffs.clock = lambda: start + 5 * A_MINUTE_LATER
    await handoffs.tick()
    assert await child._replies() == []  # once per crisis message, never a flood


async def test_no_word_from_the_bot_when_the_counselor_answered(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    handoffs = client.server.app[HANDOFFS]
    child, lan = await held_by(client, counselors, "lan")
    await child.send(text="em muốn chết")
    await lan.next_live("alert")
    [handoff_id] = [item["id"] for item in (await lan.call("GET", "conversations"))[1]["items"]]
    status, _ = await lan.call(
        "POST", f"conversations/{handoff_id}/messages", {"text": "Cô ở đây với em."}
    )
    assert status == 200
    assert [m["text"] for m in await child._replies()] == ["Cô ở đây với em."]
    start = time.time()
    handoffs.clock = lambda: start + A_MINUTE_LATER
    await handoffs.tick()
    assert await child._replies() == []


async def test_a_child_passed_on_to_another_counselor_is_told(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    child, lan = await held_by(client, counselors, "lan")
    await logged_in(client, counselors, "minh")
    [handoff_id] = [item["id"] for item in (await lan.call("GET", "conversations"))[1]["items"]]
    status, _ = await lan.call("POST", f"conversations/{handoff_id}/transfer", {"to": "minh"})
    assert status == 200
    [told] = await child._replies()
    assert "tư vấn viên khác" in told["text"]
    # and the conversation is still with a person: words are relayed, not answered by the bot
    assert await child.send(text="dạ em chào anh") == []


async def test_a_queue_row_shows_the_first_words_the_child_wrote(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    child = Chat(client)
    await child.send(text="em muốn chết, không ai thương em cả")
    lan = await logged_in(client, counselors, "lan")
    [row] = (await lan.call("GET", "queue"))[1]["items"]
    assert row["preview"] == "em muốn chết, không ai thương em cả"
    await child.send(text="có ai không")  # the latest words, as the child waits
    [row] = (await lan.call("GET", "queue"))[1]["items"]
    assert row["preview"] == "có ai không"
