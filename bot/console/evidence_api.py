"""The console's evidence: a case's items (JSON for the desk's evidence panel), a counselor
adding one, marking one opened (the link is handed over only as that mark is recorded) or as
the reporter's own personal data, the chain as an export, and the supervisors' targets page.

Roles on the server: a counselor sees the items of the cases they hold or handled, a
supervisor every case's; the targets are supervisors' only. Every view and export is
audited, every change is a new chain entry (itself anchored in the audit log).
"""

from typing import Any

from aiohttp import web

from bot.appkeys import CASES, CONTENT, DATABASE, SETTINGS
from bot.cases.db import sessions
from bot.console.api import body, error, guarded, refusal, visible
from bot.console.case_api import case_id_in, may_see
from bot.console.case_pages import local
from bot.console.keys import LOGIN
from bot.console.pages import render
from bot.evidence.board import board
from bot.evidence.items import Draft, Evidence, Item
from bot.handoff.service import HandoffError


def evidence(request: web.Request) -> Evidence:
    key = request.config_dict[SETTINGS].log_hash_key.reveal().encode()
    return Evidence(sessions(request.config_dict[DATABASE]), key)


def words(request: web.Request) -> dict[str, Any]:
    found: dict[str, Any] = request.config_dict[CONTENT].node("console.evidence")
    return found


async def case_for(request: web.Request, case_id: int | None = None) -> int:
    """The case in the path, if this login may see its items (refusals are audited)."""
    case_id = case_id or case_id_in(request)
    if await request.config_dict[CASES].get(case_id) is None:
        raise HandoffError(404, "not_found")
    if not await may_see(request, case_id):
        await request.config_dict[CASES].audit(
            request[LOGIN].username, "refused", case_id, "evidence"
        )
        raise HandoffError(403, "not_allowed")
    return case_id


def listing(request: web.Request, case_id: int, items: list[Item] | None) -> dict[str, Any]:
    """The items, and the flag when a target of theirs is named in other cases too."""
    flagged = max((i.other_cases for i in items or []), default=0)
    return {
        "case_id": case_id,
        "items": None if items is None else [i.as_json() for i in items],
        "flagged": flagged,
        "flag": words(request)["flag"].format(n=flagged) if flagged else "",
    }


async def audited_items(request: web.Request, case_id: int, action: str) -> list[Item]:
    items = await evidence(request).items(case_id)
    await request.config_dict[CASES].audit(request[LOGIN].username, action, case_id)
    return items


@guarded
async def of_conversation(request: web.Request) -> web.StreamResponse:
    """A conversation's case items for the desk. A counselor who may see the conversation
    (a waiting one, to choose) but not yet the case gets the flag alone, no items."""
    found = await visible(request)
    if not found.case_id:
        return web.json_response({"case_id": None, "items": [], "flagged": 0, "flag": ""})
    case_id = int(found.case_id)
    if await may_see(request, case_id):
        return web.json_response(
            listing(request, case_id, await audited_items(request, case_id, "view_evidence"))
        )
    items = await audited_items(request, case_id, "view_evidence_flag")
    return web.json_response({**listing(request, case_id, items), "items": None})


@guarded
async def of_case(request: web.Request) -> web.StreamResponse:
    case_id = await case_for(request)
    return web.json_response(
        listing(request, case_id, await audited_items(request, case_id, "view_evidence"))
    )


def draft_in(data: dict[str, Any]) -> Draft:
    given = {k: data.get(k, "") for k in ("kind", "value", "platform", "name", "first_seen",
                                           "last_seen")}  # fmt: skip
    if not all(isinstance(v, str) for v in given.values()):
        raise refusal(web.HTTPBadRequest, "bad_item")
    try:
        return Draft(**given).checked()
    except ValueError as wrong:
        raise refusal(web.HTTPBadRequest, f"bad_{wrong}") from None


def actor(request: web.Request) -> str:
    return f"counselor:{request[LOGIN].username}"


@guarded
async def add(request: web.Request) -> web.StreamResponse:
    draft = draft_in(await body(request))
    case_id = await case_for(request)
    username = request[LOGIN].username
    [item] = await evidence(request).add(case_id, [draft], actor(request), username)
    await request.config_dict[CASES].handled(case_id, username)
    return web.json_response(await one(request, case_id, item.seq), status=201)


async def one(request: web.Request, case_id: int, seq: int) -> dict[str, Any]:
    """Item `seq` as the desk shows it (with its count of other cases)."""
    items = await evidence(request).items(case_id)
    return next(i.as_json() for i in items if i.seq == seq)


def seq_in(request: web.Request) -> int:
    given = request.match_info["seq"]
    if not given.isascii() or not given.isdigit() or not 0 < int(given) < 2**31:
        raise refusal(web.HTTPNotFound, "not_found")
    return int(given)


async def marked(request: web.Request, data: dict[str, Any], op: str = "mark") -> Item:
    case_id, seq = await case_for(request), seq_in(request)
    item = await evidence(request).mark(
        case_id, seq, actor(request), request[LOGIN].username, data, op
    )
    if item is None:
        raise HandoffError(404, "not_found")
    return item


@guarded
async def open_link(request: web.Request) -> web.StreamResponse:
    """The opening is recorded first; the link is handed to the page only then (the page
    opens it with rel="noopener noreferrer")."""
    case_id, seq = await case_for(request), seq_in(request)
    known = next((i for i in await evidence(request).items(case_id) if i.seq == seq), None)
    if known is None:
        return error(404, "not_found")
    if not known.url:
        return error(400, "no_link")
    item = await marked(request, {"opened": True})
    return web.json_response({**item.as_json(), "url": item.url})


@guarded
async def reporter_data(request: web.Request) -> web.StreamResponse:
    value = (await body(request)).get("value")
    if not isinstance(value, bool):
        return error(400, "bad_value")
    item = await marked(request, {"reporter_data": value})
    return web.json_response(await one(request, case_id_in(request), item.seq))


@guarded
async def correct(request: web.Request) -> web.StreamResponse:
    """A correction of an item's details (not its value: a new value is a new item)."""
    data = await body(request)
    names = ("kind", "platform", "name", "first_seen", "last_seen")
    changes: dict[str, Any] = {k: data[k] for k in names if k in data}
    if not changes:
        return error(400, "bad_item")
    case_id, seq = await case_for(request), seq_in(request)
    current = next((i for i in await evidence(request).items(case_id) if i.seq == seq), None)
    if current is None:
        return error(404, "not_found")
    fields = {k: getattr(current, k) for k in ("kind", "platform", "name", "first_seen",
                                                "last_seen")}  # fmt: skip
    checked = draft_in({**fields, **changes, "value": current.value})
    item = await marked(request, {k: getattr(checked, k) for k in changes}, op="correct")
    return web.json_response(await one(request, case_id, item.seq))


@guarded
async def export(request: web.Request) -> web.StreamResponse:
    """The case's chain as stored, with its hashes: what a recipient can check."""
    case_id = await case_for(request)
    entries = await evidence(request).entries(case_id)
    await request.config_dict[CASES].audit(request[LOGIN].username, "export_evidence", case_id)
    return web.json_response({"case_id": case_id, "entries": entries})


# --- the supervisors' targets -----------------------------------------------------------------
async def target_rows(request: web.Request) -> list[dict[str, Any]]:
    if not request[LOGIN].can("supervisor"):
        await request.config_dict[CASES].audit(request[LOGIN].username, "refused", None, "targets")
        raise refusal(web.HTTPForbidden, "supervisors_only")
    least = 2 if request.query.get("repeat") == "1" else 1
    rows = await board(sessions(request.config_dict[DATABASE]), least)
    await request.config_dict[CASES].audit(request[LOGIN].username, "view_targets", None)
    return [
        {"id": r.id, "kind": r.kind, "platform": r.platform, "value": r.value,
         "first_at": r.first_at, "cases": list(r.cases)}
        for r in rows
    ]  # fmt: skip


@guarded
async def targets_api(request: web.Request) -> web.StreamResponse:
    return web.json_response({"items": await target_rows(request)})


@guarded
async def targets_page(request: web.Request) -> web.StreamResponse:
    rows = await target_rows(request)
    platforms = {k: v["name"] for k, v in
                 request.config_dict[CONTENT].node("platforms.platforms").items()}  # fmt: skip
    rows = [{**row, "first": local(row["first_at"])} for row in rows]
    return render(request, "targets.html", targets=rows, platforms=platforms,
                  repeat=request.query.get("repeat") == "1")  # fmt: skip


def add_routes(console: web.Application) -> None:
    """The evidence API and the targets page (one line in bot/console/app.py)."""
    r = console.router
    r.add_get("/api/conversations/{id}/evidence", of_conversation, name="api_conv_evidence")
    r.add_get("/api/cases/{case_id}/evidence", of_case, name="api_evidence")
    r.add_post("/api/cases/{case_id}/evidence", add, name="api_evidence_add")
    r.add_get("/api/cases/{case_id}/evidence/export", export, name="api_evidence_export")
    r.add_post("/api/cases/{case_id}/evidence/{seq}/open", open_link, name="api_evidence_open")
    r.add_post(
        "/api/cases/{case_id}/evidence/{seq}/reporter", reporter_data, name="api_evidence_reporter"
    )
    r.add_post("/api/cases/{case_id}/evidence/{seq}/correct", correct, name="api_evidence_fix")
    r.add_get("/api/targets", targets_api, name="api_targets")
    r.add_get("/targets", targets_page, name="targets")
