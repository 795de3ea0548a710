"""Items and targets on a real database: the same TikTok account typed two ways by two
children is one target with two cases; the reporter's own data names no target; items are
marked and corrected by new entries; retention and a person forgotten (also through
`delete-person`) delete the items and the target goes with its last case."""

from datetime import UTC, datetime, timedelta

import redis.asyncio as redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Case
from bot.cases.records import CaseRecords
from bot.evidence.board import board
from bot.evidence.chain import verify
from bot.evidence.intake import take
from bot.evidence.items import Draft, Evidence
from bot.evidence.models import EvidenceEntry, Target, TargetCase
from bot.evidence.privacy import forget_evidence, purge_evidence
from bot.forget import forget_person
from bot.logs import user_ref
from tests.evidence.conftest import KEY


async def test_two_children_naming_one_account_make_one_target_with_two_cases(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    first = await records.open_or_update("webchat", "p1", "report_grooming", platform="tiktok")
    await take(evidence, first, [("child", "nó là BoiCute99, tiktok.com/@boicute99/video/123")])
    second = await records.open_or_update("zalo", "p2", "report_grooming", platform="tiktok")
    assert [i.other_cases for i in await evidence.items(second)] == []
    await take(evidence, second, [("child", "có đứa @BOICUTE99 nhắn em"), ("bot", "@x_bot_99")])

    [named] = await evidence.items(second)  # the bot's line is not the person's words
    assert (named.kind, named.platform, named.value, named.entered_by) == (
        "profile", "tiktok", "BOICUTE99", "child",
    )  # fmt: skip
    assert (named.target, named.other_cases) == (True, 1)
    clip, profile = await evidence.items(first)  # the clip's account is the same target
    assert [(clip.kind, clip.other_cases), (profile.kind, profile.other_cases)] == [
        ("clip", 1), ("profile", 1),
    ]  # fmt: skip
    [row] = await board(db)
    assert (row.kind, row.platform, row.cases) == ("account", "tiktok", (first, second))
    async with db() as session:
        [stored] = list(await session.scalars(select(Target)))
    assert "boicute99" not in stored.key_hash.lower()


async def test_the_reporters_own_phone_is_no_target(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    one = await records.open_or_update("webchat", "p1", "report_scam")
    other = await records.open_or_update("webchat", "p2", "report_scam")
    for case_id in (one, other):
        await take(evidence, case_id, [("parent", "số của tôi là 0912 345 678")])
    assert [i.other_cases for i in await evidence.items(other)] == [1]
    marked = await evidence.mark(other, 1, "counselor:lan", "lan", {"reporter_data": True})
    assert marked is not None
    assert marked.reporter_data
    assert [(i.target, i.other_cases) for i in await evidence.items(other)] == [(False, 0)]
    assert [r.cases for r in await board(db)] == [(one,)]
    await evidence.mark(one, 1, "counselor:lan", "lan", {"reporter_data": True})
    assert await board(db) == []  # the target went with its last case
    assert (await verify(db))[0].ok


async def test_marks_and_corrections_are_new_entries(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    case_id = await records.open_or_update("webchat", "p1", "report_grooming")
    [item] = await evidence.add(case_id, [Draft("profile", "hoang.anh.2k3", "facebook")],
                                "counselor:lan", "lan")  # fmt: skip
    await evidence.mark(case_id, item.seq, "counselor:minh", "minh", {"opened": True})
    await evidence.mark(case_id, item.seq, "counselor:lan", "lan",
                        {"name": "Hoàng Anh", "first_seen": "tháng 3"}, op="correct")  # fmt: skip
    assert await evidence.mark(case_id, 99, "counselor:lan", "lan", {"opened": True}) is None
    [now] = await evidence.items(case_id)
    assert (now.name, now.first_seen, now.opened, now.opened_by) == (
        "Hoàng Anh", "tháng 3", 1, "counselor:minh",
    )  # fmt: skip
    async with db() as session:
        ops = list(await session.scalars(select(EvidenceEntry.op).order_by(EvidenceEntry.seq)))
        audited = list(await session.scalars(select(AuditEntry.action)))
    assert ops == ["add", "mark", "correct"]
    assert audited.count("evidence_add") == 1
    assert audited.count("evidence_mark") == 1


async def test_retention_and_forgetting_delete_items_and_lonely_targets(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    old = await records.open_or_update("webchat", "p1", "report_grooming", platform="tiktok")
    recent = await records.open_or_update("webchat", "p2", "report_grooming", platform="tiktok")
    gone = await records.open_or_update("zalo", "p3", "report_scam")
    for case_id in (old, recent):
        await take(evidence, case_id, [("child", "acc tiktok nó là @BoiCute99")])
    await take(evidence, gone, [("parent", "stk 0123456789 của nó")])
    long_ago = datetime.now(UTC) - timedelta(days=100)
    await records.close(old, "lan", ["report_grooming"], "intervention", at=long_ago)
    await records.close(recent, "lan", ["report_grooming"], "intervention")

    assert await purge_evidence(records, 90) == 1
    assert await evidence.items(old) == []
    assert [i.other_cases for i in await evidence.items(recent)] == [0]
    assert await forget_evidence(records, "p3", "delete-person") == 1
    assert await evidence.items(gone) == []
    assert [(r.kind, r.cases) for r in await board(db)] == [("account", (recent,))]
    assert await purge_evidence(records, 90) == 0  # once only
    async with db() as session:
        links = await session.scalar(select(func.count()).select_from(TargetCase))
        cases = await session.scalar(select(func.count()).select_from(Case))
    assert (links, cases) == (1, 3)  # the cases stay, for the anonymous counts
    states = {s.case_id: s for s in await verify(db)}
    assert all(s.ok for s in states.values())
    assert (states[old].deleted, states[old].reason) == (1, "retention")
    assert (states[gone].deleted, states[gone].reason) == (1, "forgotten")


async def test_delete_person_takes_their_cases_items(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence,
    redis_client: redis.Redis,
) -> None:  # fmt: skip
    ref = user_ref(KEY, "zalo", "1234567")
    theirs = await records.open_or_update("zalo", ref, "report_grooming", platform="tiktok")
    other = await records.open_or_update("zalo", "someone-else", "report_grooming")
    for case_id in (theirs, other):
        await take(evidence, case_id, [("child", "nó là tiktok.com/@BoiCute99")])
    done = await forget_person(redis_client, records, KEY, "zalo", "1234567")
    assert done.cases == 1
    assert await evidence.items(theirs) == []
    assert [i.other_cases for i in await evidence.items(other)] == [0]
    assert [r.cases for r in await board(db)] == [(other,)]
    states = {s.case_id: s for s in await verify(db)}
    assert (states[theirs].ok, states[theirs].reason) == (True, "forgotten")
