"""The referral tables, on the same `Base` as the case records (one schema, one set of
migrations). A referral keeps the recipient's name, the platform and the 111 category as
they were, so the anonymous counts of row 4.3 stay when a person's data is deleted; what a
package said (its body) goes with the person, its SHA-256 stays."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.cases.models import Base, now


class Recipient(Base):
    """Who receives referrals: a platform's trust-and-safety team, a portal, an authority, a
    police unit, a child-protection office or an NGO. Never deleted, only made inactive."""

    __tablename__ = "referral_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # the seed's name for it
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))  # platform | portal | authority | police ...
    platforms: Mapped[str] = mapped_column(String(200), default="")  # space-separated ids
    sender: Mapped[str] = mapped_column(String(16), default="download")  # email | download
    email: Mapped[str] = mapped_column(String(254), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    shape: Mapped[str] = mapped_column(String(24), default="url_report")  # the usual package
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class RoutingRule(Base):
    """111 category × platform ("" for any) → a recipient: closing a case that matches
    drafts a referral to it (a supervisor's rule)."""

    __tablename__ = "referral_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(40), default="")
    recipient_id: Mapped[int] = mapped_column(ForeignKey("referral_recipients.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        UniqueConstraint("category", "platform", "recipient_id", name="uq_referral_rule"),
    )


class NetworkReferral(Base):
    """One case referred to one recipient, with its current status (the history is in
    ReferralEvent). `summary` is what the counselor chose to pass on of the child's words;
    deleted with the case's texts."""

    __tablename__ = "network_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("referral_recipients.id"))
    recipient_name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    shape: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="drafted", index=True)
    outcome: Mapped[str] = mapped_column(String(24), default="")  # content_removed | ...
    summary: Mapped[str] = mapped_column(Text, default="")
    priority_reason: Mapped[str] = mapped_column(String(300), default="")
    last_error: Mapped[str] = mapped_column(String(80), default="")
    created_by: Mapped[str] = mapped_column(String(64))  # a counselor, or "rule:<id>"
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # case opened
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actioned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReferralEvent(Base):
    """A status change: from, to, when and who (also in the audit log)."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("network_referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(80), default="")  # an outcome, an error code


class ExportRecord(Base):
    """A package made for a referral: its shape, its SHA-256 over the exact bytes given out
    (attached or downloaded) and the bytes themselves, until the person's data is deleted."""

    __tablename__ = "referral_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("network_referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(64))
    shape: Mapped[str] = mapped_column(String(24))
    how: Mapped[str] = mapped_column(String(16))  # email | download
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")  # "" once deleted
