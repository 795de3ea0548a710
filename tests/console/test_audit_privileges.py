"""Issue 12: on PostgreSQL the audit log is insert-only for the application's role (no
UPDATE, DELETE or TRUNCATE), and TRUNCATE is refused even for the table's owner. Needs
DATABASE_URL_TEST (a PostgreSQL server); SQLite's triggers are tested in tests/cases."""

import os
import uuid
from pathlib import Path

import asyncpg
import pytest

from bot.cases.db import database_url, make_engine, migrate
from tests.conftest import sql_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL_TEST", "").startswith("postgres"),
    reason="needs DATABASE_URL_TEST (PostgreSQL)",
)


async def test_the_app_role_can_only_insert_into_the_audit_log(tmp_path: Path) -> None:
    async with sql_database(tmp_path) as url:
        engine = make_engine(database_url(url, tmp_path))
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        role = f"bot_app_test_{uuid.uuid4().hex[:8]}"
        db = await asyncpg.connect(url)
        try:
            await db.execute(f'CREATE ROLE "{role}" NOLOGIN')
            # what the README says to grant the application's role on the audit log
            await db.execute(f'GRANT SELECT, INSERT ON audit_log TO "{role}"')
            await db.execute(f'GRANT USAGE ON SEQUENCE audit_log_id_seq TO "{role}"')
            for verb in ("UPDATE", "DELETE", "TRUNCATE"):
                assert not await db.fetchval(
                    "SELECT has_table_privilege('public', 'audit_log', $1)", verb
                )
            await db.execute(f'SET ROLE "{role}"')
            await db.execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (now(), 'lan', 'x', '')"
            )
            assert await db.fetchval("SELECT count(*) FROM audit_log") == 1
            for statement in (
                "UPDATE audit_log SET actor = 'someone else'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await db.execute(statement)
            await db.execute("RESET ROLE")
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await db.execute("TRUNCATE audit_log")  # even the owner: was emptied
            assert await db.fetchval("SELECT count(*) FROM audit_log") == 1
        finally:
            await db.execute("RESET ROLE")
            await db.execute(f'DROP OWNED BY "{role}"')
            await db.execute(f'DROP ROLE IF EXISTS "{role}"')
            await db.close()
