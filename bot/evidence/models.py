"""The evidence tables, on the same `Base` as the case records (one schema, one set of
migrations). No image or file is ever stored: an item is a link, an id or a name as a person
typed it. Targets keep only a keyed hash of the normalised account and the value a counselor
reads, never a raw platform user id of the person who reported."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.cases.models import Base, now


class EvidenceEntry(Base):
    """One link of a case's chain: an item added, marked or corrected, or the marker left
    when the case's items were deleted. Rows are only ever inserted (and deleted with their
    case, leaving the marker); `hash` is the SHA-256 of the row's canonical JSON, which
    includes `prev_hash`, the hash of the case's entry before it (bot.evidence.chain)."""

    __tablename__ = "evidence_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… within the case
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    op: Mapped[str] = mapped_column(String(16))  # add | mark | correct | deleted
    item: Mapped[int] = mapped_column(Integer, default=0)  # the seq of the item's "add"
    actor: Mapped[str] = mapped_column(String(80))  # child | parent | counselor:<username>
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_evidence_chain_case_seq"),)


class Target(Base):
    """An account, phone, bank account or link named in one or more cases."""

    __tablename__ = "evidence_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the normalised key
    kind: Mapped[str] = mapped_column(String(16))  # account | phone | bank_account | link
    platform: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[str] = mapped_column(String(300))  # as a counselor first saw it
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class TargetCase(Base):
    """A case that names a target (gone with the case's items)."""

    __tablename__ = "evidence_target_cases"

    target_id: Mapped[int] = mapped_column(ForeignKey("evidence_targets.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
