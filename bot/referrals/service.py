"""Referrals of a case to the response network: drafted by a counselor (or by a routing rule
when a case closes), packaged, sent, then followed to an outcome. Every status change is a
ReferralEvent and an audit entry, with who and when; a status moves only forward:

    drafted → sent → acknowledged → actioned | refused | no_answer
                  ↘ actioned | refused | no_answer         no_answer → actioned | refused

Nothing is sent from a referral that is not "drafted", and a referral becomes "sent" only
when its e-mail was accepted by the SMTP server, or (a portal with no API) when the counselor
who downloaded its package says they submitted it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Case, CaseCategory
from bot.referrals import packages
from bot.referrals.evidence import ItemSource
from bot.referrals.models import ExportRecord, NetworkReferral, Recipient, ReferralEvent
from bot.referrals.packages import Package
from bot.referrals.recipients import SHAPES, Recipients
from bot.referrals.senders import Sender
from bot.referrals.views import NEXT, view

STATUSES = ("drafted", "sent", "acknowledged", "actioned", "refused", "no_answer")
OUTCOMES = ("content_removed", "account_closed")
MAX_SUMMARY = 2000
MAX_REASON = 300


class ReferralError(Exception):
    """A refusal the console words in Vietnamese: `reason` is its key."""

    def __init__(self, status: int, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.status, self.reason, self.detail = status, reason, detail


@dataclass(frozen=True, slots=True)
class Draft:
    recipient_id: int
    summary: str = ""
    priority_reason: str = ""
    shape: str = ""  # "" = the recipient's usual shape

    def checked(self) -> "Draft":
        summary, reason = self.summary.strip(), self.priority_reason.strip()
        if len(summary) > MAX_SUMMARY:
            raise ReferralError(400, "bad_summary")
        if len(reason) > MAX_REASON:
            raise ReferralError(400, "bad_priority_reason")
        if self.shape and self.shape not in SHAPES:
            raise ReferralError(400, "bad_shape")
        return Draft(self.recipient_id, summary, reason, self.shape)


class Referrals:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], items: ItemSource) -> None:
        self._sessions = sessions
        self._items = items

    # --- making and reading -------------------------------------------------------------------
    async def create(self, case_id: int, actor: str, draft: Draft) -> dict[str, Any]:
        draft = draft.checked()
        async with self._sessions.begin() as db:
            case = await db.get(Case, case_id)
            recipient = await db.get(Recipient, draft.recipient_id)
            if case is None:
                raise ReferralError(404, "not_found")
            if recipient is None or not recipient.active:
                raise ReferralError(400, "bad_recipient")
            referral = await self._new(db, case, recipient, actor, draft)
            return await view(db, referral)

    async def _new(
        self, db: AsyncSession, case: Case, recipient: Recipient, actor: str, draft: Draft
    ) -> NetworkReferral:
        categories = await _categories(db, case)
        referral = NetworkReferral(
            case_id=case.id, recipient_id=recipient.id, recipient_name=recipient.name,
            platform=case.platform or "", category=categories[0] if categories else "",
            shape=draft.shape or recipient.shape, status="drafted", summary=draft.summary,
            priority_reason=draft.priority_reason, created_by=actor,
            reported_at=case.opened_at or datetime.now(UTC),
        )  # fmt: skip
        db.add(referral)
        await db.flush()
        db.add(ReferralEvent(referral_id=referral.id, actor=actor, to_status="drafted"))
        db.add(AuditEntry(actor=actor, action="referral_drafted", case_id=case.id,
                          detail=f"{referral.id} {recipient.id}"))  # fmt: skip
        return referral

    async def edit(self, referral_id: int, actor: str, draft: Draft) -> dict[str, Any]:
        """A draft's summary, high-priority reason and shape (only while drafted)."""
        draft = draft.checked()
        async with self._sessions.begin() as db:
            referral = await self._locked(db, referral_id)
            if referral.status != "drafted":
                raise ReferralError(409, "not_a_draft")
            referral.summary, referral.priority_reason = draft.summary, draft.priority_reason
            referral.shape = draft.shape or referral.shape
            db.add(AuditEntry(actor=actor, action="referral_edit", case_id=referral.case_id,
                              detail=str(referral.id)))  # fmt: skip
            return await view(db, referral)

    async def case_of(self, referral_id: int) -> int | None:
        async with self._sessions() as db:
            referral = await db.get(NetworkReferral, referral_id)
            return referral.case_id if referral else None

    async def for_case(self, case_id: int) -> list[dict[str, Any]]:
        query = select(NetworkReferral).where(NetworkReferral.case_id == case_id)
        async with self._sessions() as db:
            found = list(await db.scalars(query.order_by(NetworkReferral.id)))
            return [await view(db, r) for r in found]

    async def get(self, referral_id: int) -> dict[str, Any] | None:
        async with self._sessions() as db:
            referral = await db.get(NetworkReferral, referral_id)
            return await view(db, referral) if referral else None

    # --- status -------------------------------------------------------------------------------
    async def move(
        self, referral_id: int, actor: str, to: str, outcome: str = ""
    ) -> dict[str, Any]:
        """A counselor's move. "sent" by hand only for a download (the package was made and
        submitted through the portal); "actioned" names what was done (OUTCOMES)."""
        if to not in STATUSES:
            raise ReferralError(400, "bad_status")
        if to == "actioned" and outcome not in OUTCOMES:
            raise ReferralError(400, "bad_outcome")
        async with self._sessions.begin() as db:
            referral = await self._locked(db, referral_id)
            if to not in NEXT[referral.status]:
                raise ReferralError(409, "bad_transition", f"{referral.status}>{to}")
            if to == "sent":
                recipient = await db.get(Recipient, referral.recipient_id)
                made = await db.scalar(
                    select(ExportRecord.id).where(ExportRecord.referral_id == referral.id)
                )
                if recipient is None or recipient.sender != "download" or made is None:
                    raise ReferralError(409, "send_by_email")
            self._moved(db, referral, actor, to, outcome if to == "actioned" else "")
            return await view(db, referral)

    @staticmethod
    def _moved(
        db: AsyncSession, referral: NetworkReferral, actor: str, to: str, detail: str
    ) -> None:
        moment = datetime.now(UTC)
        db.add(ReferralEvent(referral_id=referral.id, actor=actor, from_status=referral.status,
                             to_status=to, detail=detail, at=moment))  # fmt: skip
        db.add(
            AuditEntry(
                actor=actor,
                action=f"referral_{to}",
                case_id=referral.case_id,
                detail=f"{referral.id} {referral.status}>{to} {detail}".strip(),
            )
        )
        referral.status = to
        if to == "sent":
            referral.sent_at, referral.last_error = moment, ""
        if to == "actioned":
            referral.actioned_at, referral.outcome = moment, detail

    @staticmethod
    async def _locked(db: AsyncSession, referral_id: int) -> NetworkReferral:
        """The referral, locked for this transaction (PostgreSQL), so two moves at once
        cannot both start from the same status."""
        query = select(NetworkReferral).where(NetworkReferral.id == referral_id)
        referral = await db.scalar(query.with_for_update())
        if referral is None:
            raise ReferralError(404, "not_found")
        return referral

    # --- packages and sending -----------------------------------------------------------------
    async def package(
        self, referral_id: int, actor: str, how: str, words: dict[str, Any]
    ) -> tuple[Package, int]:
        """The referral's package, recorded (SHA-256, bytes) and audited, with the export of
        the case's evidence items it carries."""
        async with self._sessions() as db:
            referral = await db.get(NetworkReferral, referral_id)
            if referral is None:
                raise ReferralError(404, "not_found")
            case = await db.get(Case, referral.case_id)
            categories = await _categories(db, case) if case else []
        items = await self._items(referral.case_id)
        source = packages.Source(
            reference=f"111-R{referral.id}", recipient=referral.recipient_name,
            categories=categories or [referral.category], platform=referral.platform,
            reported_at=_aware(referral.reported_at), summary=referral.summary,
            priority_reason=referral.priority_reason, items=items,
        )  # fmt: skip
        try:
            made = packages.build(referral.shape, source, words, datetime.now(UTC))
        except ValueError as wrong:
            raise ReferralError(409, str(wrong)) from None
        async with self._sessions.begin() as db:
            record = ExportRecord(referral_id=referral.id, actor=actor, shape=made.shape, how=how,
                                  sha256=made.sha256, size=len(made.body),
                                  body=made.body.decode("utf-8"))  # fmt: skip
            db.add(record)
            await db.flush()
            db.add(
                AuditEntry(
                    actor=actor,
                    action="referral_export",
                    case_id=referral.case_id,
                    detail=f"{referral.id} {made.shape} {how} {made.sha256[:16]}",
                )
            )
            db.add(AuditEntry(actor=actor, action="export_evidence", case_id=referral.case_id,
                              detail=f"referral {referral.id}: {len(items)} items"))  # fmt: skip
            return made, record.id

    async def send(
        self, referral_id: int, actor: str, sender: Sender, subject: str, words: dict[str, Any]
    ) -> dict[str, Any]:
        """E-mails the package. Disabled sender or a failing server: still "drafted", with
        the reason kept and shown (an event records the attempt); accepted: "sent"."""
        async with self._sessions() as db:
            referral = await db.get(NetworkReferral, referral_id)
            if referral is None:
                raise ReferralError(404, "not_found")
            recipient = await db.get(Recipient, referral.recipient_id)
        if referral.status != "drafted":
            raise ReferralError(409, "bad_transition", f"{referral.status}>sent")
        if recipient is None or recipient.sender != "email" or not recipient.email:
            raise ReferralError(409, "download_only")
        if sender.problem:
            await self._failed(referral_id, actor, "disabled")
            raise ReferralError(409, "sender_disabled", sender.problem)
        made, _ = await self.package(referral_id, actor, "email", words)
        result = await sender.send(
            recipient.email, subject.format(reference=f"111-R{referral_id}"), made
        )
        if not result.ok:
            await self._failed(referral_id, actor, result.reason)
            raise ReferralError(502, "send_failed", result.reason)
        async with self._sessions.begin() as db:
            locked = await self._locked(db, referral_id)
            if locked.status == "drafted":
                self._moved(db, locked, actor, "sent", made.sha256[:16])
            return await view(db, locked)

    async def _failed(self, referral_id: int, actor: str, reason: str) -> None:
        async with self._sessions.begin() as db:
            referral = await self._locked(db, referral_id)
            referral.last_error = reason[:80]
            db.add(ReferralEvent(referral_id=referral.id, actor=actor, from_status="drafted",
                                 to_status="drafted", detail=f"failed {reason}"[:80]))  # fmt: skip
            db.add(
                AuditEntry(
                    actor=actor,
                    action="referral_send_failed",
                    case_id=referral.case_id,
                    detail=f"{referral.id} {reason}"[:200],
                )
            )

    async def export_body(self, referral_id: int, export_id: int) -> ExportRecord | None:
        async with self._sessions() as db:
            record = await db.get(ExportRecord, export_id)
            return record if record is not None and record.referral_id == referral_id else None

    # --- routing rules ------------------------------------------------------------------------
    async def draft_routed(self, case_id: int, routing: Recipients) -> int:
        """Drafts for a case just closed: one for each recipient the routing rules name for
        its closing categories on its platform, unless the case has a referral to that
        recipient already. Returns how many."""
        async with self._sessions() as db:
            case = await db.get(Case, case_id)
            if case is None:
                return 0
            chosen = list(await db.scalars(
                select(CaseCategory.category).where(CaseCategory.case_id == case_id)
            ))  # fmt: skip
        routed = await routing.routed(chosen, case.platform or "")
        made = 0
        async with self._sessions.begin() as db:
            case = await db.get(Case, case_id)
            had = set(await db.scalars(
                select(NetworkReferral.recipient_id).where(NetworkReferral.case_id == case_id)
            ))  # fmt: skip
            for recipient in routed:
                if case is not None and recipient.id not in had:
                    await self._new(db, case, recipient, "rule", Draft(recipient.id))
                    made += 1
        return made


async def _categories(db: AsyncSession, case: Case) -> list[str]:
    """The 111 categories the case closed with, else the bot's reading."""
    chosen = list(await db.scalars(
        select(CaseCategory.category).where(CaseCategory.case_id == case.id)
        .order_by(CaseCategory.category)
    ))  # fmt: skip
    return chosen or ([case.category] if case.category else [])


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
