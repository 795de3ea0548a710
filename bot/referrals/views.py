"""A referral as the console reads it: its status and the moves it may make next, its
history (every status change with who and when) and the packages made for it (their
SHA-256, and whether their bytes are still kept)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.casefile import iso
from bot.referrals.models import ExportRecord, NetworkReferral, Recipient, ReferralEvent

NEXT = {
    "drafted": ("sent",),
    "sent": ("acknowledged", "actioned", "refused", "no_answer"),
    "acknowledged": ("actioned", "refused", "no_answer"),
    "no_answer": ("actioned", "refused"),  # a late answer
    "actioned": (),
    "refused": (),
}


async def view(db: AsyncSession, referral: NetworkReferral) -> dict[str, Any]:
    events = await db.scalars(
        select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    )  # fmt: skip
    exports = await db.scalars(
        select(ExportRecord).where(ExportRecord.referral_id == referral.id)
        .order_by(ExportRecord.id)
    )  # fmt: skip
    recipient = await db.get(Recipient, referral.recipient_id)
    return {
        "id": referral.id, "case_id": referral.case_id, "recipient_id": referral.recipient_id,
        "recipient": referral.recipient_name, "sender": recipient.sender if recipient else "",
        "platform": referral.platform, "category": referral.category, "shape": referral.shape,
        "status": referral.status, "outcome": referral.outcome, "summary": referral.summary,
        "priority_reason": referral.priority_reason, "last_error": referral.last_error,
        "created_by": referral.created_by, "created_at": iso(referral.created_at),
        "sent_at": iso(referral.sent_at), "actioned_at": iso(referral.actioned_at),
        "next": list(NEXT[referral.status]),
        "events": [{"at": iso(e.at), "actor": e.actor, "from": e.from_status,
                    "to": e.to_status, "detail": e.detail} for e in events],
        "exports": [{"id": x.id, "at": iso(x.at), "shape": x.shape, "how": x.how,
                     "sha256": x.sha256, "size": x.size, "kept": bool(x.body)}
                    for x in exports],
    }  # fmt: skip
