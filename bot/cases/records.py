"""Case records: opened by the bot's report flows, closed by counselors, every change audited."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases import extract
from bot.cases.models import (
    AuditEntry,
    Case,
    CaseCategory,
    CaseCounselor,
    CaseNote,
    Contact,
    TranscriptLine,
)

BOT = "bot"
NO_CONTACT = "no_contact"  # a case nobody closed: the conversation went quiet
PRIORITY_ORDER = {"normal": 0, "high": 1, "imminent": 2}
PERSON = frozenset({"child", "parent"})  # the senders whose own words give the case context


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
        contact: bool = False,
    ) -> int:
        """The conversation's open case, created if there is none; returns its id. With
        `contact` (the person is handed to the counselors) the case gets an open contact, a
        new one unless one is open already; the age, links, usernames and phone-like
        strings of the person's own words (`links`, `summary`) are added to the case."""
        found = extract.extract(f"{links}\n{summary}")
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
            else:
                self._update(db, case, category, priority, platform, links, summary)
            if not found.empty():
                case.found = extract.merge(case.found or "", found)
            if contact:
                await self._contact(db, case)
            return case.id

    @staticmethod
    def _update(
        db: AsyncSession, case: Case, category: str, priority: str, platform: str, links: str,
        summary: str,
    ) -> None:  # fmt: skip
        for field, value in {"platform": platform, "links": links, "summary": summary}.items():
            if value:
                setattr(case, field, value)
        if PRIORITY_ORDER.get(priority, 0) > PRIORITY_ORDER.get(case.priority, 0):
            case.priority = priority
        db.add(AuditEntry(actor=BOT, action="update", case_id=case.id, detail=category))

    @staticmethod
    async def _contact(db: AsyncSession, case: Case) -> None:
        """The person's open contact linked to `case`, or a new one."""
        open_contact = await db.scalar(
            select(Contact).where(
                Contact.conversation_ref == case.conversation_ref, Contact.ended_at.is_(None)
            ).order_by(Contact.id.desc()).limit(1)
        )  # fmt: skip
        if open_contact is None:
            db.add(
                Contact(case_id=case.id, channel=case.channel,
                        conversation_ref=case.conversation_ref)
            )  # fmt: skip
        elif open_contact.case_id != case.id:
            open_contact.case_id = case.id

    async def add_lines(self, case_id: int, lines: Iterable[tuple[str, str]]) -> None:
        """Transcript lines (sender, text) of a conversation that became a case. The person's
        own lines (child or parent) add what they give to the case's context."""
        lines = list(lines)
        found = extract.extract("\n".join(t for s, t in lines if s in PERSON))
        async with self._sessions.begin() as db:
            db.add_all(TranscriptLine(case_id=case_id, sender=s, text=t) for s, t in lines)
            if not found.empty():
                case = await db.get(Case, case_id)
                if case is not None:
                    case.found = extract.merge(case.found or "", found)

    async def correct_found(self, case_id: int, actor: str, given: extract.Found) -> None:
        """A counselor's correction of the case's context (audited, without the values)."""
        async with self._sessions.begin() as db:
            case = await db.get(Case, case_id)
            if case is None:
                raise LookupError(case_id)
            case.found = extract.corrected(case.found or "", given)
            db.add(AuditEntry(actor=actor, action="correct_context", case_id=case_id))
            await self._handled(db, case_id, actor)

    async def handled(self, case_id: int, username: str, took: bool = False) -> None:
        """`username` handles the case (took it, was given it); `took`: the first one to
        take its open contact is that contact's counselor."""
        async with self._sessions.begin() as db:
            await self._handled(db, case_id, username)
            if took:
                await db.execute(
                    update(Contact)
                    .where(Contact.case_id == case_id, Contact.ended_at.is_(None),
                           Contact.counselor == "")
                    .values(counselor=username)
                )  # fmt: skip

    @staticmethod
    async def _handled(db: AsyncSession, case_id: int, username: str) -> None:
        known = await db.get(CaseCounselor, (case_id, username))
        if known is None:
            db.add(CaseCounselor(case_id=case_id, username=username))

    async def end_contacts(
        self, outcome: str, case_id: int | None = None, conversation_ref: str = ""
    ) -> None:
        """The open contact(s) of a case or of a person end (released, left)."""
        if not case_id and not conversation_ref:
            return
        where = (
            Contact.case_id == case_id if case_id else Contact.conversation_ref == conversation_ref
        )
        async with self._sessions.begin() as db:
            await self._end(db, where, outcome)

    @staticmethod
    async def _end(db: AsyncSession, where: Any, outcome: str) -> None:
        await db.execute(
            update(Contact).where(where, Contact.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC), outcome=outcome)
        )  # fmt: skip

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
            await db.execute(update(Case).where(Case.id == case_id).values(counselor=actor))
            await self._handled(db, case_id, actor)
            await self._end(db, Contact.case_id == case_id, "closed")
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
                await self._end(db, Contact.case_id.in_(ids), "quiet")
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
            await db.execute(
                update(Contact).where(Contact.conversation_ref == conversation_ref)
                .values(conversation_ref="")
            )  # fmt: skip
            db.add(AuditEntry(actor=actor, action="delete_person", detail=f"{len(ids)} cases"))
            return len(ids)

    @staticmethod
    async def _wipe(db: AsyncSession, ids: list[int]) -> None:
        await db.execute(delete(TranscriptLine).where(TranscriptLine.case_id.in_(ids)))
        await db.execute(delete(CaseNote).where(CaseNote.case_id.in_(ids)))
        await db.execute(
            update(Case).where(Case.id.in_(ids))
            .values(summary="", links="", close_summary="", action_taken="", found="")
        )  # fmt: skip
        from bot.referrals.retention import wipe  # referrals' packages follow their case

        await wipe(db, ids)
