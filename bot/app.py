"""aiohttp application factory: every long-lived resource lives in cleanup_ctx."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.nlu import RasaIntentClassifier
from bot.nlu_server import LocalNluServer, NluStartError, ensure_nlu, nlu_answers
from bot.settings import Settings

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
CLASSIFIER = web.AppKey("classifier", RasaIntentClassifier)


async def http_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        yield


async def nlu(app: web.Application) -> AsyncIterator[None]:
    """The classifier at once; a local NLU server started in the background if none answers.

    The bot serves while the model loads: until then the safety screen decides alone.
    """
    settings = app[SETTINGS]
    app[CLASSIFIER] = RasaIntentClassifier(app[HTTP], settings.rasa_url, settings.nlu_timeout)
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


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    app = request.app
    checks = {"nlu": await nlu_answers(app[HTTP], app[SETTINGS].rasa_url, wait=2.0)}
    status = 200 if all(checks.values()) else 503
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return web.json_response(
        {"status": "ready" if status == 200 else "not ready", **body}, status=status
    )


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=1024**2)
    app[SETTINGS] = settings
    app.cleanup_ctx.extend([http_session, nlu])
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
