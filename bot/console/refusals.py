"""Role refusals a person can read: a counselor who opens a supervisor's page gets a page in
the console's style, in Vietnamese, with a way back to the desk; the API's refusals carry a
Vietnamese `message` next to their `error` reason. Done once here, as a middleware, so every
refusal of every handler (today's and those added later) is explained the same way."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.appkeys import CONTENT
from bot.console.keys import LOGIN, TEMPLATES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_role_refusal(reason: str) -> bool:
    """ "supervisors_only", "admins_only", "not_yours": the login may not do this (unlike
    "csrf" or "cross_origin", which are about the request, not the person)."""
    return reason.endswith("_only") or reason == "not_yours"


@web.middleware
async def explain_refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPForbidden as refused:
        reason = _reason(refused.text)
        if reason is None or not is_role_refusal(reason):
            raise
        return _explained(request, reason)
    if response.status == 403 and isinstance(response, web.Response) and response.text:
        reason = _reason(response.text)
        if reason is not None and is_role_refusal(reason):
            return _explained(request, reason)
    return response


def _reason(text: str | None) -> str | None:
    try:
        data: Any = json.loads(text or "")
    except ValueError:
        return None
    reason = data.get("error") if isinstance(data, dict) else None
    return reason if isinstance(reason, str) else None


def message(request: web.Request, reason: str, page: bool) -> str:
    words = request.config_dict[CONTENT].node("console")
    refused, errors = words["desk"]["refused"], words["errors"]
    if page and reason in refused:
        return str(refused[reason])
    return str(errors.get(reason) or refused.get(reason) or refused["other"])


def _explained(request: web.Request, reason: str) -> web.Response:
    if request.path.startswith("/console/api/"):
        return web.json_response(
            {"error": reason, "message": message(request, reason, page=False)}, status=403
        )
    words = request.config_dict[CONTENT].node("console")
    page = (
        request.app[TEMPLATES]
        .get_template("refused.html")
        .render(t=words, login=request.get(LOGIN), message=message(request, reason, page=True))
    )
    return web.Response(text=page, status=403, content_type="text/html", charset="utf-8")
