"""A child who wrote of a crisis and waits unanswered gets steady company, never silence and
never a flood: a gentle check-in every few minutes, kept in Redis, until a counselor joins or
the child leaves."""

import time

from bot.appkeys import HANDOFFS
from bot.handoff.service import CHECK_IN_EVERY_MS, CHECK_INS_AT_MOST
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.test_conversations import Chat

LATER = CHECK_IN_EVERY_MS / 1000 + 1


async def test_a_child_in_crisis_waiting_alone_is_checked_on_until_a_counselor_joins(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    child = Chat(client)
    said = await child.send(text="em muốn tự tử, không ai thương em cả")
    assert "113" in said[0]["text"]
    handoffs = client.server.app[HANDOFFS]
    await handoffs.tick()
    assert await child._replies() == []  # not at once: only when nobody answered for a while
    start = time.time()
    handoffs.clock = lambda: start + LATER
    await handoffs.tick()
    [company] = await child._replies()
    assert "vẫn ở đây" in company["text"]
    assert "113" in company["text"]
    await handoffs.tick()
    assert await child._replies() == []  # one at a time, never a flood
    lan = await logged_in(client, counselors, "lan")
    assert (await lan.call("POST", "conversations/next/claim"))[0] == 200
    await child._replies()  # "a counselor joined"
    handoffs.clock = lambda: start + 3 * LATER
    await handoffs.tick()
    assert await child._replies() == []  # a person is there now: the bot is quiet


async def test_the_check_ins_stop_when_the_child_leaves_and_never_exceed_the_limit(
    make_client: AppFactory,
) -> None:
    client = await make_client()
    handoffs = client.server.app[HANDOFFS]
    staying, leaving = Chat(client), Chat(client)
    await staying.send(text="111")  # the safe word is a cry for help too
    await leaving.send(text="cứu em, nó đang đánh em")
    await leaving.send(payload="LEAVE_QUEUE")
    start = time.time()  # after the turns: each check-in is due 5 minutes after its own
    heard = []
    for round_ in range(1, CHECK_INS_AT_MOST + 3):
        handoffs.clock = lambda r=round_: start + r * LATER
        await handoffs.tick()
        heard.append(len(await staying._replies()))
        assert await leaving._replies() == []
    assert heard == [1] * CHECK_INS_AT_MOST + [0, 0]
