"""Command line: `python -m bot serve | worker | route | stats | users add | list | disable |
enable | reset-password | role | check-content | delete-person | oncall | evidence`."""

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import secrets
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from aiohttp import web
from dotenv import load_dotenv
from redis.exceptions import RedisError

from bot.app import create_app
from bot.content import Content
from bot.evidence import cli as evidence_cli
from bot.logs import setup_logging
from bot.oncall import cli as oncall_cli
from bot.private import make_private
from bot.route import route_stream
from bot.settings import Secret, Settings
from bot.understanding.local import local_assessor
from bot.understanding.token import with_nlu_token

log = logging.getLogger("bot")
R = TypeVar("R")


def stdin_reader() -> Callable[[], Awaitable[bytes]]:
    """Reads stdin lines in a daemon thread, so a blocked read never holds up shutdown."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[bytes] = asyncio.Queue(maxsize=64)

    def pump() -> None:
        for raw in iter(sys.stdin.buffer.readline, b""):
            asyncio.run_coroutine_threadsafe(lines.put(raw), loop).result()
        asyncio.run_coroutine_threadsafe(lines.put(b""), loop).result()

    threading.Thread(target=pump, name="stdin", daemon=True).start()
    return lines.get


async def worker(settings: Settings) -> int:
    """The app's resources and workers without the web server."""
    runner = web.AppRunner(create_app(settings, serve_http=False))
    await runner.setup()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return 0


async def route(settings: Settings) -> int:
    async with local_assessor(settings) as (_, assessor, _):
        await route_stream(stdin_reader(), sys.stdout, assessor, settings.max_text_chars)
    return 0


async def stats_command(settings: Settings, start: date, end: date, by: str) -> int:
    from bot.cases.db import database_url, make_engine, migrate, sessions
    from bot.cases.stats import render, statistics

    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    try:
        await migrate(engine)
        words = Content.load(settings.content_dir).node("console")
        print(render(await statistics(sessions(engine), start, end, by), words))
        from bot.referrals.outcomes import block  # row 4.3 with outcomes, under the table

        print("\n" + await block(sessions(engine), start, end, Content.load(settings.content_dir)))
    finally:
        await engine.dispose()
    return 0


async def add_user_command(settings: Settings, username: str, role: str, password: str) -> int:
    """`users add`: a console account; the password comes from stdin, never the command line."""
    from bot.cases.db import database_url, make_engine, migrate, sessions
    from bot.console.auth import AccountError, Accounts

    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    try:
        await migrate(engine)
        await Accounts(sessions(engine)).add(username, password, role)
    except AccountError as error:
        print(f"users add: {error}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(f"users add: {username.strip().lower()} ({role}) can log in at /console/")
    return 0


USER_AUDIT = {
    "disable": "account_disabled",
    "enable": "account_enabled",
    "reset-password": "password_reset",
    "role": "role_changed",
}


async def manage_user_command(
    settings: Settings, command: str, username: str = "", password: str = "", role: str = ""
) -> int:
    """`users list | disable | enable | reset-password | role`: audited; disabling, a new
    password or a new role also ends every session of the account (in Redis: its websockets
    close in every process), so the change holds from the next request."""
    from bot.cases.db import database_url, make_engine, migrate, sessions
    from bot.cases.records import CaseRecords
    from bot.console.auth import AccountError, Accounts, Logins
    from bot.store.redis import open_redis

    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    try:
        await migrate(engine)
        accounts, records = Accounts(sessions(engine)), CaseRecords(sessions(engine))
        if command == "list":
            for name, role, active in await accounts.listing():
                print(f"{name}\t{role}\t{'enabled' if active else 'disabled'}")
            return 0
        detail = ""
        try:
            if command == "reset-password":
                name = await accounts.set_password(username, password)
            elif command == "role":
                name, former = await accounts.set_role(username, role)
                detail = f": {former} -> {role}"
            else:
                name = await accounts.set_active(username, command == "enable")
        except AccountError as error:
            print(f"users {command}: {error}", file=sys.stderr)
            return 1
        await records.audit("cli", USER_AUDIT[command], None, name + detail)
        if command == "enable":
            print(f"users enable: {name} can log in again")
            return 0
        try:
            async with open_redis(settings.redis_url, settings.var_dir) as client:
                ended = await Logins(client).end_all(name)
        except (RedisError, OSError):
            print(
                f"users {command}: done, but Redis could not be reached to end {name}'s "
                "sessions: run the command again once it answers",
                file=sys.stderr,
            )
            return 1
        await records.audit("cli", "sessions_revoked", None, f"{name}: {ended}")
    finally:
        await engine.dispose()
    done = {"disable": "disabled", "role": f"is {role} now"}.get(command, "has a new password")
    print(f"users {command}: {name} {done}; {ended} sessions ended")
    return 0


async def delete_person_command(settings: Settings, channel: str, user_id: str) -> int:
    """`delete-person`: one person's sessions, queue place, stream entries and case texts."""
    from bot.cases.db import database_url, make_engine, migrate, sessions
    from bot.cases.records import CaseRecords
    from bot.forget import forget_person
    from bot.store.redis import open_redis

    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    try:
        await migrate(engine)
        async with open_redis(settings.redis_url, settings.var_dir) as client:
            done = await forget_person(
                client, CaseRecords(sessions(engine)), settings.log_hash_key.reveal().encode(),
                channel, user_id,
            )  # fmt: skip
    finally:
        await engine.dispose()
    print(
        f"delete-person: {done.redis_keys} Redis keys, {done.stream_entries} stream entries, "
        f"{done.queue_places} queue places, {done.cases} cases emptied and unlinked"
    )
    return 0


def read_password() -> str:
    """The password: typed twice at a terminal (not echoed), or the first line of a pipe."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password (10 characters or more): ")
        if getpass.getpass("Again: ") != first:
            return ""
        return first
    return sys.stdin.readline().rstrip("\r\n")


def check_content_command(settings: Settings) -> int:
    from bot.content import Content
    from bot.dialogue.check import check_content
    from nlu.components.normaliser import Normaliser

    content = Content.load(settings.content_dir)
    problems = check_content(content, Normaliser.from_content(settings.content_dir / "nlu"))
    for problem in problems:
        print(f"content: {problem}")
    print(f"check-content: {len(problems)} problems in {len(content.tree)} files of content/vi")
    return 1 if problems else 0


def with_log_key(settings: Settings) -> Settings:
    """LOG_HASH_KEY, or a random key kept in var/ so the hashes in logs stay comparable across
    restarts and processes while no one without the key can reverse them."""
    if settings.log_hash_key:
        return settings
    path = settings.var_dir / "log-hash-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(draft, path)  # whole file or nothing, never replacing one
        draft.unlink()
    return replace(settings, log_hash_key=Secret(path.read_text().strip()))


def run_until_signal(main: Coroutine[Any, Any, R]) -> R | int:
    """Runs `main`, cancelling it cleanly on SIGTERM as on Ctrl-C (so children are stopped)."""

    async def guarded() -> R:
        task = asyncio.current_task()
        if task is not None:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await main

    try:
        return asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 130


def users_command(settings: Settings, args: argparse.Namespace) -> int:
    wanted = args.users_command
    if wanted == "role":
        return run_until_signal(
            manage_user_command(settings, wanted, args.username, role=args.role)
        )
    if wanted in ("list", "disable", "enable"):
        return run_until_signal(
            manage_user_command(settings, wanted, getattr(args, "username", ""))
        )
    password = read_password()
    if not password:
        print(f"users {wanted}: no password given (or the two did not match)", file=sys.stderr)
        return 1
    if wanted == "reset-password":
        return run_until_signal(manage_user_command(settings, wanted, args.username, password))
    return run_until_signal(add_user_command(settings, args.username, args.role, password))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve webhooks, web chat and console on PORT")
    commands.add_parser("worker", help="a worker process beside `serve` (more throughput)")
    commands.add_parser("route", help="classify JSON lines from stdin")
    commands.add_parser("check-content", help="check the texts in content/ against the engine")
    stats = commands.add_parser("stats", help="the 111 table: contacts, cases, 4.1–4.3")
    stats.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    stats.add_argument("--to", dest="end", type=date.fromisoformat, required=True)
    stats.add_argument("--by", choices=["month", "quarter", "year"], default="month")
    forget = commands.add_parser(
        "delete-person", help="delete what the bot keeps about one person (audited)"
    )
    forget.add_argument("--channel", choices=["messenger", "zalo", "webchat"], required=True)
    forget.add_argument("--user-id", required=True, help="the platform's id for the person")
    users = commands.add_parser("users", help="console accounts")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add_user = user_commands.add_parser("add", help="add an account (password read from stdin)")
    add_user.add_argument("--username", required=True)
    add_user.add_argument("--role", choices=["counselor", "supervisor", "admin"], required=True)
    user_commands.add_parser("list", help="every account: username, role, enabled")
    for name, text in (
        ("disable", "disable an account and end its sessions now"),
        ("enable", "let a disabled account log in again"),
        ("reset-password", "a new password (read from stdin); ends the account's sessions"),
    ):
        user_commands.add_parser(name, help=text).add_argument("--username", required=True)
    set_role = user_commands.add_parser("role", help="a new role; ends the account's sessions")
    set_role.add_argument("--username", required=True)
    set_role.add_argument("--role", choices=["counselor", "supervisor", "admin"], required=True)
    oncall_cli.add_parser(commands)
    evidence_cli.add_parser(commands)
    args = parser.parse_args(argv)

    load_dotenv(override=False)
    settings = Settings.from_env(os.environ)
    make_private(settings.var_dir)  # before anything is written under var/
    settings = with_nlu_token(with_log_key(settings), fresh=args.command == "serve")
    setup_logging(settings.log_level)
    if args.command == "serve":
        web.run_app(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            print=None,
            access_log=None,  # paths carry ids (web chat): our own logs say what matters
        )
        return 0
    if args.command == "stats":
        return run_until_signal(stats_command(settings, args.start, args.end, args.by))
    if args.command == "users":
        return users_command(settings, args)
    if args.command == "oncall":
        return run_until_signal(oncall_cli.run(settings, args))
    if args.command == "delete-person":
        return run_until_signal(delete_person_command(settings, args.channel, args.user_id))
    if args.command == "check-content":
        return check_content_command(settings)
    if args.command == "worker":
        return run_until_signal(
            worker(replace(settings, worker_tasks=max(1, settings.worker_tasks)))
        )
    if args.command == "route":
        return run_until_signal(route(settings))
    return run_until_signal(evidence_cli.run(settings, args))  # every other command returned


if __name__ == "__main__":
    sys.exit(main())
