"""The supervisors' view of repeat targets: each target with the cases that name it, the
most named first."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.evidence.chain import stamp
from bot.evidence.models import Target, TargetCase

LIMIT = 500


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    kind: str
    platform: str
    value: str
    first_at: str
    cases: tuple[int, ...]


async def board(sessions: async_sessionmaker[AsyncSession], least: int = 1) -> list[Row]:
    """Targets named in at least `least` cases."""
    async with sessions() as db:
        targets = list(await db.scalars(select(Target)))
        links = await db.execute(select(TargetCase.target_id, TargetCase.case_id))
        cases: dict[int, list[int]] = {}
        for target_id, case_id in links:
            cases.setdefault(target_id, []).append(case_id)
    rows = [
        Row(t.id, t.kind, t.platform, t.value, stamp(t.first_at), tuple(sorted(cases[t.id])))
        for t in targets
        if len(cases.get(t.id, ())) >= least
    ]
    rows.sort(key=lambda r: (-len(r.cases), r.first_at))
    return rows[:LIMIT]
