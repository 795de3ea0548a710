"""The hotline's statistics table, from closed cases: 4.1 counselling contacts by category,
4.2 intervention cases by category, 4.3 reports of channels and clips, and the totals."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Case, CaseCategory

# The 111 categories of online harm, in the order of the hotline's table, with its names.
CATEGORIES = {
    "report_sexual_abuse": "Xâm hại tình dục trẻ em trên MTM",
    "report_bullying": "Trẻ em bị bạo lực, bắt nạt trên MTM",
    "report_grooming": "Trẻ em bị dụ dỗ/gạ gẫm trên MTM",
    "report_defamation": "Trẻ em bị xúc phạm danh dự, nhân phẩm trên MTM",
    "report_privacy_leak": "Trẻ em bị đưa thông tin cá nhân lên mạng",
    "report_scam": "Trẻ em bị lừa tiền trên MTM",
    "report_trafficking": "Trẻ em bị dụ dỗ và lừa bán trên MTM",
    "ask_online_safety": "Cách sử dụng internet an toàn cho trẻ em",
}
CONTENT_REPORTS = "report_harmful_content"  # 4.3: "Thông báo kênh/clip có nội dung liên quan"


@dataclass
class Statistics:
    periods: list[str]
    consultation: dict[str, Counter[str]]  # category → period → count
    intervention: dict[str, Counter[str]]
    content_reports: Counter[str]

    def total(self, period: str) -> int:
        return (
            sum(c[period] for c in self.consultation.values())
            + sum(c[period] for c in self.intervention.values())
            + self.content_reports[period]
        )

    def as_json(self) -> dict[str, object]:
        every = self.periods
        return {
            "periods": every,
            "consultation": {k: sum(v[p] for p in every) for k, v in self.consultation.items()},
            "intervention": {k: sum(v[p] for p in every) for k, v in self.intervention.items()},
            "content_reports": sum(self.content_reports[p] for p in every),
            "total": sum(self.total(p) for p in every),
        }


def periods(start: date, end: date, by: str) -> list[str]:
    if by == "year":
        return [str(year) for year in range(start.year, end.year + 1)]
    out, month = [], date(start.year, start.month, 1)
    while month <= end:
        out.append(f"{month.year}-{month.month:02d}")
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


async def statistics(
    sessions: async_sessionmaker[AsyncSession], start: date, end: date, by: str = "month"
) -> Statistics:
    since = datetime.combine(start, time.min, UTC)
    until = datetime.combine(end, time.max, UTC)
    query = (
        select(Case.closed_at, Case.case_type, CaseCategory.category)
        .join(CaseCategory, CaseCategory.case_id == Case.id)
        .where(Case.status == "closed", Case.closed_at >= since, Case.closed_at <= until)
    )
    result = Statistics(periods(start, end, by), {}, {}, Counter())
    result.consultation = {c: Counter() for c in CATEGORIES}
    result.intervention = {c: Counter() for c in CATEGORIES}
    async with sessions() as db:
        for closed_at, case_type, category in await db.execute(query):
            if closed_at is None:
                continue
            stamp = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=UTC)
            period = str(stamp.year) if by == "year" else f"{stamp.year}-{stamp.month:02d}"
            if category == CONTENT_REPORTS:
                result.content_reports[period] += 1
            elif category in CATEGORIES:
                table = result.intervention if case_type == "intervention" else result.consultation
                table[category][period] += 1
    return result


def render(stats: Statistics) -> str:
    width = max(len(name) for name in CATEGORIES.values()) + 8
    head = f"{'':<{width}}" + "".join(f"{p:>9}" for p in stats.periods) + f"{'Tổng':>9}"
    lines = [head]

    def row(label: str, counts: Counter[str]) -> None:
        cells = "".join(f"{counts[p]:>9}" for p in stats.periods)
        lines.append(f"{label:<{width}}{cells}{sum(counts[p] for p in stats.periods):>9}")

    for number, title, table in (("4.1", "Tư vấn", stats.consultation),
                                 ("4.2", "Can thiệp", stats.intervention)):  # fmt: skip
        lines.append(f"{number} {title}")
        for category, name in CATEGORIES.items():
            row(f"  {name}", table[category])
    lines.append("4.3 Thông báo kênh/clip có nội dung liên quan")
    row("  Số thông báo", stats.content_reports)
    totals = Counter({p: stats.total(p) for p in stats.periods})
    row("Tổng cộng", totals)
    return "\n".join(lines)
