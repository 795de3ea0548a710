"""Issue 12, attack 7 (SQL side): released or never-reached conversations left open cases,
and their words, for ever. An open case that goes quiet past the retention clock is closed as
"no contact" and its texts deleted; the counts the statistics read are untouched."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Case, TranscriptLine
from bot.cases.records import NO_CONTACT, CaseRecords


async def test_an_open_case_gone_quiet_is_closed_as_no_contact_and_purged(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    quiet = await records.open_or_update(
        "webchat", "quiet", "report_bullying", summary="em bị chửi"
    )
    await records.add_lines(quiet, [("child", "em bị chửi"), ("bot", "Cảm ơn bạn")])
    talking = await records.open_or_update("webchat", "talking", "report_scam", links="@lua_dao")
    await records.add_lines(talking, [("child", "nó lừa em")])
    later = datetime.now(UTC) + timedelta(days=91)
    async with db.begin() as session:  # the second child wrote again yesterday
        session.add(
            TranscriptLine(
                case_id=talking, sender="child", text="vẫn còn", at=later - timedelta(days=1)
            )
        )
    closed = await records.close_quiet(90, now=later)
    assert closed == 1  # was: no rule at all, the case stayed open with its words
    async with db() as session:
        gone = await session.get(Case, quiet)
        kept = await session.get(Case, talking)
        quiet_lines = await session.scalar(
            select(func.count()).select_from(TranscriptLine).where(TranscriptLine.case_id == quiet)
        )
        audit = list(
            await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "retention")
            )
        )
    assert gone is not None
    assert kept is not None
    assert (gone.status, gone.summary, gone.links) == (NO_CONTACT, "", "")
    assert quiet_lines == 0
    assert (kept.status, kept.links) == ("open", "@lua_dao")
    assert audit == [f"1 {NO_CONTACT}"]
    assert await records.close_quiet(90, now=later) == 0  # once
