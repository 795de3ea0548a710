"""What a package carries of a case's evidence: the items of bot.evidence (hash-chained),
each with the hash of the chain entry that added it, so a recipient holding the case's
chain export can check an item against it. Items a counselor marked as personal data of the
reporter are left out; the items never hold the child's platform ids (the case knows the
child only by a keyed hash). A case with no items yet gives the links and usernames found in
the person's own words (never the phone-like strings: they may be the child's own number).
"""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases import extract
from bot.cases.models import Case
from bot.evidence.items import Evidence
from bot.referrals.packages import item

ItemSource = Callable[[int], Awaitable[list[dict[str, Any]]]]


def evidence_items(sessions: async_sessionmaker[AsyncSession], hash_key: bytes) -> ItemSource:
    evidence = Evidence(sessions, hash_key)

    async def items_of(case_id: int) -> list[dict[str, Any]]:
        found = [i for i in await evidence.items(case_id) if not i.reporter_data]
        if found:
            hashes = {e["seq"]: e["hash"] for e in await evidence.entries(case_id)
                      if e["op"] == "add"}  # fmt: skip
            return [
                item(i.seq, i.kind, i.value, i.platform, i.name, i.first_seen, i.last_seen,
                     i.captured_at, "counselor" if i.entered_by.startswith("counselor")
                     else "reporter", hashes.get(i.seq, ""))
                for i in found
            ]  # fmt: skip
        return await _from_words(sessions, case_id)

    return items_of


async def _from_words(
    sessions: async_sessionmaker[AsyncSession], case_id: int
) -> list[dict[str, Any]]:
    async with sessions() as db:
        case = await db.get(Case, case_id)
    if case is None:
        return []
    found = extract.public(case.found or "")
    links, names = found["links"], found["usernames"]
    made = [item(n + 1, "post", v, case.platform or "") for n, v in enumerate(links)]
    made += [
        item(len(made) + n + 1, "profile", v, case.platform or "") for n, v in enumerate(names)
    ]
    return made
