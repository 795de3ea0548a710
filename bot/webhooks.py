"""Webhook and web chat endpoints: verify → parse every event → store each once → 200 at once.

Bad signature → 403 and nothing stored; malformed body after a valid signature → 400; body
over 1 MB → 413 (aiohttp's client_max_size); Redis unreachable → 503 so the platform retries:
an event is never acknowledged unless it was stored.
"""

import logging
import string
import time
from html import escape
from pathlib import Path

import yaml
from aiohttp import web
from redis.exceptions import RedisError

from bot.appkeys import CHAT_PAGE, INTAKE, MESSENGER, WEBCHAT, ZALO
from bot.channels.base import BadPayload, ChannelAdapter
from bot.channels.webchat import CHAT_ID
from bot.channels.zalo import ZaloAdapter
from bot.metrics import WEBHOOK_EVENTS

log = logging.getLogger(__name__)


STATIC = Path(__file__).resolve().parent / "channels" / "static"


async def receive(request: web.Request, adapter: ChannelAdapter) -> web.Response:
    started = time.perf_counter()
    if not adapter.enabled:
        raise web.HTTPNotFound()
    body = await request.read()
    if isinstance(adapter, ZaloAdapter) and adapter.is_probe(body):
        return web.Response(text="ok")
    if not adapter.verify(request.headers, body):
        WEBHOOK_EVENTS.labels(adapter.name, "bad_signature").inc()
        log.warning("webhook rejected", extra={"channel": adapter.name, "result": "bad_signature"})
        raise web.HTTPForbidden(text="bad signature")
    try:
        events = adapter.parse(body)
    except BadPayload as bad:
        WEBHOOK_EVENTS.labels(adapter.name, "bad_payload").inc()
        log.warning("webhook rejected", extra={"channel": adapter.name, "result": "bad_payload"})
        raise web.HTTPBadRequest(text=str(bad)) from None
    stored = 0
    try:
        for event in events:
            stored += await request.app[INTAKE].enqueue(event)
    except (RedisError, OSError):
        WEBHOOK_EVENTS.labels(adapter.name, "redis_down").inc()
        log.error("webhook not stored", extra={"channel": adapter.name, "result": "redis_down"})
        raise web.HTTPServiceUnavailable(text="try again") from None
    WEBHOOK_EVENTS.labels(adapter.name, "stored").inc(stored)
    WEBHOOK_EVENTS.labels(adapter.name, "duplicate").inc(len(events) - stored)
    log.info(
        "webhook",
        extra={
            "channel": adapter.name,
            "events": len(events),
            "stored": stored,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return web.Response(text="ok")


async def messenger_verify(request: web.Request) -> web.Response:
    adapter = request.app[MESSENGER]
    if not adapter.enabled:
        raise web.HTTPNotFound()
    challenge = adapter.verify_subscription(request.query)
    if challenge is None:
        raise web.HTTPForbidden(text="verification failed")
    return web.Response(text=challenge)


async def messenger_receive(request: web.Request) -> web.Response:
    return await receive(request, request.app[MESSENGER])


async def zalo_receive(request: web.Request) -> web.Response:
    return await receive(request, request.app[ZALO])


async def chat_page(request: web.Request) -> web.Response:
    if not request.app[WEBCHAT].enabled:
        raise web.HTTPNotFound()
    return web.Response(text=request.app[CHAT_PAGE], content_type="text/html")


async def chat_send(request: web.Request) -> web.Response:
    response = await receive(request, request.app[WEBCHAT])
    return web.json_response({"ok": True}, status=202 if response.status == 200 else 200)


async def chat_replies(request: web.Request) -> web.Response:
    adapter = request.app[WEBCHAT]
    if not adapter.enabled:
        raise web.HTTPNotFound()
    chat_id = request.query.get("chat_id", "")
    after = request.query.get("after", "0")
    if not CHAT_ID.match(chat_id) or not after.isdigit():
        raise web.HTTPBadRequest(text="chat_id (32 hex) and after (a number) are needed")
    try:
        items = await adapter.replies(chat_id, int(after))
    except (RedisError, OSError):
        raise web.HTTPServiceUnavailable(text="try again") from None
    return web.json_response({"items": items})


def render_chat_page(content_dir: Path) -> str:
    words = yaml.safe_load((content_dir / "vi" / "webchat.yml").read_text(encoding="utf-8"))
    template = string.Template((STATIC / "chat.html").read_text(encoding="utf-8"))
    return template.substitute({key: escape(str(value)) for key, value in words.items()})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/webhooks/messenger", messenger_verify)
    app.router.add_post("/webhooks/messenger", messenger_receive)
    app.router.add_post("/webhooks/zalo", zalo_receive)
    app.router.add_get("/chat", chat_page)
    app.router.add_post("/chat/api/messages", chat_send)
    app.router.add_get("/chat/api/messages", chat_replies)
    app.router.add_static("/chat/static", STATIC, append_version=False)
