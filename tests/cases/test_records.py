"""Case records, the audit log, retention and the 111 statistics table on a real database."""

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.db import make_engine, migrate
from bot.cases.models import AuditEntry, Case, TranscriptLine
from bot.cases.records import CaseRecords
from bot.cases.stats import csv_text, render, statistics
from bot.content import Content

ROOT = Path(__file__).resolve().parents[2]


async def test_migrations_make_the_tables_and_run_again_harmlessly(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await migrate(engine)
        await migrate(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert {"cases", "case_categories", "transcript_lines", "audit_log"} <= tables


async def test_one_open_case_per_conversation_priority_only_rises(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    first = await records.open_or_update("zalo", "ref1", "report_grooming", "high")
    again = await records.open_or_update("zalo", "ref1", "report_grooming", "normal", "zalo", "@x")
    other = await records.open_or_update("zalo", "ref2", "report_scam")
    assert first == again != other
    async with db() as session:
        case = await session.get(Case, first)
        assert case is not None
        assert (case.priority, case.platform, case.links) == ("high", "zalo", "@x")
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["open", "update", "open"]


async def test_statistics_table_by_month_and_year(db: async_sessionmaker[AsyncSession]) -> None:
    records = CaseRecords(db)
    closes = [
        ("a", ["report_scam"], "consultation", datetime(2026, 3, 5, tzinfo=UTC)),
        (
            "b",
            ["report_scam", "report_privacy_leak"],
            "consultation",
            datetime(2026, 3, 9, tzinfo=UTC),
        ),
        ("c", ["report_sexual_abuse"], "intervention", datetime(2026, 4, 1, tzinfo=UTC)),
        ("d", ["report_harmful_content"], "consultation", datetime(2026, 4, 2, tzinfo=UTC)),
        ("e", ["report_scam"], "consultation", datetime(2025, 12, 31, tzinfo=UTC)),  # outside
    ]
    for ref, categories, kind, at in closes:
        case_id = await records.open_or_update("messenger", ref, categories[0])
        await records.close(case_id, "counselor1", categories, kind, "tư vấn", "ok", at=at)
    await records.open_or_update("messenger", "still-open", "report_scam")

    monthly = await statistics(db, date(2026, 3, 1), date(2026, 4, 30), "month")
    assert monthly.periods == ["2026-03", "2026-04"]
    assert monthly.consultation["report_scam"] == {"2026-03": 2}
    assert monthly.consultation["report_privacy_leak"] == {"2026-03": 1}
    assert monthly.intervention["report_sexual_abuse"] == {"2026-04": 1}
    assert monthly.content_reports == {"2026-04": 1}
    assert [monthly.total(p) for p in monthly.periods] == [2, 2]  # cases, not categories
    yearly = await statistics(db, date(2025, 1, 1), date(2026, 12, 31), "year")
    assert yearly.as_json()["consultation"]["report_scam"] == 3  # type: ignore[index]
    words = Content.load(ROOT / "content").node("console")
    table = render(monthly, words)
    assert "Trẻ em bị lừa tiền trên MTM" in table
    assert "Tổng cộng" in table.splitlines()[-1]
    assert table.splitlines()[-1].split()[-3:] == ["2", "2", "4"]
    lines = csv_text(monthly, words).splitlines()
    assert lines[0] == ",2026-03,2026-04,Tổng"
    assert "Trẻ em bị lừa tiền trên MTM,2,0,2" in lines


async def test_retention_deletes_transcripts_and_keeps_the_counts(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    old = await records.open_or_update("webchat", "old", "report_bullying", summary="em bị chửi")
    new = await records.open_or_update("webchat", "new", "report_bullying", summary="em bị chửi")
    for case_id in (old, new):
        await records.add_lines(case_id, [("child", "em bị chửi"), ("bot", "Cảm ơn bạn")])
    await records.close(
        old, "c1", ["report_bullying"], "consultation", at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    await records.close(
        new, "c1", ["report_bullying"], "consultation", at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    purged = await records.purge_transcripts(90, now=datetime(2026, 6, 15, tzinfo=UTC))
    assert purged == 1
    async with db() as session:
        lines = await session.scalar(select(func.count()).select_from(TranscriptLine))
        old_case = await session.get(Case, old)
    assert lines == 2  # the recent case keeps its transcript
    assert old_case is not None
    assert old_case.summary == ""
    stats = await statistics(db, date(2026, 1, 1), date(2026, 6, 30), "year")
    assert stats.consultation["report_bullying"] == {"2026": 2}


async def test_the_audit_log_cannot_be_changed_or_deleted(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    await records.audit("counselor1", "view", None, "x")
    for statement in ("UPDATE audit_log SET actor = 'someone'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):  # noqa: PT011 - the driver's own
            async with db.begin() as session:
                await session.execute(text(statement))
    async with db() as session:
        assert list(await session.scalars(select(AuditEntry.actor))) == ["counselor1"]


async def test_processes_starting_together_migrate_one_at_a_time(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(3)]  # the web process and two workers
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        async with engines[0].connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"cases", "counselors", "audit_log"} <= tables
    finally:
        for engine in engines:
            await engine.dispose()
