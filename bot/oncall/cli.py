"""`python -m bot oncall list | add | remove | move | link`: the roster from a terminal, audited as
"cli" like `users`. Contacts are shown masked: the list may end up in a shared screen."""

import argparse
import sys

from bot.settings import Settings


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    oncall = commands.add_parser("oncall", help="the on-call roster (paged when nobody is online)")
    sub = oncall.add_subparsers(dest="oncall_command", required=True)
    sub.add_parser("list", help="the roster in calling order")
    add = sub.add_parser("add", help="a console account at the end of the roster")
    add.add_argument("--username", required=True)
    add.add_argument("--email", default="")
    add.add_argument("--zalo-id", default="", help="their own account's id on the bot's OA")
    add.add_argument("--messenger-id", default="", help="their own PSID on the bot's page")
    add.add_argument("--hours", default="", help="Vietnam time, e.g. 22-06 (default: always)")
    sub.add_parser("remove", help="off the roster").add_argument("--username", required=True)
    sub.add_parser(
        "link", help="a one-time code they send to the OA or page: their account is linked"
    ).add_argument("--username", required=True)
    move = sub.add_parser("move", help="to a place in the calling order (1 = first)")
    move.add_argument("--username", required=True)
    move.add_argument("--position", type=int, required=True)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cases.db import database_url, make_engine, migrate, sessions
    from bot.cases.records import CaseRecords
    from bot.oncall.contacts import new_link_code
    from bot.oncall.roster import Roster, RosterError
    from bot.store.redis import open_redis

    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    wanted = args.oncall_command
    try:
        await migrate(engine)
        roster = Roster(sessions(engine))
        if wanted == "list":
            for m in await roster.members():
                account = f"{m.channel} …{m.channel_user_id[-4:]}" if m.channel_user_id else "-"
                print(f"{m.position}\t{m.username}\t{m.hours or 'always'}\t"
                      f"{_masked(m.email) or '-'}\t{account}")  # fmt: skip
            return 0
        if wanted == "add":
            if args.zalo_id and args.messenger_id:
                print("oncall add: one of --zalo-id or --messenger-id", file=sys.stderr)
                return 1
            channel = "zalo" if args.zalo_id else "messenger" if args.messenger_id else ""
            member = await roster.add(
                "cli", args.username, args.email, channel, args.zalo_id or args.messenger_id,
                args.hours,
            )  # fmt: skip
            print(f"oncall add: {member.username} is number {member.position}, "
                  f"reached by {', '.join(member.contacts)}")  # fmt: skip
        elif wanted == "link":
            name = args.username.strip().lower()
            if name not in {m.username for m in await roster.members()}:
                raise RosterError("not_on_roster")
            async with open_redis(settings.redis_url, settings.var_dir) as client:
                code = await new_link_code(client, name)
            await CaseRecords(sessions(engine)).audit("cli", "oncall_link_code", None, name)
            print(f"oncall link: within 30 minutes {name} sends \"TRUC {code}\" to the bot's "
                  "Zalo OA or Messenger page from their own account")  # fmt: skip
        elif wanted == "remove":
            await roster.remove("cli", args.username)
            print(f"oncall remove: {args.username.strip().lower()} is off the roster")
        else:
            await roster.move("cli", args.username, args.position)
            print(f"oncall move: {args.username.strip().lower()} moved")
    except RosterError as refused:
        print(f"oncall {wanted}: {refused.reason}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    return 0


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}…@{domain}" if domain else ""
