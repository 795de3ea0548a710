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
