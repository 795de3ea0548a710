"""Logs are JSON lines with ids, intents and timings, and never message text or raw user ids."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import JsonFormatter
from tests.conftest import AppFactory, drain

SECRET_TEXT = "tên em là Nguyễn Thị Hoa, sđt 0912345678, em muốn chết"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_no_text_no_user_id_in_logs(make_client: AppFactory, captured: io.StringIO) -> None:
    client = await make_client()
    chat = (await (await client.post("/chat/api/chats")).json())["chat_id"]
    resp = await client.post("/chat/api/messages", json={"chat_id": chat, "text": SECRET_TEXT})
    assert resp.status == 202
    await drain(client)
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert {"webhook", "understood", "turn"} <= events
    understood = next(line for line in lines if line["event"] == "understood")
    assert understood["action"] == "urgent_handoff"
    everything = captured.getvalue()
    for secret in ("Nguyễn", "Hoa", "0912345678", "muốn chết", "muon chet", chat):
        assert secret not in everything


async def test_the_console_logs_no_text_no_password_no_token(
    make_client: AppFactory, captured: io.StringIO
) -> None:
    from tests.console.conftest import PASSWORD, Counselor, logged_in
    from tests.test_conversations import Chat

    client = await make_client()
    made: list[Counselor] = []
    try:
        lan = await logged_in(client, made, "lan")
        child = Chat(client)
        await child.send(payload="COUNSELOR")
        await child.send(text=SECRET_TEXT)
        _, taken = await lan.call("POST", "conversations/next/claim")
        counselor_words = "Chị là Lan, số của chị 0987654321"
        await lan.call("POST", f"conversations/{taken['id']}/messages", {"text": counselor_words})
        await lan.call("GET", f"conversations/{taken['id']}/messages")
        await lan.call("POST", f"conversations/{taken['id']}/close",
                       {"categories": ["report_grooming"], "type": "consultation"})  # fmt: skip
        logged = captured.getvalue()
        assert logged  # the console and the pipeline did log
        for secret in (SECRET_TEXT, "0912345678", counselor_words, PASSWORD, lan.csrf, child.id):
            assert secret not in logged
        cookie = next(iter(lan.http.cookie_jar)).value
        assert cookie not in logged
    finally:
        for counselor in made:
            await counselor.close()
