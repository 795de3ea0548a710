"""Issue 12: login CSRF. Another site must not be able to log a counselor's browser into the
attacker's account (what they then type would go to the attacker)."""

import aiohttp

from tests.conftest import AppFactory
from tests.console.conftest import PASSWORD, Counselor, with_account
from tests.console.test_console_security import login_token


async def test_a_cross_origin_login_post_logs_no_one_in(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    victim = await with_account(client, counselors, "attacker")  # the attacker's own account
    form = {"username": "attacker", "password": PASSWORD}
    as_json_text = f'{{"username": "attacker", "password": "{PASSWORD}"}}'
    forged = [
        ("/console/login", {"data": form, "headers": {"Origin": "https://evil.example"}}),
        ("/console/login", {"data": form, "headers": {"Sec-Fetch-Site": "cross-site"}}),
        ("/console/login", {"data": form, "headers": {"Origin": "null"}}),  # sandboxed frame
        ("/console/api/login", {  # a text/plain form shaped as JSON
            "data": as_json_text,
            "headers": {"Origin": "https://evil.example", "Content-Type": "text/plain"},
        }),
        ("/console/api/login", {"data": as_json_text, "headers": {"Sec-Fetch-Site": "same-site"}}),
    ]  # fmt: skip
    for path, request in forged:
        resp = await victim.http.post(victim.url(path), allow_redirects=False, **request)  # type: ignore[arg-type]
        assert resp.status == 403, (path, request)  # was 302 / 200 with a session cookie
        if path.startswith("/console/api/") or "Sec-Fetch-Site" in request["headers"]:
            assert (await resp.json()) == {"error": "cross_origin"}
        else:  # no login token (an old browser: no Sec-Fetch-Site, the form's Origin "null")
            assert "Trang đăng nhập đã hết hạn" in await resp.text()
        assert "console_session" not in resp.headers.get("Set-Cookie", "")
    assert not [c for c in victim.http.cookie_jar if c.key == "console_session"]
    assert (await victim.call("GET", "queue"))[0] == 401


async def test_the_consoles_own_login_form_still_works(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await with_account(client, counselors, "lan")
    page = await (await lan.http.get(lan.url("/console/login"))).text()
    resp = await lan.http.post(
        lan.url("/console/login"),
        data={"username": "lan", "password": PASSWORD, "login_token": login_token(page)},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # as a browser sends it
        allow_redirects=False,
    )  # fmt: skip
    assert resp.status == 302
    assert (await lan.call("GET", "queue"))[0] == 200
    async with aiohttp.ClientSession() as tool:  # curl and scripts send neither header
        answer = await tool.post(
            lan.url("/console/api/login"), json={"username": "lan", "password": PASSWORD}
        )
        assert answer.status == 200
    own = f"http://{client.host}:{client.port}"
    async with aiohttp.ClientSession() as console_js:  # fetch() from the console's own page
        answer = await console_js.post(
            lan.url("/console/api/login"), json={"username": "lan", "password": PASSWORD},
            headers={"Origin": own, "Sec-Fetch-Site": "same-origin"},
        )  # fmt: skip
        assert answer.status == 200


async def test_a_stale_or_foreign_login_token_logs_no_one_in(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await with_account(client, counselors, "lan")
    attacker = Counselor(client, "attacker")  # the attacker's own page and token
    counselors.append(attacker)
    theirs = login_token(await (await attacker.http.get(lan.url("/console/login"))).text())
    await lan.http.get(lan.url("/console/login"))  # the victim has a token cookie of their own
    resp = await lan.http.post(
        lan.url("/console/login"),
        data={"username": "lan", "password": PASSWORD, "login_token": theirs},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert not [c for c in lan.http.cookie_jar if c.key == "console_session"]


async def test_the_page_to_go_back_to_after_logging_in_is_always_the_consoles_own(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await with_account(client, counselors, "lan")
    elsewhere = [
        "https://evil.example/console/", "//evil.example/console/", "/console//evil.example",
        "/\\evil.example", "/console/\\evil.example", "/console/login", "/console/api/queue",
        "javascript:alert(1)", "/console/\x00", "/console/" + "x" * 400, "/chat",
    ]  # fmt: skip
    for given in elsewhere:
        page = await (await lan.http.get(lan.url("/console/login"), params={"next": given})).text()
        assert 'name="next"' not in page, given
        resp = await lan.http.post(
            lan.url("/console/login"), allow_redirects=False,
            data={"username": "lan", "password": PASSWORD, "login_token": login_token(page),
                  "next": given},
        )  # fmt: skip
        assert (resp.status, resp.headers["Location"]) == (302, "/console/"), given
    page = await (await lan.http.get(lan.url("/console/login?next=/console/cases"))).text()
    resp = await lan.http.post(
        lan.url("/console/login"), allow_redirects=False,
        data={"username": "lan", "password": PASSWORD, "login_token": login_token(page),
              "next": "/console/cases?status=open"},
    )  # fmt: skip
    assert resp.headers["Location"] == "/console/cases?status=open"
