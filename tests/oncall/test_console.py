"""The roster page through the real app: counselors are refused in Vietnamese and change
nothing; the link in a page opens a confirmation that acknowledges once logged in."""

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bot.appkeys import DATABASE, HANDOFFS
from bot.cases.db import sessions
from bot.cases.models import AuditEntry
from bot.oncall.pager import PAGER
from tests.conftest import AppFactory
from tests.console.conftest import PASSWORD, Counselor, logged_in, with_account
from tests.console.test_console_security import login_token
from tests.fakes.smtp import FakeSmtp

REFUSED = "Chỉ giám sát viên được xem và thay đổi danh sách trực."


async def audit(client: object, action: str) -> list[AuditEntry]:
    engine = client.server.app[DATABASE]  # type: ignore[attr-defined]
    async with sessions(engine)() as db:
        rows = await db.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows)


async def test_a_counselor_can_neither_see_nor_change_the_roster(
    make_client: AppFactory, counselors: list[Counselor]
) -> None:
    client = await make_client()
    lan = await logged_in(client, counselors, "lan", online=False)
    page = await lan.http.get(lan.url("/console/oncall"))
    assert page.status == 403
    assert REFUSED in await page.text()
    for path, form in (
        ("add", {"username": "lan", "email": "lan@111.example.vn"}),
        ("remove", {"username": "lan"}),
        ("move", {"username": "lan", "position": "1"}),
        ("link", {"username": "lan"}),
    ):
        resp = await lan.http.post(
            lan.url(f"/console/oncall/{path}"), data={"csrf_token": lan.csrf, **form},
            allow_redirects=False,
        )  # fmt: skip
        assert resp.status == 403, path
        assert REFUSED in await resp.text()
    assert await client.server.app[PAGER].roster.members() == []
    assert await audit(client, "oncall_add") == []
    desk = await lan.http.get(lan.url("/console/"))
    assert "/console/oncall" not in await desk.text()  # no link in a counselor's menu


async def test_the_link_in_a_page_is_acknowledged_by_a_button_once_logged_in(
    make_client: AppFactory, counselors: list[Counselor], smtp: FakeSmtp
) -> None:
    client = await make_client(
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        smtp_from="truc-dem@111.example.vn", public_url="https://111.example.vn",
    )  # fmt: skip
    app = client.server.app
    minh = await logged_in(client, counselors, "minh", online=False)
    await app[PAGER].roster.add("sup", "minh", "minh@111.example.vn")
    conv, _ = await app[HANDOFFS].queue.join(
        "webchat", "child-1", "imminent", app[HANDOFFS].now_ms(), {}
    )
    await app[PAGER].tick()
    [mail] = smtp.messages
    found = re.search(r"https://111\.example\.vn(/console/oncall/ack/\S+)", mail.get_content())
    assert found, mail.get_content()
    path = found.group(1)

    anonymous = await client.get(path, allow_redirects=False)
    assert anonymous.status == 302  # log in first: a link preview acknowledges nothing
    sent_to = urlsplit(anonymous.headers["Location"])
    assert (sent_to.path, parse_qs(sent_to.query)) == ("/console/login", {"next": [path]})
    an = await with_account(client, counselors, "an")  # logged out: back to the link after
    form = await (await an.http.get(an.url(anonymous.headers["Location"]))).text()
    assert f'name="next" value="{path}"' in form
    back = await an.http.post(
        an.url("/console/login"), allow_redirects=False,
        data={"username": "an", "password": PASSWORD, "login_token": login_token(form),
              "next": path},
    )  # fmt: skip
    assert (back.status, back.headers["Location"]) == (302, path)
    page = await minh.http.get(minh.url(path))
    assert page.status == 200
    assert "Tôi đang đến" in await page.text()
    assert await audit(client, "oncall_ack") == []  # opening is not acknowledging
    done = await minh.http.post(
        minh.url(path), data={"csrf_token": minh.csrf}, allow_redirects=False
    )
    assert (done.status, done.headers["Location"]) == (303, "/console/")
    [ack] = await audit(client, "oncall_ack")
    assert (ack.actor, ack.detail) == ("minh", f"#{conv} minh")
    gone = await minh.http.get(minh.url("/console/oncall/ack/not-a-token"))
    assert gone.status == 404
    assert "Liên kết này không còn dùng được" in await gone.text()
