"""The on-call roster page (supervisors) and the page's acknowledgement link (anyone logged
in). Plain forms posted with the session's CSRF token, no script; every change is audited
by the roster itself, and a counselor is refused server side with a Vietnamese page."""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.appkeys import CASES, CONTENT, REDIS
from bot.console.api import guarded
from bot.console.keys import LOGIN
from bot.console.pages import render
from bot.oncall.contacts import last_seen_ms, new_link_code, sync_contacts, window_closes_ms
from bot.oncall.pager import PAGER
from bot.oncall.roster import VIETNAM, Member, RosterError

MAX_FIELD = 254


def _words(request: web.Request) -> dict[str, Any]:
    words: dict[str, Any] = request.config_dict[CONTENT].node("console.oncall")
    return words


def _refuse(request: web.Request) -> web.Response:
    message = _words(request)["errors"]["supervisors_only"]
    return render(request, "oncall.html", status=403, refused=message, members=[], paging=[],
                  message="", problem="", code="")  # fmt: skip


@guarded
async def roster_page(request: web.Request) -> web.StreamResponse:
    if not request[LOGIN].can("supervisor"):
        return _refuse(request)
    return await _show(request)


async def _show(request: web.Request, code: str = "") -> web.Response:
    pager, words = request.config_dict[PAGER], _words(request)
    rows = [await _row(request, m) for m in await pager.roster.members()]
    paging = [
        {"id": p.handoff_id, "step": p.step, "paged": p.paged or words["exhausted"],
         "at": _local(p.paged_ms), "acked": p.acked}
        for p in await pager.paging()
    ]  # fmt: skip
    done = request.query.get("done", "")
    problem = request.query.get("error", "")
    return render(
        request, "oncall.html", refused="", members=rows, paging=paging,
        message=words["done"].get(done, ""), problem=words["errors"].get(problem, ""), code=code,
    )  # fmt: skip


async def _row(request: web.Request, member: Member) -> dict[str, Any]:
    words = _words(request)
    window = ""
    if member.channel_user_id:
        closes = window_closes_ms(member, await last_seen_ms(request.config_dict[REDIS], member))
        now = datetime.now(UTC).timestamp() * 1000
        if closes is None or closes <= now:
            window = words["window_closed"]
        else:
            window = words["window_open"].format(until=_local(closes))
    return {
        "username": member.username,
        "position": member.position,
        "hours": member.hours or words["always"],
        "email": member.email,
        "channel": words["channels"].get(member.channel, ""),
        "account": "…" + member.channel_user_id[-4:] if member.channel_user_id else "",
        "window": window,
    }


def _local(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(VIETNAM).strftime("%d/%m %H:%M")


def _back(done: str = "", error: str = "") -> web.HTTPSeeOther:
    query = f"?done={done}" if done else f"?error={error}" if error else ""
    return web.HTTPSeeOther(f"/console/oncall{query}")


async def _change(request: web.Request, done: str) -> web.StreamResponse:
    """One roster change from a form: supervisors only, audited by the roster."""
    if not request[LOGIN].can("supervisor"):
        return _refuse(request)
    form = await request.post()
    field = {name: str(form.get(name, ""))[:MAX_FIELD] for name in form}
    pager, actor = request.config_dict[PAGER], request[LOGIN].username
    try:
        if done == "added":
            await pager.roster.add(
                actor, field.get("username", ""), field.get("email", ""),
                field.get("channel", ""), field.get("channel_user_id", ""),
                field.get("hours", ""),
            )  # fmt: skip
        elif done == "removed":
            await pager.roster.remove(actor, field.get("username", ""))
        else:
            position = field.get("position", "")
            if not position.isdigit():
                raise RosterError("bad_position")
            await pager.roster.move(actor, field.get("username", ""), int(position))
    except RosterError as refused:
        raise _back(error=refused.reason) from None
    await sync_contacts(request.config_dict[REDIS], await pager.roster.members())
    raise _back(done=done)


@guarded
async def add(request: web.Request) -> web.StreamResponse:
    return await _change(request, "added")


@guarded
async def remove(request: web.Request) -> web.StreamResponse:
    return await _change(request, "removed")


@guarded
async def move(request: web.Request) -> web.StreamResponse:
    return await _change(request, "moved")


@guarded
async def link(request: web.Request) -> web.StreamResponse:
    """A one-time code the counselor sends to the OA or page from their own account, so the
    roster learns that account's id (nobody can read it off a phone). Shown once, here."""
    if not request[LOGIN].can("supervisor"):
        return _refuse(request)
    config, words = request.config_dict, _words(request)
    name = str((await request.post()).get("username", ""))[:64].strip().lower()
    if name not in {m.username for m in await config[PAGER].roster.members()}:
        raise _back(error="not_on_roster")
    code = await new_link_code(config[REDIS], name)
    await config[CASES].audit(request[LOGIN].username, "oncall_link_code", None, name)
    return await _show(request, code=words["link_code"].format(username=name, code=code))


@guarded
async def ack_page(request: web.Request) -> web.StreamResponse:
    """What the page's link opens: a button, so a link preview or a mail scanner that
    fetches the link acknowledges nothing."""
    token = request.match_info["token"]
    found = await request.config_dict[PAGER].lookup(token)
    status = 200 if found else 404
    return render(request, "oncall_ack.html", status=status, token=token, known=bool(found))


@guarded
async def ack(request: web.Request) -> web.StreamResponse:
    pager = request.config_dict[PAGER]
    found = await pager.acknowledge(request.match_info["token"], request[LOGIN].username)
    if found is None:
        return render(request, "oncall_ack.html", status=404, token="", known=False)
    raise web.HTTPSeeOther("/console/")


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_get("/oncall", roster_page, name="oncall")
    r.add_post("/oncall/add", add, name="oncall_add")
    r.add_post("/oncall/remove", remove, name="oncall_remove")
    r.add_post("/oncall/move", move, name="oncall_move")
    r.add_post("/oncall/link", link, name="oncall_link")
    r.add_get("/oncall/ack/{token}", ack_page, name="oncall_ack_page")
    r.add_post("/oncall/ack/{token}", ack, name="oncall_ack")
