"""The web chat's HTTP side: the page, a server-issued chat id, and messages in and out.

Web chat has no platform in front of it, so it guards itself: only the page's own origin may
post (a foreign site's form or `text/plain` fetch is refused), only ids the server issued are
accepted, each address and each chat is rate-limited in Redis (shared by every process), and
only WEBCHAT_MAX_WAITING web chats may wait for a counselor at once: a flood of web chats can
never bury a child on Messenger or Zalo in the counselor queue.

The page itself runs under a strict Content-Security-Policy (its own script and style only,
no inline script, never in a frame, fetches only to itself). Every refusal is JSON with a
short English code (`{"error": "too_long"}`); the page shows the Vietnamese words for it
from content/vi/webchat.yml, never the code.
"""

import json
import string
import time
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from aiohttp import web
from redis.exceptions import RedisError

from bot import safejson
from bot.appkeys import CHAT_PAGE, HANDOFFS, RATE_LIMIT, SETTINGS, WEBCHAT
from bot.channels.base import BadPayload
from bot.channels.webchat import CHAT_ID, MAX_TEXT, MAX_TITLE, TooLong, WebChatAdapter
from bot.metrics import WEBHOOK_EVENTS
from bot.netaddr import client_address, networks
from bot.webhooks import store

STATIC = Path(__file__).resolve().parent / "channels" / "static"
MAX_BODY = 64 * 1024  # 2000 characters, every one escaped, fit with room to spare
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Never a referrer to another site (the quick exit leaves no trace of /chat), but our own
    # posts keep their Origin: under no-referrer a browser may send `Origin: null`.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def refuse(kind: type[web.HTTPException], reason: str) -> web.HTTPException:
    WEBHOOK_EVENTS.labels("webchat", reason).inc()
    return kind(text=f'{{"error": "{reason}"}}', content_type="application/json")


def adapter_of(request: web.Request) -> WebChatAdapter:
    adapter = request.app[WEBCHAT]
    if not adapter.enabled:
        raise web.HTTPNotFound()
    return adapter


def same_origin(request: web.Request) -> None:
    """A browser names the page that sent a request; only our own page may post here."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise refuse(web.HTTPForbidden, "cross_origin")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise refuse(web.HTTPForbidden, "cross_origin")


def address(request: web.Request) -> str:
    return client_address(request, networks(request.app[SETTINGS].trusted_proxies))


async def limited(request: web.Request, area: str, name: str, limit: int, window: int) -> None:
    if not await request.app[RATE_LIMIT].allow(area, name, limit, window):
        raise refuse(web.HTTPTooManyRequests, "too_many_requests")


async def queue_full(request: web.Request, chat_id: str = "") -> bool:
    """True when WEBCHAT_MAX_WAITING web chats already wait and this chat is not one of them."""
    queue = request.app[HANDOFFS].queue
    if chat_id and await queue.for_user("webchat", chat_id) is not None:
        return False
    return await queue.waiting_count("webchat") >= request.app[SETTINGS].webchat_max_waiting


async def chat_page(request: web.Request) -> web.Response:
    adapter_of(request)
    return web.Response(text=request.app[CHAT_PAGE], content_type="text/html",
                        headers=PAGE_HEADERS)  # fmt: skip


def unavailable() -> web.HTTPException:
    return refuse(web.HTTPServiceUnavailable, "unavailable")


async def chat_open(request: web.Request) -> web.Response:
    """POST /chat/api/chats → {"chat_id"}: the only way to get an id the server accepts."""
    adapter = adapter_of(request)
    same_origin(request)
    settings = request.app[SETTINGS]
    try:
        await limited(request, "webchat-open", address(request), settings.webchat_chats_per_hour,
                      3600)  # fmt: skip
        if await queue_full(request):
            raise refuse(web.HTTPServiceUnavailable, "busy")
        chat_id = await adapter.open_chat()
    except (RedisError, OSError):
        raise unavailable() from None
    return web.json_response({"chat_id": chat_id}, status=201)


async def chat_send(request: web.Request) -> web.Response:
    started = time.perf_counter()
    adapter = adapter_of(request)
    same_origin(request)
    if request.content_type != "application/json":
        raise refuse(web.HTTPUnsupportedMediaType, "json_expected")
    settings = request.app[SETTINGS]
    try:
        await limited(request, "webchat-addr", address(request),
                      settings.webchat_messages_per_minute, 60)  # fmt: skip
        body = await request.read()
        if len(body) > MAX_BODY:  # far over 2000 characters, however they are escaped
            raise refuse(web.HTTPBadRequest, "too_long")
        try:
            safejson.check(body, MAX_BODY)
            events = adapter.parse(body)
        except TooLong:
            raise refuse(web.HTTPBadRequest, "too_long") from None
        except (safejson.UnsafeJson, BadPayload):
            raise refuse(web.HTTPBadRequest, "bad_request") from None
        chat_id = events[0].user_id
        if not await adapter.known(chat_id):
            raise refuse(web.HTTPForbidden, "unknown_chat")
        await limited(request, "webchat-chat", chat_id,
                      settings.webchat_chat_messages_per_minute, 60)  # fmt: skip
        if await queue_full(request, chat_id):
            raise refuse(web.HTTPServiceUnavailable, "busy")
        await adapter.remember(events[0], button_title(body))
    except (RedisError, OSError):
        raise unavailable() from None
    await store(request, adapter.name, events, started)
    return web.json_response({"ok": True}, status=202)


def button_title(body: bytes) -> str:
    """The title of the button the child tapped, which the page sends beside its payload."""
    title = json.loads(body).get("title")  # parsed (and checked) once already
    return title[:MAX_TITLE] if isinstance(title, str) else ""


def chat_query(request: web.Request) -> tuple[str, int]:
    chat_id = request.query.get("chat_id", "")
    after = request.query.get("after", "0")
    if not CHAT_ID.match(chat_id) or not after.isdigit():
        raise refuse(web.HTTPBadRequest, "bad_request")
    return chat_id, int(after)


async def chat_replies(request: web.Request) -> web.Response:
    """GET /chat/api/messages: the bot's and counselors' messages after the first `after`."""
    adapter = adapter_of(request)
    chat_id, after = chat_query(request)
    try:
        items = await adapter.replies(chat_id, after)
    except (RedisError, OSError):
        raise unavailable() from None
    return web.json_response({"items": items})


async def chat_history(request: web.Request) -> web.Response:
    """GET /chat/api/history: both sides after the `after`-th item, and who talks now (the
    bot, or a counselor once one has taken the chat; `waiting` in between)."""
    adapter = adapter_of(request)
    chat_id, after = chat_query(request)
    try:
        items = await adapter.history(chat_id, after)
        found = await request.app[HANDOFFS].queue.for_user(adapter.name, chat_id)
    except (RedisError, OSError):
        raise unavailable() from None
    talking = "bot" if found is None else "counselor" if found.status == "active" else "waiting"
    return web.json_response({"items": items, "talking": talking})


async def chat_delete(request: web.Request) -> web.Response:
    """DELETE /chat/api/chats/{chat_id}: the history and the id; a wait for a counselor ends."""
    adapter = adapter_of(request)
    same_origin(request)
    chat_id = request.match_info["chat_id"]
    if not CHAT_ID.match(chat_id):
        raise refuse(web.HTTPBadRequest, "bad_request")
    settings = request.app[SETTINGS]
    try:
        await limited(request, "webchat-addr", address(request),
                      settings.webchat_messages_per_minute, 60)  # fmt: skip
        handoffs = request.app[HANDOFFS]
        found = await handoffs.queue.for_user(adapter.name, chat_id)
        if found is not None:
            await handoffs.leave(found.id)
        await adapter.forget(chat_id)
    except (RedisError, OSError):
        raise unavailable() from None
    return web.Response(status=204)


def render_chat_page(content_dir: Path) -> str:
    words = yaml.safe_load((content_dir / "vi" / "webchat.yml").read_text(encoding="utf-8"))
    template = string.Template((STATIC / "chat.html").read_text(encoding="utf-8"))
    words["max_text"] = MAX_TEXT
    return template.substitute({key: escape(str(value)) for key, value in words.items()})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/chat", chat_page)
    app.router.add_post("/chat/api/chats", chat_open)
    app.router.add_post("/chat/api/messages", chat_send)
    app.router.add_get("/chat/api/messages", chat_replies)
    app.router.add_get("/chat/api/history", chat_history)
    app.router.add_delete("/chat/api/chats/{chat_id}", chat_delete)
    app.router.add_static("/chat/static", STATIC, append_version=False)
