"""Issue 12, attack 8: var/redis/appendonly.aof and var/bot.db were 0644 (the AOF holds
child texts, raw ids and console session tokens). Everything the bot makes is 0600/0700."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import redis.asyncio as redis

from bot.cases.db import database_url, make_engine, migrate
from bot.private import make_private
from bot.store.redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[1]


def open_to_others(folder: Path) -> list[str]:
    """Every path under `folder` (itself included) that its group or others may use."""
    paths = [folder, *folder.rglob("*")]
    return [
        f"{p.relative_to(folder)} {stat.filemode(p.stat().st_mode)}"
        for p in paths
        if not p.is_socket() and p.stat().st_mode & 0o077
    ]


async def test_the_embedded_redis_keeps_its_data_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # what a shell usually has
    server = EmbeddedRedis(tmp_path / "redis")
    try:
        await server.start()
        client = redis.Redis.from_url(server.url)
        await client.set("bot:session:webchat:x", "em bị bắt nạt")
        await client.aclose()
    finally:
        await server.stop()
        os.umask(old)
    assert (
        list((tmp_path / "redis").rglob("*.aof"))
        or (tmp_path / "redis" / "appendonlydir").exists()
    )
    assert open_to_others(tmp_path / "redis") == []  # was: the AOF 0644


async def test_the_sqlite_database_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    engine = make_engine(database_url("", tmp_path / "var"))
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
        os.umask(old)
    assert (tmp_path / "var" / "bot.db").exists()
    assert open_to_others(tmp_path / "var") == []  # was: bot.db 0644


def test_the_command_makes_everything_private_and_narrows_old_files(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    old_db = var / "bot.db"
    old_db.touch(mode=0o644)
    old_db.chmod(0o644)
    env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": "", "PYTHONPATH": str(ROOT)}
    made = subprocess.run(
        [sys.executable, "-m", "bot", "users", "add", "--username", "lan", "--role", "counselor"],
        input="ba con mèo trèo cây cau\n", text=True, capture_output=True, env=env, cwd=ROOT,
        check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert (var / "log-hash-key").exists()
    assert open_to_others(var) == []


def test_make_private_narrows_what_is_there(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        (tmp_path / "redis").mkdir()
        (tmp_path / "redis" / "appendonly.aof").write_text("x")
        make_private(tmp_path)
        assert open_to_others(tmp_path) == []
    finally:
        os.umask(old)
