"""The console's JSON API (documented in the README): what the pages use, and outside tools.

A conversation is shown by its queue id with its context, never with the platform's user id.
Every view of a conversation and every change is written to the audit log.
"""

import json
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bot import safejson
from bot.appkeys import CASES, CONTENT, DATABASE, HANDOFFS, REDIS, SETTINGS
from bot.cases import extract
from bot.cases.casefile import CaseFile
from bot.cases.db import sessions
from bot.cases.stats import BY, CLOSING, LOCAL, Statistics, statistics
from bot.channels.base import SendStatus
from bot.console.auth import COOKIE, Login, set_cookie
from bot.console.desks import muted_desks
from bot.console.keys import ACCOUNTS, LOGIN, LOGINS, THROTTLE
from bot.forget import forget_person
from bot.handoff import events
from bot.handoff.queue import PRIORITIES, Handoff
from bot.handoff.service import Closing, HandoffError, Handoffs, window_closes_ms
from bot.logs import user_ref
from bot.netaddr import client_address, networks

log = logging.getLogger(__name__)

E = TypeVar("E", bound=web.HTTPException)
CLOSE_CATEGORIES = frozenset(CLOSING)
MAX_MESSAGE = 2000
MAX_BODY = 64 * 1024
MAX_REFERRED = 5  # services picked when closing a case
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def refusal(kind: type[E], reason: str) -> E:
    """An HTTP error to raise, with the API's JSON body `{"error": reason}`."""
    return kind(text=json.dumps({"error": reason}), content_type="application/json")


def bad_request(reason: str) -> web.HTTPBadRequest:
    return refusal(web.HTTPBadRequest, reason)


async def body(request: web.Request) -> dict[str, Any]:
    """The JSON object of the request, checked for size and depth before it is parsed."""
    try:
        data = safejson.loads(await request.read(), MAX_BODY)
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text='{"error": "json_expected"}', content_type="application/json"
        ) from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(
            text='{"error": "object_expected"}', content_type="application/json"
        )
    return data


def text_field(data: dict[str, Any], name: str, limit: int, required: bool = False) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"bad_{name}"}), content_type="application/json"
        )
    return value.strip()


def guarded(handler: Handler) -> Handler:
    """Turns the handoff's refusals and an unreachable Redis or database into clear answers."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except HandoffError as refused:
            return error(refused.status, refused.reason)
        except (RedisError, OSError, SQLAlchemyError):
            log.exception("console request failed", extra={"path": request.match_info.route.name})
            return error(503, "unavailable")

    return wrapped


# --- login -------------------------------------------------------------------------------------
async def authenticate(request: web.Request, username: str, password: str) -> Login | str:
    """A new login, or the reason there is none ("bad_credentials", "too_many_attempts").

    The attempt is counted before the password is checked (bot.console.throttle); failures
    are audited under the account's name, or "?" when no account has it (a password typed
    into the name field must not end up in the append-only log)."""
    config = request.config_dict
    throttle, cases = config[THROTTLE], config[CASES]
    name = username.strip().lower()
    address = client_address(request, networks(config[SETTINGS].trusted_proxies))
    if not await throttle.reserve(name, address):
        return "too_many_attempts"
    await throttle.slow_down(name)
    generation = await config[LOGINS].generation(name)  # before the account is read
    found = await config[ACCOUNTS].check(username, password)
    if found is None:
        await throttle.failed(name)
        known = await config[ACCOUNTS].exists(name)
        await cases.audit(name if known else "?", "login_failed", None)
        return "bad_credentials"
    await throttle.succeeded(name, address)
    await cases.audit(found.username, "login", None)
    return await config[LOGINS].start(found.username, found.role, generation)


async def sign_out(request: web.Request) -> None:
    """Ends this session everywhere (its websockets close, the counselor goes offline when it
    was their last one) and audits it."""
    login = request[LOGIN]
    await request.config_dict[LOGINS].end(login.token)
    await request.config_dict[CASES].audit(login.username, "logout", None)


@guarded
async def login(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    username = text_field(data, "username", 64, required=True)
    password = text_field(data, "password", 1024, required=True)
    result = await authenticate(request, username, password)
    if isinstance(result, str):
        return error(429 if result == "too_many_attempts" else 401, result)
    response = web.json_response(
        {"csrf_token": result.csrf, "username": result.username, "role": result.role}
    )
    set_cookie(request, response, result)
    return response


@guarded
async def logout(request: web.Request) -> web.StreamResponse:
    await sign_out(request)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/console")
    return response


# --- the queue and conversations ---------------------------------------------------------------
def view(found: Handoff, now_ms: int) -> dict[str, Any]:
    closes = window_closes_ms(found)
    return {
        "id": found.id,
        "priority": found.priority,
        "channel": found.channel,
        "status": found.status,
        "counselor": found.counselor,
        "waiting_seconds": max(0, (now_ms - found.joined_ms) // 1000),
        "category": found.category,
        "platform": found.platform,
        "links": found.links,
        "audience": found.audience,
        "age_band": found.age_band,
        "case_id": found.case_id,
        "preview": found.preview,
        "returning": found.returning,
        "window_closes_at": _iso(closes) if closes else None,
        "window_seconds_left": (closes - now_ms) // 1000 if closes else None,
    }


@guarded
async def queue(request: web.Request) -> web.StreamResponse:
    handoffs = request.config_dict[HANDOFFS]
    now = handoffs.now_ms()
    items = [
        view(found, now) for found in await returning(request, await handoffs.queue.waiting())
    ]
    return web.json_response({"items": items})


@guarded
async def mine(request: web.Request) -> web.StreamResponse:
    """The conversations this counselor holds (a supervisor sees every one in progress)."""
    login, handoffs = request[LOGIN], request.config_dict[HANDOFFS]
    held = await handoffs.queue.active("" if login.can("supervisor") else login.username)
    now = handoffs.now_ms()
    items = [view(found, now) for found in await returning(request, held)]
    return web.json_response({"items": items})


def person_ref(request: web.Request, found: Handoff) -> str:
    """The keyed hash the cases know the person by (never the platform's id)."""
    key = request.config_dict[SETTINGS].log_hash_key.reveal().encode()
    return user_ref(key, found.channel, found.user_id)


async def returning(request: web.Request, found: list[Handoff]) -> list[Handoff]:
    """The conversations with `returning`: how many earlier cases the same person has."""
    people = [(person_ref(request, f), int(f.case_id) if f.case_id else None) for f in found]
    counts = await CaseFile(sessions(request.config_dict[DATABASE])).earlier_counts(people)
    return [replace(f, returning=n) for f, n in zip(found, counts, strict=True)]


async def full_view(request: web.Request, found: Handoff) -> dict[str, Any]:
    """One conversation for the desk: the queue row, and what the person's own words gave
    (age, links, usernames, phone-like strings; corrected by counselors) from the case."""
    [found] = await returning(request, [found])
    out = view(found, request.config_dict[HANDOFFS].now_ms())
    case = await request.config_dict[CASES].get(int(found.case_id)) if found.case_id else None
    out["found"] = extract.public(case.found if case else "")
    return out


async def visible(request: web.Request) -> Handoff:
    """The conversation in the path, if this login may see it: a waiting one (to choose),
    one they hold, or any for a supervisor."""
    login, handoffs = request[LOGIN], request.config_dict[HANDOFFS]
    found = await handoffs.queue.get(request.match_info["id"])
    if found is None:
        raise HandoffError(404, "not_found")
    held_by_another = found.status == "active" and found.counselor != login.username
    if held_by_another and not login.can("supervisor"):
        raise HandoffError(403, "not_yours")
    return found


@guarded
async def conversation(request: web.Request) -> web.StreamResponse:
    found = await visible(request)
    await _audit(request, "view", found)
    return web.json_response(await full_view(request, found))


@guarded
async def messages(request: web.Request) -> web.StreamResponse:
    found = await visible(request)
    await _audit(request, "view_messages", found)
    lines = (
        await request.config_dict[CASES].transcript(int(found.case_id)) if found.case_id else []
    )
    items = [{"from": line.sender, "text": line.text, "at": _iso_dt(line.at)} for line in lines]
    return web.json_response({"items": items})


@guarded
async def claim(request: web.Request) -> web.StreamResponse:
    handoffs: Handoffs = request.config_dict[HANDOFFS]
    wanted = request.match_info["id"]
    found = await handoffs.claim(request[LOGIN].username, "" if wanted == "next" else wanted)
    if found.case_id:  # they handle the case now: its notes, search, contact
        await request.config_dict[CASES].handled(
            int(found.case_id), request[LOGIN].username, took=True
        )
    return web.json_response(await full_view(request, found))


@guarded
async def send(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    text = text_field(data, "text", MAX_MESSAGE, required=True)
    found = await visible(request)
    result = await request.config_dict[HANDOFFS].say(found, request[LOGIN].username, text)
    if result.status is SendStatus.SENT:
        return web.json_response({"ok": True})
    if result.status is SendStatus.REFUSED:
        return error(409, result.reason or "refused")
    return error(502, result.reason or "failed")


@guarded
async def transfer(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    to = text_field(data, "to", 64, required=True).lower()
    login, found = request[LOGIN], await visible(request)
    await request.config_dict[HANDOFFS].transfer(
        found, login.username, to, login.can("supervisor")
    )
    if to != "queue" and found.case_id:
        await request.config_dict[CASES].handled(int(found.case_id), to)
    return web.json_response({"ok": True})


@guarded
async def release(request: web.Request) -> web.StreamResponse:
    login, found = request[LOGIN], await visible(request)
    await request.config_dict[HANDOFFS].release(found, login.username, login.can("supervisor"))
    if found.case_id:  # this contact ends; the case stays open for the person's next one
        await request.config_dict[CASES].end_contacts("released", int(found.case_id))
    return web.json_response({"ok": True})


@guarded
async def close(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    categories = data.get("categories")
    if (
        not isinstance(categories, list)
        or not categories
        or not all(isinstance(c, str) and c in CLOSE_CATEGORIES for c in categories)
    ):
        return error(400, "bad_categories")
    case_type = data.get("type")
    if case_type not in ("consultation", "intervention"):
        return error(400, "bad_type")
    referred = data.get("referred", [])
    if (
        not isinstance(referred, list)
        or len(referred) > MAX_REFERRED
        or not all(
            isinstance(s, int) and not isinstance(s, bool) and 0 < s < 2**31 for s in referred
        )
    ):
        return error(400, "bad_service")
    closing = Closing(
        categories, str(case_type), text_field(data, "action", 2000),
        text_field(data, "summary", 4000),
    )  # fmt: skip
    login, found = request[LOGIN], await visible(request)
    if referred:  # the services picked in the close form, recorded before the case closes
        await refer_on_close(request, found, login, referred)
    await request.config_dict[HANDOFFS].close(
        found, login.username, closing, login.can("supervisor")
    )
    return web.json_response({"ok": True})


async def refer_on_close(
    request: web.Request, found: Handoff, login: Login, referred: list[int]
) -> None:
    if not found.case_id:
        raise HandoffError(503, "no_case")
    if not login.can("supervisor"):
        Handoffs.held_by(found, login.username)  # as the close itself would say
    cases = CaseFile(sessions(request.config_dict[DATABASE]))
    try:
        await cases.refer_all(int(found.case_id), referred, login.username)
    except ValueError:
        raise refusal(web.HTTPBadRequest, "bad_service") from None


@guarded
async def forget(request: web.Request) -> web.StreamResponse:
    """A person's request to be forgotten, made for them by a supervisor: the same deletion as
    `python -m bot delete-person` (it also ends their place or conversation in the queue),
    audited under the supervisor's name with the queue id, never the platform's id."""
    login, config = request[LOGIN], request.config_dict
    if not login.can("supervisor"):
        return error(403, "supervisors_only")
    if (await body(request)).get("confirm") is not True:
        return error(400, "confirm_required")
    found = await visible(request)
    key = config[SETTINGS].log_hash_key.reveal().encode()
    done = await forget_person(
        config[REDIS], config[CASES], key, found.channel, found.user_id, actor=login.username
    )
    await _audit(request, "person_forgotten", found)
    await events.publish(
        config[REDIS], {"type": "conversation", "id": found.id, "status": "forgotten"}
    )
    return web.json_response({"ok": True, "deleted": asdict(done)})


@guarded
async def counselors(request: web.Request) -> web.StreamResponse:
    handoffs = request.config_dict[HANDOFFS]
    return web.json_response({"online": await handoffs.queue.online(handoffs.now_ms())})


@guarded
async def supervisor(request: web.Request) -> web.StreamResponse:
    if not request[LOGIN].can("supervisor"):
        return error(403, "supervisors_only")
    muted = await muted_desks(request.config_dict[REDIS])
    return web.json_response(await overview(request.config_dict[HANDOFFS], muted))


async def overview(handoffs: Handoffs, muted: Collection[str] = ()) -> dict[str, Any]:
    """The supervisor's live picture: who waits (by priority, how long), who holds what, who
    is online and whether their desk's sound is muted. Times are UTC ISO; pages show them
    in Vietnam's time."""
    now = handoffs.now_ms()
    waiting = await handoffs.queue.waiting()
    active = await handoffs.queue.active()
    online = await handoffs.queue.online(now)
    by_priority = {name: 0 for name in PRIORITIES}
    for w in waiting:
        by_priority[w.priority if w.priority in by_priority else "normal"] += 1
    return {
        "online": online,
        "queue_length": len(waiting),
        "waiting_by_priority": by_priority,
        "active_count": len(active),
        "longest_wait_seconds": max(((now - w.joined_ms) // 1000 for w in waiting), default=0),
        "waiting": [
            {"id": w.id, "priority": w.priority, "channel": w.channel, "since": _iso(w.joined_ms),
             "waiting_seconds": max(0, (now - w.joined_ms) // 1000)}
            for w in waiting
        ],
        "in_progress": [
            {
                "id": a.id,
                "counselor": a.counselor,
                "channel": a.channel,
                "priority": a.priority,
                "since": _iso(a.claimed_ms),
                "held_seconds": max(0, (now - a.claimed_ms) // 1000),
            }
            for a in active
        ],
        "desks": [
            {"username": name, "muted": name in muted,
             "holds": [a.id for a in active if a.counselor == name]}
            for name in sorted(set(online) | {a.counselor for a in active if a.counselor})
        ],
    }  # fmt: skip


# --- statistics --------------------------------------------------------------------------------
def period(request: web.Request) -> tuple[date, date, str]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD&by=month|quarter|year (local days); by default this
    month."""
    today = datetime.now(LOCAL).date()
    try:
        start = date.fromisoformat(request.query.get("from") or today.replace(day=1).isoformat())
        end = date.fromisoformat(request.query.get("to") or today.isoformat())
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"error": "dates_as_YYYY-MM-DD"}', content_type="application/json"
        ) from None
    by = request.query.get("by", "month")
    if by not in BY or end < start or (end - start).days > 3660:
        raise bad_request("bad_period")
    return start, end, by


async def load_statistics(request: web.Request) -> Statistics:
    start, end, by = period(request)
    return await statistics(sessions(request.config_dict[DATABASE]), start, end, by)


@guarded
async def stats(request: web.Request) -> web.StreamResponse:
    return web.json_response((await load_statistics(request)).as_json())


async def canned(request: web.Request) -> web.StreamResponse:
    return web.json_response({"items": request.config_dict[CONTENT].node("console.canned")})


async def _audit(request: web.Request, action: str, found: Handoff) -> None:
    case_id = int(found.case_id) if found.case_id else None
    await request.config_dict[CASES].audit(request[LOGIN].username, action, case_id, found.id)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def _iso_dt(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_post("/api/login", login, name="api_login")
    r.add_post("/api/logout", logout, name="api_logout")
    r.add_get("/api/queue", queue, name="api_queue")
    r.add_get("/api/conversations", mine, name="api_mine")
    r.add_get("/api/conversations/{id}", conversation, name="api_conversation")
    r.add_get("/api/conversations/{id}/messages", messages, name="api_messages")
    r.add_post("/api/conversations/{id}/claim", claim, name="api_claim")
    r.add_post("/api/conversations/{id}/messages", send, name="api_send")
    r.add_post("/api/conversations/{id}/transfer", transfer, name="api_transfer")
    r.add_post("/api/conversations/{id}/release", release, name="api_release")
    r.add_post("/api/conversations/{id}/close", close, name="api_close")
    r.add_post("/api/conversations/{id}/forget", forget, name="api_forget")
    r.add_get("/api/counselors", counselors, name="api_counselors")
    r.add_get("/api/supervisor", supervisor, name="api_supervisor")
    r.add_get("/api/stats", stats, name="api_stats")
    r.add_get("/api/canned", canned, name="api_canned")
