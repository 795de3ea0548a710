"""Linking a counselor's own Zalo or Messenger account to the roster with a one-time code
they send to the OA: the id is learnt without anyone copying it, and the page then reaches
that account."""

import re
import time

from bot.channels.base import EventKind, IncomingEvent
from bot.oncall.contacts import new_link_code, note_contact
from bot.oncall.pager import PAGER
from tests.conftest import AppFactory, drain
from tests.console.conftest import Counselor, logged_in
from tests.fakes.graph import FakeGraph
from tests.fakes.zalo import FakeZalo
from tests.oncall.conftest import Desk
from tests.test_zalo_webhook import event, signed, zalo, zalo_settings

__all__ = ["zalo"]  # the fake Zalo fixture, used by name below


def said(user_id: str, text: str) -> IncomingEvent:
    return IncomingEvent("zalo", user_id, f"m-{time.time_ns()}", EventKind.TEXT,
                         int(time.time() * 1000), text)  # fmt: skip


async def test_a_code_sent_from_the_counselors_account_links_it_once(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph]
) -> None:
    fake_zalo, _ = fakes
    await desk.account("lan")
    await desk.roster.add("sup", "lan", "lan@111.example.vn")
    code = await new_link_code(desk.client, "lan")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    await note_contact(desk.client, said("ZSTRANGER", f"TRUC {wrong}"))
    await note_contact(desk.client, said("ZLAN9", f"  trực {code} "))
    await note_contact(desk.client, said("ZSTRANGER", f"TRUC {code}"))  # used already
    pager = desk.pager()
    await pager.tick()
    [lan] = await desk.roster.members()
    assert (lan.channel, lan.channel_user_id) == ("zalo", "ZLAN9")
    [linked] = await desk.audit("oncall_linked")
    assert (linked.actor, linked.detail) == ("bot", "lan: zalo")
    await desk.child("imminent")
    await pager.tick()
    [sent] = fake_zalo.messages
    assert sent["recipient"] == {"user_id": "ZLAN9"}  # the window opened with the code


async def test_the_roster_page_gives_a_code_that_links_through_the_zalo_webhook(
    make_client: AppFactory, counselors: list[Counselor], zalo: FakeZalo
) -> None:
    client = await make_client(**zalo_settings(zalo))
    hoa = await logged_in(client, counselors, "hoa", "supervisor", online=False)
    await logged_in(client, counselors, "lan", online=False)
    form = {"csrf_token": hoa.csrf, "username": "lan", "email": "lan@111.example.vn"}
    assert (await hoa.http.post(hoa.url("/console/oncall/add"), data=form)).status == 200
    page = await hoa.http.post(
        hoa.url("/console/oncall/link"), data={"csrf_token": hoa.csrf, "username": "lan"}
    )
    found = re.search(r"TRUC (\d{8})", await page.text())
    assert page.status == 200
    assert found
    body = event("user_send_text", "ZLAN-OWN", "z-link", f"TRUC {found.group(1)}")
    assert (await client.post("/webhooks/zalo", data=body, headers=signed(body))).status == 200
    await drain(client)
    await client.server.app[PAGER].tick()
    [lan] = await client.server.app[PAGER].roster.members()
    assert (lan.channel, lan.channel_user_id) == ("zalo", "ZLAN-OWN")
    shown = await (await hoa.http.get(hoa.url("/console/oncall"))).text()
    assert "…-OWN" in shown
    assert "được đến" in shown  # the code's message opened the window
