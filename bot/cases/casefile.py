"""A case as the desk reads it: the person's earlier cases (history), the notes counselors
added, the services the person was referred to, and the search over cases.

Who sees what: a counselor finds in the search the cases they handled (took, were given,
closed, corrected or noted: `case_counselors`); whoever holds a conversation sees that
person's earlier cases, whoever handled them (a returning child must not start from
nothing); supervisors and admins see every case. Every read and change is audited by the
console.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases import extract
from bot.cases.models import (
    AuditEntry,
    Case,
    CaseCategory,
    CaseCounselor,
    CaseNote,
    Contact,
    Referral,
    Service,
)
from bot.cases.stats import NOT_A_CASE, bounds

MAX_NOTE = 4000
MAX_RESULTS = 200
HISTORY_LIMIT = 20
STATUSES = ("open", "closed", "no_contact")


@dataclass(frozen=True, slots=True)
class Filters:
    start: date | None = None  # opened, local days
    end: date | None = None
    category: str = ""
    status: str = ""
    counselor: str = ""
    platform: str = ""
    channel: str = ""
    username: str = ""  # a username, link or phone the person gave


def iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat(timespec="seconds")


class CaseFile:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- who may see a case ---------------------------------------------------------------------
    async def handled_by(self, case_id: int, username: str) -> bool:
        async with self._sessions() as db:
            return await db.get(CaseCounselor, (case_id, username)) is not None

    # --- the person's earlier cases ------------------------------------------------------------
    async def earlier_counts(self, people: list[tuple[str, int | None]]) -> list[int]:
        """For each (conversation_ref, current case id): how many other cases that person
        has (closed, or never reached); one query for a whole queue."""
        refs = {ref for ref, _ in people if ref}
        if not refs:
            return [0 for _ in people]
        query = select(Case.conversation_ref, Case.id).where(
            Case.conversation_ref.in_(refs), Case.follow_up_of.is_(None)
        )  # a follow-up is the same case again
        async with self._sessions() as db:
            found: defaultdict[str, set[int]] = defaultdict(set)
            for ref, case_id in await db.execute(query):
                found[ref].add(case_id)
        return [len(found.get(ref, set()) - {current}) if ref else 0 for ref, current in people]

    async def history(self, conversation_ref: str, current: int | None) -> list[dict[str, Any]]:
        """The person's other cases, newest first, with categories, summaries and notes."""
        if not conversation_ref:
            return []
        query = (
            select(Case)
            .where(Case.conversation_ref == conversation_ref, Case.id != (current or 0))
            .order_by(Case.opened_at.desc(), Case.id.desc()).limit(HISTORY_LIMIT)
        )  # fmt: skip
        async with self._sessions() as db:
            cases = list(await db.scalars(query))
            return [await self._summary(db, case, with_notes=True) for case in cases]

    async def detail(self, case_id: int) -> dict[str, Any] | None:
        async with self._sessions() as db:
            case = await db.get(Case, case_id)
            return None if case is None else await self._summary(db, case, with_notes=True)

    async def _summary(self, db: AsyncSession, case: Case, with_notes: bool) -> dict[str, Any]:
        categories = list(
            await db.scalars(select(CaseCategory.category).where(CaseCategory.case_id == case.id))
        )
        counselors = list(
            await db.scalars(
                select(CaseCounselor.username).where(CaseCounselor.case_id == case.id)
                .order_by(CaseCounselor.username)
            )
        )  # fmt: skip
        follow_ups = list(
            await db.scalars(select(Case.id).where(Case.follow_up_of == case.id).order_by(Case.id))
        )
        contacts = await db.scalar(
            select(func.count()).select_from(Contact)
            .where(Contact.case_id.in_([case.id, *follow_ups]))
        )  # fmt: skip
        out: dict[str, Any] = {
            "id": case.id, "opened_at": iso(case.opened_at), "closed_at": iso(case.closed_at),
            "status": case.status, "channel": case.channel, "platform": case.platform,
            "reading": case.category, "categories": categories, "type": case.case_type,
            "summary": case.close_summary or case.summary, "action": case.action_taken,
            "counselors": counselors, "contacts": contacts or 0,
            "follow_up_of": case.follow_up_of, "follow_ups": follow_ups,
            "can_follow": case.follow_up_of is None and counts_as_case(case.status, categories),
            "found": extract.public(case.found or ""),
        }  # fmt: skip
        if with_notes:
            out["notes"] = await self._notes(db, case.id)
            out["referrals"] = await self._referrals(db, case.id)
        return out

    # --- notes: added, never edited -------------------------------------------------------------
    async def add_note(self, case_id: int, author: str, text: str) -> dict[str, Any]:
        text = text.strip()
        if not text or len(text) > MAX_NOTE:
            raise ValueError("bad_text")
        async with self._sessions.begin() as db:
            if await db.get(Case, case_id) is None:
                raise LookupError(case_id)
            note = CaseNote(case_id=case_id, author=author, text=text)
            db.add(note)
            await _handled(db, case_id, author)
            await db.flush()
            db.add(AuditEntry(actor=author, action="note", case_id=case_id, detail=str(note.id)))
            return _note(note)

    async def notes(self, case_id: int) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            return await self._notes(db, case_id)

    @staticmethod
    async def _notes(db: AsyncSession, case_id: int) -> list[dict[str, Any]]:
        query = select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
        return [_note(n) for n in await db.scalars(query)]

    # --- a follow-up of an earlier case -------------------------------------------------------
    async def follow_up(self, case_id: int, earlier_id: int | None, counselor: str) -> int | None:
        """The open case `case_id` becomes the follow-up of the same person's earlier case
        (`None`: it is a case of its own again); audited. Its contacts then count with the
        earlier case, and it is not counted as a new case. A follow-up of a follow-up is
        linked to the first case. Returns the case it now follows."""
        async with self._sessions.begin() as db:
            case = await db.get(Case, case_id)
            if case is None:
                raise LookupError(case_id)
            if case.status != "open":
                raise ValueError("not_open")
            first = None
            if earlier_id is not None:
                earlier = await db.get(Case, earlier_id)
                if earlier is not None and earlier.follow_up_of:
                    earlier = await db.get(Case, earlier.follow_up_of)
                if (
                    earlier is None
                    or earlier.id == case.id
                    or not case.conversation_ref
                    or earlier.conversation_ref != case.conversation_ref
                    or earlier.opened_at > case.opened_at
                    or not await _counted(db, earlier)
                ):
                    raise ValueError("not_earlier")
                first = earlier.id
            case.follow_up_of = first
            await _handled(db, case_id, counselor)
            db.add(AuditEntry(actor=counselor, case_id=case_id,
                              action="follow_up" if first else "not_follow_up",
                              detail=str(first or "")))  # fmt: skip
            return first

    # --- referrals ------------------------------------------------------------------------------
    async def refer(self, case_id: int, service_id: int, counselor: str) -> dict[str, Any]:
        """Records that the person was referred to an active service (audited)."""
        async with self._sessions.begin() as db:
            service = await db.get(Service, service_id)
            if service is None or not service.active:
                raise ValueError("bad_service")
            if await db.get(Case, case_id) is None:
                raise LookupError(case_id)
            referral = _add_referral(db, case_id, service, counselor)
            await _handled(db, case_id, counselor)
            await db.flush()
            return _referral(referral)

    async def refer_all(self, case_id: int, service_ids: list[int], counselor: str) -> int:
        """Records referrals to several services at once (the close form): every service is
        checked first, so a bad one changes nothing; a service the case was already
        referred to is not recorded again (a close retried). Returns how many were new."""
        async with self._sessions.begin() as db:
            if await db.get(Case, case_id) is None:
                raise LookupError(case_id)
            services = [await db.get(Service, s) for s in dict.fromkeys(service_ids)]
            if any(s is None or not s.active for s in services):
                raise ValueError("bad_service")
            known = set(
                await db.scalars(select(Referral.service_id).where(Referral.case_id == case_id))
            )
            new = [s for s in services if s is not None and s.id not in known]
            for service in new:
                _add_referral(db, case_id, service, counselor)
            if new:
                await _handled(db, case_id, counselor)
            return len(new)

    async def referrals(self, case_id: int) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            return await self._referrals(db, case_id)

    @staticmethod
    async def _referrals(db: AsyncSession, case_id: int) -> list[dict[str, Any]]:
        query = select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)
        return [_referral(r) for r in await db.scalars(query)]

    # --- search ---------------------------------------------------------------------------------
    async def search(self, filters: Filters, viewer: str = "") -> list[dict[str, Any]]:
        """Cases matching every filter given, newest first; `viewer` set: only the cases
        that counselor handled."""
        query = _where(select(Case), filters, viewer)
        query = query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
        async with self._sessions() as db:
            cases = list(await db.scalars(query))
            return [await self._summary(db, case, with_notes=False) for case in cases]


def _where(query: Select[Any], filters: Filters, viewer: str) -> Select[Any]:
    def handled(username: str) -> Any:
        return Case.id.in_(select(CaseCounselor.case_id).where(CaseCounselor.username == username))

    if viewer:
        query = query.where(handled(viewer))
    if filters.start or filters.end:
        since, until = bounds(filters.start or date(2000, 1, 1), filters.end or date(2999, 1, 1))
        query = query.where(Case.opened_at >= since, Case.opened_at <= until)
    if filters.category:
        chosen = select(CaseCategory.case_id).where(CaseCategory.category == filters.category)
        query = query.where(or_(Case.id.in_(chosen), Case.category == filters.category))
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.counselor:
        query = query.where(handled(filters.counselor.lower()))
    if filters.platform:
        query = query.where(Case.platform == filters.platform)
    if filters.channel:
        query = query.where(Case.channel == filters.channel)
    if filters.username:
        plain = filters.username.strip().lower().lstrip("@")
        given = "%" + plain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(func.lower(Case.found).like(given, escape="\\"),
                func.lower(Case.links).like(given, escape="\\"))
        )  # fmt: skip
    return query


def counts_as_case(status: str, categories: Iterable[str]) -> bool:
    """Whether the statistics count a case: closed, with a category other than a silent,
    test or abusive contact. Only such a case can be followed up: its follow-ups are then
    left out of the count, and the matter is counted once, not never."""
    return status == "closed" and bool(set(categories) - set(NOT_A_CASE))


async def _counted(db: AsyncSession, case: Case) -> bool:
    query = select(CaseCategory.category).where(CaseCategory.case_id == case.id)
    return counts_as_case(case.status, await db.scalars(query))


async def _handled(db: AsyncSession, case_id: int, username: str) -> None:
    if await db.get(CaseCounselor, (case_id, username)) is None:
        db.add(CaseCounselor(case_id=case_id, username=username))


def _add_referral(db: AsyncSession, case_id: int, service: Service, counselor: str) -> Referral:
    """A referral as the service was then (its name and phone), audited."""
    referral = Referral(case_id=case_id, service_id=service.id, counselor=counselor,
                        name=service.name, phone=service.phone)  # fmt: skip
    db.add(referral)
    db.add(AuditEntry(actor=counselor, action="refer", case_id=case_id, detail=str(service.id)))
    return referral


def _note(note: CaseNote) -> dict[str, Any]:
    return {"id": note.id, "at": iso(note.at), "author": note.author, "text": note.text}


def _referral(referral: Referral) -> dict[str, Any]:
    return {"id": referral.id, "at": iso(referral.at), "counselor": referral.counselor,
            "service_id": referral.service_id, "name": referral.name,
            "phone": referral.phone}  # fmt: skip
