"""Issue 12: accounts are disabled, enabled and given new passwords from the command line;
disabling or a new password ends every session of the account at once (its websockets close,
it drops from the online list), a disabled account cannot log in, and all of it is audited."""

import asyncio
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.__main__ import manage_user_command
from bot.appkeys import DATABASE, REDIS
from bot.cases.models import AuditEntry
from bot.cases.models import Counselor as CounselorRow
from bot.console.auth import account_generation
from bot.console.keys import LOGINS
from bot.settings import Settings
from tests.conftest import AppFactory
from tests.console.conftest import PASSWORD, Counselor, logged_in

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "ba con mèo trèo cây cau"


def users(
    var: Path, redis_url: str, *args: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": "", "REDIS_URL": redis_url,
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "bot", "users", *args],
        input="" if password is None else password + "\n",
        text=True, capture_output=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip


def test_list_disable_enable_and_reset_password_from_the_command_line(
    tmp_path: Path, redis_url: str, redis_client: object
) -> None:
    made = users(tmp_path, redis_url, "add", "--username", "lan", "--role", "supervisor",
                 password=PASSWORD)  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = users(tmp_path, redis_url, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["lan\tsupervisor\tenabled"]
    assert "argon2" not in listed.stdout  # never a hash

    unknown = users(tmp_path, redis_url, "disable", "--username", "nobody")
    assert (unknown.returncode, "no account named nobody" in unknown.stderr) == (1, True)
    done = users(tmp_path, redis_url, "disable", "--username", "Lan")
    assert done.returncode == 0, done.stderr
    assert "lan disabled" in done.stdout
    again = users(tmp_path, redis_url, "disable", "--username", "lan")
    assert (again.returncode, "disabled already" in again.stderr) == (1, True)
    assert users(tmp_path, redis_url, "list").stdout.splitlines() == ["lan\tsupervisor\tdisabled"]
    assert users(tmp_path, redis_url, "enable", "--username", "lan").returncode == 0
    again = users(tmp_path, redis_url, "enable", "--username", "lan")
    assert (again.returncode, "enabled already" in again.stderr) == (1, True)

    weak = users(tmp_path, redis_url, "reset-password", "--username", "lan",
                 password="Password2024!")  # fmt: skip
    assert (weak.returncode, "password:" in weak.stderr) == (1, True)
    assert users(tmp_path, redis_url, "reset-password", "--username", "lan").returncode == 1
    stranger = users(tmp_path, redis_url, "reset-password", "--username", "nobody",
                     password=NEW_PASSWORD)  # fmt: skip
    assert (stranger.returncode, "no account named" in stranger.stderr) == (1, True)
    reset = users(tmp_path, redis_url, "reset-password", "--username", "lan",
                  password=NEW_PASSWORD)  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    assert NEW_PASSWORD not in reset.stdout + reset.stderr

    with sqlite3.connect(tmp_path / "bot.db") as db:
        rows = db.execute("SELECT actor, action, detail FROM audit_log ORDER BY id").fetchall()
    assert rows == [
        ("cli", "account_disabled", "lan"),
        ("cli", "sessions_revoked", "lan: 0"),
        ("cli", "account_enabled", "lan"),
        ("cli", "password_reset", "lan"),
        ("cli", "sessions_revoked", "lan: 0"),
    ]  # refusals change nothing and are not recorded as done


def cli_settings(settings: Settings, redis_url: str, database_url: str) -> Settings:
    return replace(settings, redis_url=redis_url, database_url=database_url)


async def audit_rows(client: object) -> list[tuple[str, str, str]]:
    async with client.server.app[DATABASE].connect() as db:  # type: ignore[attr-defined]
        found = await db.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail))
        return [(a, b, c) for a, b, c in found.all()]


async def test_disabling_ends_every_session_closes_sockets_and_refuses_logins(
    make_client: AppFactory, counselors: list[Counselor], settings: Settings, redis_url: str,
    database_url: str,
) -> None:  # fmt: skip
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    hoa = await logged_in(client, counselors, "hoa", role="supervisor")
    phone = Counselor(client, "lan")  # a second session of lan's, on another device
    counselors.append(phone)
    assert (await phone.login()).status == 200
    assert lan._reader is not None
    assert lan.socket is not None

    done = await manage_user_command(
        cli_settings(settings, redis_url, database_url), "disable", "lan"
    )
    assert done == 0
    await asyncio.wait_for(lan._reader, 5)  # closed by the server, at once
    assert lan.socket.closed
    assert (await lan.call("GET", "queue"))[0] == 401  # was 200 until the session expired
    assert (await phone.call("GET", "queue"))[0] == 401
    _, online = await hoa.call("GET", "counselors")
    assert online["online"] == ["hoa"]
    assert (await hoa.call("GET", "queue"))[0] == 200  # others are untouched
    assert (await lan.login()).status == 401  # a disabled account cannot log in
    assert ("cli", "account_disabled", "lan") in await audit_rows(client)
    assert ("cli", "sessions_revoked", "lan: 2") in await audit_rows(client)

    assert await manage_user_command(
        cli_settings(settings, redis_url, database_url), "enable", "lan"
    ) == 0  # fmt: skip
    assert (await lan.login()).status == 200


async def test_a_new_password_ends_the_old_sessions(
    make_client: AppFactory, counselors: list[Counselor], settings: Settings, redis_url: str,
    database_url: str,
) -> None:  # fmt: skip
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    cookie = {c.key: c.value for c in lan.http.cookie_jar}
    thief = aiohttp.ClientSession(cookies=cookie)
    try:
        assert (await thief.get(lan.url("/console/api/queue"))).status == 200
        done = await manage_user_command(
            cli_settings(settings, redis_url, database_url), "reset-password", "lan",
            NEW_PASSWORD,
        )  # fmt: skip
        assert done == 0
        assert (await thief.get(lan.url("/console/api/queue"))).status == 401
    finally:
        await thief.close()
    assert (await lan.login(PASSWORD)).status == 401
    assert (await lan.login(NEW_PASSWORD)).status == 200
    assert ("cli", "password_reset", "lan") in await audit_rows(client)
    assert ("cli", "sessions_revoked", "lan: 1") in await audit_rows(client)


async def test_a_session_rechecks_its_account_generation_on_every_use(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    """A session that escaped the revocation (a login racing a change, or a process that
    missed the pub/sub notice) is still refused: its generation is no longer the account's."""
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    token = next(c.value for c in lan.http.cookie_jar if c.key == "console_session")
    logins = client.server.app[LOGINS]
    assert await logins.alive(token)
    await client.server.app[REDIS].incr(account_generation("lan"))  # the session key stays
    assert not await logins.alive(token)  # what the websocket's heartbeat asks
    assert (await lan.call("GET", "queue"))[0] == 401
    raced = await logins.start("lan", "counselor", generation=0)  # read before the change
    assert await logins.find(raced.token) is None
    assert (await lan.login()).status == 200  # a fresh login reads the new generation
    assert (await lan.call("GET", "queue"))[0] == 200


async def test_a_new_role_takes_effect_at_once(
    make_client: AppFactory, counselors: list[Counselor], settings: Settings, redis_url: str,
    database_url: str,
) -> None:  # fmt: skip
    client = await make_client()
    hoa = await logged_in(client, counselors, "hoa", role="supervisor", online=False)
    assert (await hoa.call("GET", "supervisor"))[0] == 200
    given = cli_settings(settings, redis_url, database_url)
    assert await manage_user_command(given, "role", "hoa", role="counselor") == 0
    assert (await hoa.call("GET", "supervisor"))[0] == 401  # was 200 for up to 12 hours
    assert (await hoa.login()).status == 200
    assert (await hoa.call("GET", "supervisor"))[0] == 403
    assert await manage_user_command(given, "role", "hoa", role="counselor") == 1  # already
    assert await manage_user_command(given, "role", "nobody", role="admin") == 1
    assert ("cli", "role_changed", "hoa: supervisor -> counselor") in await audit_rows(client)
    assert ("cli", "sessions_revoked", "hoa: 1") in await audit_rows(client)


async def test_a_change_made_in_the_database_directly_ends_the_sessions_too(
    make_client: AppFactory, counselors: list[Counselor], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    hoa = await logged_in(client, counselors, "hoa", role="supervisor", online=False)
    assert (await lan.call("GET", "queue"))[0] == 200
    engine = client.server.app[DATABASE]
    async with engine.begin() as db:
        await db.execute(update(CounselorRow).where(CounselorRow.username == "lan")
                         .values(active=False))  # fmt: skip
        await db.execute(update(CounselorRow).where(CounselorRow.username == "hoa")
                         .values(role="counselor"))  # fmt: skip
    assert (await lan.call("GET", "queue"))[0] == 200  # read again only every 30 s...
    monkeypatch.setattr("bot.console.app.RECHECK_SECONDS", 0.0)  # ...which have passed
    assert (await lan.call("GET", "queue"))[0] == 401  # was 200 until the session expired
    assert (await hoa.call("GET", "supervisor"))[0] == 401  # was 200 with the old role
    assert (await hoa.login()).status == 200
    assert (await hoa.call("GET", "supervisor"))[0] == 403
    assert (await hoa.call("GET", "queue"))[0] == 200
    rows = await audit_rows(client)
    assert ("console", "sessions_revoked", "lan: 1, account changed") in rows
    assert ("console", "sessions_revoked", "hoa: 1, account changed") in rows
