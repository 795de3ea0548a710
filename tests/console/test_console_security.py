"""The console's doors: login, sessions, CSRF, roles, rate limits, headers, escaping, audit."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.appkeys import DATABASE
from bot.cases.models import AuditEntry
from tests.conftest import AppFactory
from tests.console.conftest import PASSWORD, Counselor, add_account, logged_in, with_account
from tests.test_conversations import Chat

API_CALLS = [
    ("GET", "queue"), ("GET", "conversations"), ("GET", "conversations/1"),
    ("GET", "conversations/1/messages"), ("POST", "conversations/next/claim"),
    ("POST", "conversations/1/messages"), ("POST", "conversations/1/transfer"),
    ("POST", "conversations/1/release"), ("POST", "conversations/1/close"),
    ("GET", "stats"), ("GET", "supervisor"), ("GET", "counselors"), ("GET", "canned"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), API_CALLS)
async def test_every_api_call_needs_a_login(
    make_client: AppFactory, method: str, path: str
) -> None:
    client = await make_client()
    resp = await client.request(method, f"/console/api/{path}", json={})
    assert resp.status == 401
    assert (await resp.json()) == {"error": "login_required"}


@pytest.mark.parametrize(
    "path", ["/console/", "/console/stats", "/console/supervisor", "/console/stats.csv"]
)
async def test_pages_send_strangers_to_the_login_page(make_client: AppFactory, path: str) -> None:
    client = await make_client()
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 302
    sent_to = urlsplit(resp.headers["Location"])  # and back to the page after logging in
    assert sent_to.path == "/console/login"
    assert parse_qs(sent_to.query).get("next", ["/console/"]) == [path]
    login = await client.get("/console/login")
    assert login.status == 200
    assert "Đăng nhập" in await login.text()


async def test_login_sets_a_safe_cookie_and_wrong_passwords_are_refused(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await with_account(client, counselors, "lan")
    assert (await lan.login("wrong-password")).status == 401
    stranger = Counselor(client, "nobody")
    counselors.append(stranger)
    assert (await stranger.login()).status == 401
    resp = await lan.login()
    assert resp.status == 200
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http in tests
    assert (await lan.call("GET", "queue"))[0] == 200
    behind_https = await stranger.http.post(
        lan.url("/console/api/login"), json={"username": "lan", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )  # fmt: skip
    assert "Secure" in behind_https.headers["Set-Cookie"]


async def test_logins_are_rate_limited(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await with_account(client, counselors, "lan")
    for _ in range(5):
        assert (await lan.login("guess-guess-guess")).status == 401
    resp = await lan.login()  # even the right password waits now
    assert resp.status == 429
    assert (await resp.json())["error"] == "too_many_attempts"
    minh = await with_account(client, counselors, "minh")  # a colleague at the same office
    assert (await minh.login()).status == 200


async def test_behind_the_proxy_each_address_has_its_own_limit(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client(trusted_proxies=("127.0.0.1",))
    await add_account(client, "lan")
    guesser = Counselor(client, "nobody")
    counselors.append(guesser)
    url = guesser.url("/console/api/login")
    for attempt in range(20):  # one address guessing many names
        body = {"username": f"guess{attempt}", "password": "guess-guess-guess"}
        headers = {"X-Forwarded-For": "203.0.113.7"}
        assert (await guesser.http.post(url, json=body, headers=headers)).status == 401
    blocked = await guesser.http.post(
        url, json={"username": "lan", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )  # fmt: skip
    assert blocked.status == 429
    other = await guesser.http.post(
        url, json={"username": "lan", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.4"},
    )  # fmt: skip
    assert other.status == 200


async def test_state_changes_need_the_csrf_token(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    status, body = await lan.call("POST", "conversations/next/claim", csrf=False)
    assert (status, body) == (403, {"error": "csrf"})
    lan.csrf, real = "forged", lan.csrf
    assert (await lan.call("POST", "conversations/next/claim"))[0] == 403
    lan.csrf = real
    assert (await lan.call("POST", "conversations/next/claim")) == (409, {"error": "queue_empty"})
    form = await lan.http.post(lan.url("/console/logout"), data={}, allow_redirects=False)
    assert form.status == 403  # the logout form needs it too
    form = await lan.http.post(
        lan.url("/console/logout"), data={"csrf_token": real}, allow_redirects=False
    )
    assert form.status == 302
    assert (await lan.call("GET", "queue"))[0] == 401  # logged out


async def test_roles_are_enforced_on_the_server(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    hoa = await logged_in(client, counselors, "hoa", role="supervisor")
    assert (await lan.call("GET", "supervisor"))[0] == 403
    assert (await lan.http.get(lan.url("/console/supervisor"))).status == 403
    status, view = await hoa.call("GET", "supervisor")
    assert status == 200
    assert view["online"] == ["hoa", "lan"]
    assert view["queue_length"] == 0
    page = await hoa.http.get(hoa.url("/console/supervisor"))
    assert page.status == 200
    assert "Tư vấn viên trực tuyến" in await page.text()

    child = Chat(client)
    await child.send(payload="COUNSELOR")
    _, taken = await lan.call("POST", "conversations/next/claim")
    status, view = await hoa.call("GET", "supervisor")
    assert view["in_progress"][0]["counselor"] == "lan"
    assert (await hoa.call("GET", f"conversations/{taken['id']}/messages"))[0] == 200
    assert (await hoa.call("POST", f"conversations/{taken['id']}/release"))[0] == 200


async def test_console_responses_forbid_framing_and_foreign_scripts(
    make_client: AppFactory,
) -> None:
    client = await make_client()
    for path in ("/console/login", "/console/api/queue", "/console/"):
        resp = await client.get(path, allow_redirects=False)
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "</script><script>alert(1)</script>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_child_text_and_names_are_never_markup(
    make_client: AppFactory, counselors: list[Counselor], payload: str
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    child = Chat(client)
    await child.send(payload="COUNSELOR")
    await child.send(text=payload)
    _, taken = await lan.call("POST", "conversations/next/claim")
    resp = await lan.http.get(lan.url(f"/console/api/conversations/{taken['id']}/messages"))
    assert resp.content_type == "application/json"
    assert payload in [m["text"] for m in (await resp.json())["items"]]
    page = await (await lan.http.get(lan.url("/console/"))).text()
    assert "<script>alert" not in page
    assert "onerror=alert" not in page
    # the only script tags are the data block and our own files
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts[0] == '<script type="application/json" id="words">'
    assert all(re.fullmatch(r'<script src="/console/static/[a-z_]+\.js">', s) for s in scripts[1:])
    assert '<script src="/console/static/console.js">' in scripts
    # the shared helpers (window.Desk) come before the scripts that use them
    common = scripts.index('<script src="/console/static/desk_common.js">')
    assert common < scripts.index('<script src="/console/static/console.js">')


async def test_every_view_of_a_conversation_is_audited(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan")
    child = Chat(client)
    await child.send(payload="COUNSELOR")
    _, queue = await lan.call("GET", "queue")
    conv = queue["items"][0]["id"]
    await lan.call("GET", f"conversations/{conv}")
    await lan.call("GET", f"conversations/{conv}/messages")
    async with client.server.app[DATABASE].connect() as db:
        rows = (await db.execute(select(AuditEntry.actor, AuditEntry.action))).all()
    assert ("lan", "view") in rows
    assert ("lan", "view_messages") in rows
    assert ("lan", "login") in rows


async def test_bad_bodies_get_a_clear_answer(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    resp = await lan.http.post(
        lan.url("/console/api/conversations/next/claim"), data=b"{not json",
        headers={"X-CSRF-Token": lan.csrf},
    )  # fmt: skip
    assert resp.status == 409  # claim takes no body: the queue is simply empty
    resp = await lan.http.post(
        lan.url("/console/api/conversations/1/messages"), data=b"{not json",
        headers={"X-CSRF-Token": lan.csrf, "Content-Type": "application/json"},
    )  # fmt: skip
    assert resp.status == 400
    assert (await resp.json()) == {"error": "json_expected"}
    assert (await lan.call("POST", "conversations/1/messages", {"text": ""}))[0] == 400
    assert (await lan.call("POST", "conversations/1/messages", {"text": "x" * 2001}))[0] == 400
    assert (await lan.call("POST", "conversations/999/messages", {"text": "hi"}))[0] == 404
    assert (await lan.call("GET", "stats?from=2026-13-01"))[0] == 400
    resp = await lan.http.post(lan.url("/console/api/login"), json=["x"])
    assert resp.status == 400


async def test_a_login_through_the_form(make_client: AppFactory) -> None:
    client: TestClient = await make_client()  # type: ignore[type-arg]
    await add_account(client, "lan")
    token = login_token(await (await client.get("/console/login")).text())
    resp = await client.post(
        "/console/login", data={"username": "lan", "password": "nope", "login_token": token}
    )
    assert resp.status == 401
    page = await resp.text()
    assert "không đúng" in page
    resp = await client.post(
        "/console/login", data={"username": "lan", "password": PASSWORD,
                                "login_token": login_token(page)},
        allow_redirects=False,
    )  # fmt: skip
    assert resp.status == 302
    assert resp.headers["Location"] == "/console/"


def login_token(page: str) -> str:
    found = re.search(r'name="login_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
