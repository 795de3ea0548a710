"""`python -m bot evidence verify | list --case N`: every case's chain checked (OK, or BROKEN
at entry N; exit 1 when one is broken), and one case's items (audited as an export, "cli")."""

import argparse

from bot.settings import Settings


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    evidence = commands.add_parser("evidence", help="evidence items: check the hash chains")
    sub = evidence.add_subparsers(dest="evidence_command", required=True)
    sub.add_parser("verify", help="check every case's chain; exit 1 when one is broken")
    listing = sub.add_parser("list", help="one case's items (audited)")
    listing.add_argument("--case", type=int, required=True)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cases.db import database_url, make_engine, migrate, sessions
    from bot.cases.records import CaseRecords
    from bot.evidence.chain import verify
    from bot.evidence.items import Evidence

    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    try:
        await migrate(engine)
        if args.evidence_command == "verify":
            chains = await verify(sessions(engine))
            for state in chains:
                print(state.line())
            broken = sum(not state.ok for state in chains)
            print(f"evidence verify: {len(chains)} chains, {broken} broken")
            return 1 if broken else 0
        key = settings.log_hash_key.reveal().encode()
        items = await Evidence(sessions(engine), key).items(args.case)
        await CaseRecords(sessions(engine)).audit("cli", "export_evidence", args.case)
        for item in items:
            flags = " reporter-data" if item.reporter_data else ""
            again = f" named in {item.other_cases} other cases" if item.other_cases else ""
            print(f"{item.seq}\t{item.kind}\t{item.platform or '-'}\t{item.value}\t"
                  f"{item.entered_by}\t{item.captured_at}{flags}{again}")  # fmt: skip
    finally:
        await engine.dispose()
    return 0
