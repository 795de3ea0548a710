"""Row 4.3 with outcomes on a real database: reported, referred, actioned (content removed
/ account closed), refused, no answer, waiting, the median days, per platform; what the
command line and the CSV print."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.records import CaseRecords
from bot.cases.stats import LOCAL
from bot.referrals import outcomes
from bot.referrals.models import NetworkReferral
from bot.referrals.recipients import Recipients
from bot.referrals.service import Draft, Referrals
from tests.referrals.conftest import CONTENT


async def test_row_4_3_splits_what_was_reported_by_outcome_and_platform(
    records: CaseRecords, referrals: Referrals, recipients: Recipients,
    db: async_sessionmaker[AsyncSession], words: dict[str, Any],
) -> None:  # fmt: skip
    every = {r.key: r.id for r in await recipients.entries()}
    today = datetime.now(LOCAL).date()

    async def referred(platform: str, to: str, *moves: tuple[str, str]) -> int:
        case_id = await records.open_or_update("webchat", f"p-{platform}-{to}", "report_grooming",
                                               platform=platform)  # fmt: skip
        made = await referrals.create(case_id, "lan", Draft(every[to]))
        await referrals.package(made["id"], "lan", "download", words)
        for status, outcome in moves:
            await referrals.move(made["id"], "lan", status, outcome)
        return case_id

    removed = await referred("tiktok", "tiktok", ("sent", ""), ("actioned", "content_removed"))
    await referred("tiktok", "vn_cop", ("sent", ""), ("acknowledged", ""),
                   ("actioned", "account_closed"))  # fmt: skip
    await referred("facebook", "meta", ("sent", ""), ("refused", ""))
    await referred("facebook", "vn_cop", ("sent", ""), ("no_answer", ""))
    await referred("zalo", "zalo_vng", ("sent", ""))
    await referred("zalo", "vn_cop")  # still a draft: reported, not referred
    clip = await records.open_or_update(
        "webchat", "clip", "report_harmful_content", platform="youtube"
    )
    await records.close(clip, "lan", ["report_harmful_content"], "consultation")
    async with db.begin() as session:  # the child reported it four days before its removal
        await session.execute(
            update(NetworkReferral).where(NetworkReferral.case_id == removed)
            .values(reported_at=datetime.now(UTC) - timedelta(days=4))
        )  # fmt: skip
    found = (await outcomes.outcomes(db, today, today)).as_json()

    total = found["total"]
    assert {k: total[k] for k in outcomes.COLUMNS} == {
        "reported": 7,
        "referred": 5,
        "actioned": 2,
        "content_removed": 1,
        "account_closed": 1,
        "refused": 1,
        "no_answer": 1,
        "waiting": 1,
    }
    assert found["platforms"]["tiktok"]["actioned"] == 2
    assert found["platforms"]["facebook"] == {
        "reported": 2,
        "referred": 2,
        "actioned": 0,
        "content_removed": 0,
        "account_closed": 0,
        "refused": 1,
        "no_answer": 1,
        "waiting": 0,
        "median_days": None,
    }
    assert found["platforms"]["youtube"]["reported"] == 1
    assert found["platforms"]["zalo"]["referred"] == 1
    assert found["platforms"]["zalo"]["reported"] == 2
    assert total["median_days"] == 2.0  # 4 days and the same day
    assert found["platforms"]["tiktok"]["median_days"] == 2.0

    names = {k: v["name"] for k, v in CONTENT.node("platforms.platforms").items()}
    printed = await outcomes.block(db, today, today, CONTENT)
    assert printed.splitlines()[0] == "4.3 Thông báo kênh/clip: chuyển đi và kết quả"
    assert "Gỡ nội dung" in printed
    assert names["tiktok"] in printed
    csv_lines = outcomes.csv_text(
        await outcomes.outcomes(db, today, today), words, names
    ).splitlines()
    assert csv_lines[1].startswith("Tất cả nền tảng,7,5,2,1,1,1,1,1,2.0")
    empty = await outcomes.outcomes(db, today - timedelta(days=40), today - timedelta(days=35))
    assert empty.as_json()["total"]["reported"] == 0
