"""The web chat through the whole pipeline: real Redis, real NLU, a worker in burst mode."""

import io

from aiohttp.test_utils import TestClient

from tests.conftest import AppFactory, drain


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
