"""Webhook endpoints: verify → parse every event → store each once → 200 at once.

JSON nested too deep → 400 before anything reads it; bad signature → 403 and nothing stored;
malformed body after a valid signature → 400; body over 1 MB → 413 (aiohttp's
client_max_size); a signed event older than WEBHOOK_MAX_AGE (or dated in the future) is
dropped as a replay, logged with its reason; Redis unreachable → 503 so the platform retries:
an event is never acknowledged unless it was stored.
"""

import logging
import time

from aiohttp import web
from redis.exceptions import RedisError

from bot import safejson
from bot.appkeys import INTAKE, MESSENGER, SETTINGS, ZALO
from bot.channels.base import BadPayload, ChannelAdapter, IncomingEvent
from bot.channels.zalo import ZaloAdapter
from bot.metrics import WEBHOOK_EVENTS

log = logging.getLogger(__name__)

MAX_BODY = 1024**2
FUTURE_SLACK_MS = 5 * 60 * 1000  # clocks differ; more than this ahead is not a real event


def fresh(events: list[IncomingEvent], channel: str, max_age_s: int) -> list[IncomingEvent]:
    """The events young enough to be real deliveries; older ones are replays (or a platform
    retrying past any reply window) and are dropped with a logged reason."""
    now = int(time.time() * 1000)
    kept = []
    for event in events:
        age_ms = now - event.timestamp_ms
        if age_ms > max_age_s * 1000 or age_ms < -FUTURE_SLACK_MS:
            reason = "too_old" if age_ms > 0 else "in_future"
            WEBHOOK_EVENTS.labels(channel, reason).inc()
            log.warning(
                "webhook event refused",
                extra={"channel": channel, "result": reason, "age_s": age_ms // 1000},
            )
            continue
        kept.append(event)
    return kept


async def receive(request: web.Request, adapter: ChannelAdapter) -> web.Response:
    started = time.perf_counter()
    if not adapter.enabled:
        raise web.HTTPNotFound()
    body = await request.read()
    try:
        safejson.check(body, MAX_BODY)
    except safejson.UnsafeJson:
        WEBHOOK_EVENTS.labels(adapter.name, "unsafe_json").inc()
        log.warning("webhook rejected", extra={"channel": adapter.name, "result": "unsafe_json"})
        raise web.HTTPBadRequest(text="JSON too deep or too big") from None
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
    events = fresh(events, adapter.name, request.app[SETTINGS].webhook_max_age)
    await store(request, adapter.name, events, started)
    return web.Response(text="ok")


async def store(
    request: web.Request, channel: str, events: list[IncomingEvent], started: float
) -> None:
    """Each event once (dedupe + stream append); Redis down → 503 so the sender retries."""
    stored = 0
    try:
        for event in events:
            stored += await request.app[INTAKE].enqueue(event)
    except (RedisError, OSError):
        WEBHOOK_EVENTS.labels(channel, "redis_down").inc()
        log.error("webhook not stored", extra={"channel": channel, "result": "redis_down"})
        raise web.HTTPServiceUnavailable(text="try again") from None
    WEBHOOK_EVENTS.labels(channel, "stored").inc(stored)
    WEBHOOK_EVENTS.labels(channel, "duplicate").inc(len(events) - stored)
    log.info(
        "webhook",
        extra={
            "channel": channel,
            "events": len(events),
            "stored": stored,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )


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


def add_routes(app: web.Application) -> None:
    app.router.add_get("/webhooks/messenger", messenger_verify)
    app.router.add_post("/webhooks/messenger", messenger_receive)
    app.router.add_post("/webhooks/zalo", zalo_receive)
