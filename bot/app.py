"""aiohttp application factory: every long-lived resource lives in cleanup_ctx."""

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator

import aiohttp
import redis.asyncio as redis
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import chat_api
from bot.appkeys import (
    CASES,
    CHAT_PAGE,
    CLASSIFIER,
    CONTENT,
    DATABASE,
    HANDOFFS,
    HTTP,
    INTAKE,
    MESSENGER,
    RATE_LIMIT,
    REDIS,
    SETTINGS,
    WEBCHAT,
    WORKERS,
    ZALO,
)
from bot.cases.db import database_url, make_engine, migrate, sessions
from bot.cases.records import CaseRecords
from bot.channels.base import ChannelAdapter
from bot.channels.messenger import MessengerAdapter
from bot.channels.webchat import WebChatAdapter
from bot.channels.zalo import ZaloAdapter
from bot.channels.zalo_tokens import ZaloTokens
from bot.console.app import create_console
from bot.console.auth import Accounts, Logins
from bot.console.hub import Hub
from bot.console.keys import ACCOUNTS, HUB, LOGINS, THROTTLE
from bot.console.live import fan_out
from bot.console.throttle import LoginThrottle
from bot.content import Content
from bot.conversation import Conversation
from bot.evidence.privacy import purge_evidence
from bot.handoff.service import Handoffs
from bot.metrics import exposition
from bot.oncall.pager import PAGER, Pager, build_pager
from bot.pipeline import Pipeline
from bot.ratelimit import RateLimit
from bot.settings import Settings
from bot.store.intake import DEDUPE_TTL, Intake
from bot.store.redis import open_redis
from bot.store.sessions import RedisSessionStore
from bot.understanding.assess import Assessor, load_screen
from bot.understanding.classifier import RasaIntentClassifier
from bot.understanding.server import LocalNluServer, NluStartError, ensure_nlu, nlu_answers
from bot.webhooks import add_routes
from bot.worker import Worker, consumer_name
from nlu.components.normaliser import Normaliser

log = logging.getLogger(__name__)


async def http_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        yield


async def redis_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with open_redis(settings.redis_url, settings.var_dir) as client:
        app[REDIS] = client
        yield


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = make_engine(database_url(settings.database_url, settings.var_dir))
    await migrate(engine)
    app[DATABASE] = engine
    app[CASES] = CaseRecords(sessions(engine))
    retention = asyncio.create_task(_retention(app[CASES], settings.retention_days))
    yield
    retention.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await retention
    await engine.dispose()


async def _retention(cases: CaseRecords, days: int, every: float = 6 * 3600) -> None:
    """Deletes the transcripts of cases closed more than `days` ago, now and every 6 hours."""
    while True:
        try:
            purged = await cases.purge_transcripts(days)
            quiet = await cases.close_quiet(days)
            await purge_evidence(cases, days)  # evidence items and targets follow their case
            log.info("retention", extra={"cases": purged, "no_contact": quiet, "days": days})
        except (SQLAlchemyError, OSError):
            log.error("retention failed")
        await asyncio.sleep(every)


async def nlu(app: web.Application) -> AsyncIterator[None]:
    """The classifier at once; a local NLU server started in the background if none answers.

    The bot serves while the model loads: until then the safety screen decides alone.
    """
    settings = app[SETTINGS]
    app[CLASSIFIER] = RasaIntentClassifier(
        app[HTTP], settings.rasa_url, settings.nlu_timeout, token=settings.rasa_token.reveal()
    )
    server = LocalNluServer(settings)
    starting = asyncio.create_task(_start_nlu(settings, app[HTTP], server))
    yield
    starting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await starting
    await server.stop()


async def _start_nlu(
    settings: Settings, session: aiohttp.ClientSession, server: LocalNluServer
) -> None:
    try:
        await ensure_nlu(settings, session, server)
    except NluStartError as error:
        log.error("nlu server could not start", extra={"reason": str(error)})


async def channels(app: web.Application) -> AsyncIterator[None]:
    settings, session, client = app[SETTINGS], app[HTTP], app[REDIS]
    tokens = ZaloTokens(settings, client, session)
    app[MESSENGER] = MessengerAdapter(settings, session)
    app[ZALO] = ZaloAdapter(settings, session, tokens)
    app[WEBCHAT] = WebChatAdapter(client, settings.webchat_enabled, settings.session_ttl)
    # A replay is refused by its age after WEBHOOK_MAX_AGE, and by its dedupe key until then.
    app[INTAKE] = Intake(client, max(DEDUPE_TTL, settings.webhook_max_age + 3600))
    app[RATE_LIMIT] = RateLimit(client)
    app[CHAT_PAGE] = chat_api.render_chat_page(settings.content_dir)
    log.info(
        "channels",
        extra={
            name: app[key].enabled
            for name, key in (("messenger", MESSENGER), ("zalo", ZALO), ("webchat", WEBCHAT))
        },
    )
    yield


async def handoff(app: web.Application) -> AsyncIterator[None]:
    """The counselor queue and relay, the console's accounts and logins, and the background
    tick that updates waiting children on their place and counselors on reply windows."""
    settings, client = app[SETTINGS], app[REDIS]
    adapters: dict[str, ChannelAdapter] = {
        "messenger": app[MESSENGER], "zalo": app[ZALO], "webchat": app[WEBCHAT],
    }  # fmt: skip
    app[CONTENT] = Content.load(settings.content_dir)
    app[HANDOFFS] = Handoffs(client, adapters, app[CONTENT], app[CASES], settings.session_ttl)
    app[ACCOUNTS] = Accounts(sessions(app[DATABASE]))
    app[LOGINS] = Logins(client, idle_seconds=settings.console_idle_seconds)
    app[THROTTLE] = LoginThrottle(app[RATE_LIMIT])
    app[PAGER] = build_pager(
        settings, client, app[HANDOFFS], app[CASES], app[CONTENT], sessions(app[DATABASE])
    )
    ticking = asyncio.create_task(_tick(app[HANDOFFS], app[PAGER]))
    yield
    ticking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticking


async def _tick(handoffs: Handoffs, pager: Pager, every: float = 15.0) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await handoffs.tick()
        except (redis.RedisError, OSError, SQLAlchemyError):
            log.warning("handoff tick failed")
        await pager.tick()  # the on-call counselor, when an urgent child waits (never raises)


def build_pipeline(app: web.Application) -> Pipeline:
    settings, client = app[SETTINGS], app[REDIS]
    return Pipeline(
        client,
        RedisSessionStore(client, settings.session_ttl),
        Assessor(app[CLASSIFIER], load_screen(settings)),
        Conversation(app[CONTENT], Normaliser.from_content(settings.content_dir / "nlu")),
        app[HANDOFFS].adapters,
        app[CASES],
        app[HANDOFFS],
        hash_key=settings.log_hash_key.reveal().encode(),
        max_text_chars=settings.max_text_chars,
    )


async def workers(app: web.Application) -> AsyncIterator[None]:
    pipeline = build_pipeline(app)
    count = app[SETTINGS].worker_tasks
    tasks = [
        asyncio.create_task(
            Worker(app[REDIS], pipeline, consumer_name(i)).run(), name=f"worker-{i}"
        )
        for i in range(count)
    ]
    app[WORKERS] = tasks
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def to_console(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/")


async def metrics(request: web.Request) -> web.Response:
    """For Prometheus only: `Authorization: Bearer METRICS_TOKEN`; without a token, not there."""
    token = request.app[SETTINGS].metrics_token.reveal()
    if not token:
        raise web.HTTPNotFound()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": "Bearer"})
    body = await exposition(request.app[REDIS])
    return web.Response(body=body, content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})  # fmt: skip


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    app = request.app
    checks = {
        "redis": await _redis_answers(app[REDIS]),
        "database": await _database_answers(app[DATABASE]),
        "nlu": await nlu_answers(
            app[HTTP], app[SETTINGS].rasa_url, wait=2.0, token=app[SETTINGS].rasa_token.reveal()
        ),
    }
    ready = all(checks.values())
    body = {"status": "ready" if ready else "not ready"}
    body |= {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return web.json_response(body, status=200 if ready else 503)


async def _database_answers(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(2), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError, TimeoutError):
        return False


async def _redis_answers(client: redis.Redis) -> bool:
    try:
        async with asyncio.timeout(2):
            return bool(await client.ping())
    except (redis.RedisError, OSError, TimeoutError):
        return False


def create_app(settings: Settings, serve_http: bool = True) -> web.Application:
    app = web.Application(client_max_size=1024**2)
    app[SETTINGS] = settings
    app[HUB] = Hub()
    app.cleanup_ctx.extend(
        [http_session, redis_client, database, nlu, channels, handoff, fan_out, workers]
    )
    if serve_http:
        app.router.add_get("/healthz", healthz)
        app.router.add_get("/readyz", readyz)
        app.router.add_get("/metrics", metrics)
        add_routes(app)
        chat_api.add_routes(app)
        app.router.add_get("/console", to_console)
        app.add_subapp("/console/", create_console(app[HUB]))
    return app
