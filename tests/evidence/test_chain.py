"""The hash chain on a real database: every entry's SHA-256 over its canonical JSON and the
previous hash; a row changed by hand in SQL, a row removed, a chain cut short or deleted
whole are found by `verify` (and by `python -m bot evidence verify`, which exits 1), while a
deletion made by the app (retention, a person forgotten) leaves a marker that verifies."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.records import CaseRecords
from bot.evidence.chain import GENESIS, canonical, entry_hash, verify
from bot.evidence.items import Draft, Evidence, drop
from bot.evidence.models import EvidenceEntry

ROOT = Path(__file__).resolve().parents[2]
GROOMER = Draft("profile", "@BoiCute99", "tiktok", name="Anh Tú")
CLIP = Draft("clip", "https://www.tiktok.com/@boicute99/video/7301234567890", "tiktok")


async def a_case_with_items(records: CaseRecords, evidence: Evidence, ref: str = "p1") -> int:
    case_id = await records.open_or_update("webchat", ref, "report_grooming")
    await evidence.add(case_id, [GROOMER, CLIP], "child", "bot")
    await evidence.mark(case_id, 1, "counselor:lan", "lan", {"opened": True})
    return case_id


def test_the_canonical_form() -> None:
    assert (
        canonical({"b": "ờ", "a": [1, {"d": 2, "c": 3}]})
        == '{"a":[1,{"c":3,"d":2}],"b":"ờ"}'.encode()
    )


async def test_each_entry_hashes_its_canonical_json_with_the_one_before(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    case_id = await a_case_with_items(records, evidence)
    async with db() as session:
        rows = list(await session.scalars(select(EvidenceEntry).order_by(EvidenceEntry.seq)))
    assert [(r.seq, r.op, r.item) for r in rows] == [(1, "add", 1), (2, "add", 2), (3, "mark", 1)]
    assert rows[0].prev_hash == GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    first = rows[0]
    at = (first.at if first.at.tzinfo else first.at.replace(tzinfo=UTC)).astimezone(UTC)
    body = {"case": case_id, "seq": 1, "at": at.isoformat(), "op": "add", "item": 1,
            "actor": "child", "data": json.loads(first.data), "prev": GENESIS}  # fmt: skip
    assert hashlib.sha256(canonical(body)).hexdigest() == first.hash
    [state] = await verify(db)
    assert (state.ok, state.entries, state.line()) == (True, 3, f"case {case_id}: OK (3 entries)")


async def test_a_row_changed_by_hand_breaks_the_chain_there(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    kept = await a_case_with_items(records, evidence, "p1")
    changed = await a_case_with_items(records, evidence, "p2")
    async with db.begin() as session:  # someone edits the account in SQL
        await session.execute(
            text("UPDATE evidence_chain SET data = replace(data, 'BoiCute99', 'SomeoneElse') "
                 "WHERE case_id = :case AND seq = 1"), {"case": changed},
        )  # fmt: skip
    states = {s.case_id: s for s in await verify(db)}
    assert states[kept].ok
    assert (states[changed].broken_at, states[changed].problem) == (1, "hash")
    assert states[changed].line() == f"case {changed}: BROKEN at entry 1 (hash)"
    assert (await evidence.items(changed))[0].value == "@SomeoneElse"  # what the edit did


async def test_a_hash_recomputed_by_hand_is_caught_by_the_next_link_and_the_audit_log(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    await a_case_with_items(records, evidence)
    async with db.begin() as session:
        row = await session.scalar(select(EvidenceEntry).where(EvidenceEntry.seq == 2))
        assert row is not None
        row.actor = "counselor:someone"
        row.hash = entry_hash(row)
    [state] = await verify(db)
    assert (state.broken_at, state.problem) == (2, "anchor")


async def test_rows_removed_by_hand_are_missing(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    middle = await a_case_with_items(records, evidence, "p1")
    tail = await a_case_with_items(records, evidence, "p2")
    whole = await a_case_with_items(records, evidence, "p3")
    async with db.begin() as session:
        for case_id, seqs in ((middle, [2]), (tail, [3]), (whole, [1, 2, 3])):
            await session.execute(
                delete(EvidenceEntry).where(EvidenceEntry.case_id == case_id,
                                            EvidenceEntry.seq.in_(seqs))
            )  # fmt: skip
    states = {s.case_id: (s.broken_at, s.problem) for s in await verify(db)}
    assert states == {middle: (2, "missing"), tail: (3, "missing"), whole: (1, "missing")}


async def test_a_deletion_by_the_app_leaves_a_marker_that_verifies(
    db: async_sessionmaker[AsyncSession], records: CaseRecords, evidence: Evidence
) -> None:
    case_id = await a_case_with_items(records, evidence)
    async with db.begin() as session:
        assert await drop(session, [case_id], "retention", "bot") == 1
    async with db() as session:
        [marker] = list(await session.scalars(select(EvidenceEntry)))
    assert (marker.seq, marker.op, json.loads(marker.data)) == (
        4, "deleted", {"entries": 3, "reason": "retention"},
    )  # fmt: skip
    assert "BoiCute99" not in marker.data
    [state] = await verify(db)
    assert state.line() == f"case {case_id}: OK (1 entries; entries 1-3 deleted: retention)"
    assert await evidence.items(case_id) == []

    await evidence.add(case_id, [GROOMER], "counselor:lan", "lan")  # the chain goes on
    assert (await verify(db))[0].ok


def test_the_verify_command_exits_non_zero_on_a_broken_chain(tmp_path: Path) -> None:
    import asyncio

    from bot.cases.db import database_url, make_engine, migrate, sessions

    async def two_cases_one_changed_by_hand() -> None:
        engine = make_engine(database_url("", tmp_path))
        await migrate(engine)
        db = sessions(engine)
        await a_case_with_items(CaseRecords(db), Evidence(db, b"k"), "p1")
        changed = await a_case_with_items(CaseRecords(db), Evidence(db, b"k"), "p2")
        async with db.begin() as session:
            await session.execute(
                text("UPDATE evidence_chain SET actor = 'parent' WHERE case_id = :c AND seq = 2"),
                {"c": changed},
            )
        await engine.dispose()

    asyncio.run(two_cases_one_changed_by_hand())
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot", "evidence", "verify"], capture_output=True, text=True,
        env=env, cwd=ROOT, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "case 1: OK (3 entries)",
        "case 2: BROKEN at entry 2 (hash)",
        "evidence verify: 2 chains, 1 broken",
    ]
