"""The console's JSON API for cases as 111 keeps them: a returning person's history, notes,
the context found in the person's words (corrected by counselors), referrals, the search and
the referral directory. Role checks are here, on the server; every read and change audited.

Who sees a case: a supervisor every one; a counselor the cases they handled (took, were
given, closed, noted, corrected) and the case of a conversation they hold; whoever may see a
conversation sees that person's earlier cases in its history.
"""

from datetime import date
from typing import Any

from aiohttp import web

from bot.appkeys import CASES, CONTENT, DATABASE, HANDOFFS
from bot.cases import extract
from bot.cases.casefile import STATUSES, CaseFile, Filters
from bot.cases.db import sessions
from bot.cases.directory import Directory, Entry, as_json
from bot.console.api import (
    body,
    error,
    guarded,
    period,
    person_ref,
    refusal,
    text_field,
    visible,
)
from bot.console.keys import LOGIN
from bot.handoff.service import HandoffError

MAX_FOUND_ITEMS = 20


def casefile(request: web.Request) -> CaseFile:
    return CaseFile(sessions(request.config_dict[DATABASE]))


def directory(request: web.Request) -> Directory:
    seed = request.config_dict[CONTENT].node("directory.services")
    return Directory(sessions(request.config_dict[DATABASE]), seed)


def case_id_in(request: web.Request) -> int:
    given = request.match_info["case_id"]
    if not given.isascii() or not given.isdigit() or not 0 < int(given) < 2**31:
        raise refusal(web.HTTPNotFound, "not_found")
    return int(given)


async def holds(request: web.Request, case_id: int) -> bool:
    """Whether this login holds the conversation of the case now."""
    held = await request.config_dict[HANDOFFS].queue.active(request[LOGIN].username)
    return any(h.case_id == str(case_id) for h in held)


async def may_see(request: web.Request, case_id: int) -> bool:
    login = request[LOGIN]
    if login.can("supervisor") or await casefile(request).handled_by(case_id, login.username):
        return True
    return await holds(request, case_id)


async def allowed_case(request: web.Request, action: str) -> int:
    """The case in the path if this login may see it (403 otherwise); audited."""
    case_id = case_id_in(request)
    if await request.config_dict[CASES].get(case_id) is None:
        raise HandoffError(404, "not_found")
    if not await may_see(request, case_id):
        await request.config_dict[CASES].audit(request[LOGIN].username, "refused", case_id, action)
        raise HandoffError(403, "not_allowed")
    await request.config_dict[CASES].audit(request[LOGIN].username, action, case_id)
    return case_id


# --- a conversation's case and the person's history -------------------------------------------
@guarded
async def history(request: web.Request) -> web.StreamResponse:
    """The open conversation's case (context, notes, referrals) and the person's earlier
    cases with their summaries and notes."""
    found = await visible(request)
    case_id = int(found.case_id) if found.case_id else None
    await request.config_dict[CASES].audit(
        request[LOGIN].username, "view_history", case_id, found.id
    )
    cases = casefile(request)
    current = await cases.detail(case_id) if case_id else None
    earlier = await cases.history(person_ref(request, found), case_id)
    return web.json_response({"case": current, "items": earlier})


@guarded
async def case(request: web.Request) -> web.StreamResponse:
    case_id = await allowed_case(request, "view_case")
    return web.json_response(await casefile(request).detail(case_id))


# --- notes --------------------------------------------------------------------------------------
@guarded
async def notes(request: web.Request) -> web.StreamResponse:
    case_id = await allowed_case(request, "view_notes")
    return web.json_response({"items": await casefile(request).notes(case_id)})


@guarded
async def add_note(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    text = text_field(data, "text", 4000, required=True)
    case_id = await allowed_case(request, "view_notes")
    note = await casefile(request).add_note(case_id, request[LOGIN].username, text)
    return web.json_response(note, status=201)


# --- what the person's words gave, corrected --------------------------------------------------
def found_in(data: dict[str, Any]) -> extract.Found:
    def items(name: str) -> list[str]:
        value = data.get(name, [])
        if isinstance(value, str):
            value = value.splitlines()
        ok = isinstance(value, list) and len(value) <= MAX_FOUND_ITEMS
        if not ok or not all(isinstance(v, str) and len(v) <= 200 for v in value):
            raise refusal(web.HTTPBadRequest, f"bad_{name}")
        return [v.strip() for v in value if v.strip()]

    age = text_field(data, "age", 40)
    return extract.Found(age, items("links"), items("usernames"), items("phones"))


@guarded
async def correct_context(request: web.Request) -> web.StreamResponse:
    given = found_in(await body(request))
    case_id = await allowed_case(request, "view_case")
    await request.config_dict[CASES].correct_found(case_id, request[LOGIN].username, given)
    case_row = await request.config_dict[CASES].get(case_id)
    return web.json_response(extract.public(case_row.found if case_row else ""))


# --- a follow-up of an earlier case -------------------------------------------------------------
@guarded
async def follow_up(request: web.Request) -> web.StreamResponse:
    """{"of": an earlier case of the same person, or null}: this open case follows it up."""
    earlier = (await body(request)).get("of")
    if earlier is not None and (
        not isinstance(earlier, int) or isinstance(earlier, bool) or not 0 < earlier < 2**31
    ):
        return error(400, "not_earlier")
    case_id = await allowed_case(request, "view_case")
    login = request[LOGIN]
    if not login.can("supervisor") and not await holds(request, case_id):
        return error(409, "not_yours")  # as closing says: the one who holds it decides
    try:
        first = await casefile(request).follow_up(case_id, earlier, login.username)
    except ValueError as wrong:
        return error(409 if str(wrong) == "not_open" else 400, str(wrong))
    return web.json_response({"follow_up_of": first})


# --- referrals ----------------------------------------------------------------------------------
@guarded
async def refer(request: web.Request) -> web.StreamResponse:
    service_id = (await body(request)).get("service_id")
    if (
        not isinstance(service_id, int)
        or isinstance(service_id, bool)
        or not 0 < service_id < 2**31
    ):
        return error(400, "bad_service")
    case_id = await allowed_case(request, "view_case")
    try:
        made = await casefile(request).refer(case_id, service_id, request[LOGIN].username)
    except ValueError:
        return error(400, "bad_service")
    return web.json_response(made, status=201)


# --- search -------------------------------------------------------------------------------------
def filters(request: web.Request) -> Filters:
    """The search's query: from, to (YYYY-MM-DD, local days), category, status, counselor,
    platform, channel, username; each optional."""
    query = request.query
    start: date | None = None
    end: date | None = None
    if query.get("from") or query.get("to"):
        start, end, _ = period(request)
    category, status = query.get("category", ""), query.get("status", "")
    if len(category) > 40 or (status and status not in STATUSES):
        raise refusal(web.HTTPBadRequest, "bad_filter")
    words = {name: query.get(name, "")[:64].strip() for name in
             ("counselor", "platform", "channel", "username")}  # fmt: skip
    return Filters(start, end, category, status, **words)


async def find(request: web.Request) -> tuple[Filters, list[dict[str, Any]]]:
    """The search for this login: a counselor's own cases, a supervisor's every case."""
    login = request[LOGIN]
    chosen = filters(request)
    viewer = "" if login.can("supervisor") else login.username
    await request.config_dict[CASES].audit(login.username, "search", None)
    return chosen, await casefile(request).search(chosen, viewer)


@guarded
async def search(request: web.Request) -> web.StreamResponse:
    _, items = await find(request)
    return web.json_response({"items": items})


# --- the referral directory ---------------------------------------------------------------------
@guarded
async def services(request: web.Request) -> web.StreamResponse:
    every = request.query.get("all") == "1" and request[LOGIN].can("supervisor")
    entries = await directory(request).entries(only_active=not every)
    return web.json_response({"items": [as_json(s) for s in entries]})


def entry_in(data: dict[str, Any]) -> Entry:
    try:
        return Entry.checked(data)
    except ValueError as wrong:
        raise refusal(web.HTTPBadRequest, f"bad_{wrong}") from None


@guarded
async def add_service(request: web.Request) -> web.StreamResponse:
    if not request[LOGIN].can("supervisor"):
        return error(403, "supervisors_only")
    entry = entry_in(await body(request))
    service_id = await directory(request).add(request[LOGIN].username, entry)
    return web.json_response({"id": service_id}, status=201)


@guarded
async def change_service(request: web.Request) -> web.StreamResponse:
    if not request[LOGIN].can("supervisor"):
        return error(403, "supervisors_only")
    data = await body(request)
    entry, active = entry_in(data), data.get("active", True) is not False
    given = request.match_info["service_id"]
    if not given.isascii() or not given.isdigit() or not 0 < int(given) < 2**31:
        return error(404, "not_found")
    service_id = int(given)
    if not await directory(request).change(request[LOGIN].username, service_id, entry, active):
        return error(404, "not_found")
    return web.json_response({"ok": True})


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_get("/api/conversations/{id}/history", history, name="api_history")
    r.add_get("/api/cases", search, name="api_cases")
    r.add_get("/api/cases/{case_id}", case, name="api_case")
    r.add_get("/api/cases/{case_id}/notes", notes, name="api_notes")
    r.add_post("/api/cases/{case_id}/notes", add_note, name="api_add_note")
    r.add_post("/api/cases/{case_id}/context", correct_context, name="api_context")
    r.add_post("/api/cases/{case_id}/referrals", refer, name="api_refer")
    r.add_post("/api/cases/{case_id}/follow-up", follow_up, name="api_follow_up")
    r.add_get("/api/directory", services, name="api_directory")
    r.add_post("/api/directory", add_service, name="api_add_service")
    r.add_post("/api/directory/{service_id}", change_service, name="api_change_service")
