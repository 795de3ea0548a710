"""The counselor console: an aiohttp sub-app at /console/.

Every route needs a login except the login page, the login API and the static files; every
state-changing request carries the session's CSRF token (X-CSRF-Token, or a form field);
every response carries a strict Content-Security-Policy that forbids framing.
"""

import hmac
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import jinja2
from aiohttp import web

from bot.appkeys import CASES
from bot.console import api, case_pages, live, oncall_pages, pages, supervising
from bot.console.api import refusal
from bot.console.auth import COOKIE, Login
from bot.console.evidence_api import add_routes as add_evidence_routes
from bot.console.hub import Hub
from bot.console.keys import ACCOUNTS, HUB, LOGIN, LOGINS, TEMPLATES
from bot.console.pages import back_to
from bot.console.referral_api import add_routes as add_referral_routes
from bot.console.refusals import explain_refusals

HERE = Path(__file__).resolve().parent
OPEN_PATHS = frozenset({"/console/login", "/console/api/login"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECHECK_SECONDS = 30.0
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AccountChecks:
    """Re-reads a logged-in account (enabled? the session's role?) from the database at most
    every RECHECK_SECONDS in each process, so a change made there directly, not with `python
    -m bot users`, ends its sessions too. (The commands end them at once.)"""

    def __init__(self) -> None:
        self._checked: dict[str, float] = {}

    async def still_valid(self, request: web.Request, login: Login) -> bool:
        now = time.monotonic()
        if now - self._checked.get(login.username, -RECHECK_SECONDS) < RECHECK_SECONDS:
            return True
        config = request.config_dict
        if await config[ACCOUNTS].state(login.username) == (True, login.role):
            self._checked[login.username] = now
            return True
        self._checked.pop(login.username, None)
        ended = await config[LOGINS].end_all(login.username)
        await config[CASES].audit(
            "console", "sessions_revoked", None, f"{login.username}: {ended}, account changed"
        )
        return False


CHECKS = web.AppKey("account_checks", AccountChecks)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(HEADERS)
        raise
    if not response.prepared:  # a websocket has sent its headers already
        response.headers.update(HEADERS)
    return response


def to_login(request: web.Request) -> str:
    """The login page, told to come back to the page asked for (checked again there)."""
    wanted = request.path_qs
    if request.method != "GET" or back_to(wanted) == "/console/":
        return "/console/login"
    return "/console/login?" + urlencode({"next": wanted})


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path in OPEN_PATHS and request.method == "POST" and not same_origin(request):
        raise refusal(web.HTTPForbidden, "cross_origin")  # login CSRF: no one is logged in
    if path in OPEN_PATHS or path.startswith("/console/static/"):
        return await handler(request)
    token = request.cookies.get(COOKIE, "")
    login = await request.config_dict[LOGINS].find(token, renew=is_activity(request))
    if login is None or not await request.config_dict[CHECKS].still_valid(request, login):
        if path.startswith("/console/api/"):
            raise refusal(web.HTTPUnauthorized, "login_required")
        raise web.HTTPFound(to_login(request))
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, login):
        raise refusal(web.HTTPForbidden, "csrf")
    request[LOGIN] = login
    return await handler(request)


def is_activity(request: web.Request) -> bool:
    """Whether this request is something a person did, which keeps the login from ending as
    idle: a page opened, an action (every POST: sending, claiming, the desk's activity ping
    on a key or a click). Not the desk's own reads (the queue polled every few seconds, a
    live update's refetch) nor the websocket, or an unattended desk would never time out."""
    if request.path == "/console/ws":
        return False
    return not (request.path.startswith("/console/api/") and request.method in SAFE_METHODS)


def same_origin(request: web.Request) -> bool:
    """Whether the browser says this request comes from the console's own pages: a login
    posted by another site (a form, or text/plain shaped as JSON) would log the victim in as
    the attacker (login CSRF). Browsers send Sec-Fetch-Site, and Origin with fetch(); tools
    that send neither (curl, scripts) are let through, as they carry no victim. The form's
    Origin is "null" under the pages' no-referrer policy, so the form has a token of its own
    (bot.console.pages) and only Sec-Fetch-Site is asked of it here."""
    site = request.headers.get("Sec-Fetch-Site", "")
    if site and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None or request.path == "/console/login":
        return True
    return urlsplit(origin).netloc == request.host


async def _csrf_ok(request: web.Request, login: Login) -> bool:
    given = request.headers.get("X-CSRF-Token", "")
    if not given and request.content_type == "application/x-www-form-urlencoded":
        given = str((await request.post()).get("csrf_token", ""))
    return bool(given) and hmac.compare_digest(given.encode(), login.csrf.encode())


def create_console(hub: Hub) -> web.Application:
    """The sub-app; its accounts and logins (ACCOUNTS, LOGINS) are set up by the main app."""
    console = web.Application(middlewares=[security_headers, explain_refusals, require_login])
    console[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    console[HUB] = hub
    console[CHECKS] = AccountChecks()
    pages.add_routes(console)
    api.add_routes(console)
    oncall_pages.add_routes(console)  # the on-call roster and the page's link
    case_pages.add_routes(console)  # cases: search, history, notes, directory
    add_evidence_routes(console)  # evidence items on the desk, the targets page
    add_referral_routes(console)  # referrals to the response network, row 4.3 with outcomes
    supervising.add_routes(console)
    console.router.add_get("/ws", live.websocket)
    console.router.add_static("/static", HERE / "static", append_version=True)
    return console
