"""What an on-call counselor receives when an urgent child waits and nobody is at the desk,
the escalation down the roster, one page with two processes ticking, and what stops it."""

import asyncio
import logging
import re
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import redis.asyncio as redis

from bot.cases.db import sessions
from bot.console.auth import Accounts
from bot.oncall.notifiers import EmailNotifier, notifiers
from bot.oncall.pager import ACK_PATH
from bot.settings import Secret
from tests.fakes.graph import FakeGraph
from tests.fakes.smtp import FakeSmtp
from tests.fakes.zalo import FakeZalo
from tests.oncall.conftest import CHILD_WORDS, PUBLIC, Desk

PAGE = "Có trẻ cần hỗ trợ khẩn cấp đang chờ trên bàn tư vấn 111. Mở: "
CLEAR = "SMTP_USER with SMTP_SECURITY=none would send the password in clear"
LINK = re.compile(re.escape(PUBLIC + ACK_PATH) + r"[A-Za-z0-9_-]{20,}$")


async def roster_of_two(desk: Desk) -> None:
    """lan: her own Zalo account on the OA (she wrote to it at the start of her shift) and
    an e-mail; minh: e-mail only."""
    await desk.account("lan")
    await desk.account("minh")
    await desk.roster.add("sup", "lan", "lan@111.example.vn", "zalo", "ZLAN001")
    await desk.roster.add("sup", "minh", "minh@111.example.vn")
    await desk.wrote_to_oa("zalo", "ZLAN001")


def only_text(sent: dict[str, object]) -> str:
    message = sent["message"]
    assert isinstance(message, dict)
    return str(message["text"])


async def test_the_first_on_call_gets_a_plain_zalo_message_with_the_link_once(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    conv, case_id = await desk.child("imminent")
    pager = desk.pager()
    await pager.tick()  # nobody online: paged at once
    [sent] = zalo.messages
    assert sent["recipient"] == {"user_id": "ZLAN001"}
    text = only_text(sent)
    assert text.startswith(PAGE)
    assert LINK.search(text), text
    assert CHILD_WORDS not in text
    assert smtp.messages == []  # the OA delivered: no e-mail as well
    await pager.tick()
    desk.later(4)
    await pager.tick()
    assert len(zalo.messages) == 1  # one page per step, nothing before the escalation time
    [page] = await desk.audit()
    assert (page.actor, page.action, page.case_id) == ("bot", "oncall_page", case_id)
    assert page.detail == f"#{conv} lan step=1 via=channel: sent"


async def test_without_an_acknowledgement_the_next_is_paged_then_it_wraps_once_and_stops(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    conv, _ = await desk.child("imminent")
    pager = desk.pager()
    await pager.tick()
    desk.later(5.1)
    await pager.tick()
    [mail] = smtp.messages
    assert mail["To"] == "minh@111.example.vn"
    assert mail["From"] == "truc-dem@111.example.vn"
    assert mail["Subject"] == "111: có trẻ cần hỗ trợ khẩn cấp"
    body = mail.get_content().strip()
    assert body.startswith(PAGE)
    assert LINK.search(body), body
    assert len(zalo.messages) == 1  # lan is not paged again for this step
    for _ in range(3):  # lan again, minh again, then the pager gives up on the roster
        desk.later(5.1)
        await pager.tick()
    assert (len(zalo.messages), len(smtp.messages)) == (2, 2)
    desk.later(30)
    await pager.tick()
    assert (len(zalo.messages), len(smtp.messages)) == (2, 2)
    actions = [(e.action, e.detail.split(":")[0]) for e in await desk.audit()]
    assert actions == [
        ("oncall_page", f"#{conv} lan step=1 via=channel"),
        ("oncall_page", f"#{conv} minh step=2 via=email"),
        ("oncall_page", f"#{conv} lan step=3 via=channel"),
        ("oncall_page", f"#{conv} minh step=4 via=email"),
        ("oncall_exhausted", f"#{conv} 2"),
    ]


async def test_two_processes_ticking_together_send_each_page_once(
    desk: Desk, redis_url: str, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    await desk.child("imminent")
    other = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        first, second = desk.pager(), desk.pager(client=other)
        for _ in range(3):
            await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
        assert len(zalo.messages) == 1
        desk.later(5.1)
        for _ in range(3):
            await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
            assert (len(zalo.messages), len(smtp.messages)) == (1, 1)
    finally:
        await other.aclose()
    assert len(await desk.audit()) == 2


async def test_acknowledging_the_link_stops_the_escalation_and_is_audited(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    conv, case_id = await desk.child("imminent")
    pager = desk.pager()
    await pager.tick()
    token = only_text(zalo.messages[0]).rsplit("/", 1)[1]
    assert await pager.acknowledge("not-a-token", "lan") is None
    assert await pager.acknowledge(token, "lan") == conv
    assert await pager.acknowledge(token, "lan") == conv  # twice: audited once
    for _ in range(4):
        desk.later(5.1)
        await pager.tick()
    assert (len(zalo.messages), len(smtp.messages)) == (1, 0)
    ack = [e for e in await desk.audit() if e.action == "oncall_ack"]
    assert [(e.actor, e.case_id, e.detail) for e in ack] == [("lan", case_id, f"#{conv} lan")]
    [shown] = await pager.paging()
    assert (shown.handoff_id, shown.paged, shown.acked) == (conv, "lan", "lan")


async def test_a_counselor_claiming_the_child_stops_the_escalation(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    conv, _ = await desk.child("imminent")
    pager = desk.pager()
    await pager.tick()
    assert await desk.queue.claim("lan", desk.now_ms(), conv) == conv
    desk.later(5.1)
    await pager.tick()
    assert (len(zalo.messages), len(smtp.messages)) == (1, 0)


async def test_pages_only_for_urgent_children_and_while_nobody_claims(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    await desk.child("normal")
    pager = desk.pager()
    await pager.tick()
    assert zalo.messages == []  # a child who is not in danger waits for the desk
    await desk.queue.heartbeat("hoa", desk.now_ms())  # someone is online now
    await desk.child("high")
    await pager.tick()
    assert zalo.messages == []  # someone may take the child in the next minutes
    desk.later(3.1)
    await desk.queue.heartbeat("hoa", desk.now_ms())
    await pager.tick()
    assert len(zalo.messages) == 1  # nobody claimed within 3 minutes
    only_imminent = desk.pager(oncall_priorities=())
    desk.later(10)
    await desk.child("high")
    await only_imminent.tick()
    assert (len(zalo.messages), len(smtp.messages)) == (1, 0)  # high is not paged at all


async def test_a_failing_notifier_falls_back_to_the_next_way_then_the_next_person(
    desk: Desk,
    fakes: tuple[FakeZalo, FakeGraph],
    smtp: FakeSmtp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    conv, _ = await desk.child("imminent")
    zalo.close_window()  # Zalo refuses: the window closed after all
    smtp.fail_next(1, code=451)  # lan's e-mail: the relay says "try later"
    caplog.set_level(logging.INFO)
    await desk.pager().tick()  # never raises
    assert [m["To"] for m in smtp.messages] == ["minh@111.example.vn"]
    details = [e.detail for e in await desk.audit()]
    assert details == [
        f"#{conv} lan step=1 via=channel: refused:outside_window",
        f"#{conv} lan step=1 via=email: smtp:451",
        f"#{conv} lan step=1: unreachable",
        f"#{conv} minh step=2 via=email: sent",
    ]
    logged = caplog.text
    for private in ("ZLAN001", "lan@111", "minh@111", "AT-0", PAGE, CHILD_WORDS):
        assert private not in logged
    assert "on-call page failed" in logged


async def test_when_every_way_fails_the_tick_goes_on_and_tries_again_later(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await roster_of_two(desk)
    await desk.child("imminent")
    zalo.close_window()
    await smtp.stop()  # the relay is down: connection refused
    pager = desk.pager()
    await pager.tick()  # lan, then minh: neither reached, nothing raised
    reasons = [e.detail.rsplit(": ", 1)[1] for e in await desk.audit()]
    assert reasons == ["refused:outside_window", "ConnectionRefusedError", "unreachable",
                       "ConnectionRefusedError", "unreachable"]  # fmt: skip
    await smtp.start()  # back on the same port
    desk.later(5.1)
    await pager.tick()
    assert len(smtp.messages) == 1  # the next step, once the escalation time has passed


async def test_the_channel_waits_for_the_counselor_to_have_written_to_the_oa(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, graph = fakes
    await desk.account("an")
    await desk.roster.add("sup", "an", "an@111.example.vn", "messenger", "PSID-AN")
    await desk.child("imminent")
    await desk.pager().tick()
    assert graph.messages == []  # never wrote to the page: outside the window, not even tried
    assert [m["To"] for m in smtp.messages] == ["an@111.example.vn"]
    await desk.wrote_to_oa("messenger", "PSID-AN")
    await desk.child("imminent")
    await desk.pager().tick()
    [sent] = graph.messages
    assert sent["recipient"] == {"id": "PSID-AN"}
    assert sent["messaging_type"] == "RESPONSE"  # an automated message: never HUMAN_AGENT
    assert only_text(sent).startswith(PAGE)


async def test_starttls_required_and_not_offered_sends_nothing_in_clear(
    desk: Desk, smtp: FakeSmtp
) -> None:
    await desk.account("minh")
    await desk.roster.add("sup", "minh", "minh@111.example.vn")
    await desk.child("imminent")
    await desk.pager(smtp_security="starttls").tick()
    assert smtp.messages == []
    assert "MAIL" not in smtp.commands
    assert "AUTH" not in smtp.commands
    [failed, _] = await desk.audit()
    assert failed.detail.endswith("via=email: SMTPNotSupportedError")


async def test_without_public_url_the_page_still_says_where_to_go(
    desk: Desk, smtp: FakeSmtp
) -> None:
    await desk.account("minh")
    await desk.roster.add("sup", "minh", "minh@111.example.vn")
    await desk.child("imminent")
    await desk.pager(public_url="").tick()
    body = smtp.messages[0].get_content().strip()
    assert body == "Có trẻ cần hỗ trợ khẩn cấp đang chờ trên bàn tư vấn 111. Mở bàn tư vấn ngay."


async def test_hours_and_disabled_accounts_decide_who_is_on_duty(desk: Desk) -> None:
    await desk.account("lan")
    await desk.account("minh")
    await desk.roster.add("sup", "lan", "lan@111.example.vn", hours="22-06")
    await desk.roster.add("sup", "minh", "minh@111.example.vn", hours="06-22")
    night = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 23:30 in Vietnam
    day = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert [m.username for m in await desk.roster.on_duty(night)] == ["lan"]
    assert [m.username for m in await desk.roster.on_duty(day)] == ["minh"]
    await Accounts(sessions(desk.engine)).set_active("lan", False)
    assert await desk.roster.on_duty(night) == []


async def test_nobody_on_duty_is_audited_once_and_paging_starts_with_the_shift(
    desk: Desk, smtp: FakeSmtp
) -> None:
    await desk.account("lan")
    await desk.roster.add("sup", "lan", "lan@111.example.vn", hours="22-06")
    desk.at[0] = datetime(2026, 12, 1, 13, 0, tzinfo=UTC).timestamp()  # 20:00 in Vietnam
    conv, _ = await desk.child("imminent")
    pager = desk.pager()
    await pager.tick()
    await pager.tick()
    assert smtp.messages == []
    assert [(e.action, e.detail) for e in await desk.audit()] == [("oncall_nobody", f"#{conv}")]
    desk.later(121)  # 22:01: lan's shift has begun
    await pager.tick()
    assert [m["To"] for m in smtp.messages] == ["lan@111.example.vn"]


async def test_without_a_roster_nothing_is_audited_for_each_child(desk: Desk) -> None:
    await desk.child("imminent")
    await desk.pager().tick()
    assert await desk.audit() == []


def test_a_notifier_without_its_settings_is_disabled_and_says_why_without_secrets(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    unset = replace(desk.settings, smtp_host="", smtp_from="")
    clear = replace(desk.settings, smtp_user="truc", smtp_password=Secret("mật-khẩu-smtp"))
    assert not EmailNotifier(unset).enabled
    assert not EmailNotifier(clear).enabled  # a password never goes without TLS
    assert EmailNotifier(desk.settings).enabled
    notifiers(unset, desk.client, {})
    notifiers(clear, desk.client, desk.adapters)
    said = [vars(r) for r in caplog.records if r.msg == "on-call notifiers"]
    assert [(r["channel"], r["email"]) for r in said] == [
        ("disabled: no Zalo or Messenger", "disabled: SMTP_HOST or SMTP_FROM unset"),
        ("enabled", f"disabled: {CLEAR}"),
    ]
    assert "mật-khẩu-smtp" not in caplog.text


async def test_a_relay_that_hangs_holds_the_tick_up_only_so_long(
    desk: Desk, fakes: tuple[FakeZalo, FakeGraph], smtp: FakeSmtp
) -> None:
    zalo, _ = fakes
    await desk.account("minh")
    await desk.account("lan")
    await desk.roster.add("sup", "minh", "minh@111.example.vn")
    await desk.roster.add("sup", "lan", "lan@111.example.vn", "zalo", "ZLAN001")
    await desk.wrote_to_oa("zalo", "ZLAN001")
    conv, _ = await desk.child("imminent")
    smtp.stall = 3.0
    pager = desk.pager(smtp_timeout=2.0)
    pager.notify_timeout = 0.3
    started = time.monotonic()
    await pager.tick()
    assert time.monotonic() - started < 2.0
    assert [e.detail for e in await desk.audit()][:1] == [
        f"#{conv} minh step=1 via=email: timeout"
    ]
    [sent] = zalo.messages  # the next person at once
    assert sent["recipient"] == {"user_id": "ZLAN001"}
