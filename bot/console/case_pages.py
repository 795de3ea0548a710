"""The console's pages for cases: the search (/console/cases), one case with its notes,
context and referrals (/console/cases/{id}), and the referral directory
(/console/directory, edited by supervisors). Server-rendered and autoescaped; the forms post
with the session's CSRF token; the same role checks and audit as the JSON API."""

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.appkeys import CONTENT
from bot.cases.casefile import STATUSES
from bot.cases.directory import KINDS, as_json
from bot.cases.stats import CLOSING, LOCAL
from bot.console import case_api
from bot.console.api import guarded
from bot.console.case_api import allowed_case, casefile, directory, entry_in, find
from bot.console.keys import LOGIN
from bot.console.pages import render


def local(stamp: str | None) -> str:
    """An ISO time as the counselor reads it: Viet Nam's time, to the minute."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


def with_local_times(item: dict[str, Any]) -> dict[str, Any]:
    out = {**item, "opened": local(item.get("opened_at")), "closed": local(item.get("closed_at"))}
    for kind in ("notes", "referrals"):
        if kind in item:
            out[kind] = [{**one, "when": local(one.get("at"))} for one in item[kind]]
    return out


def choices(request: web.Request) -> dict[str, Any]:
    content = request.config_dict[CONTENT]
    return {
        "categories": CLOSING,
        "statuses": STATUSES,
        "platforms": {k: v["name"] for k, v in content.node("platforms.platforms").items()},
        "kinds": KINDS,
    }


@guarded
async def search_page(request: web.Request) -> web.StreamResponse:
    _, items = await find(request)
    items = [with_local_times(item) for item in items]
    return render(request, "cases.html", items=items, q=request.query, **choices(request),
                  searched=bool(request.query))  # fmt: skip


@guarded
async def case_page(request: web.Request) -> web.StreamResponse:
    case_id = await allowed_case(request, "view_case")
    cases = casefile(request)
    detail = with_local_times(await cases.detail(case_id) or {})
    entries = await directory(request).entries()
    return render(request, "case.html", case=detail, services=[as_json(s) for s in entries],
                  **choices(request))  # fmt: skip


@guarded
async def note_form(request: web.Request) -> web.StreamResponse:
    text = str((await request.post()).get("text", "")).strip()
    case_id = await allowed_case(request, "view_notes")
    if text and len(text) <= 4000:
        await casefile(request).add_note(case_id, request[LOGIN].username, text)
    raise web.HTTPSeeOther(f"/console/cases/{case_id}")


@guarded
async def directory_page(request: web.Request) -> web.StreamResponse:
    every = request[LOGIN].can("supervisor")
    entries = await directory(request).entries(only_active=not every)
    return render(request, "directory.html", services=[as_json(s) for s in entries],
                  error=request.query.get("error", ""), **choices(request))  # fmt: skip


@guarded
async def directory_form(request: web.Request) -> web.StreamResponse:
    """A supervisor adds a service (no id) or changes one (its id); others get 403."""
    login = request[LOGIN]
    if not login.can("supervisor"):
        raise web.HTTPForbidden(text="supervisors_only")
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        entry = entry_in(form)
    except web.HTTPBadRequest:
        raise web.HTTPSeeOther("/console/directory?error=1") from None
    service = form.get("id", "")
    if service.isdigit():
        await directory(request).change(login.username, int(service), entry, "active" in form)
    else:
        await directory(request).add(login.username, entry)
    raise web.HTTPSeeOther("/console/directory")


def add_routes(console: web.Application) -> None:
    """The pages and the JSON API of cases (one line in bot/console/app.py)."""
    r = console.router
    r.add_get("/cases", search_page, name="cases")
    r.add_get("/cases/{case_id}", case_page, name="case")
    r.add_post("/cases/{case_id}/notes", note_form, name="case_note")
    r.add_get("/directory", directory_page, name="directory")
    r.add_post("/directory", directory_form, name="directory_form")
    case_api.add_routes(console)
