"""The web chat through the whole pipeline: real Redis, real NLU, a worker in burst mode."""

import io
import re
from html import escape

import yaml
from aiohttp.test_utils import TestClient

from bot.appkeys import HANDOFFS, REDIS, WEBCHAT
from bot.channels.base import Delivery, OutgoingMessage, SendStatus
from bot.channels.webchat import MAX_TEXT
from bot.store import keys
from tests.conftest import ROOT, AppFactory, drain


async def open_chat(client: TestClient) -> str:  # type: ignore[type-arg]
    resp = await client.post("/chat/api/chats")
    assert resp.status == 201, await resp.text()
    chat_id: str = (await resp.json())["chat_id"]
    return chat_id


async def say(client: TestClient, chat: str, **body: object) -> int:  # type: ignore[type-arg]
    resp = await client.post("/chat/api/messages", json={"chat_id": chat, **body})
    return resp.status


async def replies(client: TestClient, chat: str, after: int = 0) -> list[dict]:  # type: ignore[type-arg]
    resp = await client.get("/chat/api/messages", params={"chat_id": chat, "after": str(after)})
    assert resp.status == 200
    return (await resp.json())["items"]


async def test_the_page_is_vietnamese_and_mobile_friendly(make_client: AppFactory) -> None:
    client = await make_client()
    page = await client.get("/chat")
    html = await page.text()
    assert page.status == 200
    assert '<html lang="vi">' in html
    assert 'name="viewport"' in html
    assert "Tổng đài 111" in html
    assert (await client.get("/chat/static/chat.js")).status == 200


async def test_a_greeting_gets_the_disclosure_and_buttons(make_client: AppFactory) -> None:
    client = await make_client()
    chat = await open_chat(client)
    assert await say(client, chat, text="chào bạn") == 202
    assert await drain(client) == 1
    items = await replies(client, chat)
    assert "trợ lý tự động" in items[0]["text"]
    assert "không phải người thật" in items[0]["text"]
    assert all(len(b["title"]) <= 20 for item in items for b in item["buttons"])
    assert len(items) == 2


async def test_a_crisis_gets_the_emergency_numbers_first(make_client: AppFactory) -> None:
    client = await make_client()
    chat = await open_chat(client)
    await say(client, chat, text="e ko muốn sống nữa, tối nay e sẽ uống hết vỉ thuốc")
    await drain(client)
    reply, queued = await replies(client, chat)  # the numbers, then the counselor queue
    assert "tư vấn viên" in queued["text"]
    assert reply["text"].index("113") < reply["text"].index("Cảm ơn")
    assert "115" in reply["text"]
    assert "111" in reply["text"]


async def test_a_button_skips_the_nlu(make_client: AppFactory) -> None:
    client = await make_client(rasa_url="http://127.0.0.1:9", nlu_autostart=False)
    chat = await open_chat(client)
    await say(client, chat, payload="COUNSELOR")
    await drain(client)
    *_, reply = await replies(client, chat)
    assert "111" in reply["text"]
    assert "tư vấn viên" in reply["text"]


async def test_safe_word_from_any_state(make_client: AppFactory) -> None:
    client = await make_client()
    chat = await open_chat(client)
    for text in ("chào", "em bị lừa mất acc ff", "111", "Cứu"):
        await say(client, chat, text=text)
    await drain(client)
    items = await replies(client, chat)
    help_messages = [i for i in items if i["text"].startswith("Nếu bạn đang gặp nguy hiểm")]
    assert len(help_messages) == 2


async def test_the_same_message_twice_is_answered_once(make_client: AppFactory) -> None:
    client = await make_client()
    chat = await open_chat(client)
    assert await say(client, chat, text="cảm ơn", id="m1") == 202
    assert await say(client, chat, text="cảm ơn", id="m1") == 202
    assert await drain(client) == 1
    assert len(await replies(client, chat)) == 2  # welcome + the answer, once


async def test_bad_input_gets_a_clear_answer(make_client: AppFactory) -> None:
    client = await make_client()
    json_type = {"Content-Type": "application/json"}
    assert (await client.post("/chat/api/messages", data=b"nope", headers=json_type)).status == 400
    assert (await client.post("/chat/api/messages", data=b"nope")).status == 415
    assert await say(client, "not-a-chat-id", text="hi") == 400
    assert await say(client, await open_chat(client)) == 400
    assert await say(client, await open_chat(client), text="x" * 6000) == 400
    too_big = await client.post(
        "/chat/api/messages", data=io.BytesIO(b"x" * (1024**2 + 10)), headers=json_type
    )
    assert too_big.status == 413
    assert (await client.get("/chat/api/messages", params={"chat_id": "x"})).status == 400


async def test_disabled_web_chat_is_not_there(make_client: AppFactory) -> None:
    client = await make_client(webchat_enabled=False)
    assert (await client.get("/chat")).status == 404
    assert await say(client, "0" * 32, text="hi") == 404
    assert (await client.post("/chat/api/chats")).status == 404


async def history(client: TestClient, chat: str, after: int = 0) -> dict:  # type: ignore[type-arg]
    resp = await client.get("/chat/api/history", params={"chat_id": chat, "after": str(after)})
    assert resp.status == 200
    body: dict = await resp.json()  # type: ignore[type-arg]
    return body


async def test_the_history_keeps_both_sides_in_order(make_client: AppFactory) -> None:
    client = await make_client()
    chat = await open_chat(client)
    await say(client, chat, text="chào bạn", id="m1")
    await say(client, chat, text="chào bạn", id="m1")  # a retry is one line, not two
    await drain(client)
    await say(client, chat, payload="COUNSELOR", title="Nói với tư vấn viên", id="m2")
    await drain(client)
    items = (await history(client, chat))["items"]
    assert items[0] == {"from": "child", "text": "chào bạn", "id": "m1"}
    assert [i["from"] for i in items[1:3]] == ["bot", "bot"]
    assert items[3] == {"from": "child", "text": "Nói với tư vấn viên", "id": "m2"}
    assert {i["from"] for i in items[4:]} == {"bot"}
    assert (await history(client, chat, after=3))["items"] == items[3:]
    # the bot's side alone, as before (scripts and tests count only replies)
    assert [i["text"] for i in await replies(client, chat)] == [
        i["text"] for i in items if i["from"] != "child"
    ]


async def test_a_counselor_is_a_person_on_the_page(make_client: AppFactory) -> None:
    client = await make_client()
    handoffs = client.server.app[HANDOFFS]
    chat = await open_chat(client)
    assert (await history(client, chat))["talking"] == "bot"
    await say(client, chat, payload="COUNSELOR")
    await drain(client)
    assert (await history(client, chat))["talking"] == "waiting"
    found = await handoffs.claim("lan")
    await handoffs.say(found, "lan", "Chào em, chị là Lan, gọi 111 nếu cần nhé.")
    page = await history(client, chat)
    assert page["talking"] == "counselor"
    last = page["items"][-1]
    assert last["from"] == "counselor"
    assert "chị là Lan" in last["text"]
    assert page["items"][-2]["from"] == "bot"  # "a counselor has joined" is the bot's notice


async def test_delete_removes_the_history_and_the_id(make_client: AppFactory) -> None:
    client = await make_client()
    app = client.server.app
    chat = await open_chat(client)
    await say(client, chat, payload="COUNSELOR")
    await drain(client)
    assert await app[HANDOFFS].queue.for_user("webchat", chat) is not None
    foreign = {"Origin": "https://evil.example"}
    assert (await client.delete(f"/chat/api/chats/{chat}", headers=foreign)).status == 403
    assert (await client.delete("/chat/api/chats/nope")).status == 400
    assert (await client.delete(f"/chat/api/chats/{chat}")).status == 204
    assert (await history(client, chat))["items"] == []
    assert (await history(client, chat))["talking"] == "bot"  # no longer waiting
    gone = (keys.webchat_replies(chat), keys.webchat_chat(chat), keys.session("webchat", chat))
    for key in gone:
        assert await app[REDIS].exists(key) == 0
    assert await say(client, chat, text="còn ai không") == 403  # the id is gone too
    late = await app[WEBCHAT].send(chat, OutgoingMessage("muộn"), Delivery(None, human=True))
    assert late.status is SendStatus.REFUSED  # a late reply or a counselor: nothing collects
    assert await app[REDIS].exists(keys.webchat_replies(chat)) == 0


async def test_errors_are_codes_the_page_words_in_vietnamese(make_client: AppFactory) -> None:
    client = await make_client()
    chat = await open_chat(client)
    assert await say(client, chat, text="x" * MAX_TEXT) == 202
    long = await client.post("/chat/api/messages", json={"chat_id": chat, "text": "x" * 6000})
    assert long.status == 400
    assert await long.json() == {"error": "too_long"}
    huge = await client.post("/chat/api/messages", json={"chat_id": chat, "text": "x" * 70_000})
    assert (huge.status, await huge.json()) == (400, {"error": "too_long"})
    words = yaml.safe_load((ROOT / "content" / "vi" / "webchat.yml").read_text("utf-8"))
    for key in ("error", "unavailable", "rate_limited", "too_long", "busy"):
        assert "111" in words[key], key
    assert str(MAX_TEXT) in words["too_long"]
    html = await (await client.get("/chat")).text()
    assert f'maxlength="{MAX_TEXT}"' in html
    assert escape(words["rate_limited"]) in html
    assert escape(words["busy"]) in html


async def test_the_page_has_a_strict_csp_and_a_favicon(make_client: AppFactory) -> None:
    client = await make_client()
    page = await client.get("/chat")
    csp = page.headers["Content-Security-Policy"]
    for rule in ("script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'",
                 "default-src 'none'"):  # fmt: skip
        assert rule in csp
    assert "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"  # no-referrer: Origin null posts
    html = await page.text()
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/chat/static/chat.js" defer>']
    assert not re.search(r"\son[a-z]+\s*=", html)  # no onclick= and such: CSP would block it
    icon = await client.get("/chat/static/favicon.svg")
    assert icon.status == 200
    assert icon.content_type == "image/svg+xml"
    assert 'rel="icon" href="/chat/static/favicon.svg"' in html
