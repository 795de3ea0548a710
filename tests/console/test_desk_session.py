"""The idle limit counts what a person does: the desk's polling, its live socket and the
session's own read renew nothing; a page, an action or the activity ping do. The 12-hour
limit holds however busy the login is, and a logout still ends the session at once."""

import redis.asyncio as redis

from bot.console.auth import COOKIE
from bot.store import keys
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in


def session_key(counselor: Counselor) -> str:
    cookie = counselor.http.cookie_jar.filter_cookies(counselor.client.make_url("/console/"))
    return keys.console_session(cookie[COOKIE].value)


async def test_polling_and_the_socket_do_not_keep_a_login_but_activity_does(
    make_client: AppFactory, counselors: list[Counselor], redis_client: redis.Redis
) -> None:
    client = await make_client(console_idle_seconds=600)
    lan = await logged_in(client, counselors, "lan")  # its websocket is open
    key = session_key(lan)
    await redis_client.expire(key, 40)  # as if the counselor had left 560 s ago

    for path in ("queue", "conversations", "counselors", "session", "desk"):
        status, _ = await lan.call("GET", path)
        assert status == 200, path
    assert 0 < await redis_client.ttl(key) <= 40  # the desk's own reads renew nothing
    status, left = await lan.call("GET", "session")
    assert left["idle_seconds"] == 600
    assert left["idle_seconds_left"] <= 40

    status, left = await lan.call("POST", "activity")  # a key or a click on the desk
    assert status == 200
    assert left["idle_seconds_left"] > 590
    assert await redis_client.ttl(key) > 590
    assert left["lifetime_seconds_left"] > 11.9 * 3600

    await redis_client.expire(key, 40)
    page = await lan.http.get(lan.url("/console/"))  # opening a page is something done
    assert page.status == 200
    assert await redis_client.ttl(key) > 590


async def test_a_logout_still_ends_the_session_and_the_activity_ping_needs_its_token(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    assert (await lan.call("POST", "activity", csrf=False))[0] == 403  # CSRF as every action
    assert (await lan.call("POST", "logout"))[0] == 200
    assert await lan.call("GET", "session") == (401, {"error": "login_required"})
    assert (await lan.call("POST", "activity"))[0] == 401
