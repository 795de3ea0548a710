"""Case records: opened by the bot's report flows, closed by counselors, every change audited."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Case, CaseCategory, TranscriptLine

BOT = "bot"
NO_CONTACT = "no_contact"  # a case nobody closed: the conversation went quiet
PRIORITY_ORDER = {"normal": 0, "high": 1, "imminent": 2}


class CaseRecords:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def open_or_update(
        self,
        channel: str,
        conversation_ref: str,
        category: str,
        priority: str = "normal",
        platform: str = "",
        links: str = "",
        summary: str = "",
    ) -> int:
        """The conversation's open case, created if there is none; returns its id."""
        async with self._sessions.begin() as db:
            case = await db.scalar(
                select(Case).where(
                    Case.conversation_ref == conversation_ref, Case.status == "open"
                )
            )
            if case is None:
                case = Case(
                    channel=channel,
                    conversation_ref=conversation_ref,
                    category=category,
                    priority=priority,
                    platform=platform,
                    links=links,
                    summary=summary,
                )
                db.add(case)
                await db.flush()
                db.add(AuditEntry(actor=BOT, action="open", case_id=case.id, detail=category))
                return case.id
            changes = {"platform": platform, "links": links, "summary": summary}
            for field, value in changes.items():
                if value:
                    setattr(case, field, value)
            if PRIORITY_ORDER.get(priority, 0) > PRIORITY_ORDER.get(case.priority, 0):
                case.priority = priority
            db.add(AuditEntry(actor=BOT, action="update", case_id=case.id, detail=category))
            return case.id

    async def add_lines(self, case_id: int, lines: Iterable[tuple[str, str]]) -> None:
        """Transcript lines (sender, text) of a conversation that became a case."""
        async with self._sessions.begin() as db:
            db.add_all(TranscriptLine(case_id=case_id, sender=s, text=t) for s, t in lines)

    async def audit(self, actor: str, action: str, case_id: int | None, detail: str = "") -> None:
        async with self._sessions.begin() as db:
            db.add(AuditEntry(actor=actor, action=action, case_id=case_id, detail=detail))

    async def get(self, case_id: int) -> Case | None:
        async with self._sessions() as db:
            return await db.get(Case, case_id)

    async def transcript(self, case_id: int, limit: int = 500) -> list[TranscriptLine]:
        """The last `limit` lines of a case, oldest first."""
        async with self._sessions() as db:
            query = (
                select(TranscriptLine).where(TranscriptLine.case_id == case_id)
                .order_by(TranscriptLine.id.desc()).limit(limit)
            )  # fmt: skip
            return list(reversed(list(await db.scalars(query))))

    async def close(
        self,
        case_id: int,
        actor: str,
        categories: list[str],
        case_type: str,
        action: str = "",
        summary: str = "",
        at: datetime | None = None,
    ) -> None:
        if case_type not in ("consultation", "intervention") or not categories:
            raise ValueError("a case closes with one or more categories and a type")
        async with self._sessions.begin() as db:
            await db.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(
                    status="closed",
                    closed_at=at or datetime.now(UTC),
                    case_type=case_type,
                    action_taken=action,
                    close_summary=summary,
                )  # fmt: skip
            )
            db.add_all(
                CaseCategory(case_id=case_id, category=c) for c in dict.fromkeys(categories)
            )
            db.add(AuditEntry(actor=actor, action="close", case_id=case_id, detail=case_type))

    async def purge_transcripts(self, older_than_days: int, now: datetime | None = None) -> int:
        """Retention: delete the transcripts and texts of cases closed before the cut-off; the
        anonymous counts the statistics read stay. Returns how many cases were purged."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
        async with self._sessions.begin() as db:
            old = select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff)
            ids = list(await db.scalars(old))
            if ids:
                await self._wipe(db, ids)
                db.add(AuditEntry(actor=BOT, action="retention", detail=f"{len(ids)} cases"))
            return len(ids)

    async def close_quiet(self, older_than_days: int, now: datetime | None = None) -> int:
        """Retention for cases nobody closed (released, never reached, the child gone): an
        open case with no line since the cut-off is closed as "no contact" and its texts are
        deleted at once. Returns how many."""
        moment = now or datetime.now(UTC)
        cutoff = moment - timedelta(days=older_than_days)
        last = (
            select(TranscriptLine.case_id, func.max(TranscriptLine.at).label("at"))
            .group_by(TranscriptLine.case_id).subquery()
        )  # fmt: skip
        quiet = (
            select(Case.id).outerjoin(last, last.c.case_id == Case.id)
            .where(Case.status == "open", func.coalesce(last.c.at, Case.opened_at) < cutoff)
        )  # fmt: skip
        async with self._sessions.begin() as db:
            ids = list(await db.scalars(quiet))
            if ids:
                await self._wipe(db, ids)
                await db.execute(
                    update(Case)
                    .where(Case.id.in_(ids))
                    .values(status=NO_CONTACT, closed_at=moment)
                )
                db.add(
                    AuditEntry(actor=BOT, action="retention", detail=f"{len(ids)} {NO_CONTACT}")
                )
            return len(ids)

    async def forget_person(self, conversation_ref: str, actor: str) -> int:
        """A person's request to be forgotten: every case of theirs loses its texts and its
        link to them (the anonymous counts stay); audited. Returns how many cases."""
        async with self._sessions.begin() as db:
            ids = list(
                await db.scalars(select(Case.id).where(Case.conversation_ref == conversation_ref))
            )
            if ids:
                await self._wipe(db, ids)
                await db.execute(
                    update(Case).where(Case.id.in_(ids))
                    .values(conversation_ref="")
                )  # fmt: skip
            db.add(AuditEntry(actor=actor, action="delete_person", detail=f"{len(ids)} cases"))
            return len(ids)

    @staticmethod
    async def _wipe(db: AsyncSession, ids: list[int]) -> None:
        await db.execute(delete(TranscriptLine).where(TranscriptLine.case_id.in_(ids)))
        await db.execute(
            update(Case).where(Case.id.in_(ids))
            .values(summary="", links="", close_summary="", action_taken="")
        )  # fmt: skip
