"""The hotline's statistics table: the top of 111's own table (contacts received, contacts
recorded as a case, in-depth consultations, intervention cases), the cases by the hotline's
general categories, then 4.1 counselling by online-harm category, 4.2 intervention cases by
category, 4.3 reports of channels and clips, and the total of cases.

A contact is each time a person reached the counselors (bot.cases.models.Contact); a case is
a closed record with at least one category other than a silent, test or abusive contact. A
follow-up of an earlier case (the person came back about the same matter and the counselor
linked the two) is not a new case: its contacts count, received and recorded, and it doesn't.
Totals count contacts and cases, never categories (a case with two categories is one case).
Periods are in local time (Asia/Ho_Chi_Minh): contacts by when they began, cases by when
they were closed.
"""

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Case, CaseCategory, Contact


def _local_zone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:  # no tz database: Viet Nam keeps UTC+7 all year
        return timezone(timedelta(hours=7), "ICT")


LOCAL = _local_zone()

# The 111 categories of online harm, in the order of the hotline's table (4.1, 4.2); their
# names are in content/vi/console.yml (`categories`), with the table's other words.
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
# Everything else 111 records, not only online harm.
GENERAL = (
    "crisis_self_harm",
    "violence_offline",
    "family",
    "school",
    "mental_health",
    "information_request",
)
# A contact, not a case: it counts among the contacts received and nowhere else.
NOT_A_CASE = ("contact_silent", "contact_test", "contact_abusive")
CLOSING = (*GENERAL, *CATEGORIES, CONTENT_REPORTS, *NOT_A_CASE)  # what a case may close as
BY = ("month", "quarter", "year")
TOP = ("contacts_received", "contacts_recorded", "consultations", "interventions")


def _counters(names: tuple[str, ...]) -> dict[str, Counter[str]]:
    return {name: Counter() for name in names}


@dataclass
class Statistics:
    periods: list[str]
    consultation: dict[str, Counter[str]]  # category → period → cases
    intervention: dict[str, Counter[str]]
    content_reports: Counter[str]
    general: dict[str, Counter[str]] = field(default_factory=dict)  # both types
    top: dict[str, Counter[str]] = field(default_factory=lambda: _counters(TOP))

    def total(self, period: str) -> int:
        """The cases of the period (in-depth consultations and interventions)."""
        return self.top["consultations"][period] + self.top["interventions"][period]

    def as_json(self) -> dict[str, object]:
        every = self.periods

        def whole(counts: Counter[str]) -> int:
            return sum(counts[p] for p in every)

        return {
            "periods": every,
            **{name: whole(counts) for name, counts in self.top.items()},
            "general": {k: whole(v) for k, v in self.general.items()},
            "consultation": {k: whole(v) for k, v in self.consultation.items()},
            "intervention": {k: whole(v) for k, v in self.intervention.items()},
            "content_reports": whole(self.content_reports),
            "total": sum(self.total(p) for p in every),
            "by_period": {
                p: {**{name: counts[p] for name, counts in self.top.items()},
                    "total": self.total(p)}
                for p in every
            },
        }  # fmt: skip


def label(moment: datetime, by: str) -> str:
    """The period a moment falls in, in local time: "2026-03", "2026-Q1" or "2026"."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LOCAL)
    if by == "year":
        return str(local.year)
    if by == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"


def periods(start: date, end: date, by: str) -> list[str]:
    if by == "year":
        return [str(year) for year in range(start.year, end.year + 1)]
    out, month = [], date(start.year, start.month, 1)
    while month <= end:
        name = label(datetime.combine(month, time(12), LOCAL), by)
        if name not in out:
            out.append(name)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The first and last moments of the local days `start`..`end`, in UTC."""
    since = datetime.combine(start, time.min, LOCAL).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, LOCAL).astimezone(UTC)
    return since, until - timedelta(microseconds=1)


async def statistics(
    sessions: async_sessionmaker[AsyncSession], start: date, end: date, by: str = "month"
) -> Statistics:
    since, until = bounds(start, end)
    closed = (
        select(Case.id, Case.closed_at, Case.case_type, CaseCategory.category)
        .join(CaseCategory, CaseCategory.case_id == Case.id)
        .where(
            Case.status == "closed",
            Case.closed_at >= since,
            Case.closed_at <= until,
            Case.follow_up_of.is_(None),
        )
    )
    contacts = (
        select(Contact.id, Contact.started_at, Case.status, CaseCategory.category)
        .outerjoin(Case, Case.id == Contact.case_id)
        .outerjoin(CaseCategory, CaseCategory.case_id == Contact.case_id)
        .where(Contact.started_at >= since, Contact.started_at <= until)
    )
    result = Statistics(periods(start, end, by), {}, {}, Counter())
    result.consultation, result.intervention = _counters(CATEGORIES), _counters(CATEGORIES)
    result.general = _counters(GENERAL)
    cases: dict[int, tuple[str, str, set[str]]] = {}
    seen: dict[int, tuple[str, bool]] = {}
    async with sessions() as db:
        for case_id, closed_at, case_type, category in await db.execute(closed):
            if closed_at is not None:
                cases.setdefault(case_id, (label(closed_at, by), case_type or "", set()))
                cases[case_id][2].add(category)
        for contact_id, started_at, status, category in await db.execute(contacts):
            recorded = status == "closed" and category is not None and category not in NOT_A_CASE
            was = seen.get(contact_id, (label(started_at, by), False))
            seen[contact_id] = (was[0], was[1] or recorded)
    for period, recorded in seen.values():
        result.top["contacts_received"][period] += 1
        result.top["contacts_recorded"][period] += int(recorded)
    _count_cases(result, cases.values())
    return result


def _count_cases(result: Statistics, cases: Iterable[tuple[str, str, set[str]]]) -> None:
    """The cases' rows: by type, by general and online-harm category, and 4.3."""
    for period, case_type, categories in cases:
        if not categories - set(NOT_A_CASE):
            continue  # silent, test or abusive: a contact, not a case
        kind = "interventions" if case_type == "intervention" else "consultations"
        result.top[kind][period] += 1
        table = result.intervention if case_type == "intervention" else result.consultation
        for category in categories:
            if category == CONTENT_REPORTS:
                result.content_reports[period] += 1
            elif category in CATEGORIES:
                table[category][period] += 1
            elif category in GENERAL:
                result.general[category][period] += 1


def rows(stats: Statistics, words: dict[str, Any]) -> list[tuple[str, str, list[int]]]:
    """The table as (kind, label, counts per period + the total): kind is "section", "head"
    (the top rows), "row" or "total". Shared by the command line, the page and the CSV."""
    names, said, new = words["categories"], words["stats"], words["records"]
    out: list[tuple[str, str, list[int]]] = []

    def row(kind: str, label: str, counts: Counter[str]) -> None:
        cells = [counts[p] for p in stats.periods]
        out.append((kind, label, cells + [sum(cells)]))

    out.append(("section", new["top"], []))
    for name in TOP:
        row("head", new[name], stats.top[name])
    out.append(("section", new["general"], []))
    for category in GENERAL:
        row("row", names[category], stats.general[category])
    for title, table in ((said["consultation"], stats.consultation),
                         (said["intervention"], stats.intervention)):  # fmt: skip
        out.append(("section", title, []))
        for category in CATEGORIES:
            row("row", names[category], table[category])
    out.append(("section", said["content_reports"], []))
    row("row", said["reports_row"], stats.content_reports)
    row("total", new["cases_total"], Counter({p: stats.total(p) for p in stats.periods}))
    return out


def render(stats: Statistics, words: dict[str, Any]) -> str:
    table = rows(stats, words)
    width = max(len(label) for _, label, _ in table) + 4
    lines = [f"{'':<{width}}" + "".join(f"{p:>9}" for p in stats.periods)
             + f"{words['stats']['total']:>9}"]  # fmt: skip
    for kind, label, counts in table:
        indent = "  " if kind in ("row", "head") else ""
        lines.append(f"{indent + label:<{width}}" + "".join(f"{n:>9}" for n in counts))
    return "\n".join(lines)


def csv_text(stats: Statistics, words: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["", *stats.periods, words["stats"]["total"]])
    for kind, label, counts in rows(stats, words):
        writer.writerow([label, *counts] if kind != "section" else [label])
    return out.getvalue()
