"""The on-call roster: who is called, in which order, how, and at which hours.

Supervisors change it (console page or `python -m bot oncall`); every change is written to
the audit log in the same transaction as the change itself. Hours are local hours in
Vietnam (UTC+7 all year, no daylight saving time): "22-06" is from 22:00 to 06:00.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Counselor
from bot.oncall.models import OnCallMember

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
CHANNELS = ("zalo", "messenger")
_HOURS = re.compile(r"^([01]?\d|2[0-3])-([01]?\d|2[0-4])$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")
_PLATFORM_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


class RosterError(ValueError):
    """A change refused; `reason` names the Vietnamese message (console.oncall.errors)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Member:
    username: str
    position: int
    email: str = ""
    channel: str = ""  # the platform of their own account on the bot's OA or page
    channel_user_id: str = ""  # that account's id as the OA or page sees it
    hours: str = ""  # "" always on call; "22-06" from 22:00 to 06:00 Vietnam time

    def on_duty(self, at: datetime) -> bool:
        if not self.hours:
            return True
        start, end = (int(part) for part in self.hours.split("-"))
        hour = at.astimezone(VIETNAM).hour
        if start == end:
            return True
        return start <= hour < end if start < end else hour >= start or hour < end

    @property
    def contacts(self) -> list[str]:
        """How this person can be reached (names only: safe for logs and the audit log)."""
        ways = [self.channel] if self.channel and self.channel_user_id else []
        return ways + (["email"] if self.email else [])


def check(email: str, channel: str, channel_user_id: str, hours: str) -> None:
    """Refuses a contact that cannot work; at least one way to reach the person."""
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise RosterError("bad_email")
    if channel and channel not in CHANNELS:
        raise RosterError("bad_channel")
    if bool(channel) != bool(channel_user_id) or (
        channel_user_id and not _PLATFORM_ID.match(channel_user_id)
    ):
        raise RosterError("bad_channel_id")
    if not email and not channel_user_id:
        raise RosterError("no_contact")
    if hours and not _HOURS.match(hours):
        raise RosterError("bad_hours")


class Roster:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def members(self) -> list[Member]:
        """Everyone on the roster, in calling order."""
        async with self._sessions() as db:
            rows = await db.scalars(
                select(OnCallMember).order_by(OnCallMember.position, OnCallMember.id)
            )
            return [_member(row) for row in rows]

    async def on_duty(self, at: datetime | None = None) -> list[Member]:
        """Whom to call now, in order: within their hours, with an account still enabled."""
        moment = at or datetime.now(UTC)
        async with self._sessions() as db:
            rows = await db.execute(
                select(OnCallMember)
                .join(Counselor, Counselor.username == OnCallMember.username)
                .where(Counselor.active.is_(True))
                .order_by(OnCallMember.position, OnCallMember.id)
            )  # fmt: skip
            members = [_member(row) for (row,) in rows]
        return [m for m in members if m.on_duty(moment)]

    async def add(
        self,
        actor: str,
        username: str,
        email: str = "",
        channel: str = "",
        channel_user_id: str = "",
        hours: str = "",
    ) -> Member:
        """Puts a console account at the end of the roster."""
        name = username.strip().lower()
        email, channel_user_id = email.strip(), channel_user_id.strip()
        channel, hours = channel.strip().lower(), hours.strip().replace(" ", "")
        check(email, channel, channel_user_id, hours)
        async with self._sessions.begin() as db:
            account = await db.scalar(select(Counselor).where(Counselor.username == name))
            if account is None or not account.active:
                raise RosterError("unknown_account")
            if await db.scalar(select(OnCallMember.id).where(OnCallMember.username == name)):
                raise RosterError("exists")
            last = await db.scalar(select(func.max(OnCallMember.position)))
            row = OnCallMember(
                username=name, position=(last or 0) + 1, email=email, channel=channel,
                channel_user_id=channel_user_id, hours=hours,
            )  # fmt: skip
            db.add(row)
            member = _member(row)
            detail = f"{name}: {', '.join(member.contacts)}" + (f", {hours}" if hours else "")
            db.add(AuditEntry(actor=actor, action="oncall_add", detail=detail))
        return member

    async def set_account(self, actor: str, username: str, channel: str, user_id: str) -> None:
        """The person's own account on the OA or page (from a link code they sent)."""
        name = username.strip().lower()
        if channel not in CHANNELS or not _PLATFORM_ID.match(user_id):
            raise RosterError("bad_channel_id")
        async with self._sessions.begin() as db:
            row = await _row(db, name)
            row.channel, row.channel_user_id = channel, user_id
            db.add(AuditEntry(actor=actor, action="oncall_linked", detail=f"{name}: {channel}"))

    async def remove(self, actor: str, username: str) -> None:
        name = username.strip().lower()
        async with self._sessions.begin() as db:
            row = await _row(db, name)
            await db.delete(row)
            db.add(AuditEntry(actor=actor, action="oncall_remove", detail=name))

    async def move(self, actor: str, username: str, position: int) -> None:
        """To the given place (1 = called first); the others keep their order."""
        name = username.strip().lower()
        async with self._sessions.begin() as db:
            rows = list(
                await db.scalars(
                    select(OnCallMember).order_by(OnCallMember.position, OnCallMember.id)
                )
            )
            moving = next((row for row in rows if row.username == name), None)
            if moving is None:
                raise RosterError("not_on_roster")
            rows.remove(moving)
            place = min(max(position, 1), len(rows) + 1)
            rows.insert(place - 1, moving)
            for index, row in enumerate(rows, start=1):
                row.position = index
            db.add(AuditEntry(actor=actor, action="oncall_move", detail=f"{name}: {place}"))


async def _row(db: AsyncSession, name: str) -> OnCallMember:
    row = await db.scalar(select(OnCallMember).where(OnCallMember.username == name))
    if row is None:
        raise RosterError("not_on_roster")
    return row


def _member(row: OnCallMember) -> Member:
    return Member(
        row.username, row.position, row.email, row.channel, row.channel_user_id, row.hours
    )
