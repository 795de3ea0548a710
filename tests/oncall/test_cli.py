"""`python -m bot oncall`: the roster from a terminal, contacts masked in the list, refusals
said on stderr with exit status 1."""

import argparse
import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cases.db import database_url, make_engine, migrate, sessions
from bot.cases.models import Counselor
from bot.oncall import cli
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def parse(*words: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["oncall", *words])


async def accounts(settings: Settings, *names: str) -> None:
    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    await migrate(engine)
    async with sessions(engine).begin() as db:
        db.add_all(Counselor(username=n, password_hash="-", role="counselor") for n in names)
    await engine.dispose()


def test_oncall_add_move_remove_and_the_masked_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = replace(Settings.from_env({}), var_dir=tmp_path, database_url="")
    asyncio.run(accounts(settings, "lan", "minh"))

    def run(*words: str) -> tuple[int, str, str]:
        status = asyncio.run(cli.run(settings, parse(*words)))
        out, err = capsys.readouterr()
        return status, out.strip(), err.strip().splitlines()[-1] if err.strip() else ""

    added = run("add", "--username", "Lan", "--email", "lan@111.example.vn",
                "--zalo-id", "8412345670001", "--hours", "22-06")  # fmt: skip
    assert added == (0, "oncall add: lan is number 1, reached by zalo, email", "")
    assert run("add", "--username", "minh", "--email", "minh@111.example.vn")[0] == 0
    assert run("move", "--username", "minh", "--position", "1")[0] == 0
    assert run("add", "--username", "hoa", "--email", "hoa@111.example.vn") == (
        1, "", "oncall add: unknown_account"
    )  # fmt: skip
    assert run("add", "--username", "lan", "--hours", "22-06") == (1, "", "oncall add: no_contact")
    assert run("add", "--username", "an", "--zalo-id", "1", "--messenger-id", "2")[0] == 1
    assert run("remove", "--username", "hoa") == (1, "", "oncall remove: not_on_roster")

    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "PYTHONPATH": str(ROOT)}
    listed = subprocess.run(
        [sys.executable, "-m", "bot", "oncall", "list"], text=True, capture_output=True,
        env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "1\tminh\talways\tm…@111.example.vn\t-",
        "2\tlan\t22-06\tl…@111.example.vn\tzalo …0001",
    ]
    assert "lan@111" not in listed.stdout + listed.stderr
    assert run("remove", "--username", "lan")[0] == 0
    assert run("list")[1] == "1\tminh\talways\tm…@111.example.vn\t-"
