"""Evidence follows its case: deleted with the case's texts at retention time, and when a
person asks to be forgotten (the chain keeps a deletion marker, not the data); a target
disappears with its last case."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Case
from bot.cases.records import BOT, NO_CONTACT, CaseRecords
from bot.evidence import chain
from bot.evidence.items import drop
from bot.evidence.models import EvidenceEntry


def sessions_of(cases: CaseRecords) -> async_sessionmaker[AsyncSession]:
    """The case records' own database, so the evidence is deleted where the case is."""
    return cases._sessions


async def forget_evidence(cases: CaseRecords, conversation_ref: str, actor: str) -> int:
    """The items of every case of this person (before the cases lose their link to them)."""
    async with sessions_of(cases).begin() as db:
        query = select(Case.id).where(Case.conversation_ref == conversation_ref)
        ids = list(await db.scalars(query)) if conversation_ref else []
        return await drop(db, ids, "forgotten", actor)


async def purge_evidence(
    cases: CaseRecords, older_than_days: int, now: datetime | None = None
) -> int:
    """Retention: the items of cases closed before the cut-off, and of cases closed as "no
    contact" (whose texts went at once). Returns how many cases had items."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    async with sessions_of(cases).begin() as db:
        live = select(EvidenceEntry.case_id).where(EvidenceEntry.op != chain.DELETED)
        query = select(Case.id).where(
            Case.id.in_(live),
            or_(Case.status == NO_CONTACT, (Case.status == "closed") & (Case.closed_at < cutoff)),
        )
        ids = list(await db.scalars(query))
        emptied = await drop(db, ids, "retention", BOT)
        if emptied:
            db.add(AuditEntry(actor=BOT, action="retention", detail=f"{emptied} evidence"))
        return emptied
