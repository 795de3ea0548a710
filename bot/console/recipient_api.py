"""The console's JSON API for the recipients of referrals and the routing table: everyone
logged in reads them (the desk's panel lists the recipients), only supervisors change them;
every change is audited (bot.referrals.recipients)."""

from typing import Any

from aiohttp import web

from bot.console.api import body
from bot.console.keys import LOGIN
from bot.console.referral_api import handled, number, recipients
from bot.referrals.recipients import Entry, as_json, rule_json
from bot.referrals.service import ReferralError


def supervisor_only(request: web.Request) -> None:
    if not request[LOGIN].can("supervisor"):
        raise ReferralError(403, "supervisors_only")


def entry_in(data: dict[str, Any]) -> Entry:
    try:
        return Entry.checked(data)
    except ValueError as wrong:
        raise ReferralError(400, f"bad_{wrong}") from None


@handled
async def recipient_list(request: web.Request) -> web.StreamResponse:
    every = request.query.get("all") == "1" and request[LOGIN].can("supervisor")
    found = await recipients(request).entries(only_active=not every)
    rules = await recipients(request).rules()
    return web.json_response({"items": [as_json(r) for r in found],
                              "rules": [rule_json(r) for r in rules]})  # fmt: skip


@handled
async def add_recipient(request: web.Request) -> web.StreamResponse:
    supervisor_only(request)
    entry = entry_in(await body(request))
    made = await recipients(request).add(request[LOGIN].username, entry)
    return web.json_response({"id": made}, status=201)


@handled
async def change_recipient(request: web.Request) -> web.StreamResponse:
    supervisor_only(request)
    data = await body(request)
    entry, active = entry_in(data), data.get("active", True) is not False
    recipient_id = number(request.match_info["recipient_id"])
    if not await recipients(request).change(request[LOGIN].username, recipient_id, entry, active):
        raise ReferralError(404, "not_found")
    return web.json_response({"ok": True})


@handled
async def add_rule(request: web.Request) -> web.StreamResponse:
    supervisor_only(request)
    data = await body(request)
    category, platform, to = (
        data.get("category"),
        data.get("platform", ""),
        data.get("recipient_id"),
    )
    if not isinstance(category, str) or not isinstance(platform, str) or not isinstance(to, int):
        raise ReferralError(400, "bad_rule")
    try:
        made = await recipients(request).add_rule(request[LOGIN].username, category, platform, to)
    except ValueError as wrong:
        raise ReferralError(
            409 if str(wrong) == "duplicate" else 400, f"bad_rule_{wrong}"
        ) from None
    return web.json_response({"id": made}, status=201)


@handled
async def remove_rule(request: web.Request) -> web.StreamResponse:
    supervisor_only(request)
    rule_id = number(request.match_info["rule_id"])
    if not await recipients(request).remove_rule(request[LOGIN].username, rule_id):
        raise ReferralError(404, "not_found")
    return web.json_response({"ok": True})


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_get("/api/referral-recipients", recipient_list, name="api_recipients")
    r.add_post("/api/referral-recipients", add_recipient, name="api_add_recipient")
    r.add_post("/api/referral-recipients/{recipient_id}", change_recipient,
               name="api_change_recipient")  # fmt: skip
    r.add_post("/api/referral-rules", add_rule, name="api_add_rule")
    r.add_post("/api/referral-rules/{rule_id}/delete", remove_rule, name="api_remove_rule")
