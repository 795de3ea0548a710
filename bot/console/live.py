"""Live updates: one Redis pub/sub subscription per process, fanned out to its websockets,
so counselors on any bot process see every change. The websocket also marks the counselor
online (a heartbeat in Redis every 20 s); coming and going are published to every process,
so each supervisor page's list of who is online follows at once."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import redis.asyncio as redis
from aiohttp import WSCloseCode, WSMsgType, web
from redis.exceptions import RedisError

from bot.appkeys import HANDOFFS, REDIS
from bot.console.auth import Login, Logins
from bot.console.hub import Hub
from bot.console.keys import HUB, LOGIN, LOGINS
from bot.handoff import events
from bot.handoff.service import Handoffs
from bot.store import keys

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 20


async def fan_out(app: web.Application) -> AsyncIterator[None]:
    """Started by the main app (it owns Redis); the hub is shared with the console."""
    task = asyncio.create_task(_listen(app[REDIS], app[HUB]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    for socket in list(app[HUB].sockets):
        await socket.close()


async def _listen(client: redis.Redis, hub: Hub) -> None:
    # redis-py's read with a timeout can swallow a cancellation (it surfaces as the read's own
    # timeout), so the loop also asks whether it is being cancelled.
    this = asyncio.current_task()
    while True:
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(keys.CONSOLE_EVENTS)
                while this is None or not this.cancelling():
                    message = await pubsub.get_message(timeout=0.25)
                    if message is not None:
                        await hub.deliver(json.loads(message["data"]))
                raise asyncio.CancelledError
        except (RedisError, OSError, ValueError):
            log.warning("console live updates interrupted")
            await asyncio.sleep(1)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    origin = request.headers.get("Origin", "")
    if origin and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="cross-origin websocket")
    login = request[LOGIN]
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS)
    await socket.prepare(request)
    hub, handoffs = request.config_dict[HUB], request.config_dict[HANDOFFS]
    hub.sockets[socket] = login
    logins = request.config_dict[LOGINS]
    beat = asyncio.create_task(_presence(handoffs, logins, login, socket))
    with contextlib.suppress(RedisError, OSError):  # every process's supervisor page sees it
        await events.publish(
            request.config_dict[REDIS], {"type": "presence", "online": login.username}
        )
    try:
        async for message in socket:
            if message.type is WSMsgType.ERROR:
                break
    finally:
        hub.sockets.pop(socket, None)
        beat.cancel()
        if not hub.online_here(login.username):
            with contextlib.suppress(RedisError, OSError):
                await handoffs.queue.offline(login.username)
                await events.publish(
                    request.config_dict[REDIS], {"type": "presence", "offline": login.username}
                )
    return socket


async def _presence(
    handoffs: Handoffs, logins: Logins, login: Login, socket: web.WebSocketResponse
) -> None:
    """Online while the session stands: a session that ended (logout elsewhere, idle or
    lifetime) closes its socket at the next beat even if its revoke was missed."""
    while True:
        with contextlib.suppress(RedisError, OSError):
            if not await logins.alive(login.token):
                await socket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"logged out")
                return
            await handoffs.queue.heartbeat(login.username, handoffs.now_ms())
        await asyncio.sleep(HEARTBEAT_SECONDS)
