"""Issue 12, attack 7: a child had no way to have their data deleted, and the inbound stream
kept every raw message with the raw platform id after it was handled."""

import os
import subprocess
import sys
from pathlib import Path

import redis.asyncio as redis
from sqlalchemy import select

from bot.app import CASES, DATABASE, REDIS, SETTINGS
from bot.cases.models import AuditEntry, Case, TranscriptLine
from bot.forget import forget_person
from bot.store import keys
from tests.conftest import AppFactory
from tests.test_conversations import Chat

ROOT = Path(__file__).resolve().parents[1]
WORDS = "có ng lạ trên zalo cứ tặng quà rồi bảo em giữ bí mật"


async def test_handled_entries_leave_the_stream(make_client: AppFactory) -> None:
    client = await make_client()
    chat = Chat(client)
    await chat.send(text=WORDS)
    stream = client.server.app[REDIS]
    assert await stream.xlen(keys.WEBCHAT_STREAM) == 0  # was 1, with the text and the raw id
    assert not [e for e in await stream.xrange(keys.WEBCHAT_STREAM) if WORDS in str(e)]


async def test_delete_person_forgets_one_child_and_no_one_else(
    make_client: AppFactory, redis_client: redis.Redis
) -> None:
    client = await make_client()
    app = client.server.app
    child, other = Chat(client), Chat(client)
    for chat in (child, other):
        await chat.send(text=WORDS)
        await chat.send(payload="CHECK_YES")
        await chat.send(payload="COUNSELOR")
    assert await redis_client.zcard(keys.HANDOFF_QUEUE) == 2
    key = app[SETTINGS].log_hash_key.reveal().encode()
    done = await forget_person(app[REDIS], app[CASES], key, "webchat", child.id)
    assert done.cases == 1
    assert done.queue_places == 1
    assert await redis_client.exists(keys.session("webchat", child.id)) == 0
    assert await redis_client.exists(keys.webchat_replies(child.id)) == 0
    assert await redis_client.exists(keys.session("webchat", other.id)) == 1
    assert await redis_client.zcard(keys.HANDOFF_QUEUE) == 1
    everything = str(await redis_client.keys("*")) + str(
        [await redis_client.hgetall(k) for k in await redis_client.keys("bot:handoff:conv:*")]
    )
    assert child.id not in everything
    async with app[DATABASE].connect() as db:
        cases = (await db.execute(select(Case.conversation_ref, Case.summary))).all()
        lines = (await db.execute(select(TranscriptLine.case_id))).scalars().all()
        audit = (await db.execute(select(AuditEntry.actor, AuditEntry.action))).all()
    assert sorted(ref == "" for ref, _ in cases) == [False, True]  # one unlinked, one kept
    assert all(summary == "" for ref, summary in cases if ref == "")
    assert len(set(lines)) == 1  # only the other child's transcript is left
    assert ("delete-person", "delete_person") in audit


def test_the_delete_person_command(tmp_path: Path) -> None:
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot", "delete-person", "--channel", "zalo", "--user-id", "123"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 cases emptied and unlinked" in done.stdout
    assert "123" not in done.stdout + done.stderr.replace("--user-id 123", "")
