"""The console's server-rendered pages (Jinja2, autoescaped): login, the desk (queue and chat,
driven by console.js), the supervisor view and the statistics table with its chart and CSV."""

import hmac
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.appkeys import CONTENT, HANDOFFS, REDIS
from bot.cases.stats import Statistics, csv_text, rows
from bot.console.api import (
    authenticate,
    guarded,
    load_statistics,
    overview,
    period,
    refusal,
    sign_out,
)
from bot.console.auth import COOKIE, set_cookie
from bot.console.case_api import directory
from bot.console.desks import is_muted, muted_desks
from bot.console.keys import LOGIN, TEMPLATES

LOGIN_COOKIE = "console_login"
CASE_PANEL = Path(__file__).resolve().parent / "static" / "case_panel.js"  # the person's history


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    words = request.config_dict[CONTENT].node("console")
    login = request.get(LOGIN)
    page = request.app[TEMPLATES].get_template(name).render(t=words, login=login, **values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def back_to(given: str) -> str:
    """Where to go after logging in: a console page the person was sent away from (an
    on-call page's link, say), never another site, the login page itself or the API;
    otherwise the desk."""
    ok = (
        len(given) <= 300
        and given.isascii()
        and given.isprintable()
        and given.startswith("/console/")
        and not given.startswith(("/console/login", "/console/api/", "/console/static/"))
        and "\\" not in given
        and "//" not in given
    )
    return given if ok else "/console/"


def login_form_page(
    request: web.Request, message: str, status: int = 200, then: str = ""
) -> web.Response:
    """The login page with a fresh login token: in the form and in a SameSite=Strict cookie,
    which a form posted from another site never comes with (login CSRF). `then`: the
    console page to go back to after logging in."""
    token = secrets.token_urlsafe(24)
    then = back_to(then)
    response = render(
        request, "login.html", status=status, message=message, login_token=token,
        then="" if then == "/console/" else then,
    )  # fmt: skip
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
    response.set_cookie(
        LOGIN_COOKIE, token, path="/console/login", max_age=3600, httponly=True,
        samesite="Strict", secure=secure,
    )  # fmt: skip
    return response


async def login_page(request: web.Request) -> web.Response:
    message = "expired" if "expired" in request.query else ""
    return login_form_page(request, message, then=request.query.get("next", ""))


@guarded
async def login_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    given, expected = str(form.get("login_token", "")), request.cookies.get(LOGIN_COOKIE, "")
    then = str(form.get("next", ""))
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return login_form_page(request, "retry", status=403, then=then)  # nobody logged in
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:1024]
    result = (
        await authenticate(request, username, password)
        if username and password
        else "bad_credentials"
    )
    if isinstance(result, str):
        message = "too_many" if result == "too_many_attempts" else "failed"
        status = 429 if message == "too_many" else 401
        return login_form_page(request, message, status=status, then=then)
    response = web.HTTPFound(back_to(then))
    set_cookie(request, response, result)
    response.del_cookie(LOGIN_COOKIE, path="/console/login")
    raise response


async def logout_form(request: web.Request) -> web.StreamResponse:
    await sign_out(request)
    response = web.HTTPFound("/console/login")
    response.del_cookie(COOKIE, path="/console")
    raise response


@guarded
async def desk(request: web.Request) -> web.StreamResponse:
    content = request.config_dict[CONTENT]
    platforms = {key: item["name"] for key, item in content.node("platforms.platforms").items()}
    muted = await is_muted(request.config_dict[REDIS], request[LOGIN].username)
    try:  # the services a counselor may refer the person to when closing
        services = await directory(request).entries(only_active=True)
    except (SQLAlchemyError, OSError):
        services = []  # the desk still opens; the close form says nothing of referrals
    return render(
        request, "desk.html", canned=content.node("console.canned"), platforms=platforms,
        muted=muted, case_panel=CASE_PANEL.exists(), services=services,
    )  # fmt: skip


VIETNAM = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh: UTC+7, no daylight saving


def local_time(iso: str) -> str:
    """A UTC ISO time as the hotline reads it: Vietnam's time, "HH:MM dd/mm"."""
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%H:%M %d/%m")


@guarded
async def supervisor_page(request: web.Request) -> web.StreamResponse:
    if not request[LOGIN].can("supervisor"):
        raise refusal(web.HTTPForbidden, "supervisors_only")  # explained by bot.console.refusals
    muted = await muted_desks(request.config_dict[REDIS])
    view = await overview(request.config_dict[HANDOFFS], muted)
    return render(request, "supervisor.html", view=view, local=local_time)


@guarded
async def stats_page(request: web.Request) -> web.StreamResponse:
    start, end, by = period(request)
    stats = await load_statistics(request)
    words = request.config_dict[CONTENT].node("console")
    return render(
        request, "stats.html", stats=stats, table=rows(stats, words), bars=bars(stats),
        start=start.isoformat(), end=end.isoformat(), by=by,
    )  # fmt: skip


@guarded
async def stats_csv(request: web.Request) -> web.StreamResponse:
    start, end, by = period(request)
    words = request.config_dict[CONTENT].node("console")
    text = csv_text(await load_statistics(request), words)
    name = f"thong-ke-111-{start.isoformat()}-{end.isoformat()}.csv"
    return web.Response(
        body=("\ufeff" + text).encode("utf-8"),  # a BOM, so spreadsheet programs read UTF-8
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def bars(stats: Statistics) -> list[dict[str, Any]]:
    """The bar chart's bars, two per period (contacts received, then cases), as sizes in an
    SVG 600 × 200 drawn server-side: no script, so the page stays within its
    Content-Security-Policy."""
    counts = [(p, stats.top["contacts_received"][p], stats.total(p)) for p in stats.periods]
    top = max((n for _, contacts, cases in counts for n in (contacts, cases)), default=0) or 1
    slot = 560 / max(len(counts), 1)
    width = max(slot * 0.35, 2)
    out = []
    for i, (label, *values) in enumerate(counts):
        for j, (kind, n) in enumerate(zip(("contacts", "cases"), values, strict=True)):
            x = 30 + i * slot + j * width
            out.append({"label": label, "kind": kind, "value": n, "x": x, "width": width,
                        "height": 160 * n / top, "y": 180 - 160 * n / top,
                        "first": j == 0, "middle": 30 + i * slot + width})  # fmt: skip
    return out


def add_routes(console: web.Application) -> None:
    r = console.router
    r.add_get("/login", login_page, name="login")
    r.add_post("/login", login_form, name="login_form")
    r.add_post("/logout", logout_form, name="logout")
    r.add_get("/", desk, name="desk")
    r.add_get("/supervisor", supervisor_page, name="supervisor")
    r.add_get("/stats", stats_page, name="stats")
    r.add_get("/stats.csv", stats_csv, name="stats_csv")
