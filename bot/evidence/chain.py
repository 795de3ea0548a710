"""The hash chain of a case's evidence: each entry's SHA-256 over a canonical JSON form
(sorted keys, UTF-8, no whitespace) that includes the hash of the case's entry before it, so
a row changed, removed or put out of order by hand breaks the chain from there on.

Every entry is also anchored in the append-only audit log ("evidence_<op>", with its number
and the start of its hash): a chain rewritten whole, or cut short, no longer matches its
anchors. Deleting a case's items (retention, a person forgotten) leaves a marker that says
how many entries went and carries the last one's hash, so `verify` still passes and shows
the deletion; the data itself is gone.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Case
from bot.evidence.models import EvidenceEntry

GENESIS = "0" * 64
DELETED = "deleted"
ANCHOR = re.compile(r"^(\d+) ([0-9a-f]{16})$")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def stamp(at: datetime) -> str:
    """The time as hashed: UTC, to the microsecond (SQLite gives it back without a zone)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def entry_hash(entry: EvidenceEntry) -> str:
    body = {
        "case": entry.case_id, "seq": entry.seq, "at": stamp(entry.at), "op": entry.op,
        "item": entry.item, "actor": entry.actor, "data": json.loads(entry.data),
        "prev": entry.prev_hash,
    }  # fmt: skip
    return hashlib.sha256(canonical(body)).hexdigest()


async def last_entry(db: AsyncSession, case_id: int) -> EvidenceEntry | None:
    query = (
        select(EvidenceEntry).where(EvidenceEntry.case_id == case_id)
        .order_by(EvidenceEntry.seq.desc()).limit(1)
    )  # fmt: skip
    found: EvidenceEntry | None = await db.scalar(query)
    return found


async def append(
    db: AsyncSession, case_id: int, op: str, item: int, actor: str, data: dict[str, Any],
    audit_actor: str,
) -> EvidenceEntry:  # fmt: skip
    """A new entry at the end of the case's chain, inside the caller's transaction. The
    case row is locked first (PostgreSQL), and (case, seq) is unique, so two writers never
    make two entries with one number."""
    await db.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    last = await last_entry(db, case_id)
    seq = last.seq + 1 if last else 1
    entry = EvidenceEntry(
        case_id=case_id, seq=seq, at=datetime.now(UTC), op=op, item=item or seq, actor=actor,
        data=canonical(data).decode(), prev_hash=last.hash if last else GENESIS,
    )  # fmt: skip
    if op == DELETED:
        entry.item = 0
    entry.hash = entry_hash(entry)
    db.add(entry)
    db.add(anchor(entry, audit_actor))
    await db.flush()
    return entry


def anchor(entry: EvidenceEntry, audit_actor: str) -> AuditEntry:
    """The entry's trace in the append-only audit log: its number and the start of its hash
    (no data: a hash of a canonical form that includes the previous hash reveals nothing)."""
    return AuditEntry(actor=audit_actor, action=f"evidence_{entry.op}", case_id=entry.case_id,
                      detail=f"{entry.seq} {entry.hash[:16]}")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ChainState:
    case_id: int
    entries: int  # present in the database
    broken_at: int | None = None  # the first entry that does not hold
    problem: str = ""  # hash | link | missing | order | anchor
    deleted: int = 0  # entries removed with a deletion marker
    reason: str = ""  # why they were removed

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def line(self) -> str:
        head = f"case {self.case_id}: "
        if not self.ok:
            return head + f"BROKEN at entry {self.broken_at} ({self.problem})"
        gone = f"; entries 1-{self.deleted} deleted: {self.reason}" if self.deleted else ""
        return head + f"OK ({self.entries} entries{gone})"


def check(case_id: int, rows: list[EvidenceEntry], anchors: dict[int, str]) -> ChainState:
    """One case's chain against its hashes, its links and its anchors in the audit log."""
    expected_seq, expected_prev, deleted, reason = 1, GENESIS, 0, ""
    for index, row in enumerate(rows):
        if index == 0 and row.op == DELETED:
            marker = json.loads(row.data)
            deleted, reason = int(marker.get("entries", 0)), str(marker.get("reason", ""))
            expected_seq, expected_prev = deleted + 1, row.prev_hash
        problem = (
            "missing" if row.seq > expected_seq else "order" if row.seq < expected_seq
            else "link" if row.prev_hash != expected_prev
            else "hash" if entry_hash(row) != row.hash
            else "anchor" if anchors.get(row.seq, row.hash[:16]) != row.hash[:16]
            else ""
        )  # fmt: skip
        if problem:
            return ChainState(case_id, len(rows), min(row.seq, expected_seq), problem)
        expected_seq, expected_prev = row.seq + 1, row.hash
    if anchors and max(anchors) >= expected_seq:  # the chain's end was cut off
        return ChainState(case_id, len(rows), expected_seq, "missing")
    return ChainState(case_id, len(rows), deleted=deleted, reason=reason)


async def verify(sessions: async_sessionmaker[AsyncSession]) -> list[ChainState]:
    """Every case's chain, in case order."""
    async with sessions() as db:
        rows = list(
            await db.scalars(
                select(EvidenceEntry).order_by(EvidenceEntry.case_id, EvidenceEntry.seq)
            )
        )
        audited = await db.execute(
            select(AuditEntry.case_id, AuditEntry.detail).where(
                AuditEntry.action.like("evidence\\_%", escape="\\"),
                AuditEntry.case_id.is_not(None),
            )
        )
    anchors: dict[int, dict[int, str]] = {}
    for case_id, detail in audited:
        if case_id is not None and (found := ANCHOR.match(detail or "")):
            anchors.setdefault(int(case_id), {})[int(found.group(1))] = found.group(2)
    chains: dict[int, list[EvidenceEntry]] = {case_id: [] for case_id in anchors}
    for row in rows:
        chains.setdefault(row.case_id, []).append(row)
    return [check(c, chains[c], anchors.get(c, {})) for c in sorted(chains)]
