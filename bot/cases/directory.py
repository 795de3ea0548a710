"""The referral directory: services a counselor refers a person to (name, kind, phone, area,
when to refer), edited by supervisors, first filled from content/vi/directory.yml.

Entries are never deleted, only made inactive, so a referral in an old case still names a
service; the referral itself keeps the name and phone as they were.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry, Service

KINDS = ("hotline", "police", "health", "child_protection", "legal", "psychology", "other")
LIMITS = {"name": 200, "kind": 40, "phone": 60, "area": 100, "when": 1000}


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    kind: str
    phone: str = ""
    area: str = ""
    when: str = ""

    @classmethod
    def checked(cls, data: dict[str, Any]) -> "Entry":
        """From a form or JSON; ValueError names the first field that is wrong."""
        values = {}
        for name, limit in LIMITS.items():
            value = data.get(name, "")
            if not isinstance(value, str) or len(value) > limit:
                raise ValueError(name)
            values[name] = value.strip()
        if not values["name"]:
            raise ValueError("name")
        if values["kind"] not in KINDS:
            raise ValueError("kind")
        return cls(**values)


def as_json(service: Service) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "kind": service.kind,
            "phone": service.phone, "area": service.area, "when": service.when_to_refer,
            "active": service.active}  # fmt: skip


class Directory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], seed: list[Any]) -> None:
        self._sessions = sessions
        self._seed = seed

    async def entries(self, only_active: bool = True) -> list[Service]:
        """The services by kind and name; the seed is copied in first if the table is empty."""
        await self.seed()
        query = select(Service).order_by(Service.kind, Service.name, Service.id)
        if only_active:
            query = query.where(Service.active.is_(True))
        async with self._sessions() as db:
            return list(await db.scalars(query))

    async def get(self, service_id: int) -> Service | None:
        async with self._sessions() as db:
            return await db.get(Service, service_id)

    async def seed(self) -> int:
        """Copies the content file's services into an empty table; returns how many."""
        async with self._sessions.begin() as db:
            if await db.scalar(select(func.count()).select_from(Service)):
                return 0
            entries = [Entry.checked(item) for item in self._seed if isinstance(item, dict)]
            db.add_all(_row(entry) for entry in entries)
            db.add(AuditEntry(actor="bot", action="directory_seeded", detail=str(len(entries))))
            return len(entries)

    async def add(self, actor: str, entry: Entry) -> int:
        await self.seed()  # the first entry added is never the only one
        async with self._sessions.begin() as db:
            service = _row(entry)
            db.add(service)
            await db.flush()
            db.add(AuditEntry(actor=actor, action="directory_add", detail=str(service.id)))
            return service.id

    async def change(self, actor: str, service_id: int, entry: Entry, active: bool) -> bool:
        async with self._sessions.begin() as db:
            service = await db.get(Service, service_id)
            if service is None:
                return False
            service.name, service.kind, service.phone = entry.name, entry.kind, entry.phone
            service.area, service.when_to_refer = entry.area, entry.when
            service.active, service.updated_at = active, datetime.now(UTC)
            db.add(AuditEntry(actor=actor, action="directory_change", detail=str(service_id)))
            return True


def _row(entry: Entry) -> Service:
    return Service(name=entry.name, kind=entry.kind, phone=entry.phone, area=entry.area,
                   when_to_refer=entry.when, active=True)  # fmt: skip
