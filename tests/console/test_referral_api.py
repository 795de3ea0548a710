"""Referrals through the real app (web chat, worker, NLU, Redis, database) and the fake SMTP
server: a child's grooming report referred by e-mail with a package whose SHA-256 is the
recorded one, followed to "actioned" and counted in row 4.3; the refused moves in Vietnamese;
roles; a disabled or failing sender leaves a draft; the routing rules on closing."""

import hashlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.appkeys import DATABASE
from bot.cases.db import sessions
from bot.cases.models import AuditEntry
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, lan_and_hoa, logged_in
from tests.fakes.smtp import FakeSmtp
from tests.test_conversations import Chat

TIKTOK = {
    "name": "TikTok Trust & Safety (thử)",
    "kind": "platform",
    "sender": "email",
    "email": "ts@tiktok.example",
    "shape": "cybertipline",
    "platforms": "tiktok",
}


CLIP = "https://www.tiktok.com/@boicute99/video/7301234567890"


async def grooming_report(child: Chat, words: str) -> None:
    """A child on the web chat reports a stranger on TikTok and is queued for a counselor."""
    await child.send(text="có người lạ trên tiktok cứ tặng quà rồi bảo em giữ bí mật")
    await child.send(payload="CHECK_YES")
    await child.send(text=words)
    await child.send(payload="ONGOING_YES")


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp()
    await fake.start()
    yield fake
    await fake.stop()


def smtp_on(smtp: FakeSmtp) -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
            "smtp_from": "chuyen-tiep@111.example.vn", "smtp_timeout": 5.0}  # fmt: skip


async def test_a_referral_emailed_followed_to_actioned_and_counted_in_4_3(
    make_client: AppFactory, counselors: list[Counselor], smtp: FakeSmtp
) -> None:
    client = await make_client(**smtp_on(smtp))
    lan = await logged_in(client, counselors, "lan")
    minh = await logged_in(client, counselors, "minh")
    hoa = await logged_in(client, counselors, "hoa", role="supervisor", online=False)
    await grooming_report(Chat(client), f"nó tên là BoiCute99, link nè {CLIP}")
    status, taken = await lan.call("POST", "conversations/next/claim")
    case_id = taken["case_id"]

    assert (await lan.call("POST", "referral-recipients", TIKTOK))[0] == 403  # supervisors
    status, made = await hoa.call("POST", "referral-recipients", TIKTOK)
    assert status == 201
    bad = {**TIKTOK, "email": "a@b.example\r\nBcc: x@evil.example"}
    assert (await hoa.call("POST", "referral-recipients", bad))[1]["error"] == "bad_email"

    assert (await minh.call("GET", f"cases/{case_id}/network-referrals"))[0] == 403
    status, shown = await lan.call("GET", f"cases/{case_id}/network-referrals")
    assert status == 200
    assert shown["items"] == []
    assert shown["senders"]["email"]["enabled"]
    assert made["id"] in [r["id"] for r in shown["recipients"]]
    status, draft = await lan.call("POST", f"cases/{case_id}/network-referrals", {
        "recipient_id": made["id"], "summary": "Người này tặng quà và bảo em giữ bí mật.",
        "priority_reason": "Đang dụ trẻ gặp ngoài đời",
    })  # fmt: skip
    assert (status, draft["status"], draft["sender"]) == (201, "drafted", "email")
    referral = draft["id"]
    assert (await minh.call("POST", f"network-referrals/{referral}/send"))[0] == 403

    status, early = await lan.call(
        "POST",
        f"network-referrals/{referral}/status",
        {"status": "actioned", "outcome": "content_removed"},
    )
    assert (status, early["error"]) == (409, "bad_transition")
    assert early["message"].startswith("Không chuyển được sang trạng thái này")

    status, sent = await lan.call("POST", f"network-referrals/{referral}/send")
    assert (status, sent["status"]) == (200, "sent")
    [message] = smtp.messages
    assert smtp.envelopes[0][1] == ["ts@tiktok.example"]
    [attached] = list(message.iter_attachments())
    body = attached.get_content()
    data = body if isinstance(body, bytes) else body.encode()
    assert hashlib.sha256(data).hexdigest() == sent["exports"][0]["sha256"]
    assert b"BoiCute99" in data
    assert b"Online Enticement" in data

    for to in ("acknowledged", "sent"):
        status, moved = await lan.call(
            "POST", f"network-referrals/{referral}/status", {"status": to}
        )
    assert (status, moved["error"], moved["detail"]) == (
        409,
        "bad_transition",
        "acknowledged>sent",
    )
    status, done = await lan.call(
        "POST",
        f"network-referrals/{referral}/status",
        {"status": "actioned", "outcome": "content_removed"},
    )
    assert (status, done["status"], done["outcome"]) == (200, "actioned", "content_removed")
    assert [e["to"] for e in done["events"]] == ["drafted", "sent", "acknowledged", "actioned"]

    status, row = await hoa.call("GET", "stats/outcomes")
    assert status == 200
    assert (
        row["total"]["referred"],
        row["total"]["actioned"],
        row["total"]["content_removed"],
    ) == (1, 1, 1)
    assert row["platforms"]["tiktok"]["actioned"] == 1
    assert row["names"]["tiktok"] == "TikTok"
    csv = await hoa.http.get(hoa.url("/console/stats/outcomes.csv"))
    assert csv.status == 200
    assert "Tất cả nền tảng" in (await csv.text())

    async with sessions(client.server.app[DATABASE])() as db:
        audited = list(await db.scalars(
            select(AuditEntry.actor + " " + AuditEntry.action)
            .where(AuditEntry.action.like("referral\\_%", escape="\\")).order_by(AuditEntry.id)
        ))  # fmt: skip
    assert audited == ["lan referral_drafted", "lan referral_export", "lan referral_sent",
                       "lan referral_acknowledged", "lan referral_actioned"]  # fmt: skip


async def test_without_smtp_or_with_a_failing_server_a_referral_stays_a_draft(
    make_client: AppFactory, counselors: list[Counselor], smtp: FakeSmtp
) -> None:
    client = await make_client()  # no SMTP_HOST: the e-mail sender is disabled
    lan, hoa = await lan_and_hoa(client, counselors)
    await grooming_report(Chat(client), "nó tên là BoiCute99")
    status, taken = await lan.call("POST", "conversations/next/claim")
    case_id = taken["case_id"]
    status, made = await hoa.call("POST", "referral-recipients", TIKTOK)
    status, shown = await lan.call("GET", f"cases/{case_id}/network-referrals")
    assert shown["senders"]["email"] == {"enabled": False, "problem": ""}
    status, shown = await hoa.call("GET", f"cases/{case_id}/network-referrals")
    assert shown["senders"]["email"]["problem"] == "SMTP_HOST or SMTP_FROM unset"
    status, draft = await lan.call("POST", f"cases/{case_id}/network-referrals",
                                   {"recipient_id": made["id"]})  # fmt: skip
    status, refused = await lan.call("POST", f"network-referrals/{draft['id']}/send")
    assert (status, refused["error"]) == (409, "sender_disabled")
    assert "chưa được cấu hình" in refused["message"]
    status, after = await lan.call("GET", f"cases/{case_id}/network-referrals")
    assert [(r["status"], r["last_error"]) for r in after["items"]] == [("drafted", "disabled")]

    failing = await make_client(**smtp_on(smtp))  # the same database, SMTP set this time
    sup = await logged_in(failing, counselors, "hoa2", role="supervisor", online=False)
    status, draft = await sup.call(
        "POST", f"cases/{case_id}/network-referrals", {"recipient_id": made["id"]}
    )  # a supervisor refers any case
    smtp.fail_next(1, code=451)
    status, failed = await sup.call("POST", f"network-referrals/{draft['id']}/send")
    assert (status, failed["error"], failed["detail"]) == (502, "send_failed", "smtp:451")
    assert failed["message"].startswith("Chưa gửi được e-mail")
    assert smtp.messages == []
    status, again = await sup.call("GET", f"cases/{case_id}/network-referrals")
    assert [(r["status"], r["last_error"]) for r in again["items"]] == [
        ("drafted", "disabled"),
        ("drafted", "smtp:451"),
    ]


async def test_closing_a_case_drafts_what_the_routing_rules_say(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan, hoa = await lan_and_hoa(client, counselors)
    status, every = await hoa.call("GET", "referral-recipients")
    ngo = next(r for r in every["items"] if r["key"] == "ngo")
    rule = {"category": "report_grooming", "platform": "", "recipient_id": ngo["id"]}
    assert (await lan.call("POST", "referral-rules", rule))[0] == 403
    assert (await hoa.call("POST", "referral-rules", rule))[0] == 201
    status, twice = await hoa.call("POST", "referral-rules", rule)
    assert (status, twice["error"]) == (409, "bad_rule_duplicate")

    await grooming_report(Chat(client), f"nó tên là BoiCute99, link nè {CLIP}")
    status, taken = await lan.call("POST", "conversations/next/claim")
    closing = {"categories": ["report_grooming"], "type": "intervention"}
    assert (await lan.call("POST", f"conversations/{taken['id']}/close", closing))[0] == 200
    status, shown = await lan.call("GET", f"cases/{taken['case_id']}/network-referrals")
    drafted = {(r["recipient"], r["status"], r["created_by"]) for r in shown["items"]}
    assert {(ngo["name"], "drafted", "rule"),
            ("Cổng vn-cop.vn (Mạng lưới ứng cứu, bảo vệ trẻ em trên môi trường mạng)",
             "drafted", "rule")} <= drafted  # fmt: skip
    assert all(r["sent_at"] is None for r in shown["items"])  # drafted, never sent

    portal = next(r for r in shown["items"] if r["recipient"].startswith("Cổng vn-cop.vn"))
    status, early = await lan.call(
        "POST", f"network-referrals/{portal['id']}/status", {"status": "sent"}
    )
    assert (status, early["error"]) == (409, "send_by_email")  # nothing downloaded yet
    made_at = lan.url(f"/console/api/network-referrals/{portal['id']}/package")
    download = await lan.http.post(made_at, headers={"X-CSRF-Token": lan.csrf})
    assert download.status == 200
    data = await download.read()
    assert hashlib.sha256(data).hexdigest() == download.headers["X-Package-SHA256"]
    assert "attachment" in download.headers["Content-Disposition"]
    status, sent = await lan.call(
        "POST", f"network-referrals/{portal['id']}/status", {"status": "sent"}
    )
    assert (status, sent["status"], sent["exports"][0]["how"]) == (200, "sent", "download")
    again = await lan.http.get(
        lan.url(
            f"/console/api/network-referrals/{portal['id']}/exports/{sent['exports'][0]['id']}"
        )
    )
    assert await again.read() == data  # the same bytes, as they were given out
