"""A person's request to be forgotten, made from the console by a supervisor: the same
deletion as `python -m bot delete-person`, the conversation ends, and it is audited without
the platform's id. Counselors, requests without a confirmation or without CSRF are refused."""

import redis.asyncio as redis
from sqlalchemy import select

from bot.appkeys import DATABASE
from bot.cases.models import AuditEntry, Case, TranscriptLine
from bot.store import keys
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.test_conversations import Chat

WORDS = "có ng lạ trên zalo cứ tặng quà rồi bảo em giữ bí mật"


async def waiting_child(chat: Chat) -> None:
    await chat.send(text=WORDS)
    await chat.send(payload="CHECK_YES")
    await chat.send(payload="COUNSELOR")


async def test_a_supervisor_forgets_the_person_of_an_active_conversation(
    make_client: AppFactory, counselors: list[Counselor], redis_client: redis.Redis
) -> None:
    client = await make_client()
    child, other = Chat(client), Chat(client)
    await waiting_child(child)
    lan = await logged_in(client, counselors, "lan")
    _, taken = await lan.call("POST", "conversations/next/claim")
    await waiting_child(other)
    hoa = await logged_in(client, counselors, "hoa", role="supervisor", online=False)

    status, answer = await hoa.call(
        "POST", f"conversations/{taken['id']}/forget", {"confirm": True}
    )
    assert status == 200, answer
    assert answer["ok"] is True
    assert answer["deleted"]["cases"] == 1
    assert answer["deleted"]["queue_places"] == 1
    assert answer["deleted"]["redis_keys"] >= 1
    assert await redis_client.exists(keys.session("webchat", child.id)) == 0
    assert await redis_client.exists(keys.webchat_replies(child.id)) == 0
    assert await redis_client.exists(keys.session("webchat", other.id)) == 1
    assert (await lan.call("GET", f"conversations/{taken['id']}"))[0] == 404
    assert (await lan.call("GET", "conversations"))[1]["items"] == []
    _, queue = await lan.call("GET", "queue")
    assert len(queue["items"]) == 1  # the other child still waits
    while (await lan.next_live("conversation")).get("status") != "forgotten":
        pass  # the desk holding it closes the conversation

    async with client.server.app[DATABASE].connect() as db:
        found = select(Case.conversation_ref, Case.summary, Case.links)
        case = (await db.execute(found.where(Case.id == int(taken["case_id"])))).one()
        lines = (await db.execute(select(TranscriptLine.case_id))).scalars().all()
        audit = (
            await db.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail))
        ).all()
    assert tuple(case) == ("", "", "")
    assert int(taken["case_id"]) not in lines
    assert lines  # the other child's transcript stays
    done = [tuple(row) for row in audit if row[0] == "hoa"]
    assert ("hoa", "person_forgotten", taken["id"]) in done
    assert ("hoa", "delete_person", "1 cases") in done
    assert child.id not in str(audit)


async def test_only_a_confirmed_supervisor_request_with_csrf_forgets(
    make_client: AppFactory, counselors: list[Counselor], redis_client: redis.Redis
) -> None:
    client = await make_client()
    child = Chat(client)
    await waiting_child(child)
    lan = await logged_in(client, counselors, "lan", online=False)
    boss = await logged_in(client, counselors, "boss", role="admin", online=False)
    _, queue = await lan.call("GET", "queue")
    path = f"conversations/{queue['items'][0]['id']}/forget"

    for who, shown in ((lan, False), (boss, True)):  # the button is on a supervisor's desk
        page = await (await who.http.get(who.url("/console/"))).text()
        assert ('id="forget"' in page and "Xoá dữ liệu của người này" in page) is shown
    assert await lan.call("POST", path, {"confirm": True}) == (
        403, {"error": "supervisors_only", "message": "Chỉ giám sát viên được làm việc này."},
    )  # fmt: skip
    for body in ({}, {"confirm": "yes"}, {"confirm": False}, {"confirm": 1}):
        assert await boss.call("POST", path, body) == (400, {"error": "confirm_required"})
    assert await boss.call("POST", path) == (400, {"error": "json_expected"})
    assert await boss.call("POST", path, {"confirm": True}, csrf=False) == (403, {"error": "csrf"})
    assert await redis_client.exists(keys.session("webchat", child.id)) == 1  # nothing gone
    assert len((await lan.call("GET", "queue"))[1]["items"]) == 1

    status, answer = await boss.call("POST", path, {"confirm": True})
    assert status == 200, answer
    assert answer["deleted"]["queue_places"] == 1
    assert (await lan.call("GET", "queue"))[1]["items"] == []
    assert await redis_client.exists(keys.session("webchat", child.id)) == 0
    assert await boss.call("POST", path, {"confirm": True}) == (404, {"error": "not_found"})
