"""The hotline's statistics table, from closed cases: 4.1 counselling contacts by category,
4.2 intervention cases by category, 4.3 reports of channels and clips, and the totals."""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Case, CaseCategory

# The 111 categories of online harm, in the order of the hotline's table; their names are in
# content/vi/console.yml (`categories`), with the table's other words.
CATEGORIES = (
    "report_sexual_abuse",
    "report_bullying",
    "report_grooming",
    "report_defamation",
    "report_privacy_leak",
    "report_scam",
    "report_trafficking",
    "ask_online_safety",
)
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


def rows(stats: Statistics, words: dict[str, Any]) -> list[tuple[str, str, list[int]]]:
    """The table as (kind, label, counts per period + the total): kind is "section", "row"
    or "total". Shared by the command line, the console page and the CSV download."""
    names = words["categories"]
    out: list[tuple[str, str, list[int]]] = []

    def row(kind: str, label: str, counts: Counter[str]) -> None:
        cells = [counts[p] for p in stats.periods]
        out.append((kind, label, cells + [sum(cells)]))

    for title, table in ((words["stats"]["consultation"], stats.consultation),
                         (words["stats"]["intervention"], stats.intervention)):  # fmt: skip
        out.append(("section", title, []))
        for category in CATEGORIES:
            row("row", names[category], table[category])
    out.append(("section", words["stats"]["content_reports"], []))
    row("row", words["stats"]["reports_row"], stats.content_reports)
    row(
        "total", words["stats"]["grand_total"], Counter({p: stats.total(p) for p in stats.periods})
    )
    return out


def render(stats: Statistics, words: dict[str, Any]) -> str:
    table = rows(stats, words)
    width = max(len(label) for _, label, _ in table) + 4
    lines = [f"{'':<{width}}" + "".join(f"{p:>9}" for p in stats.periods)
             + f"{words['stats']['total']:>9}"]  # fmt: skip
    for kind, label, counts in table:
        indent = "  " if kind == "row" else ""
        lines.append(f"{indent + label:<{width}}" + "".join(f"{n:>9}" for n in counts))
    return "\n".join(lines)


def csv_text(stats: Statistics, words: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["", *stats.periods, words["stats"]["total"]])
    for kind, label, counts in rows(stats, words):
        writer.writerow([label, *counts] if kind != "section" else [label])
    return out.getvalue()
