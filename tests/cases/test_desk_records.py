"""Cases as 111 keeps them, on a real database (SQLite, or PostgreSQL with DATABASE_URL_TEST):
contacts vs cases, the top of the 111 table by quarter in local time, history, notes,
referrals, the search, the context found in the person's words, and the directory seed."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.casefile import CaseFile, Filters
from bot.cases.directory import Directory, Entry
from bot.cases.extract import Found, public
from bot.cases.models import AuditEntry, Case, CaseCategory, CaseNote, Contact
from bot.cases.records import CaseRecords
from bot.cases.stats import LOCAL, csv_text, render, rows, statistics
from bot.content import Content

ROOT = Path(__file__).resolve().parents[2]
WORDS = Content.load(ROOT / "content")


async def started(db: async_sessionmaker[AsyncSession], at: datetime) -> None:
    """Every contact so far began at `at` (the clock of a test is the one it sets)."""
    async with db.begin() as session:
        await session.execute(update(Contact).values(started_at=at))


async def test_three_closed_cases_with_four_categories_are_three_cases(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    at = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    ids = [
        await records.open_or_update("zalo", f"p{n}", "unknown", contact=True) for n in range(5)
    ]
    await started(db, at)
    await records.close(ids[0], "lan", ["crisis_self_harm"], "intervention", at=at)
    await records.close(
        ids[1], "lan", ["report_scam", "report_privacy_leak"], "consultation", at=at
    )
    await records.close(ids[2], "minh", ["family"], "consultation", at=at)
    await records.close(ids[3], "minh", ["contact_silent"], "consultation", at=at)  # not a case
    # ids[4] stays open: a contact received, not (yet) recorded as a case

    stats = await statistics(db, date(2026, 4, 1), date(2026, 6, 30), "quarter")
    assert stats.periods == ["2026-Q2"]
    summary = stats.as_json()
    assert (summary["contacts_received"], summary["contacts_recorded"]) == (5, 3)
    assert (summary["consultations"], summary["interventions"], summary["total"]) == (2, 1, 3)
    assert summary["general"]["crisis_self_harm"] == 1  # type: ignore[index]
    assert summary["consultation"]["report_scam"] == 1  # type: ignore[index]
    words = WORDS.node("console")
    table = rows(stats, words)
    assert [label for kind, label, _ in table if kind == "head"] == [
        "Số cuộc liên hệ đến", "Số cuộc liên hệ được ghi nhận thành ca",
        "Số ca tư vấn chuyên sâu", "Số ca can thiệp",
    ]  # fmt: skip
    assert table[-1] == ("total", "Tổng cộng (số ca)", [3, 3])
    assert "Số cuộc liên hệ đến,5,5" in csv_text(stats, words).splitlines()
    assert render(stats, words).splitlines()[0].split() == ["2026-Q2", "Tổng"]


async def test_periods_are_local_days_in_viet_nam(db: async_sessionmaker[AsyncSession]) -> None:
    records = CaseRecords(db)
    # 31 March 18:30 UTC is 1 April 01:30 in Ha Noi: the second quarter, April.
    late = datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    case_id = await records.open_or_update("webchat", "night", "unknown", contact=True)
    await started(db, late)
    await records.close(case_id, "lan", ["school"], "consultation", at=late)
    by_quarter = await statistics(db, date(2026, 1, 1), date(2026, 6, 30), "quarter")
    assert by_quarter.periods == ["2026-Q1", "2026-Q2"]
    assert by_quarter.general["school"] == {"2026-Q2": 1}
    assert by_quarter.top["contacts_received"] == {"2026-Q2": 1}
    march = await statistics(db, date(2026, 3, 1), date(2026, 3, 31), "month")
    assert march.as_json()["total"] == 0
    april_first = await statistics(db, date(2026, 4, 1), date(2026, 4, 1), "month")
    assert april_first.as_json()["total"] == 1


async def test_a_case_links_the_contacts_of_one_person(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    first = await records.open_or_update("messenger", "ref", "unknown", contact=True)
    again = await records.open_or_update("messenger", "ref", "report_bullying", contact=True)
    assert first == again
    await records.end_contacts("released", first)  # released to the bot: that contact ends
    await records.open_or_update("messenger", "ref", "report_bullying", contact=True)
    await records.end_contacts("left", conversation_ref="ref")  # left the queue
    await records.open_or_update("messenger", "ref", "report_bullying", contact=True)
    await records.close(first, "lan", ["report_bullying"], "consultation")
    async with db() as session:
        contacts = list(await session.scalars(select(Contact).order_by(Contact.id)))
    assert [c.case_id for c in contacts] == [first] * 3
    assert [c.outcome for c in contacts] == ["released", "left", "closed"]
    assert all(c.ended_at is not None for c in contacts)
    detail = await CaseFile(db).detail(first)
    assert detail is not None
    assert detail["contacts"] == 3


async def test_history_notes_and_referrals_of_a_returning_person(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records, cases = CaseRecords(db), CaseFile(db)
    old = await records.open_or_update("zalo", "ref", "report_grooming", summary="bị gạ gẫm")
    await records.handled(old, "lan", took=True)
    await cases.add_note(old, "lan", "Trẻ sống với bà, hẹn gọi lại tối thứ Sáu.")
    service = await Directory(db, []).add("sup", Entry("Công an phường", "police", "điền số"))
    await cases.refer(old, service, "lan")
    await records.close(old, "lan", ["report_grooming"], "intervention", summary="Đã báo công an")
    now = await records.open_or_update("zalo", "ref", "unknown")
    other = await records.open_or_update("zalo", "someone-else", "unknown")

    [earlier] = await cases.history("ref", now)
    assert earlier["id"] == old
    assert earlier["summary"] == "Đã báo công an"
    assert [n["text"] for n in earlier["notes"]] == ["Trẻ sống với bà, hẹn gọi lại tối thứ Sáu."]
    assert [r["name"] for r in earlier["referrals"]] == ["Công an phường"]
    assert await cases.earlier_counts([("ref", now), ("someone-else", other), ("", None)]) == [
        1, 0, 0,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="bad_text"):
        await cases.add_note(now, "lan", "   ")
    async with db() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert {"note", "refer", "directory_add", "close"} <= set(actions)


async def test_the_search_filters_and_a_counselor_finds_only_their_own(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records, cases = CaseRecords(db), CaseFile(db)
    lans = await records.open_or_update(
        "messenger", "a", "report_grooming", platform="facebook",
        summary="Con 11 tuổi, đứa tên BoiCute99 nhắn tin", contact=True,
    )  # fmt: skip
    await records.handled(lans, "lan", took=True)
    minhs = await records.open_or_update("zalo", "b", "report_scam", platform="zalo")
    await records.handled(minhs, "minh")
    await records.close(minhs, "minh", ["report_scam"], "consultation")

    def ids(found: list[dict[str, object]]) -> list[object]:
        return [c["id"] for c in found]

    assert ids(await cases.search(Filters())) == [minhs, lans]
    assert ids(await cases.search(Filters(), viewer="lan")) == [lans]
    assert ids(await cases.search(Filters(username="boicute"))) == [lans]
    assert ids(await cases.search(Filters(username="Boi%"))) == []  # % is not a wildcard
    assert ids(await cases.search(Filters(category="report_scam", status="closed"))) == [minhs]
    assert ids(await cases.search(Filters(counselor="minh", platform="zalo"))) == [minhs]
    assert ids(await cases.search(Filters(channel="messenger"))) == [lans]
    today = datetime.now(LOCAL).date()  # the search's days are Vietnam's
    assert len(await cases.search(Filters(start=today, end=today))) == 2
    assert await cases.search(Filters(start=date(2020, 1, 1), end=date(2020, 1, 2))) == []


async def test_context_from_the_persons_lines_a_correction_and_retention(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records = CaseRecords(db)
    case_id = await records.open_or_update("webchat", "p", "unknown", contact=True)
    await records.add_lines(
        case_id,
        [("parent", "Con tôi 11 tuổi, tài khoản của đứa kia là hoang.anh.2k3"),
         ("bot", "Cảm ơn bạn, gọi 0912345678 nhé"), ("counselor", "Số của chị là 0987654321")],
    )  # fmt: skip
    case = await records.get(case_id)
    assert case is not None
    # the bot's and the counselor's lines are not the person's words: their numbers stay out
    assert public(case.found) == {
        "age": "11 tuổi", "links": [], "usernames": ["hoang.anh.2k3"], "phones": []
    }  # fmt: skip
    await records.correct_found(case_id, "lan", Found(age="12 tuổi", usernames=["hoanganh2k3"]))
    await records.add_lines(case_id, [("child", "nó là hoang.anh.2k3 đó")])
    case = await records.get(case_id)
    assert case is not None
    assert public(case.found)["usernames"] == ["hoanganh2k3"]  # the struck-out one stays out
    assert public(case.found)["age"] == "12 tuổi"
    await CaseFile(db).add_note(case_id, "lan", "ghi chú")
    await records.close(
        case_id, "lan", ["family"], "consultation", at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert await records.purge_transcripts(90, now=datetime(2026, 6, 1, tzinfo=UTC)) == 1
    async with db() as session:
        wiped = await session.get(Case, case_id)
        notes = await session.scalar(select(func.count()).select_from(CaseNote))
    assert wiped is not None
    assert wiped.found == ""
    assert notes == 0


async def test_the_directory_is_seeded_once_and_edited(
    db: async_sessionmaker[AsyncSession],
) -> None:
    seed = WORDS.node("directory.services")
    directory = Directory(db, seed)
    entries = await directory.entries()
    assert len(entries) == len(seed)
    assert {"111", "113", "115"} <= {e.phone for e in entries}
    assert all(e.phone in ("", "111", "113", "114", "115", "điền số") for e in entries)
    await directory.change("sup", entries[0].id, Entry("Tên mới", "other"), active=False)
    assert len(await directory.entries()) == len(seed) - 1  # inactive, never deleted, no reseed
    assert len(await directory.entries(only_active=False)) == len(seed)
    assert await directory.seed() == 0
    with pytest.raises(ValueError, match="kind"):
        Entry.checked({"name": "x", "kind": "bogus"})


async def test_a_person_who_comes_back_about_the_same_matter_is_one_case_with_two_contacts(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records, cases = CaseRecords(db), CaseFile(db)
    at = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    first = await records.open_or_update("zalo", "p1", "report_bullying", contact=True)
    await records.close(first, "lan", ["report_bullying"], "consultation", at=at)
    again = await records.open_or_update("zalo", "p1", "report_bullying", contact=True)
    stranger = await records.open_or_update("zalo", "p2", "report_scam", contact=True)
    await started(db, at)

    with pytest.raises(ValueError, match="not_earlier"):
        await cases.follow_up(again, stranger, "minh")  # somebody else's case
    with pytest.raises(ValueError, match="not_earlier"):
        await cases.follow_up(again, again, "minh")
    for status, categories in (("no_contact", []), ("closed", ["contact_test"])):
        async with db.begin() as session:  # an earlier contact of p1 that is not a case
            uncounted = Case(
                channel="zalo",
                conversation_ref="p1",
                category="unknown",
                status=status,
                opened_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            session.add(uncounted)
            await session.flush()
            session.add_all(CaseCategory(case_id=uncounted.id, category=c) for c in categories)
        with pytest.raises(ValueError, match="not_earlier"):  # the matter would count never
            await cases.follow_up(again, uncounted.id, "minh")
    assert await cases.follow_up(again, first, "minh") == first
    assert await cases.follow_up(again, None, "minh") is None  # not the same matter after all
    assert await cases.follow_up(again, first, "minh") == first
    await records.close(again, "minh", ["report_bullying"], "consultation", at=at)
    with pytest.raises(ValueError, match="not_open"):
        await cases.follow_up(again, None, "minh")

    earlier = await cases.detail(first)
    assert earlier is not None
    assert (earlier["follow_ups"], earlier["contacts"]) == ([again], 2)
    stats = (await statistics(db, date(2026, 4, 1), date(2026, 6, 30), "quarter")).as_json()
    assert (stats["contacts_received"], stats["contacts_recorded"]) == (3, 2)
    assert (stats["consultations"], stats["total"]) == (1, 1)  # the follow-up is no new case
    assert stats["consultation"]["report_bullying"] == 1  # type: ignore[index]
    async with db() as session:
        done = list(await session.scalars(select(AuditEntry.action).where(
            AuditEntry.case_id == again)))  # fmt: skip
    assert (done.count("follow_up"), done.count("not_follow_up")) == (2, 1)


async def test_referrals_from_the_close_form_are_checked_first_and_never_recorded_twice(
    db: async_sessionmaker[AsyncSession],
) -> None:
    records, cases = CaseRecords(db), CaseFile(db)
    [first, *_] = await Directory(db, WORDS.node("directory.services")).entries()
    case_id = await records.open_or_update("zalo", "p1", "report_bullying", contact=True)
    with pytest.raises(ValueError, match="bad_service"):
        await cases.refer_all(case_id, [first.id, 99999], "lan")
    assert await cases.referrals(case_id) == []  # nothing recorded for the good one either
    assert await cases.refer_all(case_id, [first.id, first.id], "lan") == 1
    assert await cases.refer_all(case_id, [first.id], "lan") == 0  # the close retried
    assert [r["service_id"] for r in await cases.referrals(case_id)] == [first.id]
