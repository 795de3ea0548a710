"""Row 4.3 with outcomes: of the channels, clips and accounts reported to 111 in a period,
how many were referred to the response network and what became of them, per platform.

* reported: cases of the period that reported something to take down — closed as 4.3
  ("Thông báo kênh/clip có nội dung liên quan"), or with a referral made in the period;
* referred: referrals sent (by e-mail, or submitted through a portal);
* actioned: referrals the recipient acted on, split into content removed / account closed;
* refused, no answer, and still waiting (sent or acknowledged, no outcome yet);
* median days from the report (the case opened) to the action.

A referral belongs to the period it was made in (local days, as the rest of the table).
Counts only: they stay when a person's data is deleted.
"""

import csv
import io
import statistics as stats
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Case, CaseCategory
from bot.cases.stats import CONTENT_REPORTS, bounds
from bot.referrals.models import NetworkReferral

COLUMNS = ("reported", "referred", "actioned", "content_removed", "account_closed", "refused",
           "no_answer", "waiting")  # fmt: skip
TOTAL = "*"


@dataclass
class Row:
    reported: set[int] = field(default_factory=set)  # case ids
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS[1:], 0))
    days: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        median = round(stats.median(self.days), 1) if self.days else None
        return {"reported": len(self.reported), **self.counts, "median_days": median}


@dataclass
class Outcomes:
    rows: dict[str, Row]  # platform ("" when not known) → row; TOTAL for every platform

    def as_json(self) -> dict[str, Any]:
        platforms = sorted(p for p in self.rows if p != TOTAL)
        return {
            "columns": [*COLUMNS, "median_days"],
            "total": self.rows[TOTAL].as_json(),
            "platforms": {p: self.rows[p].as_json() for p in platforms},
        }


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def outcomes(sessions: async_sessionmaker[AsyncSession], start: date, end: date) -> Outcomes:
    since, until = bounds(start, end)
    content = (
        select(Case.id, Case.platform).join(CaseCategory, CaseCategory.case_id == Case.id)
        .where(Case.status == "closed", Case.closed_at >= since, Case.closed_at <= until,
               CaseCategory.category == CONTENT_REPORTS,
               Case.follow_up_of.is_(None))  # a follow-up is the same report again
    )  # fmt: skip
    made = select(NetworkReferral).where(
        NetworkReferral.created_at >= since, NetworkReferral.created_at <= until
    )
    rows: dict[str, Row] = {TOTAL: Row()}

    def row(platform: str) -> list[Row]:
        return [rows[TOTAL], rows.setdefault(platform or "", Row())]

    async with sessions() as db:
        for case_id, platform in await db.execute(content):
            for r in row(platform):
                r.reported.add(case_id)
        for referral in await db.scalars(made):
            for r in row(referral.platform):
                _count(r, referral)
    return Outcomes(rows)


def _count(r: Row, referral: NetworkReferral) -> None:
    r.reported.add(referral.case_id)
    status = referral.status
    if status == "drafted":
        return
    r.counts["referred"] += 1
    if status == "actioned":
        r.counts["actioned"] += 1
        if referral.outcome in ("content_removed", "account_closed"):
            r.counts[referral.outcome] += 1
        if referral.actioned_at is not None:
            took = _aware(referral.actioned_at) - _aware(referral.reported_at)
            r.days.append(max(took.total_seconds(), 0) / 86400)
    elif status in ("refused", "no_answer"):
        r.counts[status] += 1
    else:
        r.counts["waiting"] += 1


def table(
    found: Outcomes, words: dict[str, Any], platforms: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """(label, cells) for the command line and the CSV: the total first, then each platform
    by its name (`platforms`: id → name)."""
    data = found.as_json()
    said = words["referrals"]["outcomes"]

    def cells(values: dict[str, Any]) -> list[str]:
        median = values["median_days"]
        return [str(values[c]) for c in COLUMNS] + ["-" if median is None else f"{median}"]

    out = [(said["total"], cells(data["total"]))]
    for platform, values in data["platforms"].items():
        out.append((platforms.get(platform, platform) or said["no_platform"], cells(values)))
    return out


def headers(words: dict[str, Any]) -> list[str]:
    said = words["referrals"]["outcomes"]
    return [said[c] for c in (*COLUMNS, "median_days")]


def render(found: Outcomes, words: dict[str, Any], platforms: dict[str, str]) -> str:
    """The block `python -m bot stats` prints under the table."""
    said = words["referrals"]["outcomes"]
    heads, rows = headers(words), table(found, words, platforms)
    width = max(len(label) for label, _ in rows) + 2
    lines = [said["heading"]]
    for label, cells in rows:
        lines.append(label)
        lines += [f"  {h:<{width + 20}}{c:>8}" for h, c in zip(heads, cells, strict=True)]
    return "\n".join(lines)


def csv_text(found: Outcomes, words: dict[str, Any], platforms: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([words["referrals"]["outcomes"]["heading"], *headers(words)])
    for label, cells in table(found, words, platforms):
        writer.writerow([label, *cells])
    return out.getvalue()


async def block(
    sessions: async_sessionmaker[AsyncSession], start: date, end: date, content: Any
) -> str:
    """Row 4.3 with outcomes as `python -m bot stats` prints it (content: bot.content)."""
    found = await outcomes(sessions, start, end)
    names = {k: v["name"] for k, v in content.node("platforms.platforms").items()}
    return render(found, content.node("console"), names)
