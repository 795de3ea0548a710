"""The desk's own small API: how long the login has left (for the idle warning), the activity
ping that keeps it, whether this desk's alert sound is muted, and the supervisor's mute.

The session's reads renew nothing (bot.console.app.is_activity): the desk asks how long is
left before it warns, and only a key, a click or an action keeps the login going."""

from aiohttp import web

from bot.appkeys import CASES, REDIS
from bot.console import desks
from bot.console.api import body, error, guarded
from bot.console.keys import ACCOUNTS, LOGIN, LOGINS
from bot.handoff import events


async def _left(request: web.Request) -> web.StreamResponse:
    logins = request.config_dict[LOGINS]
    left = await logins.remaining(request[LOGIN].token)
    if left is None:
        return error(401, "login_required")
    return web.json_response(
        {"idle_seconds_left": left[0], "lifetime_seconds_left": left[1],
         "idle_seconds": logins.idle_seconds}
    )  # fmt: skip


@guarded
async def session(request: web.Request) -> web.StreamResponse:
    return await _left(request)


@guarded
async def activity(request: web.Request) -> web.StreamResponse:
    """The person pressed a key or clicked: the login was renewed on the way in."""
    return await _left(request)


@guarded
async def desk(request: web.Request) -> web.StreamResponse:
    muted = await desks.is_muted(request.config_dict[REDIS], request[LOGIN].username)
    return web.json_response({"muted": muted})


@guarded
async def mute(request: web.Request) -> web.StreamResponse:
    """A supervisor mutes (or unmutes) one counselor's alert sound; the desk hears of it at
    once (a live update only that counselor and supervisors see) and it is audited."""
    login, config = request[LOGIN], request.config_dict
    if not login.can("supervisor"):
        return error(403, "supervisors_only")
    data = await body(request)
    muted = data.get("muted")
    if not isinstance(muted, bool):
        return error(400, "bad_muted")
    username = request.match_info["username"].strip().lower()
    if len(username) > 64 or not await _account_exists(request, username):
        return error(404, "not_found")
    if await desks.set_muted(config[REDIS], username, muted):
        await config[CASES].audit(
            login.username, "desk_muted" if muted else "desk_unmuted", None, username
        )
    await events.publish(config[REDIS], {"type": "desk", "muted": muted, "counselor": username})
    return web.json_response({"username": username, "muted": muted})


async def _account_exists(request: web.Request, username: str) -> bool:
    return await request.config_dict[ACCOUNTS].exists(username)


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_get("/api/session", session, name="api_session")
    r.add_post("/api/activity", activity, name="api_activity")
    r.add_get("/api/desk", desk, name="api_desk")
    r.add_post("/api/desks/{username}/mute", mute, name="api_desk_mute")
