"""Referrals on a real database with the real evidence items and the fake SMTP server: the
allowed moves and the refused ones, the three packages (what they carry, what they never
carry, their SHA-256), e-mail sent, failing and disabled, routing rules, a person forgotten
and retention (the texts and packages go, row 4.3 keeps its counts)."""

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry
from bot.cases.records import CaseRecords
from bot.cases.stats import LOCAL
from bot.evidence.items import Draft as Item
from bot.evidence.items import Evidence
from bot.referrals import outcomes
from bot.referrals.models import ExportRecord, NetworkReferral
from bot.referrals.recipients import Entry, Recipients
from bot.referrals.senders import EmailSender
from bot.referrals.service import Draft, ReferralError, Referrals
from bot.settings import Settings
from tests.fakes.smtp import FakeSmtp
from tests.referrals.conftest import smtp_settings

CHILD_REF = "ref-of-the-child-0123456789abcdef"
CHILD_PHONE = "0912345678"
SUMMARY = "Người này hẹn gặp em ở quán net gần trường."


async def grooming_case(records: CaseRecords, evidence: Evidence) -> int:
    case_id = await records.open_or_update(
        "webchat", CHILD_REF, "report_grooming", "high", "tiktok",
        summary="có người lạ trên tiktok tên @chu_be_xau nhắn tin dụ em, số em là " + CHILD_PHONE,
    )  # fmt: skip
    await evidence.add(case_id, [
        Item("profile", "@chu_be_xau", "tiktok", "Anh Tuấn", "tháng 3", "hôm qua"),
        Item("clip", "https://www.tiktok.com/@chu_be_xau/video/7312345678901234567", "tiktok"),
        Item("phone", CHILD_PHONE, "", "số của em"),
    ], "child", "bot")  # fmt: skip
    [own] = [i for i in await evidence.items(case_id) if i.value == CHILD_PHONE]
    await evidence.mark(case_id, own.seq, "counselor:lan", "lan", {"reporter_data": True})
    return case_id


async def email_recipient(recipients: Recipients, address: str = "ts@tiktok.example") -> int:
    await recipients.seed()
    return await recipients.add("hoa", Entry(
        "TikTok Trust & Safety (thử)", "platform", "email", "cybertipline", "tiktok", address,
    ))  # fmt: skip


async def test_a_referral_moves_only_forward_and_every_move_is_audited(
    records: CaseRecords, evidence: Evidence, referrals: Referrals, recipients: Recipients,
    db: async_sessionmaker[AsyncSession], words: dict[str, Any],
) -> None:  # fmt: skip
    case_id = await grooming_case(records, evidence)
    portal = next(r for r in await recipients.entries() if r.key == "vn_cop")
    made = await referrals.create(case_id, "lan", Draft(portal.id, SUMMARY))
    assert (made["status"], made["shape"], made["next"]) == ("drafted", "url_report", ["sent"])

    with pytest.raises(ReferralError) as early:
        await referrals.move(made["id"], "lan", "actioned", "content_removed")
    assert (early.value.status, early.value.reason) == (409, "bad_transition")
    with pytest.raises(ReferralError) as unsent:  # nothing downloaded yet: not "sent"
        await referrals.move(made["id"], "lan", "sent")
    assert unsent.value.reason == "send_by_email"

    package, _ = await referrals.package(made["id"], "lan", "download", words)
    moved = await referrals.move(made["id"], "lan", "sent")
    moved = await referrals.move(made["id"], "minh", "acknowledged")
    with pytest.raises(ReferralError) as no_outcome:
        await referrals.move(made["id"], "minh", "actioned")
    assert no_outcome.value.reason == "bad_outcome"
    moved = await referrals.move(made["id"], "minh", "actioned", "account_closed")
    assert (moved["status"], moved["outcome"], moved["next"]) == ("actioned", "account_closed", [])
    with pytest.raises(ReferralError) as back:
        await referrals.move(made["id"], "minh", "sent")
    assert (back.value.status, back.value.detail) == (409, "actioned>sent")

    steps = [(e["actor"], e["from"], e["to"]) for e in moved["events"]]
    assert steps == [
        ("lan", "", "drafted"),
        ("lan", "drafted", "sent"),
        ("minh", "sent", "acknowledged"),
        ("minh", "acknowledged", "actioned"),
    ]
    assert all(e["at"] for e in moved["events"])
    async with db() as session:
        audited = list(await session.scalars(
            select(AuditEntry.action).where(AuditEntry.case_id == case_id,
                                            AuditEntry.action.like("referral_%"))
            .order_by(AuditEntry.id)
        ))  # fmt: skip
    assert audited == ["referral_drafted", "referral_export", "referral_sent",
                       "referral_acknowledged", "referral_actioned"]  # fmt: skip
    assert moved["exports"][0]["sha256"] == package.sha256


async def test_packages_carry_the_offender_never_the_reporter(
    records: CaseRecords, evidence: Evidence, referrals: Referrals, recipients: Recipients,
    words: dict[str, Any], db: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    case_id = await grooming_case(records, evidence)
    await recipients.seed()
    every = {r.key: r for r in await recipients.entries()}
    chain = {e["seq"]: e["hash"] for e in await evidence.entries(case_id)}
    for shape in ("cybertipline", "zalo_notice", "url_report"):
        made = await referrals.create(case_id, "lan", Draft(
            every["tiktok"].id, SUMMARY, "Người này hẹn gặp trẻ ngoài đời", shape,
        ))  # fmt: skip
        package, export_id = await referrals.package(made["id"], "lan", "download", words)
        assert hashlib.sha256(package.body).hexdigest() == package.sha256
        text = package.body.decode()
        assert CHILD_PHONE not in text
        assert CHILD_REF not in text
        assert "@chu_be_xau" in text
        assert SUMMARY in text
        document = json.loads(text)
        assert document["files"] == []
        assert document["shape"] == shape
        for carried in document["evidence"]:
            assert chain[carried["seq"]] == carried["chain_hash"]  # checkable against the chain
        async with db() as session:
            record = await session.get(ExportRecord, export_id)
            assert record is not None
            assert record.sha256 == package.sha256
            assert record.body.encode() == package.body
        if shape == "cybertipline":
            summary = document["incidentSummary"]
            assert summary["incidentType"] == "Online Enticement of Children for Sexual Acts"
            assert summary["escalateToHighPriority"] == "Người này hẹn gặp trẻ ngoài đời"
            assert [p["screenName"] for p in document["reportedPerson"]] == ["@chu_be_xau"]
            assert document["reportedPerson"][0]["espService"] == "tiktok"
            assert document["internetDetails"]["webPageIncident"]["url"] == [
                "https://www.tiktok.com/@chu_be_xau/video/7312345678901234567"
            ]
        if shape == "zalo_notice":
            assert "Họ và tên: ....." in document["text"]  # left for the parent to fill
            assert set(document["claimant"].values()) == {""}
            assert "Trẻ em bị dụ dỗ/gạ gẫm trên MTM" in document["text"]

    bullying = await records.open_or_update(
        "webchat", "another", "report_bullying", platform="facebook"
    )
    made = await referrals.create(bullying, "lan", Draft(every["meta"].id))
    with pytest.raises(ReferralError) as none:
        await referrals.package(made["id"], "lan", "download", words)
    assert (none.value.status, none.value.reason) == (409, "no_incident_type")


async def test_an_email_carries_the_package_and_a_failure_leaves_a_draft(
    records: CaseRecords, evidence: Evidence, referrals: Referrals, recipients: Recipients,
    words: dict[str, Any], smtp: FakeSmtp,
) -> None:  # fmt: skip
    case_id = await grooming_case(records, evidence)
    to = await email_recipient(recipients)
    subject = words["referrals"]["email_subject"]
    sender = EmailSender(smtp_settings(smtp))

    off = await referrals.create(case_id, "lan", Draft(to, SUMMARY))
    with pytest.raises(ReferralError) as disabled:
        await referrals.send(off["id"], "lan", EmailSender(Settings.from_env({})), subject, words)
    assert disabled.value.reason == "sender_disabled"
    assert (await referrals.get(off["id"]) or {})["status"] == "drafted"

    smtp.fail_next(1, code=451)
    with pytest.raises(ReferralError) as failed:
        await referrals.send(off["id"], "lan", sender, subject, words)
    assert (failed.value.status, failed.value.detail) == (502, "smtp:451")
    after = await referrals.get(off["id"]) or {}
    assert (after["status"], after["last_error"]) == ("drafted", "smtp:451")
    assert smtp.messages == []

    sent = await referrals.send(off["id"], "lan", sender, subject, words)
    assert sent["status"] == "sent"
    assert sent["last_error"] == ""
    [message] = smtp.messages
    assert message["To"] == "ts@tiktok.example"
    assert message["Subject"] == f"[Tổng đài 111] Chuyển thông tin vụ việc 111-R{off['id']}"
    [attached] = list(message.iter_attachments())
    body = attached.get_content()
    data = body if isinstance(body, bytes) else body.encode()
    recorded = sent["exports"][-1]["sha256"]
    assert hashlib.sha256(data).hexdigest() == recorded
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert recorded in text.get_content()
    assert "@chu_be_xau" in text.get_content()
    assert CHILD_PHONE not in message.as_string()

    with pytest.raises(ReferralError) as again:  # sent once: never twice
        await referrals.send(off["id"], "lan", sender, subject, words)
    assert again.value.reason == "bad_transition"

    await smtp.stop()  # a relay that is down
    down = await referrals.create(case_id, "lan", Draft(to))
    with pytest.raises(ReferralError) as refused:
        await referrals.send(down["id"], "lan", sender, subject, words)
    assert refused.value.reason == "send_failed"
    assert (await referrals.get(down["id"]) or {})["status"] == "drafted"


async def test_routing_rules_draft_on_closing_and_deletion_keeps_only_counts(
    records: CaseRecords, evidence: Evidence, referrals: Referrals, recipients: Recipients,
    words: dict[str, Any], db: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    case_id = await grooming_case(records, evidence)
    await records.close(case_id, "lan", ["report_grooming"], "intervention")
    assert await referrals.draft_routed(case_id, recipients) == 2  # vn-cop, and TikTok on TikTok
    assert await referrals.draft_routed(case_id, recipients) == 0  # once per recipient
    drafts = await referrals.for_case(case_id)
    assert {d["recipient"] for d in drafts} >= {"TikTok - Trust & Safety"}
    assert {(d["status"], d["created_by"]) for d in drafts} == {("drafted", "rule")}
    other = await records.open_or_update("webchat", "x", "report_scam", platform="zalo")
    await records.close(other, "lan", ["report_scam"], "consultation")
    assert await referrals.draft_routed(other, recipients) == 0  # no rule for scams

    first = drafts[0]["id"]
    await referrals.edit(first, "lan", Draft(0, SUMMARY))
    await referrals.package(first, "lan", "download", words)
    await records.forget_person(CHILD_REF, "hoa")
    async with db() as session:
        referral = await session.get(NetworkReferral, first)
        exports = list(await session.scalars(select(ExportRecord)))
    assert referral is not None
    assert referral.summary == ""
    assert referral.status == "drafted"
    assert [(x.body, len(x.sha256)) for x in exports] == [("", 64)]
    with pytest.raises(ReferralError):
        await referrals.edit(first, "lan", replace(Draft(0), summary="x" * 2001))


async def test_retention_empties_the_packages_and_keeps_row_4_3(
    records: CaseRecords, evidence: Evidence, referrals: Referrals, recipients: Recipients,
    words: dict[str, Any], db: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    case_id = await grooming_case(records, evidence)
    portal = next(r for r in await recipients.entries() if r.key == "vn_cop")
    made = await referrals.create(case_id, "lan", Draft(portal.id, SUMMARY))
    await referrals.package(made["id"], "lan", "download", words)
    await referrals.move(made["id"], "lan", "sent")
    await referrals.move(made["id"], "lan", "actioned", "content_removed")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await records.close(case_id, "lan", ["report_grooming"], "intervention", at=long_ago)
    today = datetime.now(LOCAL).date()
    before = (await outcomes.outcomes(db, today, today)).as_json()["total"]

    assert await records.purge_transcripts(365) == 1
    kept = await referrals.get(made["id"]) or {}
    assert (kept["summary"], kept["status"], kept["outcome"]) == (
        "",
        "actioned",
        "content_removed",
    )
    assert [x["kept"] for x in kept["exports"]] == [False]
    assert len(kept["exports"][0]["sha256"]) == 64
    assert (await outcomes.outcomes(db, today, today)).as_json()["total"] == before
