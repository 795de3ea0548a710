"""Cases through the real app (web chat, worker, NLU, Redis, database) with two counselors
and a supervisor: the context found in the person's words, notes, referrals, a returning
child's history, the search (each counselor their own cases), the directory, the 111 table."""

from datetime import datetime

from sqlalchemy import select

from bot.appkeys import CASES, DATABASE, HANDOFFS
from bot.cases.models import AuditEntry, Contact
from bot.cases.stats import LOCAL
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, lan_and_hoa, logged_in
from tests.test_conversations import Chat


async def reach_a_counselor(child: Chat, words: str) -> None:
    await child.send(text="bạn cùng lớp lập nhóm chửi em, em buồn lắm")
    await child.send(payload="COUNSELOR")
    await child.send(text=words)  # while waiting: into the transcript


async def test_a_returning_child_with_notes_referrals_and_the_search(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    minh = await logged_in(client, counselors, "minh")
    sup = await logged_in(client, counselors, "hoa", role="supervisor", online=False)
    child = Chat(client)
    await reach_a_counselor(child, "em 12 tuổi, đứa bắt nạt em tên BoiCute99 và hoang.anh.2k3")

    status, taken = await lan.call("POST", "conversations/next/claim")
    assert status == 200
    assert taken["returning"] == 0
    assert taken["found"]["age"] == "12 tuổi"
    assert taken["found"]["usernames"] == ["BoiCute99", "hoang.anh.2k3"]
    case_id = int(taken["case_id"])

    # minh does not hold it and never handled it: no notes, no case, no correction
    assert (await minh.call("GET", f"cases/{case_id}/notes"))[0] == 403
    assert (await minh.call("POST", f"cases/{case_id}/notes", {"text": "x"}))[0] == 403
    assert (await minh.call("POST", f"cases/{case_id}/context", {"age": "9 tuổi"}))[0] == 403

    status, note = await lan.call(
        "POST", f"cases/{case_id}/notes", {"text": "Em ở với bà; hẹn em nhắn lại tối mai."}
    )
    assert status == 201
    assert note["author"] == "lan"
    assert (await lan.call("POST", f"cases/{case_id}/notes", {"text": "  "}))[0] == 400
    assert (await lan.call("PUT", f"cases/{case_id}/notes", {"text": "đổi"}))[0] == 405
    fixed = {"age": "12 tuổi", "usernames": ["BoiCute99"], "links": [], "phones": []}
    status, found = await lan.call("POST", f"cases/{case_id}/context", fixed)
    assert (status, found["usernames"]) == (200, ["BoiCute99"])
    status, services = await lan.call("GET", "directory")
    police = next(s for s in services["items"] if s["phone"] == "113")
    status, referral = await lan.call(
        "POST", f"cases/{case_id}/referrals", {"service_id": police["id"]}
    )
    assert (status, referral["phone"]) == (201, "113")
    closing = {"categories": ["school", "report_bullying"], "type": "consultation",
               "summary": "Bị bạn cùng lớp bắt nạt trong nhóm chat"}  # fmt: skip
    assert (await lan.call("POST", f"conversations/{taken['id']}/close", closing))[0] == 200

    await reach_a_counselor(child, "em lại bị BoiCute99 chửi")  # the same child comes back
    status, queue = await minh.call("GET", "queue")
    [row] = queue["items"]
    assert row["returning"] == 1
    status, history = await minh.call("GET", f"conversations/{row['id']}/history")
    assert status == 200
    [earlier] = history["items"]
    assert earlier["summary"] == "Bị bạn cùng lớp bắt nạt trong nhóm chat"
    assert [n["text"] for n in earlier["notes"]] == ["Em ở với bà; hẹn em nhắn lại tối mai."]
    assert [r["name"] for r in earlier["referrals"]] == [police["name"]]
    assert history["case"]["found"]["usernames"] == ["BoiCute99"]

    status, mine = await lan.call("GET", "cases?username=boicute")
    assert [c["id"] for c in mine["items"]] == [case_id]  # lan's own, not the new one
    assert (await minh.call("GET", "cases"))[1]["items"] == []
    status, every = await sup.call("GET", "cases?status=open")
    assert len(every["items"]) == 1
    assert every["items"][0]["id"] != case_id
    assert (await lan.call("GET", "cases?status=bogus"))[0] == 400

    today = datetime.now(LOCAL).date()
    status, stats = await sup.call("GET", f"stats?from={today}&to={today}&by=quarter")
    assert status == 200
    assert (stats["contacts_received"], stats["contacts_recorded"]) == (2, 1)
    assert (stats["consultations"], stats["total"]) == (1, 1)  # one case, two categories
    async with client.server.app[DATABASE].connect() as db:
        contacts = (await db.execute(select(Contact.counselor, Contact.outcome))).all()
        actions = set((await db.execute(select(AuditEntry.actor, AuditEntry.action))).all())
    assert sorted(contacts) == [("", ""), ("lan", "closed")]
    for done in ("note", "correct_context", "refer", "close", "view_history"):
        assert any(action == done for _, action in actions), done
    assert ("minh", "refused") in actions


async def test_queue_rows_show_the_first_words_and_the_directory_is_for_supervisors(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan, sup = await lan_and_hoa(client, counselors)
    child = Chat(client)
    await reach_a_counselor(child, "em vẫn ở đây")
    [row] = (await lan.call("GET", "queue"))[1]["items"]
    long = "chị ơi " + "em sợ lắm " * 20 + '<b onmouseover="x">'
    await client.server.app[HANDOFFS].queue.set_preview(row["id"], long)
    [row] = (await lan.call("GET", "queue"))[1]["items"]
    assert row["preview"].startswith("chị ơi em sợ lắm")
    assert len(row["preview"]) <= 80
    assert row["preview"].endswith("…")

    entry = {"name": "Bệnh viện Nhi tỉnh", "kind": "health", "phone": "điền số",
             "area": "Tỉnh A", "when": "Trẻ cần khám sau khi bị xâm hại"}  # fmt: skip
    assert (await lan.call("POST", "directory", entry))[0] == 403
    status, made = await sup.call("POST", "directory", entry)
    assert status == 201
    assert (await sup.call("POST", "directory", {**entry, "kind": "bogus"}))[0] == 400
    changed = {**entry, "phone": "0123", "active": False}
    assert (await sup.call("POST", f"directory/{made['id']}", changed))[0] == 200
    names = [s["name"] for s in (await lan.call("GET", "directory"))[1]["items"]]
    assert "Bệnh viện Nhi tỉnh" not in names  # inactive: not offered
    assert "Tổng đài quốc gia bảo vệ trẻ em 111" in names  # the seed
    assert (await lan.call("GET", "cases/99999999999999999999"))[0] == 404


async def test_a_child_who_comes_back_about_the_same_matter_is_one_case_with_two_contacts(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan, sup = await lan_and_hoa(client, counselors)
    child, other = Chat(client), Chat(client)
    await reach_a_counselor(child, "đứa tên BoiCute99 chửi em")
    status, taken = await lan.call("POST", "conversations/next/claim")
    first = int(taken["case_id"])
    closing = {"categories": ["report_bullying"], "type": "consultation", "summary": "Bị chửi"}
    assert (await lan.call("POST", f"conversations/{taken['id']}/close", closing))[0] == 200
    await reach_a_counselor(other, "em cũng bị chửi")
    status, stranger = await lan.call("POST", "conversations/next/claim")
    await lan.call("POST", f"conversations/{stranger['id']}/release")

    await reach_a_counselor(child, "nó lại chửi em nữa")  # the same child, the same matter
    status, back = await lan.call("POST", "conversations/next/claim")
    assert back["returning"] == 1
    again = int(back["case_id"])
    path = f"cases/{again}/follow-up"
    assert (await lan.call("POST", path, {"of": int(stranger["case_id"])})) == (
        400, {"error": "not_earlier"})  # fmt: skip
    assert (await lan.call("POST", path, {"of": "1"}))[0] == 400
    minh = await logged_in(client, counselors, "minh", online=False)
    await client.server.app[CASES].handled(again, "minh")  # handled it, does not hold it
    assert (await minh.call("POST", path, {"of": first})) == (409, {"error": "not_yours"})
    assert (await lan.call("POST", path, {"of": first})) == (200, {"follow_up_of": first})
    status, history = await lan.call("GET", f"conversations/{back['id']}/history")
    assert history["case"]["follow_up_of"] == first
    assert history["items"][0]["follow_ups"] == [again]
    assert history["items"][0]["contacts"] == 2
    closed = f"conversations/{back['id']}/close"
    status, services = await lan.call("GET", "directory")
    hotline = next(s for s in services["items"] if s["phone"] == "111")
    for wrong in ([99999], ["1"], [True], list(range(1, 8)), "1", [hotline["id"], 99999]):
        refused = await lan.call("POST", closed, {**closing, "referred": wrong})
        assert refused == (400, {"error": "bad_service"}), wrong
    assert (await sup.call("GET", f"cases/{again}"))[1]["referrals"] == []  # none half-made
    assert (await lan.call("POST", closed, {**closing, "referred": [hotline["id"]]}))[0] == 200
    assert (await lan.call("POST", path, {"of": None}))[0] == 409  # closed: it stays linked
    status, done = await sup.call("GET", f"cases/{again}")
    assert [r["phone"] for r in done["referrals"]] == ["111"]  # picked in the close form
    page = await (await sup.http.get(sup.url(f"/console/cases/{first}"))).text()
    assert f'Các lần liên hệ tiếp theo</dt><dd><a href="/console/cases/{again}">' in page

    today = datetime.now(LOCAL).date()
    status, stats = await sup.call("GET", f"stats?from={today}&to={today}")
    assert (stats["contacts_received"], stats["contacts_recorded"]) == (3, 2)
    assert (stats["consultations"], stats["total"]) == (1, 1)
