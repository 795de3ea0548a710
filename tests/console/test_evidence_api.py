"""Evidence through the real app (web chat, worker, NLU, Redis, database): a child's
grooming report gives evidence items without anyone retyping them; a second child naming the
same TikTok account is flagged at once; roles (a counselor the cases they hold or handled, a
supervisor all, the targets supervisors only) and the audit of every view and export."""

import hashlib

from sqlalchemy import select

from bot.appkeys import DATABASE
from bot.cases.models import AuditEntry
from bot.evidence.chain import canonical
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.test_conversations import Chat

CLIP = "https://www.tiktok.com/@boicute99/video/7301234567890"
SECOND = "có đứa tiktok.com/@BoiCute99 cứ dụ em gửi ảnh, em sợ lắm"


async def grooming_report(child: Chat, words: str) -> None:
    """A child on the web chat reports a stranger on TikTok and is queued for a counselor."""
    await child.send(text="có người lạ trên tiktok cứ tặng quà rồi bảo em giữ bí mật")
    await child.send(payload="CHECK_YES")
    await child.send(text=words)
    await child.send(payload="ONGOING_YES")


async def straight_to_a_counselor(child: Chat, words: str) -> None:
    """A child who names the account in their first words and asks for a counselor."""
    await child.send(text=words)
    await child.send(payload="COUNSELOR")


async def test_a_grooming_report_becomes_evidence_and_a_repeat_target(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    minh = await logged_in(client, counselors, "minh")
    hoa = await logged_in(client, counselors, "hoa", role="supervisor", online=False)
    await grooming_report(Chat(client), f"nó tên là BoiCute99, link nè {CLIP}")
    status, first = await lan.call("POST", "conversations/next/claim")
    assert status == 200, first
    case_one = int(first["case_id"])

    status, shown = await lan.call("GET", f"conversations/{first['id']}/evidence")
    assert status == 200
    assert [(i["kind"], i["platform"], i["value"], i["entered_by"]) for i in shown["items"]] == [
        ("clip", "tiktok", CLIP, "child"), ("profile", "tiktok", "BoiCute99", "child"),
    ]  # fmt: skip
    assert (shown["flagged"], shown["flag"]) == (0, "")
    assert shown["items"][0]["url"] == CLIP
    assert shown["items"][1]["url"] == ""  # a name is no link
    assert (await minh.call("GET", f"cases/{case_one}/evidence"))[0] == 403  # not theirs
    assert (await minh.call("GET", f"conversations/{first['id']}/evidence"))[0] == 403

    await straight_to_a_counselor(Chat(client), SECOND)
    status, waiting = await minh.call("GET", "queue")
    [second] = waiting["items"]
    status, flagged = await minh.call("GET", f"conversations/{second['id']}/evidence")
    assert (status, flagged["items"]) == (200, None)  # not claimed yet: the flag alone
    assert flagged["flag"] == "Tài khoản này đã bị báo trong 1 ca khác"
    status, taken = await minh.call("POST", f"conversations/{second['id']}/claim")
    status, mine = await minh.call("GET", f"cases/{taken['case_id']}/evidence")
    assert [(i["kind"], i["other_cases"]) for i in mine["items"]] == [("profile", 1)]

    # opening a link is recorded before the link is handed over; a name has none
    status, opened = await lan.call("POST", f"cases/{case_one}/evidence/1/open", {})
    assert (status, opened["url"], opened["opened_by"]) == (200, CLIP, "counselor:lan")
    assert (await lan.call("POST", f"cases/{case_one}/evidence/2/open", {}))[1][
        "error"
    ] == "no_link"
    assert (await minh.call("POST", f"cases/{case_one}/evidence/1/open", {}))[0] == 403
    status, added = await lan.call(
        "POST", f"cases/{case_one}/evidence",
        {"kind": "phone", "value": "+84 912 345 678", "first_seen": "tối qua"},
    )  # fmt: skip
    assert (status, added["entered_by"], added["first_seen"]) == (201, "counselor:lan", "tối qua")
    bad = await lan.call("POST", f"cases/{case_one}/evidence", {"kind": "image", "value": "x"})
    assert bad == (400, {"error": "bad_kind"})
    link = {"kind": "other", "value": "javascript:alert(1)"}
    status, odd = await lan.call("POST", f"cases/{case_one}/evidence", link)
    assert (status, odd["url"]) == (201, "")  # kept as text, never a link to open
    status, fixed = await lan.call(
        "POST", f"cases/{case_one}/evidence/{added['seq']}/reporter", {"value": True}
    )
    assert (status, fixed["reporter_data"], fixed["target"]) == (200, True, False)
    status, named = await lan.call(
        "POST", f"cases/{case_one}/evidence/2/correct", {"name": "Anh Tú", "last_seen": "hôm qua"}
    )
    assert (status, named["value"], named["name"], named["corrected"]) == (
        200, "BoiCute99", "Anh Tú", ["counselor:lan"],
    )  # fmt: skip
    assert (await lan.call("POST", f"cases/{case_one}/evidence/2/correct", {"value": "x"}))[
        0
    ] == 400

    # the targets: supervisors only
    status, refused = await lan.call("GET", "targets")
    assert (status, refused["message"]) == (403, "Chỉ giám sát viên được làm việc này.")
    page = await lan.http.get(lan.url("/console/targets"))
    assert page.status == 403
    assert "Trang này chỉ dành cho giám sát viên." in await page.text()
    status, board = await hoa.call("GET", "targets")
    assert [(t["kind"], t["platform"], t["cases"]) for t in board["items"]] == [
        ("account", "tiktok", [case_one, int(taken["case_id"])]),
    ]  # fmt: skip
    page = await hoa.http.get(hoa.url("/console/targets"))
    assert "tiktok.com/@boicute99" in (await page.text()).lower()

    # an export a recipient can check: each hash over the entry's canonical JSON
    status, export = await hoa.call("GET", f"cases/{case_one}/evidence/export")
    for entry in export["entries"]:
        body = {k: v for k, v in entry.items() if k != "hash"}
        assert hashlib.sha256(canonical(body)).hexdigest() == entry["hash"]
    assert [e["prev"] for e in export["entries"][1:]] == [
        e["hash"] for e in export["entries"][:-1]
    ]

    async with client.server.app[DATABASE].connect() as db:
        audit = set((await db.execute(select(AuditEntry.actor, AuditEntry.action))).all())
        details = " ".join((await db.execute(select(AuditEntry.detail))).scalars().all())
    assert {
        ("lan", "view_evidence"), ("minh", "view_evidence_flag"), ("minh", "refused"),
        ("lan", "evidence_mark"), ("lan", "evidence_add"), ("bot", "evidence_add"),
        ("hoa", "view_targets"), ("hoa", "export_evidence"), ("lan", "refused"),
    } <= audit  # fmt: skip
    assert "BoiCute99" not in details
    assert "912 345" not in details
