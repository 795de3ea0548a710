"""Referrals follow their case: when its texts are deleted (retention, a case closed as "no
contact", a person forgotten: bot.cases.records) the referrals lose what they said, and what
they counted stays."""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.referrals.models import ExportRecord, NetworkReferral


async def wipe(db: AsyncSession, case_ids: list[int]) -> None:
    """Retention or a person forgotten (inside the caller's transaction): the referrals lose
    what they said (the counselor's summary, the packages' bytes); who received them, their
    statuses, dates and SHA-256s stay, anonymous, for row 4.3."""
    if not case_ids:
        return
    ids = select(NetworkReferral.id).where(NetworkReferral.case_id.in_(case_ids))
    await db.execute(update(ExportRecord).where(ExportRecord.referral_id.in_(ids)).values(body=""))
    await db.execute(
        update(NetworkReferral).where(NetworkReferral.case_id.in_(case_ids))
        .values(summary="", priority_reason="")
    )  # fmt: skip
