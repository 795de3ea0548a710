"""Evidence items of a case: added by the person's words (bot.evidence.intake) or by a
counselor, marked (opened through the console; personal data of the reporter) and corrected
as new chain entries, never in place. An item is what its "add" entry says, with the marks
and corrections after it applied in order.
"""

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Case
from bot.evidence import chain, targets
from bot.evidence.models import EvidenceEntry, Target, TargetCase

KINDS = ("profile", "post", "channel", "clip", "group", "chat", "phone", "bank_account",
         "game_id", "other")  # fmt: skip
FIELDS = {"kind": 16, "platform": 40, "value": 300, "name": 120, "first_seen": 80,
          "last_seen": 80}  # fmt: skip
TRIES = 3  # two writers on one case (or one new target): the loser tries again


@dataclass(frozen=True, slots=True)
class Draft:
    """An item as given: kind, platform, the URL or id, the screen or display name, and
    when the person says it was first and last seen (their words)."""

    kind: str
    value: str
    platform: str = ""
    name: str = ""
    first_seen: str = ""
    last_seen: str = ""

    def checked(self) -> "Draft":
        """Trimmed, within limits, of a known kind (ValueError names the field)."""
        values = {k: str(getattr(self, k) or "").strip() for k in FIELDS}
        for name, limit in FIELDS.items():
            if len(values[name]) > limit:
                raise ValueError(name)
        if values["kind"] not in KINDS:
            raise ValueError("kind")
        if not values["value"]:
            raise ValueError("value")
        return Draft(**values)


@dataclass(slots=True)
class Item:
    seq: int
    kind: str
    value: str
    platform: str
    name: str
    first_seen: str
    last_seen: str
    entered_by: str
    captured_at: str
    opened_by: str = ""
    opened_at: str = ""
    opened: int = 0
    reporter_data: bool = False
    corrected: list[str] = field(default_factory=list)
    target: bool = False
    other_cases: int = 0

    @property
    def url(self) -> str:
        """The link a counselor may open: http(s) only, never another scheme."""
        if not targets.is_link(self.value):
            return ""
        link = self.value if "://" in self.value else "https://" + self.value
        return link if link.lower().startswith(("http://", "https://")) else ""

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "url": self.url}


def fold(rows: list[EvidenceEntry]) -> list[Item]:
    """The items a case's entries describe, in the order they were added."""
    items: dict[int, Item] = {}
    for row in rows:
        data = json.loads(row.data)
        if row.op == "add":
            items[row.seq] = Item(
                row.seq, data["kind"], data["value"], data["platform"], data["name"],
                data["first_seen"], data["last_seen"], row.actor, chain.stamp(row.at),
            )  # fmt: skip
        elif (item := items.get(row.item)) is not None:
            if row.op == "mark" and data.get("opened"):
                item.opened += 1
                item.opened_by, item.opened_at = row.actor, chain.stamp(row.at)
            elif row.op == "mark" and "reporter_data" in data:
                item.reporter_data = bool(data["reporter_data"])
            elif row.op == "correct":
                for name, value in data.items():
                    if name in FIELDS and name != "value":
                        setattr(item, name, str(value))
                item.corrected.append(row.actor)
    return list(items.values())


class Evidence:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], hash_key: bytes) -> None:
        self._sessions = sessions
        self._key = hash_key

    def _target(self, item: Item | Draft) -> tuple[str, str, str] | None:
        found = targets.target_of(item.kind, item.platform, item.value)
        return (targets.keyed(self._key, found[0]), found[1], found[2]) if found else None

    async def add(
        self, case_id: int, drafts: list[Draft], actor: str, audit_actor: str,
        skip_known: bool = False,
    ) -> list[Item]:  # fmt: skip
        """New items; with `skip_known` (the person's words) one naming a target or value
        the case has already is left out. Returns the items added."""
        for attempt in range(TRIES):
            try:
                async with self._sessions.begin() as db:
                    return await self._add(db, case_id, drafts, actor, audit_actor, skip_known)
            except IntegrityError:
                if attempt == TRIES - 1:
                    raise
        return []

    async def _add(
        self, db: AsyncSession, case_id: int, drafts: list[Draft], actor: str,
        audit_actor: str, skip_known: bool,
    ) -> list[Item]:  # fmt: skip
        known = await self._rows(db, case_id)
        seen = {self._identity(i) for i in fold(known)} if skip_known else set()
        added: list[Item] = []
        for draft in drafts:
            identity = self._identity(draft)
            if identity in seen:
                continue
            seen.add(identity)
            data = {k: getattr(draft, k) for k in FIELDS}
            entry = await chain.append(db, case_id, "add", 0, actor, data, audit_actor)
            known.append(entry)
            added.append(fold([entry])[0])
        if added:
            await self._relink(db, case_id, fold(known))
        return added

    def _identity(self, item: Item | Draft) -> str:
        """What makes an item the same as another: its kind and its target (a clip and the
        profile of its account are two items, one target), or its value."""
        found = self._target(item)
        return f"{item.kind}|{found[0] if found else item.value.lower()}"

    async def mark(
        self, case_id: int, seq: int, actor: str, audit_actor: str, data: dict[str, Any],
        op: str = "mark",
    ) -> Item | None:  # fmt: skip
        """A mark ({"opened": true}, {"reporter_data": bool}) or a correction (op "correct",
        the changed fields) on item `seq`; None when the case has no such item."""
        for attempt in range(TRIES):
            try:
                async with self._sessions.begin() as db:
                    rows = await self._rows(db, case_id)
                    if not any(r.op == "add" and r.seq == seq for r in rows):
                        return None
                    rows.append(await chain.append(db, case_id, op, seq, actor, data, audit_actor))
                    items = fold(rows)
                    await self._relink(db, case_id, items)
                    return next(i for i in items if i.seq == seq)
            except IntegrityError:
                if attempt == TRIES - 1:
                    raise
        return None

    @staticmethod
    async def _rows(db: AsyncSession, case_id: int) -> list[EvidenceEntry]:
        query = select(EvidenceEntry).where(EvidenceEntry.case_id == case_id)
        return list(await db.scalars(query.order_by(EvidenceEntry.seq)))

    async def _relink(self, db: AsyncSession, case_id: int, items: list[Item]) -> None:
        """The case's targets as its items now say: an item marked as the reporter's own
        data names no target (a child's own phone is not an offender's)."""
        wanted: dict[str, tuple[str, str, str]] = {}
        for item in items:
            if not item.reporter_data and (found := self._target(item)):
                wanted.setdefault(found[0], (found[1], found[2], item.value))
        linked = dict(
            (await db.execute(
                select(Target.key_hash, Target.id).join(TargetCase)
                .where(TargetCase.case_id == case_id)
            )).all()
        )  # fmt: skip
        for key_hash, (kind, platform, value) in wanted.items():
            if key_hash in linked:
                continue
            target_id = await db.scalar(select(Target.id).where(Target.key_hash == key_hash))
            if target_id is None:
                target = Target(key_hash=key_hash, kind=kind, platform=platform, value=value)
                db.add(target)
                await db.flush()
                target_id = target.id
            db.add(TargetCase(target_id=target_id, case_id=case_id))
        gone = [t for k, t in linked.items() if k not in wanted]
        if gone:
            await db.execute(
                delete(TargetCase).where(TargetCase.case_id == case_id,
                                         TargetCase.target_id.in_(gone))
            )  # fmt: skip
            await _drop_lonely(db, gone)
        await db.flush()

    async def case_platform(self, case_id: int) -> str:
        async with self._sessions() as db:
            return str(await db.scalar(select(Case.platform).where(Case.id == case_id)) or "")

    async def items(self, case_id: int) -> list[Item]:
        """The case's items, each with how many other cases name the same target."""
        async with self._sessions() as db:
            items = fold(await self._rows(db, case_id))
            hashes = {i.seq: found[0] for i in items if (found := self._target(i))}
            counts = dict(
                (await db.execute(
                    select(Target.key_hash, func.count(TargetCase.case_id))
                    .join(TargetCase)
                    .where(Target.key_hash.in_(set(hashes.values())),
                           TargetCase.case_id != case_id)
                    .group_by(Target.key_hash)
                )).all()
            ) if hashes else {}  # fmt: skip
        return [
            replace(i, target=i.seq in hashes and not i.reporter_data,
                    other_cases=0 if i.reporter_data else counts.get(hashes.get(i.seq, ""), 0))
            for i in items
        ]  # fmt: skip

    async def entries(self, case_id: int) -> list[dict[str, Any]]:
        """The case's chain as it is stored (an export a recipient can verify)."""
        async with self._sessions() as db:
            rows = await self._rows(db, case_id)
        return [
            {"case": r.case_id, "seq": r.seq, "at": chain.stamp(r.at), "op": r.op,
             "item": r.item, "actor": r.actor, "data": json.loads(r.data),
             "prev": r.prev_hash, "hash": r.hash}
            for r in rows
        ]  # fmt: skip


async def drop(db: AsyncSession, case_ids: list[int], reason: str, audit_actor: str) -> int:
    """Deletes the items of these cases (retention, a person forgotten), leaving in each chain
    a marker with how many entries went and the last one's hash; their targets lose the
    cases, and a target with no case left is deleted. Returns how many cases had items."""
    emptied = 0
    for case_id in case_ids:
        rows = await Evidence._rows(db, case_id)
        if not rows or (len(rows) == 1 and rows[0].op == chain.DELETED):
            continue  # nothing, or deleted already
        last = rows[-1]
        await db.execute(delete(EvidenceEntry).where(EvidenceEntry.case_id == case_id))
        await db.flush()
        marker = EvidenceEntry(
            case_id=case_id, seq=last.seq + 1, at=datetime.now(UTC), op=chain.DELETED, item=0,
            actor=audit_actor, prev_hash=last.hash,
            data=chain.canonical({"entries": last.seq, "reason": reason}).decode(),
        )  # fmt: skip
        marker.hash = chain.entry_hash(marker)
        db.add(marker)
        db.add(chain.anchor(marker, audit_actor))
        emptied += 1
    targets_of = select(TargetCase.target_id).where(TargetCase.case_id.in_(case_ids))
    affected = list(await db.scalars(targets_of))
    await db.execute(delete(TargetCase).where(TargetCase.case_id.in_(case_ids)))
    await _drop_lonely(db, affected)
    return emptied


async def _drop_lonely(db: AsyncSession, target_ids: list[int]) -> None:
    if not target_ids:
        return
    await db.flush()
    still = select(TargetCase.target_id).where(TargetCase.target_id.in_(target_ids))
    kept = set(await db.scalars(still))
    lonely = [t for t in target_ids if t not in kept]
    if lonely:
        await db.execute(delete(Target).where(Target.id.in_(lonely)))
