"""The console's pages for referrals: the recipients and the routing table
(/console/referrals/recipients, edited by supervisors, read by everyone), and row 4.3 with
outcomes as CSV (/console/stats/outcomes.csv). Server-rendered and autoescaped; the forms
post with the session's CSRF token; the same role checks and audit as the JSON API."""

from aiohttp import web

from bot.appkeys import CASES, DATABASE
from bot.cases.db import sessions
from bot.cases.stats import CLOSING
from bot.console.api import guarded, period
from bot.console.keys import LOGIN
from bot.console.pages import render
from bot.console.recipient_api import entry_in
from bot.console.referral_api import platforms, recipients, words
from bot.referrals import outcomes
from bot.referrals.recipients import KINDS, SENDERS, SHAPES, as_json, rule_json
from bot.referrals.service import ReferralError

PAGE = "/console/referrals/recipients"


@guarded
async def recipients_page(request: web.Request) -> web.StreamResponse:
    editor = request[LOGIN].can("supervisor")
    found = [as_json(r) for r in await recipients(request).entries(only_active=not editor)]
    rules = [rule_json(r) for r in await recipients(request).rules()]
    names = {r["id"]: r["name"] for r in found}
    return render(
        request, "referral_recipients.html", recipients=found, rules=rules, names=names,
        kinds=KINDS, senders=SENDERS, shapes=SHAPES, categories=CLOSING,
        platforms=platforms(request), error=request.query.get("error", ""), editor=editor,
    )  # fmt: skip


@guarded
async def recipient_form(request: web.Request) -> web.StreamResponse:
    """A supervisor adds a recipient (no id) or changes one (its id); others get 403."""
    login = request[LOGIN]
    if not login.can("supervisor"):
        raise web.HTTPForbidden(
            text='{"error": "supervisors_only"}', content_type="application/json"
        )
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        entry = entry_in(form)
    except ReferralError as wrong:
        raise web.HTTPSeeOther(f"{PAGE}?error={wrong.reason}") from None
    given = form.get("id", "")
    if given.isdigit():
        await recipients(request).change(login.username, int(given), entry, "active" in form)
    else:
        await recipients(request).add(login.username, entry)
    raise web.HTTPSeeOther(PAGE)


@guarded
async def rule_form(request: web.Request) -> web.StreamResponse:
    login = request[LOGIN]
    if not login.can("supervisor"):
        raise web.HTTPForbidden(
            text='{"error": "supervisors_only"}', content_type="application/json"
        )
    form = await request.post()
    to = str(form.get("recipient_id", ""))
    try:
        await recipients(request).add_rule(
            login.username, str(form.get("category", "")), str(form.get("platform", "")),
            int(to) if to.isdigit() else 0,
        )  # fmt: skip
    except ValueError as wrong:
        raise web.HTTPSeeOther(f"{PAGE}?error=bad_rule_{wrong}") from None
    raise web.HTTPSeeOther(PAGE)


@guarded
async def rule_delete(request: web.Request) -> web.StreamResponse:
    login = request[LOGIN]
    if not login.can("supervisor"):
        raise web.HTTPForbidden(
            text='{"error": "supervisors_only"}', content_type="application/json"
        )
    given = request.match_info["rule_id"]
    if given.isascii() and given.isdigit():
        await recipients(request).remove_rule(login.username, int(given))
    raise web.HTTPSeeOther(PAGE)


@guarded
async def outcomes_csv(request: web.Request) -> web.StreamResponse:
    start, end, _ = period(request)
    found = await outcomes.outcomes(sessions(request.config_dict[DATABASE]), start, end)
    await request.config_dict[CASES].audit(request[LOGIN].username, "stats_outcomes_csv", None)
    text = outcomes.csv_text(found, words(request), platforms(request))
    name = f"thong-ke-111-4-3-{start.isoformat()}-{end.isoformat()}.csv"
    return web.Response(
        body=("\ufeff" + text).encode("utf-8"), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_get("/referrals/recipients", recipients_page, name="referral_recipients")
    r.add_post("/referrals/recipients", recipient_form, name="referral_recipient_form")
    r.add_post("/referrals/rules", rule_form, name="referral_rule_form")
    r.add_post("/referrals/rules/{rule_id}/delete", rule_delete, name="referral_rule_delete")
    r.add_get("/stats/outcomes.csv", outcomes_csv, name="stats_outcomes_csv")
