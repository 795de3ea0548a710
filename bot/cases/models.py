"""The tables. Raw platform user ids never go here: conversations are named by a keyed hash."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    channel: Mapped[str] = mapped_column(String(16))
    conversation_ref: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(40))  # the bot's reading (an intent name)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    platform: Mapped[str] = mapped_column(String(40), default="")
    links: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # deleted with the transcript
    case_type: Mapped[str | None] = mapped_column(String(16))  # consultation | intervention
    action_taken: Mapped[str] = mapped_column(Text, default="")
    close_summary: Mapped[str] = mapped_column(Text, default="")
    # What the person's own words gave (bot.cases.extract), as JSON: {"age", "links",
    # "usernames", "phones"}; a counselor may correct it. Deleted with the transcript.
    found: Mapped[str] = mapped_column(Text, default="")
    counselor: Mapped[str] = mapped_column(String(64), default="")  # who closed it
    # The earlier case of the same person this one follows up (a counselor linked them): its
    # contacts count, and it is not counted as a new case in the statistics.
    follow_up_of: Mapped[int | None] = mapped_column(index=True)

    __table_args__ = (Index("ix_cases_status_closed", "status", "closed_at"),)


class CaseCategory(Base):
    """The 111 categories a counselor chose when closing the case (one or more)."""

    __tablename__ = "case_categories"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class TranscriptLine(Base):
    """Kept only for conversations that became a case; deleted after the retention period."""

    __tablename__ = "transcript_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    sender: Mapped[str] = mapped_column(String(16))  # child | counselor | bot
    text: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Append-only: the application inserts and never updates or deletes these rows."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class Counselor(Base):
    """A console account. Passwords are stored only as argon2 hashes."""

    __tablename__ = "counselors"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # counselor | supervisor | admin
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Contact(Base):
    """One time a person reached the hotline (a conversation handed to the counselors). A
    case may link several contacts of the same person: contact ≠ case."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    conversation_ref: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counselor: Mapped[str] = mapped_column(String(64), default="")  # who first took it
    outcome: Mapped[str] = mapped_column(String(16), default="")  # closed|released|left|quiet


class CaseCounselor(Base):
    """The counselors who handled a case (took, were given, closed or noted it): what a
    counselor may find in the search."""

    __tablename__ = "case_counselors"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class CaseNote(Base):
    """A counselor's note on a case: added, never edited (deleted with the transcript)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class Service(Base):
    """The referral directory: services a counselor can refer a person to. Never deleted,
    only made inactive, so a referral recorded in a case keeps its meaning."""

    __tablename__ = "directory"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(60), default="")
    area: Mapped[str] = mapped_column(String(100), default="")
    when_to_refer: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Referral(Base):
    """A service a counselor referred the person of a case to (its name and phone as they
    were then)."""

    __tablename__ = "case_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("directory.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    counselor: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(60), default="")
