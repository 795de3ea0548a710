"""The console's JSON API for referrals to the response network (bot/referrals): a case's
referrals, drafting, editing a draft, the package (downloaded or e-mailed), status moves,
the recipients and routing rules (supervisors edit), and row 4.3 with outcomes.

Role checks are here, on the server: whoever may see a case (bot.console.case_api.may_see:
a supervisor every case, a counselor the cases they hold or handled) may refer it and follow
its referrals; only supervisors change recipients and rules. Every read and change is
audited. A refusal carries its reason and a Vietnamese `message`.
"""

import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import CASES, CONTENT, DATABASE, HANDOFFS, SETTINGS
from bot.cases.db import sessions
from bot.console.api import body, guarded, period
from bot.console.case_api import allowed_case, may_see
from bot.console.keys import LOGIN
from bot.referrals import outcomes as outcome_table
from bot.referrals.evidence import evidence_items
from bot.referrals.recipients import Recipients, as_json
from bot.referrals.senders import senders
from bot.referrals.service import Draft, ReferralError, Referrals

log = logging.getLogger(__name__)


def words(request: web.Request) -> dict[str, Any]:
    node: dict[str, Any] = request.config_dict[CONTENT].node("console")
    return node


def platforms(request: web.Request) -> dict[str, str]:
    found = request.config_dict[CONTENT].node("platforms.platforms")
    return {key: item["name"] for key, item in found.items()}


def recipients(request: web.Request) -> Recipients:
    seed = request.config_dict[CONTENT].node("recipients")
    return Recipients(sessions(request.config_dict[DATABASE]), seed)


def referrals(request: web.Request) -> Referrals:
    made = sessions(request.config_dict[DATABASE])
    key = request.config_dict[SETTINGS].log_hash_key.reveal().encode()
    return Referrals(made, evidence_items(made, key))


def refused(request: web.Request, wrong: ReferralError) -> web.Response:
    said = words(request)["referrals"]["errors"]
    answer = {"error": wrong.reason, "message": said.get(wrong.reason, said["generic"])}
    if wrong.detail and wrong.reason in ("send_failed", "bad_transition"):
        answer["detail"] = wrong.detail  # an SMTP code or "sent>drafted", never server text
    return web.json_response(answer, status=wrong.status)


def number(given: str) -> int:
    if not given.isascii() or not given.isdigit() or not 0 < int(given) < 2**31:
        raise ReferralError(404, "not_found")
    return int(given)


async def allowed_referral(request: web.Request, action: str) -> int:
    """The referral in the path if this login may see its case (403 otherwise); audited."""
    referral_id = number(request.match_info["referral_id"])
    case_id = await referrals(request).case_of(referral_id)
    if case_id is None:
        raise ReferralError(404, "not_found")
    login = request[LOGIN]
    if not await may_see(request, case_id):
        await request.config_dict[CASES].audit(login.username, "refused", case_id, action)
        raise ReferralError(403, "not_allowed")
    await request.config_dict[CASES].audit(login.username, action, case_id, str(referral_id))
    return referral_id


def senders_state(request: web.Request) -> dict[str, Any]:
    """Which senders work; the reason one is disabled is for supervisors (it names settings)."""
    supervisor = request[LOGIN].can("supervisor")
    return {
        name: {"enabled": not sender.problem,
               "problem": sender.problem if supervisor else ""}
        for name, sender in senders(request.config_dict[SETTINGS]).items()
    }  # fmt: skip


def draft_in(data: dict[str, Any], recipient_id: int = 0) -> Draft:
    values = {}
    for name, limit in (("summary", 2000), ("priority_reason", 300), ("shape", 24)):
        value = data.get(name, "")
        if not isinstance(value, str) or len(value) > limit:
            raise ReferralError(400, f"bad_{name}")
        values[name] = value
    return Draft(recipient_id, **values)


def handled(handler: Any) -> Any:
    """guarded (Redis, database), and ReferralError as a worded refusal."""

    @guarded
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except ReferralError as wrong:
            return refused(request, wrong)

    return wrapped


# --- a case's referrals -------------------------------------------------------------------------
@handled
async def case_referrals(request: web.Request) -> web.StreamResponse:
    case_id = await allowed_case(request, "view_referrals")
    found = await recipients(request).entries()
    return web.json_response({
        "items": await referrals(request).for_case(case_id),
        "recipients": [as_json(r) for r in found],
        "senders": senders_state(request),
    })  # fmt: skip


@handled
async def create(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    recipient_id = data.get("recipient_id")
    if not isinstance(recipient_id, int) or isinstance(recipient_id, bool) or recipient_id <= 0:
        raise ReferralError(400, "bad_recipient")
    draft = draft_in(data, recipient_id)
    case_id = await allowed_case(request, "view_referrals")
    made = await referrals(request).create(case_id, request[LOGIN].username, draft)
    return web.json_response(made, status=201)


@handled
async def edit(request: web.Request) -> web.StreamResponse:
    draft = draft_in(await body(request))
    referral_id = await allowed_referral(request, "view_referrals")
    return web.json_response(
        await referrals(request).edit(referral_id, request[LOGIN].username, draft)
    )


@handled
async def move(request: web.Request) -> web.StreamResponse:
    data = await body(request)
    to, outcome = data.get("status"), data.get("outcome", "")
    if not isinstance(to, str) or not isinstance(outcome, str):
        raise ReferralError(400, "bad_status")
    referral_id = await allowed_referral(request, "view_referrals")
    moved = await referrals(request).move(referral_id, request[LOGIN].username, to, outcome)
    return web.json_response(moved)


@handled
async def send(request: web.Request) -> web.StreamResponse:
    referral_id = await allowed_referral(request, "view_referrals")
    sender = senders(request.config_dict[SETTINGS])["email"]
    said = words(request)
    sent = await referrals(request).send(
        referral_id, request[LOGIN].username, sender, said["referrals"]["email_subject"], said
    )
    return web.json_response(sent)


@handled
async def package(request: web.Request) -> web.StreamResponse:
    """A new package to download (a portal with no API): the JSON, its SHA-256 in a header."""
    referral_id = await allowed_referral(request, "view_referrals")
    made, export_id = await referrals(request).package(
        referral_id, request[LOGIN].username, "download", words(request)
    )
    return web.Response(
        body=made.body, content_type="application/json", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"',
                 "X-Package-SHA256": made.sha256, "X-Export-Id": str(export_id)},
    )  # fmt: skip


@handled
async def export(request: web.Request) -> web.StreamResponse:
    """A package made before, as it was (gone once the person's data was deleted)."""
    referral_id = await allowed_referral(request, "view_export")
    record = await referrals(request).export_body(
        referral_id, number(request.match_info["export_id"])
    )
    if record is None or not record.body:
        raise ReferralError(404, "not_found")
    name = f"{record.shape}-{record.sha256[:12]}.json"
    return web.Response(
        body=record.body.encode("utf-8"), content_type="application/json", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "X-Package-SHA256": record.sha256},
    )  # fmt: skip


# --- row 4.3 with outcomes ----------------------------------------------------------------------
@handled
async def stats_outcomes(request: web.Request) -> web.StreamResponse:
    start, end, _ = period(request)
    found = (
        await outcome_table.outcomes(sessions(request.config_dict[DATABASE]), start, end)
    ).as_json()
    names = {p: n for p, n in platforms(request).items() if p in found["platforms"]}
    return web.json_response({"from": start.isoformat(), "to": end.isoformat(), **found,
                              "names": names})  # fmt: skip


# --- routing rules on closing: a draft for each rule the closed case matches --------------------
@web.middleware
async def draft_on_close(request: web.Request, handler: Any) -> web.StreamResponse:
    """After the desk closes a conversation (the api_close route answers 200), the routing
    rules draft referrals for its case. Kept here, beside the rules, so the close itself stays
    as it is; a failure here never undoes the close (it is logged, without any data)."""
    route = request.match_info.route.name if request.match_info.route else None
    if request.method != "POST" or route != "api_close":
        response: web.StreamResponse = await handler(request)
        return response
    found = await request.config_dict[HANDOFFS].queue.get(request.match_info.get("id", ""))
    response = await handler(request)
    if response.status == 200 and found is not None and found.case_id:
        try:
            await draft_routed(request, int(found.case_id))
        except (SQLAlchemyError, OSError):
            log.warning("routing rules not applied", extra={"path": route})
    return response


async def draft_routed(request: web.Request, case_id: int) -> int:
    made = await referrals(request).draft_routed(case_id, recipients(request))
    if made:
        await request.config_dict[CASES].audit("rule", "referrals_routed", case_id, str(made))
    return made


def add_routes(console: web.Application) -> None:
    """The API, the recipients' API (bot.console.recipient_api), the pages
    (bot.console.referral_pages) and the closing hook: one line in bot/console/app.py."""
    from bot.console import recipient_api, referral_pages

    r = console.router
    r.add_get("/api/cases/{case_id}/network-referrals", case_referrals, name="api_net_referrals")
    r.add_post("/api/cases/{case_id}/network-referrals", create, name="api_net_refer")
    r.add_post("/api/network-referrals/{referral_id}", edit, name="api_net_edit")
    r.add_post("/api/network-referrals/{referral_id}/status", move, name="api_net_move")
    r.add_post("/api/network-referrals/{referral_id}/send", send, name="api_net_send")
    r.add_post("/api/network-referrals/{referral_id}/package", package, name="api_net_package")
    r.add_get("/api/network-referrals/{referral_id}/exports/{export_id}", export,
              name="api_net_export")  # fmt: skip
    r.add_get("/api/stats/outcomes", stats_outcomes, name="api_stats_outcomes")
    console.middlewares.append(draft_on_close)
    recipient_api.add_routes(console)
    referral_pages.add_routes(console)
